package server_test

// The differential test of the create shortcut of ApplyResourceChange: the same planned states
// (plans the framework made from varied configurations) are applied through the framework and
// through the shortcut, each side with its own provider process and its own local server behind
// a recording proxy. Both servers start alike and every apply starts from the same seed of the
// process's cryptographic randomness (testing/cryptotest), so key ids, plaintexts, creation
// markers and encrypted copies come out the same on both sides: the test compares the whole
// answer (new state and identity, as bytes and values, private data, diagnostics) and every
// request each side sent, and fails on any difference. Faults injected by the proxy make the
// error paths (API not found, server errors, lost and unconfirmed creates) agree too.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// applyFault is what the proxy does with one request.
type applyFault int

const (
	passThrough applyFault = iota
	answer500              // answered 500 without reaching the server
	answer503              // answered 503 without reaching the server
	dropAfter              // forwarded, then the connection closed without a response
)

// faultRule decides the fault of a request to route, given how many requests each route has had
// so far in this apply (this one counted).
type faultRule func(route string, seen map[string]int) applyFault

// applyProxy stands between one side's provider and its server: it records every request
// (method, path, query and body) and injects faults.
type applyProxy struct {
	url    string
	target string
	client *http.Client

	mu    sync.Mutex
	log   []string
	seen  map[string]int
	fault faultRule
}

func newApplyProxy(t testing.TB, target string) *applyProxy {
	t.Helper()
	p := &applyProxy{target: target, client: &http.Client{Timeout: 30 * time.Second}, seen: map[string]int{}}
	ts := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(ts.Close)
	p.url = ts.URL
	return p
}

// reset starts a new apply: an empty log and fault under rule (nil: none).
func (p *applyProxy) reset(rule faultRule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log, p.seen, p.fault = nil, map[string]int{}, rule
}

func (p *applyProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

func (p *applyProxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.seen[r.URL.Path]++
	p.log = append(p.log, fmt.Sprintf("%s %s?%s %s", r.Method, r.URL.Path, r.URL.RawQuery, body))
	fault := passThrough
	if p.fault != nil {
		fault = p.fault(r.URL.Path, p.seen)
	}
	p.mu.Unlock()
	switch fault {
	case answer500, answer503:
		status := map[applyFault]int{answer500: http.StatusInternalServerError, answer503: http.StatusServiceUnavailable}[fault]
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"meta":{"requestId":"req_proxy"},"error":{"title":"Injected","detail":"injected by the test proxy","status":%d,"type":"https://unkey.com/docs/errors/unkey/application/unexpected_error"}}`, status)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if fault == dropAfter {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(data)
}

// applySide is one provider process (served with or without the shortcuts) and its server.
type applySide struct {
	srv    *acctest.Server
	proxy  *applyProxy
	server *server.Server
}

// applyFixture is the two sides: ref through the framework only, fast with every shortcut.
type applyFixture struct {
	ref, fast applySide
	*pair     // types and request builders (its servers are unused)
}

var (
	applyClock      = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	applyRootKey    = "unkey_fastapplydifferential0123"
	applyMasterKey  = bytes.Repeat([]byte{0x5a}, 32)
	applyAgeReceive = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
)

func newApplySide(t testing.TB, backends []string, opts ...server.Option) applySide {
	t.Helper()
	srv := acctest.NewServerWithConfig(t, devserver.Config{RootKey: applyRootKey, MasterKey: applyMasterKey, Now: func() time.Time { return applyClock }})
	proxy := newApplyProxy(t, srv.Endpoint)
	p := provider.NewWithClock("test", func() time.Time { return applyClock })()
	s := server.NewProtocol6(p, opts...)().(*server.Server)
	ctx := context.Background()
	sch, err := s.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(sch.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, sch.Diagnostics)
	}
	provType := sch.Provider.ValueType().(tftypes.Object)
	cfg := map[string]any{"max_retries": 1}
	for _, b := range backends {
		cred := map[string]string{"unkey": "root_key", "mixpeek": "api_key"}[b]
		cfg[b] = map[string]any{cred: applyRootKey, "endpoint": proxy.url}
	}
	resp, err := s.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: dynamic(t, provType, build(t, provType, cfg)), TerraformVersion: "1.15.0"})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %s", err, diagText(resp.Diagnostics))
	}
	return applySide{srv: srv, proxy: proxy, server: s}
}

func newApplyFixture(t testing.TB, backends ...string) *applyFixture {
	t.Helper()
	if len(backends) == 0 {
		backends = []string{"unkey"}
	}
	return &applyFixture{
		ref:  newApplySide(t, backends, frameworkOnly...),
		fast: newApplySide(t, backends),
		pair: newPair(t, "unkey"),
	}
}

// applyCase is one create: a configuration (api_id filled in with the case's API unless set),
// objects the server holds beforehand, faults, and changes to the request after planning.
type applyCase struct {
	name   string
	config map[string]any
	setup  func(t *testing.T, s applySide, apiID string)
	fault  faultRule
	mutate func(req *tfprotov6.ApplyResourceChangeRequest)
	// fast: the shortcut applies it (otherwise it must decline); wantErr: a summary the answer's
	// diagnostics must include ("" for an answer without errors, which must then hold a key).
	fast    bool
	wantErr string
}

// seedOf is a case's seed of the cryptographic randomness.
func seedOf(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return h.Sum64()
}

// applyOutcome is one side's apply.
type applyOutcome struct {
	resp     *tfprotov6.ApplyResourceChangeResponse
	requests []string
	answered bool
}

// run applies c on both sides from the same seed and returns both outcomes.
func (f *applyFixture) run(t *testing.T, c applyCase) (ref, fast applyOutcome) {
	t.Helper()
	ctx := context.Background()
	seed := seedOf(c.name)
	var apiIDs [2]string
	for i, s := range []applySide{f.ref, f.fast} {
		cryptotest.SetGlobalRandom(t, seed)
		apiID, err := s.srv.Dev.CreateAPI(ctx, acctest.NamePrefix+"fastapply")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.srv.Dev.SetAPIEncryption(apiID, true); err != nil {
			t.Fatal(err)
		}
		if c.setup != nil {
			c.setup(t, s, apiID)
		}
		apiIDs[i] = apiID
	}
	if apiIDs[0] != apiIDs[1] {
		t.Fatalf("the two servers made different APIs (%s, %s): their randomness is not aligned", apiIDs[0], apiIDs[1])
	}
	config := c.config
	if _, set := config["api_id"]; !set {
		config = with(config, "api_id", apiIDs[0])
	}
	// The framework's plan, as the CLI sends it back to apply (planning makes no requests).
	plan, err := f.pair.framework.PlanResourceChange(ctx, f.protoRequest(t, request{config: config}))
	if err != nil || hasErrors(plan.Diagnostics) {
		t.Fatalf("plan: %v %s", err, diagText(plan.Diagnostics))
	}
	req := &tfprotov6.ApplyResourceChangeRequest{
		TypeName: keyType, PriorState: dynamic(t, f.keyType, tftypes.NewValue(f.keyType, nil)),
		PlannedState: plan.PlannedState, Config: dynamic(t, f.keyType, build(t, f.keyType, config)),
		PlannedPrivate: plan.PlannedPrivate, PlannedIdentity: plan.PlannedIdentity,
	}
	if c.mutate != nil {
		c.mutate(req)
	}
	apply := func(s applySide) applyOutcome {
		s.proxy.reset(c.fault)
		before := s.server.FastCreateStats().Answered
		cryptotest.SetGlobalRandom(t, seed+1)
		resp, err := s.server.ApplyResourceChange(ctx, req)
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		requests := s.proxy.requests()
		s.proxy.reset(nil)
		return applyOutcome{resp: resp, requests: requests, answered: s.server.FastCreateStats().Answered > before}
	}
	ref = apply(f.ref)
	fast = apply(f.fast)
	return ref, fast
}

// applyDifferences lists how two answers differ: states and identities as bytes and values,
// private data, diagnostics.
func (f *applyFixture) applyDifferences(a, b *tfprotov6.ApplyResourceChangeResponse) []string {
	var out []string
	out = append(out, valueDifferences("new state", f.keyType, a.NewState, b.NewState, true)...)
	ai, bi := a.NewIdentity, b.NewIdentity
	if (ai == nil) != (bi == nil) {
		out = append(out, fmt.Sprintf("new identity: %v vs %v", ai, bi))
	} else if ai != nil {
		out = append(out, valueDifferences("new identity", f.identity, ai.IdentityData, bi.IdentityData, true)...)
	}
	if !bytes.Equal(a.Private, b.Private) || (a.Private == nil) != (b.Private == nil) {
		out = append(out, fmt.Sprintf("private: %q vs %q", a.Private, b.Private))
	}
	if !reflect.DeepEqual(a.Diagnostics, b.Diagnostics) {
		out = append(out, fmt.Sprintf("diagnostics: %s vs %s", diagText(a.Diagnostics), diagText(b.Diagnostics)))
	}
	if a.UnsafeToUseLegacyTypeSystem != b.UnsafeToUseLegacyTypeSystem {
		out = append(out, "legacy type system flag differs")
	}
	return out
}

// compare fails t on any difference between the two sides' outcomes. Each side's endpoint (its
// proxy's address, the only thing that differs by construction) is replaced in diagnostics.
func (f *applyFixture) compare(t *testing.T, ref, fast applyOutcome) {
	t.Helper()
	neutral(ref.resp, f.ref.proxy.url)
	neutral(fast.resp, f.fast.proxy.url)
	if d := f.applyDifferences(fast.resp, ref.resp); len(d) > 0 {
		t.Errorf("shortcut (answered: %v) differs from the framework: %v", fast.answered, d)
	}
	if a, b := strings.Join(fast.requests, "\n"), strings.Join(ref.requests, "\n"); a != b {
		t.Errorf("requests differ:\nshortcut:\n%s\nframework:\n%s", redactKeys(a), redactKeys(b))
	}
}

// neutral replaces endpoint in resp's diagnostics with a placeholder.
func neutral(resp *tfprotov6.ApplyResourceChangeResponse, endpoint string) {
	for _, d := range resp.Diagnostics {
		d.Summary = strings.ReplaceAll(d.Summary, endpoint, "<endpoint>")
		d.Detail = strings.ReplaceAll(d.Detail, endpoint, "<endpoint>")
	}
}

// redactKeys hides key plaintexts in recorded request bodies before they are printed.
func redactKeys(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, `"key":`); i >= 0 {
			line = line[:i] + `"key":[redacted]`
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// stateAttrs decodes an answer's new state.
func (f *applyFixture) stateAttrs(t *testing.T, resp *tfprotov6.ApplyResourceChangeResponse) map[string]tftypes.Value {
	t.Helper()
	if resp.NewState == nil {
		return nil
	}
	v, err := resp.NewState.Unmarshal(f.keyType)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]tftypes.Value
	if v.IsNull() || v.As(&m) != nil {
		return nil
	}
	return m
}

func stringAttr(m map[string]tftypes.Value, name string) string {
	var s string
	if v, ok := m[name]; ok && v.IsKnown() && !v.IsNull() {
		_ = v.As(&s)
	}
	return s
}

// onlyRoute faults the requests to route (the n-th and later ones, counting from 1) with fault.
func onlyRoute(route string, from int, fault applyFault) faultRule {
	return func(r string, seen map[string]int) applyFault {
		if r == route && seen[r] >= from {
			return fault
		}
		return passThrough
	}
}

// onceRoute faults only the n-th request to route.
func onceRoute(route string, n int, fault applyFault) faultRule {
	return func(r string, seen map[string]int) applyFault {
		if r == route && seen[r] == n {
			return fault
		}
		return passThrough
	}
}

// afterRoute faults every request to route once first has been requested.
func afterRoute(first, route string, fault applyFault) faultRule {
	return func(r string, seen map[string]int) applyFault {
		if r == route && seen[first] > 0 {
			return fault
		}
		return passThrough
	}
}

func TestFastCreateMatchesFramework(t *testing.T) {
	f := newApplyFixture(t)
	ctx := context.Background()
	bench := benchConfig()
	delete(bench, "api_id")
	roles := func(t *testing.T, s applySide, _ string) {
		if _, err := s.srv.Unkey.CreatePermission(ctx, "tfacc-docs.read", "tfacc-docs.read", ""); err != nil && !unkey.IsStatus(err, http.StatusConflict) {
			t.Fatal(err)
		}
		if _, err := s.srv.Unkey.CreateRole(ctx, "tfacc-reader", "", []string{"tfacc-docs.read"}); err != nil && !unkey.IsStatus(err, http.StatusConflict) {
			t.Fatal(err)
		}
	}
	identity := func(t *testing.T, s applySide, _ string) {
		if _, err := s.srv.Unkey.CreateIdentity(ctx, "tfacc-tenant", json.RawMessage(`{"tier":"gold"}`), nil); err != nil && !unkey.IsStatus(err, http.StatusConflict) {
			t.Fatal(err)
		}
	}
	full := map[string]any{
		"name": "tfacc-full", "prefix": "pk", "meta": `{"team":"a","n":1}`,
		"permissions": []any{"tfacc-docs.write", "tfacc-docs.read"},
		"credits":     map[string]any{"remaining": 100, "refill": map[string]any{"interval": "daily", "amount": 10}},
		"ratelimits":  []any{map[string]any{"name": "requests", "limit": 100, "duration": "1m", "auto_apply": true}, map[string]any{"name": "burst", "limit": 5, "duration": "1s"}},
		"expires_at":  "2099-01-01T00:00:00Z",
	}
	tests := []applyCase{
		{name: "benchmark key", config: bench, fast: true},
		{name: "minimal key", config: map[string]any{}, fast: true},
		{name: "name only", config: map[string]any{"name": "tfacc-min"}, fast: true},
		{name: "every plain setting", config: full, fast: true},
		{name: "defaults set explicitly", config: with(bench, "enabled", false, "permanent_delete", true, "rotation_mode", "reroll", "byte_length", 32), fast: true},
		{name: "recoverable", config: with(bench, "recoverable", true), fast: true},
		{name: "store_plaintext false, recoverable", config: with(bench, "store_plaintext", false, "recoverable", true), fast: true},
		{name: "age recipients", config: with(bench, "plaintext_age_recipients", []any{applyAgeReceive}), fast: true},
		{name: "age recipients, no plaintext", config: with(bench, "plaintext_age_recipients", []any{applyAgeReceive}, "store_plaintext", false), fast: true},
		{name: "meta spelled loosely", config: with(bench, "meta", `{ "b": [1, 2],  "a": {"z": true} }`), fast: true},
		{name: "expires_at with an offset", config: with(bench, "expires_at", "2030-01-01T02:00:00+02:00"), fast: true},
		{name: "expires_at with fractional seconds", config: with(bench, "expires_at", "2030-01-01T00:00:00.500Z"), fast: true},
		{name: "expire_after", config: with(bench, "expire_after", "720h"), fast: true},
		{name: "rotation and warnings", config: with(bench, "rotate_after", "720h", "warn_unused_after", "1h", "warn_older_than", "1h", "rotation_triggers", map[string]any{"r": "1"}, "revoke_grace_period", "1h"), fast: true},
		{name: "roles", config: with(bench, "roles", []any{"tfacc-reader"}, "permissions", []any{"tfacc-docs.read", "tfacc-docs.write"}), setup: roles, fast: true},
		{name: "identity by external_id", config: with(bench, "external_id", "tfacc-tenant"), setup: identity, fast: true},
		{name: "new identity by external_id", config: with(bench, "external_id", "tfacc-new-tenant"), fast: true},
		{name: "read back: meta and expiry spelled otherwise", config: with(bench, "external_id", "tfacc-tenant", "meta", `{ "b": [1, 2],  "a": {"z": true} }`, "expires_at", "2030-01-01T02:00:00.000+02:00"), setup: identity, fast: true},
		{name: "read back with roles: meta spelled otherwise", config: with(bench, "roles", []any{"tfacc-reader"}, "meta", `{"z":1,   "a":2}`, "expires_at", "2030-01-01T00:00:00+00:00"), setup: roles, fast: true},
		{name: "empty permissions and meta", config: with(bench, "permissions", []any{}, "meta", `{}`), fast: true},

		// Errors both paths must report alike.
		{name: "API not found", config: with(bench, "api_id", "api_tfaccmissing"), fast: true, wantErr: "API not found"},
		{name: "role not found", config: with(bench, "roles", []any{"tfacc-no-such-role"}), fast: true, wantErr: "Error creating key"},
		{name: "server error on every create", config: bench, fault: onlyRoute("/v2/keys.createKey", 1, answer500), fast: true, wantErr: "Error creating key"},
		{name: "create response lost once", config: bench, fault: onceRoute("/v2/keys.createKey", 1, dropAfter), fast: true},
		{name: "every create response lost", config: bench, fault: onlyRoute("/v2/keys.createKey", 1, dropAfter), fast: true, wantErr: "Error creating key"},
		{name: "unconfirmed create", config: bench, fault: func(r string, seen map[string]int) applyFault {
			if r == "/v2/keys.createKey" {
				return dropAfter
			}
			return afterRoute("/v2/keys.createKey", "/v2/apis.listKeys", answer503)(r, seen)
		}, fast: true, wantErr: "Key creation unconfirmed"},
		{name: "listing for interrupted runs fails", config: bench, fault: onlyRoute("/v2/apis.listKeys", 1, answer503), fast: true, wantErr: "Error checking for keys left by an interrupted run"},
		{name: "read after create fails", config: with(bench, "external_id", "tfacc-tenant"), setup: identity, fault: onlyRoute("/v2/keys.getKey", 1, answer503), fast: true, wantErr: "Error reading key after create"},

		// Requests the shortcut leaves to the framework.
		{name: "an update", config: bench, mutate: func(req *tfprotov6.ApplyResourceChangeRequest) {
			req.PriorState = dynamic(t, f.keyType, build(t, f.keyType, with(baseKey(), "id", "key_tfaccgone", "api_id", "api_tfaccgone")))
		}, wantErr: "Error"},
		{name: "planned private data", config: bench, mutate: func(req *tfprotov6.ApplyResourceChangeRequest) {
			req.PlannedPrivate = []byte(`{"k":"InYi"}`)
		}},
		{name: "planned identity set", config: bench, mutate: func(req *tfprotov6.ApplyResourceChangeRequest) {
			id := build(t, f.identity, map[string]any{"api_id": "api_x", "id": "key_x"})
			req.PlannedIdentity = &tfprotov6.ResourceIdentityData{IdentityData: dynamic(t, f.identity, id)}
		}},
		{name: "identity known in the plan", config: bench, mutate: func(req *tfprotov6.ApplyResourceChangeRequest) {
			v, err := req.PlannedState.Unmarshal(f.keyType)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]tftypes.Value
			if err := v.As(&m); err != nil {
				t.Fatal(err)
			}
			m["identity"] = build(t, f.keyType.AttributeTypes["identity"], map[string]any{"id": "id_1", "external_id": "x", "meta": `{"a":1}`})
			req.PlannedState = dynamic(t, f.keyType, tftypes.NewValue(f.keyType, m))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, fast := f.run(t, tt)
			f.compare(t, ref, fast)
			if fast.answered != tt.fast {
				t.Errorf("shortcut answered = %v, want %v", fast.answered, tt.fast)
			}
			if ref.answered {
				t.Error("the framework-only side answered through the shortcut")
			}
			checkApplyOutcome(t, f, ref, tt.wantErr)
		})
	}
}

// checkApplyOutcome asserts what the reference answer must be, so that a case cannot pass with
// both sides equally empty: the expected error, or a created key with its generated values.
func checkApplyOutcome(t *testing.T, f *applyFixture, ref applyOutcome, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if !strings.Contains(diagText(ref.resp.Diagnostics), wantErr) {
			t.Errorf("the framework's diagnostics %s lack %q", diagText(ref.resp.Diagnostics), wantErr)
		}
		return
	}
	if hasErrors(ref.resp.Diagnostics) {
		t.Fatalf("the framework's apply failed: %s", diagText(ref.resp.Diagnostics))
	}
	m := f.stateAttrs(t, ref.resp)
	if id := stringAttr(m, "id"); !strings.HasPrefix(id, "key_") || stringAttr(m, "start") == "" || stringAttr(m, "created_at") == "" {
		t.Errorf("the framework's state holds no created key: id %q, start %q, created_at %q", id, stringAttr(m, "start"), stringAttr(m, "created_at"))
	}
	if len(ref.requests) == 0 {
		t.Error("no requests were recorded")
	}
}

// TestFastCreateUnconfiguredBackend: with the unkey backend not configured the framework
// reports it, so the shortcut must not answer.
func TestFastCreateUnconfiguredBackend(t *testing.T) {
	f := &applyFixture{
		ref:  newApplySide(t, []string{"mixpeek"}, frameworkOnly...),
		fast: newApplySide(t, []string{"mixpeek"}),
		pair: newPair(t, "unkey"),
	}
	c := applyCase{name: "unconfigured", config: benchConfig()}
	ref, fast := f.run(t, c)
	f.compare(t, ref, fast)
	if fast.answered {
		t.Error("shortcut answered for an unconfigured backend")
	}
	if !hasErrors(ref.resp.Diagnostics) {
		t.Error("the framework reported nothing for an unconfigured backend")
	}
}

// fuzzFaults are the faults a fuzzed apply may meet.
var fuzzFaults = []faultRule{
	nil,
	onlyRoute("/v2/keys.createKey", 1, answer500),
	onlyRoute("/v2/keys.createKey", 1, dropAfter),
	onceRoute("/v2/keys.createKey", 1, dropAfter),
	onlyRoute("/v2/apis.listKeys", 1, answer503),
	onlyRoute("/v2/keys.getKey", 1, answer503),
	onlyRoute("/v2/apis.getApi", 1, answer503),
}

// fuzzApplyConfig turns data into a configuration of known values drawn from the pools (one
// byte per attribute, in name order, as the create plan's fuzz target does), with a fault and an
// API that may be missing (the last bytes).
func (f *applyFixture) fuzzApplyConfig(data []byte) (map[string]any, faultRule) {
	names := sortedNames(f.attrs)
	at := func(i int) byte {
		if i < len(data) {
			return data[i]
		}
		return 0
	}
	config := map[string]any{}
	for i, name := range names {
		a := f.attrs[name]
		if (a.Computed && !a.Optional) || name == "api_id" {
			continue
		}
		b := at(i)
		pool := fuzzApplyPools[name]
		if pool == nil {
			pool = fuzzPools[name]
		}
		if b%8 >= 4 || a.Required {
			config[name] = pool[int(b/8)%len(pool)]
		}
	}
	flags := at(len(names))
	if flags&1 != 0 {
		config["api_id"] = "api_tfaccmissing"
	}
	return config, fuzzFaults[int(flags/2)%len(fuzzFaults)]
}

// fuzzApplyPools replace the plan pools where a create needs values the server accepts.
var fuzzApplyPools = map[string][]any{
	"plaintext_age_recipients": {nil, []any{applyAgeReceive}},
	"expires_at":               {nil, "2099-01-01T00:00:00Z", "2030-01-01T01:00:00+01:00", "2020-01-01T00:00:00Z"},
	"roles":                    {nil, []any{"tfacc-reader"}, []any{"tfacc-missing"}},
	"permissions":              {nil, []any{"tfacc-docs.read", "tfacc-docs.write"}, []any{}},
	"external_id":              {nil, "tfacc-acme"},
}

// FuzzFastCreateMatchesFramework: for any create drawn from the pools, under any of the faults,
// the shortcut and the framework answer the same and send the same requests.
func FuzzFastCreateMatchesFramework(f *testing.F) {
	fx := newApplyFixture(f)
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0x04}, 40))
	f.Add(bytes.Repeat([]byte{0x0c, 0x05, 0x17}, 14))
	f.Add(append(bytes.Repeat([]byte{0x24}, 35), 0x04))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice over"))
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		config, fault := fx.fuzzApplyConfig(data)
		n++
		c := applyCase{name: fmt.Sprintf("fuzz %d %x", n, data), config: config, fault: fault, setup: func(t *testing.T, s applySide, _ string) {
			ctx := context.Background()
			if _, err := s.srv.Unkey.CreateRole(ctx, "tfacc-reader", "", nil); err != nil && !unkey.IsStatus(err, http.StatusConflict) {
				t.Fatal(err)
			}
		}}
		plan, err := fx.ref.server.PlanResourceChange(context.Background(), fx.protoRequest(t, request{config: with(config, "api_id", "api_x")}))
		if err != nil || hasErrors(plan.Diagnostics) {
			return // a configuration the plan refuses never reaches apply
		}
		ref, fast := fx.run(t, c)
		fx.compare(t, ref, fast)
	})
}
