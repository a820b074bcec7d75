package mixpeek

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"reflect"
	"strings"
	"testing"
)

// The seeds below run as ordinary tests under `go test`; `go test -fuzz=FuzzDecodeList` explores
// further. Both decoders face untrusted server bodies and must never panic.

func FuzzDecodeList(f *testing.F) {
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `"x"`, `42`, `[null]`, `[1]`,
		`[{"key_id":"key_1","name":"n","scopes":[{"resource_type":"namespace","resource_id":"*","operations":null}]}]`,
		`{"results":[{"key_id":"k"}],"total":1}`, `{"api_keys":[]}`, `{"keys":null}`, `{"data":{"results":[]}}`,
		`{"results":"nope","keys":[{}]}`, `{"results":[{"rate_limit_override":1e400}]}`, "\xff\xfe[", `[{"name":"\u0000"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, err := decodeList(body)
		if err != nil && keys != nil {
			t.Fatal("keys returned with an error")
		}
		if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
			got, gerr := decodeKeyArray(trimmed)
			want, werr := decodeItemByItem(trimmed)
			if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) || !reflect.DeepEqual(got, want) {
				t.Fatalf("decodeKeyArray differs from decoding item by item: %v / %v", gerr, werr)
			}
		}
		if err != nil && len(err.Error()) > 600 {
			t.Fatalf("error message too long: %d", len(err.Error()))
		}
	})
}

func FuzzDecodeError(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{404, `{"success":false,"status":404,"error":{"message":"m","type":"NotFoundError","details":null}}`},
		{422, `{"success":false,"status":422,"error":{"message":"m","type":"ValidationError","details":{"validation_errors":[{"type":"t","location":["body",1,true,null,{"a":1}],"message":"x"}]}}}`},
		{422, `{"detail":[{"loc":["body","name"],"msg":"m","type":"t"}]}`},
		{422, `{"detail":[{"loc":"body","msg":1}]}`},
		{401, `{"detail":"Not authenticated"}`},
		{400, `{"error":"plain"}`},
		{400, `{"error":{"details":{"validation_errors":"nope"}}}`},
		{500, `<html>oops</html>`},
		{500, ""},
		{503, "\xff\xfe\x00sk_abcdefghijk"},
		{429, `{"message":"slow down"}`},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := decodeError(status, body)
		if e == nil || e.HTTPStatus != status {
			t.Fatal("status not kept")
		}
		msg := e.Error()
		if !strings.HasPrefix(msg, "mixpeek API error") {
			t.Fatalf("unexpected error text %q", msg)
		}
		if len(e.Message) > 400 {
			t.Fatalf("message too long: %d", len(e.Message))
		}
	})
}

// FuzzValidatePathSegment checks that an accepted user email or key name always addresses the
// path it was meant for: the escaped segment survives path cleaning and decodes (once or twice)
// to no other segments.
func FuzzValidatePathSegment(f *testing.F) {
	for _, s := range []string{"my key", ".", "..", "a/b", "a%2Fb", "%252F", "%2e%2e", `a\b`, "a@b.com", "...", "%", "%zz", "\x00", "ключ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := keysPath("u@example.com", s)
		if err != nil {
			return
		}
		if cleaned := path.Clean(p); cleaned != p {
			t.Fatalf("%q: path %q cleans to %q", s, p, cleaned)
		}
		seg := strings.TrimPrefix(p, "/v1/organizations/users/u@example.com/api-keys/")
		if strings.Contains(seg, "/") {
			t.Fatalf("%q: escaped segment %q has a slash", s, seg)
		}
		once, err := url.PathUnescape(seg)
		if err != nil || once != s {
			t.Fatalf("%q: segment %q decodes to %q (%v)", s, seg, once, err)
		}
		twice, err := url.PathUnescape(once)
		if err == nil && (strings.ContainsAny(twice, `/\`) || twice == "." || twice == "..") {
			t.Fatalf("%q accepted but a double-decoding proxy reads %q", s, twice)
		}
	})
}

// decodeItemByItem is the reference for decodeKeyArray's one-pass decoding: each item on its own.
func decodeItemByItem(raw []byte) ([]Key, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("mixpeek: list response is not valid JSON: %s", sanitizeJSONError(err))
	}
	keys := make([]Key, 0, len(items))
	for i, it := range items {
		var k Key
		if err := json.Unmarshal(it, &k); err != nil {
			return nil, fmt.Errorf("mixpeek: list item %d: %s", i, sanitizeJSONError(err))
		}
		keys = append(keys, k)
	}
	return keys, nil
}
