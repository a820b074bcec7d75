package mixpeek

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Translation between the key model and the client's types.

func createRequest(ctx context.Context, m *keyModel, diags *diag.Diagnostics) mixpeek.CreateKeyRequest {
	req := mixpeek.CreateKeyRequest{
		Name:              m.Name.ValueString(),
		Description:       m.Description.ValueStringPointer(),
		Permissions:       tfvalue.SetStrings(ctx, m.Permissions, diags),
		Scopes:            scopesToAPI(ctx, m.Scopes, diags),
		RateLimitOverride: m.RateLimitOverride.ValueInt64Pointer(),
	}
	if !m.ExpiresAt.IsNull() && !m.ExpiresAt.IsUnknown() {
		t, d := m.ExpiresAt.ValueRFC3339Time()
		diags.Append(d...)
		s := t.UTC().Format(time.RFC3339)
		req.ExpiresAt = &s
	}
	return req
}

func updateRequest(ctx context.Context, plan, state *keyModel, diags *diag.Diagnostics) (req mixpeek.UpdateKeyRequest, changed bool) {
	if !plan.Name.Equal(state.Name) {
		req.Name = mixpeek.Value(plan.Name.ValueString())
		changed = true
	}
	if !plan.Description.Equal(state.Description) {
		// Mixpeek's default description is "", so clearing sends that rather than null.
		req.Description = mixpeek.Value(plan.Description.ValueString())
		changed = true
	}
	if !plan.Permissions.Equal(state.Permissions) && !plan.Permissions.IsNull() && !plan.Permissions.IsUnknown() {
		perms := tfvalue.NonNil(tfvalue.SetStrings(ctx, plan.Permissions, diags))
		req.Permissions = &perms
		changed = true
	}
	if !plan.Scopes.Equal(state.Scopes) {
		scopes := tfvalue.NonNil(scopesToAPI(ctx, plan.Scopes, diags))
		req.Scopes = &scopes
		changed = true
	}
	if !plan.RateLimitOverride.Equal(state.RateLimitOverride) {
		// Unknown is a removed override (see planRateLimit).
		if plan.RateLimitOverride.IsNull() || plan.RateLimitOverride.IsUnknown() {
			req.RateLimitOverride = mixpeek.Null[int64]()
		} else {
			req.RateLimitOverride = mixpeek.Value(plan.RateLimitOverride.ValueInt64())
		}
		changed = true
	}
	if !plan.ExpiresAt.Equal(state.ExpiresAt) {
		req.ExpiresAt = mixpeekTime(plan.ExpiresAt, diags)
		changed = true
	}
	return req, changed
}

func mixpeekTime(v timetypes.RFC3339, diags *diag.Diagnostics) mixpeek.Nullable[string] {
	if v.IsNull() {
		return mixpeek.Null[string]()
	}
	t, d := v.ValueRFC3339Time()
	diags.Append(d...)
	return mixpeek.Value(t.UTC().Format(time.RFC3339))
}

// applyKey copies the server's view of a key into the model, keeping the configured spelling of
// an expiry the server reports as the same instant.
func applyKey(ctx context.Context, m *keyModel, k *mixpeek.Key, diags *diag.Diagnostics) {
	m.ID = types.StringValue(k.KeyID)
	m.Name = types.StringValue(k.Name)
	m.Start = types.StringPointerValue(k.KeyPrefix)
	m.Status = types.StringValue(status(k.Status))
	m.CreatedAt = tfvalue.NormalizedTime(k.CreatedAt)
	m.LastUsedAt = tfvalue.NormalizedTime(k.LastUsedAt)
	if k.ExpiresAt != nil && *k.ExpiresAt != "" {
		m.ExpiresAt = tfvalue.KeepSpelling(m.ExpiresAt, tfvalue.NormalizedTime(k.ExpiresAt).ValueString())
	} else {
		m.ExpiresAt = timetypes.NewRFC3339Null()
	}
	if m.Plaintext.IsUnknown() {
		m.Plaintext = types.StringNull()
	}
	m.Permissions = tfvalue.StringSet(k.Permissions)
	if m.Description.IsNull() && k.Description == "" {
		// unset and the server's default "" mean the same
	} else {
		m.Description = types.StringValue(k.Description)
	}
	m.Scopes = scopesFromAPI(ctx, m.Scopes, k.Scopes, diags)
	m.RateLimitOverride = types.Int64PointerValue(k.RateLimitOverride)
	m.KeyHash = types.StringValue(k.KeyHash)
	m.KeyType = types.StringValue(k.KeyType)
	m.SubscriptionID = types.StringPointerValue(k.SubscriptionID)
	m.InternalID = types.StringValue(k.InternalID)
	m.OrganizationID = types.StringPointerValue(k.OrganizationID)
	m.UserID = types.StringValue(k.UserID)
	m.CreatedBy = types.StringPointerValue(k.CreatedBy)
	m.RevokedAt = tfvalue.NormalizedTime(k.RevokedAt)
	m.RevokedBy = types.StringPointerValue(k.RevokedBy)
	origins, d := types.ListValueFrom(ctx, types.StringType, tfvalue.NonNil(k.AllowedOrigins))
	diags.Append(d...)
	m.AllowedOrigins = origins
}

// status is Mixpeek's status, with the documented default for a missing one.
func status(s string) string {
	if s == "" {
		return mixpeek.StatusActive
	}
	return s
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
			s.Operations = tfvalue.NonNil(tfvalue.SetStrings(ctx, it.Operations, diags))
		}
		out = append(out, s)
	}
	return out
}

func scopesFromAPI(ctx context.Context, prior types.Set, got []mixpeek.Scope, diags *diag.Diagnostics) types.Set {
	if len(got) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.SetNull(scopeType)
	}
	out := make([]scopeModel, 0, len(got))
	for _, s := range got {
		ops := types.SetNull(types.StringType)
		if s.Operations != nil {
			ops = tfvalue.StringSet(s.Operations)
		}
		out = append(out, scopeModel{ResourceType: types.StringValue(s.ResourceType), ResourceID: types.StringValue(s.ResourceID), Operations: ops})
	}
	set, d := types.SetValueFrom(ctx, scopeType, out)
	diags.Append(d...)
	return set
}
