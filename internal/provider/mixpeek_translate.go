package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
)

// The Mixpeek half of apikey_key: organization API keys addressed by user email and key name.

type mixpeekModel struct {
	UserEmail         types.String `tfsdk:"user_email"`
	Description       types.String `tfsdk:"description"`
	Scopes            types.Set    `tfsdk:"scopes"`
	RateLimitOverride types.Int64  `tfsdk:"rate_limit_override"`
	KeyHash           types.String `tfsdk:"key_hash"`
	KeyType           types.String `tfsdk:"key_type"`
	SubscriptionID    types.String `tfsdk:"subscription_id"`
	InternalID        types.String `tfsdk:"internal_id"`
	OrganizationID    types.String `tfsdk:"organization_id"`
	UserID            types.String `tfsdk:"user_id"`
	CreatedBy         types.String `tfsdk:"created_by"`
	RevokedAt         types.String `tfsdk:"revoked_at"`
	RevokedBy         types.String `tfsdk:"revoked_by"`
	AllowedOrigins    types.List   `tfsdk:"allowed_origins"`
}

type scopeModel struct {
	ResourceType types.String `tfsdk:"resource_type"`
	ResourceID   types.String `tfsdk:"resource_id"`
	Operations   types.Set    `tfsdk:"operations"`
}

var scopeAttrTypes = map[string]attr.Type{
	"resource_type": types.StringType,
	"resource_id":   types.StringType,
	"operations":    types.SetType{ElemType: types.StringType},
}

func mixpeekSchema() schema.SingleNestedAttribute {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Settings only Mixpeek has. Required with `backend = \"mixpeek\"`; an error with any other backend.",
		Optional:            true,
		Attributes: map[string]schema.Attribute{
			"user_email": schema.StringAttribute{
				MarkdownDescription: "Email of the organization user who owns the key (the `{user_email}` path segment). Forces replacement.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.RegexMatches(emailPattern, "must be an email address")},
				PlanModifiers:       []planmodifier.String{requiresReplaceUnlessImportedString()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Description (`description`, at most %d characters). Updates in place; removing it clears it.", mixpeek.DescriptionMaxLength),
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtMost(mixpeek.DescriptionMaxLength)},
			},
			"scopes": schema.SetNestedAttribute{
				MarkdownDescription: "Resources the key is limited to (`scopes`). Updates in place; removing it gives the key global access again.",
				Optional:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"resource_type": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: fmt.Sprintf("Kind of resource: %s.", quoteList(mixpeek.ResourceTypes)),
						Validators:          []validator.String{stringvalidator.OneOf(mixpeek.ResourceTypes...)},
					},
					"resource_id": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: fmt.Sprintf("Resource id or wildcard such as `ns_customer_*` (%d to %d characters).", mixpeek.ResourceIDMinLength, mixpeek.ResourceIDMaxLength),
						Validators:          []validator.String{stringvalidator.LengthBetween(mixpeek.ResourceIDMinLength, mixpeek.ResourceIDMaxLength)},
					},
					"operations": schema.SetAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: fmt.Sprintf("Operations allowed on the resource: %s. Unset allows every operation the key's permissions allow.", quoteList(mixpeek.NamespaceOperations)),
						Validators:          []validator.Set{setvalidator.ValueStringsAre(stringvalidator.OneOf(mixpeek.NamespaceOperations...))},
					},
				}},
			},
			"rate_limit_override": schema.Int64Attribute{
				MarkdownDescription: "Requests per minute for this key instead of the plan's limit (`rate_limit_override`, at least 1). Updates in place; removing it returns to the plan's limit.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(mixpeek.RateLimitOverrideMin)},
			},
			"key_hash":        computed("SHA-256 of the key, lowercase hex (`key_hash`). Checked against the plaintext at create."),
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
			"revoked_at":      schema.StringAttribute{Computed: true, MarkdownDescription: "Revocation time (`revoked_at`); null while the key is active."},
			"revoked_by":      schema.StringAttribute{Computed: true, MarkdownDescription: "User id that revoked the key (`revoked_by`)."},
			"allowed_origins": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Browser origins the key is limited to (`allowed_origins`); read-only on organization keys.",
			},
		},
	}
}

// validateMixpeekPlan applies Mixpeek's rules to a planned key.
func validateMixpeekPlan(ctx context.Context, plan *keyResourceModel, diags *diag.Diagnostics) {
	if plan.Mixpeek == nil {
		diags.AddAttributeError(path.Root("mixpeek"), "Missing mixpeek settings",
			"With backend \"mixpeek\" the key needs a mixpeek block with at least user_email, for example: mixpeek = { user_email = \"ops@example.com\" }.")
	}
	name := plan.Name
	switch {
	case name.IsUnknown():
	case name.IsNull():
		diags.AddAttributeError(path.Root("name"), "Missing name", "Mixpeek keys are addressed by name: set name (1 to 100 characters).")
	case len(name.ValueString()) > mixpeek.NameMaxLength:
		diags.AddAttributeError(path.Root("name"), "Name too long", fmt.Sprintf("name is %d characters; Mixpeek accepts at most %d.", len(name.ValueString()), mixpeek.NameMaxLength))
	case strings.Contains(name.ValueString(), "/"):
		diags.AddAttributeError(path.Root("name"), "Invalid name", "name must not contain \"/\": Mixpeek addresses keys by name in the URL path.")
	case name.ValueString() == mixpeek.ProtectedKeyName:
		diags.AddAttributeError(path.Root("name"), "Protected name", fmt.Sprintf("%q is Mixpeek's protected bootstrap key and cannot be managed; choose another name.", mixpeek.ProtectedKeyName))
	}
	if !plan.Enabled.IsUnknown() && !plan.Enabled.ValueBool() {
		diags.AddAttributeError(path.Root("enabled"), "Attribute not supported by this backend",
			"Mixpeek keys cannot be disabled, only revoked (by destroying the resource). Remove enabled or set it to true.")
	}
	for _, p := range setStrings(ctx, plan.Permissions, diags) {
		if !slices.Contains(mixpeek.Permissions, p) {
			diags.AddAttributeError(path.Root("permissions"), "Invalid permission",
				fmt.Sprintf("permissions: %q is not a Mixpeek permission; use %s.", p, quoteList(mixpeek.Permissions)))
		}
	}
}

func (r *keyResource) createMixpeek(ctx context.Context, plan *keyResourceModel, diags *diag.Diagnostics) {
	m := plan.Mixpeek
	email := m.UserEmail.ValueString()
	req := mixpeek.CreateKeyRequest{
		Name:              plan.Name.ValueString(),
		Description:       m.Description.ValueStringPointer(),
		Permissions:       setStrings(ctx, plan.Permissions, diags),
		Scopes:            scopesToAPI(ctx, m.Scopes, diags),
		RateLimitOverride: m.RateLimitOverride.ValueInt64Pointer(),
	}
	if !plan.ExpiresAt.IsNull() {
		t, d := plan.ExpiresAt.ValueRFC3339Time()
		diags.Append(d...)
		s := t.UTC().Format(time.RFC3339)
		req.ExpiresAt = &s
	}
	if diags.HasError() {
		return
	}
	created, err := r.createMixpeekOnce(ctx, email, req)
	var unconfirmed *errUnconfirmedCreate
	if errors.As(err, &unconfirmed) {
		plan.ID = types.StringValue(unconfirmedPrefix + newMarker())
		diags.AddError("Key creation unconfirmed",
			fmt.Sprintf("Creating key %q for %s: %s. The attempt is saved in state as tainted; the next terraform apply revokes any key it made and creates a new one.", req.Name, email, err))
		return
	}
	if err != nil {
		diags.AddError("Error creating key", fmt.Sprintf("Could not create key %q for %s: %s", req.Name, email, err))
		return
	}
	if err := mixpeek.VerifyCreated(created); err != nil {
		diags.AddError("Created key failed its integrity check",
			fmt.Sprintf("Mixpeek created key %s but its response is inconsistent (%s). The key was revoked and not saved; check the endpoint points at Mixpeek.", created.KeyID, err))
		if rerr := r.data.mixpeek.RevokeKey(ctx, email, created.Name); rerr != nil {
			diags.AddError("Error revoking inconsistent key", fmt.Sprintf("Revoke key %s (%q) by hand: %s", created.KeyID, created.Name, rerr))
		}
		return
	}
	tflog.Debug(ctx, "created mixpeek key", map[string]any{"key_id": created.KeyID})
	storeSecret(ctx, plan, created.Plaintext, diags)
	applyMixpeekKey(ctx, plan, &created.Key, diags)
}

// readMixpeek refreshes state; it reports true when the key is gone, revoked or expired, all of
// which Mixpeek cannot undo, so the next plan creates a new key.
func (r *keyResource) readMixpeek(ctx context.Context, state *keyResourceModel, diags *diag.Diagnostics) bool {
	if isUnconfirmed(state.ID.ValueString()) {
		return r.readUnconfirmed(ctx, state, diags)
	}
	email := state.Mixpeek.UserEmail.ValueString()
	key, err := r.data.mixpeek.FindKey(ctx, email, state.ID.ValueString())
	if mixpeek.IsNotFound(err) {
		diags.AddWarning("Key no longer exists",
			fmt.Sprintf("Key %s of %s was not found on Mixpeek. It is removed from state and the next plan creates a new key.", state.ID.ValueString(), email))
		return true
	}
	if err != nil {
		diags.AddError("Error reading key", fmt.Sprintf("Could not read key %s of %s: %s", state.ID.ValueString(), email, err))
		return false
	}
	if key.Status == mixpeek.StatusRevoked || key.Status == mixpeek.StatusExpired {
		diags.AddWarning("Key is "+key.Status,
			fmt.Sprintf("Key %s (%q) of %s is %s on Mixpeek and cannot be reactivated. It is removed from state and the next plan creates a new key.", key.KeyID, key.Name, email, key.Status))
		return true
	}
	applyMixpeekKey(ctx, state, key, diags)
	return false
}

func (r *keyResource) updateMixpeek(ctx context.Context, plan, state *keyResourceModel, diags *diag.Diagnostics) {
	p, s := plan.Mixpeek, state.Mixpeek
	var req mixpeek.UpdateKeyRequest
	changed := false
	if !plan.Name.Equal(state.Name) {
		req.Name = mixpeek.Value(plan.Name.ValueString())
		changed = true
	}
	if !p.Description.Equal(s.Description) {
		// Mixpeek's default description is "", so clearing sends that rather than null.
		req.Description = mixpeek.Value(p.Description.ValueString())
		changed = true
	}
	if !plan.Permissions.Equal(state.Permissions) && !plan.Permissions.IsNull() {
		perms := nonNil(setStrings(ctx, plan.Permissions, diags))
		req.Permissions = &perms
		changed = true
	}
	if !p.Scopes.Equal(s.Scopes) {
		scopes := scopesToAPI(ctx, p.Scopes, diags)
		if scopes == nil {
			scopes = []mixpeek.Scope{}
		}
		req.Scopes = &scopes
		changed = true
	}
	if !p.RateLimitOverride.Equal(s.RateLimitOverride) {
		if p.RateLimitOverride.IsNull() {
			req.RateLimitOverride = mixpeek.Null[int64]()
		} else {
			req.RateLimitOverride = mixpeek.Value(p.RateLimitOverride.ValueInt64())
		}
		changed = true
	}
	if !plan.ExpiresAt.Equal(state.ExpiresAt) {
		req.ExpiresAt = mixpeekTime(plan.ExpiresAt, diags)
		changed = true
	}
	if diags.HasError() {
		return
	}
	email := s.UserEmail.ValueString()
	plan.Plaintext = state.Plaintext
	if !changed {
		key, err := r.data.mixpeek.FindKey(ctx, email, state.ID.ValueString())
		if err != nil {
			diags.AddError("Error reading key", fmt.Sprintf("Could not read key %s: %s", state.ID.ValueString(), err))
			return
		}
		applyMixpeekKey(ctx, plan, key, diags)
		return
	}
	// The path names the key by its current name; a rename takes effect with this call.
	key, err := r.data.mixpeek.UpdateKey(ctx, email, state.Name.ValueString(), req)
	if err != nil {
		diags.AddError("Error updating key", fmt.Sprintf("Could not update key %s (%q) of %s: %s", state.ID.ValueString(), state.Name.ValueString(), email, err))
		return
	}
	applyMixpeekKey(ctx, plan, key, diags)
}

func (r *keyResource) deleteMixpeek(ctx context.Context, state *keyResourceModel, diags *diag.Diagnostics) {
	email := state.Mixpeek.UserEmail.ValueString()
	if isUnconfirmed(state.ID.ValueString()) {
		if err := r.settleUnconfirmed(ctx, state); err != nil {
			diags.AddError("Error settling an unconfirmed create", err.Error())
		}
		return
	}
	if until, ok := r.graceExpiry(state); ok {
		_, err := r.data.mixpeek.UpdateKey(ctx, email, state.Name.ValueString(), mixpeek.UpdateKeyRequest{ExpiresAt: mixpeek.Value(until.Format(time.RFC3339))})
		if err != nil && !mixpeek.IsNotFound(err) {
			diags.AddError("Error scheduling key expiry", fmt.Sprintf("Could not set key %s (%q) to expire at %s for its grace period: %s", state.ID.ValueString(), state.Name.ValueString(), until.Format(time.RFC3339), err))
		}
		return
	}
	err := r.data.mixpeek.RevokeKey(ctx, email, state.Name.ValueString())
	if err != nil && !mixpeek.IsNotFound(err) {
		diags.AddError("Error revoking key", fmt.Sprintf("Could not revoke key %s (%q) of %s: %s", state.ID.ValueString(), state.Name.ValueString(), email, err))
	}
}

func mixpeekTime(v timetypes.RFC3339, diags *diag.Diagnostics) mixpeek.Nullable[string] {
	if v.IsNull() {
		return mixpeek.Null[string]()
	}
	t, d := v.ValueRFC3339Time()
	diags.Append(d...)
	return mixpeek.Value(t.UTC().Format(time.RFC3339))
}

// applyMixpeekKey copies the server's view of a key into the model.
func applyMixpeekKey(ctx context.Context, m *keyResourceModel, k *mixpeek.Key, diags *diag.Diagnostics) {
	if m.Mixpeek == nil {
		m.Mixpeek = &mixpeekModel{}
	}
	x := m.Mixpeek
	m.ID = types.StringValue(k.KeyID)
	m.Name = types.StringValue(k.Name)
	m.Start = types.StringPointerValue(k.KeyPrefix)
	m.Enabled = types.BoolValue(true)
	m.Status = types.StringValue(mixpeekStatus(k.Status))
	m.CreatedAt = normalizedTime(k.CreatedAt)
	m.UpdatedAt = types.StringNull()
	m.LastUsedAt = normalizedTime(k.LastUsedAt)
	if k.ExpiresAt != nil && *k.ExpiresAt != "" {
		m.ExpiresAt = timetypes.NewRFC3339ValueMust(normalizedTime(k.ExpiresAt).ValueString())
	} else {
		m.ExpiresAt = timetypes.NewRFC3339Null()
	}
	if m.Plaintext.IsUnknown() {
		m.Plaintext = types.StringNull()
	}
	// Unset permissions mean the server's default; keep them unset rather than report it.
	if !m.Permissions.IsNull() || len(k.Permissions) == 0 {
		m.Permissions = sameOrNull(m.Permissions, k.Permissions)
	}
	if x.Description.IsNull() && k.Description == "" {
		// unset and the server's default "" mean the same
	} else {
		x.Description = types.StringValue(k.Description)
	}
	x.Scopes = scopesFromAPI(ctx, x.Scopes, k.Scopes, diags)
	x.RateLimitOverride = types.Int64PointerValue(k.RateLimitOverride)
	x.KeyHash = types.StringValue(k.KeyHash)
	x.KeyType = types.StringValue(k.KeyType)
	x.SubscriptionID = types.StringPointerValue(k.SubscriptionID)
	x.InternalID = types.StringValue(k.InternalID)
	x.OrganizationID = types.StringPointerValue(k.OrganizationID)
	x.UserID = types.StringValue(k.UserID)
	x.CreatedBy = types.StringPointerValue(k.CreatedBy)
	x.RevokedAt = normalizedTime(k.RevokedAt)
	x.RevokedBy = types.StringPointerValue(k.RevokedBy)
	origins, d := types.ListValueFrom(ctx, types.StringType, k.AllowedOrigins)
	diags.Append(d...)
	x.AllowedOrigins = origins
}

func mixpeekStatus(s string) string {
	switch s {
	case mixpeek.StatusExpired:
		return statusExpired
	case "", mixpeek.StatusActive:
		return statusActive
	default:
		return s
	}
}

// normalizedTime renders a server timestamp as RFC 3339 in UTC, whatever offset or precision the
// server used, so equal instants compare equal.
func normalizedTime(s *string) types.String {
	if s == nil || *s == "" {
		return types.StringNull()
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, *s); err == nil {
			return types.StringValue(t.UTC().Format(time.RFC3339Nano))
		}
	}
	return types.StringValue(*s)
}

func scopesToAPI(ctx context.Context, set types.Set, diags *diag.Diagnostics) []mixpeek.Scope {
	if set.IsNull() || set.IsUnknown() {
		return nil
	}
	var items []scopeModel
	diags.Append(set.ElementsAs(ctx, &items, false)...)
	out := make([]mixpeek.Scope, 0, len(items))
	for _, it := range items {
		s := mixpeek.Scope{ResourceType: it.ResourceType.ValueString(), ResourceID: it.ResourceID.ValueString()}
		if !it.Operations.IsNull() {
			s.Operations = nonNil(setStrings(ctx, it.Operations, diags))
		}
		out = append(out, s)
	}
	return out
}

func scopesFromAPI(ctx context.Context, prior types.Set, got []mixpeek.Scope, diags *diag.Diagnostics) types.Set {
	elemType := types.ObjectType{AttrTypes: scopeAttrTypes}
	if len(got) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.SetNull(elemType)
	}
	out := make([]scopeModel, 0, len(got))
	for _, s := range got {
		ops := types.SetNull(types.StringType)
		if s.Operations != nil {
			ops = stringSet(s.Operations)
		}
		out = append(out, scopeModel{ResourceType: types.StringValue(s.ResourceType), ResourceID: types.StringValue(s.ResourceID), Operations: ops})
	}
	set, d := types.SetValueFrom(ctx, elemType, out)
	diags.Append(d...)
	return set
}
