package server_test

// The differential tests of the plan and read shortcuts for apikey_mixpeek_key, whose keys carry
// private data (the permissions Mixpeek chose at create): the same comparison as for the Unkey
// key, with private data in the corpus, real keys made through the framework against a local
// server, and changes made to them out of band.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/testkit"
)

const mixpeekKeyType = "apikey_mixpeek_key"

// newMixpeekPair is newPair for apikey_mixpeek_key, with the named backends configured.
func newMixpeekPair(t testing.TB, backends ...string) *pair {
	t.Helper()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	return newPairOf(t, pairSpec{typeName: mixpeekKeyType, endpoint: "http://127.0.0.1:9", credential: "test-credential", now: func() time.Time { return now }}, backends...)
}

// mixpeekPrivate is the private data a create leaves when permissions are unset: Mixpeek's
// choice, encoded as the framework encodes private data.
func mixpeekPrivate(t testing.TB, entries map[string]string) []byte {
	t.Helper()
	m := map[string][]byte{}
	for k, v := range entries {
		m[k] = []byte(v)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// mixpeekBaseKey is a key in state as a create leaves it, without anything that makes its plan
// depend on the clock.
func mixpeekBaseKey() map[string]any {
	return map[string]any{
		"id": "key_m1", "user_email": "ops@example.com", "name": "svc", "description": "for svc",
		"permissions": []any{"delete", "read", "write"},
		"start":       "mxp_sk_abcd", "status": "active", "created_at": "2020-01-02T03:04:05Z",
		"key_hash": "0123abcd", "key_type": "standard", "internal_id": "org_int_1", "organization_id": "org_1",
		"user_id": "usr_1", "created_by": "usr_1", "allowed_origins": []any{},
		"plaintext": "secret-plaintext", "store_plaintext": true,
	}
}

// mixpeekConfigOf is the configuration that made state, with permissions left unset.
func mixpeekConfigOf(state map[string]any) map[string]any {
	cfg := map[string]any{}
	for _, name := range []string{"user_email", "name", "description", "scopes", "rate_limit_override", "expires_at"} {
		if state[name] != nil {
			cfg[name] = state[name]
		}
	}
	return cfg
}

// outcomeCarrying is outcome with "nothing changes" carrying the prior private data, as the
// framework does when ModifyPlan writes none.
func (p *pair) outcomeCarrying(t testing.TB, req *tfprotov6.PlanResourceChangeRequest) (answered bool, diffs []string) {
	t.Helper()
	answered, diffs = p.outcome(t, req)
	if answered {
		return answered, diffs
	}
	want, err := p.framework.PlanResourceChange(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	e := echo(req)
	e.PlannedPrivate = req.PriorPrivate
	return false, p.differences(e, want)
}

func TestFastPlanMatchesFrameworkMixpeek(t *testing.T) {
	p := newMixpeekPair(t, "unkey", "mixpeek")
	base := mixpeekBaseKey()
	cfg := mixpeekConfigOf(base)
	chosen := mixpeekPrivate(t, map[string]string{"default_permissions": `["delete","read","write"]`})
	readWrite := mixpeekPrivate(t, map[string]string{"default_permissions": `["read","write"]`})
	scopes := []any{map[string]any{"resource_type": "namespace", "resource_id": "ns_customer_*", "operations": []any{"read_data"}}}
	tests := []struct {
		name   string
		req    request
		fast   bool
		needed bool // the framework's answer is not "nothing changes"
	}{
		{name: "unchanged, permissions Mixpeek chose", req: request{prior: base, config: cfg, private: chosen}, fast: true},
		{name: "unchanged, permissions configured", req: request{prior: base, config: with(cfg, "permissions", base["permissions"])}, fast: true},
		{name: "permissions configured, a default recorded", req: request{prior: with(base, "permissions", []any{"read"}), config: with(cfg, "permissions", []any{"read"}), private: chosen}, fast: true},
		{name: "no private data, the documented default", req: request{prior: base, config: cfg}, fast: true},
		{name: "default recorded as something else than a list", req: request{prior: base, config: cfg, private: mixpeekPrivate(t, map[string]string{"default_permissions": `{"a":1}`})}, fast: true},
		{name: "other private keys", req: request{prior: base, config: cfg, private: mixpeekPrivate(t, map[string]string{"default_permissions": `["delete","read","write"]`, "other": `1`})}, fast: true},
		{name: "every setting configured", req: request{
			prior:  with(base, "scopes", scopes, "rate_limit_override", 60, "expires_at", "2099-01-01T00:00:00Z", "permissions", []any{"read"}),
			config: with(cfg, "scopes", scopes, "rate_limit_override", 60, "expires_at", "2099-01-01T00:00:00Z", "permissions", []any{"read"})}, fast: true},
		{name: "expired key with its expiry configured", req: request{prior: with(base, "expires_at", "2021-01-01T00:00:00Z", "status", "expired"), config: with(cfg, "expires_at", "2021-01-01T00:00:00Z"), private: chosen}, fast: true},
		{name: "expiry written with an offset", req: request{prior: with(base, "expires_at", "2099-01-01T01:00:00+01:00"), config: with(cfg, "expires_at", "2099-01-01T01:00:00+01:00"), private: chosen}, fast: true},
		{name: "plaintext not stored", req: request{prior: with(base, "store_plaintext", false, "plaintext", nil), config: with(cfg, "store_plaintext", false), private: chosen}, fast: true},
		{name: "revoke_grace_period", req: request{prior: with(base, "revoke_grace_period", "1h"), config: with(cfg, "revoke_grace_period", "1h"), private: chosen}, fast: true},
		{name: "no description", req: request{prior: with(base, "description", nil), config: with(cfg, "description", nil), private: chosen}, fast: true},

		// ModifyPlan's permissions planning.
		{name: "permission removed outside Terraform", req: request{prior: with(base, "permissions", []any{"read"}), config: cfg, private: chosen}, needed: true},
		{name: "recorded default differs from state", req: request{prior: base, config: cfg, private: readWrite}, needed: true},
		{name: "no record, state not the documented default", req: request{prior: with(base, "permissions", []any{"read", "write"}), config: cfg}, needed: true},
		// The same set in another order: the framework encodes the planned set in the order
		// ModifyPlan writes it, which the shortcut must answer too.
		{name: "recorded default in another order", req: request{prior: base, config: cfg, private: mixpeekPrivate(t, map[string]string{"default_permissions": `["read","write","delete"]`})}, fast: true},
		{name: "documented default, state in another order", req: request{prior: with(base, "permissions", []any{"write", "read", "delete"}), config: cfg}, fast: true},
		{name: "recorded default with a duplicate", req: request{prior: with(base, "permissions", []any{"read"}), config: cfg, private: mixpeekPrivate(t, map[string]string{"default_permissions": `["read","read"]`})}},
		{name: "recorded default a subset", req: request{prior: base, config: cfg, private: mixpeekPrivate(t, map[string]string{"default_permissions": `["read","delete"]`})}, needed: true},
		{name: "recorded default a superset", req: request{prior: base, config: cfg, private: mixpeekPrivate(t, map[string]string{"default_permissions": `["read","delete","write","admin"]`})}, needed: true},
		{name: "permissions null in state", req: request{prior: with(base, "permissions", nil), config: cfg, private: chosen}, needed: true},
		// Defaults and the lifecycle.
		{name: "store_plaintext default over false", req: request{prior: with(base, "store_plaintext", false, "plaintext", nil), config: cfg, private: chosen}, needed: true},
		{name: "plaintext kept although not stored", req: request{prior: with(base, "store_plaintext", false), config: with(cfg, "store_plaintext", false), private: chosen}, needed: true},
		{name: "plaintext kept with age recipients", req: request{prior: with(base, "plaintext_age_recipients", []any{"age1xyz"}), config: with(cfg, "plaintext_age_recipients", []any{"age1xyz"}), private: chosen}, needed: true},
		{name: "age recipients, plaintext null", req: request{prior: with(base, "plaintext", nil, "plaintext_age_recipients", []any{"age1xyz"}, "encrypted_plaintext", "-----BEGIN AGE"), config: with(cfg, "plaintext_age_recipients", []any{"age1xyz"}), private: chosen}, fast: true},
		{name: "expiry in state that does not parse", req: request{prior: with(base, "expires_at", "not a time"), config: with(cfg, "expires_at", "not a time"), private: chosen}, needed: true},
		{name: "expiry added outside Terraform", req: request{prior: with(base, "expires_at", "2099-01-01T00:00:00Z"), config: cfg, private: chosen}, needed: true},
		{name: "rate limit override left in Mixpeek", req: request{prior: with(base, "rate_limit_override", 60), config: cfg, private: chosen}, needed: true},
		{name: "rate limit override Mixpeek kept", req: request{prior: with(base, "rate_limit_override", 60), config: cfg, private: mixpeekPrivate(t, map[string]string{"default_permissions": `["delete","read","write"]`, "kept_rate_limit_override": `60`})}, needed: true},
		// The clock.
		{name: "warn_older_than", req: request{prior: with(base, "warn_older_than", "1m"), config: with(cfg, "warn_older_than", "1m"), private: chosen}, needed: true},
		{name: "warn_unused_after", req: request{prior: with(base, "warn_unused_after", "1m"), config: with(cfg, "warn_unused_after", "1m"), private: chosen}, needed: true},
		{name: "warn_unused_after not reached", req: request{prior: with(base, "warn_unused_after", "876000h"), config: with(cfg, "warn_unused_after", "876000h"), private: chosen}},
		{name: "rotate_after due", req: request{prior: with(base, "rotate_after", "1m"), config: with(cfg, "rotate_after", "1m"), private: chosen}, needed: true},
		{name: "expire_after", req: request{prior: with(base, "expire_after", "720h", "expires_at", "2020-02-01T03:04:05Z"), config: with(cfg, "expire_after", "720h"), private: chosen}},
		{name: "rotation_triggers", req: request{prior: with(base, "rotation_triggers", map[string]any{"r": "1"}), config: with(cfg, "rotation_triggers", map[string]any{"r": "1"}), private: chosen}},
		// Not a plan of unchanged state.
		{name: "name changed", req: request{prior: base, config: with(cfg, "name", "other"), private: chosen}, needed: true},
		{name: "name unknown", req: request{prior: base, config: cfg, unknownName: true, private: chosen}, needed: true},
		{name: "no prior identity", req: request{prior: base, config: cfg, private: chosen, noIdentity: true}, needed: true},
		// Private data the framework would not pass on as it is.
		{name: "private data not in the framework's encoding", req: request{prior: base, config: cfg, private: []byte(`{ "default_permissions": "WyJkZWxldGUiLCJyZWFkIiwid3JpdGUiXQ==" }`)}, needed: true},
		{name: "private data with an empty value", req: request{prior: base, config: cfg, private: []byte(`{"default_permissions":"WyJkZWxldGUiLCJyZWFkIiwid3JpdGUiXQ==","x":""}`)}, needed: true},
		{name: "private data null", req: request{prior: base, config: cfg, private: []byte(`null`)}, needed: true},
		{name: "private data with a framework key", req: request{prior: base, config: cfg, private: mixpeekPrivate(t, map[string]string{".import_before_read": `true`, "default_permissions": `["delete","read","write"]`})}},
		{name: "private data not JSON", req: request{prior: base, config: cfg, private: []byte(`{"default_permissions"`)}, needed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answered, diffs := p.outcomeCarrying(t, p.protoRequest(t, tt.req))
			if answered && len(diffs) > 0 {
				t.Fatalf("shortcut differs from the framework: %v", diffs)
			}
			if answered != tt.fast {
				t.Fatalf("shortcut answered = %v, want %v", answered, tt.fast)
			}
			if tt.needed && len(diffs) == 0 {
				t.Fatalf("the framework plans nothing here: this case no longer shows why the shortcut must decline")
			}
		})
	}
}

// TestFastPlanMixpeekUnconfiguredBackend: with the mixpeek backend not configured the framework
// reports it, so the shortcut must not answer.
func TestFastPlanMixpeekUnconfiguredBackend(t *testing.T) {
	p := newMixpeekPair(t, "unkey")
	base := mixpeekBaseKey()
	answered, diffs := p.outcomeCarrying(t, p.protoRequest(t, request{prior: base, config: mixpeekConfigOf(base)}))
	if answered {
		t.Fatal("shortcut answered for an unconfigured backend")
	}
	if len(diffs) == 0 {
		t.Fatal("the framework reported nothing for an unconfigured backend")
	}
}

// mixpeekFuzzPools are the values each attribute of apikey_mixpeek_key takes in fuzzed prior
// states and configurations.
var mixpeekFuzzPools = map[string][]any{
	"id":                  {"key_m1"},
	"user_email":          {"ops@example.com", "dev@example.com"},
	"name":                {"svc", "other"},
	"description":         {nil, "for svc", ""},
	"permissions":         {[]any{"delete", "read", "write"}, nil, []any{"read"}, []any{"write", "read", "delete"}, []any{}},
	"scopes":              {nil, []any{map[string]any{"resource_type": "namespace", "resource_id": "ns_1"}}, []any{}},
	"rate_limit_override": {nil, 60},
	// No expiry that does not parse: the framework's own plan of one, with other changes, differs
	// from run to run (its error stops the attribute walk at a map-order point).
	"expires_at":               {nil, "2099-01-01T00:00:00Z", "2021-01-01T00:00:00Z", "2099-01-01T01:00:00+01:00"},
	"start":                    {"mxp_sk_abcd", nil},
	"status":                   {"active", "expired"},
	"created_at":               {"2020-01-02T03:04:05Z", nil, "2999-01-01T00:00:00Z"},
	"last_used_at":             {nil, "2020-01-04T00:00:00Z"},
	"key_hash":                 {"0123abcd"},
	"key_type":                 {"standard", nil},
	"subscription_id":          {nil, "sub_1"},
	"internal_id":              {"org_int_1"},
	"organization_id":          {"org_1", nil},
	"user_id":                  {"usr_1"},
	"created_by":               {"usr_1", nil},
	"revoked_at":               {nil, "2020-01-05T00:00:00Z"},
	"revoked_by":               {nil, "usr_2"},
	"allowed_origins":          {[]any{}, nil, []any{"https://a.example"}},
	"plaintext":                {"secret", nil},
	"store_plaintext":          {true, false, nil},
	"plaintext_age_recipients": {nil, []any{"age1xyz"}, []any{}},
	"encrypted_plaintext":      {nil, "-----BEGIN AGE"},
	"rotation_triggers":        {nil, map[string]any{"r": "1"}},
	"expire_after":             {nil, "720h"},
	"rotate_after":             {nil, "1m", "876000h"},
	"revoke_grace_period":      {nil, "1h"},
	"warn_unused_after":        {nil, "1m", "876000h"},
	"warn_older_than":          {nil, "1m"},
}

// mixpeekPrivatePool is the private data fuzzed requests carry, picked by the flags byte.
var mixpeekPrivatePool = [][]byte{
	nil,
	[]byte(`{"default_permissions":"WyJkZWxldGUiLCJyZWFkIiwid3JpdGUiXQ=="}`), // ["delete","read","write"]
	[]byte(`{"default_permissions":"WyJyZWFkIl0="}`),                         // ["read"]
	[]byte(`{"default_permissions":"WyJyZWFkIiwid3JpdGUiLCJkZWxldGUiXQ=="}`), // ["read","write","delete"]
	[]byte(`{"default_permissions":"WyJkZWxldGUiLCJyZWFkIiwid3JpdGUiXQ==","kept_rate_limit_override":"NjA="}`),
	[]byte(`{"default_permissions":"bnVsbA=="}`), // null
	[]byte(`{".import_before_read":"dHJ1ZQ=="}`),
	[]byte(`{ "default_permissions":"WyJyZWFkIl0="}`),
}

// FuzzFastPlanMatchesFrameworkMixpeek: for any prior state, configuration and private data drawn
// from the pools, whenever the shortcut answers, the framework answers the same.
func FuzzFastPlanMatchesFrameworkMixpeek(f *testing.F) {
	p := newMixpeekPair(f, "mixpeek")
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0x10}, 40))
	f.Add(append(bytes.Repeat([]byte{0x10}, 32), 0x02))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice over"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, flags := p.fuzzRequestFrom(t, mixpeekFuzzPools, data)
		r.private = mixpeekPrivatePool[int(flags>>1)%len(mixpeekPrivatePool)]
		if answered, diffs := p.outcome(t, p.protoRequest(t, r)); answered && len(diffs) > 0 {
			t.Fatalf("shortcut differs from the framework: %v", diffs)
		}
	})
}

// mixpeekReadFixture is a readFixture for apikey_mixpeek_key against a local server, whose
// provider clock moves past the shared listing's lifetime before every Read, so that the two
// servers' clients (each with its own shared listing) both read what the server holds then.
type mixpeekReadFixture struct {
	*readFixture
	srv  *acctest.Server
	mp   *mixpeek.Client
	user string
}

func newMixpeekReadFixture(t testing.TB) *mixpeekReadFixture {
	t.Helper()
	srv := acctest.NewLocalServer(t, "it changes keys out of band and compares two servers' reads of them")
	clock := testkit.NewClock(time.Now().UTC().Truncate(time.Second))
	p := newPairOf(t, pairSpec{typeName: mixpeekKeyType, endpoint: srv.Endpoint, credential: srv.RootKey, now: clock.Now}, "mixpeek")
	f := &readFixture{pair: p, beforeRead: func() { clock.Advance(time.Minute) }}
	return &mixpeekReadFixture{readFixture: f, srv: srv, mp: srv.Mixpeek, user: acctest.LocalMixpeekUser}
}

func (f *mixpeekReadFixture) mustUpdate(t testing.TB, id string, req mixpeek.UpdateKeyRequest) {
	t.Helper()
	if _, err := f.mp.UpdateKeyByID(context.Background(), f.user, id, req); err != nil {
		t.Fatal(err)
	}
}

func TestFastReadMatchesFrameworkMixpeek(t *testing.T) {
	f := newMixpeekReadFixture(t)
	ctx := context.Background()
	settled := func(config map[string]any) func(t *testing.T) saved {
		return func(t *testing.T) saved {
			return f.create(t, with(config, "user_email", f.user), true)
		}
	}
	n := 0
	named := func(kv ...any) map[string]any {
		n++
		return with(map[string]any{"name": fmt.Sprintf("%smx-%d", acctest.NamePrefix, n)}, kv...)
	}
	minimal := func(t *testing.T) saved { return settled(named())(t) }
	rich := func(t *testing.T) saved {
		return settled(named("description", "for the docs", "permissions", []any{"read", "write"}, "rate_limit_override", 120,
			"scopes", []any{map[string]any{"resource_type": "namespace", "resource_id": "ns_customer_*", "operations": []any{"read_data"}}},
			"expires_at", "2099-01-01T00:00:00Z"))(t)
	}
	plain := func(base func(t *testing.T) saved) func(t *testing.T) *tfprotov6.ReadResourceRequest {
		return func(t *testing.T) *tfprotov6.ReadResourceRequest { return f.readRequest(base(t)) }
	}
	oob := func(base func(t *testing.T) saved, change func(t *testing.T, id string)) func(t *testing.T) *tfprotov6.ReadResourceRequest {
		return func(t *testing.T) *tfprotov6.ReadResourceRequest {
			s := base(t)
			change(t, f.keyID(t, s))
			return f.readRequest(s)
		}
	}
	alter := func(base func(t *testing.T) saved, kv ...any) func(t *testing.T) *tfprotov6.ReadResourceRequest {
		return func(t *testing.T) *tfprotov6.ReadResourceRequest {
			return f.readRequest(f.withState(t, base(t), kv...))
		}
	}
	withPrivate := func(base func(t *testing.T) saved, private []byte) func(t *testing.T) *tfprotov6.ReadResourceRequest {
		return func(t *testing.T) *tfprotov6.ReadResourceRequest {
			r := f.readRequest(base(t))
			r.Private = private
			return r
		}
	}
	tests := []struct {
		name    string
		req     func(t *testing.T) *tfprotov6.ReadResourceRequest
		fast    bool
		changes bool
	}{
		{name: "minimal key, permissions Mixpeek chose", req: plain(minimal), fast: true},
		{name: "key with every setting", req: plain(rich), fast: true},
		{name: "plaintext not stored", req: plain(settled(named("store_plaintext", false))), fast: true},
		{name: "second refresh", req: func(t *testing.T) *tfprotov6.ReadResourceRequest { return f.readRequest(f.refresh(t, rich(t))) }, fast: true},
		{name: "another live key of the same name", req: oob(minimal, func(t *testing.T, id string) {
			if _, err := f.srv.Dev.DuplicateMixpeekKey(ctx, id); err != nil {
				t.Fatal(err)
			}
		}), fast: true},

		// Changed outside Terraform.
		{name: "renamed", req: oob(minimal, func(t *testing.T, id string) {
			f.mustUpdate(t, id, mixpeek.UpdateKeyRequest{Name: mixpeek.Value(acctest.NamePrefix + "mx-renamed-" + id)})
		}), fast: true, changes: true},
		{name: "description changed", req: oob(rich, func(t *testing.T, id string) {
			f.mustUpdate(t, id, mixpeek.UpdateKeyRequest{Description: mixpeek.Value("changed")})
		}), fast: true, changes: true},
		{name: "permissions changed", req: oob(minimal, func(t *testing.T, id string) {
			perms := []string{"read"}
			f.mustUpdate(t, id, mixpeek.UpdateKeyRequest{Permissions: &perms})
		}), fast: true, changes: true},
		{name: "rate limit override set", req: oob(minimal, func(t *testing.T, id string) {
			f.mustUpdate(t, id, mixpeek.UpdateKeyRequest{RateLimitOverride: mixpeek.Value[int64](7)})
		}), fast: true, changes: true},
		{name: "scopes removed", req: oob(rich, func(t *testing.T, id string) {
			none := []mixpeek.Scope{}
			f.mustUpdate(t, id, mixpeek.UpdateKeyRequest{Scopes: &none})
		}), fast: true, changes: true},
		{name: "expiry set", req: oob(minimal, func(t *testing.T, id string) {
			f.mustUpdate(t, id, mixpeek.UpdateKeyRequest{ExpiresAt: mixpeek.Value("2098-01-01T00:00:00Z")})
		}), changes: true},
		{name: "expired", req: oob(rich, func(t *testing.T, id string) {
			f.mustUpdate(t, id, mixpeek.UpdateKeyRequest{ExpiresAt: mixpeek.Value("2021-01-01T00:00:00Z")})
		}), changes: true},
		{name: "revoked", req: oob(minimal, func(t *testing.T, id string) {
			if err := f.mp.RevokeKeyByID(ctx, f.user, id); err != nil {
				t.Fatal(err)
			}
		}), changes: true},

		// The first refresh after a create clears the creation marker. The state holds the
		// configured description all along, so the framework's answer (after the shortcut's
		// server cleared the marker) changes nothing: the case shows that the shortcut declines.
		{name: "creation marker", req: func(t *testing.T) *tfprotov6.ReadResourceRequest {
			return f.readRequest(f.create(t, with(named(), "user_email", f.user), false))
		}},

		// Prior states Read does more with.
		{name: "import: store_plaintext null", req: alter(minimal, "store_plaintext", nil), changes: true},
		{name: "drift in state: name", req: alter(minimal, "name", "tfacc-other"), fast: true, changes: true},
		{name: "drift in state: permissions", req: alter(minimal, "permissions", []any{"admin"}), fast: true, changes: true},
		{name: "drift in state: last_used_at", req: alter(minimal, "last_used_at", "2020-01-01T00:00:00Z"), fast: true, changes: true},
		{name: "expiry spelled otherwise", req: alter(rich, "expires_at", "2099-01-01T01:00:00+01:00"), fast: true},
		{name: "key not listed", req: alter(minimal, "id", "key_missing"), changes: true},
		{name: "no identity", req: func(t *testing.T) *tfprotov6.ReadResourceRequest {
			r := f.readRequest(minimal(t))
			r.CurrentIdentity = nil
			return r
		}, changes: true},
		{name: "identity of another key", req: func(t *testing.T) *tfprotov6.ReadResourceRequest {
			r := f.readRequest(minimal(t))
			id := build(t, f.identity, map[string]any{"user_email": f.user, "id": "key_other"})
			r.CurrentIdentity = &tfprotov6.ResourceIdentityData{IdentityData: dynamic(t, f.identity, id)}
			return r
		}, changes: true},

		// Private data.
		{name: "no private data", req: withPrivate(minimal, nil), fast: true},
		{name: "private data with a framework key", req: withPrivate(minimal, mixpeekPrivate(t, map[string]string{".import_before_read": `true`})), changes: true},
		{name: "private data not in the framework's encoding", req: withPrivate(minimal, []byte(`{ "default_permissions": "WyJyZWFkIl0=" }`)), changes: true},
		{name: "private data null", req: withPrivate(minimal, []byte(`null`)), changes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req(t)
			answered, diffs, changes := f.readOutcome(t, req)
			switch {
			case answered && len(diffs) > 0:
				t.Fatalf("shortcut differs from the framework: %v", diffs)
			case answered != tt.fast:
				t.Fatalf("shortcut answered = %v, want %v", answered, tt.fast)
			case len(changes) > 0 != tt.changes:
				t.Fatalf("the framework's answer changes %v; the case expects changes = %v", changes, tt.changes)
			}
		})
	}
}

// TestFastPlanMatchesFrameworkMixpeekSaved plans real keys as the CLI saved them (state, identity
// and the private data their create and refresh left), with the configuration that made them,
// through both paths.
func TestFastPlanMatchesFrameworkMixpeekSaved(t *testing.T) {
	f := newMixpeekReadFixture(t)
	scopes := []any{map[string]any{"resource_type": "namespace", "resource_id": "ns_customer_*", "operations": []any{"read_data", "write_data"}}}
	tests := []struct {
		name   string
		config map[string]any
		// plan is the configuration planned against the saved key (nil: config).
		plan map[string]any
		fast bool
	}{
		{name: "permissions unset", config: map[string]any{"name": "tfacc-mxs-unset"}, fast: true},
		{name: "permissions set", config: map[string]any{"name": "tfacc-mxs-set", "permissions": []any{"read", "write"}}, fast: true},
		// The CLI orders set elements its own way in every value it sends; here the configuration
		// keeps another order than the state, so the proposed state is not the prior one.
		{name: "permissions set, in another order", config: map[string]any{"name": "tfacc-mxs-order", "permissions": []any{"write", "read"}}},
		{name: "every setting", config: map[string]any{"name": "tfacc-mxs-all", "description": "d", "permissions": []any{"admin"}, "scopes": scopes, "rate_limit_override": 5, "expires_at": "2099-01-01T00:00:00Z"}, fast: true},
		{name: "permissions set, then unset", config: map[string]any{"name": "tfacc-mxs-then", "permissions": []any{"read"}}, plan: map[string]any{"name": "tfacc-mxs-then"}},
		{name: "permissions unset, then set to Mixpeek's choice", config: map[string]any{"name": "tfacc-mxs-choice"}, plan: map[string]any{"name": "tfacc-mxs-choice", "permissions": []any{"read", "write", "delete"}}, fast: true},
		{name: "description removed", config: map[string]any{"name": "tfacc-mxs-desc", "description": "d"}, plan: map[string]any{"name": "tfacc-mxs-desc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := f.create(t, with(tt.config, "user_email", f.user), true)
			planned := tt.config
			if tt.plan != nil {
				planned = tt.plan
			}
			req := f.savedPlanRequest(t, s, with(planned, "user_email", f.user))
			answered, diffs := f.outcomeCarrying(t, req)
			if answered && len(diffs) > 0 {
				t.Fatalf("shortcut differs from the framework: %v", diffs)
			}
			if answered != tt.fast {
				t.Fatalf("shortcut answered = %v, want %v (framework vs unchanged: %v)", answered, tt.fast, diffs)
			}
		})
	}
}

// savedPlanRequest is the plan of config against the saved key s, with the proposed new state
// made as Terraform makes it at the top level.
func (f *mixpeekReadFixture) savedPlanRequest(t testing.TB, s saved, config map[string]any) *tfprotov6.PlanResourceChangeRequest {
	t.Helper()
	cv := build(t, f.keyType, config)
	var cm map[string]tftypes.Value
	if err := cv.As(&cm); err != nil {
		t.Fatal(err)
	}
	prior := f.attrs(t, s)
	proposed := map[string]tftypes.Value{}
	for name, a := range f.pair.attrs {
		switch {
		case !cm[name].IsNull():
			proposed[name] = cm[name]
		case a.Computed:
			proposed[name] = prior[name]
		default:
			proposed[name] = cm[name]
		}
	}
	return &tfprotov6.PlanResourceChangeRequest{
		TypeName: f.typeName, PriorState: s.state, PriorIdentity: s.identity, PriorPrivate: s.private,
		Config: dynamic(t, f.keyType, cv), ProposedNewState: dynamic(t, f.keyType, tftypes.NewValue(f.keyType, proposed)),
	}
}

// FuzzFastReadMatchesFrameworkMixpeek: for any prior state drawn from a settled key and the
// pools, with or without its private data, whenever the read shortcut answers, the framework
// answers the same.
func FuzzFastReadMatchesFrameworkMixpeek(f *testing.F) {
	fx := newMixpeekReadFixture(f)
	base := fx.create(f, map[string]any{"user_email": fx.user, "name": "tfacc-mx-fuzz", "description": "d",
		"scopes": []any{map[string]any{"resource_type": "namespace", "resource_id": "ns_1"}}}, true)
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Add(bytes.Repeat([]byte{0xc1}, 3))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice over"))
	f.Fuzz(func(t *testing.T, data []byte) {
		req := fx.fuzzPriorStateFrom(t, mixpeekFuzzPools, base, data, func(req *tfprotov6.ReadResourceRequest) {
			req.Private = mixpeekPrivatePool[len(data)%len(mixpeekPrivatePool)]
		})
		if answered, diffs, _ := fx.readOutcome(t, req); answered && len(diffs) > 0 {
			t.Fatalf("shortcut differs from the framework: %v", diffs)
		}
	})
}

func TestCreatePlanMatchesFrameworkMixpeek(t *testing.T) {
	p := newMixpeekPair(t, "unkey", "mixpeek")
	bench := map[string]any{"user_email": "ops@example.com", "name": "bench-0"}
	scopes := []any{map[string]any{"resource_type": "namespace", "resource_id": "ns_customer_*", "operations": []any{"read_data"}}}
	full := with(bench, "description", "d", "permissions", []any{"read", "write"}, "scopes", scopes, "rate_limit_override", 60,
		"expires_at", "2099-01-01T00:00:00+01:00", "rotate_after", "720h", "warn_unused_after", "1h", "warn_older_than", "1h",
		"rotation_triggers", map[string]any{"r": "1"}, "revoke_grace_period", "1h")
	tests := []struct {
		name    string
		config  map[string]any
		unknown []string
		mutate  func(*tfprotov6.PlanResourceChangeRequest)
		fast    bool
	}{
		{name: "benchmark key", config: bench, fast: true},
		{name: "every input", config: full, fast: true},
		{name: "name and user unknown (first plan)", config: bench, unknown: []string{"user_email", "name"}, fast: true},
		{name: "collections unknown", config: full, unknown: []string{"permissions", "scopes", "rotation_triggers"}, fast: true},
		{name: "rate limit and expiry unknown", config: full, unknown: []string{"rate_limit_override", "expires_at"}, fast: true},
		{name: "store_plaintext set", config: with(bench, "store_plaintext", true), fast: true},
		{name: "age recipients", config: with(bench, "plaintext_age_recipients", []any{"age1xyz"}), fast: true},
		{name: "age recipients, no plaintext", config: with(bench, "plaintext_age_recipients", []any{"age1xyz"}, "store_plaintext", false), fast: true},
		{name: "empty permissions", config: with(bench, "permissions", []any{}), fast: true},
		{name: "computed-only attribute proposed", config: bench, mutate: func(req *tfprotov6.PlanResourceChangeRequest) {
			prop := with(p.proposedNew(nil, bench), "id", "key_x", "status", "active")
			req.ProposedNewState = dynamic(t, p.keyType, build(t, p.keyType, prop))
		}, fast: true},
		{name: "prior state absent", config: bench, mutate: func(req *tfprotov6.PlanResourceChangeRequest) { req.PriorState = nil }, fast: true},

		{name: "expire_after", config: with(bench, "expire_after", "720h")},
		{name: "expire_after unknown", config: bench, unknown: []string{"expire_after"}},
		{name: "expires_at in the past", config: with(bench, "expires_at", "2020-01-01T00:00:00Z")},
		{name: "expires_at not a time", config: with(bench, "expires_at", "tomorrow")},
		{name: "unrecoverable secret warning", config: with(bench, "store_plaintext", false)},
		{name: "store_plaintext unknown", config: bench, unknown: []string{"store_plaintext"}},
		{name: "recipients unknown", config: bench, unknown: []string{"plaintext_age_recipients"}},
		{name: "computed-only attribute configured", config: with(bench, "status", "active")},
		{name: "prior private", config: bench, mutate: func(req *tfprotov6.PlanResourceChangeRequest) { req.PriorPrivate = []byte(`{"k":"dg=="}`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := p.protoRequest(t, request{config: tt.config})
			if len(tt.unknown) > 0 {
				p.unknownIn(t, req, tt.unknown...)
			}
			if tt.mutate != nil {
				tt.mutate(req)
			}
			answered, diffs := p.outcome(t, req)
			if answered && len(diffs) > 0 {
				t.Fatalf("shortcut differs from the framework: %v", diffs)
			}
			if answered != tt.fast {
				t.Fatalf("shortcut answered = %v, want %v", answered, tt.fast)
			}
		})
	}
}

// TestCreatePlanMixpeekUnconfiguredBackend: the framework reports the unconfigured backend, so
// the create shortcut must not answer.
func TestCreatePlanMixpeekUnconfiguredBackend(t *testing.T) {
	p := newMixpeekPair(t, "unkey")
	if answered, _ := p.outcome(t, p.protoRequest(t, request{config: map[string]any{"user_email": "ops@example.com", "name": "k"}})); answered {
		t.Fatal("shortcut answered for an unconfigured backend")
	}
}

// FuzzCreatePlanMatchesFrameworkMixpeek: for any create of apikey_mixpeek_key drawn from the
// pools, with any attributes unknown, whenever the shortcut answers, the framework answers the
// same.
func FuzzCreatePlanMatchesFrameworkMixpeek(f *testing.F) {
	p := newMixpeekPair(f, "mixpeek")
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0x04}, 40))
	f.Add(bytes.Repeat([]byte{0x07}, 40))
	f.Add(bytes.Repeat([]byte{0x0c, 0x05, 0x17}, 14))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice over"))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, _ := p.fuzzCreateRequestFrom(t, mixpeekFuzzPools, data)
		if answered, diffs := p.outcome(t, req); answered && len(diffs) > 0 {
			t.Fatalf("shortcut differs from the framework: %v", diffs)
		}
	})
}
