package unkey

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// createAttr is what the framework plans for one top-level attribute of a create.
type createAttr struct {
	// fromProposed: the attribute is optional or required and not computed, and the framework
	// plans the proposed value whatever it is.
	fromProposed bool
	// computedOnly: the attribute is computed and not optional; the framework plans it unknown.
	computedOnly bool
	// whenNull is planned when the configuration leaves the attribute null (defaults, the
	// plan modifiers' create defaults, ModifyPlan's null expiry); otherwise the proposed value.
	whenNull tftypes.Value
}

// keyCreateAttrs describes the create plan of every attribute of the key's schema;
// keyCreateErr is set when the schema has something the create rule does not know, and then no
// create takes the shortcut.
var keyCreateAttrs, keyCreateErr = createAttrs(context.Background(), keySchema())

// createNullByModifyPlan are the optional computed attributes without a default that ModifyPlan
// plans null on create when the configuration leaves them null (keylife.Plan: no expire_after
// and no expires_at means no expiry).
var createNullByModifyPlan = map[string]bool{"expires_at": true}

// createNoopModifiers are the plan modifier types that do nothing when there is no prior state:
// UseStateForUnknown and RequiresReplace(If) of every kind act only on an existing resource, and
// keepEquivalent compares with a prior value. DefaultUnlessImported is handled on its own.
var createNoopModifiers = []string{".useStateForUnknownModifier", ".requiresReplaceIfModifier", ".requiresReplaceModifier", "tfvalue.keepEquivalent"}

func createAttrs(ctx context.Context, s schema.Schema) (map[string]createAttr, error) {
	if keyDefaultsErr != nil {
		return nil, keyDefaultsErr
	}
	if len(s.Blocks) > 0 {
		return nil, fmt.Errorf("blocks are not handled")
	}
	out := map[string]createAttr{}
	for name, a := range s.Attributes {
		typ := a.GetType().TerraformType(ctx)
		var modifiers []any
		var nested map[string]schema.Attribute
		switch a := a.(type) {
		case schema.StringAttribute:
			modifiers = anySlice(a.PlanModifiers)
		case schema.BoolAttribute:
			modifiers = anySlice(a.PlanModifiers)
		case schema.Int64Attribute:
			modifiers = anySlice(a.PlanModifiers)
		case schema.SetAttribute:
			modifiers = anySlice(a.PlanModifiers)
		case schema.MapAttribute:
			modifiers = anySlice(a.PlanModifiers)
		case schema.SingleNestedAttribute:
			modifiers, nested = anySlice(a.PlanModifiers), a.Attributes
		case schema.SetNestedAttribute:
			modifiers, nested = anySlice(a.PlanModifiers), a.NestedObject.Attributes
		default:
			return nil, fmt.Errorf("attribute %s: %T is not handled", name, a)
		}
		// Nested attributes of configurable objects are planned as configured only when none of
		// them is computed, defaulted or modified; computed-only objects are planned unknown whole.
		if nested != nil && !(a.IsComputed() && !a.IsOptional()) {
			if err := plainNested(name, nested); err != nil {
				return nil, err
			}
		}
		var createDefault *tftypes.Value
		for _, m := range modifiers {
			kind := fmt.Sprintf("%T", m)
			switch d := m.(type) {
			case tfvalue.DefaultUnlessImported[int64]:
				v, err := types.Int64Value(d.Default).ToTerraformValue(ctx)
				if err != nil {
					return nil, err
				}
				createDefault = &v
				continue
			case tfvalue.DefaultUnlessImported[bool]:
				v, err := types.BoolValue(d.Default).ToTerraformValue(ctx)
				if err != nil {
					return nil, err
				}
				createDefault = &v
				continue
			}
			if !hasAnySuffix(kind, createNoopModifiers) {
				return nil, fmt.Errorf("attribute %s: plan modifier %s is not known to the create rule", name, kind)
			}
		}
		def, hasDefault := keyDefaults[name]
		switch {
		case a.IsComputed() && !a.IsOptional():
			if hasDefault || createDefault != nil {
				return nil, fmt.Errorf("attribute %s: a default on a computed-only attribute is not handled", name)
			}
			out[name] = createAttr{computedOnly: true, whenNull: tftypes.NewValue(typ, tftypes.UnknownValue)}
		case !a.IsComputed():
			if hasDefault || createDefault != nil {
				return nil, fmt.Errorf("attribute %s: a default on an attribute that is not computed is not handled", name)
			}
			out[name] = createAttr{fromProposed: true}
		case hasDefault && createDefault == nil:
			out[name] = createAttr{whenNull: def}
		case createDefault != nil && !hasDefault:
			out[name] = createAttr{whenNull: *createDefault}
		case createNullByModifyPlan[name] && !hasDefault:
			out[name] = createAttr{whenNull: tftypes.NewValue(typ, nil)}
		default:
			return nil, fmt.Errorf("attribute %s: optional computed attribute without a known create plan", name)
		}
	}
	return out, nil
}

func anySlice[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// plainNested fails when a nested attribute could change the proposed value on create.
func plainNested(parent string, attrs map[string]schema.Attribute) error {
	for name, a := range attrs {
		if a.IsComputed() {
			return fmt.Errorf("attribute %s.%s: computed nested attributes are not handled", parent, name)
		}
		switch a := a.(type) {
		case schema.StringAttribute:
			if len(a.PlanModifiers) > 0 || a.Default != nil {
				return fmt.Errorf("attribute %s.%s: plan modifiers are not handled", parent, name)
			}
		case schema.Int64Attribute:
			if len(a.PlanModifiers) > 0 || a.Default != nil {
				return fmt.Errorf("attribute %s.%s: plan modifiers are not handled", parent, name)
			}
		case schema.BoolAttribute:
			if len(a.PlanModifiers) > 0 || a.Default != nil {
				return fmt.Errorf("attribute %s.%s: plan modifiers are not handled", parent, name)
			}
		case schema.SingleNestedAttribute:
			if len(a.PlanModifiers) > 0 || a.Default != nil {
				return fmt.Errorf("attribute %s.%s: plan modifiers are not handled", parent, name)
			}
			if err := plainNested(parent+"."+name, a.Attributes); err != nil {
				return err
			}
		default:
			return fmt.Errorf("attribute %s.%s: %T is not handled", parent, name, a)
		}
	}
	return nil
}

// KeyPlanCreate returns the plan of an apikey_unkey_key create (no prior state) when it can be
// computed exactly as the framework, the schema's defaults and plan modifiers and ModifyPlan
// compute it: the proposed value for every configured attribute, the default for an unset
// defaulted one (enabled, permanent_delete, rotation_mode, store_plaintext, and byte_length and
// recoverable through DefaultUnlessImported), unknown for computed-only ones, a null expires_at
// when the configuration sets none, and plaintext and encrypted_plaintext null when keylife.Plan
// makes them so. config and proposed are the request's decoded configuration and proposed new
// state. It is false, and the caller asks the framework, whenever anything else could happen:
//
//   - the unkey backend is not configured (ModifyPlan reports it);
//   - expire_after is known (the expiry is planned unknown and checked against the clock), or
//     expires_at is known and keylife.ValidateExpiry rejects it at the backend's clock;
//   - store_plaintext or plaintext_age_recipients is unknown, or recoverable is unknown when it
//     decides the warning below (they decide which secret attributes are planned);
//   - the plan would warn that the secret is unrecoverable (store_plaintext false, no
//     recipients, not recoverable);
//   - a computed-only attribute is set in the configuration.
//
// Unknown values elsewhere in the configuration are planned as proposed, like the framework.
func KeyPlanCreate(providerData any, config, proposed tftypes.Value) (tftypes.Value, bool) {
	if keyCreateErr != nil {
		return tftypes.Value{}, false
	}
	svc, diags := lookup(providerData)
	if diags.HasError() || !svc.OK() {
		return tftypes.Value{}, false
	}
	var cfg, prop map[string]tftypes.Value
	if config.IsNull() || !config.IsKnown() || proposed.IsNull() || !proposed.IsKnown() || config.As(&cfg) != nil || proposed.As(&prop) != nil {
		return tftypes.Value{}, false
	}
	if len(cfg) != len(keyCreateAttrs) || len(prop) != len(keyCreateAttrs) {
		return tftypes.Value{}, false
	}
	planned := make(map[string]tftypes.Value, len(keyCreateAttrs))
	for name, a := range keyCreateAttrs {
		c, ok1 := cfg[name]
		p, ok2 := prop[name]
		if !ok1 || !ok2 {
			return tftypes.Value{}, false
		}
		switch {
		case a.fromProposed:
			planned[name] = p
		case a.computedOnly:
			if !c.IsNull() {
				return tftypes.Value{}, false // not from Terraform; the framework keeps it, partly unknown
			}
			planned[name] = a.whenNull
		case c.IsNull():
			planned[name] = a.whenNull
		default:
			planned[name] = p
		}
	}
	// keylife.Plan: a known expire_after plans the expiry unknown and checks it against the clock.
	if e := cfg["expire_after"]; e.IsKnown() && !e.IsNull() {
		return tftypes.Value{}, false
	}
	// keylife.ValidateExpiry: a configured expiry must be in the future and within the bound.
	if e := planned["expires_at"]; e.IsKnown() && !e.IsNull() {
		var s string
		if e.As(&s) != nil {
			return tftypes.Value{}, false
		}
		// The framework decodes an invalid time without error (the validator reports it); the
		// model's value is the plain string then, which this constructor does not give.
		v, diags := timetypes.NewRFC3339Value(s)
		if len(diags) > 0 {
			return tftypes.Value{}, false
		}
		keylife.ValidateExpiry(policy, v, timetypes.NewRFC3339Null(), svc.Value.now(), &diags)
		if len(diags) > 0 {
			return tftypes.Value{}, false
		}
	}
	// keylife.Plan: which secret attributes stay unknown, and the unrecoverable-secret warning.
	store, recipients := planned["store_plaintext"], planned["plaintext_age_recipients"]
	if !store.IsKnown() || store.IsNull() || !recipients.IsKnown() {
		return tftypes.Value{}, false
	}
	var storeOn bool
	var elems []tftypes.Value
	if store.As(&storeOn) != nil || (!recipients.IsNull() && recipients.As(&elems) != nil) {
		return tftypes.Value{}, false
	}
	if keep := storeOn && len(elems) == 0; !keep {
		if recipients.IsNull() {
			var revealable bool
			if r := planned["recoverable"]; !r.IsKnown() || r.IsNull() || r.As(&revealable) != nil || !revealable {
				return tftypes.Value{}, false // the warning, or a recoverable that decides it
			}
		}
		planned["plaintext"] = tftypes.NewValue(tftypes.String, nil)
	}
	if recipients.IsNull() {
		planned["encrypted_plaintext"] = tftypes.NewValue(tftypes.String, nil)
	}
	if tftypes.ValidateValue(proposed.Type(), planned) != nil {
		return tftypes.Value{}, false
	}
	return tftypes.NewValue(proposed.Type(), planned), true
}
