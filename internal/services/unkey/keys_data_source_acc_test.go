package unkey_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// seedKeys creates n keys outside Terraform, every third one linked to external id "tfacc-acme".
func seedKeys(t *testing.T, srv *acctest.Server, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := range n {
		req := unkey.CreateKeyRequest{APIID: srv.APIID, Name: fmt.Sprintf("tfacc-seed-%03d", i)}
		if i%3 == 0 {
			req.ExternalID = "tfacc-acme"
		}
		created, err := srv.Unkey.CreateKey(context.Background(), req)
		if err != nil {
			t.Fatalf("seeding key %d: %v", i, err)
		}
		ids = append(ids, created.KeyID)
	}
	return ids
}

// Listings span more than one listKeys page (100 keys per page).
func TestAccUnkeyKeysDataSource_paginationAndFilters(t *testing.T) {
	srv := acctest.NewServer(t)
	ids := seedKeys(t, srv, 130)
	config := srv.ProviderConfig() + fmt.Sprintf(`
data "apikey_unkey_keys" "all" {
  api_id = %[1]q
}

data "apikey_unkey_keys" "acme" {
  api_id      = %[1]q
  external_id = "tfacc-acme"
}

data "apikey_unkey_keys" "prefixed" {
  api_id      = %[1]q
  name_prefix = "tfacc-seed-12"
}

data "apikey_unkey_key" "one" {
  id = %[2]q
}

data "apikey_unkey_key" "in_api" {
  id     = %[2]q
  api_id = %[1]q
}
`, srv.APIID, ids[3])
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.apikey_unkey_keys.all", tfjsonpath.New("keys"), knownvalue.ListSizeExact(130)),
				statecheck.ExpectKnownValue("data.apikey_unkey_keys.all", tfjsonpath.New("keys").AtSliceIndex(0).AtMapKey("api_id"), knownvalue.StringExact(srv.APIID)),
				statecheck.ExpectKnownValue("data.apikey_unkey_keys.acme", tfjsonpath.New("keys"), knownvalue.ListSizeExact(44)),
				// seed-120 .. seed-129
				statecheck.ExpectKnownValue("data.apikey_unkey_keys.prefixed", tfjsonpath.New("keys"), knownvalue.ListSizeExact(10)),
				statecheck.ExpectKnownValue("data.apikey_unkey_key.one", tfjsonpath.New("name"), knownvalue.StringExact("tfacc-seed-003")),
				statecheck.ExpectKnownValue("data.apikey_unkey_key.one", tfjsonpath.New("external_id"), knownvalue.StringExact("tfacc-acme")),
				statecheck.ExpectKnownValue("data.apikey_unkey_key.one", tfjsonpath.New("status"), knownvalue.StringExact("active")),
				statecheck.ExpectKnownValue("data.apikey_unkey_key.one", tfjsonpath.New("api_id"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.apikey_unkey_key.in_api", tfjsonpath.New("api_id"), knownvalue.StringExact(srv.APIID)),
			},
		}},
	})
}

// The single-key data source reads every non-secret field of a managed key.
func TestAccUnkeyKeyDataSource_managedKey(t *testing.T) {
	srv := acctest.NewServer(t)
	mustCreateRole(t, srv, "tfacc-support", "tfacc-tickets.read")
	config := keyConfig(srv, fullKeyBody(srv.APIID)) + `
data "apikey_unkey_key" "read" {
  id = apikey_unkey_key.test.id
}
`
	const ds = "data.apikey_unkey_key.read"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.CompareValuePairs(ds, tfjsonpath.New("start"), keyAddr, tfjsonpath.New("start"), compareSame),
				statecheck.CompareValuePairs(ds, tfjsonpath.New("expires_at"), keyAddr, tfjsonpath.New("expires_at"), compareSame),
				statecheck.CompareValuePairs(ds, tfjsonpath.New("permissions"), keyAddr, tfjsonpath.New("effective_permissions"), compareSame),
				statecheck.CompareValuePairs(ds, tfjsonpath.New("identity").AtMapKey("id"), keyAddr, tfjsonpath.New("identity").AtMapKey("id"), compareSame),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("name"), knownvalue.StringExact("tfacc-full")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("external_id"), knownvalue.StringExact("tfacc-customer_42")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("roles"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("tfacc-support")})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("credits").AtMapKey("remaining"), knownvalue.Int64Exact(1000)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("credits").AtMapKey("refill").AtMapKey("interval"), knownvalue.StringExact("monthly")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("credits").AtMapKey("refill").AtMapKey("refill_day"), knownvalue.Int64Exact(1)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("ratelimits"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{"name": knownvalue.StringExact("requests"), "limit": knownvalue.Int64Exact(100), "duration": knownvalue.StringExact("1m"), "auto_apply": knownvalue.Bool(true)}),
					knownvalue.ObjectExact(map[string]knownvalue.Check{"name": knownvalue.StringExact("burst"), "limit": knownvalue.Int64Exact(10), "duration": knownvalue.StringExact("1s"), "auto_apply": knownvalue.Null()}),
				})),
				// The provider's creation marker is not shown.
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("meta"), knownvalue.StringExact(`{"team":"billing","tier":2}`)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("status"), knownvalue.StringExact("active")),
			},
		}},
	})
}

// A data source of a backend that is not configured fails naming the settings to add; an
// unknown key fails naming id.
func TestAccUnkeyKeyDataSource_errors(t *testing.T) {
	srv := acctest.NewServer(t)
	for _, tc := range []struct {
		name, config string
		want         []string
	}{
		{name: "unknown key", config: srv.ProviderConfig() + `
data "apikey_unkey_key" "x" {
  id = "key_doesnotexist123"
}
`, want: []string{"Key not found", "key_doesnotexist123"}},
		{name: "key backend not configured", config: srv.ProviderConfigOnly("mixpeek") + `
data "apikey_unkey_key" "x" {
  id = "key_abc123"
}
`, want: []string{"unkey backend is not configured", "UNKEY_ROOT_KEY"}},
		{name: "keys backend not configured", config: srv.ProviderConfigOnly("mixpeek") + fmt.Sprintf(`
data "apikey_unkey_keys" "x" {
  api_id = %q
}
`, srv.APIID), want: []string{"unkey backend is not configured", "UNKEY_ROOT_KEY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps:                    []resource.TestStep{{Config: tc.config, ExpectError: errorPattern(tc.want...)}},
			})
		})
	}
}
