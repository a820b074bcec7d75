package mixpeek

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// keyDefaults are the values the framework plans for the key's defaulted attributes when the
// configuration leaves them null; keyDefaultsErr is set when the schema has a default that
// cannot be known here, and then no plan takes the shortcut.
var keyDefaults, keyDefaultsErr = tfvalue.TopLevelDefaults(context.Background(), keySchema())

// keyClockAttributes make a plan depend on the clock or change a key without a configuration
// change: rotation by age, lifetime, rotation triggers, age and usage warnings.
var keyClockAttributes = []string{"rotate_after", "expire_after", "rotation_triggers", "warn_unused_after", "warn_older_than"}

// KeyPlanUnchanged answers the plan of an apikey_mixpeek_key whose proposed new state equals its
// prior state when the framework, the schema's plan modifiers and ModifyPlan plan that same
// state, with no diagnostics, no replacement, the prior private data and nothing else: ok, and
// planned is the framework's encoding of it when changed (see withPlannedPermissions), otherwise
// the prior state is. config and prior are the request's decoded configuration and prior state, private
// its private data as the framework hands it to ModifyPlan; providerData is what the provider's
// Configure handed to resources. It is false whenever any rule could plan something else, and
// the caller asks the framework then:
//
//   - the mixpeek backend is not configured (ModifyPlan reports it);
//   - a defaulted attribute (store_plaintext) is null in the configuration while the prior value
//     is not its default: the framework plans the default;
//   - rotate_after, expire_after, rotation_triggers, warn_unused_after or warn_older_than is set
//     in the configuration or the state: the plan depends on the clock (expiry from a lifetime,
//     rotation due, age and usage warnings) or on triggers;
//   - permissions are unset in the configuration and the prior permissions are not the set
//     ModifyPlan plans for them: the permissions recorded in private data at create or import,
//     otherwise the documented default (a permission changed outside Terraform is planned away);
//     the same set in another order is answered, as the framework encodes it (changed);
//   - the configuration sets no expires_at while the state has one (planned away), or the
//     state's expiry does not parse (ModifyPlan's expiry check reports it);
//   - the configuration sets no rate_limit_override while the state has one: ModifyPlan plans
//     its removal, or keeps an override Mixpeek kept, with a warning;
//   - the plaintext is in state although store_plaintext or plaintext_age_recipients say it is
//     not kept (planned null).
//
// Rules that cannot fire when plan equals state need no check: UseStateForUnknown (the plan
// holds no unknown), RequiresReplace (it acts only on a changed value), KeepEquivalentTime (it
// plans the prior value), the status and volatile attributes ModifyPlan marks only when the
// expiry or the plan changes, and ValidateExpiry (an unchanged expiry is not checked).
func KeyPlanUnchanged(providerData any, config, prior tftypes.Value, private map[string][]byte) (planned tftypes.Value, changed, ok bool) {
	if !keyPlanUnchanged(providerData, config, prior, private) {
		return planned, false, false
	}
	return withPlannedPermissions(config, prior, private)
}

// keyPlanUnchanged is every check of KeyPlanUnchanged but the permissions'.
func keyPlanUnchanged(providerData any, config, prior tftypes.Value, private map[string][]byte) bool {
	if keyDefaultsErr != nil {
		return false
	}
	svc, diags := lookup(providerData)
	if diags.HasError() || !svc.OK() {
		return false
	}
	var cfg, st map[string]tftypes.Value
	if config.IsNull() || !config.IsKnown() || prior.IsNull() || !prior.IsKnown() || config.As(&cfg) != nil || prior.As(&st) != nil {
		return false
	}
	both := func(name string) (c, s tftypes.Value, ok bool) {
		c, ok1 := cfg[name]
		s, ok2 := st[name]
		return c, s, ok1 && ok2
	}
	for name, def := range keyDefaults {
		c, s, ok := both(name)
		if !ok || (c.IsNull() && !s.Equal(def)) {
			return false
		}
	}
	for _, name := range keyClockAttributes {
		c, s, ok := both(name)
		if !ok || !c.IsNull() || !s.IsNull() {
			return false
		}
	}
	for _, name := range []string{"expires_at", "rate_limit_override"} {
		c, s, ok := both(name)
		if !ok || (c.IsNull() && !s.IsNull()) {
			return false
		}
	}
	if _, s, _ := both("expires_at"); !s.IsNull() {
		var at string
		if s.As(&at) != nil || !tfvalue.SameInstant(at, at) {
			return false
		}
	}
	return plaintextAsPlanned(st)
}

// withPlannedPermissions is the plan of permissions: the prior state when the configuration sets
// them (the proposed value is the prior one); otherwise ModifyPlan's default, which must be the
// prior set, and which the framework then encodes in the order ModifyPlan writes it (the order
// Mixpeek reported at create), where the CLI sends sets in its own order. changed is that
// reordering; ok is false when the default is another set.
func withPlannedPermissions(config, prior tftypes.Value, private map[string][]byte) (planned tftypes.Value, changed, ok bool) {
	var cfg, st map[string]tftypes.Value
	if config.As(&cfg) != nil || prior.As(&st) != nil {
		return planned, false, false
	}
	c, s := cfg["permissions"], st["permissions"]
	if _, okc := cfg["permissions"]; !okc {
		return planned, false, false
	}
	if _, oks := st["permissions"]; !oks {
		return planned, false, false
	}
	if !c.IsNull() {
		return prior, false, true
	}
	want := plannedDefaultPermissions(private)
	have, ok := stringElements(s)
	if !ok || !sameSet(have, want) {
		return planned, false, false
	}
	if slices.Equal(have, want) {
		return prior, false, true
	}
	elems := make([]tftypes.Value, len(want))
	for i, p := range want {
		elems[i] = tftypes.NewValue(tftypes.String, p)
	}
	st["permissions"] = tftypes.NewValue(s.Type(), elems)
	return tftypes.NewValue(prior.Type(), st), true, true
}

// plaintextAsPlanned reports whether the state's plaintext is what keylife.Plan leaves: null
// unless store_plaintext is true and no age recipients are set.
func plaintextAsPlanned(st map[string]tftypes.Value) bool {
	plaintext, ok := st["plaintext"]
	if !ok {
		return false
	}
	if plaintext.IsNull() {
		return true
	}
	var store bool
	if v, ok := st["store_plaintext"]; !ok || v.IsNull() || v.As(&store) != nil || !store {
		return false
	}
	recipients, ok := st["plaintext_age_recipients"]
	if !ok {
		return false
	}
	var elems []tftypes.Value
	return recipients.IsNull() || (recipients.As(&elems) == nil && len(elems) == 0)
}

// plannedDefaultPermissions is what ModifyPlan plans for permissions the configuration leaves
// unset on an existing key, from the same private data.
func plannedDefaultPermissions(private map[string][]byte) []string {
	if def := defaultPermissions(context.Background(), privateKeys(private)); def != nil {
		return def
	}
	return documentedDefaultPermissions
}

// privateKeys is decoded private data in the shape of the framework's, for the code both paths
// share.
type privateKeys map[string][]byte

func (p privateKeys) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

// stringElements are the elements of a known, non-null set of known strings, in its order.
func stringElements(v tftypes.Value) ([]string, bool) {
	var elems []tftypes.Value
	if v.IsNull() || !v.IsKnown() || v.As(&elems) != nil {
		return nil, false
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		var s string
		if !e.IsKnown() || e.IsNull() || e.As(&s) != nil {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// sameSet reports whether have (a set's elements, so each once) and want hold the same strings:
// as many, and each of have in want (want then has no duplicate either).
func sameSet(have, want []string) bool {
	if len(have) != len(want) {
		return false
	}
	for _, h := range have {
		if !slices.Contains(want, h) {
			return false
		}
	}
	return true
}
