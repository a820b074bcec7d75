package mixpeek

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

func scopeSet(t *testing.T, scopes ...scopeModel) types.Set {
	t.Helper()
	s, diags := types.SetValueFrom(context.Background(), scopeType, scopes)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return s
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCreateRequest(t *testing.T) {
	ctx := context.Background()
	full := configModel("svc")
	full.Description = types.StringValue("d")
	full.Permissions = tfvalue.StringSet([]string{"read"})
	full.RateLimitOverride = types.Int64Value(7)
	full.ExpiresAt = timetypes.NewRFC3339ValueMust("2099-01-01T09:00:00+09:00")
	full.Scopes = scopeSet(t,
		scopeModel{ResourceType: types.StringValue("namespace"), ResourceID: types.StringValue("ns_1"), Operations: tfvalue.StringSet([]string{"read_data"})},
		scopeModel{ResourceType: types.StringValue("collection"), ResourceID: types.StringValue("col_*"), Operations: types.SetNull(types.StringType)},
	)
	unknownPerms := configModel("svc")
	unknownPerms.Permissions = types.SetUnknown(types.StringType)
	unknownPerms.ExpiresAt = timetypes.NewRFC3339Unknown()
	cases := []struct {
		name string
		m    keyModel
		want string
	}{
		{name: "minimal", m: configModel("svc"), want: `{"name":"svc"}`},
		{name: "unknown permissions and expiry are left to the server", m: unknownPerms, want: `{"name":"svc"}`},
		{name: "everything, expiry in UTC", m: full, want: `{"name":"svc","description":"d","permissions":["read"],"scopes":[{"resource_type":"namespace","resource_id":"ns_1","operations":["read_data"]},{"resource_type":"collection","resource_id":"col_*"}],"rate_limit_override":7,"expires_at":"2099-01-01T00:00:00Z"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			req := createRequest(ctx, &tc.m, &diags)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if got := mustJSON(t, req); got != tc.want {
				t.Errorf("request\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestUpdateRequest(t *testing.T) {
	ctx := context.Background()
	base := configModel("svc")
	base.Description = types.StringValue("d")
	base.Permissions = tfvalue.StringSet([]string{"read"})
	base.RateLimitOverride = types.Int64Value(7)
	base.ExpiresAt = timetypes.NewRFC3339ValueMust("2099-01-01T00:00:00Z")
	base.Scopes = scopeSet(t, scopeModel{ResourceType: types.StringValue("namespace"), ResourceID: types.StringValue("ns_1"), Operations: types.SetNull(types.StringType)})
	with := func(f func(*keyModel)) keyModel { m := base; f(&m); return m }
	cases := []struct {
		name        string
		plan        keyModel
		want        string
		wantChanged bool
	}{
		{name: "nothing", plan: base, want: `{}`},
		{name: "rename", plan: with(func(m *keyModel) { m.Name = types.StringValue("svc2") }), want: `{"name":"svc2"}`, wantChanged: true},
		{name: "description cleared sends empty", plan: with(func(m *keyModel) { m.Description = types.StringNull() }), want: `{"description":""}`, wantChanged: true},
		{name: "permissions", plan: with(func(m *keyModel) { m.Permissions = tfvalue.StringSet([]string{"read", "write"}) }), want: `{"permissions":["read","write"]}`, wantChanged: true},
		{name: "unknown permissions are not sent", plan: with(func(m *keyModel) { m.Permissions = types.SetUnknown(types.StringType) }), want: `{}`},
		{name: "scopes removed send []", plan: with(func(m *keyModel) { m.Scopes = types.SetNull(scopeType) }), want: `{"scopes":[]}`, wantChanged: true},
		{name: "rate limit removed sends null", plan: with(func(m *keyModel) { m.RateLimitOverride = types.Int64Null() }), want: `{"rate_limit_override":null}`, wantChanged: true},
		{name: "rate limit changed", plan: with(func(m *keyModel) { m.RateLimitOverride = types.Int64Value(9) }), want: `{"rate_limit_override":9}`, wantChanged: true},
		{name: "expiry removed sends null", plan: with(func(m *keyModel) { m.ExpiresAt = timetypes.NewRFC3339Null() }), want: `{"expires_at":null}`, wantChanged: true},
		{name: "expiry in another offset is sent in UTC", plan: with(func(m *keyModel) { m.ExpiresAt = timetypes.NewRFC3339ValueMust("2098-01-01T00:00:00-05:00") }), want: `{"expires_at":"2098-01-01T05:00:00Z"}`, wantChanged: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			state := base
			req, changed := updateRequest(ctx, &tc.plan, &state, &diags)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if changed != tc.wantChanged {
				t.Errorf("changed = %t, want %t", changed, tc.wantChanged)
			}
			if got := mustJSON(t, req); got != tc.want {
				t.Errorf("request\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestApplyKey(t *testing.T) {
	ctx := context.Background()
	s := func(v string) *string { return &v }
	limit := int64(5)
	server := &mixpeek.Key{
		KeyID: "key_1", KeyHash: "abc", KeyPrefix: s("sk_1234567..."), KeyType: "standard", InternalID: "int", OrganizationID: s("org"),
		UserID: "usr_1", Name: "svc", Description: "", Permissions: []string{"write", "read"}, RateLimitOverride: &limit,
		Status: "", ExpiresAt: s("2099-01-01T00:00:00+00:00"), CreatedAt: s("2026-01-01T00:00:00.5+00:00"), CreatedBy: s("usr_0"),
		Scopes: []mixpeek.Scope{{ResourceType: "namespace", ResourceID: "ns_1", Operations: []string{}}, {ResourceType: "bucket", ResourceID: "b"}},
	}
	cases := []struct {
		name  string
		prior func(*keyModel)
		key   func(*mixpeek.Key)
		check func(t *testing.T, m keyModel)
	}{
		{
			name: "server view, defaults for missing values",
			check: func(t *testing.T, m keyModel) {
				want := map[string]attr.Value{
					"id": types.StringValue("key_1"), "status": types.StringValue("active"), "start": types.StringValue("sk_1234567..."),
					"created_at": types.StringValue("2026-01-01T00:00:00.5Z"), "last_used_at": types.StringNull(), "revoked_at": types.StringNull(),
					"description": types.StringNull(), "permissions": tfvalue.StringSet([]string{"read", "write"}), "rate_limit_override": types.Int64Value(5),
					"expires_at": timetypes.NewRFC3339ValueMust("2099-01-01T00:00:00Z"), "allowed_origins": types.ListValueMust(types.StringType, []attr.Value{}),
					"plaintext": types.StringNull(), "subscription_id": types.StringNull(),
				}
				got := map[string]attr.Value{
					"id": m.ID, "status": m.Status, "start": m.Start, "created_at": m.CreatedAt, "last_used_at": m.LastUsedAt, "revoked_at": m.RevokedAt,
					"description": m.Description, "permissions": m.Permissions, "rate_limit_override": m.RateLimitOverride, "expires_at": m.ExpiresAt,
					"allowed_origins": m.AllowedOrigins, "plaintext": m.Plaintext, "subscription_id": m.SubscriptionID,
				}
				for k, w := range want {
					if !got[k].Equal(w) {
						t.Errorf("%s = %v, want %v", k, got[k], w)
					}
				}
				if len(m.Scopes.Elements()) != 2 {
					t.Errorf("scopes = %v", m.Scopes)
				}
			},
		},
		{
			name:  "configured expiry spelling kept for the same instant",
			prior: func(m *keyModel) { m.ExpiresAt = timetypes.NewRFC3339ValueMust("2099-01-01T09:00:00+09:00") },
			check: func(t *testing.T, m keyModel) {
				if m.ExpiresAt.ValueString() != "2099-01-01T09:00:00+09:00" {
					t.Errorf("expires_at = %s", m.ExpiresAt)
				}
			},
		},
		{
			name:  "a different instant is the server's",
			prior: func(m *keyModel) { m.ExpiresAt = timetypes.NewRFC3339ValueMust("2098-01-01T00:00:00Z") },
			check: func(t *testing.T, m keyModel) {
				if m.ExpiresAt.ValueString() != "2099-01-01T00:00:00Z" {
					t.Errorf("expires_at = %s", m.ExpiresAt)
				}
			},
		},
		{
			name: "no expiry, a description, no scopes",
			key: func(k *mixpeek.Key) {
				k.ExpiresAt, k.Description, k.Scopes, k.Status = nil, "set", nil, "expired"
			},
			prior: func(m *keyModel) { m.ExpiresAt = timetypes.NewRFC3339ValueMust("2099-01-01T00:00:00Z") },
			check: func(t *testing.T, m keyModel) {
				if !m.ExpiresAt.IsNull() || m.Description.ValueString() != "set" || !m.Scopes.IsNull() || m.Status.ValueString() != "expired" {
					t.Errorf("expires_at %v, description %v, scopes %v, status %v", m.ExpiresAt, m.Description, m.Scopes, m.Status)
				}
			},
		},
		{
			name:  "configured empty description is kept as empty",
			prior: func(m *keyModel) { m.Description = types.StringValue("") },
			check: func(t *testing.T, m keyModel) {
				if m.Description.IsNull() || m.Description.ValueString() != "" {
					t.Errorf("description = %v", m.Description)
				}
			},
		},
		{
			name:  "scopes removed on the server from a configured set",
			prior: func(m *keyModel) { m.Scopes = types.SetValueMust(scopeType, []attr.Value{}) },
			key:   func(k *mixpeek.Key) { k.Scopes = nil },
			check: func(t *testing.T, m keyModel) {
				if m.Scopes.IsNull() || len(m.Scopes.Elements()) != 0 {
					t.Errorf("scopes = %v, want an empty set", m.Scopes)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := nullModel()
			m.Plaintext = types.StringUnknown()
			if tc.prior != nil {
				tc.prior(&m)
			}
			k := *server
			if tc.key != nil {
				tc.key(&k)
			}
			var diags diag.Diagnostics
			applyKey(ctx, &m, &k, &diags)
			if diags.HasError() {
				t.Fatal(diags)
			}
			tc.check(t, m)
		})
	}
}

// Scope operations keep nil (every operation) and [] (none) apart both ways.
func TestScopesRoundTrip(t *testing.T) {
	ctx := context.Background()
	in := []mixpeek.Scope{
		{ResourceType: "namespace", ResourceID: "a", Operations: nil},
		{ResourceType: "namespace", ResourceID: "b", Operations: []string{}},
		{ResourceType: "namespace", ResourceID: "c", Operations: []string{"read_data"}},
	}
	var diags diag.Diagnostics
	set := scopesFromAPI(ctx, types.SetNull(scopeType), in, &diags)
	out := scopesToAPI(ctx, set, &diags)
	if diags.HasError() {
		t.Fatal(diags)
	}
	byID := map[string]mixpeek.Scope{}
	for _, s := range out {
		byID[s.ResourceID] = s
	}
	if byID["a"].Operations != nil || byID["b"].Operations == nil || len(byID["b"].Operations) != 0 || len(byID["c"].Operations) != 1 {
		t.Errorf("round trip lost nil/[] operations: %+v", out)
	}
	if scopesToAPI(ctx, types.SetUnknown(scopeType), &diags) != nil {
		t.Error("unknown scopes are sent")
	}
}

func TestMixpeekTimeAndStatus(t *testing.T) {
	var diags diag.Diagnostics
	if v := mixpeekTime(timetypes.NewRFC3339Null(), &diags); !v.IsNull() {
		t.Error("null expiry is not JSON null")
	}
	if v, _ := mixpeekTime(timetypes.NewRFC3339ValueMust("2030-01-01T01:00:00+01:00"), &diags).Get(); v != "2030-01-01T00:00:00Z" {
		t.Errorf("expiry sent as %q", v)
	}
	if status("") != "active" || status("expired") != "expired" {
		t.Error("status default")
	}
}
