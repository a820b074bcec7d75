package acctest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

func TestNameGuardRules(t *testing.T) {
	p := NamePrefix
	for _, tc := range []struct {
		method, path, body string
		want               []string // substrings, one per expected problem; nil: let through
	}{
		{"POST", "/v2/apis.createApi", `{"name":"` + p + `api-1"}`, nil},
		{"POST", "/v2/apis.createApi", `{"name":"acc"}`, []string{`name "acc"`}},
		{"POST", "/base/v2/keys.createKey", `{"apiId":"a","name":"svc"}`, []string{`name "svc"`}},
		{"POST", "/v2/keys.createKey", `{"apiId":"a"}`, []string{"without a name or an external id"}},
		{"POST", "/v2/keys.createKey", `{"apiId":"a","externalId":"` + p + `u"}`, nil},
		{"POST", "/v2/keys.createKey", `{"apiId":"a","externalId":"u"}`, []string{`externalId "u"`}},
		{"POST", "/v2/keys.createKey", `{"apiId":"a","name":"` + p + `k","externalId":"user_1","permissions":["` + p + `a","docs.read"]}`,
			[]string{`externalId "user_1"`, `slug "docs.read"`}},
		{"POST", "/v2/keys.createKey", `{"apiId":"a","name":"` + p + `k","externalId":"` + p + `u","permissions":["` + p + `a"],"roles":["admin"]}`, nil},
		{"POST", "/v2/keys.updateKey", `{"keyId":"k","name":null}`, []string{"name is cleared"}},
		{"POST", "/v2/keys.updateKey", `{"keyId":"k","name":"renamed"}`, []string{`name "renamed"`}},
		{"POST", "/v2/keys.updateKey", `{"keyId":"k","externalId":null,"enabled":false}`, nil},
		{"POST", "/v2/keys.updateKey", `{"keyId":"k","permissions":[]}`, nil},
		{"POST", "/v2/keys.addPermissions", `{"keyId":"k","permissions":["read"]}`, []string{`slug "read"`}},
		{"POST", "/v2/keys.setPermissions", `{"keyId":"k","permissions":["` + p + `read"]}`, nil},
		{"POST", "/v2/keys.removePermissions", `{"keyId":"k","permissions":["read"]}`, nil},
		{"POST", "/v2/identities.createIdentity", `{"externalId":"alice"}`, []string{`externalId "alice"`}},
		{"POST", "/v2/permissions.createPermission", `{"name":"Read","slug":"read"}`, []string{`slug "read"`}},
		{"POST", "/v2/permissions.createPermission", `{"name":"Read","slug":"` + p + `read"}`, nil},
		{"POST", "/v2/permissions.createRole", `{"name":"admin","permissions":["x"]}`, []string{`name "admin"`, `slug "x"`}},
		{"POST", "/v2/permissions.setRolePermissions", `{"roleId":"r","permissions":["x"]}`, []string{`slug "x"`}},
		{"POST", "/v2/keys.verifyKey", `{"key":"k","permissions":"x"}`, nil},
		{"POST", "/v1/organizations/users/u%40example.com/api-keys", `{"name":"ci"}`, []string{`name "ci"`}},
		{"POST", "/v1/organizations/users/u@example.com/api-keys", `{"name":"` + p + `ci"}`, nil},
		{"PATCH", "/v1/organizations/users/u@example.com/api-keys/` + p + `ci", `{"name":"ci2"}`, []string{`name "ci2"`}},
		{"PATCH", "/v1/organizations/users/u@example.com/api-keys/` + p + `ci", `{"description":"d"}`, nil},
		{"POST", "/v1/organizations/users/u@example.com/api-keys/x/rotate", `{}`, nil},
		{"GET", "/v1/organizations/users/u@example.com/api-keys", ``, nil},
	} {
		t.Run(tc.method+" "+tc.path+" "+tc.body, func(t *testing.T) {
			proto, op := guardedOperation(tc.method, tc.path)
			var got []string
			if op != "" {
				if proto == "" {
					t.Fatalf("operation %q without a protocol", op)
				}
				got = unsweepable(op, []byte(tc.body))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems %q, want %d matching %q", got, len(tc.want), tc.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("problem %q, want it to mention %q", got[i], tc.want[i])
				}
			}
		})
	}
}

// Through the guard, the clients the provider uses get an error naming the field, the object
// is not created, and the run's list of violations has it.
func TestNameGuard(t *testing.T) {
	SkipIfLive(t, "it puts the guard in front of a server of its own")
	srv := NewServer(t)
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	guard := NewNameGuard(target)
	front := httptest.NewServer(guard)
	t.Cleanup(front.Close)
	uc, mc, err := LiveConfig{UnkeyEndpoint: front.URL, UnkeyRootKey: srv.RootKey, MixpeekEndpoint: front.URL, MixpeekAPIKey: srv.RootKey}.Clients()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if _, err := uc.CreateKey(ctx, unkey.CreateKeyRequest{APIID: srv.APIID, Name: NamePrefix + "ok"}); err != nil {
		t.Fatalf("a prefixed key: %v", err)
	}
	_, err = uc.CreateKey(ctx, unkey.CreateKeyRequest{APIID: srv.APIID, Name: "svc", Permissions: []string{"docs.read"}})
	if !unkey.IsStatus(err, http.StatusBadRequest) || !strings.Contains(err.Error(), `name "svc"`) || !strings.Contains(err.Error(), `slug "docs.read"`) {
		t.Errorf("an unprefixed Unkey key: %v, want a 400 naming the name and the slug", err)
	}
	if _, err := mc.CreateKey(ctx, srv.MixpeekUser, mixpeek.CreateKeyRequest{Name: "ci"}); mixpeek.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), `name "ci"`) {
		t.Errorf("an unprefixed Mixpeek key: %v, want a 400 naming the name", err)
	}

	keys, err := srv.Unkey.ListAllKeys(ctx, srv.APIID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Name == nil || *keys[0].Name != NamePrefix+"ok" {
		t.Errorf("keys behind the guard: %+v, want only %sok", keys, NamePrefix)
	}
	perms, err := srv.Unkey.ListPermissions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(perms) != 0 {
		t.Errorf("permissions behind the guard: %+v, want none", perms)
	}
	mkeys, err := srv.Mixpeek.ListKeys(ctx, srv.MixpeekUser, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range mkeys {
		if k.Name == "ci" {
			t.Errorf("Mixpeek key %s named ci behind the guard", k.KeyID)
		}
	}
	if v := guard.Violations(); len(v) != 3 || guard.Checked() != 3 {
		t.Errorf("checked %d, violations %q; want 3 and 3 (name and slug of one key, name of the other)", guard.Checked(), v)
	}
}
