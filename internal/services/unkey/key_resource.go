package unkey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var (
	_ resource.ResourceWithConfigure      = (*keyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*keyResource)(nil)
	_ resource.ResourceWithImportState    = (*keyResource)(nil)
	_ resource.ResourceWithIdentity       = (*keyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*keyResource)(nil)
)

// NewKeyResource is the apikey_unkey_key resource.
func NewKeyResource() resource.Resource { return &keyResource{} }

type keyResource struct {
	svc service
}

func (r *keyResource) b() *Backend { return r.svc.Value }

func (r *keyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_key"
	// After an import by bare key id the identity lacks api_id until the configuration supplies it.
	resp.ResourceBehavior.MutableIdentity = true
}

func (r *keyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"api_id": identityschema.StringAttribute{OptionalForImport: true, Description: "Unkey API (keyspace) the key belongs to."},
			"id":     identityschema.StringAttribute{RequiredForImport: true, Description: "Key id (`key_...`)."},
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

// ValidateConfig checks rules that span attributes; none needs the provider configuration.
func (r *keyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	// Only the credits object is read: converting the whole configuration for every key of a
	// large configuration costs more than the check.
	var credits types.Object
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("credits"), &credits)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := creditsOf(ctx, credits, &resp.Diagnostics)
	if c != nil {
		validateCredits(c, refillOf(ctx, c.Refill, &resp.Diagnostics), &resp.Diagnostics)
	}

	var mode, prefix types.String
	var byteLength types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("rotation_mode"), &mode)...)
	if mode.ValueString() != keylife.RotationReroll {
		return
	}
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("prefix"), &prefix)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("byte_length"), &byteLength)...)
	if strings.Contains(prefix.ValueString(), "_") {
		resp.Diagnostics.AddAttributeError(path.Root("prefix"), "Prefix not kept by a reroll",
			fmt.Sprintf("prefix %q contains \"_\", and Unkey gives a rerolled key only the part before the first \"_\"; with rotation_mode = \"reroll\" use a prefix without \"_\".", prefix.ValueString()))
	}
	if !byteLength.IsNull() && !byteLength.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("byte_length"), "Byte length not kept by a reroll",
			"Unkey gives a rerolled key the API's default byte length, not the original's; with rotation_mode = \"reroll\" leave byte_length unset.")
	}
}

// markRerollAttrs plans an in-place reroll on the fast path when the key's rotation_mode asks
// for one, and reports whether it did.
func markRerollAttrs(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) bool {
	var mode, plaintext, encrypted types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("rotation_mode"), &mode)...)
	if mode.ValueString() != keylife.RotationReroll {
		return false
	}
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("plaintext"), &plaintext)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("encrypted_plaintext"), &encrypted)...)
	for _, name := range []string{"id", "start", "updated_at", "last_used_at"} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), types.StringUnknown())...)
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("previous_key"), types.ObjectUnknown(previousKeyAttrTypes))...)
	if !plaintext.IsNull() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("plaintext"), types.StringUnknown())...)
	}
	if !encrypted.IsNull() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("encrypted_plaintext"), types.StringUnknown())...)
	}
	return true
}

// ModifyPlan applies the rules that need the clock or the prior state, and marks computed values
// that a planned change will alter as unknown.
func (r *keyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() && r.svc.OK() {
		noteKeyDestroy(ctx, r.b(), req.State) // the API's destroy check does not count this key
	}
	if req.Plan.Raw.IsNull() || !r.svc.ProviderConfigured() {
		return // destroy, or a validation-only walk
	}
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_key") {
		return
	}
	now := r.b().now()
	keylife.PlanWarnings(ctx, now, req, resp)
	// Nothing changes for most keys of a refresh; only the rotation clock can still replace them.
	// Returning early keeps a plan of thousands of unchanged keys cheap. An expiry set outside
	// Terraform on a key configured without one is not "unchanged": the framework proposes the
	// prior value for an optional computed attribute, so it is checked here.
	if !req.State.Raw.IsNull() && req.Plan.Raw.Equal(req.State.Raw) && !expiryAddedOutOfBand(ctx, req, &resp.Diagnostics) {
		keylife.PlanRotationDue(ctx, now, req, resp, func() bool { return markRerollAttrs(ctx, req, resp) })
		return
	}
	var plan, cfg keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.Plan.Raw, req.Plan.Get, &plan)...)
	resp.Diagnostics.Append(getKeyModel(ctx, req.Config.Raw, req.Config.Get, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *keyModel
	if !req.State.Raw.IsNull() {
		state = &keyModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
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
	if state == nil {
		resp.Diagnostics.Append(setKeyModel(ctx, resp.Plan.Set, &plan)...)
		return
	}
	if sameRatelimits(ctx, plan.Ratelimits, state.Ratelimits) {
		plan.Ratelimits = state.Ratelimits
	}

	// Derived values that follow from inputs changing in this plan. The framework marks
	// updated_at unknown only when the proposed plan differs from state, which an expiry planned
	// away here (set outside Terraform) does not; keepStateIfNoop restores it when nothing changes.
	plan.UpdatedAt = types.StringUnknown()
	if !plan.Enabled.Equal(state.Enabled) || !plan.ExpiresAt.Equal(state.ExpiresAt) {
		plan.Status = types.StringUnknown()
	}
	if !plan.ExternalID.Equal(state.ExternalID) {
		plan.Identity = types.ObjectUnknown(identityAttrTypes)
	}
	// A role's permissions may change in the same apply (apikey_unkey_role updates in place).
	if !plan.Permissions.Equal(state.Permissions) || !plan.Roles.Equal(state.Roles) || len(plan.Roles.Elements()) > 0 {
		plan.EffectivePermissions = types.SetUnknown(types.StringType)
	}
	if !plan.Credits.Equal(state.Credits) {
		plan.RemainingCredits = types.Int64Unknown()
	}
	resp.Diagnostics.Append(setKeyModel(ctx, resp.Plan.Set, &plan)...)
	keepStateIfNoop(ctx, plan, *state, req, resp)
}

// expiryAddedOutOfBand reports a key whose configuration sets no expiry (expires_at and
// expire_after unset) but whose state has one.
func expiryAddedOutOfBand(ctx context.Context, req resource.ModifyPlanRequest, diags *diag.Diagnostics) bool {
	var cfgExpires, stateExpires timetypes.RFC3339
	var cfgAfter types.String
	diags.Append(req.Config.GetAttribute(ctx, path.Root("expires_at"), &cfgExpires)...)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("expire_after"), &cfgAfter)...)
	diags.Append(req.State.GetAttribute(ctx, path.Root("expires_at"), &stateExpires)...)
	return cfgExpires.IsNull() && cfgAfter.IsNull() && !stateExpires.IsNull()
}

// keepStateIfNoop undoes the framework's "known after apply" marking of computed values when the
// plan turns out to change nothing else: that marking happens before plan modifiers have
// replaced an equivalent configuration value (reformatted JSON, another time offset) with the
// prior one, and would otherwise show an update that does nothing.
func keepStateIfNoop(ctx context.Context, plan, state keyModel, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if len(resp.RequiresReplace) > 0 || plan.ID.IsUnknown() {
		return // a replacement or an in-place reroll marked these unknown on purpose
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
	if candidate.Identity.IsUnknown() {
		candidate.Identity = state.Identity
	}
	if candidate.EffectivePermissions.IsUnknown() {
		candidate.EffectivePermissions = state.EffectivePermissions
	}
	if candidate.RemainingCredits.IsUnknown() {
		candidate.RemainingCredits = state.RemainingCredits
	}
	trial := resp.Plan
	if diags := trial.Set(ctx, &candidate); diags.HasError() {
		return
	}
	if trial.Raw.Equal(req.State.Raw) {
		resp.Plan = trial
	}
}

func (r *keyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_key") {
		return
	}
	var plan keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.Plan.Raw, req.Plan.Get, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// One instant for the expiry and (until the next refresh) the creation time, so an
	// expire_after key needs no second request to line them up.
	now := r.b().now()
	keylife.StartExpireAfter(policy, &plan, now)
	plan.PreviousKey = types.ObjectNull(previousKeyAttrTypes)
	r.create(ctx, &plan, now, &resp.Diagnostics)
	if plan.ID.IsNull() || plan.ID.IsUnknown() {
		return // nothing was created
	}
	if !resp.Diagnostics.HasError() {
		keylife.FinishExpireAfter(policy, &plan, &resp.Diagnostics, r.update)
	}
	// Saved even after an error, so a key that exists (or may exist) is tracked, tainted, and
	// cleaned up by the next apply instead of being orphaned.
	resp.Diagnostics.Append(setKeyState(ctx, &resp.State, &plan)...)
	resp.Diagnostics.Append(setKeyIdentity(ctx, resp.Identity, plan.identity())...)
	if resp.Diagnostics.HasError() {
		resp.State.Raw = tfvalue.NullUnknowns(resp.State.Raw)
	}
}

func (r *keyResource) create(ctx context.Context, plan *keyModel, now time.Time, diags *diag.Diagnostics) {
	req, userMeta := createRequest(ctx, plan, diags)
	if diags.HasError() {
		return
	}
	if err := r.b().checkAPI(ctx, req.APIID); err != nil {
		diags.AddAttributeError(path.Root("api_id"), "API not found", err.Error())
		return
	}
	fingerprint := createFingerprint(req, userMeta, plan.ExpireAfter.ValueString())
	if err := r.removeOrphans(ctx, req.APIID, fingerprint); err != nil {
		if unkey.IsAPINotFound(err) {
			// Also when the root key may not read APIs (checkAPI skipped): Unkey would accept a
			// key there that never works, so the listing's answer is the evidence.
			diags.AddAttributeError(path.Root("api_id"), "API not found",
				fmt.Sprintf("API %s does not exist (it may have been deleted outside Terraform); create it, for example with an apikey_unkey_api resource, or point api_id at an existing API. Nothing was created: %s", req.APIID, err))
			return
		}
		diags.AddError("Error checking for keys left by an interrupted run",
			fmt.Sprintf("Could not create a key in API %s: %s. Creating it anyway could duplicate a key an interrupted apply made; nothing was created.", req.APIID, err))
		return
	}
	created, err := r.createOnce(ctx, req, userMeta, fingerprint)
	var unconfirmed *errUnconfirmedCreate
	if errors.As(err, &unconfirmed) {
		// Tracked as tainted so the next refresh or destroy settles it (see key_reconcile.go).
		plan.ID = types.StringValue(unconfirmedPrefix + unconfirmed.marker)
		diags.AddError("Key creation unconfirmed",
			fmt.Sprintf("Creating a key in API %s: %s. The attempt is saved in state as tainted; the next terraform apply removes any key it made and creates a new one.", req.APIID, err))
		return
	}
	if err != nil {
		diags.AddError("Error creating key", fmt.Sprintf("Could not create a key in API %s: %s", req.APIID, r.b().explain(err)))
		return
	}
	tflog.Debug(ctx, "created unkey key", map[string]any{"key_id": created.KeyID})
	r.b().reader.wrote(created.KeyID)
	plan.ID = types.StringValue(created.KeyID)
	keylife.StoreSecret(ctx, &plan.Model, created.Key, diags)
	// The marker stays until the key's first refresh, update or delete (key_orphans.go).

	// Only an identity or roles make the server's view differ from the request in ways the
	// provider cannot derive; otherwise the create is the only request, which matters when a
	// rate limit paces an apply of many keys.
	if !plan.ExternalID.IsNull() || len(req.Roles) > 0 {
		key, err := r.getKeyAfterWrite(ctx, created.KeyID)
		if msg, vanished := vanishedCreate(req.APIID, created.KeyID, err); vanished {
			diags.AddAttributeError(path.Root("api_id"), "API not found", msg)
			plan.ID = types.StringNull() // unusable and unreadable: nothing to track
			return
		}
		if err != nil {
			diags.AddError("Error reading key after create",
				fmt.Sprintf("Key %s was created but could not be read back: %s. It is saved in state; run terraform apply again to refresh it.", created.KeyID, err))
			return
		}
		r.apply(ctx, plan, key, diags)
		return
	}
	r.apply(ctx, plan, createdKeyView(req, userMeta, created, now), diags)
}

// apply is applyKey with the direct permissions separated from the role-derived ones.
func (r *keyResource) apply(ctx context.Context, m *keyModel, k *unkey.Key, diags *diag.Diagnostics) {
	prior := tfvalue.SetStrings(ctx, m.Permissions, diags)
	applyKey(ctx, m, k, r.b().now(), diags)
	fromRoles, err := r.b().rolePermissions(ctx, k.Roles)
	if err != nil {
		diags.AddError("Error reading roles", fmt.Sprintf("Could not read the roles of key %s to separate its direct permissions from its roles' permissions: %s", k.KeyID, r.b().explain(err)))
		return
	}
	// A configured permission that a role also grants stays direct.
	for _, p := range prior {
		delete(fromRoles, p)
	}
	direct := directPermissions(k.Permissions, fromRoles)
	if len(direct) == 0 && (m.Permissions.IsNull() || m.Permissions.IsUnknown()) {
		m.Permissions = types.SetNull(types.StringType)
	} else {
		m.Permissions = tfvalue.StringSet(direct)
	}
}

// getKeyAfterWrite retries a key_not_found briefly: Unkey reads from a replica that can lag a
// write.
func (r *keyResource) getKeyAfterWrite(ctx context.Context, keyID string) (*unkey.Key, error) {
	var lastErr error
	for attempt := range 4 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 250 * time.Millisecond):
			}
		}
		key, err := r.b().Client.GetKey(ctx, keyID, false)
		if err == nil {
			return key, nil
		}
		lastErr = err
		if !keyGone(err) {
			break
		}
	}
	return nil, lastErr
}

func (r *keyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_key") {
		return
	}
	var state keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.State.Raw, req.State.Get, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Keys that earlier chains of rerolls left, deleted as their deadlines pass.
	ledger := loadRerollLedger(ctx, req.Private, &resp.Diagnostics)
	r.retireRerolledKeys(ctx, ledger, false, &resp.Diagnostics)
	gone := r.read(ctx, &state, ledger, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if gone {
		// Nothing would be left to delete them.
		r.retireRerolledKeys(ctx, ledger, true, &resp.Diagnostics)
		// Clients before 1.12 send no identity with the prior state, and the framework rejects a
		// Read that ends without one, even when the resource is gone.
		resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
		resp.State.RemoveResource(ctx)
		return
	}
	ledger.save(ctx, resp.Private, &resp.Diagnostics)
	resp.Diagnostics.Append(setKeyModel(ctx, resp.State.Set, &state)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
}

// read refreshes state from the server. It reports true when the key is gone. A chain of rerolls
// it follows adds the keys further back to ledger.
func (r *keyResource) read(ctx context.Context, state *keyModel, ledger *rerollLedger, diags *diag.Diagnostics) bool {
	if isUnconfirmed(state.ID.ValueString()) {
		return r.readUnconfirmed(ctx, state, diags)
	}
	imported := keylife.AfterImport(&state.Model)
	key, err := r.b().reader.get(ctx, state.APIID.ValueString(), state.ID.ValueString())
	if keyGone(err) {
		diags.AddWarning("Key no longer exists",
			fmt.Sprintf("Unkey reports key %s as not found: it was deleted, or its API was deleted, outside Terraform. It is removed from state and the next plan creates a new key.", state.ID.ValueString()))
		return true
	}
	if err != nil {
		diags.AddError("Error reading key", fmt.Sprintf("Could not read key %s: %s. State is left unchanged.", state.ID.ValueString(), r.b().explain(err)))
		return false
	}
	if imported {
		r.completeImport(ctx, state, key, diags)
		if diags.HasError() {
			return false
		}
	}
	// A key replaced by apikey_unkey_key_reroll hands state to its replacement.
	key, adopted, gone := r.followReroll(ctx, state, key, ledger, diags)
	if gone || diags.HasError() {
		return gone
	}
	// In state, so no longer evidence of an interrupted run's create.
	key = r.clearMarker(ctx, key, diags)
	r.apply(ctx, state, key, diags)
	// The key just left holds the link until a saved state tracks its replacement.
	if !adopted {
		r.retirePreviousKey(ctx, state, diags)
	}
	return false
}

// retirePreviousKey deletes the key a reroll retired once its deadline has passed, and forgets
// it, so an overlap never leaves a key behind.
func (r *keyResource) retirePreviousKey(ctx context.Context, state *keyModel, diags *diag.Diagnostics) {
	prev := previousKeyOf(ctx, state.PreviousKey, diags)
	if prev == nil {
		return
	}
	deadline, err := time.Parse(time.RFC3339Nano, prev.ExpiresAt.ValueString())
	if err == nil && r.b().now().Before(deadline) {
		return
	}
	if err := r.b().Client.DeleteKey(ctx, prev.ID.ValueString(), false); err != nil && !keyGone(err) {
		diags.AddWarning("Retired key not deleted",
			fmt.Sprintf("Key %s, retired by a reroll of %s, reached its deadline but deleting it failed: %s. It no longer verifies; the next refresh tries again.", prev.ID.ValueString(), state.ID.ValueString(), r.b().explain(err)))
		return
	}
	state.PreviousKey = types.ObjectNull(previousKeyAttrTypes)
}

func previousKeyOf(ctx context.Context, obj types.Object, diags *diag.Diagnostics) *previousKeyModel {
	if obj.IsNull() || obj.IsUnknown() {
		return nil
	}
	var p previousKeyModel
	diags.Append(obj.As(ctx, &p, objectAsOptions)...)
	return &p
}

// reroll replaces the key in place with keys.rerollKey: the new key copies the old one's
// settings, and the old one keeps working for revoke_grace_period (revoked at once without one).
// state is moved to the new key so the rest of the update applies to it.
func (r *keyResource) reroll(ctx context.Context, plan, state *keyModel, diags *diag.Diagnostics) bool {
	oldID := state.ID.ValueString()
	overlap := time.Duration(0)
	if d, err := time.ParseDuration(plan.RevokeGracePeriod.ValueString()); err == nil {
		overlap = d
	}
	// The previous retiring key, if any, is superseded: it goes now.
	if prev := previousKeyOf(ctx, state.PreviousKey, diags); prev != nil {
		if err := r.b().Client.DeleteKey(ctx, prev.ID.ValueString(), false); err != nil && !keyGone(err) {
			diags.AddError("Error deleting the retiring key", fmt.Sprintf("Key %s, retired by an earlier reroll, could not be deleted before rerolling again: %s", prev.ID.ValueString(), r.b().explain(err)))
			return false
		}
	}
	r.b().reader.wrote(oldID)
	created, err := r.b().Client.RerollKey(ctx, oldID, overlap.Milliseconds())
	if err != nil {
		diags.AddError("Error rerolling key", fmt.Sprintf("Could not reroll key %s: %s. The key is unchanged.", oldID, r.b().explain(err)))
		return false
	}
	r.b().reader.wrote(created.KeyID)
	tflog.Info(ctx, "rerolled unkey key", map[string]any{"old_key_id": oldID, "key_id": created.KeyID, "overlap": overlap.String()})
	plan.ID = types.StringValue(created.KeyID)
	keylife.StoreSecret(ctx, &plan.Model, created.Key, diags)
	plan.PreviousKey = types.ObjectNull(previousKeyAttrTypes)
	if overlap > 0 {
		// Unkey rounds a non-zero overlap up to the next full minute.
		until := r.b().now().Add(overlap).Truncate(time.Minute).Add(time.Minute).UTC()
		obj, d := types.ObjectValueFrom(ctx, previousKeyAttrTypes, previousKeyModel{ID: types.StringValue(oldID), Start: state.Start, ExpiresAt: types.StringValue(until.Format(time.RFC3339))})
		diags.Append(d...)
		plan.PreviousKey = obj
	} else if err := r.b().Client.DeleteKey(ctx, oldID, false); err != nil && !keyGone(err) {
		diags.AddWarning("Old key not deleted",
			fmt.Sprintf("Key %s was rerolled to %s and no longer verifies, but deleting it failed: %s. Delete it by hand.", oldID, created.KeyID, r.b().explain(err)))
	}
	// The rest of the update applies to the new key, which has the old key's settings.
	state.ID = plan.ID
	state.Plaintext = plan.Plaintext
	return true
}

// completeImport fills what only an import needs: inputs the API can return or that follow from
// what it returns. byte_length and recoverable cannot be read back and stay null; the next plan
// takes them from the configuration without replacing the key.
func (r *keyResource) completeImport(ctx context.Context, state *keyModel, key *unkey.Key, diags *diag.Diagnostics) {
	if !state.APIID.IsNull() {
		in, err := r.b().keyInAPI(ctx, state.APIID.ValueString(), key.KeyID)
		switch {
		case err != nil:
			diags.AddError("Error checking the key's API", fmt.Sprintf("Could not confirm that key %s belongs to API %s: %s", key.KeyID, state.APIID.ValueString(), r.b().explain(err)))
			return
		case !in:
			diags.AddAttributeError(path.Root("api_id"), "Key belongs to another API",
				fmt.Sprintf("Key %s exists but is not in API %s (the api_id of the import id); import it as <api_id>/<key_id> with the API that holds it.", key.KeyID, state.APIID.ValueString()))
			return
		}
	}
	state.PermanentDelete = types.BoolValue(false)
	state.RotationMode = types.StringValue(keylife.RotationReplace)
	state.PreviousKey = types.ObjectNull(previousKeyAttrTypes)
	state.Ratelimits = types.SetNull(ratelimitType)
	state.Roles = types.SetNull(types.StringType)
	state.Permissions = types.SetNull(types.StringType)
	state.Credits = types.ObjectNull(creditsAttrTypes)
	state.Meta = tfvalue.JSONNull()
	if prefix, ok := prefixFromStart(key.Start); ok {
		state.Prefix = types.StringValue(prefix)
	} else {
		state.Prefix = types.StringNull()
	}
	if key.Credits != nil && key.Credits.Remaining != nil {
		state.Credits = creditsObject(ctx, &creditsModel{Remaining: types.Int64Value(*key.Credits.Remaining)}, diags)
	}
}

func (r *keyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_key") {
		return
	}
	var plan, state keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.Plan.Raw, req.Plan.Get, &plan)...)
	resp.Diagnostics.Append(getKeyModel(ctx, req.State.Raw, req.State.Get, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plannedPlaintext := plan.Plaintext
	if plan.ID.IsUnknown() {
		if !r.reroll(ctx, &plan, &state, &resp.Diagnostics) {
			return
		}
		plannedPlaintext = plan.Plaintext
	} else if plan.PreviousKey.IsUnknown() {
		plan.PreviousKey = state.PreviousKey
	}
	key := r.updateKey(&plan, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if settled := r.clearMarker(ctx, key, &resp.Diagnostics); settled != key {
		r.apply(ctx, &plan, settled, &resp.Diagnostics)
	}
	// The stored plaintext carries over; store_plaintext turned off plans it null.
	if plannedPlaintext.IsNull() {
		plan.Plaintext = types.StringNull()
	}
	resp.Diagnostics.Append(setKeyModel(ctx, resp.State.Set, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

// update sends the difference between state and plan and reads the key back into plan.
func (r *keyResource) update(plan, state *keyModel, diags *diag.Diagnostics) {
	r.updateKey(plan, state, diags)
}

// updateKey is update returning the key as read back; nil after an error.
func (r *keyResource) updateKey(plan, state *keyModel, diags *diag.Diagnostics) *unkey.Key {
	ctx := context.Background()
	req, changed := updateRequest(ctx, plan, state, diags)
	if diags.HasError() {
		return nil
	}
	r.b().reader.wrote(req.KeyID)
	if changed {
		if err := r.b().Client.UpdateKey(ctx, req); err != nil {
			diags.AddError("Error updating key", fmt.Sprintf("Could not update key %s: %s", req.KeyID, r.b().explain(err)))
			return nil
		}
	}
	key, err := r.b().Client.GetKey(ctx, req.KeyID, false)
	if err != nil {
		diags.AddError("Error reading key after update", fmt.Sprintf("Could not read key %s: %s", req.KeyID, r.b().explain(err)))
		return nil
	}
	// The plan's computed-once values come from state; everything else from the server.
	plan.Plaintext = state.Plaintext
	r.apply(ctx, plan, key, diags)
	return key
}

func (r *keyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_key") {
		return
	}
	var state keyModel
	resp.Diagnostics.Append(getKeyModel(ctx, req.State.Raw, req.State.Get, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.delete(ctx, &state, req.Private, &resp.Diagnostics)
}

// delete removes the key in state, with what a chain of rerolls left (the ledger in private),
// or leaves it to expire after its grace period. Delete and the destroy shortcut (KeyDelete)
// both run it; private may be nil.
func (r *keyResource) delete(ctx context.Context, state *keyModel, private privateReader, diags *diag.Diagnostics) {
	id := state.ID.ValueString()
	if isUnconfirmed(id) {
		if err := r.settleUnconfirmed(ctx, state); err != nil {
			diags.AddError("Error settling an unconfirmed create", err.Error())
		}
		return
	}
	// Keys that a chain of rerolls left go with the resource, whatever their deadlines.
	r.retireRerolledKeys(ctx, loadRerollLedger(ctx, private, diags), true, diags)
	r.b().reader.wrote(id)
	if until, ok := keylife.GraceExpiry(&state.Model, state.ExpiresAt, r.b().now()); ok {
		ms := until.UnixMilli()
		err := r.b().Client.UpdateKey(ctx, unkey.UpdateKeyRequest{KeyID: id, Expires: unkey.Value(ms)})
		if err != nil && !keyGone(err) {
			diags.AddError("Error scheduling key expiry", fmt.Sprintf("Could not set key %s to expire at %s for its grace period: %s", id, until.Format(time.RFC3339), r.b().explain(err)))
			return
		}
		tflog.Info(ctx, "key left to expire after its grace period", map[string]any{"key_id": id, "expires_at": until.Format(time.RFC3339)})
		return
	}
	if prev := previousKeyOf(ctx, state.PreviousKey, diags); prev != nil {
		if err := r.b().Client.DeleteKey(ctx, prev.ID.ValueString(), state.PermanentDelete.ValueBool()); err != nil && !keyGone(err) {
			diags.AddError("Error deleting the retiring key", fmt.Sprintf("Could not delete key %s, retired by a reroll of %s: %s", prev.ID.ValueString(), id, r.b().explain(err)))
			return
		}
	}
	err := r.b().Client.DeleteKey(ctx, id, state.PermanentDelete.ValueBool())
	if err != nil && !keyGone(err) {
		diags.AddError("Error deleting key", fmt.Sprintf("Could not delete key %s: %s", id, r.b().explain(err)))
	}
}

// ImportState accepts a key id, "<api_id>/<key_id>", or an identity.
func (r *keyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var apiID, keyID string
	if req.ID == "" {
		var ident keyIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		if resp.Diagnostics.HasError() {
			return
		}
		apiID, keyID = ident.APIID.ValueString(), ident.ID.ValueString()
	} else {
		var found bool
		apiID, keyID, found = strings.Cut(req.ID, "/")
		if !found {
			apiID, keyID = "", req.ID
		}
	}
	if strings.TrimSpace(keyID) == "" || strings.Contains(keyID, "/") || (strings.Contains(req.ID, "/") && apiID == "") {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("Expected a key id such as key_123, or <api_id>/<key_id>; got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), keyID)...)
	if apiID != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("api_id"), apiID)...)
	}
}

// keyGone reports Unkey's own evidence that a key does not exist.
func keyGone(err error) bool { return unkey.IsKeyNotFound(err) }
