package unkey

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Translation between the key model and the client's types.

// createRequest is the keys.createKey request for a planned key (meta without the marker).
func createRequest(ctx context.Context, m *keyModel, diags *diag.Diagnostics) (unkey.CreateKeyRequest, json.RawMessage) {
	req := unkey.CreateKeyRequest{
		APIID:       m.APIID.ValueString(),
		Prefix:      m.Prefix.ValueString(),
		Name:        m.Name.ValueString(),
		ByteLength:  int(m.ByteLength.ValueInt64()),
		ExternalID:  m.ExternalID.ValueString(),
		Roles:       tfvalue.SetStrings(ctx, m.Roles, diags),
		Permissions: tfvalue.SetStrings(ctx, m.Permissions, diags),
		Recoverable: m.Recoverable.ValueBool(),
	}
	enabled := m.Enabled.ValueBool()
	req.Enabled = &enabled
	var userMeta json.RawMessage
	if !m.Meta.IsNull() {
		userMeta = json.RawMessage(m.Meta.ValueString())
	}
	if ms, ok := rfc3339Millis(m.ExpiresAt, diags); ok {
		req.Expires = &ms
	}
	if c := creditsOf(ctx, m.Credits, diags); c != nil {
		req.Credits = creditsToAPI(ctx, c, diags)
	}
	req.Ratelimits = ratelimitsToAPI(ctx, m.Ratelimits, diags)
	return req, userMeta
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

// prefixFromStart recovers the prefix from `start`, which is "<prefix>_" plus 4 characters.
func prefixFromStart(start string) (string, bool) {
	if len(start) > 5 && start[len(start)-5] == '_' {
		return start[:len(start)-5], true
	}
	return "", false
}

// applyKey copies the server's view of a key into the model. Values the API cannot return
// (plaintext, byte_length, recoverable, prefix, permanent_delete) and the configured starting
// credits are kept from the model; so is the spelling of a time or duration the server reports
// as the same value.
func applyKey(ctx context.Context, m *keyModel, k *unkey.Key, now time.Time, diags *diag.Diagnostics) {
	m.ID = types.StringValue(k.KeyID)
	m.Start = types.StringValue(k.Start)
	m.Enabled = types.BoolValue(k.Enabled)
	m.Name = types.StringPointerValue(k.Name)
	m.CreatedAt = types.StringValue(unkey.FormatTime(k.CreatedAt))
	m.UpdatedAt = optionalTime(k.UpdatedAt)
	m.LastUsedAt = optionalTime(k.LastUsedAt)
	if k.Expires != nil && *k.Expires > 0 {
		m.ExpiresAt = tfvalue.KeepSpelling(m.ExpiresAt, unkey.FormatTime(*k.Expires))
	} else {
		m.ExpiresAt = timetypes.NewRFC3339Null()
	}
	m.Status = types.StringValue(keyStatus(k.Enabled, k.Expires, now))
	if m.Plaintext.IsUnknown() {
		m.Plaintext = types.StringNull()
	}

	// Configured permissions are direct ones, and the API reports direct and role-derived ones
	// together: a permission is direct when no role of the key grants it, so one granted outside
	// Terraform shows as a change even when permissions is unset.
	m.EffectivePermissions = tfvalue.StringSet(k.Permissions)
	m.Roles = tfvalue.SameOrNull(m.Roles, k.Roles)

	if k.Identity != nil {
		m.ExternalID = types.StringValue(k.Identity.ExternalID)
		obj, d := types.ObjectValue(identityAttrTypes, map[string]attr.Value{
			"id": types.StringValue(k.Identity.ID), "external_id": types.StringValue(k.Identity.ExternalID), "meta": tfvalue.JSONOrNull(k.Identity.Meta),
		})
		diags.Append(d...)
		m.Identity = obj
	} else {
		m.ExternalID = types.StringNull()
		m.Identity = types.ObjectNull(identityAttrTypes)
	}

	// Unkey omits meta when it is {}; keep a configured "{}" rather than report a change.
	if meta := withoutMarker(k.Meta); len(meta) == 0 && tfvalue.IsEmptyJSONObject(m.Meta) {
		// unchanged
	} else if !m.Meta.IsNull() && !m.Meta.IsUnknown() && len(meta) > 0 && tfvalue.SameJSON(m.Meta.ValueString(), string(meta)) {
		// the same object in the configured spelling
	} else {
		m.Meta = tfvalue.JSONOrNull(meta)
	}

	m.RemainingCredits = types.Int64Null()
	if k.Credits != nil && k.Credits.Remaining != nil {
		m.RemainingCredits = types.Int64Value(*k.Credits.Remaining)
		c := creditsOf(ctx, m.Credits, diags)
		if c == nil {
			c = &creditsModel{Remaining: types.Int64Value(*k.Credits.Remaining)}
		}
		c.Refill = refillFromAPI(ctx, k.Credits.Refill, diags)
		m.Credits = creditsObject(ctx, c, diags)
	} else {
		m.Credits = types.ObjectNull(creditsAttrTypes)
	}

	m.Ratelimits = ratelimitsFromAPI(ctx, m.Ratelimits, k.Ratelimits, diags)

	if m.ByteLength.IsUnknown() {
		m.ByteLength = types.Int64Null()
	}
	if m.Recoverable.IsUnknown() {
		m.Recoverable = types.BoolNull()
	}
	if m.PermanentDelete.IsUnknown() || m.PermanentDelete.IsNull() {
		m.PermanentDelete = types.BoolValue(false)
	}
}

// directPermissions are the key's permissions that none of its roles grants.
func directPermissions(effective []string, fromRoles map[string]bool) []string {
	var direct []string
	for _, p := range effective {
		if !fromRoles[p] {
			direct = append(direct, p)
		}
	}
	slices.Sort(direct)
	return direct
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

// updateRequest is the keys.updateKey request that turns state into plan; changed is false when
// nothing differs.
func updateRequest(ctx context.Context, plan, state *keyModel, diags *diag.Diagnostics) (req unkey.UpdateKeyRequest, changed bool) {
	req = unkey.UpdateKeyRequest{KeyID: state.ID.ValueString()}
	if !plan.Name.Equal(state.Name) {
		req.Name = nullableString(plan.Name)
		changed = true
	}
	if !plan.ExternalID.Equal(state.ExternalID) {
		req.ExternalID = nullableString(plan.ExternalID)
		changed = true
	}
	if !plan.Meta.Equal(state.Meta) {
		if plan.Meta.IsNull() {
			req.Meta = unkey.Null[json.RawMessage]()
		} else {
			req.Meta = unkey.Value(json.RawMessage(plan.Meta.ValueString()))
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
	if c := creditsUpdate(ctx, creditsOf(ctx, plan.Credits, diags), creditsOf(ctx, state.Credits, diags), diags); c.Set {
		req.Credits = c
		changed = true
	}
	if !plan.Ratelimits.Equal(state.Ratelimits) {
		rl := tfvalue.NonNil(ratelimitsToAPI(ctx, plan.Ratelimits, diags))
		req.Ratelimits = &rl
		changed = true
	}
	if !plan.Roles.Equal(state.Roles) {
		roles := tfvalue.NonNil(tfvalue.SetStrings(ctx, plan.Roles, diags))
		req.Roles = &roles
		changed = true
	}
	if !plan.Permissions.Equal(state.Permissions) {
		perms := tfvalue.NonNil(tfvalue.SetStrings(ctx, plan.Permissions, diags))
		req.Permissions = &perms
		changed = true
	}
	return req, changed
}

// creditsOf converts the credits object; nil when null or unknown.
func creditsOf(ctx context.Context, obj types.Object, diags *diag.Diagnostics) *creditsModel {
	if obj.IsNull() || obj.IsUnknown() {
		return nil
	}
	var c creditsModel
	diags.Append(obj.As(ctx, &c, objectAsOptions)...)
	return &c
}

func refillOf(ctx context.Context, obj types.Object, diags *diag.Diagnostics) *refillModel {
	if obj.IsNull() || obj.IsUnknown() {
		return nil
	}
	var r refillModel
	diags.Append(obj.As(ctx, &r, objectAsOptions)...)
	return &r
}

func creditsObject(ctx context.Context, c *creditsModel, diags *diag.Diagnostics) types.Object {
	if c.Refill.IsNull() || c.Refill.IsUnknown() {
		c.Refill = types.ObjectNull(refillAttrTypes)
	}
	obj, d := types.ObjectValueFrom(ctx, creditsAttrTypes, c)
	diags.Append(d...)
	return obj
}

// creditsUpdate builds the updateKey credits field from the planned and prior credits. The
// configured `remaining` is sent only when it changes, so consumption never fights the plan.
func creditsUpdate(ctx context.Context, plan, state *creditsModel, diags *diag.Diagnostics) unkey.Nullable[unkey.UpdateCredits] {
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
	stateRefill := types.ObjectNull(refillAttrTypes)
	if state != nil {
		stateRefill = state.Refill
	}
	if !plan.Refill.Equal(stateRefill) && !(plan.Refill.IsNull() && stateRefill.IsNull()) {
		if r := refillOf(ctx, plan.Refill, diags); r == nil {
			c.Refill = unkey.Null[unkey.Refill]()
		} else {
			c.Refill = unkey.Value(*refillToAPI(r))
		}
		changed = true
	}
	if !changed {
		return unkey.Nullable[unkey.UpdateCredits]{}
	}
	return unkey.Value(c)
}

func creditsToAPI(ctx context.Context, c *creditsModel, diags *diag.Diagnostics) *unkey.Credits {
	remaining := c.Remaining.ValueInt64()
	return &unkey.Credits{Remaining: &remaining, Refill: refillToAPI(refillOf(ctx, c.Refill, diags))}
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

func refillFromAPI(ctx context.Context, r *unkey.Refill, diags *diag.Diagnostics) types.Object {
	if r == nil {
		return types.ObjectNull(refillAttrTypes)
	}
	out := refillModel{Interval: types.StringValue(r.Interval), Amount: types.Int64Value(r.Amount), RefillDay: types.Int64Null()}
	if r.RefillDay != nil {
		out.RefillDay = types.Int64Value(int64(*r.RefillDay))
	}
	obj, d := types.ObjectValueFrom(ctx, refillAttrTypes, out)
	diags.Append(d...)
	return obj
}

func ratelimitsToAPI(ctx context.Context, set types.Set, diags *diag.Diagnostics) []unkey.RatelimitRequest {
	if set.IsNull() || set.IsUnknown() {
		return nil
	}
	items, ok := ratelimitItems(set)
	if !ok {
		diags.Append(set.ElementsAs(ctx, &items, false)...)
	}
	out := make([]unkey.RatelimitRequest, 0, len(items))
	for _, rl := range items {
		d, err := time.ParseDuration(rl.Duration.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("ratelimits"), "Invalid duration", err.Error())
			continue
		}
		out = append(out, unkey.RatelimitRequest{Name: rl.Name.ValueString(), Limit: rl.Limit.ValueInt64(), Duration: d.Milliseconds(), AutoApply: rl.AutoApply.ValueBool()})
	}
	return out
}

// ratelimitItems reads the elements of a set of rate limits as ElementsAs would, without its
// reflection (which compiles a regular expression per field on every call); false when an
// element is not a known object of the expected attributes, which ElementsAs then reports.
func ratelimitItems(set types.Set) ([]ratelimitModel, bool) {
	elems := set.Elements()
	items := make([]ratelimitModel, 0, len(elems))
	for _, e := range elems {
		obj, ok := e.(types.Object)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			return nil, false
		}
		a := obj.Attributes()
		name, ok1 := a["name"].(types.String)
		limit, ok2 := a["limit"].(types.Int64)
		duration, ok3 := a["duration"].(types.String)
		autoApply, ok4 := a["auto_apply"].(types.Bool)
		if !ok1 || !ok2 || !ok3 || !ok4 || len(a) != 4 {
			return nil, false
		}
		items = append(items, ratelimitModel{Name: name, Limit: limit, Duration: duration, AutoApply: autoApply})
	}
	return items, true
}

// ratelimitsFromAPI converts the server's limits, keeping the configured spelling of a duration
// ("60s" rather than "1m") and an unset auto_apply when they mean what the server reports. With
// no prior value (an import) durations take their shortest spelling and a false auto_apply is
// left unset, which is what a configuration written for the key says.
func ratelimitsFromAPI(_ context.Context, prior types.Set, got []unkey.Ratelimit, diags *diag.Diagnostics) types.Set {
	if len(got) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.SetNull(ratelimitType)
	}
	// Values are read and built directly: reflection into ratelimitModel (ElementsAs,
	// SetValueFrom) costs more than the rest of this function on every Read of every key.
	byName := map[string]ratelimitModel{}
	if !prior.IsNull() && !prior.IsUnknown() {
		for _, e := range prior.Elements() {
			obj, ok := e.(types.Object)
			if !ok || obj.IsNull() || obj.IsUnknown() {
				continue
			}
			a := obj.Attributes()
			name, _ := a["name"].(types.String)
			duration, _ := a["duration"].(types.String)
			autoApply, _ := a["auto_apply"].(types.Bool)
			byName[name.ValueString()] = ratelimitModel{Name: name, Duration: duration, AutoApply: autoApply}
		}
	}
	out := make([]ratelimitModel, 0, len(got))
	for _, rl := range got {
		m := ratelimitModel{
			Name:      types.StringValue(rl.Name),
			Limit:     types.Int64Value(rl.Limit),
			Duration:  types.StringValue(shortDuration(millis(rl.Duration))),
			AutoApply: types.BoolValue(rl.AutoApply),
		}
		if p, ok := byName[rl.Name]; ok {
			if d, err := time.ParseDuration(p.Duration.ValueString()); err == nil && d.Milliseconds() == rl.Duration {
				m.Duration = p.Duration
			}
			if p.AutoApply.IsNull() && !rl.AutoApply {
				m.AutoApply = types.BoolNull()
			}
		} else if !rl.AutoApply {
			m.AutoApply = types.BoolNull()
		}
		out = append(out, m)
	}
	elems := make([]attr.Value, 0, len(out))
	for _, m := range out {
		obj, d := types.ObjectValue(ratelimitAttrTypes, map[string]attr.Value{
			"name": m.Name, "limit": m.Limit, "duration": m.Duration, "auto_apply": m.AutoApply,
		})
		diags.Append(d...)
		elems = append(elems, obj)
	}
	set, d := types.SetValue(ratelimitType, elems)
	diags.Append(d...)
	return set
}

// shortDuration spells d as a configuration would: "1m" rather than "1m0s", "1h" not "1h0m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// sameRatelimits reports whether two rate limit sets say the same thing, durations compared as
// lengths and an unset auto_apply as false.
func sameRatelimits(ctx context.Context, a, b types.Set) bool {
	if a.IsUnknown() || b.IsUnknown() || a.IsNull() != b.IsNull() {
		return false
	}
	var diags diag.Diagnostics
	x, y := ratelimitsToAPI(ctx, a, &diags), ratelimitsToAPI(ctx, b, &diags)
	if diags.HasError() || len(x) != len(y) {
		return false
	}
	byName := map[string]unkey.RatelimitRequest{}
	for _, r := range x {
		byName[r.Name] = r
	}
	for _, r := range y {
		if byName[r.Name] != r {
			return false
		}
	}
	return true
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
