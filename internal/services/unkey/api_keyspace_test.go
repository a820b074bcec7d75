package unkey_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// A whole keyspace from nothing in one apply: the keys refer to the setup resources, so
// Terraform orders the creates (and, in reverse, the destroys) without depends_on, and the API's
// destroy check does not count the keys the same destroy removes.
const keyspaceConfig = `
resource "apikey_unkey_api" "billing" {
  name = "tfacc-billing-production"
}

resource "apikey_unkey_permission" "read" {
  name = "tfacc-Read invoices"
  slug = "tfacc-invoices.read"
}

resource "apikey_unkey_permission" "write" {
  name        = "tfacc-Write invoices"
  slug        = "tfacc-invoices.write"
  description = "Create and void invoices"
}

resource "apikey_unkey_role" "accountant" {
  name        = "tfacc-accountant"
  description = "Reads and writes invoices"
  permissions = [apikey_unkey_permission.read.slug, apikey_unkey_permission.write.slug]
}

resource "apikey_unkey_identity" "acme" {
  external_id = "tfacc-org_acme"
  meta        = jsonencode({ plan = "pro" })
  ratelimits  = [{ name = "requests", limit = 100, duration = "1m", auto_apply = true }]
}

resource "apikey_unkey_key" "by_role" {
  api_id = apikey_unkey_api.billing.id
  name   = "tfacc-by-role"
  roles  = [apikey_unkey_role.accountant.name]
}

resource "apikey_unkey_key" "by_permission" {
  api_id      = apikey_unkey_api.billing.id
  name        = "tfacc-by-permission"
  permissions = [apikey_unkey_permission.read.slug]
  external_id = apikey_unkey_identity.acme.external_id
}

resource "apikey_unkey_key" "everything" {
  api_id      = apikey_unkey_api.billing.id
  name        = "tfacc-everything"
  roles       = [apikey_unkey_role.accountant.name]
  permissions = [apikey_unkey_permission.write.slug]
  external_id = apikey_unkey_identity.acme.external_id
}
`

func TestAccUnkeyKeyspace_fromNothing(t *testing.T) {
	srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
	ids := map[string]string{} // address → id, kept for CheckDestroy
	keyHas := func(addr string, roles, perms []string, externalID string) resource.TestCheckFunc {
		return onServer(addr, func(ctx context.Context, id string) error {
			k, err := srv.Unkey.GetKey(ctx, id, false)
			if err != nil {
				return err
			}
			gotRoles, gotPerms := slices.Sorted(slices.Values(k.Roles)), slices.Sorted(slices.Values(k.Permissions))
			if !slices.Equal(gotRoles, roles) || !slices.Equal(gotPerms, perms) {
				return fmt.Errorf("roles %v, permissions %v; want %v, %v", gotRoles, gotPerms, roles, perms)
			}
			got := ""
			if k.Identity != nil {
				got = k.Identity.ExternalID
			}
			if got != externalID {
				return fmt.Errorf("identity %q, want %q", got, externalID)
			}
			return nil
		})
	}
	both := []string{"tfacc-invoices.read", "tfacc-invoices.write"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(*terraform.State) error {
			st := srv.Dev.Stats() // before the reads below, which answer 404
			ctx := context.Background()
			for addr, id := range ids {
				var err error
				var gone bool
				switch {
				case addr == "apikey_unkey_api.billing":
					_, err = srv.Unkey.GetAPI(ctx, id)
					gone = unkey.IsAPINotFound(err)
				case addr == "apikey_unkey_role.accountant":
					_, err = srv.Unkey.GetRole(ctx, id)
					gone = unkey.IsRoleNotFound(err)
				case addr == "apikey_unkey_identity.acme":
					_, err = srv.Unkey.GetIdentity(ctx, id)
					gone = unkey.IsIdentityNotFound(err)
				case addr == "apikey_unkey_permission.read" || addr == "apikey_unkey_permission.write":
					_, err = srv.Unkey.GetPermission(ctx, id)
					gone = unkey.IsPermissionNotFound(err)
				default:
					_, err = srv.Unkey.GetKey(ctx, id, false)
					gone = unkey.IsKeyNotFound(err)
				}
				if !gone {
					return fmt.Errorf("%s (%s) not deleted by destroy: %v", addr, id, err)
				}
			}
			// The keys were deleted before their API: a key of a deleted API answers 404 to its
			// delete, and nothing in the destroy did.
			if n := st.ByRoute["/v2/keys.deleteKey"]; n != 3 {
				return fmt.Errorf("keys.deleteKey was called %d times, want 3", n)
			}
			if n := st.ByStatus[404]; n != 0 {
				return fmt.Errorf("%d requests of the destroy answered 404: something was deleted before an object that depends on it (%v)", n, st.ByRoute)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				PreConfig: srv.Dev.ResetStats,
				Config:    srv.ProviderConfig() + keyspaceConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					keyHas("apikey_unkey_key.by_role", []string{"tfacc-accountant"}, both, ""),
					keyHas("apikey_unkey_key.by_permission", nil, []string{"tfacc-invoices.read"}, "tfacc-org_acme"),
					keyHas("apikey_unkey_key.everything", []string{"tfacc-accountant"}, both, "tfacc-org_acme"),
					resource.TestCheckResourceAttr("apikey_unkey_key.everything", "permissions.#", "1"),
					resource.TestCheckResourceAttr("apikey_unkey_key.everything", "effective_permissions.#", "2"),
					resource.TestCheckResourceAttrPair("apikey_unkey_key.everything", "identity.id", "apikey_unkey_identity.acme", "id"),
					resource.TestCheckResourceAttrPair("apikey_unkey_key.by_role", "api_id", "apikey_unkey_api.billing", "id"),
					func(s *terraform.State) error {
						for addr, rs := range s.RootModule().Resources {
							ids[addr] = rs.Primary.ID
						}
						if len(ids) != 8 {
							return fmt.Errorf("%d resources in state, want 8", len(ids))
						}
						// Nothing outside the apply: no key was created in the test's own API.
						keys, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
						if err != nil || len(keys) != 0 {
							return fmt.Errorf("the test API holds %d keys (%v), want none", len(keys), err)
						}
						srv.Dev.ResetStats()
						return nil
					},
				),
			},
			{
				Config:   srv.ProviderConfig() + keyspaceConfig,
				PlanOnly: true,
			},
		},
	})
}
