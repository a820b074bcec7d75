package unkey

import (
	"context"

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

// KeyPlanUnchanged reports whether the plan of an apikey_unkey_key whose proposed new state
// equals its prior state is that prior state, with no diagnostics, no replacement and nothing
// else: what the framework, the schema's plan modifiers and ModifyPlan answer then. config and
// prior are the request's decoded configuration and prior state; providerData is what the
// provider's Configure handed to resources. It is false whenever any rule could plan something
// else, and the caller asks the framework then:
//
//   - the unkey backend is not configured (ModifyPlan reports it);
//   - a defaulted attribute (enabled, permanent_delete, rotation_mode, store_plaintext) is null
//     in the configuration while the prior value is not its default: the framework plans the
//     default, a change (a key disabled outside Terraform);
//   - rotate_after, expire_after, rotation_triggers, warn_unused_after or warn_older_than is set
//     in the configuration or the state: the plan depends on the clock (rotation due, warnings)
//     or on triggers;
//   - the configuration sets no expires_at while the state has one (an expiry added outside
//     Terraform, planned away by ModifyPlan);
//   - previous_key is set: a retiring key whose deadline matters.
//
// Rules that cannot fire when plan equals state need no check: UseStateForUnknown (the plan holds
// no unknown), RequiresReplace and RequiresReplaceIf (they act only on a changed value),
// DefaultUnlessImported (it keeps the prior value), the equivalent-value modifiers (they plan the
// prior value) and ModifyPlan's update branch (it runs only when the plan differs from state).
func KeyPlanUnchanged(providerData any, config, prior tftypes.Value) bool {
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
	attr := func(m map[string]tftypes.Value, name string) (tftypes.Value, bool) {
		v, ok := m[name]
		return v, ok
	}
	for name, def := range keyDefaults {
		c, ok1 := attr(cfg, name)
		s, ok2 := attr(st, name)
		if !ok1 || !ok2 || (c.IsNull() && !s.Equal(def)) {
			return false
		}
	}
	for _, name := range keyClockAttributes {
		c, ok1 := attr(cfg, name)
		s, ok2 := attr(st, name)
		if !ok1 || !ok2 || !c.IsNull() || !s.IsNull() {
			return false
		}
	}
	cfgExpires, ok1 := attr(cfg, "expires_at")
	stExpires, ok2 := attr(st, "expires_at")
	if !ok1 || !ok2 || (cfgExpires.IsNull() && !stExpires.IsNull()) {
		return false
	}
	prev, ok := attr(st, "previous_key")
	return ok && prev.IsNull()
}
