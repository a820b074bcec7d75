package unkey

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
)

// recorder keeps every response body the client received, so a test can find the plaintexts
// the server sent and prove they went no further.
type recorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	bodies map[string][]string // by URL path
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.bodies[req.URL.Path] = append(r.bodies[req.URL.Path], string(body))
	r.mu.Unlock()
	return resp, nil
}

// plaintexts returns the "key" fields of the responses to path.
func (r *recorder) plaintexts(t *testing.T, path string) []string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range r.bodies[path] {
		var env struct {
			Data struct {
				Key string `json:"key"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(b), &env); err != nil {
			t.Fatalf("decoding a %s response: %v", path, err)
		}
		out = append(out, env.Data.Key)
	}
	return out
}

type testBackend struct {
	svc   service
	apiID string
	rec   *recorder
}

// newTestBackend starts a local server and returns the Unkey service configured against it.
func newTestBackend(t *testing.T) *testBackend {
	t.Helper()
	dev, err := devserver.New(devserver.Config{DBPath: filepath.Join(t.TempDir(), "apikey.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Close() })
	endpoint, err := dev.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	apiID, err := dev.CreateAPI(context.Background(), "unit")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: http.DefaultTransport, bodies: map[string][]string{}}
	hc, err := transport.New(transport.Config{BaseURL: endpoint, Token: dev.RootKey(), RequestTimeout: 10 * time.Second, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	data := backend.NewData(time.Now)
	data.Register(ServiceName, NewBackend(unkey.New(hc), time.Now, 1))
	svc, diags := lookup(data)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return &testBackend{svc: svc, apiID: apiID, rec: rec}
}

func (tb *testBackend) createKey(t *testing.T, req unkey.CreateKeyRequest) *unkey.CreatedKey {
	t.Helper()
	req.APIID = tb.apiID
	k, err := tb.svc.Value.Client.CreateKey(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// configFor builds a configuration of schema s: vals for the named attributes, null elsewhere.
func configFor(t *testing.T, s interface {
	Type() attr.Type
}, vals map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	typ, ok := s.Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		t.Fatalf("schema type is %T", s.Type())
	}
	all := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := vals[name]; ok {
			all[name] = v
		} else {
			all[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(typ, all)
}

// invoke runs an action with the given attribute values and returns its diagnostics and the
// progress messages it sent.
func invoke(t *testing.T, a action.Action, vals map[string]tftypes.Value) (diag.Diagnostics, []string) {
	t.Helper()
	var sr action.SchemaResponse
	a.Schema(context.Background(), action.SchemaRequest{}, &sr)
	var msgs []string
	resp := action.InvokeResponse{SendProgress: func(e action.InvokeProgressEvent) { msgs = append(msgs, e.Message) }}
	a.Invoke(context.Background(), action.InvokeRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: configFor(t, sr.Schema, vals)}}, &resp)
	return resp.Diagnostics, msgs
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

func TestLinkMeta(t *testing.T) {
	cases := []struct {
		name    string
		meta    string
		want    map[string]any
		wantErr bool
	}{
		{name: "no meta", want: map[string]any{rerolledToKey: "key_new"}},
		{name: "user meta kept", meta: `{"team":"payments","n":2}`, want: map[string]any{"team": "payments", "n": 2.0, rerolledToKey: "key_new"}},
		{name: "creation marker dropped", meta: `{"team":"a","` + createMarkerKey + `":"abc"}`, want: map[string]any{"team": "a", rerolledToKey: "key_new"}},
		{name: "not an object", meta: `[1,2]`, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var meta json.RawMessage
			if tc.meta != "" {
				meta = json.RawMessage(tc.meta)
			}
			got, err := linkMeta(meta, "key_new")
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var obj map[string]any
			if err := json.Unmarshal(got, &obj); err != nil {
				t.Fatal(err)
			}
			if len(obj) != len(tc.want) {
				t.Fatalf("got %v, want %v", obj, tc.want)
			}
			for k, v := range tc.want {
				if obj[k] != v {
					t.Errorf("%s = %v, want %v", k, obj[k], v)
				}
			}
			if rerolledTo(got) != "key_new" {
				t.Errorf("rerolledTo(%s) = %q", got, rerolledTo(got))
			}
		})
	}
}

func TestRerolledTo(t *testing.T) {
	cases := map[string]string{
		``:                                    "",
		`{}`:                                  "",
		`{"team":"a"}`:                        "",
		`{"` + rerolledToKey + `":7}`:         "",
		`not json`:                            "",
		`{"` + rerolledToKey + `":"key_abc"}`: "key_abc",
	}
	for meta, want := range cases {
		if got := rerolledTo(json.RawMessage(meta)); got != want {
			t.Errorf("rerolledTo(%q) = %q, want %q", meta, got, want)
		}
	}
}

func TestRerollAction(t *testing.T) {
	tb := newTestBackend(t)
	ctx := context.Background()
	orig := tb.createKey(t, unkey.CreateKeyRequest{Name: "svc", Prefix: "svc", Meta: json.RawMessage(`{"team":"payments"}`)})
	a := &keyRerollAction{keyAction{svc: tb.svc, what: "action.apikey_unkey_key_reroll"}}

	diags, msgs := invoke(t, a, map[string]tftypes.Value{"key_id": str(orig.KeyID), "overlap": str("0s")})
	if diags.HasError() {
		t.Fatalf("invoke: %s", diagText(diags))
	}
	secrets := append(tb.rec.plaintexts(t, "/v2/keys.rerollKey"), orig.Key)
	if len(secrets) != 2 || secrets[0] == "" {
		t.Fatalf("want one reroll response with a plaintext, got %d", len(secrets)-1)
	}
	out := strings.Join(msgs, "\n") + diagText(diags)
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Fatal("a plaintext appears in the action's progress or diagnostics")
		}
	}
	if len(msgs) < 3 {
		t.Errorf("want progress for the start, the reroll and the link, got %q", msgs)
	}

	old, err := tb.svc.Value.Client.GetKey(ctx, orig.KeyID, false)
	if err != nil {
		t.Fatal(err)
	}
	next := rerolledTo(old.Meta)
	if next == "" || next == orig.KeyID {
		t.Fatalf("the old key's meta %s holds no link", old.Meta)
	}
	if !strings.Contains(out, next) {
		t.Errorf("the progress does not name the new key %s: %q", next, msgs)
	}
	replacement, err := tb.svc.Value.Client.GetKey(ctx, next, false)
	if err != nil {
		t.Fatal(err)
	}
	if rerolledTo(replacement.Meta) != "" || !strings.Contains(string(replacement.Meta), "payments") {
		t.Errorf("the new key's meta is %s, want the original's without a link", replacement.Meta)
	}

	// A second reroll of the same key is refused: the new key would copy the link.
	diags, _ = invoke(t, a, map[string]tftypes.Value{"key_id": str(orig.KeyID)})
	if !diags.HasError() || !strings.Contains(diagText(diags), "already rerolled") {
		t.Errorf("second reroll: want an already-rerolled error, got %s", diagText(diags))
	}

	diags, _ = invoke(t, a, map[string]tftypes.Value{"key_id": str("key_doesnotexist")})
	if !diags.HasError() {
		t.Error("rerolling a missing key: want an error")
	}
}

func TestFollowReroll(t *testing.T) {
	tb := newTestBackend(t)
	ctx := context.Background()
	a := &keyRerollAction{keyAction{svc: tb.svc, what: "action.apikey_unkey_key_reroll"}}
	r := &keyResource{svc: tb.svc}
	reroll := func(id, overlap string) string {
		t.Helper()
		if diags, _ := invoke(t, a, map[string]tftypes.Value{"key_id": str(id), "overlap": str(overlap)}); diags.HasError() {
			t.Fatal(diagText(diags))
		}
		k, err := tb.svc.Value.Client.GetKey(ctx, id, false)
		if err != nil {
			t.Fatal(err)
		}
		return rerolledTo(k.Meta)
	}
	exists := func(id string) bool {
		_, err := tb.svc.Value.Client.GetKey(ctx, id, false)
		if err != nil && !unkey.IsKeyNotFound(err) {
			t.Fatal(err)
		}
		return err == nil
	}
	previous := func(m keyModel) string {
		p := previousKeyOf(ctx, m.PreviousKey, new(diag.Diagnostics))
		if p == nil {
			return ""
		}
		return p.ID.ValueString()
	}

	var prior string // a previous_key state holds before the refresh
	cases := []struct {
		name string
		// setup returns the id state holds, the id it should track afterwards, the
		// previous_key it should record, and keys that must have been deleted.
		setup    func() (from, want, prev string, deleted []string)
		wantGone bool
		wantWarn string
		// wantLedger is how many keys further back in a chain are left for later refreshes.
		wantLedger int
	}{
		{name: "not rerolled", setup: func() (string, string, string, []string) {
			k := tb.createKey(t, unkey.CreateKeyRequest{Name: "plain"}).KeyID
			return k, k, "", nil
		}},
		{name: "one reroll with an overlap", wantWarn: "Key was rerolled", setup: func() (string, string, string, []string) {
			k := tb.createKey(t, unkey.CreateKeyRequest{Name: "one"}).KeyID
			return k, reroll(k, "1h"), k, nil
		}},
		{name: "a chain: keys further back are named and kept for later", wantWarn: "followed more than one reroll", wantLedger: 1, setup: func() (string, string, string, []string) {
			first := tb.createKey(t, unkey.CreateKeyRequest{Name: "chain"}).KeyID
			second := reroll(first, "1h")
			third := reroll(second, "1h")
			return first, third, second, nil
		}},
		{name: "an earlier previous_key is superseded", wantWarn: "Key was rerolled", setup: func() (string, string, string, []string) {
			prior = tb.createKey(t, unkey.CreateKeyRequest{Name: "retiring"}).KeyID
			k := tb.createKey(t, unkey.CreateKeyRequest{Name: "current"}).KeyID
			return k, reroll(k, "0s"), k, []string{prior}
		}},
		{name: "replacement deleted", wantGone: true, wantWarn: "no longer exists", setup: func() (string, string, string, []string) {
			k := tb.createKey(t, unkey.CreateKeyRequest{Name: "gone"}).KeyID
			next := reroll(k, "0s")
			if err := tb.svc.Value.Client.DeleteKey(ctx, next, false); err != nil {
				t.Fatal(err)
			}
			return k, "", "", nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prior = ""
			from, want, prev, deleted := tc.setup()
			state := keyModel{ID: types.StringValue(from), PreviousKey: types.ObjectNull(previousKeyAttrTypes)}
			if prior != "" {
				state.PreviousKey = types.ObjectValueMust(previousKeyAttrTypes, map[string]attr.Value{
					"id": types.StringValue(prior), "start": types.StringValue(""), "expires_at": types.StringValue(time.Now().Add(time.Hour).Format(time.RFC3339)),
				})
			}
			state.Plaintext = types.StringValue("old-secret")
			var diags diag.Diagnostics
			k, err := tb.svc.Value.Client.GetKey(ctx, from, false)
			if err != nil {
				t.Fatal(err)
			}
			ledger := &rerollLedger{}
			k, adopted, gone := r.followReroll(ctx, &state, k, ledger, &diags)
			if diags.HasError() {
				t.Fatal(diagText(diags))
			}
			if gone != tc.wantGone {
				t.Fatalf("gone = %v, want %v", gone, tc.wantGone)
			}
			if !strings.Contains(diagText(diags), tc.wantWarn) || (tc.wantWarn == "") != (len(diags) == 0) {
				t.Errorf("diagnostics %q, want a warning containing %q", diagText(diags), tc.wantWarn)
			}
			if gone {
				return
			}
			if adopted != (want != from) {
				t.Errorf("adopted = %v moving from %s to %s", adopted, from, want)
			}
			if k.KeyID != want || state.ID.ValueString() != want {
				t.Errorf("tracks %s (state %s), want %s", k.KeyID, state.ID.ValueString(), want)
			}
			if moved := want != from; moved != state.Plaintext.IsNull() {
				t.Errorf("plaintext null = %v after a move = %v", state.Plaintext.IsNull(), moved)
			}
			if got := previous(state); got != prev {
				t.Errorf("previous_key %q, want %q", got, prev)
			}
			if prev != "" && !exists(prev) {
				t.Errorf("the retiring key %s was deleted before its deadline", prev)
			}
			for _, id := range deleted {
				if exists(id) {
					t.Errorf("superseded key %s still exists", id)
				}
			}
			if len(ledger.keys) != tc.wantLedger || ledger.changed != (tc.wantLedger > 0) {
				t.Errorf("ledger %+v (changed %v), want %d keys", ledger.keys, ledger.changed, tc.wantLedger)
			}
			for _, k := range ledger.keys {
				if k.ID == want || k.ID == prev {
					t.Errorf("the ledger holds %s, which state tracks", k.ID)
				}
				// The refresh that adopts deletes nothing the saved state's links need.
				if !exists(k.ID) {
					t.Errorf("key %s further back in the chain was deleted by the adopting refresh", k.ID)
				}
				if d, err := time.Parse(time.RFC3339Nano, k.ExpiresAt); err != nil || d.Before(time.Now().Add(30*time.Minute)) {
					t.Errorf("ledger deadline %q, want the reroll's 1h overlap", k.ExpiresAt)
				}
			}
		})
	}
}

func TestRevokeAction(t *testing.T) {
	tb := newTestBackend(t)
	ctx := context.Background()
	a := &keyRevokeAction{keyAction{svc: tb.svc, what: "action.apikey_unkey_key_revoke"}}
	cases := []struct {
		mode, wantWarn string
		again          bool
		check          func(t *testing.T, id string)
	}{
		{mode: revokeDisable, check: func(t *testing.T, id string) {
			k, err := tb.svc.Value.Client.GetKey(ctx, id, false)
			if err != nil || k.Enabled {
				t.Errorf("after disable: enabled=%v err=%v", k != nil && k.Enabled, err)
			}
		}},
		{mode: revokeDelete, check: func(t *testing.T, id string) {
			if _, err := tb.svc.Value.Client.GetKey(ctx, id, false); !unkey.IsKeyNotFound(err) {
				t.Errorf("after delete: %v, want key_not_found", err)
			}
		}},
		{mode: revokeDelete, again: true, wantWarn: "already deleted"},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			k := tb.createKey(t, unkey.CreateKeyRequest{Name: "victim"})
			if tc.again {
				if err := tb.svc.Value.Client.DeleteKey(ctx, k.KeyID, false); err != nil {
					t.Fatal(err)
				}
			}
			diags, msgs := invoke(t, a, map[string]tftypes.Value{"key_id": str(k.KeyID), "mode": str(tc.mode)})
			if diags.HasError() {
				t.Fatal(diagText(diags))
			}
			if tc.wantWarn != "" && !strings.Contains(diagText(diags), tc.wantWarn) {
				t.Errorf("diagnostics %q, want %q", diagText(diags), tc.wantWarn)
			}
			if tc.check != nil {
				tc.check(t, k.KeyID)
				if len(msgs) != 2 {
					t.Errorf("want progress before and after, got %q", msgs)
				}
			}
		})
	}
}

func TestActionsRequireTheBackend(t *testing.T) {
	data := backend.NewData(time.Now)
	data.Unconfigured(ServiceName, "set unkey.root_key")
	svc, _ := lookup(data)
	for _, a := range []interface {
		action.Action
		action.ActionWithModifyPlan
	}{
		&keyRerollAction{keyAction{svc: svc, what: "action.apikey_unkey_key_reroll"}},
		&keyRevokeAction{keyAction{svc: svc, what: "action.apikey_unkey_key_revoke"}},
	} {
		var resp action.ModifyPlanResponse
		a.ModifyPlan(context.Background(), action.ModifyPlanRequest{}, &resp)
		if !strings.Contains(diagText(resp.Diagnostics), "unkey backend is not configured") {
			t.Errorf("%T plan: %q", a, diagText(resp.Diagnostics))
		}
		diags, _ := invoke(t, a, map[string]tftypes.Value{"key_id": str("key_abc"), "mode": str(revokeDelete)})
		if !diags.HasError() {
			t.Errorf("%T invoke without the backend: no error", a)
		}
	}
	// During validation the provider is not configured: no error yet.
	unconfigured, _ := lookup(nil)
	var resp action.ModifyPlanResponse
	(&keyAction{svc: unconfigured}).ModifyPlan(context.Background(), action.ModifyPlanRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Errorf("validation walk: %s", diagText(resp.Diagnostics))
	}
}
