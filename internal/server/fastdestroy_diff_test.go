package server_test

// The differential test of the destroy shortcut. Each case makes two copies of the same key, each
// in an API of its own, on one local server: the framework plans and deletes one, the shortcut
// the other. Both answers (planned state, identity and private data, new state, identity and
// private data, diagnostics) and everything the server saw (each request's path and body, the
// keys left in each API, what a getKey of each key answers) must be the same once the copies'
// ids are swapped; and so must the API's own destroy check afterwards, which sees the destroys
// the key's plans recorded.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// recorder stands between the provider and the local server: it records every request and can
// answer some with a failure instead.
type recorder struct {
	mu    sync.Mutex
	log   []string
	fault func(path, body string) int // a status to answer instead, or 0
}

func (r *recorder) ServeHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		r.mu.Lock()
		r.log = append(r.log, req.Method+" "+req.URL.Path+" "+string(body))
		fault := r.fault
		r.mu.Unlock()
		if fault != nil {
			if status := fault(req.URL.Path, string(body)); status != 0 {
				// A plain answer, as a proxy in the way gives: never evidence that a key is gone.
				http.Error(w, http.StatusText(status), status)
				return
			}
		}
		next.ServeHTTP(w, req)
	})
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.log
	r.log = nil
	return out
}

func (r *recorder) setFault(f func(path, body string) int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fault = f
}

type destroyFixture struct {
	*pair
	rec     *recorder
	client  *unkey.Client // straight to the server, for setting up and checking
	apiType tftypes.Object
}

func newDestroyFixture(t testing.TB) *destroyFixture {
	t.Helper()
	srv := acctest.NewLocalServer(t, "it deletes keys on a local server and compares what the server saw")
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httptest.NewServer(rec.ServeHTTP(httputil.NewSingleHostReverseProxy(target)))
	t.Cleanup(proxy.Close)
	// No retries: a failure injected once is the answer.
	p := newPairSettings(t, false, proxy.URL, srv.RootKey, map[string]any{"max_retries": 0}, "unkey")
	sch, err := p.framework.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return &destroyFixture{pair: p, rec: rec, client: srv.Unkey, apiType: sch.ResourceSchemas["apikey_unkey_api"].ValueType().(tftypes.Object)}
}

// destroyCase is one prior state and what the server holds and does around it.
type destroyCase struct {
	name string
	// state is the key's prior state over baseKey, given its copy's key and API (and a second
	// key made in the API for it, when extra).
	state func(c copyIDs) map[string]any
	extra bool // a second key in the API (a retiring key, or an unconfirmed create's)
	// extraMeta is the second key's meta.
	extraMeta   string
	goneBefore  bool                                   // the key is deleted out of band before the destroy
	fault       func(c copyIDs, path, body string) int // failures the server answers during the delete
	private     func(c copyIDs) []byte
	noIdentity  bool
	planFast    bool // the shortcut plans the destroy
	deleteFast  bool // the shortcut runs the Delete
	deleteError bool // the framework's Delete reports an error (the state is kept)
}

// copyIDs are one copy's ids.
type copyIDs struct{ api, key, extra string }

// makeCopy makes one copy of tc's key; with like, in an API whose id has like's length.
func (f *destroyFixture) makeCopy(t testing.TB, tc destroyCase, like *copyIDs) copyIDs {
	t.Helper()
	ctx := context.Background()
	var api string
	// API ids are base58 of random bytes, mostly but not always of one length.
	for range 200 {
		var err error
		if api, err = f.client.CreateAPI(ctx, acctest.NamePrefix+"fastdestroy"); err != nil {
			t.Fatal(err)
		}
		if like == nil || len(api) == len(like.api) {
			break
		}
	}
	key, err := f.client.CreateKey(ctx, unkey.CreateKeyRequest{APIID: api, Name: "tfacc-destroy", Prefix: "pk"})
	if err != nil {
		t.Fatal(err)
	}
	c := copyIDs{api: api, key: key.KeyID}
	if tc.extra {
		req := unkey.CreateKeyRequest{APIID: api, Name: "tfacc-extra"}
		if tc.extraMeta != "" {
			req.Meta = json.RawMessage(tc.extraMeta)
		}
		extra, err := f.client.CreateKey(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		c.extra = extra.KeyID
	}
	if tc.goneBefore {
		if err := f.client.DeleteKey(ctx, c.key, false); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// swap turns the fast copy's ids into the framework copy's, in any text or encoding: ids of one
// kind have one length, so msgpack string headers stay valid.
func swap(b []byte, from, to copyIDs) []byte {
	for _, pair := range [][2]string{{from.api, to.api}, {from.key, to.key}, {from.extra, to.extra}} {
		if pair[0] != "" {
			b = bytes.ReplaceAll(b, []byte(pair[0]), []byte(pair[1]))
		}
	}
	return b
}

func swapDiags(diags []*tfprotov6.Diagnostic, from, to copyIDs) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		c := *d
		c.Summary, c.Detail = string(swap([]byte(c.Summary), from, to)), string(swap([]byte(c.Detail), from, to))
		// The server names each request it answers.
		c.Detail = requestIDPattern.ReplaceAllString(c.Detail, "req_…")
		out = append(out, &c)
	}
	return out
}

// swapPrivate is swap inside private data, whose values are base64 in JSON.
func swapPrivate(b []byte, from, to copyIDs) []byte {
	var m map[string][]byte
	if len(b) == 0 || json.Unmarshal(b, &m) != nil {
		return swap(b, from, to)
	}
	changed := false
	for k, v := range m {
		m[k] = swap(v, from, to)
		changed = changed || !bytes.Equal(m[k], v)
	}
	if !changed {
		return b // compared as sent, so a difference of encoding shows
	}
	out, err := json.Marshal(m)
	if err != nil {
		return swap(b, from, to)
	}
	return out
}

var requestIDPattern = regexp.MustCompile(`req_[A-Za-z0-9]+`)

var keyIDPattern = regexp.MustCompile(`key_[A-Za-z0-9]+`)

func anyKey(diags []*tfprotov6.Diagnostic) []*tfprotov6.Diagnostic {
	for _, d := range diags {
		d.Detail = keyIDPattern.ReplaceAllString(d.Detail, "key_…")
	}
	return diags
}

func swapValue(v *tfprotov6.DynamicValue, from, to copyIDs) *tfprotov6.DynamicValue {
	if v == nil {
		return nil
	}
	return &tfprotov6.DynamicValue{MsgPack: swap(v.MsgPack, from, to), JSON: swap(v.JSON, from, to)}
}

func swapIdentity(id *tfprotov6.ResourceIdentityData, from, to copyIDs) *tfprotov6.ResourceIdentityData {
	if id == nil {
		return nil
	}
	return &tfprotov6.ResourceIdentityData{IdentityData: swapValue(id.IdentityData, from, to)}
}

// requests is one copy's destroy as the server saw it, in the framework copy's ids.
func (f *destroyFixture) requests(from, to copyIDs) []string {
	var out []string
	for _, r := range f.rec.take() {
		out = append(out, string(swap([]byte(r), from, to)))
	}
	return out
}

// outcome is everything compared of one copy's destroy.
type outcome struct {
	plan              *tfprotov6.PlanResourceChangeResponse
	apply             *tfprotov6.ApplyResourceChangeResponse
	planRequests      []string
	applyRequests     []string
	afterKey, afterEx string // getKey of the key and of the second key afterwards
	inAPI             int    // keys left in the API
	apiPlan           []*tfprotov6.Diagnostic
	planFast          bool
	deleteFast        bool
}

func (f *destroyFixture) run(t testing.TB, srv server6, tc destroyCase, c copyIDs, to copyIDs) outcome {
	t.Helper()
	ctx := context.Background()
	base := with(baseKey(), "id", c.key, "api_id", c.api)
	state := base
	if tc.state != nil {
		state = tc.state(c)
		for name, v := range base {
			if _, ok := state[name]; !ok {
				state[name] = v
			}
		}
	}
	prior := dynamic(t, f.keyType, build(t, f.keyType, state))
	var identity *tfprotov6.ResourceIdentityData
	if !tc.noIdentity {
		id := build(t, f.identity, map[string]any{"api_id": state["api_id"], "id": state["id"]})
		identity = &tfprotov6.ResourceIdentityData{IdentityData: dynamic(t, f.identity, id)}
	}
	var private []byte
	if tc.private != nil {
		private = tc.private(c)
	}
	null := dynamic(t, f.keyType, tftypes.NewValue(f.keyType, nil))
	var out outcome
	f.rec.take()
	before := statsOf(srv)
	plan, err := srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: keyType, PriorState: prior, ProposedNewState: null, Config: null,
		PriorPrivate: private, PriorIdentity: identity,
	})
	if err != nil {
		t.Fatal(err)
	}
	out.planRequests = f.requests(c, to)
	afterPlan := statsOf(srv)
	out.planFast = afterPlan.Planned > before.Planned
	if fault := tc.fault; fault != nil {
		f.rec.setFault(func(path, body string) int { return fault(c, path, body) })
	}
	apply, err := srv.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: keyType, PriorState: prior, PlannedState: plan.PlannedState, Config: null,
		PlannedPrivate: plan.PlannedPrivate, PlannedIdentity: plan.PlannedIdentity,
	})
	f.rec.setFault(nil)
	if err != nil {
		t.Fatal(err)
	}
	out.applyRequests = f.requests(c, to)
	out.deleteFast = statsOf(srv).Deleted > afterPlan.Deleted
	out.plan = &tfprotov6.PlanResourceChangeResponse{
		PlannedState: swapValue(plan.PlannedState, c, to), PlannedIdentity: swapIdentity(plan.PlannedIdentity, c, to),
		PlannedPrivate: swapPrivate(plan.PlannedPrivate, c, to), RequiresReplace: plan.RequiresReplace, Deferred: plan.Deferred,
		Diagnostics: swapDiags(plan.Diagnostics, c, to),
	}
	out.apply = &tfprotov6.ApplyResourceChangeResponse{
		NewState: swapValue(apply.NewState, c, to), NewIdentity: swapIdentity(apply.NewIdentity, c, to),
		Private: swapPrivate(apply.Private, c, to), Diagnostics: swapDiags(apply.Diagnostics, c, to),
		UnsafeToUseLegacyTypeSystem: apply.UnsafeToUseLegacyTypeSystem,
	}
	out.afterKey = f.describeKey(t, c.key)
	if c.extra != "" {
		out.afterEx = f.describeKey(t, c.extra)
	}
	keys, err := f.client.ListAllKeys(ctx, c.api, "")
	if err != nil {
		t.Fatal(err)
	}
	out.inAPI = len(keys)
	// The API's destroy check counts the keys in it whose destroy no plan recorded.
	apiState := build(t, f.apiType, map[string]any{"id": c.api, "name": acctest.NamePrefix + "fastdestroy", "delete_with_keys": false})
	apiResp, err := srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: "apikey_unkey_api", PriorState: dynamic(t, f.apiType, apiState),
		ProposedNewState: dynamic(t, f.apiType, tftypes.NewValue(f.apiType, nil)), Config: dynamic(t, f.apiType, tftypes.NewValue(f.apiType, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Which key the check names depends on the order of random ids.
	out.apiPlan = anyKey(swapDiags(apiResp.Diagnostics, c, to))
	f.rec.take()
	return out
}

// server6 is what run needs of either side.
type server6 interface {
	PlanResourceChange(context.Context, *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error)
	ApplyResourceChange(context.Context, *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error)
}

func statsOf(s server6) struct{ Planned, Deleted int64 } {
	if fast, ok := s.(interface {
		FastDestroyStats() server.FastDestroyStats
	}); ok {
		st := fast.FastDestroyStats()
		return struct{ Planned, Deleted int64 }{st.Planned, st.Deleted}
	}
	return struct{ Planned, Deleted int64 }{}
}

func (f *destroyFixture) describeKey(t testing.TB, id string) string {
	t.Helper()
	k, err := f.client.GetKey(context.Background(), id, false)
	switch {
	case unkey.IsKeyNotFound(err):
		return "not found"
	case err != nil:
		t.Fatalf("getKey %s: %v", id, err)
	}
	exp := "none"
	if k.Expires != nil {
		exp = fmt.Sprint(*k.Expires)
	}
	return fmt.Sprintf("enabled=%v expires=%s", k.Enabled, exp)
}

// destroyDifferences lists how two copies' destroys differ.
func (f *destroyFixture) destroyDifferences(a, b outcome) []string {
	var out []string
	value := func(what string, typ tftypes.Type, x, y *tfprotov6.DynamicValue) {
		out = append(out, valueDifferences(what, typ, x, y, true)...)
	}
	identity := func(what string, x, y *tfprotov6.ResourceIdentityData) {
		if (x == nil) != (y == nil) {
			out = append(out, fmt.Sprintf("%s: %v vs %v", what, x, y))
		} else if x != nil {
			value(what, f.identity, x.IdentityData, y.IdentityData)
		}
	}
	value("planned state", f.keyType, a.plan.PlannedState, b.plan.PlannedState)
	identity("planned identity", a.plan.PlannedIdentity, b.plan.PlannedIdentity)
	if !bytes.Equal(a.plan.PlannedPrivate, b.plan.PlannedPrivate) || (a.plan.PlannedPrivate == nil) != (b.plan.PlannedPrivate == nil) {
		out = append(out, fmt.Sprintf("planned private: %q vs %q", a.plan.PlannedPrivate, b.plan.PlannedPrivate))
	}
	if !reflect.DeepEqual(a.plan.RequiresReplace, b.plan.RequiresReplace) || !reflect.DeepEqual(a.plan.Deferred, b.plan.Deferred) {
		out = append(out, fmt.Sprintf("plan replace/deferred: %v %v vs %v %v", a.plan.RequiresReplace, a.plan.Deferred, b.plan.RequiresReplace, b.plan.Deferred))
	}
	if !reflect.DeepEqual(a.plan.Diagnostics, b.plan.Diagnostics) {
		out = append(out, fmt.Sprintf("plan diagnostics: %s vs %s", diagText(a.plan.Diagnostics), diagText(b.plan.Diagnostics)))
	}
	value("new state", f.keyType, a.apply.NewState, b.apply.NewState)
	identity("new identity", a.apply.NewIdentity, b.apply.NewIdentity)
	if !bytes.Equal(a.apply.Private, b.apply.Private) || (a.apply.Private == nil) != (b.apply.Private == nil) {
		out = append(out, fmt.Sprintf("new private: %q vs %q", a.apply.Private, b.apply.Private))
	}
	if !reflect.DeepEqual(a.apply.Diagnostics, b.apply.Diagnostics) {
		out = append(out, fmt.Sprintf("apply diagnostics: %s vs %s", diagText(a.apply.Diagnostics), diagText(b.apply.Diagnostics)))
	}
	if a.apply.UnsafeToUseLegacyTypeSystem != b.apply.UnsafeToUseLegacyTypeSystem {
		out = append(out, "legacy type system flag differs")
	}
	for _, d := range []struct {
		what string
		x, y any
	}{
		{"plan requests", a.planRequests, b.planRequests},
		{"delete requests", a.applyRequests, b.applyRequests},
		{"key afterwards", a.afterKey, b.afterKey},
		{"second key afterwards", a.afterEx, b.afterEx},
		{"keys left in the API", a.inAPI, b.inAPI},
		{"API destroy check", diagText(a.apiPlan), diagText(b.apiPlan)},
	} {
		if !reflect.DeepEqual(d.x, d.y) {
			out = append(out, fmt.Sprintf("%s: %v vs %v", d.what, d.x, d.y))
		}
	}
	return out
}

// compare runs tc both ways: the framework's outcome and the differences of the shortcut's.
func (f *destroyFixture) compare(t testing.TB, tc destroyCase) (want, got outcome, diffs []string) {
	t.Helper()
	a := f.makeCopy(t, tc, nil)
	b := f.makeCopy(t, tc, &a)
	for _, pair := range [][2]string{{a.api, b.api}, {a.key, b.key}, {a.extra, b.extra}} {
		if len(pair[0]) != len(pair[1]) {
			t.Fatalf("ids of one kind differ in length: %q, %q", pair[0], pair[1])
		}
	}
	want = f.run(t, f.framework, tc, a, a)
	got = f.run(t, f.fast, tc, b, a)
	return want, got, f.destroyDifferences(want, got)
}

// ledger is private data holding a reroll ledger that names key.
func ledger(key string) []byte {
	raw, _ := json.Marshal([]map[string]string{{"id": key, "expires_at": "2020-01-01T00:00:00Z"}})
	out, _ := json.Marshal(map[string]string{"rerolled_keys": base64.StdEncoding.EncodeToString(raw)})
	return out
}

func destroyCases() []destroyCase {
	st := func(kv ...any) func(c copyIDs) map[string]any {
		return func(c copyIDs) map[string]any {
			m := with(baseKey(), "id", c.key, "api_id", c.api)
			return with(m, kv...)
		}
	}
	retiring := func(expires string) func(c copyIDs) map[string]any {
		return func(c copyIDs) map[string]any {
			return with(baseKey(), "id", c.key, "api_id", c.api, "previous_key", map[string]any{"id": c.extra, "start": "pk_zzzz", "expires_at": expires})
		}
	}
	failOn := func(op string, status int) func(c copyIDs, path, body string) int {
		return func(_ copyIDs, path, _ string) int {
			if strings.HasSuffix(path, "/"+op) {
				return status
			}
			return 0
		}
	}
	return []destroyCase{
		{name: "soft delete", planFast: true, deleteFast: true},
		{name: "permanent delete", state: st("permanent_delete", true), planFast: true, deleteFast: true},
		{name: "grace period", state: st("revoke_grace_period", "1h"), planFast: true, deleteFast: true},
		{name: "grace period past the expiry", state: st("revoke_grace_period", "1h", "expires_at", "2026-06-01T12:10:00Z"), planFast: true, deleteFast: true},
		{name: "grace period and permanent delete", state: st("revoke_grace_period", "30m", "permanent_delete", true), planFast: true, deleteFast: true},
		{name: "expiry without a grace period", state: st("expires_at", "2099-01-01T00:00:00Z"), planFast: true, deleteFast: true},
		{name: "retiring key", state: retiring("2099-01-01T00:00:00Z"), extra: true, planFast: true, deleteFast: true},
		{name: "retiring key, permanent", state: func(c copyIDs) map[string]any {
			return with(retiring("2099-01-01T00:00:00Z")(c), "permanent_delete", true)
		}, extra: true, planFast: true, deleteFast: true},
		{name: "retiring key already gone", state: func(c copyIDs) map[string]any {
			return with(baseKey(), "id", c.key, "api_id", c.api, "previous_key", map[string]any{"id": "key_gone00000", "start": "pk_zzzz", "expires_at": "2099-01-01T00:00:00Z"})
		}, planFast: true, deleteFast: true},
		{name: "key already gone", goneBefore: true, planFast: true, deleteFast: true},
		{name: "unconfirmed create, key found", state: st("id", "unconfirmed_m-0123", "external_id", nil), extra: true, extraMeta: `{"_apikey_create":"m-0123"}`, planFast: true, deleteFast: true},
		{name: "unconfirmed create, nothing found", state: st("id", "unconfirmed_m-4567", "external_id", nil), extra: true, planFast: true, deleteFast: true},
		{name: "no identity", noIdentity: true, planFast: true, deleteFast: true},
		{name: "null id", state: st("id", nil), planFast: true, deleteFast: true, deleteError: true},

		// Errors: the state stays, with its identity.
		{name: "server error on delete", fault: failOn("keys.deleteKey", 500), planFast: true, deleteFast: true, deleteError: true},
		{name: "bare 404 on delete", fault: failOn("keys.deleteKey", 404), planFast: true, deleteFast: true, deleteError: true},
		{name: "server error on the grace period", state: st("revoke_grace_period", "1h"), fault: failOn("keys.updateKey", 503), planFast: true, deleteFast: true, deleteError: true},
		{name: "server error on the retiring key", state: retiring("2099-01-01T00:00:00Z"), extra: true, fault: func(c copyIDs, path, body string) int {
			if strings.HasSuffix(path, "/keys.deleteKey") && strings.Contains(body, c.extra) {
				return 500
			}
			return 0
		}, planFast: true, deleteFast: true, deleteError: true},
		{name: "server error listing for an unconfirmed create", state: st("id", "unconfirmed_m-89ab", "external_id", nil), fault: failOn("apis.listKeys", 500), planFast: true, deleteFast: true, deleteError: true},

		// Private data: passed through by the plan; the Delete, which reads it, goes to the framework.
		{name: "reroll ledger", private: func(c copyIDs) []byte { return ledger(c.extra) }, extra: true, planFast: true},
		{name: "reroll ledger, deleting fails", private: func(c copyIDs) []byte { return ledger(c.extra) }, extra: true, fault: failOn("keys.deleteKey", 500), planFast: true, deleteError: true},
		{name: "private data of other keys", private: func(copyIDs) []byte { return []byte(`{"b":"InYi","a":"eyJ4IjoxfQ=="}`) }, planFast: true},
		{name: "empty private data", private: func(copyIDs) []byte { return []byte(`{}`) }, planFast: true, deleteFast: true},
		// Values the framework refuses (not JSON): it reports an error, so the plan declines.
		{name: "private value not JSON", private: func(copyIDs) []byte { return []byte(`{"a":"bm90IGpzb24="}`) }},
	}
}

func TestFastDestroyMatchesFramework(t *testing.T) {
	f := newDestroyFixture(t)
	for _, tc := range destroyCases() {
		t.Run(tc.name, func(t *testing.T) {
			want, got, diffs := f.compare(t, tc)
			switch {
			case len(diffs) > 0:
				t.Fatalf("shortcut differs from the framework: %v", diffs)
			case got.planFast != tc.planFast || got.deleteFast != tc.deleteFast:
				t.Fatalf("shortcut answered plan %v, delete %v; want %v, %v", got.planFast, got.deleteFast, tc.planFast, tc.deleteFast)
			case want.planFast || want.deleteFast:
				t.Fatal("the framework side took a shortcut")
			case hasErrors(want.apply.Diagnostics) != tc.deleteError:
				t.Fatalf("the framework's Delete reported %s; the case expects an error: %v", diagText(want.apply.Diagnostics), tc.deleteError)
			}
			if tc.name == "private value not JSON" && !hasErrors(want.plan.Diagnostics) {
				t.Fatal("the framework accepts this private data: the case no longer shows why the plan must decline")
			}
			// The destroy check sees the key's recorded destroy: only keys it did not record block it.
			if !tc.deleteError && hasErrors(want.apiPlan) && want.inAPI == 0 {
				t.Fatalf("API destroy check failed with no key left: %s", diagText(want.apiPlan))
			}
		})
	}
}

// TestFastDestroyRecordsTheDestroy: the API's destroy check refuses while a key it holds has no
// planned destroy, and passes once the key's destroy plan went through the shortcut. Without the
// rule's record the shortcut would pass the plan and leave the check refusing.
func TestFastDestroyRecordsTheDestroy(t *testing.T) {
	f := newDestroyFixture(t)
	ctx := context.Background()
	api, err := f.client.CreateAPI(ctx, acctest.NamePrefix+"fastdestroy-check")
	if err != nil {
		t.Fatal(err)
	}
	key, err := f.client.CreateKey(ctx, unkey.CreateKeyRequest{APIID: api, Name: "tfacc-check"})
	if err != nil {
		t.Fatal(err)
	}
	apiNull := dynamic(t, f.apiType, tftypes.NewValue(f.apiType, nil))
	apiPlan := func() []*tfprotov6.Diagnostic {
		state := build(t, f.apiType, map[string]any{"id": api, "name": acctest.NamePrefix + "fastdestroy-check", "delete_with_keys": false})
		resp, err := f.fast.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: "apikey_unkey_api", PriorState: dynamic(t, f.apiType, state), ProposedNewState: apiNull, Config: apiNull,
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	}
	if !hasErrors(apiPlan()) {
		t.Fatal("the API's destroy check passed with a key whose destroy was not planned")
	}
	null := dynamic(t, f.keyType, tftypes.NewValue(f.keyType, nil))
	before := f.fast.FastDestroyStats()
	if _, err := f.fast.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: keyType, PriorState: dynamic(t, f.keyType, build(t, f.keyType, with(baseKey(), "id", key.KeyID, "api_id", api))),
		ProposedNewState: null, Config: null,
	}); err != nil {
		t.Fatal(err)
	}
	if f.fast.FastDestroyStats().Planned != before.Planned+1 {
		t.Fatal("the key's destroy plan did not take the shortcut")
	}
	if d := apiPlan(); hasErrors(d) {
		t.Fatalf("the API's destroy check still refuses after the key's destroy was planned: %s", diagText(d))
	}
}

// TestFastDestroyUnconfiguredBackend: with the unkey backend not configured the framework's
// Delete reports it, so neither shortcut answers.
func TestFastDestroyUnconfiguredBackend(t *testing.T) {
	p := newPair(t, "mixpeek")
	ctx := context.Background()
	prior := dynamic(t, p.keyType, build(t, p.keyType, baseKey()))
	null := dynamic(t, p.keyType, tftypes.NewValue(p.keyType, nil))
	plan, err := p.fast.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: keyType, PriorState: prior, ProposedNewState: null, Config: null})
	if err != nil {
		t.Fatal(err)
	}
	apply, err := p.fast.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: keyType, PriorState: prior, PlannedState: plan.PlannedState, Config: null})
	if err != nil {
		t.Fatal(err)
	}
	if st := p.fast.FastDestroyStats(); st.Planned != 0 || st.Deleted != 0 {
		t.Fatalf("shortcut answered for an unconfigured backend: %+v", st)
	}
	if !hasErrors(apply.Diagnostics) {
		t.Fatal("the framework's Delete reported nothing for an unconfigured backend")
	}
}

// FuzzFastDestroyMatchesFramework: for any combination of the corpus's prior states, server
// failures, identity and private data, the shortcut's destroy is the framework's.
func FuzzFastDestroyMatchesFramework(f *testing.F) {
	fx := newDestroyFixture(f)
	cases := destroyCases()
	f.Add([]byte{0})
	f.Add([]byte{1, 2, 3})
	f.Add([]byte{6, 14, 0x80})
	f.Add([]byte{10, 19, 0x41})
	f.Fuzz(func(t *testing.T, data []byte) {
		at := func(i int) int {
			if i < len(data) {
				return int(data[i])
			}
			return 0
		}
		// The prior state and second key of one case, the failures of another, and flags.
		tc := cases[at(0)%len(cases)]
		other := cases[at(1)%len(cases)]
		tc.fault, tc.deleteError = other.fault, false
		flags := at(2)
		tc.noIdentity = flags&1 != 0
		tc.goneBefore = flags&2 != 0
		if flags&4 != 0 {
			tc.private = func(copyIDs) []byte { return []byte(`{"a":"eyJ4IjoxfQ=="}`) }
		}
		if flags&8 != 0 {
			base := tc.state
			tc.state = func(c copyIDs) map[string]any {
				m := with(baseKey(), "id", c.key, "api_id", c.api)
				if base != nil {
					m = base(c)
				}
				return with(m, "permanent_delete", true)
			}
		}
		if _, _, diffs := fx.compare(t, tc); len(diffs) > 0 {
			t.Fatalf("shortcut differs from the framework: %v", diffs)
		}
	})
}
