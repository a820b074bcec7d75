package devserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Behaviour measured on the genuine Unkey service where it is easy to get wrong from the
// published documents alone.

// caseInsensitiveIDOrder is apis.listKeys' order: ids compared without case, then exactly.
func caseInsensitiveIDOrder(a, b string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// Key ids have the genuine short shape by default; SetLongKeyIDs gives the long base58 one, to
// creates and rerolls alike.
func TestKeyIDShapes(t *testing.T) {
	short := regexp.MustCompile(`^key_[a-zA-Z0-9]{9}$`)
	long := regexp.MustCompile(`^key_[1-9A-HJ-NP-Za-km-z]{20,22}$`)
	h := newHarness(t)
	for _, tc := range []struct {
		name string
		long bool
		want *regexp.Regexp
	}{
		{"short", false, short},
		{"long", true, long},
		{"short again", false, short},
	} {
		h.srv.SetLongKeyIDs(tc.long)
		k := h.createKey(map[string]any{})
		var rerolled createdKey
		h.ok("keys.rerollKey", map[string]any{"keyId": k.KeyID, "expiration": 0}, &rerolled)
		for _, id := range []string{k.KeyID, rerolled.KeyID} {
			if !tc.want.MatchString(id) {
				t.Errorf("%s: key id %q does not have the %s shape", tc.name, id, tc.name)
			}
		}
		if got := h.getKey(k.KeyID)["keyId"]; got != k.KeyID {
			t.Errorf("%s: getKey of %s answered %v", tc.name, k.KeyID, got)
		}
	}

	srv, err := New(Config{LongKeyIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if id := srv.newKeyID(); !long.MatchString(id) {
		t.Errorf("Config.LongKeyIDs: key id %q", id)
	}
}

// apis.listKeys orders ids without regard to case (so not in byte order) and pages through ties
// between ids that differ only in case without losing or repeating one.
func TestListKeysCaseInsensitiveOrder(t *testing.T) {
	h := newHarness(t)
	ids := []string{"key_xyzb1", "key_xyzA2", "key_xyza3", "key_xyzB4", "key_xyzaB", "key_xyzAb", "key_xyz0z"}
	for i, id := range ids {
		k := h.createKey(map[string]any{"name": fmt.Sprintf("k%d", i)})
		if _, err := h.srv.db.Exec(`UPDATE keys SET id = ? WHERE id = ?`, id, k.KeyID); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"key_xyz0z", "key_xyzA2", "key_xyza3", "key_xyzAb", "key_xyzaB", "key_xyzb1", "key_xyzB4"}
	byteOrder := slices.Sorted(slices.Values(ids))
	if slices.Equal(want, byteOrder) {
		t.Fatal("the fixture does not tell the orders apart")
	}
	for _, limit := range []int{1, 2, 3, 100} {
		if got := h.listAll("apis.listKeys", map[string]any{"apiId": h.apiID}, limit, fieldOf("keyId")); !slices.Equal(got, want) {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
	}
}

// expires 0 is a moment in 1970: stored, so the key verifies as EXPIRED, while getKey leaves
// expires out as it does for a key without expiry. An update to 0 does the same.
func TestExpiresZero(t *testing.T) {
	h := newHarness(t)
	created := h.createKey(map[string]any{"expires": 0})
	updated := h.createKey(map[string]any{})
	h.ok("keys.updateKey", map[string]any{"keyId": updated.KeyID, "expires": 0}, nil)
	never := h.createKey(map[string]any{})
	for _, tc := range []struct {
		name string
		key  createdKey
		code string
	}{
		{"created with 0", created, "EXPIRED"},
		{"updated to 0", updated, "EXPIRED"},
		{"no expiry", never, "VALID"},
	} {
		if _, ok := h.getKey(tc.key.KeyID)["expires"]; ok {
			t.Errorf("%s: getKey of %s has expires", tc.name, tc.key.KeyID)
		}
		var listed []map[string]any
		h.ok("apis.listKeys", map[string]any{"apiId": h.apiID}, &listed)
		for _, k := range listed {
			if _, ok := k["expires"]; ok && k["keyId"] == tc.key.KeyID {
				t.Errorf("%s: listKeys shows expires for %s", tc.name, tc.key.KeyID)
			}
		}
		if v := h.verify(map[string]any{"key": tc.key.Key}); v.Code != tc.code || v.Valid != (tc.code == "VALID") {
			t.Errorf("%s: verify %s = %s, want %s", tc.name, tc.key.KeyID, v.Code, tc.code)
		}
	}
}

// Rate limits above the response schema's bounds (limit 1,000,000, duration 30 days) are
// accepted by createKey and updateKey and returned as stored, as the genuine service does.
func TestRatelimitsBeyondResponseBounds(t *testing.T) {
	const day = 86_400_000
	h := newHarness(t)
	big := []map[string]any{
		{"name": "burst", "limit": 5_000_000, "duration": 60_000, "autoApply": true},
		{"name": "slow", "limit": 10, "duration": 90 * day, "autoApply": false},
	}
	created := h.createKey(map[string]any{"ratelimits": big})
	updated := h.createKey(map[string]any{})
	h.ok("keys.updateKey", map[string]any{"keyId": updated.KeyID, "ratelimits": big}, nil)
	for _, id := range []string{created.KeyID, updated.KeyID} {
		var d keyResponseData
		h.ok("keys.getKey", map[string]any{"keyId": id}, &d)
		got := map[string][2]int64{}
		for _, rl := range d.Ratelimits {
			got[rl.Name] = [2]int64{rl.Limit, rl.Duration}
		}
		if got["burst"] != [2]int64{5_000_000, 60_000} || got["slow"] != [2]int64{10, 90 * day} {
			t.Errorf("key %s: ratelimits %+v", id, d.Ratelimits)
		}
	}
	if v := h.verify(map[string]any{"key": created.Key}); v.Code != "VALID" || len(v.Ratelimits) != 1 || v.Ratelimits[0].Limit != 5_000_000 {
		t.Errorf("verify %s: %+v", created.KeyID, v)
	}
}

// The request validator refuses a body that is not declared as JSON before reading it; a
// declared charset and an undeclared body are accepted.
func TestRequestContentType(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		contentType string
		status      int
	}{
		{"text/plain", 400},
		{"text/plain; charset=utf-8", 400},
		{"application/x-www-form-urlencoded", 400},
		{"application/problem+json", 400},
		{"not a media type", 400},
		{"application/json", 200},
		{"application/json; charset=utf-8", 200},
		{"Application/JSON", 200},
		{"", 200},
	} {
		req := httptest.NewRequest(http.MethodPost, "/v2/apis.getApi", strings.NewReader(fmt.Sprintf(`{"apiId":%q}`, h.apiID)))
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		req.Header.Set("Authorization", "Bearer "+h.srv.RootKey())
		req.Header.Set("Accept", "*/*")
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("Content-Type %q: status %d, want %d", tc.contentType, rec.Code, tc.status)
			continue
		}
		if tc.status != 400 {
			continue
		}
		r := response{Status: rec.Code, Raw: rec.Body.Bytes()}
		h.t = t
		if err := json.Unmarshal(r.Raw, &r); err != nil {
			t.Fatalf("Content-Type %q: body is not JSON", tc.contentType)
		}
		h.checkError("Content-Type "+tc.contentType, r, 400, "unkey/application/invalid_input")
		if len(r.Error.Errors) != 1 || r.Error.Errors[0].Location != "requestBody" {
			t.Errorf("Content-Type %q: errors %+v", tc.contentType, r.Error.Errors)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q: answered as %s, want application/json", tc.contentType, ct)
		}
	}
}

// The error without an Authorization header names the security requirement and says how to fix
// it, in Unkey's validation shape.
func TestMissingAuthorizationShape(t *testing.T) {
	h := newHarness(t)
	r := h.do("keys.getKey", `{"keyId":"key_123"}`, "")
	h.checkError("keys.getKey", r, 400, "unkey/application/invalid_input")
	if len(r.Error.Errors) != 1 {
		t.Fatalf("errors = %+v", r.Error.Errors)
	}
	if e := r.Error.Errors[0]; e.Location != "security" || e.Message == "" || e.Fix == "" {
		t.Fatalf("error = %+v", e)
	}
}
