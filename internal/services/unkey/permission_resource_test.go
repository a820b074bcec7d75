package unkey_test

import (
	"context"
	"fmt"
	"regexp"
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

const permAddr = "apikey_unkey_permission.test"

func permConfig(srv *acctest.Server, body string) string {
	return srv.ProviderConfig() + fmt.Sprintf("resource \"apikey_unkey_permission\" \"test\" {\n%s\n}\n", body)
}

func checkServerPermission(srv *acctest.Server, want unkey.Permission) resource.TestCheckFunc {
	return onServer(permAddr, func(ctx context.Context, id string) error {
		p, err := srv.Unkey.GetPermission(ctx, id)
		if err != nil {
			return err
		}
		want.ID = id
		if *p != want {
			return fmt.Errorf("got %+v, want %+v", *p, want)
		}
		return nil
	})
}

func checkPermissionsGone(srv *acctest.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "apikey_unkey_permission" {
				continue
			}
			if _, err := srv.Unkey.GetPermission(context.Background(), rs.Primary.ID); !unkey.IsPermissionNotFound(err) {
				return fmt.Errorf("%s (%s) still readable after destroy: %v", addr, rs.Primary.ID, err)
			}
		}
		return nil
	}
}

func TestAccUnkeyPermission_basic(t *testing.T) {
	acctest.SkipIfShared(t, "its fixed permission names collide with other tests on a shared workspace")
	srv := acctest.NewServer(t)
	var id string
	replaced := func(body string, want unkey.Permission) resource.TestStep {
		return resource.TestStep{
			Config: permConfig(srv, body),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(permAddr, plancheck.ResourceActionReplace)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeAggregateTestCheckFunc(checkServerPermission(srv, want), idChanged(permAddr, &id), captureID(permAddr, &id)),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkPermissionsGone(srv),
		Steps: []resource.TestStep{
			{
				Config: permConfig(srv, `
  name        = "tfacc-Read invoices"
  slug        = "tfacc-invoices.read"
  description = "Lists and downloads invoices"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkServerPermission(srv, unkey.Permission{Name: "tfacc-Read invoices", Slug: "tfacc-invoices.read", Description: "Lists and downloads invoices"}),
					resource.TestMatchResourceAttr(permAddr, "id", regexp.MustCompile(`^perm_`)),
					captureID(permAddr, &id),
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{ResourceName: permAddr, ImportState: true, ImportStateVerify: true},
			{ResourceName: permAddr, ImportState: true, ImportStateVerify: true, ImportStateId: "tfacc-invoices.read"},
			replaced(`
  name        = "tfacc-Read all invoices"
  slug        = "tfacc-invoices.read"
  description = "Lists and downloads invoices"`, unkey.Permission{Name: "tfacc-Read all invoices", Slug: "tfacc-invoices.read", Description: "Lists and downloads invoices"}),
			replaced(`
  name        = "tfacc-Read all invoices"
  slug        = "tfacc-invoices.list"
  description = "Lists and downloads invoices"`, unkey.Permission{Name: "tfacc-Read all invoices", Slug: "tfacc-invoices.list", Description: "Lists and downloads invoices"}),
			replaced(`
  name        = "tfacc-Read all invoices"
  slug        = "tfacc-invoices.list"
  description = "Lists invoices"`, unkey.Permission{Name: "tfacc-Read all invoices", Slug: "tfacc-invoices.list", Description: "Lists invoices"}),
			// Clearing the description replaces too: there is no update operation.
			replaced(`
  name = "tfacc-Read all invoices"
  slug = "tfacc-invoices.list"`, unkey.Permission{Name: "tfacc-Read all invoices", Slug: "tfacc-invoices.list"}),
		},
	})
}

func TestAccUnkeyPermission_emptyDescription(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkPermissionsGone(srv),
		Steps: []resource.TestStep{{
			Config: permConfig(srv, `
  name        = "tfacc-Empty"
  slug        = "tfacc-empty.description"
  description = ""`),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkServerPermission(srv, unkey.Permission{Name: "tfacc-Empty", Slug: "tfacc-empty.description"}),
				resource.TestCheckResourceAttr(permAddr, "description", ""),
			),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}},
	})
}

func TestAccUnkeyPermission_identity(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		TerraformVersionChecks:   setupIdentityVersions,
		CheckDestroy:             checkPermissionsGone(srv),
		Steps: []resource.TestStep{
			{
				Config: permConfig(srv, "  name = \"tfacc-identified\"\n  slug = \"tfacc-identified\""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(permAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(regexp.MustCompile(`^perm_`))}),
					statecheck.ExpectIdentityValueMatchesState(permAddr, tfjsonpath.New("id")),
				},
			},
			{ResourceName: permAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
		},
	})
}

func TestAccUnkeyPermission_deletedOutOfBand(t *testing.T) {
	srv := acctest.NewServer(t)
	var id string
	config := permConfig(srv, "  name = \"gone\"\n  slug = \"tfacc-gone.perm\"")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkPermissionsGone(srv),
		Steps: []resource.TestStep{
			{Config: config, Check: captureID(permAddr, &id)},
			{
				PreConfig: func() {
					if err := srv.Unkey.DeletePermission(context.Background(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(permAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(idChanged(permAddr, &id), checkServerPermission(srv, unkey.Permission{Name: "gone", Slug: "tfacc-gone.perm"})),
			},
		},
	})
}

// A slug taken outside Terraform fails the create and says how to import it.
func TestAccUnkeyPermission_conflict(t *testing.T) {
	srv := acctest.NewServer(t)
	if _, err := srv.Unkey.CreatePermission(context.Background(), "tfacc-taken", "tfacc-taken.slug", ""); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:      permConfig(srv, "  name = \"taken\"\n  slug = \"tfacc-taken.slug\""),
			ExpectError: regexp.MustCompile(`(?s)409.*terraform\s+import\s+apikey_unkey_permission`),
		}},
	})
}

func TestAccUnkeyPermission_invalidConfigurations(t *testing.T) {
	runInvalidCases(t, "apikey_unkey_permission", "/v2/permissions.createPermission", []setupInvalidCase{
		{name: "slug pattern", config: "name = \"x\"\nslug = \"has space\"", attr: "slug", msg: "letters, digits"},
		{name: "slug too long", config: fmt.Sprintf("name = \"x\"\nslug = %q", strings.Repeat("s", 129)), attr: "slug", msg: "between 1 and 128"},
		{name: "slug empty", config: "name = \"x\"\nslug = \"\"", attr: "slug", msg: "between 1 and 128"},
		{name: "name empty", config: "name = \"\"\nslug = \"x\"", attr: "name", msg: "between 1 and 512"},
		{name: "name too long", config: fmt.Sprintf("name = %q\nslug = \"x\"", strings.Repeat("n", 513)), attr: "name", msg: "between 1 and 512"},
		{name: "description too long", config: fmt.Sprintf("name = \"x\"\nslug = \"x\"\ndescription = %q", strings.Repeat("ü", 513)), attr: "description", msg: "at most 512"},
		{name: "slug missing", config: `name = "x"`, attr: "slug", msg: "required"},
	})
}
