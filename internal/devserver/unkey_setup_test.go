package devserver

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// listAll walks a list operation page by page with limit and returns every item's id, checking
// the envelope of each page.
func (h *harness) listAll(route string, body map[string]any, limit int, id func(json.RawMessage) string) []string {
	h.t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			h.t.Fatalf("%s: pagination does not end", route)
		}
		b := map[string]any{"limit": limit}
		for k, v := range body {
			b[k] = v
		}
		if cursor != "" {
			b["cursor"] = cursor
		}
		var items []json.RawMessage
		r := h.ok(route, b, &items)
		if r.Pagination == nil {
			h.t.Fatalf("%s: no pagination", route)
		}
		if len(items) > limit {
			h.t.Fatalf("%s: %d items on a page of %d", route, len(items), limit)
		}
		for _, it := range items {
			ids = append(ids, id(it))
		}
		if !r.Pagination.HasMore {
			if r.Pagination.Cursor != "" {
				h.t.Fatalf("%s: a cursor on the last page", route)
			}
			return ids
		}
		if r.Pagination.Cursor == "" {
			h.t.Fatalf("%s: hasMore without a cursor", route)
		}
		cursor = r.Pagination.Cursor
	}
}

func fieldOf(name string) func(json.RawMessage) string {
	return func(raw json.RawMessage) string {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		s, _ := m[name].(string)
		return s
	}
}

func TestUpdateIdentity(t *testing.T) {
	h := newHarness(t)
	var created struct {
		IdentityID string `json:"identityId"`
	}
	h.ok("identities.createIdentity", map[string]any{
		"externalId": "acme", "meta": map[string]any{"plan": "gold"},
		"ratelimits": []map[string]any{{"name": "requests", "limit": 10, "duration": 60000, "autoApply": true}},
	}, &created)

	get := func(ref string) identityData {
		var d identityData
		h.ok("identities.getIdentity", map[string]any{"identity": ref}, &d)
		return d
	}
	tests := []struct {
		name      string
		body      map[string]any
		meta      string
		ratelimit []string // name:limit
	}{
		{"nothing sent keeps everything", map[string]any{}, `{"plan":"gold"}`, []string{"requests:10"}},
		{"meta replaced", map[string]any{"meta": map[string]any{"plan": "silver", "seats": 3}}, `{"plan":"silver","seats":3}`, []string{"requests:10"}},
		{"ratelimits replaced by name", map[string]any{"ratelimits": []map[string]any{
			{"name": "requests", "limit": 20, "duration": 60000, "autoApply": true},
			{"name": "burst", "limit": 5, "duration": 1000, "autoApply": false},
		}}, `{"plan":"silver","seats":3}`, []string{"burst:5", "requests:20"}},
		{"empty meta clears it", map[string]any{"meta": map[string]any{}}, ``, []string{"burst:5", "requests:20"}},
		{"empty ratelimits clear them", map[string]any{"ratelimits": []any{}}, ``, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"identity": created.IdentityID}
			for k, v := range tc.body {
				body[k] = v
			}
			var resp identityData
			h.ok("identities.updateIdentity", body, &resp)
			for _, d := range []identityData{resp, get("acme")} {
				var rls []string
				for _, rl := range d.Ratelimits {
					rls = append(rls, fmt.Sprintf("%s:%d", rl.Name, rl.Limit))
				}
				if d.ID != created.IdentityID || d.ExternalID != "acme" || string(d.Meta) != tc.meta || !slices.Equal(rls, tc.ratelimit) {
					t.Fatalf("identity = %+v, want meta %s and ratelimits %v", d, tc.meta, tc.ratelimit)
				}
			}
		})
	}
	// A rate limit that stays keeps its id.
	h.ok("identities.updateIdentity", map[string]any{"identity": "acme", "ratelimits": []map[string]any{{"name": "xone", "limit": 1, "duration": 1000, "autoApply": true}}}, nil)
	first := get("acme").Ratelimits[0].ID
	h.ok("identities.updateIdentity", map[string]any{"identity": "acme", "ratelimits": []map[string]any{{"name": "xone", "limit": 2, "duration": 1000, "autoApply": true}}}, nil)
	if again := get("acme").Ratelimits[0]; again.ID != first || again.Limit != 2 {
		t.Fatalf("rate limit xone after an update: id kept %v, limit %d", again.ID == first, again.Limit)
	}

	for _, tc := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"identity": "nobody", "meta": map[string]any{}}, 404, "unkey/data/identity_not_found"},
		{map[string]any{}, 400, "unkey/application/invalid_input"},
		{map[string]any{"identity": "acme", "meta": nil}, 400, "unkey/application/invalid_input"},
		{map[string]any{"identity": "acme", "ratelimits": nil}, 400, "unkey/application/invalid_input"},
		{map[string]any{"identity": "acme", "externalId": "renamed"}, 400, "unkey/application/invalid_input"},
		{map[string]any{"identity": "acme", "ratelimits": []map[string]any{{"name": "ab", "limit": 1, "duration": 1000, "autoApply": true}}}, 400, "unkey/application/invalid_input"},
		{map[string]any{"identity": "acme", "ratelimits": []map[string]any{{"name": "abc", "limit": 1, "duration": 999, "autoApply": true}}}, 400, "unkey/application/invalid_input"},
	} {
		h.fail("identities.updateIdentity", tc.body, tc.status, tc.code)
	}
}

func TestListIdentitiesPages(t *testing.T) {
	h := newHarness(t)
	var want []string
	for i := range 7 {
		var created struct {
			IdentityID string `json:"identityId"`
		}
		h.ok("identities.createIdentity", map[string]any{"externalId": fmt.Sprintf("tenant-%d", i)}, &created)
		want = append(want, created.IdentityID)
	}
	slices.Sort(want)
	for _, limit := range []int{1, 3, 7, 100} {
		if got := h.listAll("identities.listIdentities", nil, limit, fieldOf("id")); !slices.Equal(got, want) {
			t.Fatalf("limit %d: listed %v, want %v", limit, got, want)
		}
	}
	if got := h.listAll("identities.listIdentities", map[string]any{"search": "TENANT-3"}, 2, fieldOf("externalId")); !slices.Equal(got, []string{"tenant-3"}) {
		t.Fatalf("search listed %v", got)
	}
	for _, body := range []map[string]any{{"limit": 0}, {"limit": 101}, {"search": string(make([]byte, 257))}, {"unknown": 1}} {
		h.fail("identities.listIdentities", body, 400, "unkey/application/invalid_input")
	}
}

func TestSetRolePermissions(t *testing.T) {
	h := newHarness(t)
	var role struct {
		RoleID string `json:"roleId"`
	}
	h.ok("permissions.createRole", map[string]any{"name": "support", "permissions": []string{"tickets.read", "tickets.write"}}, &role)
	slugsOf := func(ps []permissionData) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Slug)
		}
		return out
	}
	for _, tc := range []struct {
		ref  string
		set  []string
		want []string
	}{
		{role.RoleID, []string{"tickets.read", "billing.read"}, []string{"billing.read", "tickets.read"}},
		{"support", []string{"tickets.read"}, []string{"tickets.read"}},
		{role.RoleID, []string{}, nil},
	} {
		var got []permissionData
		r := h.ok("permissions.setRolePermissions", map[string]any{"roleId": tc.ref, "permissions": tc.set}, &got)
		if string(r.Data) == "null" || !slices.Equal(slugsOf(got), tc.want) {
			t.Fatalf("setRolePermissions(%v) = %s, want %v", tc.set, r.Data, tc.want)
		}
		var d roleData
		h.ok("permissions.getRole", map[string]any{"role": role.RoleID}, &d)
		if !slices.Equal(slugsOf(d.Permissions), tc.want) {
			t.Fatalf("getRole after setRolePermissions(%v) has %v", tc.set, slugsOf(d.Permissions))
		}
	}
	// billing.read was created by the call and outlives its removal from the role.
	h.ok("permissions.getPermission", map[string]any{"permission": "billing.read"}, nil)

	h.fail("permissions.setRolePermissions", map[string]any{"roleId": "role_missing", "permissions": []string{}}, 404, "unkey/data/role_not_found")
	for _, body := range []map[string]any{
		{"roleId": role.RoleID},
		{"permissions": []string{}},
		{"roleId": "ab", "permissions": []string{}},
		{"roleId": "has space", "permissions": []string{}},
		{"roleId": role.RoleID, "permissions": []string{"bad slug"}},
		{"roleId": role.RoleID, "permissions": nil},
	} {
		h.fail("permissions.setRolePermissions", body, 400, "unkey/application/invalid_input")
	}
}

// Every list operation pages with a small limit and visits each item once.
func TestListOperationsPage(t *testing.T) {
	h := newHarness(t)
	var keys, perms, roles []string
	for i := range 5 {
		keys = append(keys, h.createKey(map[string]any{}).KeyID)
		var p struct {
			PermissionID string `json:"permissionId"`
		}
		h.ok("permissions.createPermission", map[string]any{"name": fmt.Sprintf("p%d", i), "slug": fmt.Sprintf("p%d", i)}, &p)
		perms = append(perms, p.PermissionID)
		var r struct {
			RoleID string `json:"roleId"`
		}
		h.ok("permissions.createRole", map[string]any{"name": fmt.Sprintf("r%d", i)}, &r)
		roles = append(roles, r.RoleID)
	}
	// Keys list in case-insensitive id order, like the genuine service; the rest in byte order.
	slices.SortFunc(keys, caseInsensitiveIDOrder)
	for _, l := range [][]string{perms, roles} {
		slices.Sort(l)
	}
	for _, tc := range []struct {
		route string
		body  map[string]any
		field string
		want  []string
	}{
		{"apis.listKeys", map[string]any{"apiId": h.apiID}, "keyId", keys},
		{"permissions.listPermissions", nil, "id", perms},
		{"permissions.listRoles", nil, "id", roles},
	} {
		for _, limit := range []int{1, 2, 5} {
			if got := h.listAll(tc.route, tc.body, limit, fieldOf(tc.field)); !slices.Equal(got, tc.want) {
				t.Fatalf("%s limit %d: %v, want %v", tc.route, limit, got, tc.want)
			}
		}
	}
}

// apis.createApi makes an API that refuses recoverable keys, as the genuine service does, until
// a testing aid opts it in.
func TestCreatedAPIRefusesRecoverableKeys(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		optIn  bool
		status int
	}{
		{"default", Config{}, false, 412},
		{"SetAPIEncryption", Config{}, true, 200},
		{"EncryptAllAPIs", Config{EncryptAllAPIs: true}, false, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			h := &harness{t: t, srv: srv, handler: srv.Handler()}
			var api struct {
				APIID string `json:"apiId"`
			}
			h.ok("apis.createApi", map[string]any{"name": "made-by-api"}, &api)
			if tc.optIn {
				if err := srv.SetAPIEncryption(api.APIID, true); err != nil {
					t.Fatal(err)
				}
			}
			body := map[string]any{"apiId": api.APIID, "recoverable": true}
			if tc.status != 200 {
				h.fail("keys.createKey", body, tc.status, "unkey/application/precondition_failed")
				h.ok("keys.createKey", map[string]any{"apiId": api.APIID}, nil)
				return
			}
			h.ok("keys.createKey", body, nil)
		})
	}
}

// During a reroll's overlap window both keys verify; after it only the new one does. The
// window is the requested expiration rounded up to the next full minute of the server clock.
func TestRerollOverlapWindow(t *testing.T) {
	h := newHarness(t)
	orig := h.createKey(map[string]any{"prefix": "sk"})
	var next createdKey
	h.ok("keys.rerollKey", map[string]any{"keyId": orig.KeyID, "expiration": 90_000}, &next)
	end := (h.clock.Now().UnixMilli() + 90_000 + 59_999) / 60_000 * 60_000
	for _, step := range []struct {
		at       int64 // server time in Unix ms
		old, new string
	}{
		{h.clock.Now().UnixMilli(), "VALID", "VALID"},
		{end - 1, "VALID", "VALID"},
		{end + 1, "EXPIRED", "VALID"},
	} {
		h.clock.Advance(time.Duration(step.at-h.clock.Now().UnixMilli()) * time.Millisecond)
		if got := h.verify(map[string]any{"key": orig.Key}).Code; got != step.old {
			t.Fatalf("original %s at %d (window ends %d): %s, want %s", orig.KeyID, step.at, end, got, step.old)
		}
		if got := h.verify(map[string]any{"key": next.Key}).Code; got != step.new {
			t.Fatalf("rerolled %s at %d: %s, want %s", next.KeyID, step.at, got, step.new)
		}
	}
	for _, exp := range []any{int64(4102444800001), -1, nil, "60000"} {
		h.fail("keys.rerollKey", map[string]any{"keyId": next.KeyID, "expiration": exp}, 400, "unkey/application/invalid_input")
	}
	h.ok("keys.rerollKey", map[string]any{"keyId": next.KeyID, "expiration": int64(4102444800000)}, nil)
}

func TestAPIDeleteProtection(t *testing.T) {
	h := newHarness(t)
	if err := h.srv.SetAPIDeleteProtection(h.apiID, true); err != nil {
		t.Fatal(err)
	}
	k := h.createKey(map[string]any{})
	r := h.fail("apis.deleteApi", map[string]any{"apiId": h.apiID}, 412, "unkey/application/protected_resource")
	if r.Error.Title != "Resource is protected" {
		t.Fatalf("title %q", r.Error.Title)
	}
	h.ok("apis.getApi", map[string]any{"apiId": h.apiID}, nil)
	h.getKey(k.KeyID)
	if err := h.srv.SetAPIDeleteProtection(h.apiID, false); err != nil {
		t.Fatal(err)
	}
	h.ok("apis.deleteApi", map[string]any{"apiId": h.apiID}, nil)
	if err := h.srv.SetAPIDeleteProtection(h.apiID, true); err == nil {
		t.Fatal("protection set on a deleted API")
	}
	h.fail("apis.deleteApi", map[string]any{"apiId": "api_neverexisted"}, 404, "unkey/data/api_not_found")
}
