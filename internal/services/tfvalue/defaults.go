package tfvalue

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TopLevelDefaults returns the Default of every top-level attribute of s that has one, as the
// Terraform value the framework plans when the configuration leaves the attribute null. It fails
// for a default it cannot evaluate here (a kind not handled, or one inside a nested attribute),
// so a caller that relies on knowing every default can refuse to guess.
func TopLevelDefaults(ctx context.Context, s schema.Schema) (map[string]tftypes.Value, error) {
	out := map[string]tftypes.Value{}
	for name, a := range s.Attributes {
		p := path.Root(name)
		var (
			v interface {
				ToTerraformValue(context.Context) (tftypes.Value, error)
			}
			err error
		)
		switch a := a.(type) {
		case schema.BoolAttribute:
			if a.Default != nil {
				resp := defaults.BoolResponse{}
				a.Default.DefaultBool(ctx, defaults.BoolRequest{Path: p}, &resp)
				v, err = resp.PlanValue, diagErr(resp.Diagnostics.HasError(), name)
			}
		case schema.StringAttribute:
			if a.Default != nil {
				resp := defaults.StringResponse{}
				a.Default.DefaultString(ctx, defaults.StringRequest{Path: p}, &resp)
				v, err = resp.PlanValue, diagErr(resp.Diagnostics.HasError(), name)
			}
		case schema.Int64Attribute:
			if a.Default != nil {
				resp := defaults.Int64Response{}
				a.Default.DefaultInt64(ctx, defaults.Int64Request{Path: p}, &resp)
				v, err = resp.PlanValue, diagErr(resp.Diagnostics.HasError(), name)
			}
		case schema.SingleNestedAttribute:
			if a.Default != nil || nestedDefaults(a.Attributes) {
				return nil, fmt.Errorf("attribute %s: defaults of nested attributes are not handled", name)
			}
		case schema.SetNestedAttribute:
			if a.Default != nil || nestedDefaults(a.NestedObject.Attributes) {
				return nil, fmt.Errorf("attribute %s: defaults of nested attributes are not handled", name)
			}
		case schema.ListNestedAttribute:
			if a.Default != nil || nestedDefaults(a.NestedObject.Attributes) {
				return nil, fmt.Errorf("attribute %s: defaults of nested attributes are not handled", name)
			}
		case schema.SetAttribute:
			if a.Default != nil {
				return nil, fmt.Errorf("attribute %s: set defaults are not handled", name)
			}
		case schema.MapAttribute:
			if a.Default != nil {
				return nil, fmt.Errorf("attribute %s: map defaults are not handled", name)
			}
		case schema.ListAttribute:
			if a.Default != nil {
				return nil, fmt.Errorf("attribute %s: list defaults are not handled", name)
			}
		default:
			return nil, fmt.Errorf("attribute %s: %T is not handled", name, a)
		}
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		tv, err := v.ToTerraformValue(ctx)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		out[name] = tv
	}
	if len(s.Blocks) > 0 {
		return nil, fmt.Errorf("blocks are not handled")
	}
	return out, nil
}

func diagErr(failed bool, name string) error {
	if failed {
		return fmt.Errorf("attribute %s: its default reported an error", name)
	}
	return nil
}

// nestedDefaults reports whether any nested attribute declares a default.
func nestedDefaults(attrs map[string]schema.Attribute) bool {
	for _, a := range attrs {
		switch a := a.(type) {
		case schema.BoolAttribute:
			if a.Default != nil {
				return true
			}
		case schema.StringAttribute:
			if a.Default != nil {
				return true
			}
		case schema.Int64Attribute:
			if a.Default != nil {
				return true
			}
		case schema.Float64Attribute:
			if a.Default != nil {
				return true
			}
		case schema.SingleNestedAttribute:
			if a.Default != nil || nestedDefaults(a.Attributes) {
				return true
			}
		case schema.SetAttribute:
			if a.Default != nil {
				return true
			}
		case schema.ListAttribute:
			if a.Default != nil {
				return true
			}
		case schema.MapAttribute:
			if a.Default != nil {
				return true
			}
		case schema.SetNestedAttribute, schema.ListNestedAttribute, schema.MapNestedAttribute, schema.Int32Attribute,
			schema.Float32Attribute, schema.NumberAttribute, schema.ObjectAttribute, schema.DynamicAttribute:
			// Not used inside this provider's nested objects; treated as possibly defaulted.
			return true
		}
	}
	return false
}
