package provider

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

// seedKeys creates n keys outside Terraform, every third one linked to external id "acme".
func seedKeys(t *testing.T, srv *acctest.Server, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := range n {
		req := unkey.CreateKeyRequest{APIID: srv.APIID, Name: fmt.Sprintf("seed-%03d", i)}
		if i%3 == 0 {
			req.ExternalID = "acme"
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
func TestAccKeysDataSource_unkeyPaginationAndFilters(t *testing.T) {
	srv := acctest.NewServer(t)
	ids := seedKeys(t, srv, 130)
	config := srv.ProviderConfig(backendUnkey) + fmt.Sprintf(`
data "apikey_keys" "all" {
  unkey = { api_id = %[1]q }
}

data "apikey_keys" "acme" {
  unkey = { api_id = %[1]q, external_id = "acme" }
}

data "apikey_keys" "prefixed" {
  name_prefix = "seed-12"
  unkey       = { api_id = %[1]q }
}

data "apikey_key" "one" {
  id = %[2]q
}
`, srv.APIID, ids[3])
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.apikey_keys.all", tfjsonpath.New("keys"), knownvalue.ListSizeExact(130)),
					statecheck.ExpectKnownValue("data.apikey_keys.acme", tfjsonpath.New("keys"), knownvalue.ListSizeExact(44)),
					// seed-120 .. seed-129
					statecheck.ExpectKnownValue("data.apikey_keys.prefixed", tfjsonpath.New("keys"), knownvalue.ListSizeExact(10)),
					statecheck.ExpectKnownValue("data.apikey_key.one", tfjsonpath.New("name"), knownvalue.StringExact("seed-003")),
					statecheck.ExpectKnownValue("data.apikey_key.one", tfjsonpath.New("unkey").AtMapKey("external_id"), knownvalue.StringExact("acme")),
					statecheck.ExpectKnownValue("data.apikey_key.one", tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
			},
		},
	})
}

// The single-key data source reads every non-secret field of a managed key.
func TestAccKeyDataSource_unkeyManagedKey(t *testing.T) {
	srv := acctest.NewServer(t)
	mustCreateRole(t, srv, "support", "tickets.read")
	config := unkeyKeyConfig(srv, fullUnkeyBody(srv.APIID)) + `
data "apikey_key" "read" {
  id = apikey_key.test.id
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("data.apikey_key.read", tfjsonpath.New("start"), keyAddr, tfjsonpath.New("start"), compareSame),
					statecheck.CompareValuePairs("data.apikey_key.read", tfjsonpath.New("expires_at"), keyAddr, tfjsonpath.New("expires_at"), compareSame),
					statecheck.CompareValuePairs("data.apikey_key.read", tfjsonpath.New("permissions"), keyAddr, tfjsonpath.New("unkey").AtMapKey("effective_permissions"), compareSame),
					statecheck.ExpectKnownValue("data.apikey_key.read", tfjsonpath.New("unkey").AtMapKey("roles"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("support")})),
					statecheck.ExpectKnownValue("data.apikey_key.read", tfjsonpath.New("unkey").AtMapKey("credits").AtMapKey("refill").AtMapKey("interval"), knownvalue.StringExact("monthly")),
					statecheck.ExpectKnownValue("data.apikey_key.read", tfjsonpath.New("unkey").AtMapKey("ratelimits"), knownvalue.SetSizeExact(2)),
					statecheck.ExpectKnownValue("data.apikey_key.read", tfjsonpath.New("unkey").AtMapKey("meta"), knownvalue.StringExact(`{"team":"billing","tier":2}`)),
				},
			},
		},
	})
}
