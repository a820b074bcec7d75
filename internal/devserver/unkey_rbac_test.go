package devserver

import (
	"fmt"
	"strings"
	"testing"
)

func slugsOf(ps []permissionData) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Slug)
	}
	return strings.Join(out, ",")
}

func namesOf(rs []roleData) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

func TestKeyPermissionEndpoints(t *testing.T) {
	h := newHarness(t)
	h.ok("permissions.createRole", map[string]any{"name": "r", "permissions": []string{"from.role"}}, nil)
	k := h.createKey(map[string]any{"roles": []string{"r"}, "permissions": []string{"a"}})

	var ps []permissionData
	h.ok("keys.addPermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{"b", "a"}}, &ps)
	if slugsOf(ps) != "a,b" || !strings.HasPrefix(ps[0].ID, "perm_") || ps[1].Name != "b" {
		t.Fatalf("add returned %+v (want direct permissions only)", ps)
	}
	if perms := h.getKey(k.KeyID)["permissions"]; fmt.Sprint(perms) != "[a b from.role]" {
		t.Fatalf("getKey permissions = %v", perms)
	}
	ps = nil
	h.ok("keys.removePermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{"a"}}, &ps)
	if slugsOf(ps) != "b" {
		t.Fatalf("remove by slug returned %+v", ps)
	}
	h.ok("keys.addPermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{"c"}}, &ps)
	ps = nil
	h.ok("keys.removePermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{psID(t, h, "c")}}, &ps)
	if slugsOf(ps) != "b" {
		t.Fatalf("remove by id returned %+v", ps)
	}
	ps = nil
	h.ok("keys.setPermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{"x", "y"}}, &ps)
	if slugsOf(ps) != "x,y" {
		t.Fatalf("set returned %+v", ps)
	}
	r := h.ok("keys.setPermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{}}, nil)
	if string(r.Data) != "[]" {
		t.Fatalf("set [] returned %s", r.Data)
	}

	for _, c := range []struct {
		route string
		body  map[string]any
	}{
		{"keys.addPermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{}}},
		{"keys.addPermissions", map[string]any{"keyId": k.KeyID}},
		{"keys.addPermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{"no spaces"}}},
		{"keys.setPermissions", map[string]any{"keyId": k.KeyID}},
		{"keys.removePermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{}}},
		{"keys.addPermissions", map[string]any{"permissions": []string{"a"}}},
	} {
		h.fail(c.route, c.body, 400, "unkey/application/invalid_input")
	}
	for _, route := range []string{"keys.addPermissions", "keys.setPermissions", "keys.removePermissions"} {
		h.fail(route, map[string]any{"keyId": "key_missing", "permissions": []string{"a"}}, 404, "unkey/data/key_not_found")
	}
	h.fail("keys.removePermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{"never.created"}}, 404, "unkey/data/permission_not_found")
}

func psID(t *testing.T, h *harness, slug string) string {
	t.Helper()
	var p permissionData
	h.ok("permissions.getPermission", map[string]any{"permission": slug}, &p)
	return p.ID
}

func TestKeyRoleEndpoints(t *testing.T) {
	h := newHarness(t)
	for _, name := range []string{"a", "b", "c"} {
		h.ok("permissions.createRole", map[string]any{"name": name, "permissions": []string{"p." + name}}, nil)
	}
	k := h.createKey(map[string]any{})
	var rs []roleData
	h.ok("keys.addRoles", map[string]any{"keyId": k.KeyID, "roles": []string{"b", "a", "a"}}, &rs)
	if namesOf(rs) != "a,b" || len(rs[0].Permissions) != 1 || rs[0].Permissions[0].Slug != "p.a" {
		t.Fatalf("addRoles returned %+v", rs)
	}
	rs = nil
	h.ok("keys.removeRoles", map[string]any{"keyId": k.KeyID, "roles": []string{"a"}}, &rs)
	if namesOf(rs) != "b" {
		t.Fatalf("removeRoles returned %+v", rs)
	}
	rs = nil
	h.ok("keys.setRoles", map[string]any{"keyId": k.KeyID, "roles": []string{"c"}}, &rs)
	if namesOf(rs) != "c" {
		t.Fatalf("setRoles returned %+v", rs)
	}
	if d := h.getKey(k.KeyID); fmt.Sprint(d["roles"]) != "[c]" || fmt.Sprint(d["permissions"]) != "[p.c]" {
		t.Fatalf("getKey roles %v permissions %v", d["roles"], d["permissions"])
	}
	// An unknown role fails the whole call.
	h.fail("keys.setRoles", map[string]any{"keyId": k.KeyID, "roles": []string{"a", "ghost"}}, 404, "unkey/data/role_not_found")
	if d := h.getKey(k.KeyID); fmt.Sprint(d["roles"]) != "[c]" {
		t.Fatalf("failed setRoles changed roles to %v", d["roles"])
	}
	h.fail("keys.addRoles", map[string]any{"keyId": k.KeyID, "roles": []string{"ghost"}}, 404, "unkey/data/role_not_found")
	h.fail("keys.removeRoles", map[string]any{"keyId": k.KeyID, "roles": []string{"ghost"}}, 404, "unkey/data/role_not_found")
	r := h.ok("keys.setRoles", map[string]any{"keyId": k.KeyID, "roles": []string{}}, nil)
	if string(r.Data) != "[]" {
		t.Fatalf("setRoles [] returned %s", r.Data)
	}
	for _, c := range []struct {
		route string
		body  map[string]any
	}{
		{"keys.addRoles", map[string]any{"keyId": k.KeyID, "roles": []string{}}},
		{"keys.removeRoles", map[string]any{"keyId": k.KeyID, "roles": []string{}}},
		{"keys.setRoles", map[string]any{"keyId": k.KeyID}},
		{"keys.addRoles", map[string]any{"keyId": k.KeyID, "roles": []string{strings.Repeat("r", 129)}}},
	} {
		h.fail(c.route, c.body, 400, "unkey/application/invalid_input")
	}
	for _, route := range []string{"keys.addRoles", "keys.setRoles", "keys.removeRoles"} {
		h.fail(route, map[string]any{"keyId": "key_missing", "roles": []string{"a"}}, 404, "unkey/data/key_not_found")
	}
}

func TestPermissionCRUD(t *testing.T) {
	h := newHarness(t)
	var created struct {
		PermissionID string `json:"permissionId"`
	}
	h.ok("permissions.createPermission", map[string]any{"name": "Read docs", "slug": "docs.read", "description": "reads"}, &created)
	if !strings.HasPrefix(created.PermissionID, "perm_") {
		t.Fatalf("permissionId %q", created.PermissionID)
	}
	for _, ref := range []string{created.PermissionID, "docs.read"} {
		var p permissionData
		h.ok("permissions.getPermission", map[string]any{"permission": ref}, &p)
		if p != (permissionData{ID: created.PermissionID, Name: "Read docs", Slug: "docs.read", Description: "reads"}) {
			t.Fatalf("getPermission(%s) = %+v", ref, p)
		}
	}
	h.fail("permissions.createPermission", map[string]any{"name": "again", "slug": "docs.read"}, 409, "unkey/data/permission_already_exists")
	for _, body := range []map[string]any{
		{"name": "x"},
		{"slug": "x"},
		{"name": "", "slug": "x"},
		{"name": "x", "slug": "bad slug"},
		{"name": "x", "slug": strings.Repeat("s", 129)},
		{"name": "x", "slug": "x", "description": strings.Repeat("d", 513)},
	} {
		h.fail("permissions.createPermission", body, 400, "unkey/application/invalid_input")
	}
	h.fail("permissions.getPermission", map[string]any{"permission": "nope"}, 404, "unkey/data/permission_not_found")
	h.fail("permissions.getPermission", map[string]any{"permission": ""}, 400, "unkey/application/invalid_input")

	for i := range 4 {
		h.ok("permissions.createPermission", map[string]any{"name": fmt.Sprintf("n%d", i), "slug": fmt.Sprintf("s.%d", i)}, nil)
	}
	var seen []string
	cursor := ""
	for range 5 {
		body := map[string]any{"limit": 2}
		if cursor != "" {
			body["cursor"] = cursor
		}
		var page []permissionData
		r := h.ok("permissions.listPermissions", body, &page)
		for _, p := range page {
			seen = append(seen, p.Slug)
		}
		if !r.Pagination.HasMore {
			break
		}
		cursor = r.Pagination.Cursor
	}
	if len(seen) != 5 {
		t.Fatalf("listPermissions paged through %v", seen)
	}
	var found []permissionData
	h.ok("permissions.listPermissions", map[string]any{"search": "READ DOCS"}, &found)
	if len(found) != 1 || found[0].Slug != "docs.read" {
		t.Fatalf("search returned %+v", found)
	}
	h.fail("permissions.listPermissions", map[string]any{"limit": 0}, 400, "unkey/application/invalid_input")

	k := h.createKey(map[string]any{"permissions": []string{"docs.read"}})
	h.ok("permissions.createRole", map[string]any{"name": "r", "permissions": []string{"docs.read"}}, nil)
	h.ok("permissions.deletePermission", map[string]any{"permission": "docs.read"}, nil)
	h.fail("permissions.getPermission", map[string]any{"permission": created.PermissionID}, 404, "unkey/data/permission_not_found")
	h.fail("permissions.deletePermission", map[string]any{"permission": "docs.read"}, 404, "unkey/data/permission_not_found")
	if _, ok := h.getKey(k.KeyID)["permissions"]; ok {
		t.Fatal("deleted permission still on the key")
	}
	var role roleData
	h.ok("permissions.getRole", map[string]any{"role": "r"}, &role)
	if len(role.Permissions) != 0 {
		t.Fatal("deleted permission still on the role")
	}
}

func TestRoleCRUD(t *testing.T) {
	h := newHarness(t)
	var created struct {
		RoleID string `json:"roleId"`
	}
	h.ok("permissions.createRole", map[string]any{"name": "admin", "description": "all", "permissions": []string{"a.b", "c.d"}}, &created)
	if !strings.HasPrefix(created.RoleID, "role_") {
		t.Fatalf("roleId %q", created.RoleID)
	}
	for _, ref := range []string{created.RoleID, "admin"} {
		var r roleData
		h.ok("permissions.getRole", map[string]any{"role": ref}, &r)
		if r.ID != created.RoleID || r.Name != "admin" || r.Description != "all" || slugsOf(r.Permissions) != "a.b,c.d" {
			t.Fatalf("getRole(%s) = %+v", ref, r)
		}
	}
	h.fail("permissions.createRole", map[string]any{"name": "admin"}, 409, "unkey/data/role_already_exists")
	for _, body := range []map[string]any{
		{},
		{"name": ""},
		{"name": strings.Repeat("n", 129)},
		{"name": "x", "permissions": []string{"bad slug"}},
		{"name": "x", "description": strings.Repeat("d", 513)},
	} {
		h.fail("permissions.createRole", body, 400, "unkey/application/invalid_input")
	}
	h.fail("permissions.getRole", map[string]any{"role": "ghost"}, 404, "unkey/data/role_not_found")

	h.ok("permissions.createRole", map[string]any{"name": "viewer"}, nil)
	var page []roleData
	r := h.ok("permissions.listRoles", map[string]any{"limit": 1}, &page)
	if len(page) != 1 || !r.Pagination.HasMore {
		t.Fatalf("listRoles page 1: %s", r.Raw)
	}
	var page2 []roleData
	r = h.ok("permissions.listRoles", map[string]any{"limit": 1, "cursor": r.Pagination.Cursor}, &page2)
	if len(page2) != 1 || r.Pagination.HasMore || page2[0].ID == page[0].ID {
		t.Fatalf("listRoles page 2: %s", r.Raw)
	}
	h.fail("permissions.listRoles", map[string]any{"limit": 101}, 400, "unkey/application/invalid_input")

	k := h.createKey(map[string]any{"roles": []string{"admin"}})
	h.ok("permissions.deleteRole", map[string]any{"role": created.RoleID}, nil)
	h.fail("permissions.getRole", map[string]any{"role": "admin"}, 404, "unkey/data/role_not_found")
	h.fail("permissions.deleteRole", map[string]any{"role": "admin"}, 404, "unkey/data/role_not_found")
	h.fail("permissions.deleteRole", map[string]any{"role": ""}, 400, "unkey/application/invalid_input")
	if d := h.getKey(k.KeyID); d["roles"] != nil || d["permissions"] != nil {
		t.Fatalf("deleted role still on key: %v %v", d["roles"], d["permissions"])
	}
}
