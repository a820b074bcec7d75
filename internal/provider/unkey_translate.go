package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// The Unkey half of apikey_key: model <-> client types and the calls behind Create, Read, Update
// and Delete.

func (r *keyResource) createUnkey(ctx context.Context, plan *keyResourceModel, now time.Time, diags *diag.Diagnostics) {
	u := plan.Unkey
	req := unkey.CreateKeyRequest{
		APIID:       u.APIID.ValueString(),
		Prefix:      u.Prefix.ValueString(),
		Name:        plan.Name.ValueString(),
		ByteLength:  int(u.ByteLength.ValueInt64()),
		ExternalID:  u.ExternalID.ValueString(),
		Roles:       setStrings(ctx, u.Roles, diags),
		Permissions: setStrings(ctx, plan.Permissions, diags),
		Recoverable: u.Recoverable.ValueBool(),
	}
	enabled := plan.Enabled.ValueBool()
	req.Enabled = &enabled
	var userMeta json.RawMessage
	if !u.Meta.IsNull() {
		userMeta = json.RawMessage(u.Meta.ValueString())
	}
	if ms, ok := rfc3339Millis(plan.ExpiresAt, diags); ok {
		req.Expires = &ms
	}
	if u.Credits != nil {
		req.Credits = creditsToAPI(u.Credits)
	}
	req.Ratelimits = ratelimitsToAPI(ctx, u.Ratelimits, diags)
	if diags.HasError() {
		return
	}

	created, err := r.createUnkeyOnce(ctx, req, userMeta)
	var unconfirmed *errUnconfirmedCreate
	if errors.As(err, &unconfirmed) {
		// Tracked as tainted so the next refresh or destroy settles it (see reconcile.go).
		plan.ID = types.StringValue(unconfirmedPrefix + unconfirmed.marker)
		diags.AddError("Key creation unconfirmed",
			fmt.Sprintf("Creating a key in API %s: %s. The attempt is saved in state as tainted; the next terraform apply removes any key it made and creates a new one.", req.APIID, err))
		return
	}
	if err != nil {
		diags.AddError("Error creating key", fmt.Sprintf("Could not create a key in API %s: %s", req.APIID, err))
		return
	}
	tflog.Debug(ctx, "created unkey key", map[string]any{"key_id": created.KeyID})
	r.data.reader.wrote(created.KeyID)
	plan.ID = types.StringValue(created.KeyID)
	storeSecret(ctx, plan, created.Key, diags)

	// Only an identity or roles make the server's view differ from the request in ways the
	// provider cannot derive; otherwise the create is the only request, which matters when a
	// rate limit paces an apply of many keys.
	if !u.ExternalID.IsNull() || len(req.Roles) > 0 {
		key, err := r.getKeyAfterWrite(ctx, created.KeyID)
		if err != nil {
			diags.AddError("Error reading key after create",
				fmt.Sprintf("Key %s was created but could not be read back: %s. It is saved in state; run terraform apply again to refresh it.", created.KeyID, err))
			return
		}
		applyUnkeyKey(ctx, plan, key, r.data.now(), diags)
		return
	}
	applyUnkeyKey(ctx, plan, createdKeyView(req, userMeta, created, now), now, diags)
}

// createdKeyView is the key as the server stores it after a create without identity or roles,
// built from the request and response. created_at is the provider's clock until the next refresh
// reads the server's.
func createdKeyView(req unkey.CreateKeyRequest, userMeta json.RawMessage, created *unkey.CreatedKey, now time.Time) *unkey.Key {
	k := &unkey.Key{
		KeyID:       created.KeyID,
		Start:       startOf(created.Key, req.Prefix),
		Enabled:     req.Enabled == nil || *req.Enabled,
		CreatedAt:   now.UnixMilli(),
		Meta:        userMeta,
		Expires:     req.Expires,
		Permissions: req.Permissions,
		Credits:     req.Credits,
	}
	if req.Name != "" {
		name := req.Name
		k.Name = &name
	}
	for _, rl := range req.Ratelimits {
		k.Ratelimits = append(k.Ratelimits, unkey.Ratelimit{Name: rl.Name, Limit: rl.Limit, Duration: rl.Duration, AutoApply: rl.AutoApply})
	}
	return k
}

// startOf is Unkey's `start`: the prefix, "_" and the first 4 characters of the random part.
func startOf(plaintext, prefix string) string {
	n := 4
	if prefix != "" {
		n += len(prefix) + 1
	}
	return plaintext[:min(n, len(plaintext))]
}

// getKeyAfterWrite retries a 404 briefly: Unkey reads from a replica that can lag a write.
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
		key, err := r.data.unkey.GetKey(ctx, keyID, false)
		if err == nil {
			return key, nil
		}
		lastErr = err
		if !unkey.IsNotFound(err) {
			break
		}
	}
	return nil, lastErr
}

// readUnkey refreshes state from the server. It reports true when the key is gone.
func (r *keyResource) readUnkey(ctx context.Context, state *keyResourceModel, diags *diag.Diagnostics) bool {
	if isUnconfirmed(state.ID.ValueString()) {
		return r.readUnconfirmed(ctx, state, diags)
	}
	apiID := ""
	if state.Unkey != nil {
		apiID = state.Unkey.APIID.ValueString()
	}
	key, err := r.data.reader.get(ctx, apiID, state.ID.ValueString())
	if unkey.IsNotFound(err) {
		diags.AddWarning("Key no longer exists",
			fmt.Sprintf("Key %s was not found on Unkey: it was deleted, or its API was deleted, outside Terraform. It is removed from state and the next plan creates a new key.", state.ID.ValueString()))
		return true
	}
	if err != nil {
		diags.AddError("Error reading key", fmt.Sprintf("Could not read key %s: %s", state.ID.ValueString(), err))
		return false
	}
	if state.Unkey == nil {
		// Just imported by bare key id: nothing but the id is known yet.
		state.Unkey = &unkeyModel{APIID: types.StringNull()}
	}
	imported := state.Unkey.ByteLength.IsNull() && state.Unkey.Recoverable.IsNull()
	if imported {
		r.completeImport(ctx, state, key, diags)
	}
	applyUnkeyKey(ctx, state, key, r.data.now(), diags)
	return false
}

// completeImport fills what only an import needs: inputs the API can return or that follow
// from what it returns. byte_length and recoverable cannot be read back and stay null; the next
// plan takes them from the configuration without replacing the key.
func (r *keyResource) completeImport(ctx context.Context, state *keyResourceModel, key *unkey.Key, diags *diag.Diagnostics) {
	u := state.Unkey
	u.PermanentDelete = types.BoolValue(false)
	u.Ratelimits = types.SetNull(types.ObjectType{AttrTypes: ratelimitAttrTypes})
	u.Roles = types.SetNull(types.StringType)
	state.Permissions = types.SetNull(types.StringType)
	state.Plaintext = types.StringNull()
	if prefix, ok := prefixFromStart(key.Start); ok {
		u.Prefix = types.StringValue(prefix)
	} else {
		u.Prefix = types.StringNull()
	}
	if key.Credits != nil && key.Credits.Remaining != nil {
		u.Credits = &creditsModel{Remaining: types.Int64Value(*key.Credits.Remaining)}
	}
	// Direct permissions are the effective ones minus those that come from roles.
	fromRoles := map[string]bool{}
	for _, role := range key.Roles {
		got, err := r.data.unkey.GetRole(ctx, role)
		if err != nil {
			diags.AddError("Error reading role", fmt.Sprintf("Could not read role %q of key %s to separate direct from role permissions: %s", role, key.KeyID, err))
			return
		}
		for _, p := range got.Permissions {
			fromRoles[p.Slug] = true
		}
	}
	var direct []string
	for _, p := range key.Permissions {
		if !fromRoles[p] {
			direct = append(direct, p)
		}
	}
	if len(direct) > 0 {
		state.Permissions = stringSet(direct)
	}
}

// prefixFromStart recovers the prefix from `start`, which is "<prefix>_" plus 4 characters.
func prefixFromStart(start string) (string, bool) {
	if len(start) > 5 && start[len(start)-5] == '_' {
		return start[:len(start)-5], true
	}
	return "", false
}

// applyUnkeyKey copies the server's view of a key into the model. Values the API cannot return
// (plaintext, byte_length, recoverable, prefix, permanent_delete) and the configured starting
// credits are kept from the model.
func applyUnkeyKey(ctx context.Context, m *keyResourceModel, k *unkey.Key, now time.Time, diags *diag.Diagnostics) {
	u := m.Unkey
	m.ID = types.StringValue(k.KeyID)
	m.Start = types.StringValue(k.Start)
	m.Enabled = types.BoolValue(k.Enabled)
	m.Name = types.StringPointerValue(k.Name)
	m.CreatedAt = types.StringValue(unkey.FormatTime(k.CreatedAt))
	m.UpdatedAt = optionalTime(k.UpdatedAt)
	m.LastUsedAt = optionalTime(k.LastUsedAt)
	if k.Expires != nil && *k.Expires > 0 {
		m.ExpiresAt = timetypes.NewRFC3339ValueMust(unkey.FormatTime(*k.Expires))
	} else {
		m.ExpiresAt = timetypes.NewRFC3339Null()
	}
	m.Status = types.StringValue(keyStatus(k.Enabled, k.Expires, now))
	if m.Plaintext.IsUnknown() {
		m.Plaintext = types.StringNull()
	}

	// Configured permissions are direct ones; the API reports direct and role-derived together,
	// so a configured permission is kept while the key still has it and dropped (showing a diff)
	// when it was removed outside Terraform.
	effective := k.Permissions
	m.Permissions = keepPresent(ctx, m.Permissions, effective, diags)
	u.EffectivePermissions = stringSet(effective)
	u.Roles = sameOrNull(u.Roles, k.Roles)

	if k.Identity != nil {
		u.ExternalID = types.StringValue(k.Identity.ExternalID)
		ident := identityModel{ID: types.StringValue(k.Identity.ID), ExternalID: types.StringValue(k.Identity.ExternalID), Meta: jsonOrNull(k.Identity.Meta)}
		obj, d := types.ObjectValueFrom(ctx, identityAttrTypes, ident)
		diags.Append(d...)
		u.Identity = obj
	} else {
		u.ExternalID = types.StringNull()
		u.Identity = types.ObjectNull(identityAttrTypes)
	}

	// Unkey omits meta when it is {}; keep a configured "{}" rather than report a change.
	if meta := withoutMarker(k.Meta); len(meta) == 0 && isEmptyJSONObject(u.Meta) {
		// unchanged
	} else {
		u.Meta = jsonOrNull(meta)
	}

	u.RemainingCredits = types.Int64Null()
	if k.Credits != nil && k.Credits.Remaining != nil {
		u.RemainingCredits = types.Int64Value(*k.Credits.Remaining)
		if u.Credits == nil {
			u.Credits = &creditsModel{Remaining: types.Int64Value(*k.Credits.Remaining)}
		}
		u.Credits.Refill = refillFromAPI(k.Credits.Refill)
	} else {
		u.Credits = nil
	}

	u.Ratelimits = ratelimitsFromAPI(ctx, u.Ratelimits, k.Ratelimits, diags)

	if u.ByteLength.IsUnknown() {
		u.ByteLength = types.Int64Null()
	}
	if u.Recoverable.IsUnknown() {
		u.Recoverable = types.BoolNull()
	}
	if u.PermanentDelete.IsUnknown() || u.PermanentDelete.IsNull() {
		u.PermanentDelete = types.BoolValue(false)
	}
}

func keyStatus(enabled bool, expires *int64, now time.Time) string {
	switch {
	case expires != nil && *expires > 0 && *expires <= now.UnixMilli():
		return statusExpired
	case !enabled:
		return statusDisabled
	default:
		return statusActive
	}
}

func (r *keyResource) updateUnkey(ctx context.Context, plan, state *keyResourceModel, diags *diag.Diagnostics) {
	p, s := plan.Unkey, state.Unkey
	req := unkey.UpdateKeyRequest{KeyID: state.ID.ValueString()}
	changed := false

	if !plan.Name.Equal(state.Name) {
		req.Name = nullableString(plan.Name)
		changed = true
	}
	if !p.ExternalID.Equal(s.ExternalID) {
		req.ExternalID = nullableString(p.ExternalID)
		changed = true
	}
	if !p.Meta.Equal(s.Meta) {
		if p.Meta.IsNull() {
			req.Meta = unkey.Null[json.RawMessage]()
		} else {
			req.Meta = unkey.Value(json.RawMessage(p.Meta.ValueString()))
		}
		changed = true
	}
	if !plan.ExpiresAt.Equal(state.ExpiresAt) {
		if ms, ok := rfc3339Millis(plan.ExpiresAt, diags); ok {
			req.Expires = unkey.Value(ms)
		} else {
			req.Expires = unkey.Null[int64]()
		}
		changed = true
	}
	if !plan.Enabled.Equal(state.Enabled) {
		v := plan.Enabled.ValueBool()
		req.Enabled = &v
		changed = true
	}
	if c := creditsUpdate(p.Credits, s.Credits); c.Set {
		req.Credits = c
		changed = true
	}
	if !p.Ratelimits.Equal(s.Ratelimits) {
		rl := ratelimitsToAPI(ctx, p.Ratelimits, diags)
		if rl == nil {
			rl = []unkey.RatelimitRequest{}
		}
		req.Ratelimits = &rl
		changed = true
	}
	if !p.Roles.Equal(s.Roles) {
		roles := nonNil(setStrings(ctx, p.Roles, diags))
		req.Roles = &roles
		changed = true
	}
	if !plan.Permissions.Equal(state.Permissions) {
		perms := nonNil(setStrings(ctx, plan.Permissions, diags))
		req.Permissions = &perms
		changed = true
	}
	if diags.HasError() {
		return
	}

	r.data.reader.wrote(req.KeyID)
	if changed {
		if err := r.data.unkey.UpdateKey(ctx, req); err != nil {
			diags.AddError("Error updating key", fmt.Sprintf("Could not update key %s: %s", req.KeyID, err))
			return
		}
	}
	key, err := r.data.unkey.GetKey(ctx, req.KeyID, false)
	if err != nil {
		diags.AddError("Error reading key after update", fmt.Sprintf("Could not read key %s: %s", req.KeyID, err))
		return
	}
	// The plan's computed-once values come from state; everything else from the server.
	plan.Plaintext = state.Plaintext
	applyUnkeyKey(ctx, plan, key, r.data.now(), diags)
}

func (r *keyResource) deleteUnkey(ctx context.Context, state *keyResourceModel, diags *diag.Diagnostics) {
	if isUnconfirmed(state.ID.ValueString()) {
		if err := r.settleUnconfirmed(ctx, state); err != nil {
			diags.AddError("Error settling an unconfirmed create", err.Error())
		}
		return
	}
	r.data.reader.wrote(state.ID.ValueString())
	if until, ok := r.graceExpiry(state); ok {
		ms := until.UnixMilli()
		err := r.data.unkey.UpdateKey(ctx, unkey.UpdateKeyRequest{KeyID: state.ID.ValueString(), Expires: unkey.Value(ms)})
		if err != nil && !unkey.IsNotFound(err) {
			diags.AddError("Error scheduling key expiry", fmt.Sprintf("Could not set key %s to expire at %s for its grace period: %s", state.ID.ValueString(), until.Format(time.RFC3339), err))
		}
		tflog.Info(ctx, "key left to expire after its grace period", map[string]any{"key_id": state.ID.ValueString(), "expires_at": until.Format(time.RFC3339)})
		return
	}
	permanent := state.Unkey != nil && state.Unkey.PermanentDelete.ValueBool()
	err := r.data.unkey.DeleteKey(ctx, state.ID.ValueString(), permanent)
	if err != nil && !unkey.IsNotFound(err) {
		diags.AddError("Error deleting key", fmt.Sprintf("Could not delete key %s: %s", state.ID.ValueString(), err))
	}
}

// creditsUpdate builds the updateKey credits field from the planned and prior credits. The
// configured `remaining` is sent only when it changes, so consumption never fights the plan.
func creditsUpdate(plan, state *creditsModel) unkey.Nullable[unkey.UpdateCredits] {
	switch {
	case plan == nil && state == nil:
		return unkey.Nullable[unkey.UpdateCredits]{}
	case plan == nil:
		return unkey.Null[unkey.UpdateCredits]()
	}
	var c unkey.UpdateCredits
	changed := false
	if state == nil || !plan.Remaining.Equal(state.Remaining) {
		c.Remaining = unkey.Value(plan.Remaining.ValueInt64())
		changed = true
	}
	var stateRefill *refillModel
	if state != nil {
		stateRefill = state.Refill
	}
	if !refillEqual(plan.Refill, stateRefill) {
		if plan.Refill == nil {
			c.Refill = unkey.Null[unkey.Refill]()
		} else {
			c.Refill = unkey.Value(*refillToAPI(plan.Refill))
		}
		changed = true
	}
	if !changed {
		return unkey.Nullable[unkey.UpdateCredits]{}
	}
	return unkey.Value(c)
}

func refillEqual(a, b *refillModel) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Interval.Equal(b.Interval) && a.Amount.Equal(b.Amount) && a.RefillDay.Equal(b.RefillDay)
}

func creditsToAPI(c *creditsModel) *unkey.Credits {
	remaining := c.Remaining.ValueInt64()
	return &unkey.Credits{Remaining: &remaining, Refill: refillToAPI(c.Refill)}
}

func refillToAPI(r *refillModel) *unkey.Refill {
	if r == nil {
		return nil
	}
	out := &unkey.Refill{Interval: r.Interval.ValueString(), Amount: r.Amount.ValueInt64()}
	if !r.RefillDay.IsNull() {
		day := int(r.RefillDay.ValueInt64())
		out.RefillDay = &day
	}
	return out
}

func refillFromAPI(r *unkey.Refill) *refillModel {
	if r == nil {
		return nil
	}
	out := &refillModel{Interval: types.StringValue(r.Interval), Amount: types.Int64Value(r.Amount), RefillDay: types.Int64Null()}
	if r.RefillDay != nil {
		out.RefillDay = types.Int64Value(int64(*r.RefillDay))
	}
	return out
}

func ratelimitsToAPI(ctx context.Context, set types.Set, diags *diag.Diagnostics) []unkey.RatelimitRequest {
	if set.IsNull() || set.IsUnknown() {
		return nil
	}
	var items []ratelimitModel
	diags.Append(set.ElementsAs(ctx, &items, false)...)
	out := make([]unkey.RatelimitRequest, 0, len(items))
	for _, rl := range items {
		d, err := time.ParseDuration(rl.Duration.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("unkey").AtName("ratelimits"), "Invalid duration", err.Error())
			continue
		}
		out = append(out, unkey.RatelimitRequest{Name: rl.Name.ValueString(), Limit: rl.Limit.ValueInt64(), Duration: d.Milliseconds(), AutoApply: rl.AutoApply.ValueBool()})
	}
	return out
}

// ratelimitsFromAPI converts the server's limits, keeping the configured spelling of a duration
// ("1m" rather than "1m0s") and an unset auto_apply when they mean what the server reports.
func ratelimitsFromAPI(ctx context.Context, prior types.Set, got []unkey.Ratelimit, diags *diag.Diagnostics) types.Set {
	elemType := types.ObjectType{AttrTypes: ratelimitAttrTypes}
	if len(got) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.SetNull(elemType)
	}
	byName := map[string]ratelimitModel{}
	if !prior.IsNull() && !prior.IsUnknown() {
		var items []ratelimitModel
		diags.Append(prior.ElementsAs(ctx, &items, false)...)
		for _, it := range items {
			byName[it.Name.ValueString()] = it
		}
	}
	out := make([]ratelimitModel, 0, len(got))
	for _, rl := range got {
		m := ratelimitModel{
			Name:      types.StringValue(rl.Name),
			Limit:     types.Int64Value(rl.Limit),
			Duration:  types.StringValue(millis(rl.Duration).String()),
			AutoApply: types.BoolValue(rl.AutoApply),
		}
		if p, ok := byName[rl.Name]; ok {
			if d, err := time.ParseDuration(p.Duration.ValueString()); err == nil && d.Milliseconds() == rl.Duration {
				m.Duration = p.Duration
			}
			if p.AutoApply.IsNull() && !rl.AutoApply {
				m.AutoApply = types.BoolNull()
			}
		} else if !rl.AutoApply && len(byName) == 0 && prior.IsNull() {
			m.AutoApply = types.BoolValue(false)
		}
		out = append(out, m)
	}
	set, d := types.SetValueFrom(ctx, elemType, out)
	diags.Append(d...)
	return set
}

func nullableString(v types.String) unkey.Nullable[string] {
	if v.IsNull() {
		return unkey.Null[string]()
	}
	return unkey.Value(v.ValueString())
}

func rfc3339Millis(v timetypes.RFC3339, diags *diag.Diagnostics) (int64, bool) {
	if v.IsNull() || v.IsUnknown() {
		return 0, false
	}
	t, d := v.ValueRFC3339Time()
	diags.Append(d...)
	return t.UnixMilli(), !d.HasError()
}

func optionalTime(ms *int64) types.String {
	if ms == nil || *ms == 0 {
		return types.StringNull()
	}
	return types.StringValue(unkey.FormatTime(*ms))
}

func millis(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

func jsonOrNull(raw json.RawMessage) jsonValue {
	if len(raw) == 0 || string(raw) == "null" {
		return jsonNull()
	}
	return jsonString(string(raw))
}

func isEmptyJSONObject(v jsonValue) bool {
	if v.IsNull() || v.IsUnknown() {
		return false
	}
	var m map[string]any
	return json.Unmarshal([]byte(v.ValueString()), &m) == nil && len(m) == 0
}

func setStrings(ctx context.Context, set types.Set, diags *diag.Diagnostics) []string {
	if set.IsNull() || set.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(set.ElementsAs(ctx, &out, false)...)
	slices.Sort(out)
	return out
}

func stringSet(values []string) types.Set {
	elems := make([]attr.Value, 0, len(values))
	for _, v := range values {
		elems = append(elems, types.StringValue(v))
	}
	return types.SetValueMust(types.StringType, elems)
}

// sameOrNull reports values as a set, but as null when the server has none and the prior value
// was null, so an unset attribute stays unset.
func sameOrNull(prior types.Set, values []string) types.Set {
	if len(values) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.SetNull(types.StringType)
	}
	return stringSet(values)
}

// keepPresent returns the members of prior that are still in actual.
func keepPresent(ctx context.Context, prior types.Set, actual []string, diags *diag.Diagnostics) types.Set {
	if prior.IsNull() || prior.IsUnknown() {
		return types.SetNull(types.StringType)
	}
	var kept []string
	for _, p := range setStrings(ctx, prior, diags) {
		if slices.Contains(actual, p) {
			kept = append(kept, p)
		}
	}
	return stringSet(kept)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// validateCredits checks the refill rules of the Unkey spec.
func validateCredits(c *creditsModel, diags *diag.Diagnostics) {
	if c != nil && c.Refill != nil {
		p := path.Root("unkey").AtName("credits").AtName("refill").AtName("refill_day")
		interval := c.Refill.Interval.ValueString()
		switch {
		case c.Refill.Interval.IsUnknown() || c.Refill.RefillDay.IsUnknown():
		case interval == unkey.RefillMonthly && c.Refill.RefillDay.IsNull():
			diags.AddAttributeError(p, "Missing refill day", "unkey.credits.refill.refill_day is required when interval is \"monthly\".")
		case interval == unkey.RefillDaily && !c.Refill.RefillDay.IsNull():
			diags.AddAttributeError(p, "Refill day not allowed", "unkey.credits.refill.refill_day must not be set when interval is \"daily\".")
		}
	}
}

// validateExpiry requires a new or changed expiry to be in the future and before the API's bound.
// An unchanged expiry is not checked, so a key that expired naturally does not block plans.
func validateExpiry(planned, prior timetypes.RFC3339, now time.Time, diags *diag.Diagnostics) {
	if planned.IsNull() || planned.IsUnknown() {
		return
	}
	if eq, _ := planned.StringSemanticEquals(context.Background(), prior); eq {
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
	case t.UnixMilli() > unkey.ExpiresMaxMillis:
		diags.AddAttributeError(path.Root("expires_at"), "Expiry too far in the future",
			fmt.Sprintf("expires_at %s is after %s, the latest expiry the API accepts.", planned.ValueString(), unkey.FormatTime(unkey.ExpiresMaxMillis)))
	}
}
