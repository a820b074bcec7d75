package devserver

import (
	"fmt"
	"strings"
	"testing"
)

func TestCreateGetDeleteAPI(t *testing.T) {
	h := newHarness(t)
	var created struct {
		APIID string `json:"apiId"`
	}
	h.ok("apis.createApi", map[string]any{"name": "payments"}, &created)
	if !strings.HasPrefix(created.APIID, "api_") {
		t.Fatalf("apiId %q", created.APIID)
	}
	var got map[string]any
	h.ok("apis.getApi", map[string]any{"apiId": created.APIID}, &got)
	if got["id"] != created.APIID || got["name"] != "payments" || len(got) != 2 {
		t.Fatalf("getApi = %v", got)
	}

	for _, c := range []struct {
		route string
		body  map[string]any
	}{
		{"apis.createApi", map[string]any{"name": "ab"}},
		{"apis.createApi", map[string]any{"name": strings.Repeat("a", 257)}},
		{"apis.createApi", map[string]any{}},
		{"apis.getApi", map[string]any{"apiId": "api_1"}},
		{"apis.getApi", map[string]any{"apiId": "api_1234-5678"}},
		{"apis.deleteApi", map[string]any{}},
	} {
		h.fail(c.route, c.body, 400, "unkey/application/invalid_input")
	}
	h.fail("apis.getApi", map[string]any{"apiId": "api_doesnotexist"}, 404, "unkey/data/api_not_found")
	h.fail("apis.deleteApi", map[string]any{"apiId": "api_doesnotexist"}, 404, "unkey/data/api_not_found")

	k := h.createKey(map[string]any{"apiId": created.APIID})
	var empty map[string]any
	h.ok("apis.deleteApi", map[string]any{"apiId": created.APIID}, &empty)
	if len(empty) != 0 {
		t.Fatalf("deleteApi data = %v", empty)
	}
	h.fail("apis.getApi", map[string]any{"apiId": created.APIID}, 404, "unkey/data/api_not_found")
	h.fail("apis.deleteApi", map[string]any{"apiId": created.APIID}, 404, "unkey/data/api_not_found")
	// Keys of a deleted API are gone for every read and fail verification.
	h.fail("keys.getKey", map[string]any{"keyId": k.KeyID}, 404, "unkey/data/key_not_found")
	h.fail("apis.listKeys", map[string]any{"apiId": created.APIID}, 404, "unkey/data/api_not_found")
	// The genuine createKey looks the API up without a deleted filter: the create succeeds and the
	// new key reads as not found, as do its API's other keys.
	for _, body := range []map[string]any{{"apiId": created.APIID}, {"apiId": created.APIID, "recoverable": true}} {
		late := h.createKey(body)
		h.fail("keys.getKey", map[string]any{"keyId": late.KeyID}, 404, "unkey/data/key_not_found")
		if v := h.verify(map[string]any{"key": late.Key}); v.Code != "NOT_FOUND" {
			t.Fatalf("verify key %s created in a deleted api: %s", late.KeyID, v.Code)
		}
		if c := storedCiphertext(t, h.srv.db, late.KeyID); c != nil {
			t.Fatalf("key %s of a deleted api keeps a ciphertext", late.KeyID)
		}
	}
	h.fail("keys.createKey", map[string]any{"apiId": "api_neverexisted"}, 404, "unkey/data/api_not_found")
	if v := h.verify(map[string]any{"key": k.Key}); v.Code != "NOT_FOUND" || v.Valid {
		t.Fatalf("verify key %s of deleted api: %s", k.KeyID, v.Code)
	}
}

func TestListKeys(t *testing.T) {
	h := newHarness(t)
	var ids []string
	for i := range 5 {
		body := map[string]any{"name": fmt.Sprintf("k%d", i)}
		if i%2 == 0 {
			body["externalId"] = "even"
		}
		ids = append(ids, h.createKey(body).KeyID)
	}
	deleted := h.createKey(map[string]any{})
	h.ok("keys.deleteKey", map[string]any{"keyId": deleted.KeyID}, nil)

	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		body := map[string]any{"apiId": h.apiID, "limit": 2}
		if cursor != "" {
			body["cursor"] = cursor
		}
		var page []keyResponseData
		r := h.ok("apis.listKeys", body, &page)
		if r.Pagination == nil || pages > 3 {
			t.Fatalf("pagination missing or endless: %s", r.Raw)
		}
		for i, k := range page {
			if i > 0 && strings.ToLower(page[i-1].KeyID) > strings.ToLower(k.KeyID) {
				t.Fatal("keys not in ascending case-insensitive id order")
			}
			all = append(all, k.KeyID)
		}
		if !r.Pagination.HasMore {
			if r.Pagination.Cursor != "" {
				t.Fatal("cursor present with hasMore=false")
			}
			break
		}
		if len(page) != 2 {
			t.Fatalf("page of %d with hasMore", len(page))
		}
		cursor = r.Pagination.Cursor
	}
	if len(all) != 5 {
		t.Fatalf("listed %d keys, want 5 (soft-deleted one excluded)", len(all))
	}
	for _, id := range ids {
		if !strings.Contains(strings.Join(all, ","), id) {
			t.Fatalf("key %s missing from list", id)
		}
	}

	var even []keyResponseData
	h.ok("apis.listKeys", map[string]any{"apiId": h.apiID, "externalId": "even"}, &even)
	if len(even) != 3 || even[0].Identity == nil || even[0].Identity.ExternalID != "even" {
		t.Fatalf("externalId filter returned %d keys", len(even))
	}
	var none []keyResponseData
	r := h.ok("apis.listKeys", map[string]any{"apiId": h.apiID, "externalId": "nobody"}, &none)
	if len(none) != 0 || string(r.Data) != "[]" {
		t.Fatalf("unknown externalId: %s", r.Data)
	}

	for _, body := range []map[string]any{
		{"apiId": h.apiID, "limit": 0},
		{"apiId": h.apiID, "limit": 101},
		{"apiId": ""},
		{"apiId": h.apiID, "externalId": ""},
	} {
		h.fail("apis.listKeys", body, 400, "unkey/application/invalid_input")
	}
	h.fail("apis.listKeys", map[string]any{"apiId": "api_unknown"}, 404, "unkey/data/api_not_found")
}

func TestListKeysDecrypt(t *testing.T) {
	h := newHarness(t)
	rec := h.createKey(map[string]any{"recoverable": true})
	plain := h.createKey(map[string]any{})
	var page []keyResponseData
	h.ok("apis.listKeys", map[string]any{"apiId": h.apiID, "decrypt": true}, &page)
	for _, k := range page {
		switch k.KeyID {
		case rec.KeyID:
			if k.Plaintext != rec.Key {
				t.Fatalf("listKeys decrypt: wrong plaintext for %s", k.KeyID)
			}
		case plain.KeyID:
			if k.Plaintext != "" {
				t.Fatalf("listKeys decrypt: plaintext for non-recoverable %s", k.KeyID)
			}
		}
	}
	var plainPage []keyResponseData
	h.ok("apis.listKeys", map[string]any{"apiId": h.apiID}, &plainPage)
	for _, k := range plainPage {
		if k.Plaintext != "" {
			t.Fatalf("plaintext of %s without decrypt", k.KeyID)
		}
	}
	if err := h.srv.SetAPIEncryption(h.apiID, false); err != nil {
		t.Fatal(err)
	}
	h.fail("apis.listKeys", map[string]any{"apiId": h.apiID, "decrypt": true}, 412, "unkey/application/precondition_failed")
	if err := h.srv.SetAPIEncryption("api_unknown", true); err == nil {
		t.Fatal("SetAPIEncryption on unknown api succeeded")
	}
}
