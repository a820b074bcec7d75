package unkey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// bulkSetup is more than one page of the workspace listings (at most 100 objects a page).
const bulkSetup = unkey.ListMaxLimit + 3

// setupDiscovery is one setup type for the query tests.
type setupDiscovery struct {
	typ string
	// bulk creates object i of the bulk set, which the search "pick" never matches.
	bulk func(t *testing.T, c *unkey.Client, i int)
	// pick creates the object the filtered query finds, and returns its id, display name and the
	// values its resource object must hold.
	pick func(t *testing.T, c *unkey.Client) (id, display string, values []querycheck.KnownValueCheck)
	// shapes creates the objects of the generated-configuration round trip: every attribute an
	// import reads back is set by one of them.
	shapes func(t *testing.T, c *unkey.Client) int
	// generated are fragments the generated configuration must contain.
	generated []string
}

// must fails the test on err: must[string](t)(c.CreateRole(...)).
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func idOf(id string) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{"id": knownvalue.StringExact(id)}
}

func kv(path string, v knownvalue.Check) querycheck.KnownValueCheck {
	return querycheck.KnownValueCheck{Path: tfjsonpath.New(path), KnownValue: v}
}

func setupDiscoveries() []setupDiscovery {
	ctx := context.Background()
	return []setupDiscovery{
		{
			typ: "apikey_unkey_role",
			bulk: func(t *testing.T, c *unkey.Client, i int) {
				must[string](t)(c.CreateRole(ctx, fmt.Sprintf("bulk-role-%03d", i), "", nil))
			},
			pick: func(t *testing.T, c *unkey.Client) (string, string, []querycheck.KnownValueCheck) {
				id := must[string](t)(c.CreateRole(ctx, "pick-support", "Support staff", []string{"tickets.read", "tickets.write"}))
				return id, "pick-support", []querycheck.KnownValueCheck{
					kv("id", knownvalue.StringExact(id)),
					kv("name", knownvalue.StringExact("pick-support")),
					kv("description", knownvalue.StringExact("Support staff")),
					kv("permissions", knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("tickets.read"), knownvalue.StringExact("tickets.write")})),
				}
			},
			shapes: func(t *testing.T, c *unkey.Client) int {
				must[string](t)(c.CreateRole(ctx, "gen-plain", "", nil))
				must[string](t)(c.CreateRole(ctx, "gen-full", "Full access", []string{"docs.read", "docs.write"}))
				return 2
			},
			generated: []string{`name = "gen-full"`, `description = "Full access"`, `"docs.read"`},
		},
		{
			typ: "apikey_unkey_permission",
			bulk: func(t *testing.T, c *unkey.Client, i int) {
				must[string](t)(c.CreatePermission(ctx, fmt.Sprintf("Bulk %03d", i), fmt.Sprintf("bulk.p%03d", i), ""))
			},
			pick: func(t *testing.T, c *unkey.Client) (string, string, []querycheck.KnownValueCheck) {
				id := must[string](t)(c.CreatePermission(ctx, "Read invoices", "pick.invoices.read", "Lets a key read invoices"))
				return id, "Read invoices (pick.invoices.read)", []querycheck.KnownValueCheck{
					kv("id", knownvalue.StringExact(id)),
					kv("name", knownvalue.StringExact("Read invoices")),
					kv("slug", knownvalue.StringExact("pick.invoices.read")),
					kv("description", knownvalue.StringExact("Lets a key read invoices")),
				}
			},
			shapes: func(t *testing.T, c *unkey.Client) int {
				must[string](t)(c.CreatePermission(ctx, "gen.plain", "gen.plain", ""))
				must[string](t)(c.CreatePermission(ctx, "Generated full", "gen.full", "Every field set"))
				return 2
			},
			generated: []string{`slug = "gen.full"`, `name = "Generated full"`, `description = "Every field set"`},
		},
		{
			typ: "apikey_unkey_identity",
			bulk: func(t *testing.T, c *unkey.Client, i int) {
				must[string](t)(c.CreateIdentity(ctx, fmt.Sprintf("bulk-tenant-%03d", i), nil, nil))
			},
			pick: func(t *testing.T, c *unkey.Client) (string, string, []querycheck.KnownValueCheck) {
				id := must[string](t)(c.CreateIdentity(ctx, "pick-acme", json.RawMessage(`{"plan":"gold","seats":12}`),
					[]unkey.RatelimitRequest{{Name: "requests", Limit: 100, Duration: 60_000, AutoApply: true}}))
				return id, "pick-acme", []querycheck.KnownValueCheck{
					kv("id", knownvalue.StringExact(id)),
					kv("external_id", knownvalue.StringExact("pick-acme")),
					kv("meta", knownvalue.StringExact(`{"plan":"gold","seats":12}`)),
					kv("ratelimits", knownvalue.SetExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
						"name":       knownvalue.StringExact("requests"),
						"limit":      knownvalue.Int64Exact(100),
						"duration":   knownvalue.StringExact("1m"),
						"auto_apply": knownvalue.Bool(true),
					})})),
				}
			},
			shapes: func(t *testing.T, c *unkey.Client) int {
				must[string](t)(c.CreateIdentity(ctx, "gen-plain", nil, nil))
				must[string](t)(c.CreateIdentity(ctx, "gen-full", json.RawMessage(`{"tier":"enterprise","regions":["eu","us"]}`), []unkey.RatelimitRequest{
					{Name: "requests", Limit: 1000, Duration: 60_000, AutoApply: true},
					{Name: "tokens", Limit: 50, Duration: 3_600_000},
				}))
				return 2
			},
			generated: []string{`external_id = "gen-full"`, `name = "tokens"`, `duration = "1h"`, `tier`},
		},
	}
}

// Every page of the workspace listing, the search filter, display names, identities and the
// values of the resource object, for each setup type.
func TestAccUnkeySetupList_pagesAndObjects(t *testing.T) {
	acctest.SkipIfShared(t, "it counts every role, permission and identity of the workspace")
	skipUnlessCLIHas(t, acctest.FeatureListResources)
	for _, tc := range setupDiscoveries() {
		t.Run(tc.typ, func(t *testing.T) {
			srv := acctest.NewServer(t)
			for i := range bulkSetup {
				tc.bulk(t, srv.Unkey, i)
			}
			id, display, values := tc.pick(t, srv.Unkey)
			total := bulkSetup + 1
			query := fmt.Sprintf(`
list %[1]q "all" {
  provider = apikey
  limit    = 1000
}

list %[1]q "capped" {
  provider = apikey
  limit    = 7
}

list %[1]q "picked" {
  provider         = apikey
  include_resource = true
  config {
    search = "pick"
  }
}
`, tc.typ)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{
					{Config: srv.ProviderConfig()},
					{
						Query:  true,
						Config: query,
						QueryResultChecks: []querycheck.QueryResultCheck{
							// Every page, not just the first hundred.
							querycheck.ExpectLength(tc.typ+".all", total),
							querycheck.ExpectLength(tc.typ+".capped", 7),
							querycheck.ExpectLength(tc.typ+".picked", 1),
							querycheck.ExpectIdentity(tc.typ+".picked", idOf(id)),
							querycheck.ExpectResourceDisplayName(tc.typ+".all", queryfilter.ByResourceIdentity(idOf(id)), knownvalue.StringExact(display)),
							querycheck.ExpectResourceKnownValues(tc.typ+".picked", queryfilter.ByResourceIdentity(idOf(id)), values),
						},
					},
				},
			})
		})
	}
}

// The configuration generated from a query imports every object with no change, and the plan
// after the import is empty, for each setup type.
func TestAccUnkeySetupList_generatedConfigImportsAndPlansEmpty(t *testing.T) {
	acctest.SkipIfShared(t, "it imports every role, permission and identity of the workspace")
	skipUnlessCLIHas(t, acctest.FeatureListResources)
	for _, tc := range setupDiscoveries() {
		t.Run(tc.typ, func(t *testing.T) {
			srv := acctest.NewServer(t)
			n := tc.shapes(t, srv.Unkey)
			w := acctest.NewWorkspace(t)
			generated := w.RoundTrip(srv.ProviderConfig(), fmt.Sprintf(`
list %q "found" {
  provider         = apikey
  include_resource = true
}
`, tc.typ), n)
			flat := strings.Join(strings.Fields(generated), " ")
			for _, want := range append(tc.generated, "import {", "identity = {") {
				if !strings.Contains(flat, want) {
					t.Errorf("the generated configuration lacks %s:\n%s", want, generated)
				}
			}
		})
	}
}

// The documented examples run as shipped: terraform query reads them and finds the objects
// their searches name.
func TestAccUnkeySetupList_examples(t *testing.T) {
	acctest.SkipIfShared(t, "it creates, and leaves, the objects the documented examples search for by their unprefixed names")
	skipUnlessCLIHas(t, acctest.FeatureListResources)
	ctx := context.Background()
	cases := []struct {
		typ    string
		create func(t *testing.T, c *unkey.Client)
		want   []string // display names the query prints
	}{
		{typ: "apikey_unkey_role", create: func(t *testing.T, c *unkey.Client) {
			must[string](t)(c.CreateRole(ctx, "support-tier1", "", nil))
		}, want: []string{"support-tier1"}},
		{typ: "apikey_unkey_permission", create: func(t *testing.T, c *unkey.Client) {
			must[string](t)(c.CreatePermission(ctx, "Read invoices", "invoices.read", ""))
		}, want: []string{"Read invoices (invoices.read)"}},
		{typ: "apikey_unkey_identity", create: func(t *testing.T, c *unkey.Client) {
			must[string](t)(c.CreateIdentity(ctx, "org_acme", nil, nil))
		}, want: []string{"org_acme"}},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			example, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "list-resources", tc.typ, "list-resource.tfquery.hcl"))
			if err != nil {
				t.Fatal(err)
			}
			srv := acctest.NewServer(t)
			tc.create(t, srv.Unkey)
			w := acctest.NewWorkspace(t)
			w.Write("main.tf", srv.ProviderConfig())
			w.Write("discover.tfquery.hcl", string(example))
			w.Must("init", "-input=false", "-no-color")
			w.Must("validate", "-query", "-no-color")
			out := w.Must("query", "-no-color")
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("the query of the example does not list %q:\n%s", want, out)
				}
			}
		})
	}
}
