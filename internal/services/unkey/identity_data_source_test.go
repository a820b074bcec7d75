package unkey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// More than one page (100) of each kind, so the listings must follow the cursor.
const seededPerKind = 105

func seedSetupObjects(t *testing.T, srv *acctest.Server) {
	t.Helper()
	ctx := context.Background()
	for i := range seededPerKind {
		if _, err := srv.Unkey.CreatePermission(ctx, fmt.Sprintf("tfacc-Perm %03d", i), fmt.Sprintf("seed.perm%03d", i), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Unkey.CreateRole(ctx, fmt.Sprintf("tfacc-seed-role-%03d", i), "", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Unkey.CreateIdentity(ctx, fmt.Sprintf("tfacc-seed_ident_%03d", i), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAccUnkeyKeyspaceDataSources_listings(t *testing.T) {
	acctest.SkipIfShared(t, "it counts every role, permission and identity of the workspace")
	srv := acctest.NewServer(t)
	seedSetupObjects(t, srv)
	ctx := context.Background()
	if _, err := srv.Unkey.CreateRole(ctx, "tfacc-auditor", "Reads everything", []string{"seed.perm000", "seed.perm001"}); err != nil {
		t.Fatal(err)
	}
	limits := []unkey.RatelimitRequest{{Name: "requests", Limit: 7, Duration: 60_000, AutoApply: true}}
	identID, err := srv.Unkey.CreateIdentity(ctx, "tfacc-org_lookup", json.RawMessage(`{"plan":"pro"}`), limits)
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: srv.ProviderConfig() + fmt.Sprintf(`
data "apikey_unkey_permissions" "all" {}
data "apikey_unkey_permissions" "some" {
  search = "perm00"
}
data "apikey_unkey_roles" "all" {}
data "apikey_unkey_roles" "auditor" {
  search = "tfacc-auditor"
}
data "apikey_unkey_identities" "all" {}
data "apikey_unkey_identities" "lookup" {
  search = "tfacc-org_lookup"
}
data "apikey_unkey_identity" "by_external_id" {
  external_id = "tfacc-org_lookup"
}
data "apikey_unkey_identity" "by_id" {
  id = %q
}
data "apikey_unkey_api" "test" {
  id = %q
}
`, identID, srv.APIID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.apikey_unkey_permissions.all", tfjsonpath.New("permissions"), knownvalue.ListSizeExact(seededPerKind)),
				statecheck.ExpectKnownValue("data.apikey_unkey_permissions.some", tfjsonpath.New("permissions"), knownvalue.ListSizeExact(10)),
				statecheck.ExpectKnownValue("data.apikey_unkey_roles.all", tfjsonpath.New("roles"), knownvalue.ListSizeExact(seededPerKind+1)),
				statecheck.ExpectKnownValue("data.apikey_unkey_roles.auditor", tfjsonpath.New("roles"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":          knownvalue.StringRegexp(regexp.MustCompile(`^role_`)),
						"name":        knownvalue.StringExact("tfacc-auditor"),
						"description": knownvalue.StringExact("Reads everything"),
						"permissions": knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("seed.perm000"), knownvalue.StringExact("seed.perm001")}),
					}),
				})),
				statecheck.ExpectKnownValue("data.apikey_unkey_identities.all", tfjsonpath.New("identities"), knownvalue.ListSizeExact(seededPerKind+1)),
				statecheck.ExpectKnownValue("data.apikey_unkey_identities.lookup", tfjsonpath.New("identities"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.apikey_unkey_identity.by_external_id", tfjsonpath.New("id"), knownvalue.StringExact(identID)),
				statecheck.ExpectKnownValue("data.apikey_unkey_identity.by_external_id", tfjsonpath.New("meta"), knownvalue.StringExact(`{"plan":"pro"}`)),
				statecheck.ExpectKnownValue("data.apikey_unkey_identity.by_external_id", tfjsonpath.New("ratelimits"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"name": knownvalue.StringExact("requests"), "limit": knownvalue.Int64Exact(7),
						"duration": knownvalue.StringExact("1m"), "auto_apply": knownvalue.Bool(true),
					}),
				})),
				statecheck.ExpectKnownValue("data.apikey_unkey_identity.by_id", tfjsonpath.New("external_id"), knownvalue.StringExact("tfacc-org_lookup")),
				statecheck.ExpectKnownValue("data.apikey_unkey_api.test", tfjsonpath.New("name"), knownvalue.StringExact(srv.APIName)),
			},
		}},
	})
}

func TestAccUnkeyKeyspaceDataSources_errors(t *testing.T) {
	srv := acctest.NewServer(t)
	cases := []struct{ name, config, want string }{
		{"identity not found", `data "apikey_unkey_identity" "x" { external_id = "nobody" }`, `Identity not found`},
		{"identity needs one reference", `data "apikey_unkey_identity" "x" {}`, `(?s)id.*external_id`},
		{"identity not both references", `data "apikey_unkey_identity" "x" {
  id          = "id_1"
  external_id = "org"
}`, `(?s)Invalid Attribute Combination`},
		{"api not found", `data "apikey_unkey_api" "x" { id = "api_doesnotexist" }`, `API not found`},
		{"api id pattern", `data "apikey_unkey_api" "x" { id = "api with spaces" }`, `(?s)id.*letters,\s+digits`},
		{"search too long", fmt.Sprintf(`data "apikey_unkey_roles" "x" { search = %q }`, strings.Repeat("s", 257)), `(?s)search.*between\s+1\s+and\s+256`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      srv.ProviderConfig() + tc.config,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}
