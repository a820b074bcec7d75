package mixpeek

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var (
	_ resource.ResourceWithConfigure   = (*keyResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*keyResource)(nil)
	_ resource.ResourceWithImportState = (*keyResource)(nil)
	_ resource.ResourceWithIdentity    = (*keyResource)(nil)
)

// privateDefaultPermissions holds, in private state, the permissions Mixpeek chose for a key
// created (or imported) without permissions in its configuration: what "unset" means for it.
const privateDefaultPermissions = "default_permissions"

// documentedDefaultPermissions is what Mixpeek's documentation gives a key created without
// permissions ("full read/write/delete access"); the default actually recorded at create wins.
var documentedDefaultPermissions = []string{"delete", "read", "write"}

// NewKeyResource is the apikey_mixpeek_key resource.
func NewKeyResource() resource.Resource { return &keyResource{} }

type keyResource struct{ svc service }

func (r *keyResource) b() *Backend { return r.svc.Value }

func (r *keyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_mixpeek_key"
}

func (r *keyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"user_email": identityschema.StringAttribute{RequiredForImport: true, Description: "Mixpeek user who owns the key."},
			"id":         identityschema.StringAttribute{RequiredForImport: true, Description: "Key id (`key_id`)."},
		},
	}
}

func (r *keyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = keySchema()
}

func (r *keyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	var diags diag.Diagnostics
	r.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

// defaultPermissions reads the private default; nil when none was recorded.
func defaultPermissions(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}) []string {
	raw, _ := private.GetKey(ctx, privateDefaultPermissions)
	if len(raw) == 0 {
		return nil
	}
	var out []string
	if json.Unmarshal(raw, &out) != nil || out == nil {
		return nil
	}
	return out
}

func encodePermissions(perms []string) []byte {
	raw, _ := json.Marshal(tfvalue.NonNil(perms))
	return raw
}

func (r *keyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !r.svc.ProviderConfigured() {
		return
	}
	if !r.svc.Require(&resp.Diagnostics, "apikey_mixpeek_key") {
		return
	}
	now := r.b().now()
	keylife.PlanWarnings(ctx, now, req, resp)
	var plan, cfg keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.Plan.Raw, req.Plan.Get, &plan)...)
	resp.Diagnostics.Append(getKeyModel(ctx, req.Config.Raw, req.Config.Get, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *keyModel
	if !req.State.Raw.IsNull() {
		state = &keyModel{}
		resp.Diagnostics.Append(getKeyModel(ctx, req.State.Raw, req.State.Get, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	// Unset permissions mean Mixpeek's default: unknown until the create answers, then the value
	// recorded at create; a permission added outside Terraform is planned away.
	if cfg.Permissions.IsNull() {
		if state == nil {
			plan.Permissions = types.SetUnknown(types.StringType)
		} else if def := defaultPermissions(ctx, req.Private); def != nil {
			plan.Permissions = tfvalue.StringSet(def)
		} else {
			// A key created with permissions that the configuration no longer sets: the
			// documented default applies.
			plan.Permissions = tfvalue.StringSet(documentedDefaultPermissions)
		}
	}
	if state == nil {
		keylife.Plan(policy, now, &cfg, &plan, nil, resp)
	} else {
		keylife.Plan(policy, now, &cfg, &plan, state, resp)
	}
	priorExpiry := timetypes.NewRFC3339Null()
	if state != nil {
		priorExpiry = state.ExpiresAt
	}
	keylife.ValidateExpiry(policy, plan.ExpiresAt, priorExpiry, now, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if state != nil && !plan.ExpiresAt.Equal(state.ExpiresAt) {
		plan.Status = types.StringUnknown()
	}
	planRateLimit(ctx, &cfg, &plan, state, req.Private, &resp.Diagnostics)
	if state != nil {
		plan = keepVolatileIfUnchanged(ctx, resp.Plan, req.State, plan, state)
	}
	resp.Diagnostics.Append(setKeyModel(ctx, resp.Plan.Set, &plan)...)
}

// privateKeptRateLimit records, in private state, the override Mixpeek kept after the provider
// asked to remove it (PATCH with null, which the published API does not document as clearing).
const privateKeptRateLimit = "kept_rate_limit_override"

// planRateLimit plans an unset rate_limit_override: null at create and while there is none;
// unknown (the removal is attempted, and the result is what Mixpeek keeps) when the key has
// one; and the value itself, with a warning, when Mixpeek already kept that value once.
func planRateLimit(ctx context.Context, cfg, plan, state *keyModel, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}, diags *diag.Diagnostics) {
	if !cfg.RateLimitOverride.IsNull() {
		return
	}
	if state == nil || state.RateLimitOverride.IsNull() || state.RateLimitOverride.IsUnknown() {
		plan.RateLimitOverride = types.Int64Null()
		return
	}
	kept := state.RateLimitOverride.ValueInt64()
	if raw, _ := private.GetKey(ctx, privateKeptRateLimit); string(raw) == strconv.FormatInt(kept, 10) {
		plan.RateLimitOverride = state.RateLimitOverride
		diags.AddAttributeWarning(path.Root("rate_limit_override"), "Mixpeek keeps the rate limit override",
			fmt.Sprintf("The configuration sets no rate_limit_override, but Mixpeek kept %d when it was asked to remove it, so it is not asked again. Set rate_limit_override to change it, or remove the override in Mixpeek.", kept))
		return
	}
	plan.RateLimitOverride = types.Int64Unknown()
}

// keepVolatileIfUnchanged undoes the framework's marking of the computed attributes that may
// change on any update (last_used_at, revoked_*, allowed_origins) as unknown, when the plan is
// otherwise the prior state. The framework marks them whenever the configuration differs from
// state before plan modifiers run, so an expiry respelled in another offset, which
// KeepEquivalentTime plans as the prior value, would still plan an update.
func keepVolatileIfUnchanged(ctx context.Context, probe tfsdk.Plan, prior tfsdk.State, plan keyModel, state *keyModel) keyModel {
	if !plan.LastUsedAt.IsUnknown() && !plan.RevokedAt.IsUnknown() && !plan.RevokedBy.IsUnknown() && !plan.AllowedOrigins.IsUnknown() {
		return plan
	}
	settled := plan
	settled.LastUsedAt, settled.RevokedAt, settled.RevokedBy, settled.AllowedOrigins = state.LastUsedAt, state.RevokedAt, state.RevokedBy, state.AllowedOrigins
	if diags := setKeyModel(ctx, probe.Set, &settled); diags.HasError() || !probe.Raw.Equal(prior.Raw) {
		return plan
	}
	return settled
}

func (r *keyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_mixpeek_key") {
		return
	}
	var plan keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.Plan.Raw, req.Plan.Get, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	keylife.StartExpireAfter(policy, &plan, r.b().now())
	email := plan.UserEmail.ValueString()
	creq := createRequest(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	created, err := r.b().createOwned(ctx, email, creq, plan.ExpireAfter.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error creating key", fmt.Sprintf("Could not create key %q for %s: %s", creq.Name, email, r.b().explain(err)))
		return
	}
	reportCreatedCheck(created, &resp.Diagnostics)
	tflog.Debug(ctx, "created mixpeek key", map[string]any{"key_id": created.KeyID})
	keylife.StoreSecret(ctx, &plan.Model, created.Plaintext, &resp.Diagnostics)
	configuredDescription := plan.Description
	// Planned unknown means the configuration leaves permissions unset: what Mixpeek chose is
	// the default that "unset" means from now on.
	permissionsUnset := plan.Permissions.IsUnknown()
	applyKey(ctx, &plan, &created.Key, &resp.Diagnostics)
	if permissionsUnset {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateDefaultPermissions, encodePermissions(created.Permissions))...)
	}

	// The marker stays on the server until the key's first refresh (key_reconcile.go); state
	// holds the configured description from the start.
	plan.Description = configuredDescription
	keylife.FinishExpireAfter(policy, &plan, &resp.Diagnostics, func(next, prior *keyModel, diags *diag.Diagnostics) {
		r.update(ctx, next, prior, diags)
		next.Description = configuredDescription
	})
	resp.Diagnostics.Append(setKeyModel(ctx, resp.State.Set, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
	if resp.Diagnostics.HasError() {
		resp.State.Raw = tfvalue.NullUnknowns(resp.State.Raw)
	}
}

func (r *keyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_mixpeek_key") {
		return
	}
	var state keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.State.Raw, req.State.Get, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	imported := keylife.AfterImport(&state.Model)
	email := state.UserEmail.ValueString()
	// Writes (Update, Delete, the revoke action) resolve the key in a listing requested after
	// they began (see mixpeek.Client.ResolveKey); a Read may use a shared one.
	key, others, err := r.b().Client.ReadKey(ctx, email, state.ID.ValueString(), listingTTL)
	gone := false
	switch {
	case keyGone(err):
		resp.Diagnostics.AddWarning("Key no longer exists",
			fmt.Sprintf("Mixpeek lists no key %s for %s. It is removed from state and the next plan creates a new key.", state.ID.ValueString(), email))
		gone = true
	case mixpeek.IsUserNotFound(err):
		// A missing user proves nothing about the key: the address may be mistyped, or the user
		// deleted (which revokes the keys) and invited again under another id.
		resp.Diagnostics.AddError("Mixpeek user not found",
			fmt.Sprintf("Mixpeek answers that user %s does not exist, so key %s cannot be read: %s. State is left unchanged. If the user was deleted in Mixpeek, which revokes all its keys, remove the key from state (terraform state rm) or restore the user.", email, state.ID.ValueString(), r.b().explain(err)))
		return
	case err != nil:
		resp.Diagnostics.AddError("Error reading key", fmt.Sprintf("Could not read key %s of %s: %s. State is left unchanged.", state.ID.ValueString(), email, r.b().explain(err)))
		return
	case key.Status == mixpeek.StatusRevoked:
		resp.Diagnostics.AddWarning("Key was revoked",
			fmt.Sprintf("Key %s (%q) of %s was revoked outside Terraform and cannot be reactivated. It is removed from state and the next plan creates a new key.", key.KeyID, key.Name, email))
		gone = true
	}
	if gone {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
		resp.State.RemoveResource(ctx)
		return
	}
	// In state, so no longer evidence of an interrupted run's create.
	key, _ = r.settleMarker(ctx, email, key, others, state.Description, &resp.Diagnostics)
	if imported {
		state.Scopes = types.SetNull(scopeType)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateDefaultPermissions, encodePermissions(key.Permissions))...)
	}
	applyKey(ctx, &state, key, &resp.Diagnostics)
	resp.Diagnostics.Append(setKeyModel(ctx, resp.State.Set, &state)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
}

func (r *keyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_mixpeek_key") {
		return
	}
	var plan, state keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.Plan.Raw, req.Plan.Get, &plan)...)
	resp.Diagnostics.Append(getKeyModel(ctx, req.State.Raw, req.State.Get, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plannedPlaintext, plannedDescription := plan.Plaintext, plan.Description
	removingRateLimit := plan.RateLimitOverride.IsUnknown()
	r.update(ctx, &plan, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if isMarker(plan.Description.ValueString()) {
		// Never refreshed since its create (-refresh=false): the marker goes now.
		marked := &mixpeek.Key{KeyID: plan.ID.ValueString(), Name: plan.Name.ValueString(), Description: plan.Description.ValueString()}
		if key, ok := r.settleMarker(ctx, plan.UserEmail.ValueString(), marked, nil, plannedDescription, &resp.Diagnostics); ok {
			applyKey(ctx, &plan, key, &resp.Diagnostics)
		} else {
			plan.Description = plannedDescription
		}
	}
	recordKeptRateLimit(ctx, removingRateLimit, plan.RateLimitOverride, resp)
	if plannedPlaintext.IsNull() {
		plan.Plaintext = types.StringNull()
	}
	resp.Diagnostics.Append(setKeyModel(ctx, resp.State.Set, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

// recordKeptRateLimit reports an override Mixpeek kept although its removal was sent, and
// remembers it so that later plans do not ask again; any other outcome forgets it.
func recordKeptRateLimit(ctx context.Context, removing bool, got types.Int64, resp *resource.UpdateResponse) {
	if !removing || got.IsNull() {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKeptRateLimit, nil)...)
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKeptRateLimit, []byte(strconv.FormatInt(got.ValueInt64(), 10)))...)
	resp.Diagnostics.AddAttributeWarning(path.Root("rate_limit_override"), "Mixpeek kept the rate limit override",
		fmt.Sprintf("The configuration no longer sets rate_limit_override, and the provider asked Mixpeek to remove it (null, which the published API does not document for this field), but Mixpeek still reports %d. State records %d, and later plans leave it alone. Set rate_limit_override to change it, or remove the override in Mixpeek.", got.ValueInt64(), got.ValueInt64()))
}

// update sends the difference between state and plan and reads the result back into plan.
func (r *keyResource) update(ctx context.Context, plan, state *keyModel, diags *diag.Diagnostics) {
	req, changed := updateRequest(ctx, plan, state, diags)
	if diags.HasError() {
		return
	}
	email := state.UserEmail.ValueString()
	plan.Plaintext = state.Plaintext
	if !changed {
		key, err := r.b().Client.FindKey(ctx, email, state.ID.ValueString())
		if err != nil {
			diags.AddError("Error reading key", fmt.Sprintf("Could not read key %s: %s", state.ID.ValueString(), r.b().explain(err)))
			return
		}
		applyKey(ctx, plan, key, diags)
		return
	}
	// The path names the key by the name the listing gives it now, once no other live key has
	// it; a rename takes effect with this call.
	key, err := r.b().Client.UpdateKeyByID(ctx, email, state.ID.ValueString(), req)
	if err != nil {
		diags.AddError("Error updating key", fmt.Sprintf("Could not update key %s (%q) of %s: %s", state.ID.ValueString(), state.Name.ValueString(), email, r.b().explain(err)))
		return
	}
	applyKey(ctx, plan, key, diags)
}

func (r *keyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_mixpeek_key") {
		return
	}
	var state keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.State.Raw, req.State.Get, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	email, id, name := state.UserEmail.ValueString(), state.ID.ValueString(), state.Name.ValueString()
	if id == "" {
		return // a create that failed before Mixpeek assigned an id
	}
	if until, ok := keylife.GraceExpiry(&state.Model, state.ExpiresAt, r.b().now()); ok {
		_, err := r.b().Client.UpdateKeyByID(ctx, email, id, mixpeek.UpdateKeyRequest{ExpiresAt: mixpeek.Value(until.Format(time.RFC3339))})
		if err != nil && !r.confirmedGone(ctx, email, id) {
			resp.Diagnostics.AddError("Error scheduling key expiry", fmt.Sprintf("Could not set key %s (%q) to expire at %s for its grace period: %s", id, name, until.Format(time.RFC3339), r.b().explain(err)))
		}
		return
	}
	err := r.b().Client.RevokeKeyByID(ctx, email, id)
	if err != nil {
		resp.Diagnostics.AddError("Error revoking key", fmt.Sprintf("Could not revoke key %s (%q) of %s: %s", id, name, email, r.b().explain(err)))
	}
}

// reportCreatedCheck warns when a create response does not match its own plaintext. The published
// API does not say how key_hash is encoded, so a mismatch never fails the apply or touches the
// key: the key is saved, and the warning says what was checked.
func reportCreatedCheck(created *mixpeek.CreatedKey, diags *diag.Diagnostics) {
	findings := mixpeek.CheckCreated(created)
	if len(findings) == 0 {
		return
	}
	diags.AddWarning("Created key does not match its own hash or prefix",
		fmt.Sprintf("Mixpeek created key %s (%q) and it is saved in state, but %s. The key works as returned; if the endpoint is not Mixpeek's, check the provider's mixpeek endpoint.",
			created.KeyID, created.Name, strings.Join(findings, "; ")))
}

// confirmedGone reports whether a failed request left nothing to act on: the user's listing has
// the key revoked or expired, or does not have it at all.
func (r *keyResource) confirmedGone(ctx context.Context, email, id string) bool {
	gone, err := r.b().Client.ConfirmGone(ctx, email, id)
	return err == nil && gone
}

// ImportState accepts "<user_email>/<key_id>" or an identity.
func (r *keyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var email, keyID string
	if req.ID == "" {
		var ident keyIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		if resp.Diagnostics.HasError() {
			return
		}
		email, keyID = ident.UserEmail.ValueString(), ident.ID.ValueString()
	} else {
		i := strings.LastIndex(req.ID, "/")
		if i > 0 {
			email, keyID = req.ID[:i], req.ID[i+1:]
		}
	}
	if email == "" || strings.TrimSpace(keyID) == "" || !emailPattern.MatchString(email) {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("Expected <user_email>/<key_id>, such as ops@example.com/key_abc123; got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), keyID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user_email"), email)...)
}
