package devserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

func (h *mpHarness) client() *mixpeek.Client {
	h.t.Helper()
	hc, err := transport.New(transport.Config{BaseURL: h.url, Token: mpRootKey, UserAgent: "devserver-test", RequestTimeout: 5 * time.Second})
	if err != nil {
		h.t.Fatal(err)
	}
	return mixpeek.New(hc)
}

// Users exist only once provisioned: every route answers 404 NotFoundError naming the user for an
// unknown address, and nothing is provisioned by the attempt.
func TestMixpeekUnknownUser(t *testing.T) {
	h := newMPHarness(t)
	const nobody = "nobody@example.com"
	for _, tc := range []struct{ method, path, body string }{
		{"GET", mpPath(nobody), ""},
		{"POST", mpPath(nobody), `{"name":"k"}`},
		{"PATCH", mpPath(nobody, "k"), `{"description":"d"}`},
		{"DELETE", mpPath(nobody, "k"), ""},
		{"POST", mpPath(nobody, "k", "rotate"), ""},
		{"DELETE", "/v1/organizations/users/" + nobody, ""},
	} {
		e := h.fail(tc.method, tc.path, tc.body, http.StatusNotFound, "NotFoundError")
		if !strings.Contains(string(e.Error.Details), `"user"`) || !strings.Contains(e.Error.Message, nobody) {
			t.Errorf("%s %s: %s %s, want the user named", tc.method, tc.path, e.Error.Message, e.Error.Details)
		}
	}
	var n int
	if err := h.srv.db.QueryRow(`SELECT COUNT(*) FROM mixpeek_users WHERE email = ?`, nobody).Scan(&n); err != nil || n != 0 {
		t.Fatalf("users named %s: %d, %v", nobody, n, err)
	}
	if _, err := h.srv.AddMixpeekUser(context.Background(), "not an address"); err == nil {
		t.Fatal("AddMixpeekUser accepted an invalid address")
	}
	id, err := h.srv.AddMixpeekUser(context.Background(), "Nobody@Example.com")
	if err != nil || !strings.HasPrefix(id, "usr_") {
		t.Fatalf("AddMixpeekUser = %q, %v", id, err)
	}
	if again, err := h.srv.AddMixpeekUser(context.Background(), nobody); err != nil || again != id {
		t.Fatalf("provisioning again = %q, %v; want the same user %s", again, err, id)
	}
	if keys := h.list(nobody, false); len(keys) != 1 || keys[0].Name != mpProtectedKeyName {
		t.Fatalf("a new user's keys: %v", mpNames(keys))
	}
}

// DELETE /v1/organizations/users/{email} revokes every key of the user; the address is unknown
// afterwards, and provisioning it again makes a new user without the old keys.
func TestMixpeekDeleteUser(t *testing.T) {
	h := newMPHarness(t)
	email := "e@example.com"
	first := h.create(email, `{"name":"one"}`)
	h.create(email, `{"name":"two"}`)
	h.create("p@example.com", `{"name":"one"}`)
	var ok map[string]any
	h.ok("DELETE", "/v1/organizations/users/"+strings.ToUpper(email[:1])+email[1:], "", &ok)
	if ok["success"] != true {
		t.Fatalf("delete user answered %v", ok)
	}
	h.fail("GET", mpPath(email), "", http.StatusNotFound, "NotFoundError")
	h.fail("PATCH", mpPath(email, "one"), `{"description":"x"}`, http.StatusNotFound, "NotFoundError")
	var revoked, live int
	if err := h.srv.db.QueryRow(`SELECT COUNT(*) FROM mixpeek_keys WHERE user_id = ? AND revoked_at IS NOT NULL AND revoked_by = ?`, first.UserID, mixpeekRootUserID).Scan(&revoked); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.db.QueryRow(`SELECT COUNT(*) FROM mixpeek_keys WHERE user_id = ? AND revoked_at IS NULL`, first.UserID).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if revoked != 3 || live != 0 { // admin-key, one, two
		t.Fatalf("after deleting the user: %d revoked, %d live", revoked, live)
	}
	if keys := h.list("p@example.com", false); len(keys) != 2 {
		t.Fatalf("another user's keys changed: %v", mpNames(keys))
	}
	id, err := h.srv.AddMixpeekUser(context.Background(), email)
	if err != nil || id == first.UserID {
		t.Fatalf("provisioning the address again = %q, %v; want a new user", id, err)
	}
	if keys := h.list(email, true); len(keys) != 1 {
		t.Fatalf("the new user sees %v", mpNames(keys))
	}
}

// Config.MixpeekUsers provisions at start and is idempotent across restarts on one database.
func TestMixpeekUsersConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.db")
	first, err := New(Config{DBPath: path, MixpeekUsers: []string{"ops@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	id, err := first.AddMixpeekUser(context.Background(), "ops@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := New(Config{DBPath: path, MixpeekUsers: []string{"ops@example.com", "dev@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if again, err := second.AddMixpeekUser(context.Background(), "ops@example.com"); err != nil || again != id {
		t.Fatalf("ops@example.com after a restart = %q, %v; want %s", again, err, id)
	}
	if _, err := New(Config{MixpeekUsers: []string{"<ops@example.com>"}}); err == nil {
		t.Fatal("an invalid address in MixpeekUsers was accepted")
	}
}

// VaryWire spells timestamps and list envelopes in every way the aid promises, and the client
// reads each one as the same instants and keys.
func TestMixpeekVaryWire(t *testing.T) {
	h := newMPHarness(t)
	email := "a@example.com"
	h.create(email, `{"name":"k","expires_at":"2030-01-02T03:04:05Z"}`)
	h.clock.Advance(250 * time.Millisecond) // every spelling keeps the fraction
	frac := h.create(email, `{"name":"frac"}`)
	h.srv.SetMixpeekAids(MixpeekAids{VaryWire: true})
	c := h.client()
	envelopes := map[string]bool{}
	spellings := map[string]bool{}
	for range 6 {
		status, b := h.call("GET", mpPath(email)+"?include_revoked=true", "")
		if status != http.StatusOK {
			t.Fatalf("list: %d", status)
		}
		envelopes[envelopeOf(t, b)] = true
	}
	// The client reads the six envelopes in turn.
	for range 6 {
		keys, err := c.ListKeys(context.Background(), email, true)
		if err != nil {
			t.Fatalf("the client cannot read a varied listing: %v", err)
		}
		if len(keys) != 3 {
			t.Fatalf("the client read %d keys, want 3", len(keys))
		}
		for _, k := range keys {
			for _, ts := range []*string{k.CreatedAt, k.ExpiresAt} {
				if ts == nil {
					continue
				}
				spellings[timeSpelling(*ts)] = true
				if !parsesAsUTC(*ts) {
					t.Fatalf("timestamp %q does not parse", *ts)
				}
			}
			if k.Name == "k" && !sameUTC(*k.ExpiresAt, "2030-01-02T03:04:05Z") {
				t.Fatalf("expires_at %q is another instant", *k.ExpiresAt)
			}
			if k.Name == "frac" && !sameUTC(*k.CreatedAt, *frac.CreatedAt) {
				t.Fatalf("created_at %q is another instant than %q", *k.CreatedAt, *frac.CreatedAt)
			}
		}
	}
	for _, want := range []string{"results+total", "array", "api_keys", "keys+total", "data", "results"} {
		if !envelopes[want] {
			t.Errorf("envelope %s never answered (saw %v)", want, envelopes)
		}
	}
	for _, want := range []string{"Z", "+00:00", "zone-less"} {
		if !spellings[want] {
			t.Errorf("timestamp spelling %s never answered (saw %v)", want, spellings)
		}
	}
	// The aid changes create responses too.
	seen := map[string]bool{}
	for i := range 4 {
		ck := h.create(email, `{"name":"c`+string(rune('0'+i))+`"}`)
		seen[timeSpelling(*ck.CreatedAt)] = true
	}
	if len(seen) < 2 {
		t.Errorf("create responses all spell created_at one way: %v", seen)
	}
	h.srv.SetMixpeekAids(MixpeekAids{})
	if got := envelopeOf(t, func() []byte { _, b := h.call("GET", mpPath(email), ""); return b }()); got != "results+total" {
		t.Errorf("with the aid off the envelope is %s", got)
	}
}

func envelopeOf(t *testing.T, b []byte) string {
	t.Helper()
	if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
		return "array"
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatalf("listing is not JSON: %v", err)
	}
	for _, k := range []string{"results", "api_keys", "keys", "data"} {
		if _, ok := obj[k]; ok {
			if _, total := obj["total"]; total {
				return k + "+total"
			}
			return k
		}
	}
	return "unknown"
}

func timeSpelling(s string) string {
	switch {
	case strings.HasSuffix(s, "Z"):
		return "Z"
	case strings.HasSuffix(s, "+00:00"):
		return "+00:00"
	}
	return "zone-less"
}

func parseAnyUTC(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	return t, err == nil
}

func parsesAsUTC(s string) bool { _, ok := parseAnyUTC(s); return ok }

func sameUTC(a, b string) bool {
	x, ok1 := parseAnyUTC(a)
	y, ok2 := parseAnyUTC(b)
	return ok1 && ok2 && x.Equal(y)
}

func TestMixpeekKeyHashSalt(t *testing.T) {
	h := newMPHarness(t)
	email := "a@example.com"
	h.srv.SetMixpeekAids(MixpeekAids{KeyHashSalt: "pepper"})
	ck := h.create(email, `{"name":"salted"}`)
	sum := sha256.Sum256([]byte("pepper" + ck.Plaintext))
	if ck.KeyHash != hex.EncodeToString(sum[:]) {
		t.Fatalf("key %s: key_hash is not the salted digest", ck.KeyID)
	}
	if f := mixpeek.CheckCreated(&ck); len(f) != 1 || !strings.Contains(f[0], "key_hash") {
		t.Fatalf("CheckCreated on a salted hash = %q, want one key_hash finding", f)
	}
}

func TestMixpeekKeepRateLimitOnNull(t *testing.T) {
	h := newMPHarness(t)
	email := "rl@example.com"
	h.create(email, `{"name":"kept","rate_limit_override":5}`)
	h.srv.SetMixpeekAids(MixpeekAids{KeepRateLimitOnNull: true})
	var k mixpeek.Key
	h.ok("PATCH", mpPath(email, "kept"), `{"rate_limit_override":null}`, &k)
	if k.RateLimitOverride == nil || *k.RateLimitOverride != 5 {
		t.Fatalf("rate_limit_override = %v, want 5 kept", k.RateLimitOverride)
	}
	h.ok("PATCH", mpPath(email, "kept"), `{"rate_limit_override":7}`, &k)
	if k.RateLimitOverride == nil || *k.RateLimitOverride != 7 {
		t.Fatalf("a value is still applied: %v", k.RateLimitOverride)
	}
}

// DuplicateMixpeekKey gives two live keys one name; name-addressed routes then act on the older.
func TestMixpeekDuplicateKey(t *testing.T) {
	h := newMPHarness(t)
	email := "a@example.com"
	orig := h.create(email, `{"name":"twin","permissions":["read"]}`)
	id, err := h.srv.DuplicateMixpeekKey(context.Background(), orig.KeyID)
	if err != nil || id == orig.KeyID {
		t.Fatalf("DuplicateMixpeekKey = %q, %v", id, err)
	}
	var live []mixpeek.Key
	for _, k := range h.list(email, false) {
		if k.Name == "twin" {
			live = append(live, k)
		}
	}
	if len(live) != 2 || live[1].KeyID != id || strings.Join(live[1].Permissions, ",") != "read" || live[0].KeyHash == live[1].KeyHash {
		t.Fatalf("live keys named twin: %+v", live)
	}
	var k mixpeek.Key
	h.ok("PATCH", mpPath(email, "twin"), `{"description":"which"}`, &k)
	if k.KeyID != orig.KeyID {
		t.Fatalf("PATCH by name acted on %s, want the older %s", k.KeyID, orig.KeyID)
	}
	if _, err := h.srv.DuplicateMixpeekKey(context.Background(), "key_missing"); err == nil {
		t.Fatal("duplicating a missing key succeeded")
	}
}

// The server accepts every request example of the published OpenAPI document: each
// APIKeyCreateRequest example as a create, each APIKeyUpdateRequest example as a PATCH, and each
// ResourceScope-Input example inside a create.
func TestMixpeekAcceptsSpecExamples(t *testing.T) {
	spec := specPath(t)
	raw, err := os.ReadFile(spec)
	if err != nil {
		t.Skipf("the published Mixpeek OpenAPI document is not in this checkout (%v); nothing to check", err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Examples []json.RawMessage `json:"examples"`
				Example  json.RawMessage   `json:"example"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	examples := func(schema string) []json.RawMessage {
		s := doc.Components.Schemas[schema]
		out := append([]json.RawMessage(nil), s.Examples...)
		if len(s.Example) > 0 {
			out = append(out, s.Example)
		}
		return out
	}
	h := newMPHarness(t)
	email := "a@example.com"
	n := 0
	for i, ex := range examples("APIKeyCreateRequest") {
		var ck mixpeek.CreatedKey
		h.ok("POST", mpPath(email), string(ex), &ck)
		n++
		for j, up := range examples("APIKeyUpdateRequest") {
			status, b := h.call("PATCH", mpPath(email, ck.Name), string(up))
			if status != http.StatusOK {
				t.Errorf("APIKeyUpdateRequest example %d on create example %d: %d %s", j, i, status, mpRedact(b))
			}
			n++
			var k mixpeek.Key
			if json.Unmarshal(b, &k) == nil && k.Name != "" {
				ck.Name = k.Name
			}
		}
		h.ok("DELETE", mpPath(email, ck.Name), "", nil)
	}
	for i, sc := range examples("ResourceScope-Input") {
		body := `{"name":"scope-example","scopes":[` + string(sc) + `]}`
		var ck mixpeek.CreatedKey
		h.ok("POST", mpPath(email), body, &ck)
		if len(ck.Scopes) != 1 {
			t.Errorf("ResourceScope-Input example %d: scopes %+v", i, ck.Scopes)
		}
		h.ok("DELETE", mpPath(email, "scope-example"), "", nil)
		n++
	}
	if n == 0 {
		t.Fatal("the document has no request examples")
	}
	t.Logf("%d request examples accepted", n)
}

// specPath is the published document, which is not part of the module: APIKEY_MIXPEEK_OPENAPI
// when set, else shared/reference/mixpeek-api-keys.openapi.json beside the module's directory.
func specPath(t *testing.T) string {
	if p := os.Getenv("APIKEY_MIXPEEK_OPENAPI"); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(filepath.Dir(file))) // the module root
	return filepath.Join(filepath.Dir(root), "shared", "reference", "mixpeek-api-keys.openapi.json")
}
