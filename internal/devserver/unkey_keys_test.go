package devserver

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

func isBase58(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune(unkey.Base58Alphabet, c) {
			return false
		}
	}
	return s != ""
}

func TestCreateKeyFormat(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name   string
		body   map[string]any
		prefix string
		minLen int
	}{
		{"default", map[string]any{}, "", 21},
		{"prefix", map[string]any{"prefix": "sk_live"}, "sk_live", 21},
		{"32 bytes", map[string]any{"byteLength": 32}, "", 43},
	}
	for _, c := range cases {
		k := h.createKey(c.body)
		if !strings.HasPrefix(k.KeyID, "key_") {
			t.Fatalf("%s: keyId %q", c.name, k.KeyID)
		}
		body := k.Key
		if c.prefix != "" {
			var ok bool
			if body, ok = strings.CutPrefix(k.Key, c.prefix+"_"); !ok {
				t.Fatalf("%s: key %s lacks its prefix", c.name, k.KeyID)
			}
		}
		if !isBase58(body) || len(body) < c.minLen {
			t.Fatalf("%s: key %s is not base58 of the expected length (len %d)", c.name, k.KeyID, len(body))
		}
		got := h.getKey(k.KeyID)
		wantStart := body[:4]
		if c.prefix != "" {
			wantStart = c.prefix + "_" + body[:4]
		}
		if got["start"] != wantStart {
			t.Fatalf("%s: start of %s does not match the key", c.name, k.KeyID)
		}
		var count int
		if err := h.srv.db.QueryRow(`SELECT count(*) FROM keys WHERE id = ? AND hash = ?`, k.KeyID, hashKey(k.Key)).Scan(&count); err != nil || count != 1 {
			t.Fatalf("%s: stored hash of %s is not base64(sha256(key))", c.name, k.KeyID)
		}
	}
}

func TestGetKeyEmission(t *testing.T) {
	h := newHarness(t)
	bare := h.createKey(map[string]any{"meta": map[string]any{}, "expires": 0})
	got := h.getKey(bare.KeyID)
	for _, absent := range []string{"name", "meta", "updatedAt", "lastUsedAt", "expires", "permissions", "roles", "credits", "identity", "plaintext", "ratelimits"} {
		if _, ok := got[absent]; ok {
			t.Errorf("bare key: %s should be omitted, got %v", absent, got[absent])
		}
	}
	for _, present := range []string{"keyId", "start", "enabled", "createdAt"} {
		if _, ok := got[present]; !ok {
			t.Errorf("bare key: %s missing", present)
		}
	}
	if got["createdAt"] != float64(h.clock.Now().UnixMilli()) {
		t.Errorf("createdAt = %v, want the injected clock", got["createdAt"])
	}

	h.ok("permissions.createRole", map[string]any{"name": "reader", "permissions": []string{"docs.read"}}, nil)
	full := h.createKey(map[string]any{
		"name": "full", "meta": map[string]any{"plan": "pro", "n": 12345678901234}, "expires": 4102444800000,
		"permissions": []string{"docs.write"}, "roles": []string{"reader"}, "externalId": "user_1",
		"credits":    map[string]any{"remaining": 10, "refill": map[string]any{"interval": "monthly", "amount": 5, "refillDay": 3}},
		"ratelimits": []map[string]any{{"name": "requests", "limit": 10, "duration": 60000, "autoApply": true}},
		"enabled":    false,
	})
	var d keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": full.KeyID}, &d)
	if d.Name != "full" || d.Enabled || d.Expires != 4102444800000 {
		t.Fatalf("full key basics: %+v", d)
	}
	if string(d.Meta) != `{"n":12345678901234,"plan":"pro"}` {
		t.Fatalf("meta = %s", d.Meta)
	}
	if strings.Join(d.Permissions, ",") != "docs.read,docs.write" || strings.Join(d.Roles, ",") != "reader" {
		t.Fatalf("permissions %v roles %v (want direct ∪ role-derived)", d.Permissions, d.Roles)
	}
	if d.Credits == nil || *d.Credits.Remaining != 10 || d.Credits.Refill == nil ||
		*d.Credits.Refill != (creditsRefill{Interval: "monthly", Amount: 5, RefillDay: 3}) {
		t.Fatalf("credits = %+v", d.Credits)
	}
	if d.Identity == nil || d.Identity.ExternalID != "user_1" || !strings.HasPrefix(d.Identity.ID, "id_") {
		t.Fatalf("identity = %+v", d.Identity)
	}
	if len(d.Ratelimits) != 1 || !strings.HasPrefix(d.Ratelimits[0].ID, "rl_") || d.Ratelimits[0].Limit != 10 {
		t.Fatalf("ratelimits = %+v", d.Ratelimits)
	}

	daily := h.createKey(map[string]any{"credits": map[string]any{"remaining": 1, "refill": map[string]any{"interval": "daily", "amount": 2, "refillDay": 9}}})
	var dd keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": daily.KeyID}, &dd)
	if *dd.Credits.Refill != (creditsRefill{Interval: "daily", Amount: 2}) {
		t.Fatalf("daily refill with refillDay on create should drop the day: %+v", dd.Credits.Refill)
	}
	unlimited := h.createKey(map[string]any{"credits": map[string]any{"remaining": nil}})
	if _, ok := h.getKey(unlimited.KeyID)["credits"]; ok {
		t.Fatal("credits emitted for remaining=null")
	}
}

func TestCreateKeyErrors(t *testing.T) {
	h := newHarness(t)
	invalid := []map[string]any{
		{},
		{"apiId": "ab"},
		{"apiId": "api-1"},
		{"prefix": ""},
		{"prefix": "seventeen_chars_x"},
		{"prefix": "sk-live"},
		{"name": ""},
		{"byteLength": 15},
		{"byteLength": 256},
		{"externalId": "a b"},
		{"roles": []string{""}},
		{"permissions": []string{"bad slug"}},
		{"expires": -1},
		{"expires": 4102444800001},
		{"credits": nil},
		{"credits": map[string]any{}},
		{"credits": map[string]any{"remaining": -1}},
		{"credits": map[string]any{"remaining": 1, "refill": map[string]any{"interval": "weekly", "amount": 1}}},
		{"credits": map[string]any{"remaining": 1, "refill": map[string]any{"interval": "daily", "amount": 0}}},
		{"credits": map[string]any{"remaining": 1, "refill": map[string]any{"interval": "monthly", "amount": 1}}},
		{"credits": map[string]any{"remaining": nil, "refill": map[string]any{"interval": "daily", "amount": 1}}},
		{"credits": map[string]any{"remaining": 1, "extra": true}},
		{"ratelimits": []map[string]any{{"name": "ab", "limit": 1, "duration": 1000, "autoApply": false}}},
		{"ratelimits": []map[string]any{{"name": "abc", "limit": 1, "duration": 999, "autoApply": false}}},
		{"ratelimits": []map[string]any{{"name": "abc", "limit": 1, "duration": 1000}}},
		{"meta": "text"},
		{"enabled": "yes"},
	}
	tooMany := map[string]any{}
	for i := range 101 {
		tooMany[strings.Repeat("k", i+1)] = i
	}
	invalid = append(invalid, map[string]any{"meta": tooMany})
	for i, body := range invalid {
		if _, ok := body["apiId"]; !ok && i > 0 {
			body["apiId"] = h.apiID
		}
		h.fail("keys.createKey", body, 400, "unkey/application/invalid_input")
	}
	h.fail("keys.createKey", map[string]any{"apiId": "api_missing"}, 404, "unkey/data/api_not_found")
	h.fail("keys.createKey", map[string]any{"apiId": h.apiID, "roles": []string{"ghost"}}, 404, "unkey/data/role_not_found")
	var n int
	if err := h.srv.db.QueryRow(`SELECT count(*) FROM keys`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("failed creates left %d keys behind", n)
	}
	if err := h.srv.SetAPIEncryption(h.apiID, false); err != nil {
		t.Fatal(err)
	}
	h.fail("keys.createKey", map[string]any{"apiId": h.apiID, "recoverable": true}, 412, "unkey/application/precondition_failed")
}

func TestGetKeyDecryptAndErrors(t *testing.T) {
	h := newHarness(t)
	rec := h.createKey(map[string]any{"recoverable": true})
	plain := h.createKey(map[string]any{})
	var d keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": rec.KeyID, "decrypt": true}, &d)
	if d.Plaintext != rec.Key {
		t.Fatalf("decrypt of %s did not return the key", rec.KeyID)
	}
	var d2 keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": rec.KeyID}, &d2)
	if d2.Plaintext != "" {
		t.Fatalf("plaintext of %s without decrypt", rec.KeyID)
	}
	var d3 keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": plain.KeyID, "decrypt": true}, &d3)
	if d3.Plaintext != "" {
		t.Fatalf("plaintext for non-recoverable %s", plain.KeyID)
	}

	h.fail("keys.getKey", map[string]any{}, 400, "unkey/application/invalid_input")
	h.fail("keys.getKey", map[string]any{"keyId": "key-1"}, 400, "unkey/application/invalid_input")
	h.fail("keys.getKey", map[string]any{"key": rec.Key}, 400, "unkey/application/invalid_input")
	h.fail("keys.getKey", map[string]any{"keyId": "key_missing"}, 404, "unkey/data/key_not_found")
	if err := h.srv.SetAPIEncryption(h.apiID, false); err != nil {
		t.Fatal(err)
	}
	h.fail("keys.getKey", map[string]any{"keyId": rec.KeyID, "decrypt": true}, 412, "unkey/application/precondition_failed")
	h.ok("keys.getKey", map[string]any{"keyId": rec.KeyID}, nil)
}

func TestWhoami(t *testing.T) {
	h := newHarness(t)
	k := h.createKey(map[string]any{"name": "me", "recoverable": true})
	var d map[string]any
	h.ok("keys.whoami", map[string]any{"key": k.Key}, &d)
	if d["keyId"] != k.KeyID || d["name"] != "me" {
		t.Fatalf("whoami returned %v for %s", d["keyId"], k.KeyID)
	}
	if _, ok := d["plaintext"]; ok {
		t.Fatal("whoami returned plaintext")
	}
	h.fail("keys.whoami", map[string]any{"key": ""}, 400, "unkey/application/invalid_input")
	h.fail("keys.whoami", map[string]any{"key": strings.Repeat("a", 513)}, 400, "unkey/application/invalid_input")
	h.fail("keys.whoami", map[string]any{"key": "sk_notakey"}, 404, "unkey/data/key_not_found")
	h.ok("keys.deleteKey", map[string]any{"keyId": k.KeyID}, nil)
	h.fail("keys.whoami", map[string]any{"key": k.Key}, 404, "unkey/data/key_not_found")
}

func TestDeleteKey(t *testing.T) {
	h := newHarness(t)
	soft := h.createKey(map[string]any{"permissions": []string{"p1"}})
	var empty map[string]any
	h.ok("keys.deleteKey", map[string]any{"keyId": soft.KeyID}, &empty)
	if len(empty) != 0 {
		t.Fatalf("deleteKey data = %v", empty)
	}
	for _, route := range []string{"keys.getKey", "keys.updateKey", "keys.deleteKey"} {
		h.fail(route, map[string]any{"keyId": soft.KeyID}, 404, "unkey/data/key_not_found")
	}
	h.fail("keys.deleteKey", map[string]any{"keyId": soft.KeyID, "permanent": true}, 404, "unkey/data/key_not_found")
	h.fail("keys.rerollKey", map[string]any{"keyId": soft.KeyID, "expiration": 0}, 404, "unkey/data/key_not_found")
	if v := h.verify(map[string]any{"key": soft.Key}); v.Code != "NOT_FOUND" {
		t.Fatalf("verify soft-deleted %s: %s", soft.KeyID, v.Code)
	}
	var rows int
	if err := h.srv.db.QueryRow(`SELECT count(*) FROM keys WHERE id = ?`, soft.KeyID).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatal("soft delete removed the row")
	}

	hard := h.createKey(map[string]any{"permissions": []string{"p1"}, "ratelimits": []map[string]any{{"name": "abc", "limit": 1, "duration": 1000, "autoApply": true}}})
	h.ok("keys.deleteKey", map[string]any{"keyId": hard.KeyID, "permanent": true}, nil)
	for _, q := range []string{
		`SELECT count(*) FROM keys WHERE id = ?`,
		`SELECT count(*) FROM keys_permissions WHERE key_id = ?`,
		`SELECT count(*) FROM ratelimits WHERE key_id = ?`,
	} {
		if err := h.srv.db.QueryRow(q, hard.KeyID).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 0 {
			t.Fatalf("permanent delete left rows: %s", q)
		}
	}
	h.fail("keys.getKey", map[string]any{"keyId": hard.KeyID}, 404, "unkey/data/key_not_found")
	h.ok("permissions.getPermission", map[string]any{"permission": "p1"}, nil)

	h.fail("keys.deleteKey", map[string]any{"keyId": "key_missing"}, 404, "unkey/data/key_not_found")
	h.fail("keys.deleteKey", map[string]any{"keyId": "k"}, 400, "unkey/application/invalid_input")
	h.fail("keys.deleteKey", map[string]any{"keyId": soft.KeyID, "permanent": "yes"}, 400, "unkey/application/invalid_input")
}

func TestUpdateKeyThreeStates(t *testing.T) {
	h := newHarness(t)
	h.ok("permissions.createRole", map[string]any{"name": "admin"}, nil)
	base := map[string]any{
		"name": "orig", "meta": map[string]any{"a": 1}, "expires": 4000000000000, "externalId": "ext_1",
		"credits":     map[string]any{"remaining": 5, "refill": map[string]any{"interval": "daily", "amount": 5}},
		"ratelimits":  []map[string]any{{"name": "keep", "limit": 1, "duration": 1000, "autoApply": false}, {"name": "drop", "limit": 2, "duration": 2000, "autoApply": false}},
		"roles":       []string{"admin"},
		"permissions": []string{"p.one"},
	}
	cases := []struct {
		name  string
		patch string // JSON members added after keyId
		check func(t *testing.T, d keyResponseData, raw map[string]any)
	}{
		{"omitted keeps everything", ``, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if d.Name != "orig" || string(d.Meta) != `{"a":1}` || d.Expires != 4000000000000 || d.Identity == nil ||
				d.Credits == nil || len(d.Ratelimits) != 2 || len(d.Roles) != 1 || !d.Enabled {
				t.Fatalf("changed: %+v", d)
			}
			if d.UpdatedAt != h.clock.Now().UnixMilli() {
				t.Fatalf("updatedAt %d not stamped", d.UpdatedAt)
			}
		}},
		{"set values", `"name":"new","meta":{"b":2},"expires":4100000000000,"enabled":false,"externalId":"ext_2"`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if d.Name != "new" || string(d.Meta) != `{"b":2}` || d.Expires != 4100000000000 || d.Enabled || d.Identity.ExternalID != "ext_2" {
				t.Fatalf("not set: %+v", d)
			}
		}},
		{"null clears", `"name":null,"meta":null,"expires":null,"externalId":null,"credits":null`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			for _, f := range []string{"name", "meta", "expires", "identity", "credits"} {
				if _, ok := raw[f]; ok {
					t.Fatalf("%s not cleared: %v", f, raw[f])
				}
			}
		}},
		{"empty meta reads as absent", `"meta":{}`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if _, ok := raw["meta"]; ok {
				t.Fatal("meta {} emitted")
			}
		}},
		{"credits remaining only", `"credits":{"remaining":42}`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if *d.Credits.Remaining != 42 || d.Credits.Refill == nil || d.Credits.Refill.Amount != 5 {
				t.Fatalf("credits = %+v", d.Credits)
			}
		}},
		{"credits remaining null clears refill", `"credits":{"remaining":null}`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if d.Credits != nil {
				t.Fatalf("credits = %+v", d.Credits)
			}
			var amount *int64
			if err := h.srv.db.QueryRow(`SELECT refill_amount FROM keys WHERE id = ?`, d.KeyID).Scan(&amount); err != nil {
				t.Fatal(err)
			}
			if amount != nil {
				t.Fatal("refill kept")
			}
		}},
		{"credits refill null", `"credits":{"refill":null}`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if *d.Credits.Remaining != 5 || d.Credits.Refill != nil {
				t.Fatalf("credits = %+v", d.Credits)
			}
		}},
		{"credits refill monthly", `"credits":{"refill":{"interval":"monthly","amount":7,"refillDay":31}}`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if *d.Credits.Refill != (creditsRefill{Interval: "monthly", Amount: 7, RefillDay: 31}) {
				t.Fatalf("refill = %+v", d.Credits.Refill)
			}
		}},
		{"ratelimits replace by name", `"ratelimits":[{"name":"keep","limit":9,"duration":9000,"autoApply":true},{"name":"fresh","limit":3,"duration":3000,"autoApply":false}]`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if len(d.Ratelimits) != 2 || d.Ratelimits[0].Name != "fresh" || d.Ratelimits[1].Name != "keep" || d.Ratelimits[1].Limit != 9 || !d.Ratelimits[1].AutoApply {
				t.Fatalf("ratelimits = %+v", d.Ratelimits)
			}
		}},
		{"ratelimits empty clears", `"ratelimits":[]`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if _, ok := raw["ratelimits"]; ok {
				t.Fatal("ratelimits not cleared")
			}
		}},
		{"roles and permissions replace", `"roles":[],"permissions":["p.two","p.three"]`, func(t *testing.T, d keyResponseData, raw map[string]any) {
			if len(d.Roles) != 0 || strings.Join(d.Permissions, ",") != "p.three,p.two" {
				t.Fatalf("roles %v permissions %v", d.Roles, d.Permissions)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			k := h.createKey(cloneMap(base))
			before := h.getKey(k.KeyID)
			h.clock.Advance(1000)
			patch := `{"keyId":"` + k.KeyID + `"`
			if c.patch != "" {
				patch += "," + c.patch
			}
			var empty map[string]any
			h.ok("keys.updateKey", patch+"}", &empty)
			if len(empty) != 0 {
				t.Fatalf("updateKey data = %v", empty)
			}
			raw := h.getKey(k.KeyID)
			var d keyResponseData
			b, err := json.Marshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatal(err)
			}
			if raw["createdAt"] != before["createdAt"] {
				t.Fatal("createdAt changed")
			}
			c.check(t, d, raw)
		})
	}
	h.t = t

	// A ratelimit with the same name keeps its id.
	k := h.createKey(cloneMap(base))
	var before keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": k.KeyID}, &before)
	h.ok("keys.updateKey", `{"keyId":"`+k.KeyID+`","ratelimits":[{"name":"keep","limit":5,"duration":5000,"autoApply":false}]}`, nil)
	var after keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": k.KeyID}, &after)
	if len(after.Ratelimits) != 1 || after.Ratelimits[0].ID != before.Ratelimits[1].ID {
		t.Fatalf("ratelimit id not kept: %+v vs %+v", after.Ratelimits, before.Ratelimits)
	}

	// An externalId unlinked by null keeps the identity.
	h.ok("keys.updateKey", `{"keyId":"`+k.KeyID+`","externalId":null}`, nil)
	h.ok("identities.getIdentity", map[string]any{"identity": "ext_1"}, nil)
}

func TestUpdateKeyErrors(t *testing.T) {
	h := newHarness(t)
	k := h.createKey(map[string]any{"name": "orig", "credits": map[string]any{"remaining": 1}})
	for _, patch := range []string{
		`"ratelimits":null`,
		`"roles":null`,
		`"permissions":null`,
		`"enabled":null`,
		`"name":""`,
		`"externalId":"a b"`,
		`"expires":4102444800001`,
		`"credits":{"remaining":-1}`,
		`"credits":{"refill":{"interval":"monthly","amount":1}}`,
		`"credits":{"refill":{"interval":"daily","amount":1,"refillDay":2}}`,
		`"credits":{"refill":{"amount":1}}`,
		`"credits":{"other":1}`,
		`"permissions":["bad slug"]`,
		`"unknown":1`,
	} {
		h.fail("keys.updateKey", `{"keyId":"`+k.KeyID+`",`+patch+`}`, 400, "unkey/application/invalid_input")
	}
	h.fail("keys.updateKey", `{"name":"x"}`, 400, "unkey/application/invalid_input")
	h.fail("keys.updateKey", `{"keyId":"key_missing","name":"x"}`, 404, "unkey/data/key_not_found")

	// An unknown role rolls back the whole update, including the name change.
	h.fail("keys.updateKey", `{"keyId":"`+k.KeyID+`","name":"changed","roles":["ghost"]}`, 404, "unkey/data/role_not_found")
	d := h.getKey(k.KeyID)
	if d["name"] != "orig" {
		t.Fatalf("name changed by a failed update: %v", d["name"])
	}
	if _, ok := d["updatedAt"]; ok {
		t.Fatal("updatedAt set by a failed update")
	}
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestRerollKey(t *testing.T) {
	h := newHarness(t)
	h.ok("permissions.createRole", map[string]any{"name": "admin"}, nil)
	orig := h.createKey(map[string]any{
		"prefix": "sk", "byteLength": 32, "name": "n", "meta": map[string]any{"m": true}, "externalId": "ext",
		"credits": map[string]any{"remaining": 3, "refill": map[string]any{"interval": "daily", "amount": 3}},
		"roles":   []string{"admin"}, "permissions": []string{"perm.a"}, "recoverable": true, "enabled": false,
		"ratelimits": []map[string]any{{"name": "rl1", "limit": 5, "duration": 1000, "autoApply": true}},
	})
	var before keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": orig.KeyID}, &before)
	var rerolled createdKey
	h.ok("keys.rerollKey", map[string]any{"keyId": orig.KeyID, "expiration": 90_000}, &rerolled)
	if rerolled.KeyID == orig.KeyID || rerolled.Key == orig.Key || !strings.HasPrefix(rerolled.Key, "sk_") {
		t.Fatalf("reroll of %s returned %s with a bad key", orig.KeyID, rerolled.KeyID)
	}
	if body := strings.TrimPrefix(rerolled.Key, "sk_"); len(body) > 23 {
		t.Fatalf("rerolled key %s should use the default byte length", rerolled.KeyID)
	}
	var d keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": rerolled.KeyID, "decrypt": true}, &d)
	if d.Name != "n" || string(d.Meta) != `{"m":true}` || d.Enabled || d.Identity == nil || d.Identity.ID != before.Identity.ID ||
		*d.Credits.Remaining != 3 || d.Credits.Refill == nil || strings.Join(d.Roles, ",") != "admin" ||
		strings.Join(d.Permissions, ",") != "perm.a" || len(d.Ratelimits) != 1 || d.Ratelimits[0].ID == before.Ratelimits[0].ID {
		t.Fatalf("rerolled settings: %+v", d)
	}
	if d.Plaintext != rerolled.Key {
		t.Fatalf("rerolled %s is not recoverable", rerolled.KeyID)
	}
	var old keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": orig.KeyID}, &old)
	now := h.clock.Now().UnixMilli()
	if old.Expires < now+90_000 || old.Expires%60_000 != 0 || old.Expires >= now+90_000+60_000 {
		t.Fatalf("original expires %d, now %d", old.Expires, now)
	}

	plain := h.createKey(map[string]any{})
	h.ok("keys.rerollKey", map[string]any{"keyId": plain.KeyID, "expiration": 0}, &rerolled)
	if strings.Contains(rerolled.Key, "_") {
		t.Fatalf("reroll of unprefixed %s produced a prefix", plain.KeyID)
	}
	if v := h.verify(map[string]any{"key": plain.Key}); v.Code != "EXPIRED" {
		t.Fatalf("original %s after reroll with expiration 0: %s", plain.KeyID, v.Code)
	}

	h.fail("keys.rerollKey", map[string]any{"keyId": orig.KeyID}, 400, "unkey/application/invalid_input")
	h.fail("keys.rerollKey", map[string]any{"keyId": orig.KeyID, "expiration": -1}, 400, "unkey/application/invalid_input")
	h.fail("keys.rerollKey", map[string]any{"keyId": "key_missing", "expiration": 0}, 404, "unkey/data/key_not_found")
	if err := h.srv.SetAPIEncryption(h.apiID, false); err != nil {
		t.Fatal(err)
	}
	h.fail("keys.rerollKey", map[string]any{"keyId": orig.KeyID, "expiration": 0}, 412, "unkey/application/precondition_failed")
}

func TestUpdateCredits(t *testing.T) {
	h := newHarness(t)
	k := h.createKey(map[string]any{"credits": map[string]any{"remaining": 10, "refill": map[string]any{"interval": "daily", "amount": 1}}})
	steps := []struct {
		body string
		want string
	}{
		{`"operation":"increment","value":5`, `{"remaining":15,"refill":{"interval":"daily","amount":1}}`},
		{`"operation":"decrement","value":3`, `{"remaining":12,"refill":{"interval":"daily","amount":1}}`},
		{`"operation":"decrement","value":100`, `{"remaining":0,"refill":{"interval":"daily","amount":1}}`},
		{`"operation":"set","value":7`, `{"remaining":7,"refill":{"interval":"daily","amount":1}}`},
		{`"operation":"set","value":null`, `{"remaining":null}`},
		{`"operation":"set","value":4`, `{"remaining":4}`},
	}
	for _, s := range steps {
		r := h.ok("keys.updateCredits", `{"keyId":"`+k.KeyID+`",`+s.body+`}`, nil)
		if string(r.Data) != s.want {
			t.Fatalf("%s: data %s, want %s", s.body, r.Data, s.want)
		}
	}
	if c := h.getKey(k.KeyID)["credits"].(map[string]any); c["remaining"] != float64(4) {
		t.Fatalf("getKey credits = %v", c)
	}
	for _, body := range []string{
		`"operation":"increment"`,
		`"operation":"decrement","value":null`,
		`"operation":"multiply","value":1`,
		`"value":1`,
		`"operation":"set","value":-1`,
	} {
		h.fail("keys.updateCredits", `{"keyId":"`+k.KeyID+`",`+body+`}`, 400, "unkey/application/invalid_input")
	}
	unlimited := h.createKey(map[string]any{})
	h.fail("keys.updateCredits", `{"keyId":"`+unlimited.KeyID+`","operation":"increment","value":1}`, 400, "unkey/application/invalid_input")
	h.fail("keys.updateCredits", `{"keyId":"key_missing","operation":"set","value":1}`, 404, "unkey/data/key_not_found")
}
