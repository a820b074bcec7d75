package unkey_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

const roleAddr = "apikey_unkey_role.test"

func roleConfig(srv *acctest.Server, body string) string {
	return srv.ProviderConfig() + `
resource "apikey_unkey_permission" "read" {
  name = "tfacc-Read invoices"
  slug = "tfacc-invoices.read"
}
` + fmt.Sprintf("resource \"apikey_unkey_role\" \"test\" {\n%s\n}\n", body)
}

// checkServerRole compares the role on the server: name, description and permission slugs.
func checkServerRole(srv *acctest.Server, name, description string, perms ...string) resource.TestCheckFunc {
	return onServer(roleAddr, func(ctx context.Context, id string) error {
		r, err := srv.Unkey.GetRole(ctx, id)
		if err != nil {
			return err
		}
		got := make([]string, 0, len(r.Permissions))
		for _, p := range r.Permissions {
			got = append(got, p.Slug)
		}
		slices.Sort(got)
		slices.Sort(perms)
		if r.Name != name || r.Description != description || !slices.Equal(got, perms) {
			return fmt.Errorf("got name %q, description %q, permissions %v; want %q, %q, %v", r.Name, r.Description, got, name, description, perms)
		}
		return nil
	})
}

func checkRolesGone(srv *acctest.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "apikey_unkey_role" {
				continue
			}
			if _, err := srv.Unkey.GetRole(context.Background(), rs.Primary.ID); !unkey.IsRoleNotFound(err) {
				return fmt.Errorf("%s (%s) still readable after destroy: %v", addr, rs.Primary.ID, err)
			}
		}
		return nil
	}
}

func TestAccUnkeyRole_basic(t *testing.T) {
	acctest.SkipIfShared(t, "it creates role \"tfacc-support\" by a fixed name")
	srv := acctest.NewServer(t)
	var id string
	step := func(body string, action plancheck.ResourceActionType, check resource.TestCheckFunc) resource.TestStep {
		return resource.TestStep{
			Config: roleConfig(srv, body),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(roleAddr, action)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: check,
		}
	}
	sameID := func(s *terraform.State) error {
		got, err := stateAttr(s, roleAddr, "id")
		if err == nil && got != id {
			err = fmt.Errorf("role id changed from %s to %s on an in-place update", id, got)
		}
		return err
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             resource.ComposeAggregateTestCheckFunc(checkRolesGone(srv), checkPermissionsGone(srv)),
		Steps: []resource.TestStep{
			step(`
  name        = "tfacc-support"
  description = "Customer support"
  permissions = [apikey_unkey_permission.read.slug, "tfacc-tickets.read"]`, plancheck.ResourceActionCreate,
				resource.ComposeAggregateTestCheckFunc(
					checkServerRole(srv, "tfacc-support", "Customer support", "tfacc-invoices.read", "tfacc-tickets.read"),
					resource.TestMatchResourceAttr(roleAddr, "id", regexp.MustCompile(`^role_`)),
					captureID(roleAddr, &id),
				)),
			{ResourceName: roleAddr, ImportState: true, ImportStateVerify: true},
			{ResourceName: roleAddr, ImportState: true, ImportStateVerify: true, ImportStateId: "tfacc-support"},
			step(`
  name        = "tfacc-support"
  description = "Customer support"
  permissions = ["tfacc-tickets.read", "tfacc-tickets.write"]`, plancheck.ResourceActionUpdate,
				resource.ComposeAggregateTestCheckFunc(checkServerRole(srv, "tfacc-support", "Customer support", "tfacc-tickets.read", "tfacc-tickets.write"), sameID)),
			step(`
  name        = "tfacc-support"
  description = "Customer support"`, plancheck.ResourceActionUpdate,
				resource.ComposeAggregateTestCheckFunc(checkServerRole(srv, "tfacc-support", "Customer support"), sameID,
					resource.TestCheckNoResourceAttr(roleAddr, "permissions"))),
			step(`
  name        = "tfacc-support"
  description = "Customer support"
  permissions = []`, plancheck.ResourceActionUpdate,
				resource.ComposeAggregateTestCheckFunc(checkServerRole(srv, "tfacc-support", "Customer support"), sameID,
					resource.TestCheckResourceAttr(roleAddr, "permissions.#", "0"))),
			step(`
  name        = "tfacc-support"
  description = "Customer support, second line"
  permissions = []`, plancheck.ResourceActionReplace,
				resource.ComposeAggregateTestCheckFunc(checkServerRole(srv, "tfacc-support", "Customer support, second line"), idChanged(roleAddr, &id), captureID(roleAddr, &id))),
			step(`
  name        = "tfacc-helpdesk"
  permissions = ["tfacc-tickets.read"]`, plancheck.ResourceActionReplace,
				resource.ComposeAggregateTestCheckFunc(checkServerRole(srv, "tfacc-helpdesk", "", "tfacc-tickets.read"), idChanged(roleAddr, &id))),
		},
	})
}

func TestAccUnkeyRole_identity(t *testing.T) {
	acctest.SkipIfShared(t, "it creates role \"tfacc-support\" by a fixed name")
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		TerraformVersionChecks:   setupIdentityVersions,
		CheckDestroy:             checkRolesGone(srv),
		Steps: []resource.TestStep{
			{
				Config: roleConfig(srv, `  name = "tfacc-identified"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(roleAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(regexp.MustCompile(`^role_`))}),
					statecheck.ExpectIdentityValueMatchesState(roleAddr, tfjsonpath.New("id")),
				},
			},
			{ResourceName: roleAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
		},
	})
}

// Permissions changed outside Terraform are planned back; a role deleted outside is re-created.
func TestAccUnkeyRole_outOfBand(t *testing.T) {
	acctest.SkipIfShared(t, "it creates role \"tfacc-support\" by a fixed name")
	srv := acctest.NewServer(t)
	var id string
	config := roleConfig(srv, `
  name        = "tfacc-ops"
  permissions = [apikey_unkey_permission.read.slug]`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRolesGone(srv),
		Steps: []resource.TestStep{
			{Config: config, Check: captureID(roleAddr, &id)},
			{
				PreConfig: func() {
					if _, err := srv.Unkey.SetRolePermissions(context.Background(), id, []string{"tfacc-invoices.read", "tfacc-admin.everything"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(roleAddr, plancheck.ResourceActionUpdate)},
				},
				Check: checkServerRole(srv, "tfacc-ops", "", "tfacc-invoices.read"),
			},
			{
				PreConfig: func() {
					if err := srv.Unkey.DeleteRole(context.Background(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(roleAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(idChanged(roleAddr, &id), checkServerRole(srv, "tfacc-ops", "", "tfacc-invoices.read")),
			},
		},
	})
}

// A key holding the role is updated in the same apply that changes the role's permissions: its
// effective permissions are planned unknown, and its direct permissions must not take in the
// role's new one. In the second step a key naming the role literally is created before the
// role changes (depends_on), which loads the role into the provider's cache; the role update
// must drop it from there.
func TestAccUnkeyRole_keyOfChangedRole(t *testing.T) {
	acctest.SkipIfShared(t, "its fixed role names collide with other tests on a shared workspace")
	srv := acctest.NewServer(t)
	key := func(addr, name, roles string) string {
		return fmt.Sprintf(`
resource "apikey_unkey_key" %q {
  api_id = %q
  name   = %q
  roles  = %s
}
`, addr, srv.APIID, acctest.NamePrefix+name, roles)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRolesGone(srv),
		Steps: []resource.TestStep{
			{
				Config: roleConfig(srv, `
  name        = "tfacc-billing"
  permissions = [apikey_unkey_permission.read.slug]`) + key("k", "first", "[apikey_unkey_role.test.name]"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr("apikey_unkey_key.k", "permissions"),
					resource.TestCheckTypeSetElemAttr("apikey_unkey_key.k", "effective_permissions.*", "tfacc-invoices.read"),
				),
			},
			{
				Config: roleConfig(srv, `
  name        = "tfacc-billing"
  permissions = [apikey_unkey_permission.read.slug, "tfacc-invoices.write"]
  depends_on  = [apikey_unkey_key.early]`) + key("k", "second", "[apikey_unkey_role.test.name]") + key("early", "early", `["tfacc-billing"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(roleAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("apikey_unkey_key.k", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("apikey_unkey_key.early", plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr("apikey_unkey_key.k", "permissions"),
					resource.TestCheckResourceAttr("apikey_unkey_key.k", "effective_permissions.#", "2"),
					resource.TestCheckTypeSetElemAttr("apikey_unkey_key.k", "effective_permissions.*", "tfacc-invoices.write"),
				),
			},
		},
	})
}

func TestAccUnkeyRole_conflict(t *testing.T) {
	srv := acctest.NewServer(t)
	if _, err := srv.Unkey.CreateRole(context.Background(), "tfacc-taken", "", nil); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:      roleConfig(srv, `  name = "tfacc-taken"`),
			ExpectError: regexp.MustCompile(`(?s)409.*terraform\s+import\s+apikey_unkey_role`),
		}},
	})
}

func TestAccUnkeyRole_invalidConfigurations(t *testing.T) {
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("%q", fmt.Sprintf("p%d", i))
	}
	runInvalidCases(t, "apikey_unkey_role", "/v2/permissions.createRole", []setupInvalidCase{
		{name: "name empty", config: `name = ""`, attr: "name", msg: "between 1 and 128"},
		{name: "name too long", config: fmt.Sprintf("name = %q", strings.Repeat("r", 129)), attr: "name", msg: "between 1 and 128"},
		{name: "description too long", config: fmt.Sprintf("name = \"r\"\ndescription = %q", strings.Repeat("d", 513)), attr: "description", msg: "at most 512"},
		{name: "permission slug pattern", config: "name = \"r\"\npermissions = [\"no spaces allowed\"]", attr: "permissions", msg: "letters, digits"},
		{name: "permission slug too long", config: fmt.Sprintf("name = \"r\"\npermissions = [%q]", strings.Repeat("p", 129)), attr: "permissions", msg: "between 1 and 128"},
		{name: "too many permissions", config: fmt.Sprintf("name = \"r\"\npermissions = [%s]", strings.Join(many, ", ")), attr: "permissions", msg: "at most 100"},
		{name: "null permission", config: "name = \"r\"\npermissions = [null]", attr: "permissions", msg: "null"},
	})
}
