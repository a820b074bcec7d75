package unkey

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Key statuses reported in `status`.
const (
	statusActive   = "active"
	statusDisabled = "disabled"
	statusExpired  = "expired"
)

var keyStatuses = []string{statusActive, statusDisabled, statusExpired}

// keyModel is apikey_unkey_key: KeyResponseData plus the create-only inputs and the shared
// lifecycle.
type keyModel struct {
	ID                   types.String      `tfsdk:"id"`
	APIID                types.String      `tfsdk:"api_id"`
	Name                 types.String      `tfsdk:"name"`
	Prefix               types.String      `tfsdk:"prefix"`
	ByteLength           types.Int64       `tfsdk:"byte_length"`
	Recoverable          types.Bool        `tfsdk:"recoverable"`
	ExternalID           types.String      `tfsdk:"external_id"`
	Identity             types.Object      `tfsdk:"identity"`
	Meta                 tfvalue.JSONValue `tfsdk:"meta"`
	Roles                types.Set         `tfsdk:"roles"`
	Permissions          types.Set         `tfsdk:"permissions"`
	EffectivePermissions types.Set         `tfsdk:"effective_permissions"`
	Credits              types.Object      `tfsdk:"credits"`
	RemainingCredits     types.Int64       `tfsdk:"remaining_credits"`
	Ratelimits           types.Set         `tfsdk:"ratelimits"`
	Enabled              types.Bool        `tfsdk:"enabled"`
	ExpiresAt            timetypes.RFC3339 `tfsdk:"expires_at"`
	Start                types.String      `tfsdk:"start"`
	Status               types.String      `tfsdk:"status"`
	CreatedAt            types.String      `tfsdk:"created_at"`
	UpdatedAt            types.String      `tfsdk:"updated_at"`
	LastUsedAt           types.String      `tfsdk:"last_used_at"`
	PermanentDelete      types.Bool        `tfsdk:"permanent_delete"`
	RotationMode         types.String      `tfsdk:"rotation_mode"`
	PreviousKey          types.Object      `tfsdk:"previous_key"`
	keylife.Model
}

func (m *keyModel) Life() *keylife.Model        { return &m.Model }
func (m *keyModel) Expiry() *timetypes.RFC3339  { return &m.ExpiresAt }
func (m *keyModel) Created() *types.String      { return &m.CreatedAt }
func (m *keyModel) KeyID() types.String         { return m.ID }
func (m *keyModel) Revealable() bool            { return m.Recoverable.ValueBool() }
func (m *keyModel) identity() *keyIdentityModel { return &keyIdentityModel{APIID: m.APIID, ID: m.ID} }
func (m *keyModel) Rerolls() bool               { return m.RotationMode.ValueString() == keylife.RotationReroll }

// MarkReroll plans an in-place reroll: a new id, plaintext and start, the retiring key recorded.
func (m *keyModel) MarkReroll() {
	m.ID = types.StringUnknown()
	m.Start = types.StringUnknown()
	m.CreatedAt = types.StringUnknown()
	m.UpdatedAt = types.StringUnknown()
	m.LastUsedAt = types.StringUnknown()
	m.PreviousKey = types.ObjectUnknown(previousKeyAttrTypes)
	if !m.Plaintext.IsNull() {
		m.Plaintext = types.StringUnknown()
	}
	if !m.EncryptedPlaintext.IsNull() {
		m.EncryptedPlaintext = types.StringUnknown()
	}
}

// previousKeyModel is the key a reroll retired, kept in state until its deadline passes.
type previousKeyModel struct {
	ID        types.String `tfsdk:"id"`
	Start     types.String `tfsdk:"start"`
	ExpiresAt types.String `tfsdk:"expires_at"`
}

var previousKeyAttrTypes = map[string]attr.Type{"id": types.StringType, "start": types.StringType, "expires_at": types.StringType}

type keyIdentityModel struct {
	APIID types.String `tfsdk:"api_id"`
	ID    types.String `tfsdk:"id"`
}

type creditsModel struct {
	Remaining types.Int64  `tfsdk:"remaining"`
	Refill    types.Object `tfsdk:"refill"`
}

type refillModel struct {
	Interval  types.String `tfsdk:"interval"`
	Amount    types.Int64  `tfsdk:"amount"`
	RefillDay types.Int64  `tfsdk:"refill_day"`
}

type ratelimitModel struct {
	Name      types.String `tfsdk:"name"`
	Limit     types.Int64  `tfsdk:"limit"`
	Duration  types.String `tfsdk:"duration"`
	AutoApply types.Bool   `tfsdk:"auto_apply"`
}

type identityModel struct {
	ID         types.String      `tfsdk:"id"`
	ExternalID types.String      `tfsdk:"external_id"`
	Meta       tfvalue.JSONValue `tfsdk:"meta"`
}

var (
	identityAttrTypes = map[string]attr.Type{
		"id":          types.StringType,
		"external_id": types.StringType,
		"meta":        tfvalue.JSONType{},
	}
	ratelimitAttrTypes = map[string]attr.Type{
		"name":       types.StringType,
		"limit":      types.Int64Type,
		"duration":   types.StringType,
		"auto_apply": types.BoolType,
	}
	refillAttrTypes  = map[string]attr.Type{"interval": types.StringType, "amount": types.Int64Type, "refill_day": types.Int64Type}
	creditsAttrTypes = map[string]attr.Type{"remaining": types.Int64Type, "refill": types.ObjectType{AttrTypes: refillAttrTypes}}
	ratelimitType    = types.ObjectType{AttrTypes: ratelimitAttrTypes}
)

// policy is the lifecycle's view of Unkey.
var policy = keylife.Policy{
	ExpiryPrecision: time.Millisecond,
	MaxExpiry:       time.UnixMilli(unkey.ExpiresMaxMillis),
	Resource:        "apikey_unkey_key",
	RevealHint:      "Or set recoverable = true (in an API that stores encrypted keys) to read it later through the apikey_unkey_key ephemeral resource.",
}

func millis(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// identifier validates Unkey ids such as api_id.
func identifier(minLen, maxLen int) []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(minLen, maxLen),
		stringvalidator.RegexMatches(unkey.IdentifierPattern, "must contain only letters, digits and _"),
	}
}

func permissionSlugs() validator.Set {
	return setvalidator.ValueStringsAre(
		stringvalidator.UTF8LengthBetween(unkey.PermissionMinLength, unkey.PermissionMaxLength),
		stringvalidator.RegexMatches(unkey.PermissionPattern, "must contain only letters, digits and _ : - . *"),
	)
}

func keySchema() schema.Schema {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: "Key id assigned by Unkey (`keyId`, `key_...`).",
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"api_id": schema.StringAttribute{
			MarkdownDescription: "The API (keyspace) the key belongs to (`apiId`), for example `apikey_unkey_api.billing.id`. Forces replacement.",
			Required:            true,
			Validators:          identifier(unkey.APIIDMinLength, unkey.APIIDMaxLength),
			PlanModifiers:       []planmodifier.String{tfvalue.RequiresReplaceUnlessImportedString()},
		},
		"name": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Human-readable name (`name`, %d to %d characters). Updates in place; removing it clears the name.", unkey.NameMinLength, unkey.NameMaxLength),
			Optional:            true,
			Validators:          []validator.String{stringvalidator.UTF8LengthBetween(unkey.NameMinLength, unkey.NameMaxLength)},
		},
		"prefix": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Prefix of the key string, joined with `_` (`prefix`, %d to %d letters, digits or _). Forces replacement.", unkey.PrefixMinLength, unkey.PrefixMaxLength),
			Optional:            true,
			Validators:          identifier(unkey.PrefixMinLength, unkey.PrefixMaxLength),
			PlanModifiers:       []planmodifier.String{tfvalue.RequiresReplaceUnlessImportedString()},
		},
		"byte_length": schema.Int64Attribute{
			MarkdownDescription: fmt.Sprintf("Random bytes in the key (`byteLength`, %d to %d). Default %d. Unkey cannot report it, so it is null after import until the configuration sets it (which does not replace the key). Forces replacement.", unkey.ByteLengthMin, unkey.ByteLengthMax, unkey.ByteLengthDefault),
			Optional:            true,
			Computed:            true,
			Validators:          []validator.Int64{int64validator.Between(unkey.ByteLengthMin, unkey.ByteLengthMax)},
			PlanModifiers:       []planmodifier.Int64{tfvalue.DefaultUnlessImported[int64]{Default: unkey.ByteLengthDefault}, tfvalue.RequiresReplaceUnlessImportedInt64()},
		},
		"recoverable": schema.BoolAttribute{
			MarkdownDescription: "Store the key encrypted so it can be revealed later with the `apikey_unkey_key` ephemeral resource (`recoverable`). The API must be opted into key encryption. Default `false`. Forces replacement.",
			Optional:            true,
			Computed:            true,
			PlanModifiers:       []planmodifier.Bool{tfvalue.DefaultUnlessImported[bool]{Default: false}, tfvalue.RequiresReplaceUnlessImportedBool()},
		},
		"external_id": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Your id for the owner of the key (`externalId`, %d to %d characters of letters, digits, `_`, `.` and `-`), for example `apikey_unkey_identity.acme.external_id`. Unkey creates or reuses an identity with this id and links the key. Updates in place; removing it unlinks the identity (the identity itself is kept).", unkey.ExternalIDMinLength, unkey.ExternalIDMaxLength),
			Optional:            true,
			Validators: []validator.String{
				stringvalidator.UTF8LengthBetween(unkey.ExternalIDMinLength, unkey.ExternalIDMaxLength),
				stringvalidator.RegexMatches(unkey.ExternalIDPattern, "must contain only letters, digits and _ . -"),
			},
		},
		"identity": schema.SingleNestedAttribute{
			MarkdownDescription: "The identity linked through `external_id` (`identity`).",
			Computed:            true,
			PlanModifiers:       []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
			Attributes: map[string]schema.Attribute{
				"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "Identity id (`identity.id`)."},
				"external_id": schema.StringAttribute{Computed: true, MarkdownDescription: "The identity's external id (`identity.externalId`)."},
				"meta":        schema.StringAttribute{Computed: true, CustomType: tfvalue.JSONType{}, MarkdownDescription: "The identity's metadata, as a JSON object string (`identity.meta`)."},
			},
		},
		"meta": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Metadata returned on verification (`meta`): a JSON object with at most %d top-level properties, usually written with `jsonencode`. Compared as JSON, so formatting and key order never cause a diff. Updates in place (replacing the whole object); removing it clears the metadata.", userMetaMaxProperties),
			CustomType:          tfvalue.JSONType{},
			Optional:            true,
			Validators:          []validator.String{metaValidator{}},
			PlanModifiers:       []planmodifier.String{tfvalue.KeepEquivalentJSON},
		},
		"roles": schema.SetAttribute{
			MarkdownDescription: fmt.Sprintf("Roles attached to the key (`roles`, names of existing roles such as `apikey_unkey_role.support.name`, at most %d). Updates in place; removing it detaches all roles.", unkey.RolesMaxItems),
			ElementType:         types.StringType,
			Optional:            true,
			Validators: []validator.Set{
				setvalidator.SizeAtMost(unkey.RolesMaxItems),
				tfvalue.NoNullElements(),
				setvalidator.ValueStringsAre(stringvalidator.UTF8LengthBetween(unkey.RoleNameMinLength, unkey.RoleNameMaxLength)),
			},
		},
		"permissions": schema.SetAttribute{
			MarkdownDescription: fmt.Sprintf("Permissions granted directly to the key (`permissions`, slugs matching `%s`, at most %d; slugs that do not exist yet are created). Role-derived permissions are not listed here but in `effective_permissions`. Updates in place; removing it clears the direct permissions.", unkey.PermissionPattern, unkey.PermissionsMaxItems),
			ElementType:         types.StringType,
			Optional:            true,
			Validators:          []validator.Set{setvalidator.SizeAtMost(unkey.PermissionsMaxItems), tfvalue.NoNullElements(), permissionSlugs()},
		},
		"effective_permissions": schema.SetAttribute{
			MarkdownDescription: "All permissions the key has (`permissions` in the response): its direct `permissions` plus those of its roles.",
			ElementType:         types.StringType,
			Computed:            true,
			PlanModifiers:       []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
		},
		"credits": schema.SingleNestedAttribute{
			MarkdownDescription: "Usage credits (`credits`). Each verification consumes credits; a key with none left stops verifying. Updates in place; removing it makes usage unlimited.",
			Optional:            true,
			Attributes: map[string]schema.Attribute{
				"remaining": schema.Int64Attribute{
					MarkdownDescription: "Credits the key starts with (`credits.remaining`). Sent at create and whenever this value changes in the configuration; credits consumed by verifications never cause a diff (the live count is in `remaining_credits`). Changing it resets the live count to the new value.",
					Required:            true,
					Validators:          []validator.Int64{int64validator.AtLeast(unkey.CreditsRemainingMin)},
				},
				"refill": schema.SingleNestedAttribute{
					MarkdownDescription: "Periodic refill (`credits.refill`).",
					Optional:            true,
					Attributes: map[string]schema.Attribute{
						"interval": schema.StringAttribute{
							MarkdownDescription: fmt.Sprintf("Refill interval (`interval`): %s.", tfvalue.QuoteList(unkey.RefillIntervals)),
							Required:            true,
							Validators:          []validator.String{stringvalidator.OneOf(unkey.RefillIntervals...)},
						},
						"amount": schema.Int64Attribute{
							MarkdownDescription: "Credits added at each refill (`amount`, at least 1).",
							Required:            true,
							Validators:          []validator.Int64{int64validator.AtLeast(unkey.RefillAmountMin)},
						},
						"refill_day": schema.Int64Attribute{
							MarkdownDescription: fmt.Sprintf("Day of the month for a `monthly` refill (`refillDay`, %d to %d; later than the month's last day means its last day). Required for `monthly`, not allowed for `daily`.", unkey.RefillDayMin, unkey.RefillDayMax),
							Optional:            true,
							Validators:          []validator.Int64{int64validator.Between(unkey.RefillDayMin, unkey.RefillDayMax)},
						},
					},
				},
			},
		},
		"remaining_credits": schema.Int64Attribute{
			MarkdownDescription: "Credits left right now (`credits.remaining` in the response); null when usage is unlimited. Never causes a diff.",
			Computed:            true,
		},
		"ratelimits": schema.SetNestedAttribute{
			MarkdownDescription: fmt.Sprintf("Key-level rate limits (`ratelimits`, at most %d, names unique). Updates in place; removing it deletes them all.", unkey.RatelimitsMaxItems),
			Optional:            true,
			Validators:          []validator.Set{setvalidator.SizeAtMost(unkey.RatelimitsMaxItems), tfvalue.UniqueNames("name")},
			NestedObject:        ratelimitObject(),
		},
		"enabled": schema.BoolAttribute{
			MarkdownDescription: "Whether the key verifies (`enabled`). Default `true`. Updates in place; a key disabled outside Terraform shows up as a change back to `true`.",
			Optional:            true,
			Computed:            true,
			Default:             booldefault.StaticBool(true),
		},
		"expires_at": schema.StringAttribute{
			MarkdownDescription: "When the key stops verifying, as an RFC 3339 time such as `2027-06-30T00:00:00Z` (`expires`, in milliseconds on the wire). Must be in the future when it is set or changed, and no later than 2100-01-01. Any offset is accepted and kept as written. Updates in place; removing it makes the key never expire. A key that reaches its expiry stays in state with `status = \"expired\"` and plans nothing until `expires_at` is changed (an in-place update that reactivates it) or the key is replaced.",
			CustomType:          timetypes.RFC3339Type{},
			Optional:            true,
			Computed:            true,
			Validators:          []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("expire_after"))},
			PlanModifiers:       []planmodifier.String{tfvalue.KeepEquivalentTime},
		},
		"start": schema.StringAttribute{
			MarkdownDescription: "The first characters of the key, safe to display (`start`: the prefix, `_` and 4 characters).",
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"status": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Derived state of the key: %s (`expired` once `expires_at` has passed, `disabled` when `enabled` is false).", tfvalue.QuoteList(keyStatuses)),
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"created_at": schema.StringAttribute{
			MarkdownDescription: "Creation time, RFC 3339 (`createdAt`).",
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"updated_at": schema.StringAttribute{
			MarkdownDescription: "Last update time, RFC 3339 (`updatedAt`); null until the first update. Never causes a diff.",
			Computed:            true,
		},
		"last_used_at": schema.StringAttribute{
			MarkdownDescription: "Last verification time, RFC 3339 (`lastUsedAt`, about 5 minutes accurate); null if never used. Never causes a diff.",
			Computed:            true,
		},
		"permanent_delete": schema.BoolAttribute{
			MarkdownDescription: "On destroy, delete the key permanently instead of the default soft delete (`keys.deleteKey` `permanent`). Provider-side only. Default `false`.",
			Optional:            true,
			Computed:            true,
			Default:             booldefault.StaticBool(false),
			PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
		},
	}
	attrs["rotation_mode"] = schema.StringAttribute{
		MarkdownDescription: "How `rotate_after` and `rotation_triggers` rotate the key: `replace` (default) plans a replacement; `reroll` rerolls it in place with `keys.rerollKey`: a new key with the same settings takes the resource's `id`, `plaintext` and `start`, and the old key keeps working for `revoke_grace_period` (at once revoked when unset), recorded in `previous_key` until then. No `create_before_destroy` is needed. Unkey gives a rerolled key the API's default byte length and the part of the old prefix before its first `_`, so `reroll` needs a `prefix` without `_` and no `byte_length`. Updates in place.",
		Optional:            true,
		Computed:            true,
		Default:             stringdefault.StaticString(keylife.RotationReplace),
		Validators:          []validator.String{stringvalidator.OneOf(keylife.RotationReplace, keylife.RotationReroll)},
	}
	attrs["previous_key"] = schema.SingleNestedAttribute{
		MarkdownDescription: "The key a reroll retired, while it still works: null otherwise. The next refresh after `expires_at` deletes it and clears this.",
		Computed:            true,
		PlanModifiers:       []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
		Attributes: map[string]schema.Attribute{
			"id":         schema.StringAttribute{Computed: true, MarkdownDescription: "Id of the retiring key."},
			"start":      schema.StringAttribute{Computed: true, MarkdownDescription: "First characters of the retiring key."},
			"expires_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the retiring key stops working, RFC 3339."},
		},
	}
	for name, a := range keylife.Attributes("`key` in the create response", true) {
		attrs[name] = a
	}
	return schema.Schema{
		MarkdownDescription: "An Unkey API key (Unkey API v2 `KeyResponseData`). The plaintext is returned once, at create, in the sensitive `plaintext` attribute; it is never read back. Destroying the resource deletes the key (soft delete by default).",
		Attributes:          attrs,
	}
}

func ratelimitObject() schema.NestedAttributeObject {
	return schema.NestedAttributeObject{
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Name of the limit, used in verification requests (`name`, %d to %d characters).", unkey.RatelimitNameMinLength, unkey.RatelimitNameMaxLength),
				Required:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(unkey.RatelimitNameMinLength, unkey.RatelimitNameMaxLength)},
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Requests allowed per window (`limit`, %d to %d).", unkey.RatelimitLimitMin, unkey.RatelimitLimitMax),
				Required:            true,
				Validators:          []validator.Int64{int64validator.Between(unkey.RatelimitLimitMin, unkey.RatelimitLimitMax)},
			},
			"duration": schema.StringAttribute{
				MarkdownDescription: "Window length as a Go duration, such as `1m` or `24h` (`duration`: 1s to 720h; milliseconds on the wire). Any spelling of the same length plans no change.",
				Required:            true,
				Validators:          []validator.String{tfvalue.Duration(millis(unkey.RatelimitDurationMinMillis), millis(unkey.RatelimitDurationMaxMillis))},
			},
			"auto_apply": schema.BoolAttribute{
				MarkdownDescription: "Apply this limit on every verification without naming it (`autoApply`). Unset means `false`.",
				Optional:            true,
			},
		},
	}
}
