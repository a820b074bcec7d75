package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

var (
	_ resource.ResourceWithConfigure      = (*keyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*keyResource)(nil)
	_ resource.ResourceWithImportState    = (*keyResource)(nil)
	_ resource.ResourceWithIdentity       = (*keyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*keyResource)(nil)
)

// NewKeyResource is the apikey_key resource.
func NewKeyResource() resource.Resource { return &keyResource{} }

type keyResource struct {
	data *providerData
}

// Key statuses reported in `status`, the same words on both backends.
const (
	statusActive   = "active"
	statusDisabled = "disabled"
	statusExpired  = "expired"
)

var keyStatuses = []string{statusActive, statusDisabled, statusExpired}

type keyResourceModel struct {
	ID          types.String      `tfsdk:"id"`
	Name        types.String      `tfsdk:"name"`
	Permissions types.Set         `tfsdk:"permissions"`
	ExpiresAt   timetypes.RFC3339 `tfsdk:"expires_at"`
	Enabled     types.Bool        `tfsdk:"enabled"`
	Plaintext   types.String      `tfsdk:"plaintext"`
	Start       types.String      `tfsdk:"start"`
	Status      types.String      `tfsdk:"status"`
	CreatedAt   types.String      `tfsdk:"created_at"`
	UpdatedAt   types.String      `tfsdk:"updated_at"`
	LastUsedAt  types.String      `tfsdk:"last_used_at"`
	Unkey       *unkeyModel       `tfsdk:"unkey"`
	Mixpeek     *mixpeekModel     `tfsdk:"mixpeek"`

	StorePlaintext         types.Bool   `tfsdk:"store_plaintext"`
	PlaintextAgeRecipients types.Set    `tfsdk:"plaintext_age_recipients"`
	EncryptedPlaintext     types.String `tfsdk:"encrypted_plaintext"`
	RotationTriggers       types.Map    `tfsdk:"rotation_triggers"`
	ExpireAfter            types.String `tfsdk:"expire_after"`
	RotateAfter            types.String `tfsdk:"rotate_after"`
	RevokeGracePeriod      types.String `tfsdk:"revoke_grace_period"`
}

type unkeyModel struct {
	APIID                types.String  `tfsdk:"api_id"`
	Prefix               types.String  `tfsdk:"prefix"`
	ByteLength           types.Int64   `tfsdk:"byte_length"`
	Recoverable          types.Bool    `tfsdk:"recoverable"`
	ExternalID           types.String  `tfsdk:"external_id"`
	Identity             types.Object  `tfsdk:"identity"`
	Meta                 jsonValue     `tfsdk:"meta"`
	Roles                types.Set     `tfsdk:"roles"`
	Credits              *creditsModel `tfsdk:"credits"`
	RemainingCredits     types.Int64   `tfsdk:"remaining_credits"`
	Ratelimits           types.Set     `tfsdk:"ratelimits"`
	EffectivePermissions types.Set     `tfsdk:"effective_permissions"`
	PermanentDelete      types.Bool    `tfsdk:"permanent_delete"`
}

type creditsModel struct {
	Remaining types.Int64  `tfsdk:"remaining"`
	Refill    *refillModel `tfsdk:"refill"`
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
	ID         types.String `tfsdk:"id"`
	ExternalID types.String `tfsdk:"external_id"`
	Meta       jsonValue    `tfsdk:"meta"`
}

var identityAttrTypes = map[string]attr.Type{
	"id":          types.StringType,
	"external_id": types.StringType,
	"meta":        jsonType{},
}

var ratelimitAttrTypes = map[string]attr.Type{
	"name":       types.StringType,
	"limit":      types.Int64Type,
	"duration":   types.StringType,
	"auto_apply": types.BoolType,
}

type keyIdentityModel struct {
	APIID     types.String `tfsdk:"api_id"`
	UserEmail types.String `tfsdk:"user_email"`
	ID        types.String `tfsdk:"id"`
}

func (r *keyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_key"
	// After an import by bare key id the identity lacks api_id until the configuration supplies it.
	resp.ResourceBehavior.MutableIdentity = true
}

func (r *keyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"api_id": identityschema.StringAttribute{
				OptionalForImport: true,
				Description:       "Unkey API (keyspace) the key belongs to.",
			},
			"user_email": identityschema.StringAttribute{
				OptionalForImport: true,
				Description:       "Mixpeek user who owns the key.",
			},
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "Key id (`key_...` on Unkey).",
			},
		},
	}
}

func (r *keyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An API key on the configured backend. The plaintext is returned once, at create, in the sensitive `plaintext` attribute; it is never read back. Destroying the resource revokes the key.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Key id assigned by the backend (Unkey `keyId`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Human-readable name (Unkey `name`, %d to %d characters). Updates in place; removing it clears the name.", unkey.NameMinLength, unkey.NameMaxLength),
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(unkey.NameMinLength, unkey.NameMaxLength)},
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: fmt.Sprintf("Permissions granted directly to the key (Unkey `permissions`, slugs matching `%s`, at most %d; missing slugs are created). Role-derived permissions are not listed here but in `unkey.effective_permissions`. Updates in place; removing it clears the direct permissions.", unkey.PermissionPattern, unkey.PermissionsMaxItems),
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.Set{
					setvalidator.SizeAtMost(unkey.PermissionsMaxItems),
					setvalidator.ValueStringsAre(
						stringvalidator.LengthBetween(unkey.PermissionMinLength, unkey.PermissionMaxLength),
						stringvalidator.RegexMatches(unkey.PermissionPattern, "must contain only letters, digits and _ : - . *"),
					),
				},
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the key stops verifying, as an RFC 3339 time such as `2027-06-30T00:00:00Z` (Unkey `expires`, in milliseconds on the wire). Must be in the future when it is set or changed, and before 2100-01-01. Updates in place; removing it makes the key never expire. A key that reaches its expiry stays in state with `status = \"expired\"` and plans nothing until `expires_at` is changed (an in-place update that reactivates it) or the key is replaced.",
				CustomType:          timetypes.RFC3339Type{},
				Optional:            true,
				Computed:            true,
				Validators: []validator.String{
					stringvalidator.ConflictsWith(path.MatchRoot("expire_after")),
				},
				PlanModifiers: []planmodifier.String{keepEquivalentTime},
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the key verifies (Unkey `enabled`). Default `true`. Updates in place; a key disabled outside Terraform shows up as a change back to `true`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
			"plaintext": schema.StringAttribute{
				MarkdownDescription: "The key itself (Unkey `key`). Set once at create and never read back, so it is null after import. Sensitive: it is stored in state; see the guide on keeping secrets out of state.",
				Computed:            true,
				Sensitive:           true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"start": schema.StringAttribute{
				MarkdownDescription: "The first characters of the key, safe to display (Unkey `start`: the prefix, `_` and 4 characters).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Derived state of the key: %s.", quoteList(keyStatuses)),
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "Creation time, RFC 3339 (Unkey `createdAt`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				MarkdownDescription: "Last update time, RFC 3339 (Unkey `updatedAt`); null until the first update. Never causes a diff.",
				Computed:            true,
			},
			"last_used_at": schema.StringAttribute{
				MarkdownDescription: "Last verification time, RFC 3339 (Unkey `lastUsedAt`, about 5 minutes accurate); null if never used. Never causes a diff.",
				Computed:            true,
			},
			"unkey":   unkeySchema(),
			"mixpeek": mixpeekSchema(),

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
				Validators:          []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(ageRecipientValidator{})},
				PlanModifiers:       []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
			"encrypted_plaintext": schema.StringAttribute{
				MarkdownDescription: "The plaintext encrypted for `plaintext_age_recipients`, ASCII-armored; null without recipients.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"rotation_triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that replace the key when any of them changes, for example `{ rotation = time_rotating.key.id }`. Provider-side only.",
				ElementType:         types.StringType,
				Optional:            true,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"expire_after": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Lifetime of the key as a Go duration such as `720h`: `expires_at` becomes the creation time plus this duration. Conflicts with `expires_at`. Between %s and %s.", minRotationDuration, maxRotationDuration),
				Optional:            true,
				Validators:          []validator.String{durationValidator{min: minRotationDuration, max: maxRotationDuration}},
			},
			"rotate_after": schema.StringAttribute{
				MarkdownDescription: "Age after which a plan replaces the key, as a Go duration such as `600h`; no time resource needed. Must be shorter than `expire_after` when both are set. Combine with `lifecycle { create_before_destroy = true }` and `revoke_grace_period` for rotation without downtime.",
				Optional:            true,
				Validators:          []validator.String{durationValidator{min: minRotationDuration, max: maxRotationDuration}},
			},
			"revoke_grace_period": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("On destroy, including the destroy half of a replacement, keep the old key valid for this long (a Go duration, at most %s) by setting its expiry instead of revoking it at once. Default: revoke immediately.", maxGracePeriod),
				Optional:            true,
				Validators:          []validator.String{durationValidator{min: 0, max: maxGracePeriod}},
			},
		},
	}
}

func unkeySchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Settings only Unkey has. Required with `backend = \"unkey\"`; an error with any other backend.",
		Optional:            true,
		Attributes: map[string]schema.Attribute{
			"api_id": schema.StringAttribute{
				MarkdownDescription: "The Unkey API (keyspace) the key belongs to (`apiId`). Forces replacement.",
				Required:            true,
				Validators: []validator.String{
					stringvalidator.LengthBetween(unkey.APIIDMinLength, unkey.APIIDMaxLength),
					stringvalidator.RegexMatches(unkey.IdentifierPattern, "must contain only letters, digits and _"),
				},
				PlanModifiers: []planmodifier.String{requiresReplaceUnlessImportedString()},
			},
			"prefix": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Prefix of the key string, joined with `_` (`prefix`, %d to %d letters, digits or _). Forces replacement.", unkey.PrefixMinLength, unkey.PrefixMaxLength),
				Optional:            true,
				Validators: []validator.String{
					stringvalidator.LengthBetween(unkey.PrefixMinLength, unkey.PrefixMaxLength),
					stringvalidator.RegexMatches(unkey.IdentifierPattern, "must contain only letters, digits and _"),
				},
				PlanModifiers: []planmodifier.String{requiresReplaceUnlessImportedString()},
			},
			"byte_length": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Random bytes in the key (`byteLength`, %d to %d). Default %d. Forces replacement.", unkey.ByteLengthMin, unkey.ByteLengthMax, unkey.ByteLengthDefault),
				Optional:            true,
				Computed:            true,
				Validators:          []validator.Int64{int64validator.Between(unkey.ByteLengthMin, unkey.ByteLengthMax)},
				PlanModifiers:       []planmodifier.Int64{defaultUnlessImported[int64]{def: unkey.ByteLengthDefault}, requiresReplaceUnlessImportedInt64()},
			},
			"recoverable": schema.BoolAttribute{
				MarkdownDescription: "Store the key encrypted so it can be revealed later with the `apikey_key` ephemeral resource (`recoverable`). The API must be opted into key encryption. Default `false`. Forces replacement.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       []planmodifier.Bool{defaultUnlessImported[bool]{def: false}, requiresReplaceUnlessImportedBool()},
			},
			"external_id": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Your id for the owner of the key (`externalId`, %d to %d characters of letters, digits, `_`, `.` and `-`). Unkey creates or reuses an identity with this id and links the key. Updates in place; removing it unlinks the identity (the identity itself is kept).", unkey.ExternalIDMinLength, unkey.ExternalIDMaxLength),
				Optional:            true,
				Validators: []validator.String{
					stringvalidator.LengthBetween(unkey.ExternalIDMinLength, unkey.ExternalIDMaxLength),
					stringvalidator.RegexMatches(unkey.ExternalIDPattern, "must contain only letters, digits and _ . -"),
				},
			},
			"identity": schema.SingleNestedAttribute{
				MarkdownDescription: "The identity linked through `external_id` (`identity`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
				Attributes: map[string]schema.Attribute{
					"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "Identity id (`id_...`)."},
					"external_id": schema.StringAttribute{Computed: true, MarkdownDescription: "The identity's external id."},
					"meta":        schema.StringAttribute{Computed: true, CustomType: jsonType{}, MarkdownDescription: "The identity's metadata, as a JSON object string."},
				},
			},
			"meta": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Metadata returned on verification (`meta`): a JSON object with at most %d top-level properties, usually written with `jsonencode`. Compared as JSON, so formatting and key order never cause a diff. Updates in place (replacing the whole object); removing it clears the metadata.", unkey.MetaMaxProperties),
				CustomType:          jsonType{},
				Optional:            true,
				Validators:          []validator.String{metaValidator{}},
				PlanModifiers:       []planmodifier.String{keepEquivalentJSON},
			},
			"roles": schema.SetAttribute{
				MarkdownDescription: fmt.Sprintf("Roles attached to the key (`roles`, names of existing roles, at most %d). Updates in place; removing it detaches all roles.", unkey.RolesMaxItems),
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.Set{
					setvalidator.SizeAtMost(unkey.RolesMaxItems),
					setvalidator.ValueStringsAre(stringvalidator.LengthBetween(unkey.RoleNameMinLength, unkey.RoleNameMaxLength)),
				},
			},
			"credits": schema.SingleNestedAttribute{
				MarkdownDescription: "Usage credits (`credits`). Each verification consumes credits; a key with none left stops verifying. Updates in place; removing it makes usage unlimited.",
				Optional:            true,
				Attributes: map[string]schema.Attribute{
					"remaining": schema.Int64Attribute{
						MarkdownDescription: "Credits the key starts with (`credits.remaining`). Sent at create and whenever this value changes in the configuration; credits consumed by verifications never cause a diff (the live count is in `unkey.remaining_credits`). Changing it resets the live count to the new value.",
						Required:            true,
						Validators:          []validator.Int64{int64validator.AtLeast(unkey.CreditsRemainingMin)},
					},
					"refill": schema.SingleNestedAttribute{
						MarkdownDescription: "Periodic refill (`credits.refill`).",
						Optional:            true,
						Attributes: map[string]schema.Attribute{
							"interval": schema.StringAttribute{
								MarkdownDescription: fmt.Sprintf("Refill interval: %s.", quoteList(unkey.RefillIntervals)),
								Required:            true,
								Validators:          []validator.String{stringvalidator.OneOf(unkey.RefillIntervals...)},
							},
							"amount": schema.Int64Attribute{
								MarkdownDescription: "Credits added at each refill (at least 1).",
								Required:            true,
								Validators:          []validator.Int64{int64validator.AtLeast(unkey.RefillAmountMin)},
							},
							"refill_day": schema.Int64Attribute{
								MarkdownDescription: fmt.Sprintf("Day of the month for a `monthly` refill (%d to %d; later than the month's last day means its last day). Required for `monthly`, not allowed for `daily`.", unkey.RefillDayMin, unkey.RefillDayMax),
								Optional:            true,
								Validators:          []validator.Int64{int64validator.Between(unkey.RefillDayMin, unkey.RefillDayMax)},
							},
						},
					},
				},
			},
			"remaining_credits": schema.Int64Attribute{
				MarkdownDescription: "Credits left right now, as Unkey reports them; null when usage is unlimited. Never causes a diff.",
				Computed:            true,
			},
			"ratelimits": schema.SetNestedAttribute{
				MarkdownDescription: fmt.Sprintf("Key-level rate limits (`ratelimits`, at most %d, names unique). Updates in place; removing it deletes them all.", unkey.RatelimitsMaxItems),
				Optional:            true,
				Validators:          []validator.Set{setvalidator.SizeAtMost(unkey.RatelimitsMaxItems), uniqueRatelimitNames{}},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							MarkdownDescription: fmt.Sprintf("Name of the limit, used in verification requests (%d to %d characters).", unkey.RatelimitNameMinLength, unkey.RatelimitNameMaxLength),
							Required:            true,
							Validators:          []validator.String{stringvalidator.LengthBetween(unkey.RatelimitNameMinLength, unkey.RatelimitNameMaxLength)},
						},
						"limit": schema.Int64Attribute{
							MarkdownDescription: fmt.Sprintf("Requests allowed per window (%d to %d).", unkey.RatelimitLimitMin, unkey.RatelimitLimitMax),
							Required:            true,
							Validators:          []validator.Int64{int64validator.Between(unkey.RatelimitLimitMin, unkey.RatelimitLimitMax)},
						},
						"duration": schema.StringAttribute{
							MarkdownDescription: "Window length as a Go duration, such as `1m` or `24h` (1s to 720h; milliseconds on the wire).",
							Required:            true,
							Validators:          []validator.String{durationValidator{min: millis(unkey.RatelimitDurationMinMillis), max: millis(unkey.RatelimitDurationMaxMillis)}},
						},
						"auto_apply": schema.BoolAttribute{
							MarkdownDescription: "Apply this limit on every verification without naming it (`autoApply`). Unset means `false`.",
							Optional:            true,
						},
					},
				},
			},
			"effective_permissions": schema.SetAttribute{
				MarkdownDescription: "All permissions the key has: its direct `permissions` plus those of its roles.",
				ElementType:         types.StringType,
				Computed:            true,
				PlanModifiers:       []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
			},
			"permanent_delete": schema.BoolAttribute{
				MarkdownDescription: "On destroy, delete the key permanently instead of the default soft delete (`keys.deleteKey` `permanent`). Provider-side only. Default `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *keyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Resource Configure Type",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider.", req.ProviderData))
		return
	}
	r.data = data
}

// ValidateConfig checks rules that span attributes but do not need the provider configuration.
func (r *keyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	// Only the credits object is read: converting the whole configuration for every key of a
	// large configuration costs more than the check.
	var credits *creditsModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("unkey").AtName("credits"), &credits)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateCredits(credits, &resp.Diagnostics)
}

// ModifyPlan applies the rules that need the provider configuration (the backend) or the clock,
// and marks computed values that a planned change will alter as unknown.
func (r *keyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or the provider is not configured yet (validation-only walk)
	}
	// Nothing changes for most keys of a refresh; only the rotation clock can still replace them.
	// Returning early here keeps a plan of thousands of unchanged keys cheap.
	if !req.State.Raw.IsNull() && req.Plan.Raw.Equal(req.State.Raw) {
		r.planRotationDue(ctx, req, resp)
		return
	}
	var plan keyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *keyResourceModel
	if !req.State.Raw.IsNull() {
		state = &keyResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	otherBackendObject := func(attr, backend string) {
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Attribute not supported by this backend",
			fmt.Sprintf("The %s object applies only to backend %q; the provider is configured with backend %q. Remove it.", attr, backend, r.data.backend))
	}
	switch r.data.backend {
	case backendUnkey:
		if plan.Mixpeek != nil {
			otherBackendObject("mixpeek", backendMixpeek)
		}
		if plan.Unkey == nil {
			resp.Diagnostics.AddAttributeError(path.Root("unkey"), "Missing unkey settings",
				"With backend \"unkey\" the key needs an unkey block with at least api_id, for example: unkey = { api_id = \"api_...\" }.")
		}
	case backendMixpeek:
		if plan.Unkey != nil {
			otherBackendObject("unkey", backendUnkey)
		}
		validateMixpeekPlan(ctx, &plan, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	var cfg keyResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.planLifecycle(ctx, &cfg, &plan, state, resp)
	validateExpiry(plan.ExpiresAt, stateExpiry(state), r.data.now(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if state == nil {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	// Derived values that follow from inputs changing in this plan.
	if !plan.Enabled.Equal(state.Enabled) || !plan.ExpiresAt.Equal(state.ExpiresAt) {
		plan.Status = types.StringUnknown()
	}
	if plan.Unkey != nil && state.Unkey != nil {
		if !plan.Unkey.ExternalID.Equal(state.Unkey.ExternalID) {
			plan.Unkey.Identity = types.ObjectUnknown(identityAttrTypes)
		}
		if !plan.Permissions.Equal(state.Permissions) || !plan.Unkey.Roles.Equal(state.Unkey.Roles) {
			plan.Unkey.EffectivePermissions = types.SetUnknown(types.StringType)
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	keepStateIfNoop(ctx, plan, *state, req, resp)
}

// keepStateIfNoop undoes the framework's "known after apply" marking of computed values when the
// plan turns out to change nothing else: that marking happens before plan modifiers have
// replaced an equivalent configuration value (reformatted JSON, another time offset) with the
// prior one, and would otherwise show an update that does nothing.
func keepStateIfNoop(ctx context.Context, plan, state keyResourceModel, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if len(resp.RequiresReplace) > 0 {
		return // a replacement (rotate_after) marked created_at unknown on purpose
	}
	candidate := plan
	for _, pair := range [][2]*types.String{
		{&candidate.Status, &state.Status}, {&candidate.UpdatedAt, &state.UpdatedAt}, {&candidate.LastUsedAt, &state.LastUsedAt},
		{&candidate.CreatedAt, &state.CreatedAt}, {&candidate.Start, &state.Start}, {&candidate.Plaintext, &state.Plaintext},
		{&candidate.EncryptedPlaintext, &state.EncryptedPlaintext}, {&candidate.ID, &state.ID},
	} {
		if pair[0].IsUnknown() {
			*pair[0] = *pair[1]
		}
	}
	if plan.Unkey != nil && state.Unkey != nil {
		u := *plan.Unkey
		if u.Identity.IsUnknown() {
			u.Identity = state.Unkey.Identity
		}
		if u.EffectivePermissions.IsUnknown() {
			u.EffectivePermissions = state.Unkey.EffectivePermissions
		}
		if u.RemainingCredits.IsUnknown() {
			u.RemainingCredits = state.Unkey.RemainingCredits
		}
		candidate.Unkey = &u
	}
	if plan.Mixpeek != nil && state.Mixpeek != nil {
		m := *plan.Mixpeek
		if m.RevokedAt.IsUnknown() {
			m.RevokedAt = state.Mixpeek.RevokedAt
		}
		if m.RevokedBy.IsUnknown() {
			m.RevokedBy = state.Mixpeek.RevokedBy
		}
		if m.AllowedOrigins.IsUnknown() {
			m.AllowedOrigins = state.Mixpeek.AllowedOrigins
		}
		candidate.Mixpeek = &m
	}
	trial := resp.Plan
	if diags := trial.Set(ctx, &candidate); diags.HasError() {
		return
	}
	if trial.Raw.Equal(req.State.Raw) {
		resp.Plan = trial
	}
}

func stateExpiry(state *keyResourceModel) timetypes.RFC3339 {
	if state == nil {
		return timetypes.NewRFC3339Null()
	}
	return state.ExpiresAt
}

func (r *keyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan keyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// One instant for the expiry and (until the next refresh) the creation time, so an
	// expire_after key needs no second request to line them up.
	now := r.data.now()
	r.startExpireAfter(&plan, now)
	if r.data.backend == backendMixpeek {
		r.createMixpeek(ctx, &plan, &resp.Diagnostics)
	} else {
		r.createUnkey(ctx, &plan, now, &resp.Diagnostics)
	}
	if plan.ID.IsNull() || plan.ID.IsUnknown() {
		return // nothing was created
	}
	if !resp.Diagnostics.HasError() {
		r.finishExpireAfter(ctx, &plan, &resp.Diagnostics)
	}
	// Saved even after an error, so a key that exists (or may exist) is tracked, tainted, and
	// cleaned up by the next apply instead of being orphaned.
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, identityOf(&plan))...)
	if resp.Diagnostics.HasError() {
		resp.State.Raw = nullUnknowns(resp.State.Raw)
	}
}

// nullUnknowns replaces the unknown values left in a partial state; state cannot hold unknowns.
func nullUnknowns(v tftypes.Value) tftypes.Value {
	out, err := tftypes.Transform(v, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	if err != nil {
		return v
	}
	return out
}

func (r *keyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state keyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.StorePlaintext.IsNull() {
		// Just imported: provider-side settings take their defaults.
		state.StorePlaintext = types.BoolValue(true)
		state.EncryptedPlaintext = types.StringNull()
	}
	var gone bool
	if r.data.backend == backendMixpeek {
		gone = r.readMixpeek(ctx, &state, &resp.Diagnostics)
	} else {
		gone = r.readUnkey(ctx, &state, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if gone {
		// Clients before 1.12 send no identity with the prior state, and the framework rejects a
		// Read that ends without one, even when the resource is gone.
		resp.Diagnostics.Append(resp.Identity.Set(ctx, identityOf(&state))...)
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, identityOf(&state))...)
}

func (r *keyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state keyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plannedPlaintext := plan.Plaintext
	if r.data.backend == backendMixpeek {
		r.updateMixpeek(ctx, &plan, &state, &resp.Diagnostics)
	} else {
		r.updateUnkey(ctx, &plan, &state, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	// The backends carry the stored plaintext over; store_plaintext turned off plans it null.
	if plannedPlaintext.IsNull() {
		plan.Plaintext = types.StringNull()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, identityOf(&plan))...)
}

func (r *keyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state keyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data.backend == backendMixpeek {
		r.deleteMixpeek(ctx, &state, &resp.Diagnostics)
	} else {
		r.deleteUnkey(ctx, &state, &resp.Diagnostics)
	}
}

// ImportState accepts, on Unkey, a key id or "<api_id>/<key_id>"; on Mixpeek "<user_email>/<key_id>";
// or an identity.
func (r *keyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var owner, keyID string
	if req.ID == "" {
		var ident keyIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		if resp.Diagnostics.HasError() {
			return
		}
		owner, keyID = ident.APIID.ValueString(), ident.ID.ValueString()
		if r.backend() == backendMixpeek {
			owner = ident.UserEmail.ValueString()
		}
	} else {
		var found bool
		owner, keyID, found = strings.Cut(req.ID, "/")
		if !found {
			owner, keyID = "", req.ID
		}
	}
	if r.backend() == backendMixpeek {
		if owner == "" || keyID == "" || strings.Contains(keyID, "/") {
			resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("Expected <user_email>/<key_id>, such as ops@example.com/key_abc123; got %q.", req.ID))
			return
		}
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), keyID)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("mixpeek").AtName("user_email"), owner)...)
		return
	}
	if keyID == "" || strings.Contains(keyID, "/") {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("Expected a key id such as key_123, or <api_id>/<key_id>; got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), keyID)...)
	if owner != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("unkey").AtName("api_id"), owner)...)
	}
}

func (r *keyResource) backend() string {
	if r.data == nil {
		return backendUnkey
	}
	return r.data.backend
}

func identityOf(m *keyResourceModel) *keyIdentityModel {
	ident := &keyIdentityModel{ID: m.ID, APIID: types.StringNull(), UserEmail: types.StringNull()}
	if m.Unkey != nil {
		ident.APIID = m.Unkey.APIID
	}
	if m.Mixpeek != nil {
		ident.UserEmail = m.Mixpeek.UserEmail
	}
	return ident
}
