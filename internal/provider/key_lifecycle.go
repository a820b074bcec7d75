package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Secrets out of state and rotation: backend-neutral behaviour of apikey_key.

// Bounds of the rotation durations; one place for validators and docs.
const (
	minRotationDuration = time.Minute
	maxRotationDuration = 100 * 365 * 24 * time.Hour
	maxGracePeriod      = 90 * 24 * time.Hour
	// expireAfterSkew is how far an expiry may sit from created_at + expire_after and still count
	// as that time (clock skew between the provider and the backend, create latency).
	expireAfterSkew = 5 * time.Second
)

// planLifecycle fills the plan values that follow from the secret and rotation settings. It runs
// for creates and updates, after the backend checks.
func (r *keyResource) planLifecycle(ctx context.Context, cfg, plan, state *keyResourceModel, resp *resource.ModifyPlanResponse) {
	now := r.data.now()

	// expires_at is computed from expire_after, or follows the configuration (null clears it).
	switch {
	case !cfg.ExpireAfter.IsNull() && !cfg.ExpireAfter.IsUnknown() && state == nil:
		// The expiry is the creation time plus expire_after, and only the backend knows the
		// creation time: Create fills it in (startExpireAfter, finishExpireAfter). A value
		// computed here from the plan's clock would be off by the plan-to-create delay, making
		// the next plan update the key, and a saved plan applied later off by much more.
		plan.ExpiresAt = timetypes.NewRFC3339Unknown()
	case !cfg.ExpireAfter.IsNull() && !cfg.ExpireAfter.IsUnknown():
		d, _ := time.ParseDuration(cfg.ExpireAfter.ValueString())
		base := now
		if t, err := time.Parse(time.RFC3339Nano, state.CreatedAt.ValueString()); err == nil {
			base = t
		}
		plan.ExpiresAt = r.expiryValue(base.Add(d))
		// Keep the expiry set at create when it is that time up to clock skew: created_at may be
		// the provider's clock at create and the server's after a refresh. An expiry changed
		// outside Terraform, or a changed expire_after, is corrected in place.
		if t, diags := state.ExpiresAt.ValueRFC3339Time(); !state.ExpiresAt.IsNull() && !diags.HasError() {
			if off := t.Sub(base.Add(d)); off <= expireAfterSkew && off >= -expireAfterSkew {
				plan.ExpiresAt = state.ExpiresAt
			}
		}
	case cfg.ExpiresAt.IsNull():
		plan.ExpiresAt = timetypes.NewRFC3339Null()
	}

	if !plan.ExpireAfter.IsNull() && !plan.RotateAfter.IsNull() {
		expire, _ := time.ParseDuration(plan.ExpireAfter.ValueString())
		rotate, _ := time.ParseDuration(plan.RotateAfter.ValueString())
		if rotate >= expire {
			resp.Diagnostics.AddAttributeError(path.Root("rotate_after"), "Rotation after expiry",
				fmt.Sprintf("rotate_after (%s) must be shorter than expire_after (%s), or the key expires before it is rotated.", rotate, expire))
		}
	}

	keepPlaintext := plan.StorePlaintext.ValueBool() && (plan.PlaintextAgeRecipients.IsNull() || len(plan.PlaintextAgeRecipients.Elements()) == 0)
	if state == nil {
		if !keepPlaintext {
			plan.Plaintext = types.StringNull()
		}
		if plan.PlaintextAgeRecipients.IsNull() {
			plan.EncryptedPlaintext = types.StringNull()
		}
		if !keepPlaintext && plan.PlaintextAgeRecipients.IsNull() && !r.recoverable(plan) {
			resp.Diagnostics.AddAttributeWarning(path.Root("store_plaintext"), "The key's secret will be unrecoverable",
				"store_plaintext is false and no plaintext_age_recipients are set, and this key cannot be revealed later: its plaintext is shown to nobody. Set plaintext_age_recipients to keep an encrypted copy, or (Unkey) unkey.recoverable = true with an API that stores encrypted keys to read it through the apikey_key ephemeral resource.")
		}
		return
	}

	if !keepPlaintext {
		plan.Plaintext = types.StringNull()
	}

	// Rotation by age: once the key is older than rotate_after, a normal plan replaces it.
	if rotationDue(plan.RotateAfter, state.CreatedAt, now) {
		plan.CreatedAt = types.StringUnknown()
		markRotation(state.ID, state.CreatedAt, plan.RotateAfter, resp)
	}
}

// rotationDue reports whether a key created at createdAt is at least rotateAfter old at now.
func rotationDue(rotateAfter, createdAt types.String, now time.Time) bool {
	if rotateAfter.IsNull() || rotateAfter.IsUnknown() {
		return false
	}
	rotate, err := time.ParseDuration(rotateAfter.ValueString())
	if err != nil {
		return false
	}
	created, err := time.Parse(time.RFC3339Nano, createdAt.ValueString())
	return err == nil && !now.Before(created.Add(rotate))
}

func markRotation(id, createdAt, rotateAfter types.String, resp *resource.ModifyPlanResponse) {
	resp.Diagnostics.AddAttributeWarning(path.Root("rotate_after"), "Key due for rotation",
		fmt.Sprintf("Key %s was created at %s and rotate_after is %s, so this plan replaces it.", id.ValueString(), createdAt.ValueString(), rotateAfter.ValueString()))
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("created_at"))
}

// planRotationDue is the rotation check for a plan that otherwise changes nothing; it reads only
// the attributes it needs.
func (r *keyResource) planRotationDue(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var rotateAfter, createdAt, id types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("rotate_after"), &rotateAfter)...)
	if resp.Diagnostics.HasError() || rotateAfter.IsNull() {
		return
	}
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("created_at"), &createdAt)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	if resp.Diagnostics.HasError() || !rotationDue(rotateAfter, createdAt, r.data.now()) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("created_at"), types.StringUnknown())...)
	markRotation(id, createdAt, rotateAfter, resp)
}

// expiryPrecision is the resolution at which the backend stores an expiry: Unkey keeps
// milliseconds, Mixpeek is sent whole seconds.
func (r *keyResource) expiryPrecision() time.Duration {
	if r.backend() == backendMixpeek {
		return time.Second
	}
	return time.Millisecond
}

// expiryValue is t at the backend's precision. (timetypes.NewRFC3339TimeValue would format whole
// seconds and silently drop the milliseconds Unkey keeps.)
func (r *keyResource) expiryValue(t time.Time) timetypes.RFC3339 {
	return timetypes.NewRFC3339ValueMust(t.UTC().Truncate(r.expiryPrecision()).Format(time.RFC3339Nano))
}

// startExpireAfter gives a key planned with expire_after an expiry before it is created (the
// apply-time clock plus expire_after), so it never exists without one.
func (r *keyResource) startExpireAfter(plan *keyResourceModel, now time.Time) {
	if plan.ExpireAfter.IsNull() || plan.ExpireAfter.IsUnknown() || !plan.ExpiresAt.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(plan.ExpireAfter.ValueString())
	if err != nil {
		return
	}
	plan.ExpiresAt = r.expiryValue(now.Add(d))
}

// finishExpireAfter moves the expiry of a just-created key to exactly its creation time (as the
// backend reports it) plus expire_after. A failure leaves the key with the expiry it was created
// with and only warns: the next plan corrects it in place.
func (r *keyResource) finishExpireAfter(ctx context.Context, plan *keyResourceModel, diags *diag.Diagnostics) {
	if plan.ExpireAfter.IsNull() || plan.ExpireAfter.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(plan.ExpireAfter.ValueString())
	if err != nil {
		return
	}
	// The update reads the key back, so created_at is the server's record after the first round
	// even when Create reported the provider's clock; a second round aligns to that.
	for range 2 {
		created, err := time.Parse(time.RFC3339Nano, plan.CreatedAt.ValueString())
		if err != nil {
			return
		}
		want := r.expiryValue(created.Add(d))
		if sameInstant(want.ValueString(), plan.ExpiresAt.ValueString()) {
			return
		}
		prior, next := *plan, *plan
		next.ExpiresAt = want
		var ud diag.Diagnostics
		if r.backend() == backendMixpeek {
			r.updateMixpeek(ctx, &next, &prior, &ud)
		} else {
			r.updateUnkey(ctx, &next, &prior, &ud)
		}
		if ud.HasError() {
			for _, e := range ud.Errors() {
				diags.AddAttributeWarning(path.Root("expires_at"), "Key expiry not aligned with its creation time",
					fmt.Sprintf("Key %s was created expiring at %s; moving that to its creation time plus expire_after (%s) failed: %s: %s. The next plan corrects it.",
						plan.ID.ValueString(), plan.ExpiresAt.ValueString(), want.ValueString(), e.Summary(), e.Detail()))
			}
			return
		}
		diags.Append(ud...)
		*plan = next
	}
}

func (r *keyResource) recoverable(m *keyResourceModel) bool {
	return m.Unkey != nil && m.Unkey.Recoverable.ValueBool()
}

// storeSecret places a freshly created plaintext in the model according to store_plaintext and
// plaintext_age_recipients.
func storeSecret(ctx context.Context, m *keyResourceModel, plaintext string, diags *diag.Diagnostics) {
	recipients := setStrings(ctx, m.PlaintextAgeRecipients, diags)
	if len(recipients) > 0 {
		armored, err := encryptForRecipients(plaintext, recipients)
		if err != nil {
			diags.AddAttributeError(path.Root("plaintext_age_recipients"), "Error encrypting the key", err.Error())
			return
		}
		m.EncryptedPlaintext = types.StringValue(armored)
		m.Plaintext = types.StringNull()
		return
	}
	m.EncryptedPlaintext = types.StringNull()
	if m.StorePlaintext.ValueBool() {
		m.Plaintext = types.StringValue(plaintext)
	} else {
		m.Plaintext = types.StringNull()
	}
}

func encryptForRecipients(plaintext string, recipients []string) (string, error) {
	parsed := make([]age.Recipient, 0, len(recipients))
	for _, r := range recipients {
		rec, err := parseAgeRecipient(r)
		if err != nil {
			return "", err
		}
		parsed = append(parsed, rec)
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, parsed...)
	if err != nil {
		return "", fmt.Errorf("starting age encryption: %w", err)
	}
	if _, err := io.WriteString(w, plaintext); err != nil {
		return "", fmt.Errorf("encrypting: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("finishing age encryption: %w", err)
	}
	if err := aw.Close(); err != nil {
		return "", fmt.Errorf("finishing the armor: %w", err)
	}
	return buf.String(), nil
}

func parseAgeRecipient(s string) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "age1") {
		return age.ParseX25519Recipient(s)
	}
	return nil, fmt.Errorf("%q is not an age X25519 recipient (age1...)", truncate(s, 16))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ageRecipientValidator rejects malformed recipients at plan time.
type ageRecipientValidator struct{}

var _ validator.String = ageRecipientValidator{}

func (ageRecipientValidator) Description(context.Context) string {
	return "an age X25519 recipient such as age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
}

func (v ageRecipientValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (ageRecipientValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseAgeRecipient(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid age recipient", fmt.Sprintf("plaintext_age_recipients: %s.", err))
	}
}

// revokeWithGrace ends a key's life at now+grace instead of deleting it, so consumers have time
// to switch to its replacement. It reports false when no grace period applies.
func (r *keyResource) graceExpiry(state *keyResourceModel) (time.Time, bool) {
	if state.RevokeGracePeriod.IsNull() || state.RevokeGracePeriod.ValueString() == "" {
		return time.Time{}, false
	}
	d, err := time.ParseDuration(state.RevokeGracePeriod.ValueString())
	if err != nil || d <= 0 {
		return time.Time{}, false
	}
	until := r.data.now().Add(d)
	// Never extend a key beyond the expiry it already had.
	if !state.ExpiresAt.IsNull() {
		if t, diags := state.ExpiresAt.ValueRFC3339Time(); !diags.HasError() && t.Before(until) {
			until = t
		}
	}
	return until.UTC(), true
}
