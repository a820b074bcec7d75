// Package keylife is the key lifecycle both key resources share: where the plaintext is kept
// (state, age-encrypted, or nowhere), expiry from a lifetime, rotation by age or by trigger, and
// the grace period on revoke. It is written once, as one schema fragment and one model, and knows
// no backend: each key resource embeds Model and supplies a Policy.
package keylife

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Bounds of the lifecycle durations; one place for validators and docs.
const (
	MinRotationDuration = time.Minute
	MaxRotationDuration = 100 * 365 * 24 * time.Hour
	MaxGracePeriod      = 90 * 24 * time.Hour
	// expireAfterSkew is how far an expiry may sit from created_at + expire_after and still count
	// as that time (clock skew between the provider and the backend, create latency).
	expireAfterSkew = 5 * time.Second
)

// Model holds the lifecycle attributes; key models embed it.
type Model struct {
	Plaintext              types.String `tfsdk:"plaintext"`
	StorePlaintext         types.Bool   `tfsdk:"store_plaintext"`
	PlaintextAgeRecipients types.Set    `tfsdk:"plaintext_age_recipients"`
	EncryptedPlaintext     types.String `tfsdk:"encrypted_plaintext"`
	RotationTriggers       types.Map    `tfsdk:"rotation_triggers"`
	ExpireAfter            types.String `tfsdk:"expire_after"`
	RotateAfter            types.String `tfsdk:"rotate_after"`
	RevokeGracePeriod      types.String `tfsdk:"revoke_grace_period"`
	WarnUnusedAfter        types.String `tfsdk:"warn_unused_after"`
	WarnOlderThan          types.String `tfsdk:"warn_older_than"`
}

// Key is what the lifecycle needs of a key resource's model.
type Key interface {
	Life() *Model
	// Expiry is the model's expires_at.
	Expiry() *timetypes.RFC3339
	// Created is the model's created_at.
	Created() *types.String
	KeyID() types.String
	// Revealable reports whether the backend can show the plaintext again later.
	Revealable() bool
	// Rerolls reports whether a due rotation rerolls the key in place instead of replacing it.
	Rerolls() bool
	// MarkReroll plans an in-place reroll: the values a new key will have become unknown.
	MarkReroll()
}

// Policy is what differs per backend.
type Policy struct {
	// ExpiryPrecision is the resolution at which the backend stores an expiry.
	ExpiryPrecision time.Duration
	// MaxExpiry is the latest expiry the backend accepts; zero means no bound.
	MaxExpiry time.Time
	// Resource is the resource type name, for messages.
	Resource string
	// RevealHint tells how a key could be revealed later on this backend, for the warning when
	// its secret would otherwise be unrecoverable; empty when it cannot be.
	RevealHint string
}

// RotationModeAttribute names the attribute of a resource that can rotate in place; the
// rotation_triggers of such a resource replace the key only when it is not "reroll".
const RotationModeAttribute = "rotation_mode"

// Rotation modes.
const (
	RotationReplace = "replace"
	RotationReroll  = "reroll"
)

// Attributes is the lifecycle schema fragment, merged into each key resource's schema.
// plaintextSource names the API field the plaintext comes from; inPlace is true for a resource
// with a rotation_mode attribute.
func Attributes(plaintextSource string, inPlace bool) map[string]schema.Attribute {
	triggersReplace := mapplanmodifier.RequiresReplace()
	triggersDesc := "Arbitrary values that replace the key when any of them changes, for example `{ rotation = time_rotating.key.id }`. Provider-side only."
	if inPlace {
		triggersReplace = mapplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
			var mode types.String
			resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root(RotationModeAttribute), &mode)...)
			resp.RequiresReplace = mode.ValueString() != RotationReroll
		}, "Replaces the key when changed, unless rotation_mode is reroll.", "Replaces the key when changed, unless `rotation_mode` is `reroll`.")
		triggersDesc = "Arbitrary values that rotate the key when any of them changes, for example `{ rotation = time_rotating.key.id }`: by replacement, or in place with `rotation_mode = \"reroll\"`. Provider-side only."
	}
	return map[string]schema.Attribute{
		"plaintext": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("The key itself (%s). Set once at create and never read back, so it is null after import. Sensitive, but stored in state unless `store_plaintext = false` or `plaintext_age_recipients` is set; see the guide on keeping secrets out of state.", plaintextSource),
			Computed:            true,
			Sensitive:           true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"store_plaintext": schema.BoolAttribute{
			MarkdownDescription: "Keep the plaintext in state. Default `true`. With `false`, `plaintext` stays null for the resource's whole life; the plan warns when the secret would then be unrecoverable. Changing it to `false` clears the stored plaintext in place; changing it back to `true` replaces the key, since the old plaintext is gone.",
			Optional:            true,
			Computed:            true,
			Default:             booldefault.StaticBool(true),
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.BoolRequest, resp *boolplanmodifier.RequiresReplaceIfFuncResponse) {
				resp.RequiresReplace = !req.StateValue.IsNull() && !req.StateValue.ValueBool() && req.PlanValue.ValueBool()
			}, "Replaces the key when changed from false to true.", "Replaces the key when changed from `false` to `true`.")},
		},
		"plaintext_age_recipients": schema.SetAttribute{
			MarkdownDescription: "Encrypt the plaintext at create for these [age](https://age-encryption.org) X25519 recipients (`age1...`) and keep only `encrypted_plaintext`; `plaintext` stays null. Decrypt with `age --decrypt -i key.txt`. Forces replacement.",
			ElementType:         types.StringType,
			Optional:            true,
			Validators:          []validator.Set{setvalidator.SizeAtLeast(1), tfvalue.NoNullElements(), setvalidator.ValueStringsAre(ageRecipientValidator{})},
			PlanModifiers:       []planmodifier.Set{setplanmodifier.RequiresReplace()},
		},
		"encrypted_plaintext": schema.StringAttribute{
			MarkdownDescription: "The plaintext encrypted for `plaintext_age_recipients`, ASCII-armored; null without recipients.",
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"rotation_triggers": schema.MapAttribute{
			MarkdownDescription: triggersDesc,
			ElementType:         types.StringType,
			Optional:            true,
			PlanModifiers:       []planmodifier.Map{triggersReplace},
		},
		"expire_after": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Lifetime of the key as a Go duration such as `720h`: `expires_at` becomes the creation time plus this duration. Conflicts with `expires_at`. Between %s and %s, and the resulting expiry must be one the backend accepts.", MinRotationDuration, MaxRotationDuration),
			Optional:            true,
			Validators:          []validator.String{tfvalue.Duration(MinRotationDuration, MaxRotationDuration)},
		},
		"rotate_after": schema.StringAttribute{
			MarkdownDescription: "Age after which a plan replaces the key, as a Go duration such as `600h`; no time resource needed. Must be shorter than `expire_after` when both are set. Combine with `lifecycle { create_before_destroy = true }` and `revoke_grace_period` for rotation without downtime.",
			Optional:            true,
			Validators:          []validator.String{tfvalue.Duration(MinRotationDuration, MaxRotationDuration)},
		},
		"warn_unused_after": schema.StringAttribute{
			MarkdownDescription: "Make every plan print a warning naming the key once it has not been used for this long (a Go duration such as `720h`; since its creation when it was never used), so unused keys can be found and removed. Provider-side only: it never causes a diff and never changes state.",
			Optional:            true,
			Validators:          []validator.String{tfvalue.Duration(MinRotationDuration, MaxRotationDuration)},
		},
		"warn_older_than": schema.StringAttribute{
			MarkdownDescription: "Make every plan print a warning naming the key once it is older than this (a Go duration such as `2160h`), for keys that must be rotated by hand. Provider-side only: it never causes a diff and never changes state.",
			Optional:            true,
			Validators:          []validator.String{tfvalue.Duration(MinRotationDuration, MaxRotationDuration)},
		},
		"revoke_grace_period": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("On destroy, including the destroy half of a replacement, keep the old key valid for this long (a Go duration, at most %s) by setting its expiry instead of revoking it at once. Default: revoke immediately.", MaxGracePeriod),
			Optional:            true,
			Validators:          []validator.String{tfvalue.Duration(0, MaxGracePeriod)},
		},
	}
}
