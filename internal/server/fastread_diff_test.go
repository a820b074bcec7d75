package server_test

// The differential test of the read shortcut: keys are made through the framework against a
// local server, changed out of band or given altered prior states, and every Read goes through
// the shortcut and through the framework. Whenever the shortcut answers, its answer must be the
// framework's (new state, identity, private data, deferral and diagnostics).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// readFixture is a pair served against a local server, with a client of that server for
// out-of-band changes and an API to create keys in.
type readFixture struct {
	*pair
	client *unkey.Client
	apiID  string
	// beforeRead, when set, runs before every Read (for a clock that must move between them).
	beforeRead func()
}

func newReadFixture(t testing.TB) *readFixture {
	t.Helper()
	srv := acctest.NewLocalServer(t, "it changes keys out of band and compares two servers' reads of them")
	p := newPairAt(t, false, srv.Endpoint, srv.RootKey, "unkey")
	hc, err := transport.New(transport.Config{BaseURL: srv.Endpoint, Token: srv.RootKey, UserAgent: "fastread-test", RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := unkey.New(hc)
	apiID, err := c.CreateAPI(context.Background(), acctest.NamePrefix+"fastread")
	if err != nil {
		t.Fatal(err)
	}
	return &readFixture{pair: p, client: c, apiID: apiID}
}

// saved is what Terraform keeps of a resource between runs.
type saved struct {
	state    *tfprotov6.DynamicValue
	identity *tfprotov6.ResourceIdentityData
	private  []byte
}

// create makes a key from config through the framework (plan, apply) and returns what the CLI
// would save; with settle, after the first refresh too (which clears the creation marker).
func (f *readFixture) create(t testing.TB, config map[string]any, settle bool) saved {
	t.Helper()
	ctx := context.Background()
	if f.apiID != "" {
		config = with(config, "api_id", f.apiID)
	}
	plan, err := f.framework.PlanResourceChange(ctx, f.protoRequest(t, request{config: config}))
	if err != nil || hasErrors(plan.Diagnostics) {
		t.Fatalf("plan: %v %s", err, diagText(plan.Diagnostics))
	}
	applied, err := f.framework.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: f.typeName, PriorState: dynamic(t, f.keyType, tftypes.NewValue(f.keyType, nil)),
		PlannedState: plan.PlannedState, Config: dynamic(t, f.keyType, build(t, f.keyType, config)),
		PlannedPrivate: plan.PlannedPrivate, PlannedIdentity: plan.PlannedIdentity,
	})
	if err != nil || hasErrors(applied.Diagnostics) {
		t.Fatalf("apply: %v %s", err, diagText(applied.Diagnostics))
	}
	s := saved{state: applied.NewState, identity: applied.NewIdentity, private: applied.Private}
	if settle {
		s = f.refresh(t, s)
	}
	return s
}

// refresh is the framework's Read of s, as the CLI saves it.
func (f *readFixture) refresh(t testing.TB, s saved) saved {
	t.Helper()
	if f.beforeRead != nil {
		f.beforeRead()
	}
	resp, err := f.framework.ReadResource(context.Background(), f.readRequest(s))
	if err != nil || hasErrors(resp.Diagnostics) {
		t.Fatalf("read: %v %s", err, diagText(resp.Diagnostics))
	}
	return saved{state: resp.NewState, identity: resp.NewIdentity, private: resp.Private}
}

func (f *readFixture) readRequest(s saved) *tfprotov6.ReadResourceRequest {
	return &tfprotov6.ReadResourceRequest{TypeName: f.typeName, CurrentState: s.state, CurrentIdentity: s.identity, Private: s.private}
}

func hasErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

// attrs decodes a saved state into its attributes.
func (f *readFixture) attrs(t testing.TB, s saved) map[string]tftypes.Value {
	t.Helper()
	v, err := s.state.Unmarshal(f.keyType)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// withState is s with attributes of its state replaced.
func (f *readFixture) withState(t testing.TB, s saved, kv ...any) saved {
	t.Helper()
	m := f.attrs(t, s)
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		typ, ok := f.keyType.AttributeTypes[name]
		if !ok {
			t.Fatalf("no attribute %q", name)
		}
		if v, isValue := kv[i+1].(tftypes.Value); isValue {
			m[name] = v
		} else {
			m[name] = build(t, typ, kv[i+1])
		}
	}
	s.state = dynamic(t, f.keyType, tftypes.NewValue(f.keyType, m))
	return s
}

func (f *readFixture) keyID(t testing.TB, s saved) string {
	t.Helper()
	var id string
	if err := f.attrs(t, s)["id"].As(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// readDifferences lists how two Read answers differ, comparing states and identities as decoded
// values (and, for information, whether their encodings differ).
func (f *readFixture) readDifferences(a, b *tfprotov6.ReadResourceResponse) []string {
	var out []string
	value := func(what string, typ tftypes.Type, x, y *tfprotov6.DynamicValue) {
		out = append(out, valueDifferences(what, typ, x, y, false)...)
	}
	value("new state", f.keyType, a.NewState, b.NewState)
	ai, bi := a.NewIdentity, b.NewIdentity
	if (ai == nil) != (bi == nil) {
		out = append(out, fmt.Sprintf("new identity: %v vs %v", ai, bi))
	} else if ai != nil {
		value("new identity", f.identity, ai.IdentityData, bi.IdentityData)
	}
	if !bytes.Equal(a.Private, b.Private) {
		out = append(out, fmt.Sprintf("private: %q vs %q", a.Private, b.Private))
	}
	if !reflect.DeepEqual(a.Deferred, b.Deferred) {
		out = append(out, fmt.Sprintf("deferred: %v vs %v", a.Deferred, b.Deferred))
	}
	if !reflect.DeepEqual(a.Diagnostics, b.Diagnostics) {
		out = append(out, fmt.Sprintf("diagnostics: %s vs %s", diagText(a.Diagnostics), diagText(b.Diagnostics)))
	}
	return out
}

// unchangedAnswer is the answer "nothing changed": the request's state and identity.
func unchangedAnswer(req *tfprotov6.ReadResourceRequest) *tfprotov6.ReadResourceResponse {
	resp := &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}
	if req.CurrentIdentity != nil {
		resp.NewIdentity = &tfprotov6.ResourceIdentityData{IdentityData: req.CurrentIdentity.IdentityData}
	}
	return resp
}

// readOutcome runs req through the shortcut, then the framework: whether the shortcut answered,
// how its answer differs from the framework's (when it answered), and how the framework's answer
// differs from "nothing changed". The shortcut goes first: a framework Read may write (a marker
// it clears), which must not hide a case the shortcut gets wrong.
func (f *readFixture) readOutcome(t testing.TB, req *tfprotov6.ReadResourceRequest) (answered bool, diffs, changes []string) {
	t.Helper()
	ctx := context.Background()
	before := f.fast.FastReadStats()
	if f.beforeRead != nil {
		f.beforeRead()
	}
	got, err := f.fast.ReadResource(ctx, req)
	if err != nil {
		t.Fatalf("shortcut: %v", err)
	}
	answered = f.fast.FastReadStats().Answered > before.Answered
	if f.beforeRead != nil {
		f.beforeRead()
	}
	want, err := f.framework.ReadResource(ctx, req)
	if err != nil {
		t.Fatalf("framework: %v", err)
	}
	if answered {
		diffs = f.readDifferences(got, want)
	}
	return answered, diffs, f.readDifferences(unchangedAnswer(req), want)
}

func TestFastReadMatchesFramework(t *testing.T) {
	f := newReadFixture(t)
	ctx := context.Background()
	if _, err := f.client.CreatePermission(ctx, "tfacc-docs.read", "tfacc-docs.read", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.CreateRole(ctx, "tfacc-reader", "", []string{"tfacc-docs.read"}); err != nil {
		t.Fatal(err)
	}
	full := map[string]any{
		"name": "tfacc-full", "prefix": "pk", "external_id": "tfacc-acme", "meta": `{"team":"a","n":1}`,
		"permissions": []any{"tfacc-docs.write", "tfacc-docs.read"}, "roles": []any{"tfacc-reader"},
		"credits":    map[string]any{"remaining": 100, "refill": map[string]any{"interval": "daily", "amount": 10}},
		"ratelimits": []any{map[string]any{"name": "requests", "limit": 100, "duration": "1m", "auto_apply": true}},
		"expires_at": "2099-01-01T00:00:00Z",
	}
	type tc struct {
		name string
		// req builds the request, after any out-of-band change.
		req  func(t *testing.T) *tfprotov6.ReadResourceRequest
		fast bool
		// changes: the framework's answer is not "nothing changed". For a case the shortcut
		// answers, that shows it computes a changed state; for one it declines, that the rule
		// it falls to is needed.
		changes bool
	}
	settled := func(config map[string]any) func(t *testing.T) saved {
		return func(t *testing.T) saved { return f.create(t, config, true) }
	}
	minimal := settled(map[string]any{"name": "tfacc-min"})
	rich := settled(full)
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
	plain := func(base func(t *testing.T) saved) func(t *testing.T) *tfprotov6.ReadResourceRequest {
		return func(t *testing.T) *tfprotov6.ReadResourceRequest { return f.readRequest(base(t)) }
	}
	if _, err := f.client.CreateIdentity(ctx, "tfacc-tenant", json.RawMessage(`{"tier":"gold"}`), nil); err != nil {
		t.Fatal(err)
	}
	withIdentity := settled(map[string]any{"name": "tfacc-tenant-key", "external_id": "tfacc-tenant"})
	tests := []tc{
		{name: "minimal key", req: plain(minimal), fast: true},
		{name: "key with every setting", req: plain(rich), fast: true},
		{name: "disabled key", req: plain(settled(map[string]any{"name": "tfacc-off", "enabled": false})), fast: true},
		{name: "plaintext not stored", req: plain(settled(map[string]any{"name": "tfacc-nostore", "store_plaintext": false})), fast: true},
		{name: "second refresh of a settled key", req: func(t *testing.T) *tfprotov6.ReadResourceRequest {
			return f.readRequest(f.refresh(t, rich(t)))
		}, fast: true},

		// The key changed outside Terraform.
		{name: "disabled out of band", req: oob(rich, func(t *testing.T, id string) {
			off := false
			mustUpdate(t, f.client, unkey.UpdateKeyRequest{KeyID: id, Enabled: &off})
		}), fast: true, changes: true},
		{name: "meta changed out of band", req: oob(rich, func(t *testing.T, id string) {
			mustUpdate(t, f.client, unkey.UpdateKeyRequest{KeyID: id, Meta: unkey.Value(json.RawMessage(`{"team":"b"}`))})
		}), changes: true},
		{name: "permission added out of band", req: oob(minimal, func(t *testing.T, id string) {
			if _, err := f.client.AddPermissions(ctx, id, []string{"tfacc-extra"}); err != nil {
				t.Fatal(err)
			}
		}), fast: true, changes: true},
		{name: "name changed out of band", req: oob(minimal, func(t *testing.T, id string) {
			mustUpdate(t, f.client, unkey.UpdateKeyRequest{KeyID: id, Name: unkey.Value("tfacc-renamed")})
		}), fast: true, changes: true},
		{name: "expiry set out of band", req: oob(minimal, func(t *testing.T, id string) {
			mustUpdate(t, f.client, unkey.UpdateKeyRequest{KeyID: id, Expires: unkey.Value(time.Date(2098, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())})
		}), changes: true},
		{name: "deleted out of band", req: oob(minimal, func(t *testing.T, id string) {
			if err := f.client.DeleteKey(ctx, id, false); err != nil {
				t.Fatal(err)
			}
		}), changes: true},
		{name: "rerolled out of band", req: oob(minimal, func(t *testing.T, id string) {
			if _, err := f.client.RerollKey(ctx, id, 0); err != nil {
				t.Fatal(err)
			}
		}), changes: true},

		// The first refresh after a create clears the creation marker.
		{name: "creation marker", req: func(t *testing.T) *tfprotov6.ReadResourceRequest {
			return f.readRequest(f.create(t, map[string]any{"name": "tfacc-fresh"}, false))
		}, changes: true},

		// Prior states Read does more with.
		{name: "import: store_plaintext null", req: alter(minimal, "store_plaintext", nil), changes: true},
		{name: "unconfirmed create", req: alter(minimal, "id", "unconfirmed-0123"), changes: true},
		{name: "previous_key", req: alter(minimal, "previous_key", map[string]any{"id": "key_gone", "start": "pk_x", "expires_at": "2099-01-01T00:00:00Z"})},
		{name: "previous_key past its deadline", req: alter(minimal, "previous_key", map[string]any{"id": "key_gone", "start": "pk_x", "expires_at": "2020-01-01T00:00:00Z"}), changes: true},
		{name: "status in state the clock no longer gives", req: alter(settled(map[string]any{"name": "tfacc-expiring", "expires_at": "2026-07-01T00:00:00Z"}), "status", "expired"), fast: true, changes: true},
		{name: "drift in state: name", req: alter(minimal, "name", "tfacc-other"), fast: true, changes: true},
		{name: "drift in state: enabled", req: alter(minimal, "enabled", false, "status", "disabled"), fast: true, changes: true},
		// Read keeps the spelling in state of an equal value, so these are unchanged.
		{name: "meta spelled otherwise", req: alter(rich, "meta", `{"n":1, "team":"a"}`), fast: true},
		{name: "expiry spelled otherwise", req: alter(rich, "expires_at", "2099-01-01T00:00:00.000Z"), fast: true},
		{name: "identity meta spelled otherwise", req: func(t *testing.T) *tfprotov6.ReadResourceRequest {
			// Read takes the identity as Unkey spells it; the framework keeps the state's spelling
			// of an equal JSON value (semantic equality), which the shortcut does not reproduce.
			s := withIdentity(t)
			var ident map[string]tftypes.Value
			if err := f.attrs(t, s)["identity"].As(&ident); err != nil {
				t.Fatal(err)
			}
			ident["meta"] = tftypes.NewValue(tftypes.String, `{"tier": "gold"}`)
			return f.readRequest(f.withState(t, s, "identity", tftypes.NewValue(f.keyType.AttributeTypes["identity"], ident)))
		}},
		{name: "key with an identity", req: func(t *testing.T) *tfprotov6.ReadResourceRequest { return f.readRequest(withIdentity(t)) }, fast: true},
		{name: "wrong api_id", req: alter(minimal, "api_id", "api_elsewhere"), changes: true},
		{name: "private data", req: func(t *testing.T) *tfprotov6.ReadResourceRequest {
			r := f.readRequest(minimal(t))
			r.Private = []byte(`{"k":"InYi"}`)
			return r
		}},
		{name: "no identity", req: func(t *testing.T) *tfprotov6.ReadResourceRequest {
			r := f.readRequest(minimal(t))
			r.CurrentIdentity = nil
			return r
		}, changes: true},
		{name: "identity of another key", req: func(t *testing.T) *tfprotov6.ReadResourceRequest {
			r := f.readRequest(minimal(t))
			id := build(t, f.identity, map[string]any{"api_id": f.apiID, "id": "key_other"})
			r.CurrentIdentity = &tfprotov6.ResourceIdentityData{IdentityData: dynamic(t, f.identity, id)}
			return r
		}, changes: true},
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

func mustUpdate(t testing.TB, c *unkey.Client, req unkey.UpdateKeyRequest) {
	t.Helper()
	if err := c.UpdateKey(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}

// fuzzPriorState turns data into an altered prior state of base: per attribute (in name order)
// one byte keeps it or replaces it with a value from its fuzz pool; the last byte adds private
// data or drops the identity.
func (f *readFixture) fuzzPriorState(t testing.TB, base saved, data []byte) *tfprotov6.ReadResourceRequest {
	return f.fuzzPriorStateFrom(t, fuzzPools, base, data, func(req *tfprotov6.ReadResourceRequest) { req.Private = []byte(`{"k":"InYi"}`) })
}

// fuzzPriorStateFrom is fuzzPriorState with the attributes' pools and what the private flag does.
func (f *readFixture) fuzzPriorStateFrom(t testing.TB, pools map[string][]any, base saved, data []byte, withPrivate func(*tfprotov6.ReadResourceRequest)) *tfprotov6.ReadResourceRequest {
	names := make([]string, 0, len(f.attrs(t, base)))
	for name := range f.keyType.AttributeTypes {
		names = append(names, name)
	}
	sort.Strings(names)
	at := func(i int) byte {
		if i < len(data) {
			return data[i]
		}
		return 0
	}
	var kv []any
	for i, name := range names {
		b := at(i)
		if b < 0xc0 {
			continue // mostly unchanged, so that many requests reach the rule's last checks
		}
		pool := pools[name]
		if len(pool) == 0 {
			continue
		}
		kv = append(kv, name, pool[int(b)%len(pool)])
	}
	req := f.readRequest(f.withState(t, base, kv...))
	if flags := at(len(names)); flags&1 != 0 {
		req.CurrentIdentity = nil
	} else if flags&2 != 0 {
		withPrivate(req)
	}
	return req
}

// FuzzFastReadMatchesFramework: for any prior state drawn from a settled key and the pools,
// whenever the read shortcut answers, the framework answers the same.
func FuzzFastReadMatchesFramework(f *testing.F) {
	fx := newReadFixture(f)
	base := fx.create(f, map[string]any{"name": "tfacc-fuzz", "meta": `{"a":1}`, "permissions": []any{"tfacc-p"},
		"ratelimits": []any{map[string]any{"name": "requests", "limit": 10, "duration": "1m"}}}, true)
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Add(bytes.Repeat([]byte{0xc1}, 3))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice over"))
	f.Fuzz(func(t *testing.T, data []byte) {
		req := fx.fuzzPriorState(t, base, data)
		if answered, diffs, _ := fx.readOutcome(t, req); answered && len(diffs) > 0 {
			t.Fatalf("shortcut differs from the framework: %v", diffs)
		}
	})
}
