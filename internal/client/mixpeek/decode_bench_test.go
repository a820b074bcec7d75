package mixpeek

import (
	"encoding/json"
	"fmt"
	"testing"
)

// listingBody is a listing of n keys as the local server sends it.
func listingBody(tb testing.TB, n int) []byte {
	tb.Helper()
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{
			"key_id": fmt.Sprintf("key_%09d", i), "key_hash": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			"key_prefix": "mxp_sk_abcd", "key_type": "standard", "internal_id": "org_int", "organization_id": "org_1",
			"user_id": "usr_1", "name": fmt.Sprintf("bench-%d", i), "description": "", "permissions": []string{"read", "write", "delete"},
			"scopes": []any{}, "rate_limit_override": nil, "status": "active", "expires_at": nil, "last_used_at": nil,
			"revoked_at": nil, "created_at": "2026-06-01T12:00:00Z", "created_by": "usr_1", "revoked_by": nil, "allowed_origins": []string{},
		}
	}
	body, err := json.Marshal(map[string]any{"results": items, "total": n})
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// BenchmarkDecodeListing: a refresh or a destroy of N keys decodes listings of about N keys.
func BenchmarkDecodeListing(b *testing.B) {
	body := listingBody(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeListing(body); err != nil {
			b.Fatal(err)
		}
	}
}
