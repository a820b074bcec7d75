package devserver

// Fuzz targets for the request decoders. Each sends arbitrary bytes through Handler(), i.e. the
// same decode + validate path (and, for valid bodies, the same handler) as a real request, and
// requires no panic, a JSON response and a status from the expected set. The seeds run as normal
// tests; `go test -fuzz FuzzUnkeyCreateKeyRequest ./internal/devserver/` fuzzes one target.
//
// Bodies may contain placeholders replaced before sending, so the fuzzer can reach past the
// lookups: $API (an API with encryption), $NOENC (an API without), $KEY (an existing key id).

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/testkit"
)

// fuzzStatuses are the statuses a well-formed or malformed body may produce; anything else
// (a 500 in particular) is a decoder or handler bug.
var fuzzStatuses = map[int]bool{200: true, 400: true, 404: true, 409: true, 412: true, 422: true}

type fuzzTarget struct {
	srv     *Server
	handler http.Handler
	repl    *strings.Replacer
}

const fuzzRootKey = "unkey_fuzzRootKey"

// user provisions the Mixpeek user email and returns it.
func (ft *fuzzTarget) user(t *testing.T, email string) string {
	t.Helper()
	if _, err := ft.srv.AddMixpeekUser(context.Background(), email); err != nil {
		t.Fatal(err)
	}
	return email
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	f.Helper()
	clock := testkit.NewClock(time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC))
	srv, err := New(Config{RootKey: fuzzRootKey, Now: clock.Now, MixpeekUsers: mpTestUsers})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	ctx := context.Background()
	noEnc, err := srv.CreateAPI(ctx, "fuzz-plain")
	if err != nil {
		f.Fatal(err)
	}
	api, err := srv.CreateAPI(ctx, "fuzz-encrypted")
	if err != nil {
		f.Fatal(err)
	}
	if err := srv.SetAPIEncryption(api, true); err != nil {
		f.Fatal(err)
	}
	ft := &fuzzTarget{srv: srv, handler: srv.Handler()}
	rec := ft.send(http.MethodPost, "/v2/keys.createKey", []byte(`{"apiId":"`+api+`","name":"fuzz"}`))
	var created struct {
		Data struct {
			KeyID string `json:"keyId"`
		} `json:"data"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &created) != nil {
		f.Fatalf("seed key: status %d", rec.Code)
	}
	ft.repl = strings.NewReplacer("$API", api, "$NOENC", noEnc, "$KEY", created.Data.KeyID)
	return ft
}

func (ft *fuzzTarget) send(method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fuzzRootKey)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	ft.handler.ServeHTTP(rec, req)
	return rec
}

// check asserts the status set and a well-formed envelope. It never prints the response body,
// which may hold a plaintext.
func (ft *fuzzTarget) check(t *testing.T, rec *httptest.ResponseRecorder, unkey bool) {
	t.Helper()
	if !fuzzStatuses[rec.Code] {
		t.Fatalf("status %d", rec.Code)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("status %d: response is not JSON", rec.Code)
	}
	if rec.Code == 200 {
		return
	}
	var env struct {
		Error  *errorBody      `json:"error"`
		Detail json.RawMessage `json:"detail"`
		Status int             `json:"status"`
	}
	err := json.Unmarshal(rec.Body.Bytes(), &env)
	switch {
	case err != nil:
		t.Fatalf("status %d: undecodable error envelope: %v", rec.Code, err)
	case unkey:
		if env.Error == nil || env.Error.Status != rec.Code || env.Error.Type == "" {
			t.Fatalf("status %d without a proper Unkey error envelope", rec.Code)
		}
	case rec.Code == 422:
		if len(env.Detail) == 0 {
			t.Fatal("422 without detail[]")
		}
	default:
		if env.Status != rec.Code {
			t.Fatalf("status %d without a proper Mixpeek error envelope", rec.Code)
		}
	}
}

func FuzzUnkeyCreateKeyRequest(f *testing.F) {
	ft := newFuzzTarget(f)
	for _, seed := range []string{
		`{"apiId":"$API"}`,
		`{"apiId":"$API","prefix":"sk","name":"svc","byteLength":32,"externalId":"user_1","meta":{"a":1,"b":[null,{"c":"d"}]},"roles":[],"permissions":["a.b","c_d"],"expires":1900000000000,"credits":{"remaining":10,"refill":{"interval":"monthly","amount":5,"refillDay":31}},"ratelimits":[{"name":"r","limit":10,"duration":60000,"autoApply":true}],"enabled":false,"recoverable":true}`,
		`{"apiId":"$NOENC","recoverable":true}`,
		`{"apiId":"$API","credits":{"remaining":null}}`,
		`{"apiId":"$API","credits":{"refill":{"interval":"daily","amount":1}}}`,
		`{"apiId":"$API","credits":{"remaining":1,"refill":{"interval":"daily","amount":1,"refillDay":3}}}`,
		`{"apiId":"$API","roles":["missing-role"]}`,
		`{"apiId":"$API","meta":null}`,
		`{"apiId":null}`,
		`{"apiId":"api_doesnotexist"}`,
		`{"apiId":"$API","byteLength":1e400}`,
		`{"apiId":"$API","byteLength":-1}`,
		`{"apiId":"$API","expires":9223372036854775807}`,
		`{"apiId":"$API","name":"\u0000\ud800"}`,
		`{"apiId":"$API","apiId":"$API"}`,
		`{"apiId":"$API"} {}`,
		`{"apiId":"$API","ratelimits":[{}]}`,
		`{"apiId":"$API","unknown":1}`,
		`[{"apiId":"$API"}]`,
		`{"apiId":"$API","meta":{"deep":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}`,
		"",
		"null",
		"\xff\xfe",
		`{"apiId":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.check(t, ft.send(http.MethodPost, "/v2/keys.createKey", []byte(ft.repl.Replace(string(body)))), true)
	})
}

// FuzzUnkeyUpdateKeyRequest exercises the tri-state (omitted / null / value) decoding.
func FuzzUnkeyUpdateKeyRequest(f *testing.F) {
	ft := newFuzzTarget(f)
	for _, seed := range []string{
		`{"keyId":"$KEY"}`,
		`{"keyId":"$KEY","name":"renamed","externalId":"user_2","meta":{"x":true},"expires":1900000000000,"credits":{"remaining":5,"refill":{"interval":"daily","amount":2}},"ratelimits":[{"name":"r","limit":1,"duration":1000}],"enabled":true,"roles":[],"permissions":["p.q"]}`,
		`{"keyId":"$KEY","name":null,"externalId":null,"meta":null,"expires":null,"credits":null}`,
		`{"keyId":"$KEY","credits":{"remaining":null,"refill":null}}`,
		`{"keyId":"$KEY","credits":{"remaining":1}}`,
		`{"keyId":"$KEY","credits":{"refill":{"interval":"monthly","amount":1,"refillDay":null}}}`,
		`{"keyId":"$KEY","credits":{}}`,
		`{"keyId":"$KEY","enabled":null}`,
		`{"keyId":"$KEY","roles":null}`,
		`{"keyId":"$KEY","ratelimits":null}`,
		`{"keyId":"$KEY","name":""}`,
		`{"keyId":"$KEY","name":123}`,
		`{"keyId":"$KEY","meta":"string"}`,
		`{"keyId":"$KEY","expires":-5}`,
		`{"keyId":"$KEY","roles":["nope"]}`,
		`{"keyId":"key_missing","name":"x"}`,
		`{"keyId":null}`,
		`{"keyId":"$KEY","name":null,"name":"x"}`,
		`{"keyId":"$KEY","credits":{"remaining":null,"remaining":3}}`,
		`{}`,
		`{"keyId":"$KEY",}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.check(t, ft.send(http.MethodPost, "/v2/keys.updateKey", []byte(ft.repl.Replace(string(body)))), true)
	})
}

var mixpeekBodySeeds = []string{
	`{"name":"svc"}`,
	`{"name":"svc","description":"d","permissions":["read","write","delete","admin"],"scopes":[{"resource_type":"namespace","resource_id":"ns_*","operations":["read_data"]}],"rate_limit_override":120,"expires_at":"2030-01-01T00:00:00Z","principal_id":"p"}`,
	`{"name":"svc","description":null,"scopes":null,"rate_limit_override":null,"expires_at":null}`,
	`{"name":"svc","permissions":null}`,
	`{"name":"svc","scopes":[]}`,
	`{"name":"svc","scopes":[{"resource_type":"bogus"}]}`,
	`{"name":"svc","scopes":[{"resource_type":"namespace","resource_id":"x","extra":1}]}`,
	`{"name":"a/b"}`,
	`{"name":""}`,
	`{"name":"admin-key"}`,
	`{"name":"svc","rate_limit_override":0}`,
	`{"name":"svc","rate_limit_override":1.5}`,
	`{"name":"svc","rate_limit_override":1e400}`,
	`{"name":"svc","expires_at":"2001-01-01T00:00:00Z"}`,
	`{"name":"svc","expires_at":"not a date"}`,
	`{"name":"svc","expires_at":1900000000}`,
	`{"name":"svc","status":"revoked"}`,
	`{"name":"other"}`,
	`{"name":"svc","status":"expired"}`,
	`{"status":"active"}`,
	`{"expires_at":null}`,
	`{"description":"\u0000\ud800"}`,
	`{"permissions":["read","read"]}`,
	`{"bogus":true}`,
	`{}`,
	`[]`,
	`null`,
	``,
	`{"name":"svc"} trailing`,
	"\xff",
}

func FuzzMixpeekCreateRequest(f *testing.F) {
	ft := newFuzzTarget(f)
	var n atomic.Int64
	for _, seed := range mixpeekBodySeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// A fresh user per input keeps the per-user key list (scanned on every lookup) short;
		// the duplicate-name path stays reachable through the user's "admin-key".
		email := ft.user(t, "fuzz"+strconv.FormatInt(n.Add(1), 10)+"@example.com")
		ft.check(t, ft.send(http.MethodPost, mpPath(email), body), false)
	})
}

func FuzzMixpeekUpdateRequest(f *testing.F) {
	ft := newFuzzTarget(f)
	var n atomic.Int64
	for _, seed := range mixpeekBodySeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// A fresh user and live key per input: an update may rename, revoke or expire the key,
		// and a short per-user key list keeps lookups fast. Renaming onto "other" is a 409.
		email := ft.user(t, "fuzz"+strconv.FormatInt(n.Add(1), 10)+"@example.com")
		for _, name := range []string{"svc-old", "other"} {
			if rec := ft.send(http.MethodPost, mpPath(email), []byte(`{"name":"`+name+`"}`)); rec.Code != 200 {
				t.Fatalf("create %s: status %d", name, rec.Code)
			}
		}
		ft.check(t, ft.send(http.MethodPatch, mpPath(email, "svc-old"), body), false)
	})
}

// seedSetup creates an identity (externalId "fuzz-identity") and a role ("fuzz-role") for the
// setup-operation targets.
func (ft *fuzzTarget) seedSetup(f *testing.F) {
	f.Helper()
	for path, body := range map[string]string{
		"/v2/identities.createIdentity": `{"externalId":"fuzz-identity","ratelimits":[{"name":"req","limit":1,"duration":1000,"autoApply":true}]}`,
		"/v2/permissions.createRole":    `{"name":"fuzz-role","permissions":["fuzz.read"]}`,
	} {
		if rec := ft.send(http.MethodPost, path, []byte(body)); rec.Code != 200 {
			f.Fatalf("seed %s: status %d", path, rec.Code)
		}
	}
}

// FuzzUnkeyUpdateIdentityRequest exercises updateIdentity's "omitted keeps, {} / [] clears,
// null is invalid" decoding.
func FuzzUnkeyUpdateIdentityRequest(f *testing.F) {
	ft := newFuzzTarget(f)
	ft.seedSetup(f)
	for _, seed := range []string{
		`{"identity":"fuzz-identity"}`,
		`{"identity":"fuzz-identity","meta":{"plan":"gold","n":[1,2,{"x":null}]}}`,
		`{"identity":"fuzz-identity","meta":{}}`,
		`{"identity":"fuzz-identity","meta":null}`,
		`{"identity":"fuzz-identity","ratelimits":[]}`,
		`{"identity":"fuzz-identity","ratelimits":null}`,
		`{"identity":"fuzz-identity","ratelimits":[{"name":"req","limit":5,"duration":1000,"autoApply":false},{"name":"req","limit":6,"duration":2000,"autoApply":true}]}`,
		`{"identity":"fuzz-identity","ratelimits":[{"name":"r","limit":0,"duration":10}]}`,
		`{"identity":"nobody","meta":{}}`,
		`{"identity":""}`,
		`{"identity":1}`,
		`{"identity":"fuzz-identity","externalId":"x"}`,
		`{}`,
		`[]`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.check(t, ft.send(http.MethodPost, "/v2/identities.updateIdentity", body), true)
	})
}

func FuzzUnkeySetRolePermissionsRequest(f *testing.F) {
	ft := newFuzzTarget(f)
	ft.seedSetup(f)
	for _, seed := range []string{
		`{"roleId":"fuzz-role","permissions":["fuzz.read","fuzz.write"]}`,
		`{"roleId":"fuzz-role","permissions":[]}`,
		`{"roleId":"fuzz-role","permissions":null}`,
		`{"roleId":"fuzz-role","permissions":["bad slug"]}`,
		`{"roleId":"fuzz-role","permissions":["a","a","a"]}`,
		`{"roleId":"role_missing","permissions":[]}`,
		`{"roleId":"x","permissions":[]}`,
		`{"roleId":"fuzz-role"}`,
		`{"permissions":[]}`,
		`{"roleId":"fuzz-role","permissions":[""]}`,
		`{"roleId":"fuzz-role","permissions":[1]}`,
		"null",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.check(t, ft.send(http.MethodPost, "/v2/permissions.setRolePermissions", body), true)
	})
}
