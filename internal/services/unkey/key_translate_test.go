package unkey

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// nullModel is a key model with every attribute null (typed, so it converts to a Terraform value).
func nullModel() keyModel {
	return keyModel{
		Identity:             types.ObjectNull(identityAttrTypes),
		Roles:                types.SetNull(types.StringType),
		Permissions:          types.SetNull(types.StringType),
		EffectivePermissions: types.SetNull(types.StringType),
		Credits:              types.ObjectNull(creditsAttrTypes),
		Ratelimits:           types.SetNull(ratelimitType),
		PreviousKey:          types.ObjectNull(previousKeyAttrTypes),
		Model: keylife.Model{
			PlaintextAgeRecipients: types.SetNull(types.StringType),
			RotationTriggers:       types.MapNull(types.StringType),
		},
	}
}

func strSet(v ...string) types.Set { return tfvalue.StringSet(v) }

func credits(t *testing.T, remaining int64, refill *refillModel) types.Object {
	t.Helper()
	var diags diag.Diagnostics
	c := &creditsModel{Remaining: types.Int64Value(remaining), Refill: types.ObjectNull(refillAttrTypes)}
	if refill != nil {
		obj, d := types.ObjectValueFrom(context.Background(), refillAttrTypes, refill)
		diags.Append(d...)
		c.Refill = obj
	}
	obj := creditsObject(context.Background(), c, &diags)
	noErrors(t, diags)
	return obj
}

func ratelimits(t *testing.T, items ...ratelimitModel) types.Set {
	t.Helper()
	set, d := types.SetValueFrom(context.Background(), ratelimitType, items)
	noErrors(t, d)
	return set
}

func rl(name string, limit int64, duration string, autoApply *bool) ratelimitModel {
	m := ratelimitModel{Name: types.StringValue(name), Limit: types.Int64Value(limit), Duration: types.StringValue(duration), AutoApply: types.BoolNull()}
	if autoApply != nil {
		m.AutoApply = types.BoolValue(*autoApply)
	}
	return m
}

func noErrors(t *testing.T, diags diag.Diagnostics) {
	t.Helper()
	if diags.HasError() {
		t.Fatalf("unexpected errors: %v", diags)
	}
}

func ptr[T any](v T) *T { return &v }

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCreateRequest(t *testing.T) {
	ctx := context.Background()
	full := nullModel()
	full.APIID = types.StringValue("api_1")
	full.Name = types.StringValue("svc")
	full.Prefix = types.StringValue("sk")
	full.ByteLength = types.Int64Value(24)
	full.Recoverable = types.BoolValue(true)
	full.ExternalID = types.StringValue("acme")
	full.Meta = tfvalue.JSONString(`{"team":"billing"}`)
	full.Roles = strSet("support")
	full.Permissions = strSet("b.write", "a.read")
	full.Enabled = types.BoolValue(false)
	full.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-01-01T05:00:00+05:00")
	full.Credits = credits(t, 100, &refillModel{Interval: types.StringValue("monthly"), Amount: types.Int64Value(50), RefillDay: types.Int64Value(15)})
	full.Ratelimits = ratelimits(t, rl("requests", 10, "1m", ptr(true)))

	minimal := nullModel()
	minimal.APIID = types.StringValue("api_1")
	minimal.Enabled = types.BoolValue(true)

	for _, tc := range []struct {
		name     string
		model    keyModel
		wantJSON string
		wantMeta string
	}{
		{
			name:     "every field",
			model:    full,
			wantJSON: `{"apiId":"api_1","prefix":"sk","name":"svc","byteLength":24,"externalId":"acme","roles":["support"],"permissions":["a.read","b.write"],"expires":1893456000000,"credits":{"remaining":100,"refill":{"interval":"monthly","amount":50,"refillDay":15}},"ratelimits":[{"name":"requests","limit":10,"duration":60000,"autoApply":true}],"enabled":false,"recoverable":true}`,
			wantMeta: `{"team":"billing"}`,
		},
		{name: "only the API", model: minimal, wantJSON: `{"apiId":"api_1","enabled":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			req, meta := createRequest(ctx, &tc.model, &diags)
			noErrors(t, diags)
			// The set's order is not the configuration's; compare permissions sorted.
			if len(req.Permissions) > 1 && req.Permissions[0] > req.Permissions[1] {
				req.Permissions[0], req.Permissions[1] = req.Permissions[1], req.Permissions[0]
			}
			if got := jsonOf(t, req); got != tc.wantJSON {
				t.Errorf("request\n got %s\nwant %s", got, tc.wantJSON)
			}
			if string(meta) != tc.wantMeta {
				t.Errorf("user meta = %s, want %s", meta, tc.wantMeta)
			}
		})
	}
}

func TestCreatedKeyView(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	req := unkey.CreateKeyRequest{APIID: "api_1", Prefix: "sk", Name: "svc", Permissions: []string{"a"}, Expires: ptr(int64(1_900_000_000_000)),
		Ratelimits: []unkey.RatelimitRequest{{Name: "requests", Limit: 1, Duration: 1000, AutoApply: true}}}
	k := createdKeyView(req, json.RawMessage(`{"a":1}`), &unkey.CreatedKey{KeyID: "key_1", Key: "sk_abcdefghij"}, now)
	want := `{"keyId":"key_1","start":"sk_abcd","enabled":true,"name":"svc","meta":{"a":1},"createdAt":1800000000000,"expires":1900000000000,"permissions":["a"],"ratelimits":[{"id":"","name":"requests","limit":1,"duration":1000,"autoApply":true}]}`
	if got := jsonOf(t, k); got != want {
		t.Errorf("view\n got %s\nwant %s", got, want)
	}
}

func TestStartAndPrefix(t *testing.T) {
	for _, tc := range []struct {
		plaintext, prefix, start string
		recovered                string
		ok                       bool
	}{
		{plaintext: "sk_test_abcdefgh", prefix: "sk_test", start: "sk_test_abcd", recovered: "sk_test", ok: true},
		{plaintext: "abcdefgh", start: "abcd"},
		{plaintext: "ab", start: "ab"},
	} {
		if got := startOf(tc.plaintext, tc.prefix); got != tc.start {
			t.Errorf("startOf(%q, %q) = %q, want %q", tc.plaintext, tc.prefix, got, tc.start)
		}
		got, ok := prefixFromStart(tc.start)
		if got != tc.recovered || ok != tc.ok {
			t.Errorf("prefixFromStart(%q) = %q, %t; want %q, %t", tc.start, got, ok, tc.recovered, tc.ok)
		}
	}
}

func TestApplyKey(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour).UnixMilli(), time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	base := func(mut func(*keyModel)) keyModel {
		m := nullModel()
		m.APIID = types.StringValue("api_1")
		m.Plaintext = types.StringUnknown()
		m.ByteLength = types.Int64Unknown()
		m.Recoverable = types.BoolUnknown()
		m.PermanentDelete = types.BoolUnknown()
		if mut != nil {
			mut(&m)
		}
		return m
	}
	server := func(mut func(*unkey.Key)) *unkey.Key {
		k := &unkey.Key{KeyID: "key_1", Start: "sk_abcd", Enabled: true, CreatedAt: now.Add(-24 * time.Hour).UnixMilli()}
		if mut != nil {
			mut(k)
		}
		return k
	}
	for _, tc := range []struct {
		name  string
		prior keyModel
		key   *unkey.Key
		check func(t *testing.T, m keyModel)
	}{
		{
			name: "computed-once values settle", prior: base(nil), key: server(nil),
			check: func(t *testing.T, m keyModel) {
				switch {
				case m.ID.ValueString() != "key_1" || m.Start.ValueString() != "sk_abcd":
					t.Errorf("id/start = %s/%s", m.ID, m.Start)
				case !m.Plaintext.IsNull() || !m.ByteLength.IsNull() || !m.Recoverable.IsNull():
					t.Errorf("unknowns the API cannot report stayed unknown: %s %s %s", m.Plaintext, m.ByteLength, m.Recoverable)
				case m.PermanentDelete.ValueBool() || m.PermanentDelete.IsNull():
					t.Errorf("permanent_delete = %s, want false", m.PermanentDelete)
				case m.Status.ValueString() != statusActive || !m.ExpiresAt.IsNull() || !m.Meta.IsNull() || !m.Credits.IsNull() || !m.RemainingCredits.IsNull() || !m.Ratelimits.IsNull():
					t.Errorf("unexpected values: %+v", m)
				case m.CreatedAt.ValueString() != "2029-12-31T00:00:00Z" || !m.UpdatedAt.IsNull() || !m.LastUsedAt.IsNull():
					t.Errorf("times: created %s updated %s last used %s", m.CreatedAt, m.UpdatedAt, m.LastUsedAt)
				}
			},
		},
		{
			name: "expiry keeps the configured offset", prior: base(func(m *keyModel) { m.ExpiresAt = timetypes.NewRFC3339ValueMust("2031-01-01T05:00:00+05:00") }),
			key: server(func(k *unkey.Key) { k.Expires = ptr(future) }),
			check: func(t *testing.T, m keyModel) {
				if m.ExpiresAt.ValueString() != "2031-01-01T05:00:00+05:00" {
					t.Errorf("expires_at = %s", m.ExpiresAt)
				}
			},
		},
		{
			name: "a changed expiry is the server's, and a passed one is expired", prior: base(func(m *keyModel) { m.ExpiresAt = timetypes.NewRFC3339ValueMust("2031-01-01T05:00:00+05:00") }),
			key: server(func(k *unkey.Key) { k.Expires = ptr(past); k.Enabled = false }),
			check: func(t *testing.T, m keyModel) {
				if m.ExpiresAt.ValueString() != "2029-12-31T23:00:00Z" || m.Status.ValueString() != statusExpired {
					t.Errorf("expires_at = %s status = %s", m.ExpiresAt, m.Status)
				}
			},
		},
		{
			name: "disabled", prior: base(nil), key: server(func(k *unkey.Key) { k.Enabled = false }),
			check: func(t *testing.T, m keyModel) {
				if m.Status.ValueString() != statusDisabled || m.Enabled.ValueBool() {
					t.Errorf("status = %s enabled = %s", m.Status, m.Enabled)
				}
			},
		},
		{
			name: "meta: marker hidden, configured spelling kept", prior: base(func(m *keyModel) { m.Meta = tfvalue.JSONString(`{ "b": 2, "a": 1 }`) }),
			key: server(func(k *unkey.Key) { k.Meta = json.RawMessage(`{"a":1,"b":2,"_apikey_create":"abc"}`) }),
			check: func(t *testing.T, m keyModel) {
				if m.Meta.ValueString() != `{ "b": 2, "a": 1 }` {
					t.Errorf("meta = %s", m.Meta)
				}
			},
		},
		{
			name: "meta: a configured {} survives the server omitting it", prior: base(func(m *keyModel) { m.Meta = tfvalue.JSONString(`{}`) }),
			key: server(func(k *unkey.Key) { k.Meta = json.RawMessage(`{"_apikey_create":"abc"}`) }),
			check: func(t *testing.T, m keyModel) {
				if m.Meta.ValueString() != `{}` {
					t.Errorf("meta = %s", m.Meta)
				}
			},
		},
		{
			name: "meta: changed outside Terraform", prior: base(func(m *keyModel) { m.Meta = tfvalue.JSONString(`{"a":1}`) }),
			key: server(func(k *unkey.Key) { k.Meta = json.RawMessage(`{"a":2}`) }),
			check: func(t *testing.T, m keyModel) {
				if m.Meta.ValueString() != `{"a":2}` {
					t.Errorf("meta = %s", m.Meta)
				}
			},
		},
		{
			name: "credits: the configured start is kept, the live count reported", prior: base(func(m *keyModel) { m.Credits = credits(t, 10, nil) }),
			key: server(func(k *unkey.Key) {
				k.Credits = &unkey.Credits{Remaining: ptr(int64(7)), Refill: &unkey.Refill{Interval: "daily", Amount: 5}}
			}),
			check: func(t *testing.T, m keyModel) {
				c := creditsOf(ctx, m.Credits, &diag.Diagnostics{})
				r := refillOf(ctx, c.Refill, &diag.Diagnostics{})
				if c.Remaining.ValueInt64() != 10 || m.RemainingCredits.ValueInt64() != 7 || r == nil || r.Interval.ValueString() != "daily" || !r.RefillDay.IsNull() {
					t.Errorf("credits = %s remaining_credits = %s", m.Credits, m.RemainingCredits)
				}
			},
		},
		{
			name: "credits: none configured takes the server's", prior: base(nil),
			key: server(func(k *unkey.Key) {
				k.Credits = &unkey.Credits{Remaining: ptr(int64(3)), Refill: &unkey.Refill{Interval: "monthly", Amount: 5, RefillDay: ptr(2)}}
			}),
			check: func(t *testing.T, m keyModel) {
				c := creditsOf(ctx, m.Credits, &diag.Diagnostics{})
				r := refillOf(ctx, c.Refill, &diag.Diagnostics{})
				if c.Remaining.ValueInt64() != 3 || r.RefillDay.ValueInt64() != 2 {
					t.Errorf("credits = %s", m.Credits)
				}
			},
		},
		{
			name: "identity", prior: base(nil),
			key: server(func(k *unkey.Key) {
				k.Identity = &unkey.Identity{ID: "id_1", ExternalID: "acme", Meta: json.RawMessage(`{"plan":"pro"}`)}
			}),
			check: func(t *testing.T, m keyModel) {
				var id identityModel
				noErrors(t, m.Identity.As(ctx, &id, objectAsOptions))
				if m.ExternalID.ValueString() != "acme" || id.ID.ValueString() != "id_1" || id.Meta.ValueString() != `{"plan":"pro"}` {
					t.Errorf("external_id = %s identity = %s", m.ExternalID, m.Identity)
				}
			},
		},
		{
			name: "roles: unset stays unset when the server has none", prior: base(nil), key: server(nil),
			check: func(t *testing.T, m keyModel) {
				if !m.Roles.IsNull() || !m.EffectivePermissions.Equal(types.SetValueMust(types.StringType, []attr.Value{})) {
					t.Errorf("roles = %s effective = %s", m.Roles, m.EffectivePermissions)
				}
			},
		},
		{
			name: "ratelimits keep the configured spelling", prior: base(func(m *keyModel) { m.Ratelimits = ratelimits(t, rl("requests", 5, "60s", nil)) }),
			key: server(func(k *unkey.Key) { k.Ratelimits = []unkey.Ratelimit{{Name: "requests", Limit: 5, Duration: 60000}} }),
			check: func(t *testing.T, m keyModel) {
				if !m.Ratelimits.Equal(ratelimits(t, rl("requests", 5, "60s", nil))) {
					t.Errorf("ratelimits = %s", m.Ratelimits)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.prior
			var diags diag.Diagnostics
			applyKey(ctx, &m, tc.key, now, &diags)
			noErrors(t, diags)
			tc.check(t, m)
		})
	}
}

func TestRatelimitsFromAPI(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		prior types.Set
		got   []unkey.Ratelimit
		want  types.Set
	}{
		{name: "none", prior: types.SetNull(ratelimitType), want: types.SetNull(ratelimitType)},
		{name: "import: shortest spelling, false auto_apply unset", prior: types.SetNull(ratelimitType),
			got:  []unkey.Ratelimit{{Name: "a", Limit: 1, Duration: 60000}, {Name: "b", Limit: 2, Duration: 3_600_000, AutoApply: true}, {Name: "c", Limit: 3, Duration: 5_400_000}},
			want: ratelimits(t, rl("a", 1, "1m", nil), rl("b", 2, "1h", ptr(true)), rl("c", 3, "1h30m", nil))},
		{name: "configured false stays false", prior: ratelimits(t, rl("a", 1, "1m0s", ptr(false))),
			got:  []unkey.Ratelimit{{Name: "a", Limit: 1, Duration: 60000}},
			want: ratelimits(t, rl("a", 1, "1m0s", ptr(false)))},
		{name: "changed outside Terraform", prior: ratelimits(t, rl("a", 1, "1m", nil)),
			got:  []unkey.Ratelimit{{Name: "a", Limit: 1, Duration: 120000, AutoApply: true}},
			want: ratelimits(t, rl("a", 1, "2m", ptr(true)))},
		{name: "all removed outside Terraform", prior: ratelimits(t, rl("a", 1, "1m", nil)),
			want: types.SetValueMust(ratelimitType, []attr.Value{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			got := ratelimitsFromAPI(ctx, tc.prior, tc.got, &diags)
			noErrors(t, diags)
			if !got.Equal(tc.want) {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestSameRatelimits(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		a, b types.Set
		want bool
	}{
		{name: "spellings", a: ratelimits(t, rl("a", 1, "60s", nil)), b: ratelimits(t, rl("a", 1, "1m", ptr(false))), want: true},
		{name: "limit differs", a: ratelimits(t, rl("a", 1, "1m", nil)), b: ratelimits(t, rl("a", 2, "1m", nil))},
		{name: "auto_apply differs", a: ratelimits(t, rl("a", 1, "1m", nil)), b: ratelimits(t, rl("a", 1, "1m", ptr(true)))},
		{name: "count differs", a: ratelimits(t, rl("a", 1, "1m", nil)), b: types.SetValueMust(ratelimitType, []attr.Value{})},
		{name: "null and empty", a: types.SetNull(ratelimitType), b: types.SetValueMust(ratelimitType, []attr.Value{})},
		{name: "unknown", a: types.SetUnknown(ratelimitType), b: types.SetUnknown(ratelimitType)},
		{name: "both null", a: types.SetNull(ratelimitType), b: types.SetNull(ratelimitType), want: true},
	} {
		if got := sameRatelimits(ctx, tc.a, tc.b); got != tc.want {
			t.Errorf("%s: sameRatelimits = %t, want %t", tc.name, got, tc.want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second: "1s", time.Minute: "1m", 90 * time.Second: "1m30s", time.Hour: "1h", 90 * time.Minute: "1h30m",
		720 * time.Hour: "720h", 1500 * time.Millisecond: "1.5s", time.Hour + time.Second: "1h0m1s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestKeyStatus(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	for _, tc := range []struct {
		enabled bool
		expires *int64
		want    string
	}{
		{enabled: true, want: statusActive},
		{enabled: false, want: statusDisabled},
		{enabled: true, expires: ptr(int64(1_000_000)), want: statusExpired},
		{enabled: false, expires: ptr(int64(999_999)), want: statusExpired},
		{enabled: true, expires: ptr(int64(1_000_001)), want: statusActive},
		{enabled: true, expires: ptr(int64(0)), want: statusActive},
	} {
		if got := keyStatus(tc.enabled, tc.expires, now); got != tc.want {
			t.Errorf("keyStatus(%t, %v) = %s, want %s", tc.enabled, tc.expires, got, tc.want)
		}
	}
}

func TestDirectPermissions(t *testing.T) {
	got := directPermissions([]string{"z", "b", "a", "r"}, map[string]bool{"r": true, "z": true})
	if strings.Join(got, ",") != "a,b" {
		t.Errorf("directPermissions = %v, want [a b]", got)
	}
	if got := directPermissions(nil, nil); got != nil {
		t.Errorf("directPermissions(nil) = %v", got)
	}
}

func TestUpdateRequest(t *testing.T) {
	ctx := context.Background()
	state := nullModel()
	state.ID = types.StringValue("key_1")
	state.Name = types.StringValue("old")
	state.ExternalID = types.StringValue("acme")
	state.Meta = tfvalue.JSONString(`{"a":1}`)
	state.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-01-01T00:00:00Z")
	state.Enabled = types.BoolValue(true)
	state.Credits = credits(t, 10, nil)
	state.Ratelimits = ratelimits(t, rl("requests", 1, "1s", nil))
	state.Roles = strSet("r1")
	state.Permissions = strSet("p1")
	for _, tc := range []struct {
		name     string
		mut      func(p *keyModel)
		wantJSON string
	}{
		{name: "nothing changed", mut: func(*keyModel) {}, wantJSON: ""},
		{name: "rename", mut: func(p *keyModel) { p.Name = types.StringValue("new") }, wantJSON: `{"keyId":"key_1","name":"new"}`},
		{
			name: "everything cleared",
			mut: func(p *keyModel) {
				p.Name, p.ExternalID, p.Meta, p.ExpiresAt = types.StringNull(), types.StringNull(), tfvalue.JSONNull(), timetypes.NewRFC3339Null()
				p.Credits, p.Ratelimits = types.ObjectNull(creditsAttrTypes), types.SetNull(ratelimitType)
				p.Roles, p.Permissions = types.SetNull(types.StringType), types.SetNull(types.StringType)
			},
			wantJSON: `{"keyId":"key_1","name":null,"externalId":null,"meta":null,"expires":null,"credits":null,"ratelimits":[],"roles":[],"permissions":[]}`,
		},
		{
			name: "values changed",
			mut: func(p *keyModel) {
				p.Meta = tfvalue.JSONString(`{"a":2}`)
				p.ExpiresAt = timetypes.NewRFC3339ValueMust("2031-01-01T05:00:00+05:00")
				p.Enabled = types.BoolValue(false)
				p.Credits = credits(t, 20, &refillModel{Interval: types.StringValue("daily"), Amount: types.Int64Value(3), RefillDay: types.Int64Null()})
				p.Ratelimits = ratelimits(t, rl("requests", 2, "1m", ptr(true)))
				p.Roles = strSet("r2")
				p.Permissions = strSet("p2")
			},
			wantJSON: `{"keyId":"key_1","meta":{"a":2},"expires":1924992000000,"credits":{"remaining":20,"refill":{"interval":"daily","amount":3}},"ratelimits":[{"name":"requests","limit":2,"duration":60000,"autoApply":true}],"enabled":false,"roles":["r2"],"permissions":["p2"]}`,
		},
		{
			name: "only the refill added: remaining is not sent, so consumption is kept",
			mut: func(p *keyModel) {
				p.Credits = credits(t, 10, &refillModel{Interval: types.StringValue("daily"), Amount: types.Int64Value(3), RefillDay: types.Int64Null()})
			},
			wantJSON: `{"keyId":"key_1","credits":{"refill":{"interval":"daily","amount":3}}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := state
			tc.mut(&plan)
			var diags diag.Diagnostics
			req, changed := updateRequest(ctx, &plan, &state, &diags)
			noErrors(t, diags)
			if changed != (tc.wantJSON != "") {
				t.Fatalf("changed = %t, want %t", changed, tc.wantJSON != "")
			}
			if changed {
				if got := jsonOf(t, req); got != tc.wantJSON {
					t.Errorf("request\n got %s\nwant %s", got, tc.wantJSON)
				}
			}
		})
	}
}

func TestCreditsUpdate(t *testing.T) {
	ctx := context.Background()
	daily := &refillModel{Interval: types.StringValue("daily"), Amount: types.Int64Value(1), RefillDay: types.Int64Null()}
	cm := func(remaining int64, r *refillModel) *creditsModel {
		return creditsOf(ctx, credits(t, remaining, r), &diag.Diagnostics{})
	}
	for _, tc := range []struct {
		name        string
		plan, state *creditsModel
		want        string // "" = not sent
	}{
		{name: "both unlimited"},
		{name: "made unlimited", state: cm(1, nil), want: `null`},
		{name: "added", plan: cm(5, nil), want: `{"remaining":5}`},
		{name: "unchanged", plan: cm(5, daily), state: cm(5, daily)},
		{name: "refill removed", plan: cm(5, nil), state: cm(5, daily), want: `{"refill":null}`},
		{name: "remaining changed", plan: cm(6, daily), state: cm(5, daily), want: `{"remaining":6}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			got := creditsUpdate(ctx, tc.plan, tc.state, &diags)
			noErrors(t, diags)
			if tc.want == "" {
				if !got.IsZero() {
					t.Errorf("credits sent: %s", jsonOf(t, got))
				}
				return
			}
			if s := jsonOf(t, got); s != tc.want {
				t.Errorf("credits = %s, want %s", s, tc.want)
			}
		})
	}
}

func TestMarker(t *testing.T) {
	for _, tc := range []struct {
		name, meta, without string
	}{
		{name: "no meta", meta: ""},
		{name: "user meta", meta: `{"a":1}`, without: `{"a":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withM, err := withMarker(json.RawMessage(tc.meta), "m1")
			if err != nil {
				t.Fatal(err)
			}
			if got := markerOf(withM); got != "m1" {
				t.Errorf("markerOf(%s) = %q", withM, got)
			}
			if got := string(withoutMarker(withM)); got != tc.without {
				t.Errorf("withoutMarker(%s) = %s, want %s", withM, got, tc.without)
			}
		})
	}
	if _, err := withMarker(json.RawMessage(`[1]`), "m"); err == nil {
		t.Error("withMarker accepted meta that is not an object")
	}
	if got := string(withoutMarker(json.RawMessage(`{"_apikey_create": broken`))); got != `{"_apikey_create": broken` {
		t.Errorf("withoutMarker changed unparseable meta: %s", got)
	}
	if markerOf(json.RawMessage(`{"a":1}`)) != "" || markerOf(nil) != "" {
		t.Error("a marker was found in meta without one")
	}
	if a, b := newMarker(), newMarker(); a == b || len(a) != 24 {
		t.Errorf("markers %q and %q: want distinct 24-character values", a, b)
	}
}

func TestOutcomeUnknown(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{name: "lost response", err: transport.ErrOutcomeUnknown, want: true},
		{name: "wrapped lost response", err: errors.Join(errors.New("x"), transport.ErrOutcomeUnknown), want: true},
		{name: "500", err: &unkey.Error{HTTPStatus: 500}, want: true},
		{name: "503", err: &unkey.Error{HTTPStatus: 503}, want: true},
		{name: "408", err: &unkey.Error{HTTPStatus: 408}, want: true},
		{name: "501", err: &unkey.Error{HTTPStatus: 501}},
		{name: "400", err: &unkey.Error{HTTPStatus: 400}},
		{name: "429", err: &unkey.Error{HTTPStatus: 429}},
		{name: "other", err: errors.New("boom")},
	} {
		if got := outcomeUnknown(tc.err); got != tc.want {
			t.Errorf("%s: outcomeUnknown = %t, want %t", tc.name, got, tc.want)
		}
	}
}

func TestKeyGone(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{name: "key_not_found", err: &unkey.Error{HTTPStatus: 404, FromUnkey: true, Type: "https://unkey.com/docs/errors/unkey/data/key_not_found"}, want: true},
		{name: "key_not_found outside Unkey's envelope", err: &unkey.Error{HTTPStatus: 404, Type: "https://unkey.com/docs/errors/unkey/data/key_not_found"}},
		{name: "api_not_found", err: &unkey.Error{HTTPStatus: 404, Type: "https://unkey.com/docs/errors/unkey/data/api_not_found"}},
		{name: "bare 404", err: &unkey.Error{HTTPStatus: 404, Detail: "404 page not found"}},
		{name: "root key not found (401)", err: &unkey.Error{HTTPStatus: 401, Type: "https://unkey.com/docs/errors/unkey/authentication/key_not_found"}},
		{name: "500", err: &unkey.Error{HTTPStatus: 500}},
		{name: "nil", err: nil},
	} {
		if got := keyGone(tc.err); got != tc.want {
			t.Errorf("%s: keyGone = %t, want %t", tc.name, got, tc.want)
		}
	}
}
