package mixpeek

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

// fakePlaintext is a made-up secret used only to check that it never leaks into errors.
const fakePlaintext = "sk_testOnlyNotARealSecret1234567890abcdef"

func newTestClient(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	hc, err := transport.New(transport.Config{
		BaseURL:        srv.URL,
		Token:          "test-root-token",
		UserAgent:      "mixpeek-test",
		MaxRetries:     0,
		RequestTimeout: 5 * time.Second,
		MaxElapsed:     5 * time.Second,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   time.Millisecond,
	})
	if err != nil {
		t.Fatalf("transport.New: %v", err)
	}
	return New(hc)
}

func respond(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestErrorShapes(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantType   string
		wantMsg    string
		wantIssues []ValidationIssue
		notFound   bool
	}{
		{
			name:     "envelope not found",
			status:   404,
			body:     `{"success":false,"status":404,"error":{"message":"API key not found","type":"NotFoundError","details":{"resource":"api_key"}}}`,
			wantType: "NotFoundError", wantMsg: "API key not found", notFound: true,
		},
		{
			name:     "envelope validation errors",
			status:   422,
			body:     `{"success":false,"status":422,"error":{"message":"Invalid request","type":"ValidationError","details":{"validation_errors":[{"type":"string_too_long","location":["body","name"],"message":"too long"},{"type":"missing","location":"body.scopes","message":"required"}]}}}`,
			wantType: "ValidationError", wantMsg: "Invalid request",
			wantIssues: []ValidationIssue{{"body.name", "too long", "string_too_long"}, {"body.scopes", "required", "missing"}},
		},
		{
			name:   "fastapi detail list",
			status: 422,
			body:   `{"detail":[{"loc":["body","scopes",0,"resource_id"],"msg":"String should have at least 1 character","type":"string_too_short"}]}`,
			wantIssues: []ValidationIssue{
				{"body.scopes.0.resource_id", "String should have at least 1 character", "string_too_short"},
			},
		},
		{
			name:   "fastapi detail string",
			status: 401, body: `{"detail":"Not authenticated"}`,
			wantMsg: "Not authenticated",
		},
		{
			name:   "non json",
			status: 502, body: "<html><body>502 Bad Gateway</body></html>",
			wantMsg: "unexpected response body: <html><body>502 Bad Gateway</body></html>",
		},
		{
			name:   "empty",
			status: 500, body: "",
			wantMsg: "empty response body",
		},
		{
			name:   "json without known members",
			status: 404, body: `{"foo":1}`,
			wantMsg: `unexpected response body: {"foo":1}`, notFound: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, respond(tt.status, tt.body))
			_, err := c.ListKeys(context.Background(), "a@example.com", false)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not *Error", err)
			}
			if e.HTTPStatus != tt.status || e.Type != tt.wantType || e.Message != tt.wantMsg {
				t.Errorf("got status=%d type=%q msg=%q", e.HTTPStatus, e.Type, e.Message)
			}
			if len(e.Validation) != len(tt.wantIssues) {
				t.Fatalf("issues = %+v, want %+v", e.Validation, tt.wantIssues)
			}
			for i := range tt.wantIssues {
				if e.Validation[i] != tt.wantIssues[i] {
					t.Errorf("issue %d = %+v, want %+v", i, e.Validation[i], tt.wantIssues[i])
				}
			}
			if IsNotFound(err) != tt.notFound {
				t.Errorf("IsNotFound = %v", !tt.notFound)
			}
			if StatusCode(err) != tt.status {
				t.Errorf("StatusCode = %d", StatusCode(err))
			}
			if err.Error() == "" {
				t.Error("empty error string")
			}
		})
	}
}

func TestErrorSnippetIsShortAndRedacted(t *testing.T) {
	body := "oops " + fakePlaintext + "\x00\x1b[31m " + strings.Repeat("x", 5000)
	e := decodeError(500, []byte(body))
	if strings.Contains(e.Error(), fakePlaintext) {
		t.Fatal("error echoes a key-like token")
	}
	if len(e.Message) > 260 {
		t.Errorf("snippet too long: %d bytes", len(e.Message))
	}
	if strings.ContainsAny(e.Message, "\x00\x1b") {
		t.Error("control characters kept")
	}
}

func TestErrorStringIncludesValidation(t *testing.T) {
	e := decodeError(422, []byte(`{"detail":[{"loc":["body","name"],"msg":"Field required","type":"missing"}]}`))
	want := "mixpeek API error (HTTP 422): body.name: Field required (missing)"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestListEnvelopes(t *testing.T) {
	item := `{"key_id":"key_1","key_hash":"h","internal_id":"int","user_id":"usr","name":"n"}`
	tests := []struct {
		name    string
		body    string
		want    int
		wantErr string
	}{
		{"array", "[" + item + "," + item + "]", 2, ""},
		{"results", `{"results":[` + item + `],"total":1}`, 1, ""},
		{"api_keys", `{"api_keys":[` + item + `]}`, 1, ""},
		{"keys", `{"keys":[` + item + `]}`, 1, ""},
		{"data", `{"data":[` + item + `],"success":true}`, 1, ""},
		{"results null", `{"results":null}`, 0, ""},
		{"empty array", `[]`, 0, ""},
		{"unknown shape", `{"items":[` + item + `],"secret":"` + fakePlaintext + `"}`, 0, "shape not recognized: object with members [items, secret]"},
		{"scalar", `"hello"`, 0, "shape not recognized"},
		{"empty body", ``, 0, "shape not recognized"},
		{"bad item", `[{"rate_limit_override":"many"}]`, 0, "list item 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, respond(200, tt.body))
			keys, err := c.ListKeys(context.Background(), "a@example.com", false)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), fakePlaintext) {
					t.Fatal("error echoes the body")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != tt.want {
				t.Fatalf("got %d keys, want %d", len(keys), tt.want)
			}
			if tt.want > 0 && keys[0].KeyID != "key_1" {
				t.Errorf("key_id = %q", keys[0].KeyID)
			}
		})
	}
}

func TestPathEscaping(t *testing.T) {
	var gotPaths, gotMethods []string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		gotPaths = append(gotPaths, r.URL.EscapedPath())
		gotMethods = append(gotMethods, r.Method)
		switch r.Method {
		case http.MethodDelete:
			_, _ = io.WriteString(w, `{"success":true,"message":"Successfully completed"}`)
		case http.MethodPatch:
			_, _ = io.WriteString(w, `{"name":"x"}`)
		default:
			_, _ = io.WriteString(w, `{"key":"sk_x","name":"x"}`)
		}
	})
	ctx := context.Background()
	email, name := "first+tag@example.com", "my key?#%v2"
	if _, err := c.UpdateKey(ctx, email, name, UpdateKeyRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeKey(ctx, email, name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RotateKey(ctx, email, name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateKey(ctx, email, CreateKeyRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	base := "/v1/organizations/users/first+tag@example.com/api-keys"
	want := []string{base + "/my%20key%3F%23%25v2", base + "/my%20key%3F%23%25v2", base + "/my%20key%3F%23%25v2/rotate", base}
	wantMethods := []string{"PATCH", "DELETE", "POST", "POST"}
	for i := range want {
		if i >= len(gotPaths) || gotPaths[i] != want[i] || gotMethods[i] != wantMethods[i] {
			t.Fatalf("requests = %v %v, want %v %v", gotMethods, gotPaths, wantMethods, want)
		}
	}
}

func TestListQueryAndAuth(t *testing.T) {
	var query, auth string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		query, auth = r.URL.RawQuery, r.Header.Get("Authorization")
		_, _ = io.WriteString(w, `[]`)
	})
	if _, err := c.ListKeys(context.Background(), "a@example.com", true); err != nil {
		t.Fatal(err)
	}
	if query != "include_revoked=true" {
		t.Errorf("query = %q", query)
	}
	if auth != "Bearer test-root-token" {
		t.Errorf("Authorization header not sent as Bearer")
	}
	if _, err := c.ListKeys(context.Background(), "a@example.com", false); err != nil {
		t.Fatal(err)
	}
	if query != "include_revoked=false" {
		t.Errorf("query = %q", query)
	}
}

func TestUpdateRequestJSON(t *testing.T) {
	empty := []string{}
	var nilSlice []string
	noScopes := []Scope{}
	scopes := []Scope{
		{ResourceType: "namespace", ResourceID: "ns_a"},
		{ResourceType: "collection", ResourceID: "col_b", Operations: []string{}},
		{ResourceType: "namespace", ResourceID: "*", Operations: []string{"read_data"}},
	}
	tests := []struct {
		name string
		req  UpdateKeyRequest
		want string
	}{
		{"all unset", UpdateKeyRequest{}, `{}`},
		{"expires null", UpdateKeyRequest{ExpiresAt: Null[string]()}, `{"expires_at":null}`},
		{"expires value", UpdateKeyRequest{ExpiresAt: Value("2030-01-01T00:00:00Z")}, `{"expires_at":"2030-01-01T00:00:00Z"}`},
		{"rate limit null", UpdateKeyRequest{RateLimitOverride: Null[int64]()}, `{"rate_limit_override":null}`},
		{"rate limit value", UpdateKeyRequest{RateLimitOverride: Value[int64](120)}, `{"rate_limit_override":120}`},
		{"name and description", UpdateKeyRequest{Name: Value("n2"), Description: Value("")}, `{"name":"n2","description":""}`},
		{"permissions empty", UpdateKeyRequest{Permissions: &empty}, `{"permissions":[]}`},
		{"permissions null", UpdateKeyRequest{Permissions: &nilSlice}, `{"permissions":null}`},
		{"scopes cleared", UpdateKeyRequest{Scopes: &noScopes}, `{"scopes":[]}`},
		{"scopes operations nil vs empty", UpdateKeyRequest{Scopes: &scopes},
			`{"scopes":[{"resource_type":"namespace","resource_id":"ns_a"},{"resource_type":"collection","resource_id":"col_b","operations":[]},{"resource_type":"namespace","resource_id":"*","operations":["read_data"]}]}`},
		{"status", UpdateKeyRequest{Status: Value(StatusRevoked)}, `{"status":"revoked"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got = string(b)
				_, _ = io.WriteString(w, `{"key_id":"key_1","name":"n","status":"active"}`)
			})
			k, err := c.UpdateKey(context.Background(), "a@example.com", "n", tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("body = %s, want %s", got, tt.want)
			}
			if k.KeyID != "key_1" {
				t.Errorf("key_id = %q", k.KeyID)
			}
		})
	}
}

func TestNullableUnmarshal(t *testing.T) {
	var v struct {
		A Nullable[string] `json:"a"`
		B Nullable[string] `json:"b"`
		C Nullable[int64]  `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a":null,"c":5}`), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A.IsSet() || !v.A.IsNull() {
		t.Error("a should be null")
	}
	if v.B.IsSet() || !v.B.IsZero() {
		t.Error("b should be unset")
	}
	if n, ok := v.C.Get(); !ok || n != 5 {
		t.Errorf("c = %v %v", n, ok)
	}
	if err := json.Unmarshal([]byte(`{"c":"x"}`), &v); err == nil {
		t.Error("type mismatch accepted")
	}
}

func TestCreateKey(t *testing.T) {
	sum := sha256.Sum256([]byte(fakePlaintext))
	hash := hex.EncodeToString(sum[:])
	var gotBody string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.WriteHeader(http.StatusCreated) // any 2xx is accepted
		_, _ = io.WriteString(w, `{"key":"`+fakePlaintext+`","key_id":"key_1","key_hash":"`+hash+`","key_prefix":"`+fakePlaintext[:10]+`...","name":"svc","scopes":[],"permissions":["read"],"rate_limit_override":60,"created_at":"2026-01-01T00:00:00Z"}`)
	})
	desc := "d"
	rl := int64(60)
	ck, err := c.CreateKey(context.Background(), "a@example.com", CreateKeyRequest{Name: "svc", Description: &desc, Permissions: []string{"read"}, RateLimitOverride: &rl})
	if err != nil {
		t.Fatal(err)
	}
	if gotBody != `{"name":"svc","description":"d","permissions":["read"],"rate_limit_override":60}` {
		t.Errorf("request body = %s", gotBody)
	}
	if ck.Plaintext != fakePlaintext || ck.KeyID != "key_1" || *ck.RateLimitOverride != 60 || ck.Scopes == nil || len(ck.Scopes) != 0 {
		t.Errorf("decoded key mismatch: id=%q", ck.KeyID)
	}
	if findings := CheckCreated(ck); findings != nil {
		t.Errorf("CheckCreated: %q", findings)
	}
}

func TestCreateKeyMinimalBody(t *testing.T) {
	b, err := json.Marshal(CreateKeyRequest{Name: "x"})
	if err != nil || string(b) != `{"name":"x"}` {
		t.Fatalf("got %s %v", b, err)
	}
	b, _ = json.Marshal(CreateKeyRequest{Name: "x", Permissions: []string{}, Scopes: []Scope{}})
	if string(b) != `{"name":"x","permissions":[],"scopes":[]}` {
		t.Fatalf("got %s", b)
	}
}

func TestCreateKeyWithoutPlaintextFails(t *testing.T) {
	c := newTestClient(t, respond(200, `{"key_id":"key_1","name":"svc"}`))
	_, err := c.CreateKey(context.Background(), "a@example.com", CreateKeyRequest{Name: "svc"})
	if err == nil || !strings.Contains(err.Error(), "no plaintext") {
		t.Fatalf("err = %v", err)
	}
}

func TestDecodeErrorsDoNotLeakPlaintext(t *testing.T) {
	body := `{"key":"` + fakePlaintext + `","rate_limit_override":"` + fakePlaintext + `"}`
	_, err := decodeCreated([]byte(body))
	if err == nil {
		t.Fatal("expected error")
	}
	if strings.Contains(err.Error(), fakePlaintext) {
		t.Fatal("decode error echoes the plaintext")
	}
	_, err = decodeCreated([]byte(`{"key":"` + fakePlaintext + `"`))
	if err == nil || strings.Contains(err.Error(), fakePlaintext) {
		t.Fatalf("syntax error handling: %v", err != nil)
	}
}

func TestRotateKeyLoose(t *testing.T) {
	for name, body := range map[string]string{
		"flat":   `{"key":"sk_new","key_id":"key_2","name":"svc","status":"active"}`,
		"nested": `{"success":true,"data":{"key":"sk_new","key_id":"key_2","name":"svc"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var method, path string
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				method, path = r.Method, r.URL.Path
				_, _ = io.WriteString(w, body)
			})
			ck, err := c.RotateKey(context.Background(), "a@example.com", "svc")
			if err != nil {
				t.Fatal(err)
			}
			if method != "POST" || path != "/v1/organizations/users/a@example.com/api-keys/svc/rotate" {
				t.Errorf("request %s %s", method, path)
			}
			if ck.KeyID != "key_2" || ck.Plaintext != "sk_new" {
				t.Errorf("decoded %q", ck.KeyID)
			}
		})
	}
}

func TestFindKey(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("include_revoked") != "true" {
			t.Errorf("FindKey must include revoked keys")
		}
		if strings.Contains(r.URL.Path, "gone@") {
			respond(404, `{"success":false,"status":404,"error":{"message":"User not found","type":"NotFoundError"}}`)(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"results":[{"key_id":"key_1","name":"a","status":"revoked"},{"key_id":"key_2","name":"a","status":"active"}],"total":2}`)
	})
	ctx := context.Background()
	k, err := c.FindKey(ctx, "u@example.com", "key_1")
	if err != nil || k.Status != StatusRevoked {
		t.Fatalf("FindKey = %+v, %v", k, err)
	}
	_, err = c.FindKey(ctx, "u@example.com", "key_9")
	if !IsKeyNotListed(err) || !IsNotFound(err) {
		t.Fatalf("missing key: IsKeyNotListed/IsNotFound false for %v", err)
	}
	// A 404 for the user proves nothing about the key.
	_, err = c.FindKey(ctx, "gone@example.com", "key_1")
	if IsKeyNotListed(err) || StatusCode(err) != 404 {
		t.Fatalf("missing user: %v; want the 404, not ErrKeyNotListed", err)
	}
	k, err = c.FindKeyByName(ctx, "u@example.com", "a")
	if err != nil || k.KeyID != "key_2" {
		t.Fatalf("FindKeyByName should prefer the active key: %+v %v", k, err)
	}
	if _, err = c.FindKeyByName(ctx, "u@example.com", "zzz"); !IsKeyNotListed(err) {
		t.Fatalf("FindKeyByName missing: %v", err)
	}
}

// Only a successful, complete listing without the key says it is gone.
func TestFindKeyEvidence(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		contentTyp string
		found      bool // key_1 is returned
		notListed  bool // IsKeyNotListed
	}{
		{name: "listed", status: 200, body: `{"results":[{"key_id":"key_1","name":"a"}],"total":1}`, found: true},
		{name: "list without the key", status: 200, body: `{"results":[{"key_id":"key_2","name":"b"}],"total":1}`, notListed: true},
		{name: "empty list", status: 200, body: `{"results":[],"total":0}`, notListed: true},
		{name: "bare array without the key", status: 200, body: `[{"key_id":"key_2"}]`, notListed: true},
		{name: "list 404 NotFoundError (unknown user)", status: 404, body: `{"success":false,"status":404,"error":{"message":"User not found","type":"NotFoundError"}}`},
		{name: "list 404 plain text (wrong path)", status: 404, contentTyp: "text/plain", body: "404 page not found"},
		{name: "list 200 HTML", status: 200, contentTyp: "text/html", body: "<html>login</html>"},
		{name: "list 200 unknown object", status: 200, body: `{"items":[]}`},
		{name: "null list", status: 200, body: `{"results":null}`},
		{name: "partial list", status: 200, body: `{"results":[{"key_id":"key_2"}],"total":5}`},
		{name: "list 500", status: 500, body: `{"success":false,"status":500,"error":{"message":"x","type":"InternalServerError"}}`},
		{name: "list 401", status: 401, body: `{"detail":"Not authenticated"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				ct := tc.contentTyp
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			k, err := c.FindKey(context.Background(), "u@example.com", "key_1")
			if (k != nil) != tc.found || (err == nil) != tc.found || IsKeyNotListed(err) != tc.notListed {
				t.Fatalf("FindKey = %+v, %v; want found=%v notListed=%v", k, err, tc.found, tc.notListed)
			}
			gone, err := c.ConfirmGone(context.Background(), "u@example.com", "key_1")
			if gone != tc.notListed || (err != nil) != (!tc.found && !tc.notListed) {
				t.Fatalf("ConfirmGone = %v, %v", gone, err)
			}
		})
	}
}

func TestConfirmGoneByStatus(t *testing.T) {
	c := newTestClient(t, respond(200, `{"results":[{"key_id":"key_a","status":"active"},{"key_id":"key_r","status":"revoked"},{"key_id":"key_e","status":"expired"},{"key_id":"key_n"}]}`))
	for id, want := range map[string]bool{"key_a": false, "key_r": true, "key_e": true, "key_n": false, "key_missing": true} {
		if gone, err := c.ConfirmGone(context.Background(), "u@example.com", id); err != nil || gone != want {
			t.Errorf("ConfirmGone(%s) = %v, %v; want %v", id, gone, err, want)
		}
	}
}

// A 404 on DELETE by name is confirmed against the listing before it counts as revoked.
func TestRevokeKeyConfirmed(t *testing.T) {
	for _, tc := range []struct {
		name         string
		deleteStatus int
		list         string
		listStatus   int
		wantErr      bool
		wantText     string
	}{
		{name: "revoked", deleteStatus: 200, listStatus: 200, list: `[]`},
		{name: "404 and listed as revoked", deleteStatus: 404, listStatus: 200, list: `[{"key_id":"key_1","status":"revoked"}]`},
		{name: "404 and not listed", deleteStatus: 404, listStatus: 200, list: `{"results":[],"total":0}`},
		{name: "404 but still active", deleteStatus: 404, listStatus: 200, list: `[{"key_id":"key_1","name":"renamed","status":"active"}]`, wantErr: true, wantText: "still shows key_id"},
		{name: "404 and listing fails", deleteStatus: 404, listStatus: 404, list: `404 page not found`, wantErr: true, wantText: "confirming with the key listing failed"},
		{name: "403", deleteStatus: 403, listStatus: 200, list: `[]`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lists int
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					lists++
					w.WriteHeader(tc.listStatus)
					_, _ = io.WriteString(w, tc.list)
					return
				}
				w.WriteHeader(tc.deleteStatus)
				_, _ = io.WriteString(w, `{"success":false,"status":`+strconv.Itoa(tc.deleteStatus)+`,"error":{"message":"m","type":"NotFoundError"}}`)
			})
			err := c.RevokeKeyConfirmed(context.Background(), "u@example.com", "k", "key_1")
			if (err != nil) != tc.wantErr || (tc.wantText != "" && !strings.Contains(err.Error(), tc.wantText)) {
				t.Fatalf("err = %v", err)
			}
			if wantLists := map[bool]int{true: 1, false: 0}[tc.deleteStatus == 404]; lists != wantLists {
				t.Fatalf("%d listings, want %d", lists, wantLists)
			}
		})
	}
}

// Names and emails that a server or proxy could resolve to another path are refused unsent.
func TestUnsafePathSegmentsNeverSent(t *testing.T) {
	var hits int
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits++
		_, _ = io.WriteString(w, `[]`)
	})
	ctx := context.Background()
	for _, bad := range []string{"", ".", "..", "a/b", "/", `a\b`, "a%2Fb", "a%2fb", "%2e", "%2E%2E", "a%5Cb"} {
		if _, err := c.UpdateKey(ctx, "u@example.com", bad, UpdateKeyRequest{}); !errors.Is(err, ErrUnsafePathSegment) {
			t.Errorf("UpdateKey(%q): %v", bad, err)
		}
		if err := c.RevokeKey(ctx, "u@example.com", bad); !errors.Is(err, ErrUnsafePathSegment) {
			t.Errorf("RevokeKey(%q): %v", bad, err)
		}
		if _, err := c.RotateKey(ctx, "u@example.com", bad); !errors.Is(err, ErrUnsafePathSegment) {
			t.Errorf("RotateKey(%q): %v", bad, err)
		}
		if _, err := c.ListKeys(ctx, bad, true); !errors.Is(err, ErrUnsafePathSegment) {
			t.Errorf("ListKeys(email %q): %v", bad, err)
		}
		if _, err := c.CreateKey(ctx, bad, CreateKeyRequest{Name: "n"}); !errors.Is(err, ErrUnsafePathSegment) {
			t.Errorf("CreateKey(email %q): %v", bad, err)
		}
	}
	if hits != 0 {
		t.Fatalf("%d requests sent", hits)
	}
	for _, good := range []string{"my key", "a.b", "...", "50% off", "a+b@example.com", "ключ"} {
		if err := ValidatePathSegment(good); err != nil {
			t.Errorf("ValidatePathSegment(%q) = %v", good, err)
		}
	}
}

func TestAuthPredicatesAndHints(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		status                  int
		body                    string
		unauthorized, forbidden bool
		hint                    bool
	}{
		{"401", 401, `{"success":false,"status":401,"error":{"message":"Invalid API key","type":"UnauthorizedError"}}`, true, false, false},
		{"403 forbidden", 403, `{"success":false,"status":403,"error":{"message":"no","type":"ForbiddenError"}}`, false, true, false},
		{"403 quota", 403, `{"success":false,"status":403,"error":{"message":"quota","type":"QuotaExceededError"}}`, false, false, false},
		{"404 envelope", 404, `{"success":false,"status":404,"error":{"message":"User not found","type":"NotFoundError"}}`, false, false, false},
		{"404 plain", 404, `404 page not found`, false, false, true},
		{"404 envelope with another status", 404, `{"success":false,"status":200,"error":{"message":"m","type":"NotFoundError"}}`, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, respond(tc.status, tc.body))
			_, err := c.ListKeys(context.Background(), "u@example.com", true)
			if IsUnauthorized(err) != tc.unauthorized || IsForbidden(err) != tc.forbidden {
				t.Errorf("IsUnauthorized = %v, IsForbidden = %v", IsUnauthorized(err), IsForbidden(err))
			}
			msg := err.Error()
			if strings.Contains(msg, "endpoint URL is probably wrong") != tc.hint {
				t.Errorf("hint in %q: want %v", msg, tc.hint)
			}
			if tc.hint && !strings.Contains(msg, "GET http://127.0.0.1:") || strings.Contains(msg, "include_revoked") || strings.Contains(msg, "test-root-token") {
				t.Errorf("message %q should name the endpoint without query or token", msg)
			}
		})
	}
}

func TestCreateKeyOutcomeUnknown(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // the request arrived but no response comes back
		}
	})
	_, err := c.CreateKey(context.Background(), "a@example.com", CreateKeyRequest{Name: "svc"})
	if !errors.Is(err, transport.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
}

func TestRevokeKeyNotFound(t *testing.T) {
	c := newTestClient(t, respond(404, `{"success":false,"status":404,"error":{"message":"API key not found","type":"NotFoundError"}}`))
	if err := c.RevokeKey(context.Background(), "u@example.com", "x"); !IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownFieldsAndEnums(t *testing.T) {
	body := `[{"key_id":"key_1","key_hash":"h","key_type":"session","status":"frozen","name":"n",
		"permissions":["read","superpower"],"brand_new_field":{"nested":[1,2]},
		"scopes":[{"resource_type":"galaxy","resource_id":"*","operations":null,"extra":true},{"resource_type":"namespace","resource_id":"ns","operations":[]}],
		"principal_id":"end-user-1","allowed_origins":null,"expires_at":"2030-01-01T00:00:00+00:00"}]`
	keys, err := decodeList([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	k := keys[0]
	if k.KeyType != "session" || k.Status != "frozen" || k.Permissions[1] != "superpower" || k.Scopes[0].ResourceType != "galaxy" {
		t.Errorf("enum values not kept: %+v", k)
	}
	if k.Scopes[0].Operations != nil || k.Scopes[1].Operations == nil {
		t.Error("operations nil vs empty not preserved")
	}
	if k.PrincipalID == nil || *k.PrincipalID != "end-user-1" || k.AllowedOrigins != nil || *k.ExpiresAt != "2030-01-01T00:00:00+00:00" {
		t.Errorf("fields: %+v", k)
	}
}

func TestCheckCreated(t *testing.T) {
	sum := sha256.Sum256([]byte(fakePlaintext))
	hash := hex.EncodeToString(sum[:])
	p10 := fakePlaintext[:10]
	p10dots := p10 + "..."
	wrong := "sk_wrongpre..."
	empty := ""
	tests := []struct {
		name string
		ck   *CreatedKey
		want []string // fragments of the findings, in order; nil = no findings
	}{
		{"ok no prefix", &CreatedKey{Key: Key{KeyHash: hash}, Plaintext: fakePlaintext}, nil},
		{"ok empty prefix", &CreatedKey{Key: Key{KeyHash: hash, KeyPrefix: &empty}, Plaintext: fakePlaintext}, nil},
		{"ok prefix", &CreatedKey{Key: Key{KeyHash: hash, KeyPrefix: &p10}, Plaintext: fakePlaintext}, nil},
		{"ok prefix dots", &CreatedKey{Key: Key{KeyHash: hash, KeyPrefix: &p10dots}, Plaintext: fakePlaintext}, nil},
		// The published example is 32 hex characters; upper case and base64 are encodings of
		// the same digest.
		{"truncated hash", &CreatedKey{Key: Key{KeyHash: hash[:32]}, Plaintext: fakePlaintext}, nil},
		{"uppercase hash", &CreatedKey{Key: Key{KeyHash: strings.ToUpper(hash)}, Plaintext: fakePlaintext}, nil},
		{"base64 hash", &CreatedKey{Key: Key{KeyHash: base64.StdEncoding.EncodeToString(sum[:])}, Plaintext: fakePlaintext}, nil},
		{"raw url base64 hash", &CreatedKey{Key: Key{KeyHash: base64.RawURLEncoding.EncodeToString(sum[:])}, Plaintext: fakePlaintext}, nil},
		{"nil", nil, []string{"no plaintext"}},
		{"no plaintext", &CreatedKey{Key: Key{KeyHash: hash}}, []string{"no plaintext"}},
		{"no hash", &CreatedKey{Plaintext: fakePlaintext}, []string{"no key_hash"}},
		{"wrong hash", &CreatedKey{Key: Key{KeyHash: strings.Repeat("0", 64)}, Plaintext: fakePlaintext}, []string{"key_hash is not the SHA-256"}},
		{"too short a hex prefix", &CreatedKey{Key: Key{KeyHash: hash[:31]}, Plaintext: fakePlaintext}, []string{"key_hash is not the SHA-256"}},
		{"salted hash", &CreatedKey{Key: Key{KeyHash: hashOfString("salt" + fakePlaintext)}, Plaintext: fakePlaintext}, []string{"key_hash is not the SHA-256"}},
		{"wrong prefix", &CreatedKey{Key: Key{KeyHash: hash, KeyPrefix: &wrong}, Plaintext: fakePlaintext}, []string{"key_prefix is not the start"}},
		{"prefix longer than key", &CreatedKey{Key: Key{KeyHash: hash, KeyPrefix: ptr(fakePlaintext + "zz")}, Plaintext: fakePlaintext}, []string{"key_prefix is not the start"}},
		{"only dots", &CreatedKey{Key: Key{KeyHash: hash, KeyPrefix: ptr("...")}, Plaintext: fakePlaintext}, []string{"key_prefix is not the start"}},
		{"both wrong", &CreatedKey{Key: Key{KeyHash: "x", KeyPrefix: &wrong}, Plaintext: fakePlaintext}, []string{"key_hash", "key_prefix"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckCreated(tt.ck)
			if len(got) != len(tt.want) {
				t.Fatalf("findings = %q, want %d matching %q", got, len(tt.want), tt.want)
			}
			for i, f := range got {
				if !strings.Contains(f, tt.want[i]) {
					t.Errorf("finding %d = %q, want it to contain %q", i, f, tt.want[i])
				}
				if strings.Contains(f, fakePlaintext) || strings.Contains(f, p10) || strings.Contains(f, hash[:16]) {
					t.Fatal("a finding contains the plaintext, its prefix or its hash")
				}
			}
		})
	}
}

func hashOfString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func ptr[T any](v T) *T { return &v }

// Name-addressed changes list first and send nothing unless the key's current name belongs to
// it alone among the user's live keys.
func TestByIDResolvesTheName(t *testing.T) {
	key := func(id, name, status string) Key { return Key{KeyID: id, Name: name, Status: status} }
	tests := []struct {
		name     string
		keys     []Key
		wantPath string // the name-addressed path sent; "" = nothing sent
		wantErr  string
	}{
		{"unique", []Key{key("key_1", "svc", "active"), key("key_2", "other", "active")}, "/svc", ""},
		{"renamed outside", []Key{key("key_1", "new name", "active")}, "/new%20name", ""},
		{"old revoked twin", []Key{key("key_0", "svc", "revoked"), key("key_1", "svc", "active")}, "/svc", ""},
		{"two live keys", []Key{key("key_1", "svc", "active"), key("key_2", "svc", "")}, "", "shares its name \"svc\" with 1 other live key"},
		{"not listed", []Key{key("key_2", "svc", "active")}, "", "not in the user's key listing"},
		{"revoked, name reused", []Key{key("key_1", "svc", "revoked"), key("key_2", "svc", "active")}, "", "is revoked"},
		{"expired", []Key{key("key_1", "svc", "expired")}, "/svc", "is expired"},
		{"expired, name reused", []Key{key("key_1", "svc", "expired"), key("key_2", "svc", "active")}, "", "shares its name"},
	}
	for _, op := range []string{"update", "rotate", "revoke"} {
		for _, tt := range tests {
			t.Run(op+"/"+tt.name, func(t *testing.T) {
				var sent []string
				c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
					base := "/v1/organizations/users/ops@example.com/api-keys"
					if r.Method == http.MethodGet {
						b, _ := json.Marshal(map[string]any{"results": tt.keys})
						respond(200, string(b))(w, r)
						return
					}
					sent = append(sent, strings.TrimSuffix(strings.TrimPrefix(r.URL.EscapedPath(), base), "/rotate"))
					respond(200, `{"key_id":"key_1","name":"svc","key":"`+fakePlaintext+`"}`)(w, r)
				})
				ctx := context.Background()
				var err error
				switch op {
				case "update":
					_, err = c.UpdateKeyByID(ctx, "ops@example.com", "key_1", UpdateKeyRequest{Description: Value("d")})
				case "rotate":
					_, err = c.RotateKeyByID(ctx, "ops@example.com", "key_1")
				case "revoke":
					err = c.RevokeKeyByID(ctx, "ops@example.com", "key_1")
				}
				wantErr, wantPath := tt.wantErr, tt.wantPath
				switch {
				case op == "revoke" && (tt.name == "not listed" || strings.HasPrefix(tt.name, "revoked") || strings.HasPrefix(tt.name, "expired")):
					wantErr, wantPath = "", "" // nothing left to revoke
				case op == "update" && tt.name == "expired":
					wantErr = "" // a new expires_at may revive it
				case tt.name == "expired":
					wantPath = ""
				}
				if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
					t.Fatalf("err = %v, want %q", err, wantErr)
				}
				if wantErr != "" || wantPath == "" {
					if len(sent) != 0 {
						t.Fatalf("sent %v, want nothing", sent)
					}
					return
				}
				if len(sent) != 1 || sent[0] != wantPath {
					t.Fatalf("sent %v, want [%s]", sent, wantPath)
				}
			})
		}
	}
	t.Run("answer about another key", func(t *testing.T) {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				respond(200, `[{"key_id":"key_1","name":"svc","status":"active"}]`)(w, r)
				return
			}
			respond(200, `{"key_id":"key_9","name":"svc"}`)(w, r)
		})
		_, err := c.UpdateKeyByID(context.Background(), "ops@example.com", "key_1", UpdateKeyRequest{Description: Value("d")})
		if err == nil || !strings.Contains(err.Error(), "changed key key_9 instead") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestIsUserNotFound(t *testing.T) {
	env := func(details string) string {
		return `{"success":false,"status":404,"error":{"message":"not found","type":"NotFoundError","details":` + details + `}}`
	}
	tests := []struct {
		name, method, path, body string
		want                     bool
	}{
		{"user details", http.MethodPatch, "/v1/organizations/users/u@example.com/api-keys/k", env(`{"resource":"user"}`), true},
		{"key details", http.MethodGet, "/v1/organizations/users/u@example.com/api-keys", env(`{"resource":"api_key"}`), false},
		{"listing without details", http.MethodGet, "/v1/organizations/users/u@example.com/api-keys", env(`null`), true},
		{"patch without details", http.MethodPatch, "/v1/organizations/users/u@example.com/api-keys/k", env(`null`), false},
		{"plain 404", http.MethodGet, "/v1/organizations/users/u@example.com/api-keys", `404 page not found`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, respond(http.StatusNotFound, tt.body))
			_, err := c.do(context.Background(), transport.Request{Method: tt.method, Path: tt.path})
			if got := IsUserNotFound(err); got != tt.want {
				t.Fatalf("IsUserNotFound(%v) = %t, want %t", err, got, tt.want)
			}
		})
	}
}
