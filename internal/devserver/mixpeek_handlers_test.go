package devserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"

	"github.com/apikey-provider/terraform-provider-apikey/internal/contract"
	"github.com/apikey-provider/terraform-provider-apikey/internal/testkit"
)

// Tests in this file never print a key's plaintext: failures name key ids only.

const mpRootKey = "unkey_mixpeekTestRootKey"

// mpTestUsers are the users the tests' servers provision; any other address is unknown.
var mpTestUsers = []string{"a@example.com", "b@example.com", "dev+ops@example.com", "dots@example.com", "e@example.com",
	"first+tag@example.com", "h@example.com", "log@example.com", "new.user@example.com", "other@example.com", "p@example.com",
	"r@example.com", "rl@example.com", "rot@example.com", "v@example.com"}

type mpHarness struct {
	t     *testing.T
	srv   *Server
	url   string
	clock *testkit.Clock
}

func newMPHarnessAt(t *testing.T, dbPath string) *mpHarness {
	t.Helper()
	clock := testkit.NewClock(time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC))
	srv, err := New(Config{DBPath: dbPath, RootKey: mpRootKey, Now: clock.Now, MixpeekUsers: mpTestUsers})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(contract.Wrap(t, srv.Handler()))
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return &mpHarness{t: t, srv: srv, url: ts.URL, clock: clock}
}

func newMPHarness(t *testing.T) *mpHarness { return newMPHarnessAt(t, "") }

func mpPath(email string, segs ...string) string {
	p := "/v1/organizations/users/" + url.PathEscape(email) + "/api-keys"
	for _, s := range segs {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// raw sends a request; auth "" omits the Authorization header.
func (h *mpHarness) raw(method, path, body, auth string) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		h.t.Fatalf("%s %s: content type %q", method, path, ct)
	}
	return resp.StatusCode, b
}

// send is raw without the JSON checks; with follow false a redirect is returned as it is.
func (h *mpHarness) send(method, path string, follow bool) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, http.NoBody)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+mpRootKey)
	client := &http.Client{}
	if !follow {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, b
}

var mpPlaintextField = regexp.MustCompile(`"key":"[^"]*"`)

// mpRedact hides plaintexts in a response body before it is printed.
func mpRedact(b []byte) string {
	return mpPlaintextField.ReplaceAllString(string(b), `"key":"[redacted]"`)
}

func (h *mpHarness) call(method, path, body string) (int, []byte) {
	h.t.Helper()
	return h.raw(method, path, body, "Bearer "+mpRootKey)
}

// ok requires a 200 and decodes the body into out.
func (h *mpHarness) ok(method, path, body string, out any) {
	h.t.Helper()
	status, b := h.call(method, path, body)
	if status != http.StatusOK {
		h.t.Fatalf("%s %s: status %d: %s", method, path, status, mpRedact(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
}

type mpEnvelope struct {
	Success *bool `json:"success"`
	Status  int   `json:"status"`
	Error   struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
}

// fail requires an ErrorResponse envelope with the status and type.
func (h *mpHarness) fail(method, path, body string, status int, typ string) mpEnvelope {
	h.t.Helper()
	got, b := h.call(method, path, body)
	return h.checkEnvelope(method+" "+path, got, b, status, typ)
}

func (h *mpHarness) checkEnvelope(what string, got int, b []byte, status int, typ string) mpEnvelope {
	h.t.Helper()
	var e mpEnvelope
	if err := json.Unmarshal(b, &e); err != nil {
		h.t.Fatalf("%s: not JSON: %v", what, err)
	}
	if got != status || e.Status != status || e.Success == nil || *e.Success || e.Error.Type != typ || e.Error.Message == "" {
		h.t.Fatalf("%s: got %d %s, want %d %s", what, got, mpRedact(b), status, typ)
	}
	return e
}

type mpDetail struct {
	Detail []struct {
		Loc  []any  `json:"loc"`
		Msg  string `json:"msg"`
		Type string `json:"type"`
	} `json:"detail"`
}

func (h *mpHarness) create(email, body string) mixpeek.CreatedKey {
	h.t.Helper()
	var ck mixpeek.CreatedKey
	h.ok("POST", mpPath(email), body, &ck)
	return ck
}

func (h *mpHarness) list(email string, includeRevoked bool) []mixpeek.Key {
	h.t.Helper()
	var out struct {
		Results []mixpeek.Key `json:"results"`
		Total   int           `json:"total"`
	}
	p := mpPath(email)
	if includeRevoked {
		p += "?include_revoked=true"
	}
	h.ok("GET", p, "", &out)
	if out.Total != len(out.Results) {
		h.t.Fatalf("total %d for %d results", out.Total, len(out.Results))
	}
	return out.Results
}

func mpFind(keys []mixpeek.Key, keyID string) *mixpeek.Key {
	for i := range keys {
		if keys[i].KeyID == keyID {
			return &keys[i]
		}
	}
	return nil
}

func mpNames(keys []mixpeek.Key) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Name+":"+k.Status)
	}
	return out
}

func TestMixpeekCreateAndList(t *testing.T) {
	h := newMPHarness(t)
	email := "dev+ops@example.com"
	ck := h.create(email, `{"name":"backend service","description":"ingest","permissions":["read","write"],
		"scopes":[{"resource_type":"namespace","resource_id":"ns_a"},{"resource_type":"collection","resource_id":"col_*","operations":[]},{"resource_type":"namespace","resource_id":"*","operations":["read_data"]}],
		"rate_limit_override":120,"expires_at":"2027-06-30T00:00:00+02:00"}`)
	if ck.KeyHash != mixpeekKeyHash(ck.Plaintext) {
		t.Fatalf("key %s: key_hash is not the lowercase hex SHA-256 of the key", ck.KeyID)
	}
	if !strings.HasPrefix(ck.Plaintext, "sk_") || *ck.KeyPrefix != ck.Plaintext[:10]+"..." {
		t.Errorf("key %s: plaintext or prefix format wrong", ck.KeyID)
	}
	if !strings.HasPrefix(ck.KeyID, "key_") || !strings.HasPrefix(ck.UserID, "usr_") || !strings.HasPrefix(*ck.OrganizationID, "org_") || !strings.HasPrefix(ck.InternalID, "int_") {
		t.Errorf("ids: %s %s %s %s", ck.KeyID, ck.UserID, *ck.OrganizationID, ck.InternalID)
	}
	if ck.Name != "backend service" || ck.Description != "ingest" || ck.Status != "active" || ck.KeyType != "standard" || *ck.CreatedBy != "usr_root" {
		t.Errorf("fields: %s %q %q %s %s", ck.Name, ck.Description, ck.Status, ck.KeyType, *ck.CreatedBy)
	}
	if strings.Join(ck.Permissions, ",") != "read,write" || *ck.RateLimitOverride != 120 {
		t.Errorf("permissions %v rate %v", ck.Permissions, *ck.RateLimitOverride)
	}
	if *ck.ExpiresAt != "2027-06-29T22:00:00Z" || *ck.CreatedAt != "2027-03-01T12:00:00Z" || ck.RevokedAt != nil || ck.RevokedBy != nil || ck.LastUsedAt != nil {
		t.Errorf("times: expires %v created %v", *ck.ExpiresAt, *ck.CreatedAt)
	}
	if len(ck.Scopes) != 3 || ck.Scopes[0].Operations != nil || ck.Scopes[1].Operations == nil || len(ck.Scopes[1].Operations) != 0 || ck.Scopes[2].Operations[0] != "read_data" {
		t.Errorf("scopes %+v", ck.Scopes)
	}

	keys := h.list(email, false)
	if len(keys) != 2 || keys[0].Name != mixpeek.ProtectedKeyName || keys[0].Permissions[0] != "admin" {
		t.Fatalf("list = %v", mpNames(keys))
	}
	got := mpFind(keys, ck.KeyID)
	if got == nil || got.KeyHash != ck.KeyHash || got.UserID != ck.UserID || len(got.Scopes) != 3 {
		t.Fatalf("listed key differs from created key %s", ck.KeyID)
	}
	// The list never carries plaintext.
	_, b := h.call("GET", mpPath(email)+"?include_revoked=true", "")
	if bytes.Contains(b, []byte(ck.Plaintext)) || bytes.Contains(b, []byte(`"key":`)) {
		t.Fatal("list response contains a plaintext")
	}
	// Same user regardless of email case; another email is another user.
	if k := h.list("DEV+OPS@example.com", false); len(k) != 2 {
		t.Errorf("email lookup is case-sensitive: %v", mpNames(k))
	}
	other := h.create("other@example.com", `{"name":"x"}`)
	if other.UserID == ck.UserID || other.InternalID != ck.InternalID || *other.OrganizationID != *ck.OrganizationID {
		t.Errorf("users/org: %s %s", other.UserID, ck.UserID)
	}
}

func TestMixpeekCreateDefaults(t *testing.T) {
	h := newMPHarness(t)
	ck := h.create("a@example.com", `{"name":"minimal","description":null,"scopes":null,"rate_limit_override":null,"expires_at":null}`)
	if strings.Join(ck.Permissions, ",") != "read,write,delete" {
		t.Errorf("default permissions = %v", ck.Permissions)
	}
	if ck.Description != "" || ck.Scopes == nil || len(ck.Scopes) != 0 || ck.RateLimitOverride != nil || ck.ExpiresAt != nil || ck.PrincipalID != nil {
		t.Errorf("defaults wrong for %s", ck.KeyID)
	}
	var m map[string]any
	_, b := h.call("GET", mpPath("a@example.com"), "")
	_ = json.Unmarshal(b, &m)
	item := m["results"].([]any)[1].(map[string]any)
	for _, f := range []string{"key_id", "key_hash", "key_prefix", "key_type", "subscription_id", "internal_id", "organization_id", "user_id", "name", "description", "permissions", "scopes", "rate_limit_override", "status", "expires_at", "last_used_at", "created_at", "created_by", "revoked_at", "revoked_by", "allowed_origins"} {
		if _, ok := item[f]; !ok {
			t.Errorf("APIKeyModel field %q missing from list item", f)
		}
	}
	if s, ok := item["scopes"].([]any); !ok || len(s) != 0 {
		t.Errorf("scopes should be [] not null")
	}
	pk := h.create("a@example.com", `{"name":"acl","permissions":[],"principal_id":"end-user-7"}`)
	if pk.PrincipalID == nil || *pk.PrincipalID != "end-user-7" || pk.Permissions == nil || len(pk.Permissions) != 0 {
		t.Errorf("principal_id / explicit empty permissions not kept for %s", pk.KeyID)
	}
}

func TestMixpeekAuth(t *testing.T) {
	h := newMPHarness(t)
	routes := [][2]string{
		{"POST", mpPath("a@example.com")},
		{"GET", mpPath("a@example.com")},
		{"PATCH", mpPath("a@example.com", "k")},
		{"DELETE", mpPath("a@example.com", "k")},
		{"POST", mpPath("a@example.com", "k", "rotate")},
	}
	for _, rt := range routes {
		for _, auth := range []string{"", "Bearer wrong", "Basic " + mpRootKey, "Bearer ", mpRootKey} {
			status, b := h.raw(rt[0], rt[1], `{"name":"k"}`, auth)
			h.checkEnvelope(rt[0]+" "+rt[1], status, b, http.StatusUnauthorized, "UnauthorizedError")
		}
	}
	// Unkey root keys work here (same token) and the scheme is case-insensitive.
	status, _ := h.raw("GET", mpPath("a@example.com"), "", "bearer "+mpRootKey)
	if status != http.StatusOK {
		t.Fatalf("lowercase bearer: %d", status)
	}
	// No request provisions anybody.
	var n int
	if err := h.srv.db.QueryRow(`SELECT COUNT(*) FROM mixpeek_users`).Scan(&n); err != nil || n != len(mpTestUsers) {
		t.Fatalf("users = %d, %v; want the %d provisioned", n, err, len(mpTestUsers))
	}
}

func TestMixpeekAdminKeyProtected(t *testing.T) {
	h := newMPHarness(t)
	email := "new.user@example.com"
	keys := h.list(email, false)
	if len(keys) != 1 || keys[0].Name != mixpeek.ProtectedKeyName || keys[0].Status != "active" {
		t.Fatalf("provisioned keys = %v", mpNames(keys))
	}
	h.fail("PATCH", mpPath(email, "admin-key"), `{"description":"x"}`, 403, "ForbiddenError")
	h.fail("DELETE", mpPath(email, "admin-key"), "", 403, "ForbiddenError")
	h.fail("POST", mpPath(email, "admin-key", "rotate"), "", 403, "ForbiddenError")
	h.fail("POST", mpPath(email), `{"name":"admin-key"}`, 409, "AlreadyExistsError")
	h.create(email, `{"name":"svc"}`)
	h.fail("PATCH", mpPath(email, "svc"), `{"name":"admin-key"}`, 409, "AlreadyExistsError")
	// A user provisioned later gets admin-key first too, so creating it conflicts.
	if _, err := h.srv.AddMixpeekUser(context.Background(), "fresh@example.com"); err != nil {
		t.Fatal(err)
	}
	h.fail("POST", mpPath("fresh@example.com"), `{"name":"admin-key"}`, 409, "AlreadyExistsError")
	if k := h.list(email, true); len(k) != 2 || k[0].Status != "active" {
		t.Fatalf("admin-key changed: %v", mpNames(k))
	}
}

func TestMixpeekNotFoundAndConflict(t *testing.T) {
	h := newMPHarness(t)
	email := "a@example.com"
	h.fail("PATCH", mpPath(email, "nope"), `{}`, 404, "NotFoundError")
	h.fail("DELETE", mpPath(email, "nope"), "", 404, "NotFoundError")
	h.fail("POST", mpPath(email, "nope", "rotate"), "", 404, "NotFoundError")
	for _, bad := range []string{"not-an-email", "Name <a@example.com>", "a@"} {
		h.fail("GET", mpPath(bad), "", 404, "NotFoundError")
		h.fail("POST", mpPath(bad), `{"name":"x"}`, 404, "NotFoundError")
	}
	// Unknown paths and methods are the mux's plain-text answers, never a NotFoundError a client
	// could take for a missing key.
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/organizations/users/a@example.com/other", 404},
		{"GET", "/v1/organizations/api-keys", 404},
		{"PUT", mpPath(email, "x"), 405},
	} {
		resp, b := h.send(tc.method, tc.path, true)
		if resp.StatusCode != tc.status || json.Valid(b) || strings.Contains(resp.Header.Get("Content-Type"), "json") {
			t.Fatalf("%s %s: %d %q, want a plain-text %d", tc.method, tc.path, resp.StatusCode, b, tc.status)
		}
	}

	first := h.create(email, `{"name":"dup"}`)
	e := h.fail("POST", mpPath(email), `{"name":"dup"}`, 409, "AlreadyExistsError")
	if !strings.Contains(string(e.Error.Details), `"api_key"`) {
		t.Errorf("details = %s", e.Error.Details)
	}
	h.create("b@example.com", `{"name":"dup"}`) // names are per user
	h.create(email, `{"name":"two"}`)
	h.fail("PATCH", mpPath(email, "two"), `{"name":"dup"}`, 409, "AlreadyExistsError")
	h.ok("PATCH", mpPath(email, "dup"), `{"name":"dup"}`, nil) // renaming to itself is fine

	// After revocation the name is free again, and the old record remains.
	h.ok("DELETE", mpPath(email, "dup"), "", nil)
	second := h.create(email, `{"name":"dup"}`)
	if second.KeyID == first.KeyID {
		t.Fatal("key id reused")
	}
	all := h.list(email, true)
	if k := mpFind(all, first.KeyID); k == nil || k.Status != "revoked" {
		t.Fatalf("old record: %v", mpNames(all))
	}
}

func TestMixpeekValidation(t *testing.T) {
	h := newMPHarness(t)
	email := "v@example.com"
	h.create(email, `{"name":"k"}`)
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name, method, path, body string
		loc, typ                 string
	}{
		{"missing name", "POST", mpPath(email), `{}`, "body.name", "missing"},
		{"empty name", "POST", mpPath(email), `{"name":""}`, "body.name", "string_too_short"},
		{"long name", "POST", mpPath(email), `{"name":"` + long(101) + `"}`, "body.name", "string_too_long"},
		{"slash in name", "POST", mpPath(email), `{"name":"a/b"}`, "body.name", "value_error"},
		{"null name", "POST", mpPath(email), `{"name":null}`, "body.name", "string_type"},
		{"long description", "POST", mpPath(email), `{"name":"x","description":"` + long(501) + `"}`, "body.description", "string_too_long"},
		{"bad permission", "POST", mpPath(email), `{"name":"x","permissions":["read","root"]}`, "body.permissions.1", "enum"},
		{"null permissions", "POST", mpPath(email), `{"name":"x","permissions":null}`, "body.permissions", "list_type"},
		{"rate zero", "POST", mpPath(email), `{"name":"x","rate_limit_override":0}`, "body.rate_limit_override", "greater_than_equal"},
		{"rate fraction", "POST", mpPath(email), `{"name":"x","rate_limit_override":1.5}`, "body.rate_limit_override", "int_from_float"},
		{"rate string", "POST", mpPath(email), `{"name":"x","rate_limit_override":"5"}`, "body.rate_limit_override", "int_type"},
		{"scope type", "POST", mpPath(email), `{"name":"x","scopes":[{"resource_type":"galaxy","resource_id":"a"}]}`, "body.scopes.0.resource_type", "enum"},
		{"scope id missing", "POST", mpPath(email), `{"name":"x","scopes":[{"resource_type":"namespace"}]}`, "body.scopes.0.resource_id", "missing"},
		{"scope id empty", "POST", mpPath(email), `{"name":"x","scopes":[{"resource_type":"namespace","resource_id":""}]}`, "body.scopes.0.resource_id", "string_too_short"},
		{"scope id long", "POST", mpPath(email), `{"name":"x","scopes":[{"resource_type":"namespace","resource_id":"` + long(101) + `"}]}`, "body.scopes.0.resource_id", "string_too_long"},
		{"scope op", "POST", mpPath(email), `{"name":"x","scopes":[{"resource_type":"namespace","resource_id":"a","operations":["fly"]}]}`, "body.scopes.0.operations.0", "enum"},
		{"scope not object", "POST", mpPath(email), `{"name":"x","scopes":["ns"]}`, "body.scopes.0", "model_attributes_type"},
		{"expires garbage", "POST", mpPath(email), `{"name":"x","expires_at":"tomorrow"}`, "body.expires_at", "datetime_from_date_parsing"},
		{"expires bool", "POST", mpPath(email), `{"name":"x","expires_at":true}`, "body.expires_at", "datetime_type"},
		{"patch expires garbage", "PATCH", mpPath(email, "k"), `{"expires_at":"2030-13-01"}`, "body.expires_at", "datetime_from_date_parsing"},
		{"not json", "POST", mpPath(email), `{"name":`, "body.0", "json_invalid"},
		{"array body", "POST", mpPath(email), `[]`, "body", "model_attributes_type"},
		{"empty body", "POST", mpPath(email), ``, "body", "missing"},
		{"patch empty name", "PATCH", mpPath(email, "k"), `{"name":""}`, "body.name", "string_too_short"},
		{"patch status", "PATCH", mpPath(email, "k"), `{"status":"paused"}`, "body.status", "enum"},
		{"patch scopes", "PATCH", mpPath(email, "k"), `{"scopes":{}}`, "body.scopes", "list_type"},
		{"list bool", "GET", mpPath(email) + "?include_revoked=maybe", ``, "query.include_revoked", "bool_parsing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			status, b := h.call(tt.method, tt.path, tt.body)
			var d mpDetail
			if status != http.StatusUnprocessableEntity || json.Unmarshal(b, &d) != nil || len(d.Detail) == 0 {
				t.Fatalf("status %d body %s", status, mpRedact(b))
			}
			var locs []string
			for _, it := range d.Detail {
				parts := make([]string, len(it.Loc))
				for i, p := range it.Loc {
					parts[i] = jsonString(p)
				}
				loc := strings.Join(parts, ".")
				locs = append(locs, loc+"/"+it.Type)
				if loc == tt.loc && it.Type == tt.typ && it.Msg != "" {
					return
				}
			}
			t.Fatalf("issues %v, want %s/%s", locs, tt.loc, tt.typ)
		})
	}
	h.t = t
	// All problems are reported together; the unknown member is none of them.
	status, b := h.call("POST", mpPath(email), `{"name":"","description":1,"permissions":["x"],"extra":1}`)
	var d mpDetail
	if status != 422 || json.Unmarshal(b, &d) != nil || len(d.Detail) != 3 {
		t.Fatalf("combined: %d %s", status, mpRedact(b))
	}
	// Nothing was created by the failed requests.
	if keys := h.list(email, true); len(keys) != 2 {
		t.Fatalf("keys = %v", mpNames(keys))
	}
}

// The server accepts what the published schemas and the SDK's models accept: unknown members
// (the schemas do not forbid them; the scope examples carry a description), and an expires_at
// that is past, zone-less, a date alone or a Unix time.
func TestMixpeekLenientRequests(t *testing.T) {
	h := newMPHarness(t)
	email := "v@example.com"
	tests := []struct {
		name, fields string // fields: the members after "name"
		wantExpiry   string // "" = none
		wantStatus   string
	}{
		{"unknown member", `"allowed_origins":["https://a"],"enabled":false`, "", "active"},
		{"scope description", `"scopes":[{"description":"Full namespace access","resource_type":"namespace","resource_id":"ns_a"}]`, "", "active"},
		{"zone-less", `"expires_at":"2030-01-01T00:00:00"`, "2030-01-01T00:00:00Z", "active"},
		{"zone-less with fraction", `"expires_at":"2030-01-01T00:00:00.250000"`, "2030-01-01T00:00:00.25Z", "active"},
		{"space separator", `"expires_at":"2030-01-01 06:00:00+02:00"`, "2030-01-01T04:00:00Z", "active"},
		{"date only", `"expires_at":"2030-01-01"`, "2030-01-01T00:00:00Z", "active"},
		{"unix seconds", `"expires_at":1893456000`, "2030-01-01T00:00:00Z", "active"},
		{"unix milliseconds", `"expires_at":1893456000000`, "2030-01-01T00:00:00Z", "active"},
		{"past", `"expires_at":"2020-01-01T00:00:00Z"`, "2020-01-01T00:00:00Z", "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			ck := h.create(email, `{"name":"x",`+tt.fields+`}`)
			got := ""
			if ck.ExpiresAt != nil {
				got = *ck.ExpiresAt
			}
			if got != tt.wantExpiry || ck.Status != tt.wantStatus {
				t.Fatalf("expires_at %q status %q, want %q %q", got, ck.Status, tt.wantExpiry, tt.wantStatus)
			}
			if strings.Contains(tt.fields, "scopes") && len(ck.Scopes) != 1 {
				t.Fatalf("scopes = %+v", ck.Scopes)
			}
			if tt.wantStatus != "active" {
				return
			}
			// PATCH accepts the same members.
			var k mixpeek.Key
			h.ok("PATCH", mpPath(email, "x"), `{`+tt.fields+`}`, &k)
			if k.KeyID != ck.KeyID {
				t.Fatalf("PATCH answered key %s, want %s", k.KeyID, ck.KeyID)
			}
			h.ok("DELETE", mpPath(email, "x"), "", nil)
		})
	}
	h.t = t
}

func jsonString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestMixpeekRevoke(t *testing.T) {
	h := newMPHarness(t)
	email := "r@example.com"
	ck := h.create(email, `{"name":"to revoke"}`)
	h.clock.Advance(time.Minute)
	var res map[string]any
	h.ok("DELETE", mpPath(email, "to revoke"), "", &res)
	if res["success"] != true || res["message"] != "Successfully completed" {
		t.Errorf("delete response %v", res)
	}
	if mpFind(h.list(email, false), ck.KeyID) != nil {
		t.Fatal("revoked key listed without include_revoked")
	}
	k := mpFind(h.list(email, true), ck.KeyID)
	if k == nil || k.Status != "revoked" || k.RevokedAt == nil || *k.RevokedAt != "2027-03-01T12:01:00Z" || k.RevokedBy == nil || *k.RevokedBy != "usr_root" {
		t.Fatalf("revoked record wrong for %s", ck.KeyID)
	}
	if k.KeyHash != ck.KeyHash || k.Name != "to revoke" {
		t.Error("record not kept intact")
	}
	h.fail("DELETE", mpPath(email, "to revoke"), "", 404, "NotFoundError")
	h.fail("PATCH", mpPath(email, "to revoke"), `{"description":"x"}`, 404, "NotFoundError")
	h.fail("POST", mpPath(email, "to revoke", "rotate"), "", 404, "NotFoundError")
	// include_revoked=false explicitly behaves like the default.
	var out struct{ Results []mixpeek.Key }
	h.ok("GET", mpPath(email)+"?include_revoked=false", "", &out)
	if mpFind(out.Results, ck.KeyID) != nil {
		t.Fatal("include_revoked=false lists revoked keys")
	}
}

func TestMixpeekExpiry(t *testing.T) {
	h := newMPHarness(t)
	email := "e@example.com"
	ck := h.create(email, `{"name":"short","expires_at":"2027-03-01T13:00:00Z"}`)
	if ck.Status != "active" {
		t.Fatalf("status %s", ck.Status)
	}
	h.clock.Advance(2 * time.Hour)
	if mpFind(h.list(email, false), ck.KeyID) != nil {
		t.Fatal("expired key listed by default")
	}
	k := mpFind(h.list(email, true), ck.KeyID)
	if k == nil || k.Status != "expired" || k.RevokedAt != nil {
		t.Fatalf("expired key %s not reported as expired", ck.KeyID)
	}
	h.fail("PATCH", mpPath(email, "short"), `{"expires_at":null}`, 404, "NotFoundError")
	h.create(email, `{"name":"short"}`) // the name is free again
}

func TestMixpeekRotate(t *testing.T) {
	h := newMPHarness(t)
	email := "rot@example.com"
	old := h.create(email, `{"name":"svc","description":"d","permissions":["read"],"scopes":[{"resource_type":"namespace","resource_id":"ns_a","operations":["read_data"]}],"rate_limit_override":10,"expires_at":"2028-01-01T00:00:00Z","principal_id":"p1"}`)
	h.clock.Advance(time.Hour)
	var rot mixpeek.CreatedKey
	h.ok("POST", mpPath(email, "svc", "rotate"), "", &rot)
	if rot.KeyHash != mixpeekKeyHash(rot.Plaintext) {
		t.Fatalf("key %s: key_hash is not the lowercase hex SHA-256 of the key", rot.KeyID)
	}
	if rot.KeyID == old.KeyID || rot.Plaintext == old.Plaintext || rot.KeyHash == old.KeyHash {
		t.Fatalf("rotation kept key_id %s or secret", rot.KeyID)
	}
	if rot.Name != "svc" || rot.Description != "d" || strings.Join(rot.Permissions, ",") != "read" || *rot.RateLimitOverride != 10 ||
		*rot.ExpiresAt != "2028-01-01T00:00:00Z" || len(rot.Scopes) != 1 || rot.Scopes[0].Operations[0] != "read_data" || *rot.PrincipalID != "p1" ||
		rot.Status != "active" || *rot.CreatedAt != "2027-03-01T13:00:00Z" || rot.UserID != old.UserID {
		t.Fatalf("settings not carried over to %s", rot.KeyID)
	}
	all := h.list(email, true)
	if o := mpFind(all, old.KeyID); o == nil || o.Status != "revoked" || *o.RevokedAt != "2027-03-01T13:00:00Z" {
		t.Fatalf("old key not revoked: %v", mpNames(all))
	}
	active := h.list(email, false)
	if len(active) != 2 || mpFind(active, rot.KeyID) == nil {
		t.Fatalf("active keys %v", mpNames(active))
	}
	// The name now addresses the new key.
	var again mixpeek.CreatedKey
	h.ok("POST", mpPath(email, "svc", "rotate"), "", &again)
	if again.KeyID == rot.KeyID {
		t.Fatal("second rotation did not issue a new key")
	}
}

func TestMixpeekPatchSemantics(t *testing.T) {
	h := newMPHarness(t)
	email := "p@example.com"
	ck := h.create(email, `{"name":"k","description":"d","permissions":["read"],"scopes":[{"resource_type":"namespace","resource_id":"a"}],"rate_limit_override":5,"expires_at":"2028-01-01T00:00:00Z"}`)
	patch := func(name, body string) mixpeek.Key {
		t.Helper()
		var k mixpeek.Key
		h.ok("PATCH", mpPath(email, name), body, &k)
		if k.KeyID != ck.KeyID || k.KeyHash != ck.KeyHash {
			t.Fatalf("PATCH changed identity of %s", ck.KeyID)
		}
		_, b := h.call("GET", mpPath(email), "")
		if bytes.Contains(b, []byte(`"key":`)) {
			t.Fatal("plaintext field in list")
		}
		return k
	}
	// Unset: nothing changes.
	k := patch("k", `{}`)
	if k.Description != "d" || *k.RateLimitOverride != 5 || *k.ExpiresAt != "2028-01-01T00:00:00Z" || len(k.Scopes) != 1 || k.Permissions[0] != "read" {
		t.Fatalf("empty PATCH changed fields")
	}
	// null on fields other than expires_at: unchanged.
	k = patch("k", `{"name":null,"description":null,"permissions":null,"scopes":null,"status":null}`)
	if k.Name != "k" || k.Description != "d" || *k.RateLimitOverride != 5 || len(k.Scopes) != 1 || k.ExpiresAt == nil || k.Status != "active" {
		t.Fatalf("null PATCH changed fields")
	}
	// Values.
	k = patch("k", `{"description":"","permissions":["admin","read","admin"],"rate_limit_override":60,"expires_at":"2029-05-05T05:05:05.123Z"}`)
	if k.Description != "" || strings.Join(k.Permissions, ",") != "admin,read" || *k.RateLimitOverride != 60 || *k.ExpiresAt != "2029-05-05T05:05:05.123Z" {
		t.Fatalf("value PATCH: %q %v %v %v", k.Description, k.Permissions, *k.RateLimitOverride, *k.ExpiresAt)
	}
	// [] clears scopes; null expires_at removes the expiry.
	k = patch("k", `{"scopes":[],"expires_at":null}`)
	if k.Scopes == nil || len(k.Scopes) != 0 || k.ExpiresAt != nil {
		t.Fatalf("clearing PATCH: scopes %v expires %v", k.Scopes, k.ExpiresAt)
	}
	// Rename: the new name addresses the key, the old one is gone.
	k = patch("k", `{"name":"k renamed"}`)
	if k.Name != "k renamed" {
		t.Fatalf("name %q", k.Name)
	}
	h.fail("PATCH", mpPath(email, "k"), `{}`, 404, "NotFoundError")
	// status active is a no-op, status revoked revokes.
	patch("k renamed", `{"status":"active"}`)
	k = patch("k renamed", `{"status":"revoked"}`)
	if k.Status != "revoked" || k.RevokedBy == nil || *k.RevokedBy != "usr_root" {
		t.Fatalf("status revoked: %s", k.Status)
	}
	h.fail("PATCH", mpPath(email, "k renamed"), `{}`, 404, "NotFoundError")
	// status expired expires now.
	other := h.create(email, `{"name":"o"}`)
	var ko mixpeek.Key
	h.ok("PATCH", mpPath(email, "o"), `{"status":"expired"}`, &ko)
	if ko.KeyID != other.KeyID || ko.Status != "expired" || ko.ExpiresAt == nil {
		t.Fatalf("status expired: %s", ko.Status)
	}
}

// TestMixpeekStoresOnlyHashes checks the database file itself: no plaintext anywhere, and
// key_hash is the hex SHA-256.
func TestMixpeekStoresOnlyHashes(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "dev.db")
	h := newMPHarnessAt(t, dbPath)
	email := "h@example.com"
	var secrets []string
	for _, n := range []string{"one", "two"} {
		ck := h.create(email, `{"name":"`+n+`"}`)
		secrets = append(secrets, ck.Plaintext)
	}
	var rot mixpeek.CreatedKey
	h.ok("POST", mpPath(email, "two", "rotate"), "", &rot)
	secrets = append(secrets, rot.Plaintext)

	rows, err := h.srv.db.Query(`SELECT key_id, key_hash, key_prefix FROM mixpeek_keys WHERE name != 'admin-key' ORDER BY created_at, key_id`)
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]bool{}
	for rows.Next() {
		var id, hash, prefix string
		if err := rows.Scan(&id, &hash, &prefix); err != nil {
			t.Fatal(err)
		}
		hashes[hash] = true
	}
	rows.Close()
	for i, sec := range secrets {
		sum := sha256.Sum256([]byte(sec))
		if !hashes[hex.EncodeToString(sum[:])] {
			t.Errorf("secret %d: hex SHA-256 not stored", i)
		}
	}
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(dbPath + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) {
				t.Errorf("secret %d found in %s", i, filepath.Base(f))
			}
		}
	}
}

// TestMixpeekClientAgainstServer runs the real client over HTTP: the two sides must agree.
func TestMixpeekClientAgainstServer(t *testing.T) {
	h := newMPHarness(t)
	hc, err := transport.New(transport.Config{BaseURL: h.url, Token: mpRootKey, UserAgent: "devserver-test", RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := mixpeek.New(hc)
	ctx := context.Background()
	email := "first+tag@example.com"
	desc := "svc"
	ck, err := c.CreateKey(ctx, email, mixpeek.CreateKeyRequest{Name: "my key", Description: &desc, Scopes: []mixpeek.Scope{{ResourceType: "namespace", ResourceID: "*"}}})
	if err != nil {
		t.Fatal(err)
	}
	if f := mixpeek.CheckCreated(ck); f != nil {
		t.Fatal(f)
	}
	exp := "2030-01-01T00:00:00Z"
	k, err := c.UpdateKey(ctx, email, "my key", mixpeek.UpdateKeyRequest{ExpiresAt: mixpeek.Value(exp), Scopes: &[]mixpeek.Scope{}})
	if err != nil || *k.ExpiresAt != exp || len(k.Scopes) != 0 {
		t.Fatalf("update: %v", err)
	}
	k, err = c.UpdateKey(ctx, email, "my key", mixpeek.UpdateKeyRequest{ExpiresAt: mixpeek.Null[string](), Name: mixpeek.Value("renamed key")})
	if err != nil || k.ExpiresAt != nil || k.Name != "renamed key" {
		t.Fatalf("clear expiry: %v", err)
	}
	found, err := c.FindKey(ctx, email, ck.KeyID)
	if err != nil || found.Name != "renamed key" {
		t.Fatalf("FindKey: %v", err)
	}
	rot, err := c.RotateKey(ctx, email, "renamed key")
	if err != nil || mixpeek.CheckCreated(rot) != nil || rot.KeyID == ck.KeyID {
		t.Fatalf("rotate: %v", err)
	}
	if old, err := c.FindKey(ctx, email, ck.KeyID); err != nil || old.Status != mixpeek.StatusRevoked {
		t.Fatalf("old key after rotate: %v", err)
	}
	if err := c.RevokeKey(ctx, email, "renamed key"); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeKey(ctx, email, "renamed key"); !mixpeek.IsNotFound(err) {
		t.Fatalf("second revoke: %v", err)
	}
	if _, err := c.FindKey(ctx, email, "key_missing"); !mixpeek.IsNotFound(err) {
		t.Fatalf("missing: %v", err)
	}
	_, err = c.CreateKey(ctx, email, mixpeek.CreateKeyRequest{Name: "bad/name"})
	var apiErr *mixpeek.Error
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 422 || len(apiErr.Validation) != 1 || apiErr.Validation[0].Location != "body.name" {
		t.Fatalf("validation error: %v", err)
	}
	err = c.RevokeKey(ctx, email, mixpeek.ProtectedKeyName)
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 403 || apiErr.Type != "ForbiddenError" {
		t.Fatalf("admin-key: %v", err)
	}
	keys, err := c.ListKeys(ctx, email, false)
	if err != nil || len(keys) != 1 || keys[0].Name != mixpeek.ProtectedKeyName {
		t.Fatalf("final list: %v", err)
	}
	st := h.srv.Stats()
	if st.ByRoute[mpPath(email)] == 0 && st.ByRoute["/v1/organizations/users/first+tag@example.com/api-keys"] == 0 {
		t.Errorf("requests not counted: %v", st.ByRoute)
	}
}

// rate_limit_override: null returns the key to the plan's limit, as the model documents.
func TestMixpeekPatchNullClearsRateLimit(t *testing.T) {
	h := newMPHarness(t)
	email := "rl@example.com"
	h.create(email, `{"name":"rl","rate_limit_override":5}`)
	var k mixpeek.Key
	h.ok("PATCH", mpPath(email)+"/rl", `{"rate_limit_override":null}`, &k)
	if k.RateLimitOverride != nil {
		t.Fatalf("rate_limit_override = %d after null, want cleared", *k.RateLimitOverride)
	}
}

// Keys named "." and ".." can be created (the body schema allows any 1..100 characters) but not
// addressed: the path is normalised before routing, as HTTP servers and proxies in front of the
// genuine service do, so PATCH, DELETE and rotate never reach the key. They are redirected
// (307, method kept) to the cleaned path, where they meet a plain-text 404 or 405, never a
// NotFoundError that would pass for "this key is gone".
func TestMixpeekDotNamesAreUnaddressable(t *testing.T) {
	h := newMPHarness(t)
	email := "dots@example.com"
	for _, name := range []string{".", ".."} {
		h.create(email, `{"name":"`+name+`"}`)
	}
	for _, name := range []string{".", ".."} {
		for _, tc := range []struct{ method, path string }{
			{"DELETE", mpPath(email, name)},
			{"PATCH", mpPath(email, name)},
			{"POST", mpPath(email, name, "rotate")},
			// An escaped dot is still a dot segment.
			{"DELETE", mpPath(email) + "/" + strings.ReplaceAll(name, ".", "%2E")},
		} {
			resp, _ := h.send(tc.method, tc.path, false)
			if resp.StatusCode/100 != 3 || resp.Header.Get("Location") == "" || strings.HasSuffix(resp.Header.Get("Location"), "/"+name) {
				t.Fatalf("%s %s: %d to %q, want a redirect to the cleaned path", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"))
			}
			// ".." under api-keys cleans to the user's own path, where DELETE deletes the user
			// and revokes every key: the reason the client refuses such names before sending.
			if tc.method == "DELETE" && name == ".." {
				if loc := resp.Header.Get("Location"); loc != "/v1/organizations/users/"+email {
					t.Fatalf("%s %s: redirected to %q, want the user's path", tc.method, tc.path, loc)
				}
				continue
			}
			// A client that follows the redirect (as GET) must not see a key-not-found answer.
			resp, b := h.send(tc.method, tc.path, true)
			var e mpEnvelope
			if json.Unmarshal(b, &e) == nil && e.Error.Type == "NotFoundError" {
				t.Fatalf("%s %s, redirect followed: %d NotFoundError", tc.method, tc.path, resp.StatusCode)
			}
		}
	}
	keys := h.list(email, true)
	var active []string
	for _, k := range keys {
		if k.Status == "active" && (k.Name == "." || k.Name == "..") {
			active = append(active, k.Name)
		}
	}
	if len(active) != 2 {
		t.Fatalf("active dot-named keys after the attempts: %v, want both untouched", active)
	}
}
