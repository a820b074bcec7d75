package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// minimalBodies has a schema-valid body for every protected route; ids need not exist because
// the auth checks run before any lookup.
var minimalBodies = map[string]string{
	"apis.createApi":               `{"name":"abc"}`,
	"apis.getApi":                  `{"apiId":"api_12345678"}`,
	"apis.deleteApi":               `{"apiId":"api_12345678"}`,
	"apis.listKeys":                `{"apiId":"api_12345678"}`,
	"keys.createKey":               `{"apiId":"api_12345678"}`,
	"keys.getKey":                  `{"keyId":"key_123"}`,
	"keys.updateKey":               `{"keyId":"key_123"}`,
	"keys.deleteKey":               `{"keyId":"key_123"}`,
	"keys.verifyKey":               `{"key":"sk_123"}`,
	"keys.whoami":                  `{"key":"sk_123"}`,
	"keys.rerollKey":               `{"keyId":"key_123","expiration":0}`,
	"keys.updateCredits":           `{"keyId":"key_123","operation":"set"}`,
	"keys.addPermissions":          `{"keyId":"key_123","permissions":["a"]}`,
	"keys.setPermissions":          `{"keyId":"key_123","permissions":[]}`,
	"keys.removePermissions":       `{"keyId":"key_123","permissions":["a"]}`,
	"keys.addRoles":                `{"keyId":"key_123","roles":["a"]}`,
	"keys.setRoles":                `{"keyId":"key_123","roles":[]}`,
	"keys.removeRoles":             `{"keyId":"key_123","roles":["a"]}`,
	"permissions.createPermission": `{"name":"a","slug":"a"}`,
	"permissions.getPermission":    `{"permission":"a"}`,
	"permissions.listPermissions":  `{}`,
	"permissions.deletePermission": `{"permission":"a"}`,
	"permissions.createRole":       `{"name":"a"}`,
	"permissions.getRole":          `{"role":"a"}`,
	"permissions.listRoles":        `{}`,
	"permissions.deleteRole":       `{"role":"a"}`,
	"identities.createIdentity":    `{"externalId":"a"}`,
	"identities.getIdentity":       `{"identity":"a"}`,
	"identities.deleteIdentity":    `{"identity":"a"}`,
}

// TestCommonErrors covers, for every protected route, the auth statuses and strict body
// validation (which runs before authentication, as in Unkey).
func TestCommonErrors(t *testing.T) {
	h := newHarness(t)
	for route, body := range minimalBodies {
		t.Run(route, func(t *testing.T) {
			h.t = t
			cases := []struct {
				name, body, auth string
				status           int
				code             string
			}{
				{"missing auth", body, "", 400, "unkey/application/invalid_input"},
				{"missing auth and a bad body", `[1]`, "", 400, "unkey/application/invalid_input"},
				{"not bearer", body, "Basic " + h.srv.RootKey(), 400, "unkey/authentication/malformed"},
				{"empty bearer", body, "Bearer ", 400, "unkey/authentication/malformed"},
				{"wrong root key", body, "Bearer unkey_wrong", 401, "unkey/authentication/key_not_found"},
				{"unknown field", strings.TrimSuffix(body, "}") + map[bool]string{true: "", false: ","}[body == "{}"] + `"bogus":1}`, "Bearer unkey_wrong", 400, "unkey/application/invalid_input"},
				{"not an object", `[1]`, "Bearer " + h.srv.RootKey(), 400, "unkey/application/invalid_input"},
				{"invalid json", `{"a":`, "Bearer " + h.srv.RootKey(), 400, "unkey/application/invalid_input"},
			}
			for _, c := range cases {
				r := h.do(route, c.body, c.auth)
				h.checkError(route+" "+c.name, r, c.status, c.code)
				if !strings.HasPrefix(r.Meta.RequestID, "req_") {
					t.Fatalf("%s: requestId %q", c.name, r.Meta.RequestID)
				}
				// The security requirement is checked before anything else, and its failure
				// is a validation error at "security", not an authentication error.
				if c.auth == "" && (len(r.Error.Errors) != 1 || r.Error.Errors[0].Location != "security") {
					t.Fatalf("%s: errors = %+v, want one at location security", c.name, r.Error.Errors)
				}
			}
			// A body the schema refuses is refused before the root key is looked up.
			r := h.do(route, strings.TrimSuffix(body, "}")+map[bool]string{true: "", false: ","}[body == "{}"]+`"bogus":1}`, "Bearer unkey_wrong")
			if len(r.Error.Errors) != 1 || r.Error.Errors[0].Location != "body.bogus" {
				t.Fatalf("unknown field errors = %+v", r.Error.Errors)
			}
		})
	}
}

// Errors of the handlers and of authentication negotiate problem+json; the request validator's
// 400s (the missing Authorization header included) are application/json whatever is accepted.
func TestErrorContentType(t *testing.T) {
	h := newHarness(t)
	root := "Bearer " + h.srv.RootKey()
	for _, tc := range []struct {
		name, body, auth string
		status           int
		negotiated       bool
	}{
		{"handler 404", `{"keyId":"key_123"}`, root, 404, true},
		{"unknown root key", `{"keyId":"key_123"}`, "Bearer unkey_wrong", 401, true},
		{"malformed authorization", `{"keyId":"key_123"}`, "Basic abc", 400, true},
		{"missing authorization", `{"keyId":"key_123"}`, "", 400, false},
		{"schema violation", `{"keyId":"key_123","bogus":1}`, root, 400, false},
		{"invalid json", `{"keyId":`, root, 400, false},
	} {
		for accept, problem := range map[string]bool{
			"":                         false,
			"application/json":         false,
			"application/problem+json": true,
			"*/*":                      true,
		} {
			req := httptest.NewRequest(http.MethodPost, "/v2/keys.getKey", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", accept)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			h.handler.ServeHTTP(rec, req)
			want := "application/json"
			if tc.negotiated && problem {
				want = "application/problem+json"
			}
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != want {
				t.Errorf("%s, Accept %q: %d %s, want %d %s", tc.name, accept, rec.Code, rec.Header().Get("Content-Type"), tc.status, want)
			}
		}
	}
}

func TestNullOnNonNullableField(t *testing.T) {
	h := newHarness(t)
	h.fail("keys.createKey", map[string]any{"apiId": h.apiID, "name": nil}, 400, "unkey/application/invalid_input")
	h.fail("keys.addPermissions", `{"keyId":"key_123","permissions":null}`, 400, "unkey/application/invalid_input")
	h.fail("keys.getKey", `{"keyId":123}`, 400, "unkey/application/invalid_input")
}

func TestBodyTooLarge(t *testing.T) {
	h := newHarness(t)
	big := `{"name":"` + strings.Repeat("a", maxBodyBytes) + `"}`
	h.fail("apis.createApi", big, 413, "")
}

// Unknown routes answer like Go's mux: plain text, no envelope, so a wrong endpoint path cannot
// pass for a missing resource.
func TestUnknownRoute(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{http.MethodPost, "/v2/keys.nope", 404, "404 page not found\n"},
		{http.MethodPost, "/v2/keys.getkey", 404, "404 page not found\n"},
		{http.MethodPost, "/v1/keys.getKey", 404, "404 page not found\n"},
		{http.MethodPost, "/", 404, "404 page not found\n"},
		{http.MethodGet, "/v2/keys.getKey", 405, "Method Not Allowed\n"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(`{"keyId":"key_123"}`))
		req.Header.Set("Authorization", "Bearer "+h.srv.RootKey())
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		if rec.Code != tc.status || rec.Body.String() != tc.body || strings.Contains(rec.Header().Get("Content-Type"), "json") {
			t.Errorf("%s %s: %d %q (%s), want plain-text %d", tc.method, tc.path, rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"), tc.status)
		}
	}
}

// Liveness is GET only, as in the Unkey document; POST is the plain 405 of any known path.
func TestLiveness(t *testing.T) {
	h := newHarness(t)
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/liveness", nil))
	var r response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != 200 || string(r.Data) != `{"message":"OK"}` {
		t.Fatalf("GET liveness: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	h.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v2/liveness", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST liveness: %d %s, want 405", rec.Code, rec.Body)
	}
}

func TestStats(t *testing.T) {
	h := newHarness(t)
	if got := h.srv.Stats().Requests; got != 0 {
		t.Fatalf("fresh server counted %d requests", got)
	}
	h.call("apis.getApi", map[string]any{"apiId": h.apiID})
	h.call("apis.getApi", map[string]any{"apiId": h.apiID})
	h.do("keys.getKey", `{}`, "")
	st := h.srv.Stats()
	if st.Requests != 3 || st.ByRoute["/v2/apis.getApi"] != 2 || st.ByRoute["/v2/keys.getKey"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
	h.srv.ResetStats()
	if st := h.srv.Stats(); st.Requests != 0 || len(st.ByRoute) != 0 {
		t.Fatalf("after reset: %+v", st)
	}
}

func TestListenAndClose(t *testing.T) {
	srv, err := New(Config{RootKey: "unkey_test"})
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Listen("127.0.0.1:0"); err == nil {
		t.Fatal("second Listen succeeded")
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/v2/apis.createApi", strings.NewReader(`{"name":"listen"}`))
	req.Header.Set("Authorization", "Bearer unkey_test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"apiId":"api_`) {
		t.Fatalf("createApi over TCP: %d %s", resp.StatusCode, body)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(url + "/v2/liveness"); err == nil {
		_ = resp.Body.Close()
		t.Fatal("server still answers after Close")
	}
}

func TestGeneratedRootKey(t *testing.T) {
	srv, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rk := srv.RootKey()
	if !strings.HasPrefix(rk, "unkey_") || len(rk) < 6+30 {
		t.Fatalf("generated root key has an unexpected shape (length %d)", len(rk))
	}
}

func TestMasterKeyMustBe32Bytes(t *testing.T) {
	if _, err := New(Config{MasterKey: make([]byte, 31)}); err == nil {
		t.Fatal("31-byte master key accepted")
	}
}

func TestBase58(t *testing.T) {
	for in, want := range map[string]string{"": "", "\x00\x01": "12", "hello world": "StV1DL6CwTryKyV"} {
		if got := base58([]byte(in)); got != want {
			t.Errorf("base58(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPersistence reopens a file database and checks that keys survive, recoverable keys
// still decrypt with the persisted master key, and no plaintext key is in the files.
func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.db")
	ctx := context.Background()
	srv, err := New(Config{DBPath: path, RootKey: "unkey_persist", EncryptAllAPIs: true})
	if err != nil {
		t.Fatal(err)
	}
	apiID, err := srv.CreateAPI(ctx, "persist")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: srv, handler: srv.Handler(), apiID: apiID}
	plain := h.createKey(map[string]any{"prefix": "sk", "name": "plain"})
	recov := h.createKey(map[string]any{"prefix": "sk", "recoverable": true})
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []createdKey{plain, recov} {
			if bytes.Contains(raw, []byte(k.Key)) {
				t.Fatalf("plaintext of %s found in %s", k.KeyID, filepath.Base(f))
			}
			if !bytes.Contains(raw, []byte(hashKey(k.Key))) && filepath.Base(f) == "dev.db" {
				t.Fatalf("hash of %s not in the database file", k.KeyID)
			}
		}
	}

	srv2, err := New(Config{DBPath: path, RootKey: "unkey_persist"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	h2 := &harness{t: t, srv: srv2, handler: srv2.Handler(), apiID: apiID}
	if got := h2.getKey(plain.KeyID); got["name"] != "plain" {
		t.Fatalf("reopened key %s: %v", plain.KeyID, got)
	}
	if v := h2.verify(map[string]any{"key": plain.Key}); v.Code != "VALID" || v.KeyID != plain.KeyID {
		t.Fatalf("verify after reopen of %s: %s", plain.KeyID, v.Code)
	}
	var d keyResponseData
	h2.ok("keys.getKey", map[string]any{"keyId": recov.KeyID, "decrypt": true}, &d)
	if d.Plaintext != recov.Key {
		t.Fatalf("decrypt after reopen of %s did not return the original key", recov.KeyID)
	}
	if id, err := srv2.EnsureAPI(ctx, "persist"); err != nil || id != apiID {
		t.Fatalf("EnsureAPI reused %q (err %v), want %s", id, err, apiID)
	}
}

// TestConcurrentRequests runs writes and verifications in parallel: with a single pooled
// connection, a handler that held a result set open across queries would deadlock here.
func TestConcurrentRequests(t *testing.T) {
	h := newHarness(t)
	k := h.createKey(map[string]any{"credits": map[string]any{"remaining": 1000}})
	errs := make(chan string, 40)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range []struct{ route, body string }{
				{"keys.verifyKey", `{"key":"` + k.Key + `"}`},
				{"keys.createKey", `{"apiId":"` + h.apiID + `","permissions":["p` + strconv.Itoa(i%3) + `"]}`},
			} {
				req := httptest.NewRequest(http.MethodPost, "/v2/"+c.route, strings.NewReader(c.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+h.srv.RootKey())
				rec := httptest.NewRecorder()
				h.handler.ServeHTTP(rec, req)
				if rec.Code != 200 {
					errs <- c.route + ": " + strconv.Itoa(rec.Code)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if c := h.getKey(k.KeyID)["credits"].(map[string]any); c["remaining"] != float64(980) {
		t.Fatalf("remaining after 20 parallel verifications = %v", c["remaining"])
	}
}
