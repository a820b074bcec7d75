package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/contract"
	"github.com/apikey-provider/terraform-provider-apikey/internal/testkit"
)

type harness struct {
	t       *testing.T
	srv     *Server
	handler http.Handler
	clock   *testkit.Clock
	apiID   string
	checked bool // handler goes through the contract checks
}

// newHarness starts an in-memory server with encryption on for new APIs and one API.
func newHarness(t *testing.T) *harness {
	t.Helper()
	clock := testkit.NewClock(time.UnixMilli(1_800_000_000_000))
	srv, err := New(Config{EncryptAllAPIs: true, Now: clock.Now, MixpeekUsers: []string{"ops@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	apiID, err := srv.CreateAPI(context.Background(), "test-api")
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, srv: srv, handler: contract.Wrap(t, srv.Handler()), checked: true, clock: clock, apiID: apiID}
}

type response struct {
	Status int
	Raw    []byte
	Meta   struct {
		RequestID string `json:"requestId"`
	} `json:"meta"`
	Data       json.RawMessage `json:"data"`
	Pagination *pagination     `json:"pagination"`
	Error      *errorBody      `json:"error"`
}

// do sends body (a string is sent verbatim, anything else JSON-encoded) with the given
// Authorization header value ("" omits the header).
func (h *harness) do(route string, body any, auth string) response {
	h.t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			h.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/v2/"+route, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if !h.checked {
		// A harness built around another server is checked from its first request on.
		h.handler, h.checked = contract.Wrap(h.t, h.handler), true
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	r := response{Status: rec.Code, Raw: rec.Body.Bytes()}
	if err := json.Unmarshal(r.Raw, &r); err != nil {
		h.t.Fatalf("%s: response is not JSON (status %d)", route, rec.Code)
	}
	return r
}

// call sends an authenticated request.
func (h *harness) call(route string, body any) response {
	h.t.Helper()
	return h.do(route, body, "Bearer "+h.srv.RootKey())
}

// ok sends an authenticated request, requires 200 and decodes data into out (if non-nil).
func (h *harness) ok(route string, body any, out any) response {
	h.t.Helper()
	r := h.call(route, body)
	if r.Status != http.StatusOK {
		h.t.Fatalf("%s: status %d, error %+v", route, r.Status, r.Error)
	}
	if r.Meta.RequestID == "" || r.Meta.RequestID[:4] != "req_" {
		h.t.Fatalf("%s: bad meta.requestId %q", route, r.Meta.RequestID)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			h.t.Fatalf("%s: decode data: %v", route, err)
		}
	}
	return r
}

// fail sends an authenticated request and requires an error envelope with status and, when
// code is not empty, a type ending in code.
func (h *harness) fail(route string, body any, status int, code string) response {
	h.t.Helper()
	r := h.call(route, body)
	h.checkError(route, r, status, code)
	return r
}

func (h *harness) checkError(route string, r response, status int, code string) {
	h.t.Helper()
	if r.Status != status {
		h.t.Fatalf("%s: status %d, want %d (error %+v)", route, r.Status, status, r.Error)
	}
	if r.Error == nil || r.Error.Status != status || r.Error.Title == "" || r.Error.Detail == "" {
		h.t.Fatalf("%s: bad error envelope %+v", route, r.Error)
	}
	if code != "" && r.Error.Type != "https://unkey.com/docs/errors/"+code {
		h.t.Fatalf("%s: error type %q, want code %q", route, r.Error.Type, code)
	}
	if status == http.StatusBadRequest && r.Error.Errors == nil {
		h.t.Fatalf("%s: 400 without errors[]", route)
	}
}

// createdKey is a keys.createKey result. Tests must never print key, only keyID.
type createdKey struct {
	KeyID string `json:"keyId"`
	Key   string `json:"key"`
}

func (h *harness) createKey(body map[string]any) createdKey {
	h.t.Helper()
	if _, ok := body["apiId"]; !ok {
		body["apiId"] = h.apiID
	}
	var k createdKey
	h.ok("keys.createKey", body, &k)
	return k
}

// getKey returns the key's KeyResponseData as a generic map (to check omitted fields).
func (h *harness) getKey(keyID string) map[string]any {
	h.t.Helper()
	var d map[string]any
	h.ok("keys.getKey", map[string]any{"keyId": keyID}, &d)
	return d
}

func (h *harness) verify(body map[string]any) verifyKeyResponse {
	h.t.Helper()
	var v verifyKeyResponse
	h.ok("keys.verifyKey", body, &v)
	return v
}
