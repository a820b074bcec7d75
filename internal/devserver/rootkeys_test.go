package devserver

import (
	"context"
	"net/http"
	"testing"
)

// Tests in this file never print a key or a root key.

func TestLimitedRootKeys(t *testing.T) {
	h := newHarness(t)
	k := h.createKey(map[string]any{"recoverable": true})
	h.ok("permissions.createPermission", map[string]any{"name": "existing", "slug": "existing"}, nil)
	const insufficient = "unkey/authorization/insufficient_permissions"
	tests := []struct {
		name   string
		denied []string
		route  string
		body   map[string]any
		status int
		code   string
	}{
		// The genuine service hides these failures behind a not-found answer.
		{"createKey masks create_key", []string{PermCreateKey}, "keys.createKey", map[string]any{"apiId": h.apiID}, 404, "unkey/data/api_not_found"},
		{"createKey masks encrypt_key", []string{PermEncryptKey}, "keys.createKey", map[string]any{"apiId": h.apiID, "recoverable": true}, 404, "unkey/data/api_not_found"},
		{"listKeys masks read_key", []string{PermReadKey}, "apis.listKeys", map[string]any{"apiId": h.apiID}, 404, "unkey/data/api_not_found"},
		{"listKeys masks read_api", []string{PermReadAPI}, "apis.listKeys", map[string]any{"apiId": h.apiID}, 404, "unkey/data/api_not_found"},
		{"whoami masks read_key", []string{PermReadKey}, "keys.whoami", map[string]any{"key": k.Key}, 404, "unkey/data/key_not_found"},
		// Everything else answers 403 for an existing resource.
		{"getKey", []string{PermReadKey}, "keys.getKey", map[string]any{"keyId": k.KeyID}, 403, insufficient},
		{"getKey decrypt", []string{PermDecryptKey}, "keys.getKey", map[string]any{"keyId": k.KeyID, "decrypt": true}, 403, insufficient},
		{"listKeys decrypt", []string{PermDecryptKey}, "apis.listKeys", map[string]any{"apiId": h.apiID, "decrypt": true}, 403, insufficient},
		{"updateKey", []string{PermUpdateKey}, "keys.updateKey", map[string]any{"keyId": k.KeyID, "name": "x"}, 403, insufficient},
		{"deleteKey", []string{PermDeleteKey}, "keys.deleteKey", map[string]any{"keyId": k.KeyID}, 403, insufficient},
		{"rerollKey", []string{PermCreateKey}, "keys.rerollKey", map[string]any{"keyId": k.KeyID, "expiration": 0}, 403, insufficient},
		{"rerollKey recoverable", []string{PermEncryptKey}, "keys.rerollKey", map[string]any{"keyId": k.KeyID, "expiration": 0}, 403, insufficient},
		{"verifyKey", []string{PermVerifyKey}, "keys.verifyKey", map[string]any{"key": k.Key}, 403, insufficient},
		{"addPermissions", []string{PermAddPermissionToKey}, "keys.addPermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{"existing"}}, 403, insufficient},
		{"addPermissions creating a slug", []string{PermCreatePermission}, "keys.addPermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{"brand.new"}}, 403, insufficient},
		{"addRoles", []string{PermAddRoleToKey}, "keys.addRoles", map[string]any{"keyId": k.KeyID, "roles": []string{"r"}}, 403, insufficient},
		{"createApi", []string{PermCreateAPI}, "apis.createApi", map[string]any{"name": "denied"}, 403, insufficient},
		{"getApi", []string{PermReadAPI}, "apis.getApi", map[string]any{"apiId": h.apiID}, 403, insufficient},
		{"deleteApi", []string{PermDeleteAPI}, "apis.deleteApi", map[string]any{"apiId": h.apiID}, 403, insufficient},
		{"createPermission", []string{PermCreatePermission}, "permissions.createPermission", map[string]any{"name": "p", "slug": "p"}, 403, insufficient},
		{"listPermissions", []string{PermReadPermission}, "permissions.listPermissions", map[string]any{}, 403, insufficient},
		{"createRole with permissions", []string{PermAddPermissionToRole}, "permissions.createRole", map[string]any{"name": "r2", "permissions": []string{"existing"}}, 403, insufficient},
		{"listRoles", []string{PermReadRole}, "permissions.listRoles", map[string]any{}, 403, insufficient},
		{"createIdentity", []string{PermCreateIdentity}, "identities.createIdentity", map[string]any{"externalId": "denied"}, 403, insufficient},
		{"listIdentities", []string{PermReadIdentity}, "identities.listIdentities", map[string]any{}, 403, insufficient},
		// A missing key is looked up before the permission, as upstream.
		{"getKey of a missing key", []string{PermReadKey}, "keys.getKey", map[string]any{"keyId": "key_missing"}, 404, "unkey/data/key_not_found"},
		// Lacking an unrelated permission changes nothing.
		{"getKey without create_key", []string{PermCreateKey}, "keys.getKey", map[string]any{"keyId": k.KeyID}, 200, ""},
		{"addPermissions of an existing slug without create_permission", []string{PermCreatePermission}, "keys.addPermissions", map[string]any{"keyId": k.KeyID, "permissions": []string{"existing"}}, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			limited, err := h.srv.NewRootKeyWithout(context.Background(), tc.denied...)
			if err != nil {
				t.Fatal(err)
			}
			r := h.do(tc.route, tc.body, "Bearer "+limited)
			if tc.status == http.StatusOK {
				if r.Status != http.StatusOK {
					t.Fatalf("status %d, error %+v", r.Status, r.Error)
				}
				return
			}
			h.checkError(tc.route, r, tc.status, tc.code)
		})
	}
}

func TestLimitedRootKeyAid(t *testing.T) {
	h := newHarness(t)
	if _, err := h.srv.NewRootKeyWithout(context.Background(), "api.*.create_key"); err == nil {
		t.Fatal("an unknown permission name was accepted")
	}
	limited, err := h.srv.NewRootKeyWithout(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if limited == h.srv.RootKey() {
		t.Fatal("the extra root key equals the primary one")
	}
	// The Mixpeek protocol has no permissions here, so it accepts the primary root key only.
	if code := mixpeekStatus(t, h.handler, limited); code != http.StatusUnauthorized {
		t.Fatalf("Mixpeek answers an extra root key with %d, want 401", code)
	}
	if code := mixpeekStatus(t, h.handler, h.srv.RootKey()); code != http.StatusOK {
		t.Fatalf("Mixpeek answers the primary root key with %d", code)
	}
}
