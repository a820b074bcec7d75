package unkey

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// The seeds below run as ordinary tests; `go test -fuzz=FuzzDecodeKeyEnvelope ./internal/client/unkey`
// explores further.

func FuzzDecodeKeyEnvelope(f *testing.F) {
	for _, seed := range []string{
		env(fullKey),
		env(`{"keyId":"key_1","start":"ab","enabled":true,"createdAt":1}`),
		`{"meta":{"requestId":"r"},"data":[` + fullKey + `],"pagination":{"cursor":"c","hasMore":true}}`,
		`{"data":null}`,
		`{"data":{"credits":{"remaining":null,"refill":null},"identity":null,"meta":null}}`,
		`{"data":{"createdAt":1e400,"expires":-1,"ratelimits":[null]}}`,
		`[]`, `null`, ``, `{"data":`, "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if env, err := decodeEnvelope[Key](body); err == nil && env.Data == nil {
			t.Fatal("decodeEnvelope succeeded without data")
		}
		_, _ = decodeEnvelope[[]Key](body)
	})
}

func FuzzDecodeError(f *testing.F) {
	for _, seed := range []struct {
		status int
		body   string
	}{
		{400, `{"meta":{"requestId":"req_1"},"error":{"title":"Bad Request","detail":"d","status":400,"type":"t","errors":[{"location":"body.x","message":"m","fix":"f"}]}}`},
		{404, `{"meta":{"requestId":"req_1"},"error":{"title":"Not Found","detail":"d","status":404,"type":"t"}}`},
		{401, `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"bad key"}`},
		{502, "<html>\x00\x1b bad gateway</html>"},
		{500, ``},
		{429, `{"error":null,"errors":[null]}`},
		{-1, "\xff\xfe\xfd"},
		{999, strings.Repeat("é", 300)},
	} {
		f.Add(seed.status, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		h := http.Header{}
		h.Set("X-Unkey-Request-Id", "req_h")
		e := decodeError("keys.getKey", "https://api.unkey.test/v2/keys.getKey", status, h, body)
		if e.HTTPStatus != status || e.RequestID == "" {
			t.Fatalf("decodeError lost the status or request id: %+v", e)
		}
		msg := e.Error()
		if msg == "" {
			t.Fatal("empty error message")
		}
		// Snippets of unparseable bodies are bounded, valid UTF-8 and free of control characters.
		if e.Type == "" && e.Errors == nil && e.Title == http.StatusText(status) {
			if len(e.Detail) > maxSnippet+len("…") || !utf8.ValidString(e.Detail) || strings.ContainsAny(e.Detail, "\x00\x1b\r\n\t") {
				t.Fatalf("unsafe snippet %q", e.Detail)
			}
		}
	})
}

// FuzzNotFoundKind checks the gone-or-not classifier on arbitrary bodies: a not-found verdict
// needs HTTP 404 and a body that really is Unkey's envelope with that exact type.
func FuzzNotFoundKind(f *testing.F) {
	for _, seed := range []struct {
		status int
		body   string
	}{
		{404, `{"meta":{"requestId":"req_1"},"error":{"title":"Not Found","detail":"d","status":404,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`},
		{404, `{"meta":{"requestId":"req_1"},"error":{"title":"Not Found","detail":"d","status":404,"type":"https://unkey.com/docs/errors/unkey/data/api_not_found"}}`},
		{404, `{"meta":{"requestId":"req_1"},"error":{"title":"Not Found","detail":"d","status":404,"type":"https://unkey.com/docs/errors/unkey/data/route_not_found"}}`},
		{404, `{"meta":{"requestId":"req_1"},"error":{"title":"Not Found","detail":"d","status":"404","type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`},
		{404, `{"meta":{"requestId":"req_1"},"error":{"title":"Not Found","detail":"d","status":404.0,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`},
		{404, `{"title":"Not Found","detail":"d","status":404,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}`},
		{404, "404 page not found"},
		{404, `<html>Not Found</html>`},
		{200, `{"meta":{"requestId":"req_1"},"error":{"title":"Not Found","detail":"d","status":200,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`},
	} {
		f.Add(seed.status, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := decodeError("keys.getKey", "https://api.unkey.test/v2/keys.getKey", status, http.Header{}, body)
		kind, ok := NotFoundKind(e)
		if !ok {
			if kind != "" || IsNotFound(e) || IsKeyNotFound(e) {
				t.Fatalf("inconsistent predicates for %+v", e)
			}
			return
		}
		if status != http.StatusNotFound || !e.FromUnkey || !notFoundKinds[kind] {
			t.Fatalf("not-found verdict %q without the evidence: %+v", kind, e)
		}
		// Decode independently: the envelope must carry exactly this type and status.
		var doc struct {
			Meta  struct{ RequestID string } `json:"meta"`
			Error struct {
				Status int    `json:"status"`
				Type   string `json:"type"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("verdict %q on a body that is not JSON: %v", kind, err)
		}
		if doc.Error.Status != 404 || doc.Error.Type != TypePrefix+"unkey/data/"+kind+"_not_found" || doc.Meta.RequestID == "" {
			t.Fatalf("verdict %q disagrees with the body %q", kind, body)
		}
	})
}
