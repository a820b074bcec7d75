package devserver

import (
	"testing"
	"time"
)

func TestVerifyKeyOutcomes(t *testing.T) {
	h := newHarness(t)
	h.ok("permissions.createRole", map[string]any{"name": "editor", "permissions": []string{"docs.write"}}, nil)
	valid := h.createKey(map[string]any{"name": "v", "meta": map[string]any{"x": 1}, "permissions": []string{"docs.read"}, "roles": []string{"editor"}, "externalId": "u1"})
	disabled := h.createKey(map[string]any{"enabled": false})
	expiring := h.createKey(map[string]any{"expires": h.clock.Now().UnixMilli() + 1000})

	v := h.verify(map[string]any{"key": valid.Key})
	if !v.Valid || v.Code != "VALID" || v.KeyID != valid.KeyID || v.Name != "v" || string(v.Meta) != `{"x":1}` ||
		v.Enabled == nil || !*v.Enabled || v.Identity == nil || v.Identity.ExternalID != "u1" || len(v.Roles) != 1 || len(v.Permissions) != 2 {
		t.Fatalf("verify %s: %+v", valid.KeyID, v)
	}
	if last := h.getKey(valid.KeyID)["lastUsedAt"]; last != float64(h.clock.Now().UnixMilli()) {
		t.Fatalf("lastUsedAt = %v", last)
	}

	if v := h.verify(map[string]any{"key": "sk_doesnotexist"}); v.Valid || v.Code != "NOT_FOUND" || v.KeyID != "" {
		t.Fatalf("unknown key: %+v", v)
	}
	if v := h.verify(map[string]any{"key": disabled.Key}); v.Valid || v.Code != "DISABLED" {
		t.Fatalf("disabled %s: %s", disabled.KeyID, v.Code)
	}
	if v := h.verify(map[string]any{"key": expiring.Key}); v.Code != "VALID" {
		t.Fatalf("not yet expired %s: %s", expiring.KeyID, v.Code)
	}
	h.clock.Advance(time.Second)
	if v := h.verify(map[string]any{"key": expiring.Key}); v.Valid || v.Code != "EXPIRED" {
		t.Fatalf("expired %s: %s", expiring.KeyID, v.Code)
	}

	for query, want := range map[string]string{
		"docs.read":                                 "VALID",
		"docs.write":                                "VALID",
		"docs.delete":                               "INSUFFICIENT_PERMISSIONS",
		"docs.read AND docs.write":                  "VALID",
		"docs.read AND docs.delete":                 "INSUFFICIENT_PERMISSIONS",
		"docs.delete OR docs.read":                  "VALID",
		"docs.delete OR admin":                      "INSUFFICIENT_PERMISSIONS",
		"(docs.delete OR docs.read) AND docs.write": "VALID",
		"docs.delete or docs.read":                  "VALID",
	} {
		if v := h.verify(map[string]any{"key": valid.Key, "permissions": query}); v.Code != want || v.Valid != (want == "VALID") {
			t.Errorf("permissions %q: %s, want %s", query, v.Code, want)
		}
	}
	// A query that does not parse is the handler's own 400, after authentication; the schema
	// only bounds its length.
	for _, bad := range []string{"AND", "a AND", "(a", "a b", "a)", "bad slug!"} {
		h.fail("keys.verifyKey", map[string]any{"key": valid.Key, "permissions": bad}, 400, "user/bad_request/permissions_query_syntax_error")
		r := h.do("keys.verifyKey", map[string]any{"key": valid.Key, "permissions": bad}, "Bearer unkey_wrong")
		h.checkError("keys.verifyKey with a wrong root key", r, 401, "unkey/authentication/key_not_found")
	}
	h.fail("keys.verifyKey", map[string]any{"key": valid.Key, "permissions": ""}, 400, "unkey/application/invalid_input")
}

func TestVerifyKeyCredits(t *testing.T) {
	h := newHarness(t)
	k := h.createKey(map[string]any{"credits": map[string]any{"remaining": 3}})
	if v := h.verify(map[string]any{"key": k.Key}); v.Code != "VALID" || *v.Credits != 2 {
		t.Fatalf("first verify of %s: %s %v", k.KeyID, v.Code, v.Credits)
	}
	if v := h.verify(map[string]any{"key": k.Key, "credits": map[string]any{"cost": 2}}); v.Code != "VALID" || *v.Credits != 0 {
		t.Fatalf("cost 2 on %s: %s %v", k.KeyID, v.Code, v.Credits)
	}
	if v := h.verify(map[string]any{"key": k.Key}); v.Valid || v.Code != "USAGE_EXCEEDED" || *v.Credits != 0 {
		t.Fatalf("exhausted %s: %s", k.KeyID, v.Code)
	}
	if v := h.verify(map[string]any{"key": k.Key, "credits": map[string]any{"cost": 0}}); v.Code != "VALID" {
		t.Fatalf("cost 0 on exhausted %s: %s", k.KeyID, v.Code)
	}
	if c := h.getKey(k.KeyID)["credits"].(map[string]any); c["remaining"] != float64(0) {
		t.Fatalf("remaining after verifications = %v", c["remaining"])
	}
	unlimited := h.createKey(map[string]any{})
	if v := h.verify(map[string]any{"key": unlimited.Key}); v.Code != "VALID" || v.Credits != nil {
		t.Fatalf("unlimited %s: %s %v", unlimited.KeyID, v.Code, v.Credits)
	}
	for _, body := range []map[string]any{
		{"key": k.Key, "credits": map[string]any{}},
		{"key": k.Key, "credits": map[string]any{"cost": -1}},
		{"key": k.Key, "credits": map[string]any{"cost": 1_000_000_000_001}},
		{"key": ""},
		{"key": k.Key, "apiId": "api_123"},
		{"key": k.Key, "tags": []string{""}},
		{"key": k.Key, "ratelimits": []map[string]any{{"name": "ab"}}},
	} {
		h.fail("keys.verifyKey", body, 400, "unkey/application/invalid_input")
	}
}

func TestVerifyKeyRatelimits(t *testing.T) {
	h := newHarness(t)
	h.ok("identities.createIdentity", map[string]any{"externalId": "team", "ratelimits": []map[string]any{{"name": "shared", "limit": 1, "duration": 60000, "autoApply": false}}}, nil)
	k := h.createKey(map[string]any{
		"externalId": "team",
		"ratelimits": []map[string]any{
			{"name": "auto", "limit": 2, "duration": 60000, "autoApply": true},
			{"name": "manual", "limit": 1, "duration": 60000, "autoApply": false},
		},
		"credits": map[string]any{"remaining": 100},
	})
	// Align the fake clock to a window start so the window does not roll over mid-test.
	h.clock.Advance(time.Duration(60000-h.clock.Now().UnixMilli()%60000) * time.Millisecond)

	v := h.verify(map[string]any{"key": k.Key})
	if v.Code != "VALID" || len(v.Ratelimits) != 1 || v.Ratelimits[0].Name != "auto" || v.Ratelimits[0].Remaining != 1 || v.Ratelimits[0].Exceeded {
		t.Fatalf("first verify of %s: %+v", k.KeyID, v)
	}
	if v := h.verify(map[string]any{"key": k.Key}); v.Code != "VALID" {
		t.Fatalf("second verify of %s: %s", k.KeyID, v.Code)
	}
	v = h.verify(map[string]any{"key": k.Key})
	// reset is the end of the window as a Unix time in ms, not the time left in it.
	if windowEnd := h.clock.Now().UnixMilli() + 60000; v.Valid || v.Code != "RATE_LIMITED" || !v.Ratelimits[0].Exceeded || v.Ratelimits[0].Reset != windowEnd {
		t.Fatalf("third verify of %s: %+v", k.KeyID, v)
	}
	if *v.Credits != 98 {
		t.Fatalf("rate-limited verification spent credits: %d", *v.Credits)
	}
	h.clock.Advance(time.Minute)
	if v := h.verify(map[string]any{"key": k.Key}); v.Code != "VALID" {
		t.Fatalf("after the window of %s: %s", k.KeyID, v.Code)
	}

	// Named limits: the key's own, then the identity's; an override raises the limit.
	named := map[string]any{"key": k.Key, "ratelimits": []map[string]any{{"name": "manual"}}}
	if v := h.verify(named); v.Code != "VALID" || len(v.Ratelimits) != 2 {
		t.Fatalf("manual limit on %s: %+v", k.KeyID, v)
	}
	if v := h.verify(named); v.Code != "RATE_LIMITED" {
		t.Fatalf("manual limit exceeded on %s: %s", k.KeyID, v.Code)
	}
	override := map[string]any{"key": k.Key, "ratelimits": []map[string]any{{"name": "shared", "limit": 5, "cost": 2}}}
	if v := h.verify(override); v.Code != "RATE_LIMITED" {
		t.Fatalf("auto limit should still be exhausted for %s: %s", k.KeyID, v.Code)
	}
	h.clock.Advance(time.Minute)
	v = h.verify(override)
	if v.Code != "VALID" {
		t.Fatalf("identity limit override on %s: %+v", k.KeyID, v)
	}
	for _, rl := range v.Ratelimits {
		if rl.Name == "shared" && (rl.Limit != 5 || rl.Remaining != 3) {
			t.Fatalf("identity limit %+v", rl)
		}
	}
	if v := h.verify(map[string]any{"key": k.Key, "ratelimits": []map[string]any{{"name": "unknown"}}}); v.Code != "VALID" {
		t.Fatalf("unknown limit name should be ignored: %s", v.Code)
	}
}
