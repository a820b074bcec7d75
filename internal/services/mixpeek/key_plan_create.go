package mixpeek

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
)

// createNullByModifyPlan are the optional computed attributes without a default that ModifyPlan
// plans null on create when the configuration leaves them null: keylife.Plan (no expire_after
// and no expires_at) and planRateLimit. permissions, the third, stays unknown until Mixpeek
// chooses.
var createNullByModifyPlan = map[string]bool{"expires_at": true, "rate_limit_override": true}

// keyCreateKinds classifies every attribute of the schema for the create rule: "proposed"
// (configurable, not computed: the framework plans the proposed value), "computed" (computed
// only: unknown), "optional computed" (the proposed value when configured, else see
// KeyPlanCreate). keyCreateErr is set when the schema has an attribute the rule does not know,
// and then no create takes the shortcut.
var keyCreateKinds, keyCreateErr = createKinds()

func createKinds() (map[string]string, error) {
	if keyDefaultsErr != nil {
		return nil, keyDefaultsErr
	}
	out := map[string]string{}
	for name, a := range keySchema().Attributes {
		switch {
		case a.IsComputed() && !a.IsOptional():
			out[name] = "computed"
		case !a.IsComputed():
			out[name] = "proposed"
		case name == "permissions" || createNullByModifyPlan[name]:
			out[name] = "optional computed"
		case keyDefaults[name].Type() != nil:
			out[name] = "default"
		default:
			return nil, fmt.Errorf("attribute %s: optional computed attribute without a known create plan", name)
		}
	}
	return out, nil
}

// KeyPlanCreate returns the plan of an apikey_mixpeek_key create (no prior state) when it can be
// computed exactly as the framework, the schema's defaults and plan modifiers (none of which act
// without a prior state) and ModifyPlan compute it: the proposed value for every configured
// attribute, the default for an unset store_plaintext, unknown for computed-only ones and for
// unset permissions (Mixpeek chooses), null for an unset expires_at and rate_limit_override, and
// plaintext and encrypted_plaintext null when keylife.Plan makes them so. config and proposed are
// the request's decoded configuration and proposed new state. It is false, and the caller asks
// the framework, whenever anything else could happen:
//
//   - the mixpeek backend is not configured (ModifyPlan reports it);
//   - expire_after is set (the expiry is planned unknown and checked against the clock), or
//     expires_at is known and keylife.ValidateExpiry rejects it at the backend's clock;
//   - store_plaintext or plaintext_age_recipients is unknown (they decide which secret
//     attributes are planned);
//   - the plan would warn that the secret is unrecoverable (store_plaintext false and no
//     recipients: Mixpeek cannot show a key again);
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
	if len(cfg) != len(keyCreateKinds) || len(prop) != len(keyCreateKinds) {
		return tftypes.Value{}, false
	}
	planned := make(map[string]tftypes.Value, len(keyCreateKinds))
	for name, kind := range keyCreateKinds {
		c, ok1 := cfg[name]
		p, ok2 := prop[name]
		if !ok1 || !ok2 {
			return tftypes.Value{}, false
		}
		switch {
		case kind == "proposed", !c.IsNull():
			if kind == "computed" {
				return tftypes.Value{}, false // not from Terraform; the framework keeps it, partly unknown
			}
			planned[name] = p
		case kind == "computed" || name == "permissions":
			planned[name] = tftypes.NewValue(p.Type(), tftypes.UnknownValue)
		case kind == "default":
			planned[name] = keyDefaults[name]
		default:
			planned[name] = tftypes.NewValue(p.Type(), nil)
		}
	}
	// keylife.Plan: expire_after plans the expiry unknown and checks it against the clock.
	if e := cfg["expire_after"]; !e.IsNull() {
		return tftypes.Value{}, false
	}
	// keylife.ValidateExpiry: a configured expiry must be in the future.
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
			return tftypes.Value{}, false // the warning
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
