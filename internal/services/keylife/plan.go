package keylife

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Plan fills the plan values that follow from the secret and rotation settings, for creates
// (state nil) and updates. cfg is the configuration, plan the proposed new state.
func Plan(p Policy, now time.Time, cfg, plan, state Key, resp *resource.ModifyPlanResponse) {
	cl, pl := cfg.Life(), plan.Life()
	expiry := plan.Expiry()

	// expires_at is computed from expire_after, or follows the configuration (null clears it).
	expireAfter, hasExpireAfter := duration(cl.ExpireAfter)
	switch {
	case hasExpireAfter && state == nil:
		// The expiry is the creation time plus expire_after, and only the backend knows the
		// creation time: Create fills it in (StartExpireAfter, FinishExpireAfter). A value
		// computed here from the plan's clock would be off by the plan-to-create delay, making
		// the next plan update the key, and a saved plan applied later off by much more.
		*expiry = timetypes.NewRFC3339Unknown()
		if !p.MaxExpiry.IsZero() && now.Add(expireAfter).After(p.MaxExpiry) {
			resp.Diagnostics.AddAttributeError(path.Root("expire_after"), "Lifetime too long",
				fmt.Sprintf("expire_after (%s) would make the key expire after %s, the latest expiry the backend accepts.", expireAfter, p.MaxExpiry.UTC().Format(time.RFC3339)))
		}
	case hasExpireAfter:
		base := now
		if t, err := time.Parse(time.RFC3339Nano, state.Created().ValueString()); err == nil {
			base = t
		}
		*expiry = ExpiryValue(p, base.Add(expireAfter))
		// Keep the expiry set at create when it is that time up to clock skew: created_at may be
		// the provider's clock at create and the server's after a refresh. An expiry changed
		// outside Terraform, or a changed expire_after, is corrected in place.
		prior := *state.Expiry()
		if t, diags := prior.ValueRFC3339Time(); !prior.IsNull() && !diags.HasError() {
			if off := t.Sub(base.Add(expireAfter)); off <= expireAfterSkew && off >= -expireAfterSkew {
				*expiry = prior
			}
		}
	case cfg.Expiry().IsNull():
		*expiry = timetypes.NewRFC3339Null()
	}

	if rotate, ok := duration(pl.RotateAfter); ok {
		if expire, ok := duration(pl.ExpireAfter); ok && rotate >= expire {
			resp.Diagnostics.AddAttributeError(path.Root("rotate_after"), "Rotation after expiry",
				fmt.Sprintf("rotate_after (%s) must be shorter than expire_after (%s), or the key expires before it is rotated.", rotate, expire))
		}
	}

	keep := keepsPlaintext(pl)
	if !keep {
		pl.Plaintext = types.StringNull()
	}
	if state == nil {
		if pl.PlaintextAgeRecipients.IsNull() {
			pl.EncryptedPlaintext = types.StringNull()
		}
		if !keep && pl.PlaintextAgeRecipients.IsNull() && !plan.Revealable() {
			hint := ""
			if p.RevealHint != "" {
				hint = " " + p.RevealHint
			}
			resp.Diagnostics.AddAttributeWarning(path.Root("store_plaintext"), "The key's secret will be unrecoverable",
				"store_plaintext is false and no plaintext_age_recipients are set, and this key cannot be revealed later: its plaintext is shown to nobody. Set plaintext_age_recipients to keep an encrypted copy."+hint)
		}
		return
	}

	// Rotation by age: once the key is older than rotate_after, a normal plan rotates it.
	if rotationDue(pl.RotateAfter, *state.Created(), now) {
		*plan.Created() = types.StringUnknown()
		markRotation(state.KeyID(), *state.Created(), pl.RotateAfter, plan.Rerolls(), resp)
		if plan.Rerolls() {
			plan.MarkReroll()
		}
	}
	// A changed trigger rotates in place in reroll mode (otherwise its plan modifier replaces).
	if plan.Rerolls() && !pl.RotationTriggers.Equal(state.Life().RotationTriggers) {
		resp.Diagnostics.AddAttributeWarning(path.Root("rotation_triggers"), "Key rerolled in place",
			fmt.Sprintf("rotation_triggers of key %s changed, so this plan rerolls it: a new key with the same settings replaces it in place, and the old one keeps working for revoke_grace_period.", state.KeyID().ValueString()))
		plan.MarkReroll()
	}
}

func keepsPlaintext(m *Model) bool {
	return m.StorePlaintext.ValueBool() && (m.PlaintextAgeRecipients.IsNull() || len(m.PlaintextAgeRecipients.Elements()) == 0)
}

func duration(v types.String) (time.Duration, bool) {
	if v.IsNull() || v.IsUnknown() {
		return 0, false
	}
	d, err := time.ParseDuration(v.ValueString())
	return d, err == nil
}

// rotationDue reports whether a key created at createdAt is at least rotateAfter old at now.
func rotationDue(rotateAfter, createdAt types.String, now time.Time) bool {
	rotate, ok := duration(rotateAfter)
	if !ok {
		return false
	}
	created, err := time.Parse(time.RFC3339Nano, createdAt.ValueString())
	return err == nil && !now.Before(created.Add(rotate))
}

func markRotation(id, createdAt, rotateAfter types.String, reroll bool, resp *resource.ModifyPlanResponse) {
	how := "replaces it"
	if reroll {
		how = "rerolls it in place (rotation_mode = \"reroll\")"
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("rotate_after"), "Key due for rotation",
		fmt.Sprintf("Key %s was created at %s and rotate_after is %s, so this plan %s.", id.ValueString(), createdAt.ValueString(), rotateAfter.ValueString(), how))
	if !reroll {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("created_at"))
	}
}

// PlanRotationDue is the rotation check for a plan that otherwise changes nothing; it reads only
// the attributes it needs, which keeps a refresh of thousands of unchanged keys cheap. It reports
// whether a rotation is due; with markReroll (a resource that can reroll in place, and does) the
// rotation is planned by markReroll instead of a replacement.
func PlanRotationDue(ctx context.Context, now time.Time, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, markReroll func() bool) bool {
	var rotateAfter, createdAt, id types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("rotate_after"), &rotateAfter)...)
	if resp.Diagnostics.HasError() || rotateAfter.IsNull() {
		return false
	}
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("created_at"), &createdAt)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	if resp.Diagnostics.HasError() || !rotationDue(rotateAfter, createdAt, now) {
		return false
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("created_at"), types.StringUnknown())...)
	reroll := markReroll != nil && markReroll()
	markRotation(id, createdAt, rotateAfter, reroll, resp)
	return true
}

// ExpiryValue is t at the backend's precision. (timetypes.NewRFC3339TimeValue would format whole
// seconds and silently drop the milliseconds Unkey keeps.)
func ExpiryValue(p Policy, t time.Time) timetypes.RFC3339 {
	return timetypes.NewRFC3339ValueMust(t.UTC().Truncate(p.ExpiryPrecision).Format(time.RFC3339Nano))
}

// StartExpireAfter gives a key planned with expire_after an expiry before it is created (the
// apply-time clock plus expire_after), so it never exists without one.
func StartExpireAfter(p Policy, plan Key, now time.Time) {
	d, ok := duration(plan.Life().ExpireAfter)
	if !ok || !plan.Expiry().IsUnknown() {
		return
	}
	*plan.Expiry() = ExpiryValue(p, now.Add(d))
}

// FinishExpireAfter moves the expiry of a just-created key to exactly its creation time (as the
// backend reports it) plus expire_after, through update(next, prior). A failure leaves the key
// with the expiry it was created with and only warns: the next plan corrects it in place.
func FinishExpireAfter[M any, P interface {
	*M
	Key
}](p Policy, plan P, diags *diag.Diagnostics, update func(next, prior P, diags *diag.Diagnostics)) {
	d, ok := duration(plan.Life().ExpireAfter)
	if !ok {
		return
	}
	// The update reads the key back, so created_at is the server's record after the first round
	// even when Create reported the provider's clock; a second round aligns to that.
	for range 2 {
		created, err := time.Parse(time.RFC3339Nano, plan.Created().ValueString())
		if err != nil {
			return
		}
		want := ExpiryValue(p, created.Add(d))
		if tfvalue.SameInstant(want.ValueString(), plan.Expiry().ValueString()) {
			return
		}
		prior, next := *plan, *plan
		*P(&next).Expiry() = want
		var ud diag.Diagnostics
		update(&next, &prior, &ud)
		if ud.HasError() {
			for _, e := range ud.Errors() {
				diags.AddAttributeWarning(path.Root("expires_at"), "Key expiry not aligned with its creation time",
					fmt.Sprintf("Key %s was created expiring at %s; moving that to its creation time plus expire_after (%s) failed: %s: %s. The next plan corrects it.",
						plan.KeyID().ValueString(), plan.Expiry().ValueString(), want.ValueString(), e.Summary(), e.Detail()))
			}
			return
		}
		diags.Append(ud...)
		*plan = next
	}
}

// ValidateExpiry requires a new or changed expiry to be in the future and no later than the
// backend's bound. An unchanged expiry is not checked, so a key that expired naturally does not
// block plans.
func ValidateExpiry(p Policy, planned, prior timetypes.RFC3339, now time.Time, diags *diag.Diagnostics) {
	if planned.IsNull() || planned.IsUnknown() {
		return
	}
	if !prior.IsNull() && !prior.IsUnknown() && tfvalue.SameInstant(planned.ValueString(), prior.ValueString()) {
		return
	}
	t, d := planned.ValueRFC3339Time()
	if d.HasError() {
		diags.Append(d...)
		return
	}
	switch {
	case !t.After(now):
		diags.AddAttributeError(path.Root("expires_at"), "Expiry in the past",
			fmt.Sprintf("expires_at %s is not in the future (now is %s).", planned.ValueString(), now.UTC().Format(time.RFC3339)))
	case !p.MaxExpiry.IsZero() && t.After(p.MaxExpiry):
		diags.AddAttributeError(path.Root("expires_at"), "Expiry too far in the future",
			fmt.Sprintf("expires_at %s is after %s, the latest expiry the backend accepts.", planned.ValueString(), p.MaxExpiry.UTC().Format(time.RFC3339)))
	}
}

// GraceExpiry is when a key destroyed with revoke_grace_period stops working: now plus the
// period, never later than the expiry it already had. ok is false when no grace period applies.
func GraceExpiry(m *Model, expiresAt timetypes.RFC3339, now time.Time) (time.Time, bool) {
	d, ok := duration(m.RevokeGracePeriod)
	if !ok || d <= 0 {
		return time.Time{}, false
	}
	until := now.Add(d)
	if !expiresAt.IsNull() {
		if t, diags := expiresAt.ValueRFC3339Time(); !diags.HasError() && t.Before(until) {
			until = t
		}
	}
	return until.UTC(), true
}
