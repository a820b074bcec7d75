package tfvalue

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Validating a resource configuration as the framework does, without its walk. For every
// attribute the framework looks the value up again from the root of the configuration, and each
// lookup rebuilds the schema's attribute map at every step; for a schema of about forty
// attributes that walk, not the validators, is most of the cost of ValidateResourceConfig.
// ValidateResourceConfig here runs the same steps in the same way (the resource's Configure,
// config validators and ValidateConfig; then per attribute the definition checks, the value's own
// validation, read-only and required checks, the attribute's validators, nested objects, and
// deprecation) taking each value from its parent. It handles the attribute kinds schemas here
// use and reports ErrUnsupported for any other, so the caller can ask the framework instead.

// ErrUnsupported reports a schema or value this validation does not handle.
var ErrUnsupported = errors.New("not handled outside the framework")

// ValidateResourceConfig returns the diagnostics the framework's ValidateResourceConfig gives r
// (a new instance, as the framework makes per request) for config, in an order that may differ.
func ValidateResourceConfig(ctx context.Context, r resource.Resource, s schema.Schema, providerData any, config tftypes.Value, writeOnlyAllowed bool) (diag.Diagnostics, error) {
	var diags diag.Diagnostics
	if len(s.Blocks) > 0 || s.DeprecationMessage != "" {
		return nil, ErrUnsupported
	}
	var values map[string]tftypes.Value
	if config.IsNull() || !config.IsKnown() || config.As(&values) != nil {
		return nil, ErrUnsupported
	}
	if rc, ok := r.(resource.ResourceWithConfigure); ok {
		resp := resource.ConfigureResponse{}
		rc.Configure(ctx, resource.ConfigureRequest{ProviderData: providerData}, &resp)
		diags.Append(resp.Diagnostics...)
		if diags.HasError() {
			return diags, nil
		}
	}
	cfg := tfsdk.Config{Schema: s, Raw: config}
	req := resource.ValidateConfigRequest{Config: cfg, ClientCapabilities: resource.ValidateConfigClientCapabilities{WriteOnlyAttributesAllowed: writeOnlyAllowed}}
	if rv, ok := r.(resource.ResourceWithConfigValidators); ok {
		for _, v := range rv.ConfigValidators(ctx) {
			resp := &resource.ValidateConfigResponse{}
			v.ValidateResource(ctx, req, resp)
			diags.Append(resp.Diagnostics...)
		}
	}
	if rv, ok := r.(resource.ResourceWithValidateConfig); ok {
		resp := &resource.ValidateConfigResponse{}
		rv.ValidateConfig(ctx, req, resp)
		diags.Append(resp.Diagnostics...)
	}
	w := walker{cfg: cfg, caps: validator.ValidateSchemaClientCapabilities{WriteOnlyAttributesAllowed: writeOnlyAllowed}}
	for name, a := range s.Attributes {
		raw, ok := values[name]
		if !ok {
			return nil, ErrUnsupported
		}
		if err := w.attribute(ctx, a, path.Root(name), path.MatchRoot(name), raw, &diags); err != nil {
			return nil, err
		}
	}
	return diags, nil
}

type walker struct {
	cfg  tfsdk.Config
	caps validator.ValidateSchemaClientCapabilities
}

// attribute is the framework's AttributeValidate for a, whose configuration value is raw. Its
// diagnostics are gathered apart first: as in the framework, an error of this attribute (and
// only of this one) stops the walk into its nested attributes.
func (w walker) attribute(ctx context.Context, a schema.Attribute, p path.Path, pe path.Expression, raw tftypes.Value, into *diag.Diagnostics) error {
	var diags diag.Diagnostics
	err := w.attributeInto(ctx, a, p, pe, raw, &diags)
	into.Append(diags...)
	return err
}

func (w walker) attributeInto(ctx context.Context, a schema.Attribute, p path.Path, pe path.Expression, raw tftypes.Value, diags *diag.Diagnostics) error {
	if a.IsWriteOnly() {
		return ErrUnsupported
	}
	if !a.IsRequired() && !a.IsOptional() && !a.IsComputed() {
		return ErrUnsupported // an invalid schema: let the framework word it
	}
	val, err := a.GetType().ValueFromTerraform(ctx, raw)
	if err != nil {
		return ErrUnsupported
	}
	// The value's own validation, as the framework's lookup of the value does it.
	var own diag.Diagnostics
	switch t := val.(type) {
	case xattr.ValidateableAttribute:
		resp := xattr.ValidateAttributeResponse{}
		t.ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: p}, &resp)
		own = resp.Diagnostics
	default:
		//nolint:staticcheck // the framework still honours the deprecated interface, so must this.
		if tv, ok := a.GetType().(xattr.TypeWithValidate); ok {
			own = tv.Validate(ctx, raw, p)
		}
	}
	diags.Append(own...)
	if own.HasError() {
		return nil
	}
	null, unknown := val.IsNull(), val.IsUnknown()
	if _, dynamic := val.(basetypes.DynamicValuable); dynamic {
		return ErrUnsupported
	}
	if a.IsComputed() && !a.IsOptional() && !null {
		diags.AddAttributeError(p, "Invalid Configuration for Read-Only Attribute",
			"Cannot set value for this attribute as the provider has marked it as read-only. Remove the configuration line setting the value.\n\n"+
				"Refer to the provider documentation or contact the provider developers for additional information about configurable and read-only attributes that are supported.")
	}
	if a.IsRequired() && null {
		diags.AddAttributeError(p, "Missing Configuration for Required Attribute",
			fmt.Sprintf("Must set a configuration value for the %s attribute as the provider has marked it as required.\n\n", p.String())+
				"Refer to the provider documentation or contact the provider developers for additional information about configurable attributes that are required.")
	}
	if err := w.validators(ctx, a, p, pe, val, diags); err != nil {
		return err
	}
	if err := w.nested(ctx, a, p, pe, val, raw, diags); err != nil {
		return err
	}
	if m := a.GetDeprecationMessage(); m != "" && !null && !unknown {
		diags.AddAttributeWarning(p, "Attribute Deprecated", m)
	}
	return nil
}

// validators runs a's own validators, as the framework's AttributeValidate<Kind> do.
func (w walker) validators(ctx context.Context, a schema.Attribute, p path.Path, pe path.Expression, val attr.Value, diags *diag.Diagnostics) error {
	switch a := a.(type) {
	case schema.StringAttribute:
		v, ok := val.(basetypes.StringValuable)
		if !ok {
			return ErrUnsupported
		}
		sv, d := v.ToStringValue(ctx)
		diags.Append(d...)
		if d.HasError() {
			return nil
		}
		req := validator.StringRequest{ClientCapabilities: w.caps, Config: w.cfg, ConfigValue: sv, Path: p, PathExpression: pe}
		for _, v := range a.Validators {
			resp := &validator.StringResponse{}
			v.ValidateString(ctx, req, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.Int64Attribute:
		v, ok := val.(basetypes.Int64Valuable)
		if !ok {
			return ErrUnsupported
		}
		iv, d := v.ToInt64Value(ctx)
		diags.Append(d...)
		if d.HasError() {
			return nil
		}
		req := validator.Int64Request{ClientCapabilities: w.caps, Config: w.cfg, ConfigValue: iv, Path: p, PathExpression: pe}
		for _, v := range a.Validators {
			resp := &validator.Int64Response{}
			v.ValidateInt64(ctx, req, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.BoolAttribute:
		v, ok := val.(basetypes.BoolValuable)
		if !ok {
			return ErrUnsupported
		}
		bv, d := v.ToBoolValue(ctx)
		diags.Append(d...)
		if d.HasError() {
			return nil
		}
		req := validator.BoolRequest{ClientCapabilities: w.caps, Config: w.cfg, ConfigValue: bv, Path: p, PathExpression: pe}
		for _, v := range a.Validators {
			resp := &validator.BoolResponse{}
			v.ValidateBool(ctx, req, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.SetAttribute:
		return w.setValidators(ctx, a.Validators, p, pe, val, diags)
	case schema.SetNestedAttribute:
		return w.setValidators(ctx, a.Validators, p, pe, val, diags)
	case schema.ListAttribute:
		v, ok := val.(basetypes.ListValuable)
		if !ok {
			return ErrUnsupported
		}
		lv, d := v.ToListValue(ctx)
		diags.Append(d...)
		if d.HasError() {
			return nil
		}
		req := validator.ListRequest{ClientCapabilities: w.caps, Config: w.cfg, ConfigValue: lv, Path: p, PathExpression: pe}
		for _, v := range a.Validators {
			resp := &validator.ListResponse{}
			v.ValidateList(ctx, req, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.MapAttribute:
		v, ok := val.(basetypes.MapValuable)
		if !ok {
			return ErrUnsupported
		}
		mv, d := v.ToMapValue(ctx)
		diags.Append(d...)
		if d.HasError() {
			return nil
		}
		req := validator.MapRequest{ClientCapabilities: w.caps, Config: w.cfg, ConfigValue: mv, Path: p, PathExpression: pe}
		for _, v := range a.Validators {
			resp := &validator.MapResponse{}
			v.ValidateMap(ctx, req, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.SingleNestedAttribute:
		return w.objectValidators(ctx, a.Validators, p, pe, val, diags)
	case schema.ObjectAttribute:
		return w.objectValidators(ctx, a.Validators, p, pe, val, diags)
	default:
		return ErrUnsupported
	}
	return nil
}

func (w walker) setValidators(ctx context.Context, vs []validator.Set, p path.Path, pe path.Expression, val attr.Value, diags *diag.Diagnostics) error {
	v, ok := val.(basetypes.SetValuable)
	if !ok {
		return ErrUnsupported
	}
	sv, d := v.ToSetValue(ctx)
	diags.Append(d...)
	if d.HasError() {
		return nil
	}
	req := validator.SetRequest{ClientCapabilities: w.caps, Config: w.cfg, ConfigValue: sv, Path: p, PathExpression: pe}
	for _, v := range vs {
		resp := &validator.SetResponse{}
		v.ValidateSet(ctx, req, resp)
		diags.Append(resp.Diagnostics...)
	}
	return nil
}

func (w walker) objectValidators(ctx context.Context, vs []validator.Object, p path.Path, pe path.Expression, val attr.Value, diags *diag.Diagnostics) error {
	v, ok := val.(basetypes.ObjectValuable)
	if !ok {
		return ErrUnsupported
	}
	ov, d := v.ToObjectValue(ctx)
	diags.Append(d...)
	if d.HasError() {
		return nil
	}
	req := validator.ObjectRequest{ClientCapabilities: w.caps, Config: w.cfg, ConfigValue: ov, Path: p, PathExpression: pe}
	for _, v := range vs {
		resp := &validator.ObjectResponse{}
		v.ValidateObject(ctx, req, resp)
		diags.Append(resp.Diagnostics...)
	}
	return nil
}

// nested is the framework's AttributeValidateNestedAttributes for the nested attributes this
// validation handles: sets of objects and single objects.
func (w walker) nested(ctx context.Context, a schema.Attribute, p path.Path, pe path.Expression, val attr.Value, raw tftypes.Value, diags *diag.Diagnostics) error {
	switch a := a.(type) {
	case schema.SetNestedAttribute:
		sv, d := val.(basetypes.SetValuable).ToSetValue(ctx)
		diags.Append(d...)
		if diags.HasError() {
			return nil
		}
		if sv.IsNull() || sv.IsUnknown() {
			return nil
		}
		var elems []tftypes.Value
		if err := raw.As(&elems); err != nil {
			return ErrUnsupported
		}
		// An element is found by its value; one not wholly known the framework finds by a
		// lookup this walk does not reproduce.
		for _, e := range elems {
			if !e.IsFullyKnown() {
				return ErrUnsupported
			}
		}
		for _, ev := range sv.Elements() {
			if err := w.object(ctx, a.NestedObject, p.AtSetValue(ev), pe.AtSetValue(ev), ev, diags); err != nil {
				return err
			}
		}
	case schema.SingleNestedAttribute:
		ov, d := val.(basetypes.ObjectValuable).ToObjectValue(ctx)
		diags.Append(d...)
		if diags.HasError() {
			return nil
		}
		if ov.IsNull() || ov.IsUnknown() {
			return nil
		}
		var attrs map[string]tftypes.Value
		if err := raw.As(&attrs); err != nil {
			return ErrUnsupported
		}
		for name, na := range a.Attributes {
			nraw, ok := attrs[name]
			if !ok {
				return ErrUnsupported
			}
			if err := w.attribute(ctx, na, p.AtName(name), pe.AtName(name), nraw, diags); err != nil {
				return err
			}
		}
	case schema.ListNestedAttribute, schema.MapNestedAttribute:
		return ErrUnsupported
	}
	return nil
}

// object is the framework's NestedAttributeObjectValidate for the set element ev.
func (w walker) object(ctx context.Context, o schema.NestedAttributeObject, p path.Path, pe path.Expression, ev attr.Value, diags *diag.Diagnostics) error {
	if len(o.Validators) > 0 {
		if err := w.objectValidators(ctx, o.Validators, p, pe, ev, diags); err != nil {
			return err
		}
	}
	tv, err := ev.ToTerraformValue(ctx)
	if err != nil {
		return ErrUnsupported
	}
	var attrs map[string]tftypes.Value
	if err := tv.As(&attrs); err != nil {
		return ErrUnsupported
	}
	for name, na := range o.Attributes {
		nraw, ok := attrs[name]
		if !ok {
			return ErrUnsupported
		}
		if err := w.attribute(ctx, na, p.AtName(name), pe.AtName(name), nraw, diags); err != nil {
			return err
		}
	}
	return nil
}

// ProtoDiagnostics converts diagnostics for the protocol as the framework does.
func ProtoDiagnostics(ctx context.Context, diags diag.Diagnostics) ([]*tfprotov6.Diagnostic, error) {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		pd := &tfprotov6.Diagnostic{Detail: d.Detail(), Summary: d.Summary()}
		switch d.Severity() {
		case diag.SeverityError:
			pd.Severity = tfprotov6.DiagnosticSeverityError
		case diag.SeverityWarning:
			pd.Severity = tfprotov6.DiagnosticSeverityWarning
		default:
			pd.Severity = tfprotov6.DiagnosticSeverityInvalid
		}
		if dp, ok := d.(diag.DiagnosticWithPath); ok {
			var steps []tftypes.AttributePathStep
			for _, step := range dp.Path().Steps() {
				switch s := step.(type) {
				case path.PathStepAttributeName:
					steps = append(steps, tftypes.AttributeName(string(s)))
				case path.PathStepElementKeyInt:
					steps = append(steps, tftypes.ElementKeyInt(int64(s)))
				case path.PathStepElementKeyString:
					steps = append(steps, tftypes.ElementKeyString(string(s)))
				case path.PathStepElementKeyValue:
					v, err := s.Value.ToTerraformValue(ctx)
					if err != nil {
						return nil, ErrUnsupported
					}
					steps = append(steps, tftypes.ElementKeyValue(v))
				default:
					return nil, ErrUnsupported
				}
			}
			pd.Attribute = tftypes.NewAttributePathWithSteps(steps)
		}
		out = append(out, pd)
	}
	return out, nil
}
