package mixpeek

import (
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Key statuses reported in `status`: Mixpeek's own words.
var keyStatuses = []string{mixpeek.StatusActive, mixpeek.StatusExpired}

// keyModel is apikey_mixpeek_key: APIKeyModel / APIKeyCreateResponse plus the shared lifecycle.
type keyModel struct {
	ID                types.String      `tfsdk:"id"`
	UserEmail         types.String      `tfsdk:"user_email"`
	Name              types.String      `tfsdk:"name"`
	Description       types.String      `tfsdk:"description"`
	Permissions       types.Set         `tfsdk:"permissions"`
	Scopes            types.Set         `tfsdk:"scopes"`
	RateLimitOverride types.Int64       `tfsdk:"rate_limit_override"`
	ExpiresAt         timetypes.RFC3339 `tfsdk:"expires_at"`
	Start             types.String      `tfsdk:"start"`
	Status            types.String      `tfsdk:"status"`
	CreatedAt         types.String      `tfsdk:"created_at"`
	LastUsedAt        types.String      `tfsdk:"last_used_at"`
	KeyHash           types.String      `tfsdk:"key_hash"`
	KeyType           types.String      `tfsdk:"key_type"`
	SubscriptionID    types.String      `tfsdk:"subscription_id"`
	InternalID        types.String      `tfsdk:"internal_id"`
	OrganizationID    types.String      `tfsdk:"organization_id"`
	UserID            types.String      `tfsdk:"user_id"`
	CreatedBy         types.String      `tfsdk:"created_by"`
	RevokedAt         types.String      `tfsdk:"revoked_at"`
	RevokedBy         types.String      `tfsdk:"revoked_by"`
	AllowedOrigins    types.List        `tfsdk:"allowed_origins"`
	keylife.Model
}

func (m *keyModel) Life() *keylife.Model       { return &m.Model }
func (m *keyModel) Expiry() *timetypes.RFC3339 { return &m.ExpiresAt }
func (m *keyModel) Created() *types.String     { return &m.CreatedAt }
func (m *keyModel) KeyID() types.String        { return m.ID }
func (m *keyModel) Revealable() bool           { return false }

// Mixpeek rotates by revoking the old key at once, so there is no in-place rotation with an
// overlap: keys rotate by replacement.
func (m *keyModel) Rerolls() bool { return false }
func (m *keyModel) MarkReroll()   {}
func (m *keyModel) identity() *keyIdentityModel {
	return &keyIdentityModel{UserEmail: m.UserEmail, ID: m.ID}
}

type keyIdentityModel struct {
	UserEmail types.String `tfsdk:"user_email"`
	ID        types.String `tfsdk:"id"`
}

type scopeModel struct {
	ResourceType types.String `tfsdk:"resource_type"`
	ResourceID   types.String `tfsdk:"resource_id"`
	Operations   types.Set    `tfsdk:"operations"`
}

var (
	scopeAttrTypes = map[string]attr.Type{
		"resource_type": types.StringType,
		"resource_id":   types.StringType,
		"operations":    types.SetType{ElemType: types.StringType},
	}
	scopeType = types.ObjectType{AttrTypes: scopeAttrTypes}
)

// policy is the lifecycle's view of Mixpeek: expiries are sent in whole seconds.
var policy = keylife.Policy{ExpiryPrecision: time.Second, Resource: "apikey_mixpeek_key"}

// emailPattern is a loose check: Mixpeek validates addresses itself; this catches typos such as
// a missing @ before a request is made, and anything that would change the request path.
var emailPattern = regexp.MustCompile(`^[^@\s/?#%]+@[^@\s/?#%]+\.[^@\s/?#%]+$`)

// namePattern keeps names addressable in the URL path: no "/", no "." or ".." segments (which a
// path is normalised around), no characters that start a query or fragment.
var namePattern = regexp.MustCompile(`^[^/?#%]+$`)

func nameValidators() []validator.String {
	return []validator.String{
		stringvalidator.UTF8LengthBetween(mixpeek.NameMinLength, mixpeek.NameMaxLength),
		stringvalidator.RegexMatches(namePattern, "must not contain /, ?, # or %: Mixpeek addresses keys by name in the URL path"),
		stringvalidator.NoneOf(".", "..", mixpeek.ProtectedKeyName),
	}
}

func emailValidators() []validator.String {
	return []validator.String{stringvalidator.RegexMatches(emailPattern, "must be an email address")}
}

func keySchema() schema.Schema {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: "Key id assigned by Mixpeek (`key_id`).",
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"user_email": schema.StringAttribute{
			MarkdownDescription: "Email of the organization user who owns the key (the `{user_email}` path segment). Forces replacement.",
			Required:            true,
			Validators:          emailValidators(),
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"name": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Name of the key (`name`, %d to %d characters, unique among the user's live keys; not `.`, `..`, `%s` or anything with `/`, `?`, `#` or `%%`). Mixpeek addresses keys by name. Updates in place.", mixpeek.NameMinLength, mixpeek.NameMaxLength, mixpeek.ProtectedKeyName),
			Required:            true,
			Validators:          nameValidators(),
		},
		"description": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Description (`description`, at most %d characters). Updates in place; removing it clears it.", mixpeek.DescriptionMaxLength),
			Optional:            true,
			Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(mixpeek.DescriptionMaxLength)},
		},
		"permissions": schema.SetAttribute{
			MarkdownDescription: fmt.Sprintf("Permissions of the key (`permissions`): %s. Unset means Mixpeek's default: the permissions Mixpeek gave the key when it was created (or imported) without them, otherwise the documented `read`, `write` and `delete`; a change made outside Terraform then shows in the plan. Updates in place.", tfvalue.QuoteList(mixpeek.Permissions)),
			ElementType:         types.StringType,
			Optional:            true,
			Computed:            true,
			Validators:          []validator.Set{setvalidator.SizeAtLeast(1), tfvalue.NoNullElements(), setvalidator.ValueStringsAre(stringvalidator.OneOf(mixpeek.Permissions...))},
		},
		"scopes": schema.SetNestedAttribute{
			MarkdownDescription: "Resources the key is limited to (`scopes`). Updates in place; removing it gives the key global access again.",
			Optional:            true,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"resource_type": schema.StringAttribute{
					Required:            true,
					MarkdownDescription: fmt.Sprintf("Kind of resource (`resource_type`): %s.", tfvalue.QuoteList(mixpeek.ResourceTypes)),
					Validators:          []validator.String{stringvalidator.OneOf(mixpeek.ResourceTypes...)},
				},
				"resource_id": schema.StringAttribute{
					Required:            true,
					MarkdownDescription: fmt.Sprintf("Resource id or wildcard such as `ns_customer_*` (`resource_id`, %d to %d characters).", mixpeek.ResourceIDMinLength, mixpeek.ResourceIDMaxLength),
					Validators:          []validator.String{stringvalidator.UTF8LengthBetween(mixpeek.ResourceIDMinLength, mixpeek.ResourceIDMaxLength)},
				},
				"operations": schema.SetAttribute{
					Optional:            true,
					ElementType:         types.StringType,
					MarkdownDescription: fmt.Sprintf("Operations allowed on the resource (`operations`): %s. Unset allows every operation the key's permissions allow.", tfvalue.QuoteList(mixpeek.NamespaceOperations)),
					Validators:          []validator.Set{tfvalue.NoNullElements(), setvalidator.ValueStringsAre(stringvalidator.OneOf(mixpeek.NamespaceOperations...))},
				},
			}},
		},
		"rate_limit_override": schema.Int64Attribute{
			MarkdownDescription: "Requests per minute for this key instead of the plan's limit (`rate_limit_override`, at least 1). Updates in place. Removing it asks Mixpeek to return the key to the plan's limit by sending `null`, which the published API does not document for this field: the key is read back, and if Mixpeek kept the override the apply warns, `rate_limit_override` keeps the value Mixpeek reports, and later plans leave it alone (with a warning) instead of asking again. Setting a value, or the override changing in Mixpeek, starts over.",
			Optional:            true,
			Computed:            true,
			Validators:          []validator.Int64{int64validator.AtLeast(mixpeek.RateLimitOverrideMin)},
		},
		"expires_at": schema.StringAttribute{
			MarkdownDescription: "When the key stops working, as an RFC 3339 time (`expires_at`; Mixpeek keeps whole seconds). Must be in the future when it is set or changed. Any offset is accepted and kept as written. Updates in place; removing it makes the key never expire. A key that reaches its expiry stays in state with `status = \"expired\"` and plans nothing; changing `expires_at` then updates it in place.",
			CustomType:          timetypes.RFC3339Type{},
			Optional:            true,
			Computed:            true,
			Validators:          []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("expire_after"))},
			PlanModifiers:       []planmodifier.String{tfvalue.KeepEquivalentTime},
		},
		"start": computed(fmt.Sprintf("The first %d characters of the key, safe to display (`key_prefix`).", mixpeek.KeyPrefixDisplayedLength)),
		"status": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Mixpeek's status of the key (`status`): %s. A key revoked outside Terraform is removed from state with a warning, and the next plan creates a new one.", tfvalue.QuoteList(keyStatuses)),
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"created_at": computed("Creation time, RFC 3339 in UTC (`created_at`)."),
		"last_used_at": schema.StringAttribute{
			MarkdownDescription: "Last use, RFC 3339 in UTC (`last_used_at`); null if never used. Never causes a diff.",
			Computed:            true,
		},
		"key_hash":        computed("Mixpeek's SHA-256 hash of the key (`key_hash`), as Mixpeek reports it. At create it is compared with the digest of the plaintext (hex, a hex prefix of at least 32 characters, or base64); a mismatch is a warning and the key is kept."),
		"key_type":        computed("Kind of key (`key_type`), such as `standard`."),
		"subscription_id": computed("Marketplace subscription of the key, if any (`subscription_id`)."),
		"internal_id": schema.StringAttribute{
			Computed: true, Sensitive: true,
			MarkdownDescription: "Internal organization id (`internal_id`). Mixpeek documents it as secret, so it is sensitive here.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"organization_id": computed("Public organization id (`organization_id`)."),
		"user_id":         computed("Owner's user id (`user_id`)."),
		"created_by":      computed("User id of the creator (`created_by`)."),
		"revoked_at":      schema.StringAttribute{Computed: true, MarkdownDescription: "Revocation time (`revoked_at`); null while the key is live."},
		"revoked_by":      schema.StringAttribute{Computed: true, MarkdownDescription: "User id that revoked the key (`revoked_by`)."},
		"allowed_origins": schema.ListAttribute{
			Computed: true, ElementType: types.StringType,
			MarkdownDescription: "Browser origins the key is limited to (`allowed_origins`); read-only on organization keys.",
		},
	}
	for name, a := range keylife.Attributes("`key` in the create response", false) {
		attrs[name] = a
	}
	return schema.Schema{
		MarkdownDescription: "A Mixpeek organization API key (`APIKeyCreateResponse` / `APIKeyModel`). The plaintext is returned once, at create, in the sensitive `plaintext` attribute. Destroying the resource revokes the key. Mixpeek keys cannot be disabled; destroy the resource to revoke one.",
		Attributes:          attrs,
	}
}
