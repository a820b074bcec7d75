package unkey

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

const testRootKey = "unkey_root_test"

// reply is one canned answer of the fake server.
type reply struct {
	status      int
	contentType string
	body        string
}

// fakeServer answers /v2/<op> with replies queued per path (the last one repeats) and records
// every request body.
type fakeServer struct {
	t       *testing.T
	mu      sync.Mutex
	replies map[string][]reply
	bodies  map[string][]string
	hits    map[string]int
}

func newFake(t *testing.T) (*fakeServer, *Client) {
	t.Helper()
	f := &fakeServer{t: t, replies: map[string][]reply{}, bodies: map[string][]string{}, hits: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	hc, err := transport.New(transport.Config{
		BaseURL:      srv.URL,
		Token:        testRootKey,
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, New(hc)
}

// on queues replies for an operation such as "keys.getKey".
func (f *fakeServer) on(op string, replies ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies["/v2/"+op] = append(f.replies["/v2/"+op], replies...)
}

// ok queues a 200 with the given JSON body.
func (f *fakeServer) ok(op, body string) { f.on(op, reply{status: 200, body: body}) }

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if got := r.Header.Get("Authorization"); got != "Bearer "+testRootKey {
		f.t.Errorf("%s: Authorization = %q", r.URL.Path, got)
	}
	f.mu.Lock()
	f.bodies[r.URL.Path] = append(f.bodies[r.URL.Path], string(body))
	f.hits[r.URL.Path]++
	queue := f.replies[r.URL.Path]
	var rep reply
	switch len(queue) {
	case 0:
		rep = reply{status: 404, body: `{"meta":{"requestId":"req_x"},"error":{"title":"Not Found","detail":"no route","status":404,"type":"about:blank"}}`}
	case 1:
		rep = queue[0]
	default:
		rep, f.replies[r.URL.Path] = queue[0], queue[1:]
	}
	f.mu.Unlock()
	ct := rep.contentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func (f *fakeServer) lastBody(op string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.bodies["/v2/"+op]
	if len(b) == 0 {
		f.t.Fatalf("no request to %s", op)
	}
	return b[len(b)-1]
}

func (f *fakeServer) hitCount(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits["/v2/"+op]
}

func ptr[T any](v T) *T { return &v }

// fullKey is a KeyResponseData with every member, plus members this client does not know.
const fullKey = `{
	"keyId": "key_123", "start": "sk_ab12", "enabled": true, "name": "billing",
	"meta": {"team": "billing", "n": 1}, "createdAt": 1700000000000, "updatedAt": 1700000001000,
	"lastUsedAt": 1700000002000, "expires": 4102444800000,
	"permissions": ["invoices.read", "invoices.write"], "roles": ["admin"],
	"credits": {"remaining": 42, "refill": {"interval": "monthly", "amount": 100, "refillDay": 1, "future": true}},
	"identity": {"id": "id_1", "externalId": "cust_1", "meta": {"plan": "pro"},
		"ratelimits": [{"id": "rl_i", "name": "ident", "limit": 5, "duration": 1000, "autoApply": false}]},
	"plaintext": "sk_ab12secret",
	"ratelimits": [{"id": "rl_1", "name": "requests", "limit": 100, "duration": 60000, "autoApply": true, "shiny": 1}],
	"brandNewField": {"nested": [1, 2, 3]}
}`

func wantFullKey() *Key {
	return &Key{
		KeyID: "key_123", Start: "sk_ab12", Enabled: true, Name: ptr("billing"),
		Meta:      json.RawMessage(`{"team": "billing", "n": 1}`),
		CreatedAt: 1700000000000, UpdatedAt: ptr[int64](1700000001000), LastUsedAt: ptr[int64](1700000002000),
		Expires:     ptr[int64](4102444800000),
		Permissions: []string{"invoices.read", "invoices.write"}, Roles: []string{"admin"},
		Credits: &Credits{Remaining: ptr[int64](42), Refill: &Refill{Interval: "monthly", Amount: 100, RefillDay: ptr(1)}},
		Identity: &Identity{ID: "id_1", ExternalID: "cust_1", Meta: json.RawMessage(`{"plan": "pro"}`),
			Ratelimits: []Ratelimit{{ID: "rl_i", Name: "ident", Limit: 5, Duration: 1000}}},
		Plaintext:  ptr("sk_ab12secret"),
		Ratelimits: []Ratelimit{{ID: "rl_1", Name: "requests", Limit: 100, Duration: 60000, AutoApply: true}},
	}
}

func env(data string) string {
	return `{"meta":{"requestId":"req_1","extra":"ignored"},"data":` + data + `,"unknownTopLevel":1}`
}

func mustEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

func TestDecodeResponses(t *testing.T) {
	f, c := newFake(t)
	ctx := t.Context()

	f.ok("keys.getKey", env(fullKey))
	key, err := c.GetKey(ctx, "key_123", true)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "getKey", key, wantFullKey())
	mustEqual(t, "getKey request", f.lastBody("keys.getKey"), `{"keyId":"key_123","decrypt":true}`)

	// Only the required members: optional pointers stay nil.
	f.ok("keys.whoami", env(`{"keyId":"key_2","start":"ab12","enabled":false,"createdAt":1}`))
	key, err = c.Whoami(ctx, "ab12xyz")
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "whoami", key, &Key{KeyID: "key_2", Start: "ab12", CreatedAt: 1})
	mustEqual(t, "whoami request", f.lastBody("keys.whoami"), `{"key":"ab12xyz"}`)

	f.ok("keys.createKey", env(`{"keyId":"key_new","key":"sk_secret","extra":true}`))
	created, err := c.CreateKey(ctx, CreateKeyRequest{APIID: "api_1"})
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "createKey", created, &CreatedKey{KeyID: "key_new", Key: "sk_secret"})
	mustEqual(t, "createKey request", f.lastBody("keys.createKey"), `{"apiId":"api_1"}`)

	f.ok("keys.rerollKey", env(`{"keyId":"key_rr","key":"sk_rr"}`))
	rerolled, err := c.RerollKey(ctx, "key_123", 0)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "rerollKey", rerolled, &CreatedKey{KeyID: "key_rr", Key: "sk_rr"})
	mustEqual(t, "rerollKey request", f.lastBody("keys.rerollKey"), `{"keyId":"key_123","expiration":0}`)

	f.ok("keys.updateKey", env(`{}`))
	if err := c.UpdateKey(ctx, UpdateKeyRequest{KeyID: "key_123"}); err != nil {
		t.Fatal(err)
	}
	f.ok("keys.deleteKey", env(`{}`))
	if err := c.DeleteKey(ctx, "key_123", true); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "deleteKey request", f.lastBody("keys.deleteKey"), `{"keyId":"key_123","permanent":true}`)

	f.ok("keys.updateCredits", env(`{"remaining":null}`))
	credits, err := c.UpdateCredits(ctx, "key_123", "set", nil)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "updateCredits", credits, &Credits{})
	mustEqual(t, "updateCredits request", f.lastBody("keys.updateCredits"), `{"keyId":"key_123","operation":"set","value":null}`)

	f.ok("keys.verifyKey", env(`{"valid":false,"code":"SOMETHING_NEW","keyId":"key_123","name":"n","meta":{"a":1},
		"expires":5,"credits":7,"enabled":true,"permissions":["p"],"roles":["r"],"identity":{"id":"id_1","externalId":"e"},
		"ratelimits":[{"id":"rl_1","name":"requests","limit":10,"duration":1000,"reset":900,"remaining":0,"exceeded":true,"autoApply":true}]}`))
	verified, err := c.VerifyKey(ctx, VerifyKeyRequest{Key: "sk_x", Permissions: "p", Credits: &VerifyCredits{Cost: 0},
		Ratelimits: []VerifyRatelimit{{Name: "requests", Cost: ptr[int64](2)}}})
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "verifyKey", verified, &VerifyResult{Valid: false, Code: "SOMETHING_NEW", KeyID: "key_123", Name: "n",
		Meta: json.RawMessage(`{"a":1}`), Expires: ptr[int64](5), Credits: ptr[int64](7), Enabled: ptr(true),
		Permissions: []string{"p"}, Roles: []string{"r"}, Identity: &Identity{ID: "id_1", ExternalID: "e"},
		Ratelimits: []VerifyRatelimitResult{{ID: "rl_1", Name: "requests", Limit: 10, Duration: 1000, Reset: 900, Exceeded: true, AutoApply: true}}})
	mustEqual(t, "verifyKey request", f.lastBody("keys.verifyKey"),
		`{"key":"sk_x","permissions":"p","credits":{"cost":0},"ratelimits":[{"name":"requests","cost":2}]}`)

	perms := `[{"id":"perm_1","name":"Read","slug":"read","description":"d","x":1},{"id":"perm_2","name":"w","slug":"w"}]`
	wantPerms := []Permission{{ID: "perm_1", Name: "Read", Slug: "read", Description: "d"}, {ID: "perm_2", Name: "w", Slug: "w"}}
	for op, fn := range map[string]func(context.Context, string, []string) ([]Permission, error){
		"keys.addPermissions": c.AddPermissions, "keys.setPermissions": c.SetPermissions, "keys.removePermissions": c.RemovePermissions,
	} {
		f.ok(op, env(perms))
		got, err := fn(ctx, "key_123", nil)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, op, got, wantPerms)
		mustEqual(t, op+" request", f.lastBody(op), `{"keyId":"key_123","permissions":[]}`)
	}

	roles := `[{"id":"role_1","name":"admin","description":"all","permissions":[{"id":"perm_1","name":"Read","slug":"read"}],"x":[]}]`
	wantRoles := []Role{{ID: "role_1", Name: "admin", Description: "all", Permissions: []Permission{{ID: "perm_1", Name: "Read", Slug: "read"}}}}
	for op, fn := range map[string]func(context.Context, string, []string) ([]Role, error){
		"keys.addRoles": c.AddRoles, "keys.setRoles": c.SetRoles, "keys.removeRoles": c.RemoveRoles,
	} {
		f.ok(op, env(roles))
		got, err := fn(ctx, "key_123", []string{"admin"})
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, op, got, wantRoles)
		mustEqual(t, op+" request", f.lastBody(op), `{"keyId":"key_123","roles":["admin"]}`)
	}

	f.ok("apis.createApi", env(`{"apiId":"api_new"}`))
	apiID, err := c.CreateAPI(ctx, "payments")
	if err != nil || apiID != "api_new" {
		t.Fatalf("createApi = %q, %v", apiID, err)
	}
	f.ok("apis.getApi", env(`{"id":"api_new","name":"payments","deleteProtection":false}`))
	api, err := c.GetAPI(ctx, "api_new")
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "getApi", api, &API{ID: "api_new", Name: "payments"})
	f.ok("apis.deleteApi", env(`{}`))
	if err := c.DeleteAPI(ctx, "api_new"); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "deleteApi request", f.lastBody("apis.deleteApi"), `{"apiId":"api_new"}`)

	f.ok("apis.listKeys", `{"meta":{"requestId":"r"},"data":[`+fullKey+`],"pagination":{"cursor":"key_200","hasMore":true,"total":9}}`)
	page, err := c.ListKeys(ctx, ListKeysRequest{APIID: "api_1", Limit: 1, Decrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "listKeys", page, &KeyPage{Keys: []Key{*wantFullKey()}, Cursor: "key_200", HasMore: true})
	mustEqual(t, "listKeys request", f.lastBody("apis.listKeys"), `{"apiId":"api_1","limit":1,"decrypt":true}`)

	f.ok("permissions.createPermission", env(`{"permissionId":"perm_9"}`))
	if id, err := c.CreatePermission(ctx, "Read", "read", ""); err != nil || id != "perm_9" {
		t.Fatalf("createPermission = %q, %v", id, err)
	}
	mustEqual(t, "createPermission request", f.lastBody("permissions.createPermission"), `{"name":"Read","slug":"read"}`)
	f.ok("permissions.getPermission", env(`{"id":"perm_9","name":"Read","slug":"read"}`))
	if p, err := c.GetPermission(ctx, "read"); err != nil || *p != (Permission{ID: "perm_9", Name: "Read", Slug: "read"}) {
		t.Fatalf("getPermission = %+v, %v", p, err)
	}
	f.ok("permissions.listPermissions", `{"meta":{"requestId":"r"},"data":`+perms+`,"pagination":{"hasMore":false}}`)
	if got, err := c.ListPermissions(ctx); err != nil || !reflect.DeepEqual(got, wantPerms) {
		t.Fatalf("listPermissions = %+v, %v", got, err)
	}
	f.ok("permissions.deletePermission", env(`{}`))
	if err := c.DeletePermission(ctx, "read"); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "deletePermission request", f.lastBody("permissions.deletePermission"), `{"permission":"read"}`)

	f.ok("permissions.createRole", env(`{"roleId":"role_9"}`))
	if id, err := c.CreateRole(ctx, "admin", "all", []string{"read"}); err != nil || id != "role_9" {
		t.Fatalf("createRole = %q, %v", id, err)
	}
	mustEqual(t, "createRole request", f.lastBody("permissions.createRole"), `{"name":"admin","description":"all","permissions":["read"]}`)
	f.ok("permissions.getRole", env(`{"id":"role_1","name":"admin","description":"all","permissions":[{"id":"perm_1","name":"Read","slug":"read"}]}`))
	if r, err := c.GetRole(ctx, "admin"); err != nil || !reflect.DeepEqual(*r, wantRoles[0]) {
		t.Fatalf("getRole = %+v, %v", r, err)
	}
	f.ok("permissions.listRoles", `{"meta":{"requestId":"r"},"data":`+roles+`,"pagination":{"hasMore":false}}`)
	if got, err := c.ListRoles(ctx); err != nil || !reflect.DeepEqual(got, wantRoles) {
		t.Fatalf("listRoles = %+v, %v", got, err)
	}
	f.ok("permissions.deleteRole", env(`{}`))
	if err := c.DeleteRole(ctx, "admin"); err != nil {
		t.Fatal(err)
	}

	f.ok("identities.createIdentity", env(`{"identityId":"id_9"}`))
	id, err := c.CreateIdentity(ctx, "cust_9", json.RawMessage(`{"plan":"pro"}`), []RatelimitRequest{{Name: "req", Limit: 1, Duration: 1000}})
	if err != nil || id != "id_9" {
		t.Fatalf("createIdentity = %q, %v", id, err)
	}
	mustEqual(t, "createIdentity request", f.lastBody("identities.createIdentity"),
		`{"externalId":"cust_9","meta":{"plan":"pro"},"ratelimits":[{"name":"req","limit":1,"duration":1000,"autoApply":false}]}`)
	f.ok("identities.getIdentity", env(`{"id":"id_9","externalId":"cust_9","meta":{"plan":"pro"},"ratelimits":[{"id":"rl_1","name":"req","limit":1,"duration":1000,"autoApply":false}]}`))
	ident, err := c.GetIdentity(ctx, "cust_9")
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "getIdentity", ident, &Identity{ID: "id_9", ExternalID: "cust_9", Meta: json.RawMessage(`{"plan":"pro"}`),
		Ratelimits: []Ratelimit{{ID: "rl_1", Name: "req", Limit: 1, Duration: 1000}}})
	// Its spec response has meta only, no data member.
	f.ok("identities.deleteIdentity", `{"meta":{"requestId":"r"}}`)
	if err := c.DeleteIdentity(ctx, "cust_9"); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "deleteIdentity request", f.lastBody("identities.deleteIdentity"), `{"identity":"cust_9"}`)
}

func TestLiveness(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v2/liveness" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, env(`{"message":"OK"}`))
	}))
	t.Cleanup(srv.Close)
	hc, err := transport.New(transport.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if msg, err := New(hc).Liveness(t.Context()); err != nil || msg != "OK" {
		t.Fatalf("Liveness = %q, %v", msg, err)
	}
}

func TestMalformedSuccessResponses(t *testing.T) {
	f, c := newFake(t)
	for name, body := range map[string]string{
		"not json":       `<html>oops</html>`,
		"no data":        `{"meta":{"requestId":"r"}}`,
		"null data":      `{"meta":{"requestId":"r"},"data":null}`,
		"wrong type":     env(`{"keyId":5}`),
		"empty key id":   env(`{"keyId":"","key":"sk_x"}`),
		"truncated body": `{"meta":{"requestId":"r"},"data":{"keyId":"key_1","key":"sk`,
	} {
		f.replies = map[string][]reply{}
		f.ok("keys.createKey", body)
		created, err := c.CreateKey(t.Context(), CreateKeyRequest{APIID: "api_1"})
		if err == nil {
			t.Errorf("%s: CreateKey = %+v, want an error", name, created)
			continue
		}
		if strings.Contains(err.Error(), "sk_x") {
			t.Errorf("%s: error leaks the body: %v", name, err)
		}
	}
}

func TestErrorDecoding(t *testing.T) {
	longHTML := "<html>\x00\x1b[31m" + strings.Repeat("bad gateway ", 100) + "</html>"
	for _, tc := range []struct {
		name  string
		reply reply
		want  *Error
		text  []string
	}{
		{
			name:  "400 with validation errors",
			reply: reply{status: 400, body: `{"meta":{"requestId":"req_400"},"error":{"title":"Bad Request","detail":"POST request body for '/v2/keys.createKey' failed to validate schema","status":400,"type":"https://unkey.com/docs/errors/unkey/application/invalid_input","errors":[{"location":"body.byteLength","message":"must be >= 16","fix":"use 16 or more"},{"location":"body.prefix","message":"does not match pattern"}]}}`},
			want: &Error{Operation: "keys.createKey", HTTPStatus: 400, Title: "Bad Request", Detail: "POST request body for '/v2/keys.createKey' failed to validate schema",
				Type: "https://unkey.com/docs/errors/unkey/application/invalid_input", RequestID: "req_400", FromUnkey: true,
				Errors: []ValidationError{{Location: "body.byteLength", Message: "must be >= 16", Fix: "use 16 or more"}, {Location: "body.prefix", Message: "does not match pattern"}}},
			text: []string{"HTTP 400 Bad Request", "failed to validate schema", "body.byteLength: must be >= 16 (fix: use 16 or more); body.prefix: does not match pattern", "req_400"},
		},
		{
			name:  "404",
			reply: reply{status: 404, body: `{"meta":{"requestId":"req_404"},"error":{"title":"Not Found","detail":"The specified key was not found.","status":404,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`},
			want: &Error{Operation: "keys.createKey", HTTPStatus: 404, Title: "Not Found", Detail: "The specified key was not found.",
				Type: "https://unkey.com/docs/errors/unkey/data/key_not_found", RequestID: "req_404", FromUnkey: true},
			text: []string{"unkey keys.createKey: HTTP 404 Not Found: The specified key was not found. (request id req_404)"},
		},
		{
			name:  "412",
			reply: reply{status: 412, body: `{"meta":{"requestId":"req_412"},"error":{"title":"Precondition Failed","detail":"This API does not support key encryption.","status":412,"type":"https://unkey.com/docs/errors/unkey/application/precondition_failed"}}`},
			want: &Error{Operation: "keys.createKey", HTTPStatus: 412, Title: "Precondition Failed", Detail: "This API does not support key encryption.",
				Type: "https://unkey.com/docs/errors/unkey/application/precondition_failed", RequestID: "req_412", FromUnkey: true},
			text: []string{"412 Precondition Failed", "key encryption", "req_412"},
		},
		{
			name:  "problem+json envelope",
			reply: reply{status: 403, contentType: "application/problem+json", body: `{"meta":{"requestId":"req_403"},"error":{"title":"Insufficient Permissions","detail":"missing api.*.create_key","status":403,"type":"https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions"}}`},
			want: &Error{Operation: "keys.createKey", HTTPStatus: 403, Title: "Insufficient Permissions", Detail: "missing api.*.create_key",
				Type: "https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions", RequestID: "req_403", FromUnkey: true},
		},
		{
			name:  "bare problem+json",
			reply: reply{status: 401, contentType: "application/problem+json", body: `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"The provided root key is invalid."}`},
			want:  &Error{Operation: "keys.createKey", HTTPStatus: 401, Title: "Unauthorized", Detail: "The provided root key is invalid.", Type: "about:blank"},
		},
		{
			name:  "non-JSON 502",
			reply: reply{status: 502, contentType: "text/html", body: longHTML},
			text:  []string{"HTTP 502 Bad Gateway: <html> [31mbad gateway bad gateway", "…"},
		},
		{
			name:  "JSON without problem members",
			reply: reply{status: 418, body: `{"message":"teapot"}`},
			want:  &Error{Operation: "keys.createKey", HTTPStatus: 418, Title: "I'm a teapot", Detail: `{"message":"teapot"}`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			f.on("keys.createKey", tc.reply)
			_, err := c.CreateKey(t.Context(), CreateKeyRequest{APIID: "api_1", Name: "REQUEST_BODY_MARKER"})
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if !strings.HasPrefix(apiErr.Endpoint, "http://127.0.0.1:") || !strings.HasSuffix(apiErr.Endpoint, "/v2/keys.createKey") {
				t.Errorf("endpoint = %q", apiErr.Endpoint)
			}
			if tc.want != nil {
				got := *apiErr
				got.Endpoint = ""
				mustEqual(t, "error", &got, tc.want)
			}
			msg := err.Error()
			for _, s := range tc.text {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not contain %q", msg, s)
				}
			}
			if strings.Contains(msg, "REQUEST_BODY_MARKER") || strings.ContainsAny(msg, "\x00\x1b\n") {
				t.Errorf("error message leaks the request or control characters: %q", msg)
			}
			if len(apiErr.Detail) > maxSnippet+len("…") && tc.want == nil {
				t.Errorf("snippet not truncated: %d bytes", len(apiErr.Detail))
			}
			if !IsStatus(err, tc.reply.status) || IsNotFound(err) != (tc.reply.status == 404) {
				t.Errorf("IsStatus/IsNotFound disagree with status %d", tc.reply.status)
			}
		})
	}
}

func TestIsStatusOnOtherErrors(t *testing.T) {
	if IsNotFound(nil) || IsNotFound(errors.New("404")) || IsStatus(context.Canceled, 0) {
		t.Fatal("non-API errors must not match")
	}
	if IsNotFound(errors.Join(errors.New("context"), &Error{HTTPStatus: 404})) {
		t.Fatal("a 404 without an Unkey envelope must not match")
	}
	wrapped := errors.Join(errors.New("context"), &Error{HTTPStatus: 404, FromUnkey: true, Type: TypePrefix + "unkey/data/key_not_found"})
	if !IsNotFound(wrapped) || !IsKeyNotFound(wrapped) {
		t.Fatal("a wrapped *Error must match")
	}
}

func TestCreateKeyNotRetriedOn500(t *testing.T) {
	f, c := newFake(t)
	f.on("keys.createKey", reply{status: 500, body: `{"meta":{"requestId":"req_500"},"error":{"title":"Internal Server Error","detail":"db","status":500,"type":"x"}}`}, reply{status: 200, body: env(`{"keyId":"key_dup","key":"sk"}`)})
	_, err := c.CreateKey(t.Context(), CreateKeyRequest{APIID: "api_1"})
	if !IsStatus(err, 500) || f.hitCount("keys.createKey") != 1 {
		t.Fatalf("err = %v after %d hits; want the 500 without a retry", err, f.hitCount("keys.createKey"))
	}
	// An idempotent read is retried past the same 500.
	f.on("keys.getKey", reply{status: 500, body: `{}`}, reply{status: 200, body: env(`{"keyId":"key_1","start":"ab","enabled":true,"createdAt":1}`)})
	if _, err := c.GetKey(t.Context(), "key_1", false); err != nil || f.hitCount("keys.getKey") != 2 {
		t.Fatalf("getKey err = %v after %d hits", err, f.hitCount("keys.getKey"))
	}
}

func TestListAllKeysFollowsCursor(t *testing.T) {
	f, c := newFake(t)
	page := func(ids []string, cursor string, more bool) reply {
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = `{"keyId":"` + id + `","start":"ab","enabled":true,"createdAt":1}`
		}
		p := `{"hasMore":false}`
		if more {
			p = `{"cursor":"` + cursor + `","hasMore":true}`
		}
		return reply{status: 200, body: `{"meta":{"requestId":"r"},"data":[` + strings.Join(keys, ",") + `],"pagination":` + p + `}`}
	}
	f.on("apis.listKeys", page([]string{"key_1", "key_2"}, "key_3", true), page([]string{"key_3", "key_4"}, "key_5", true), page([]string{"key_5"}, "", false))

	keys, err := c.ListAllKeys(t.Context(), "api_1", "cust_1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.KeyID)
	}
	mustEqual(t, "ids", ids, []string{"key_1", "key_2", "key_3", "key_4", "key_5"})
	f.mu.Lock()
	bodies := f.bodies["/v2/apis.listKeys"]
	f.mu.Unlock()
	mustEqual(t, "requests", bodies, []string{
		`{"apiId":"api_1","limit":100,"externalId":"cust_1"}`,
		`{"apiId":"api_1","limit":100,"cursor":"key_3","externalId":"cust_1"}`,
		`{"apiId":"api_1","limit":100,"cursor":"key_5","externalId":"cust_1"}`,
	})
}

func TestListAllKeysRejectsRepeatedCursor(t *testing.T) {
	f, c := newFake(t)
	f.ok("apis.listKeys", `{"meta":{"requestId":"r"},"data":[],"pagination":{"cursor":"key_1","hasMore":true}}`)
	if _, err := c.ListAllKeys(t.Context(), "api_1", ""); err == nil || f.hitCount("apis.listKeys") != 2 {
		t.Fatalf("err = %v after %d pages; want an error on the repeated cursor", err, f.hitCount("apis.listKeys"))
	}
}
