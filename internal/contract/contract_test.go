package contract

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func checker(t *testing.T) *Checker {
	t.Helper()
	c, reason, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if c == nil {
		t.Skip(reason)
	}
	return c
}

const (
	jsonCT    = "application/json"
	problemCT = "application/problem+json"
	meta      = `"meta":{"requestId":"req_1"}`
	badReq    = `{` + meta + `,"error":{"title":"Bad Request","detail":"apiId is required","status":400,"type":"https://unkey.com/docs/errors/unkey/application/invalid_input","errors":[{"location":"body.apiId","message":"required"}]}}`
	notFound  = `{` + meta + `,"error":{"title":"Not Found","detail":"no role","status":404,"type":"https://unkey.com/docs/errors/unkey/data/role_not_found"}}`
	mpUser    = "/v1/organizations/users/a@example.com/api-keys"
	mpCreated = `{"key_hash":"ab","internal_id":"i_1","user_id":"u_1","name":"a","key":"mxp_x"}`
)

func noCT(e *Exchange) *Exchange {
	e.RequestHeader.Del("Content-Type")
	return e
}

// verifyWith is a valid verifyKey answer with one rate limit whose numbers are rl.
func verifyWith(rl string) string {
	return `{` + meta + `,"data":{"valid":true,"code":"VALID","ratelimits":[{"id":"rl_12345678","name":"requests","autoApply":true,"duration":60000,` + rl + `,"exceeded":false}]}}`
}

func exchange(method, path, reqBody string, status int, ct, respBody string) *Exchange {
	return &Exchange{
		Method: method, Path: path,
		RequestHeader: http.Header{"Content-Type": {jsonCT}, "Authorization": {"Bearer unkey_rootsecret"}},
		RequestBody:   []byte(reqBody), Status: status,
		ResponseHeader: http.Header{"Content-Type": {ct}}, ResponseBody: []byte(respBody),
	}
}

func aid(e *Exchange) *Exchange {
	e.ResponseHeader.Set(testingAidHeader, "mixpeek-bare-list")
	return e
}

func TestCheck(t *testing.T) {
	c := checker(t)
	for _, tc := range []struct {
		name      string
		e         *Exchange
		problem   string // "" conforms; else a fragment of a problem
		rejected  bool
		exception string
	}{
		{name: "created key", e: exchange("POST", "/v2/keys.createKey", `{"apiId":"api_123"}`, 200, jsonCT, `{`+meta+`,"data":{"keyId":"key_1","key":"sk_x"}}`)},
		{name: "created key without keyId", e: exchange("POST", "/v2/keys.createKey", `{"apiId":"api_123"}`, 200, jsonCT, `{`+meta+`,"data":{"key":"sk_x"}}`), problem: "missing property 'keyId'"},
		{name: "invalid request rejected", e: exchange("POST", "/v2/keys.createKey", `{}`, 400, jsonCT, badReq), rejected: true, exception: ExBadRequestErrors},
		{name: "invalid request accepted", e: exchange("POST", "/v2/keys.createKey", `{}`, 200, jsonCT, `{`+meta+`,"data":{"keyId":"key_1","key":"sk_x"}}`), problem: "request accepted with status 200"},
		{name: "400 as problem+json", e: exchange("POST", "/v2/keys.createKey", `{}`, 400, problemCT, badReq), rejected: true, exception: ExErrorMediaType},
		{name: "400 with another extra member", e: exchange("POST", "/v2/keys.createKey", `{}`, 400, jsonCT, strings.Replace(badReq, `"errors"`, `"extra":1,"errors"`, 1)), problem: "extra", rejected: true},
		{name: "400 without errors", e: exchange("POST", "/v2/keys.createKey", `{}`, 400, jsonCT, strings.Replace(badReq, `,"errors":[{"location":"body.apiId","message":"required"}]`, ``, 1)), problem: "errors", rejected: true},
		{name: "error in an undeclared type", e: exchange("POST", "/v2/keys.getKey", `{"keyId":"key_123"}`, 404, "text/plain", "no"), problem: "text/plain"},
		{name: "json error where problem+json is declared", e: exchange("POST", "/v2/identities.deleteIdentity", `{"identity":"id_1"}`, 404, jsonCT, notFound), exception: ExErrorMediaType},
		{name: "undocumented route refused", e: exchange("POST", "/v2/keys.nothing", `{}`, 404, "text/plain", "404 page not found")},
		{name: "undocumented route answered", e: exchange("POST", "/v2/keys.nothing", `{}`, 200, jsonCT, `{}`), problem: "undocumented route answered 200"},
		{name: "POST liveness answered", e: exchange("POST", "/v2/liveness", ``, 200, jsonCT, `{`+meta+`,"data":{"message":"OK"}}`), problem: "undocumented route"},
		{name: "undocumented unkey status", e: exchange("POST", "/v2/keys.getKey", `{"keyId":"key_123"}`, 409, jsonCT, notFound), problem: "409"},
		{name: "deleteRole 404", e: exchange("POST", "/v2/permissions.deleteRole", `{"role":"r"}`, 404, problemCT, notFound), exception: "unkey permissions.deleteRole answered 404, which the document omits"},
		{name: "verifyKey reset as an absolute time", e: exchange("POST", "/v2/keys.verifyKey", `{"key":"sk_x"}`, 200, jsonCT, verifyWith(`"limit":10,"remaining":9,"reset":1800000120000`)), exception: ExRatelimitReset},
		{name: "verifyKey limit beyond the maximum", e: exchange("POST", "/v2/keys.verifyKey", `{"key":"sk_x"}`, 200, jsonCT, verifyWith(`"limit":5000000,"remaining":9,"reset":1000`)), exception: ExRatelimitBounds},
		{name: "verifyKey negative reset", e: exchange("POST", "/v2/keys.verifyKey", `{"key":"sk_x"}`, 200, jsonCT, verifyWith(`"limit":10,"remaining":9,"reset":-5`)), problem: "reset"},
		{name: "json without Content-Type", e: noCT(exchange("POST", "/v2/apis.getApi", `{"apiId":"api_1234"}`, 200, jsonCT, `{`+meta+`,"data":{"id":"api_1234","name":"xyz"}}`)), exception: ExNoContentType},
		{name: "text without Content-Type", e: noCT(exchange("POST", "/v2/apis.getApi", `apiId=api_1234`, 200, jsonCT, `{`+meta+`,"data":{"id":"api_1234","name":"xyz"}}`)), problem: "request accepted"},
		{name: "mixpeek create 409", e: exchange("POST", mpUser, `{"key_name":"a"}`, 409, jsonCT, `{}`), exception: ExMixpeekConflict},
		{name: "mixpeek delete 409", e: exchange("DELETE", mpUser+"/a", ``, 409, jsonCT, `{}`), problem: "409"},
		{name: "mixpeek 307 not for a dot name", e: exchange("DELETE", mpUser+"/a", ``, 307, jsonCT, ``), problem: "307"},
		{name: "mixpeek list as an array", e: exchange("GET", mpUser, ``, 200, jsonCT, `[]`), problem: "want object"},
		{name: "mixpeek list as an array from the testing aid", e: aid(exchange("GET", mpUser, ``, 200, jsonCT, `[]`)), exception: "testing aid: mixpeek-bare-list"},
		{name: "mixpeek numeric expires_at accepted", e: exchange("POST", mpUser, `{"name":"a","expires_at":1900000000}`, 200, jsonCT, mpCreated), exception: ExMixpeekNumericExpiry},
		{name: "mixpeek numeric name accepted", e: exchange("POST", mpUser, `{"name":7}`, 200, jsonCT, mpCreated), problem: "request accepted"},
		{name: "mixpeek delete user", e: exchange("DELETE", "/v1/organizations/users/a@example.com", ``, 200, jsonCT, `{}`), exception: ExMixpeekDeleteUser},
		{name: "mixpeek get user answered", e: exchange("GET", "/v1/organizations/users/a@example.com", ``, 200, jsonCT, `{}`), problem: "undocumented route answered 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Check(tc.e)
			if !r.Checked {
				t.Fatal("not checked")
			}
			got := strings.Join(r.Problems, " | ")
			switch {
			case tc.problem == "" && got != "":
				t.Errorf("problems: %s", got)
			case tc.problem != "" && !strings.Contains(got, tc.problem):
				t.Errorf("problems %q, want one with %q", got, tc.problem)
			}
			if r.Rejected != tc.rejected {
				t.Errorf("rejected = %t, want %t", r.Rejected, tc.rejected)
			}
			if tc.exception != "" && !strings.Contains(strings.Join(r.Exceptions, "|"), tc.exception) {
				t.Errorf("exceptions %q, want %q", r.Exceptions, tc.exception)
			}
			if tc.exception == "" && tc.problem != "" && len(r.Exceptions) > 0 && !strings.Contains(tc.name, "400") {
				t.Errorf("exceptions %q applied to a violation", r.Exceptions)
			}
		})
	}
}

// Problems never quote a credential or key material from the exchange.
func TestProblemsRedactSecrets(t *testing.T) {
	e := exchange("POST", "/v2/keys.verifyKey", `{"key":"sk_topsecret_value"}`, 200, jsonCT, `{"plaintext":"pt_secret_too"}`)
	r := redact(Result{Problems: []string{"x 'sk_topsecret_value' y pt_secret_too Bearer unkey_rootsecret"}}, e)
	for _, s := range []string{"sk_topsecret_value", "pt_secret_too", "unkey_rootsecret"} {
		if strings.Contains(r.Problems[0], s) {
			t.Errorf("problem quotes a secret: %s", r.Problems[0])
		}
	}
}

// The middleware passes the response through untouched and reports what breaks the document.
func TestMiddleware(t *testing.T) {
	c := checker(t)
	var got []Violation
	h := c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/liveness":
			w.Header().Set("Content-Type", jsonCT)
			_, _ = w.Write([]byte(`{` + meta + `,"data":{"message":"OK"}}`))
		case "/v2/keys.getKey":
			w.Header().Set("Content-Type", jsonCT)
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{` + meta + `}`))
		default:
			// abandoned: nothing written
		}
	}), func(v Violation) { got = append(got, v) })
	for _, path := range []string{"/v2/liveness", "/v2/keys.getKey", "/v2/keys.createKey"} {
		method := http.MethodPost
		if path == "/v2/liveness" {
			method = http.MethodGet
		}
		req := httptest.NewRequest(method, path, strings.NewReader(`{"keyId":"key_123"}`))
		req.Header.Set("Content-Type", jsonCT)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if path == "/v2/keys.getKey" && rec.Body.String() != `{`+meta+`}` {
			t.Errorf("body changed: %s", rec.Body)
		}
	}
	if len(got) != 1 || got[0].Operation != "POST /v2/keys.getKey" || got[0].Status != 200 || !strings.Contains(got[0].String(), "data") {
		t.Fatalf("violations: %v", got)
	}
}

func TestLocateOverride(t *testing.T) {
	t.Setenv(EnvDir, "/nonexistent-contract-dir")
	dir, _ := locate()
	if dir != "/nonexistent-contract-dir" {
		t.Fatalf("locate() = %q", dir)
	}
	if _, err := Load(dir); err == nil {
		t.Fatal("Load of a missing directory succeeded")
	}
}
