package unkey_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// bulkKeys is more than one page of apis.listKeys (at most 100 keys a page).
const bulkKeys = unkey.ListKeysMaxLimit + 5

func mustCreateKey(t *testing.T, srv *acctest.Server, req unkey.CreateKeyRequest) *unkey.Key {
	t.Helper()
	ctx := context.Background()
	req.APIID = srv.APIID
	created, err := srv.Unkey.CreateKey(ctx, req)
	if err != nil {
		t.Fatalf("creating key %q: %v", req.Name, err)
	}
	k, err := srv.Unkey.GetKey(ctx, created.KeyID, false)
	if err != nil {
		t.Fatalf("reading key %s: %v", created.KeyID, err)
	}
	return k
}

func identityOf(apiID, id string) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{"api_id": knownvalue.StringExact(apiID), "id": knownvalue.StringExact(id)}
}

func TestAccUnkeyKeyList_pagesFiltersAndObjects(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureListResources)
	srv := acctest.NewServer(t)
	for i := range bulkKeys {
		mustCreateKey(t, srv, unkey.CreateKeyRequest{Name: fmt.Sprintf("tfacc-bulk-%03d", i), Prefix: "bulk"})
	}
	named := mustCreateKey(t, srv, unkey.CreateKeyRequest{Name: "tfacc-svc-alpha", Prefix: "svc", ExternalID: "tfacc-acme", Meta: []byte(`{"team":"payments"}`)})
	// Without a name; its external id is what the sweepers find it by.
	unnamed := mustCreateKey(t, srv, unkey.CreateKeyRequest{ExternalID: "tfacc-unnamed"})
	total := bulkKeys + 2

	// The provider block comes from the configuration of the first step.
	query := fmt.Sprintf(`
list "apikey_unkey_key" "all" {
  provider = apikey
  limit    = 1000
  config {
    api_id = %[1]q
  }
}

list "apikey_unkey_key" "capped" {
  provider = apikey
  limit    = 7
  config {
    api_id = %[1]q
  }
}

list "apikey_unkey_key" "named" {
  provider         = apikey
  include_resource = true
  config {
    api_id      = %[1]q
    name_prefix = "tfacc-svc-"
  }
}

list "apikey_unkey_key" "acme" {
  provider = apikey
  config {
    api_id      = %[1]q
    external_id = "tfacc-acme"
  }
}
`, srv.APIID)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: srv.ProviderConfig()},
			{
				Query:  true,
				Config: query,
				QueryResultChecks: []querycheck.QueryResultCheck{
					// Every page, not just the first hundred.
					querycheck.ExpectLength("apikey_unkey_key.all", total),
					querycheck.ExpectLength("apikey_unkey_key.capped", 7),
					querycheck.ExpectLength("apikey_unkey_key.named", 1),
					querycheck.ExpectLength("apikey_unkey_key.acme", 1),
					querycheck.ExpectIdentity("apikey_unkey_key.named", identityOf(srv.APIID, named.KeyID)),
					querycheck.ExpectIdentity("apikey_unkey_key.acme", identityOf(srv.APIID, named.KeyID)),
					querycheck.ExpectResourceDisplayName("apikey_unkey_key.all",
						queryfilter.ByResourceIdentity(identityOf(srv.APIID, named.KeyID)),
						knownvalue.StringExact("tfacc-svc-alpha ("+named.Start+")")),
					querycheck.ExpectResourceDisplayName("apikey_unkey_key.all",
						queryfilter.ByResourceIdentity(identityOf(srv.APIID, unnamed.KeyID)),
						knownvalue.StringExact(unnamed.KeyID+" ("+unnamed.Start+")")),
					querycheck.ExpectResourceKnownValues("apikey_unkey_key.named",
						queryfilter.ByResourceIdentity(identityOf(srv.APIID, named.KeyID)),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(named.KeyID)},
							{Path: tfjsonpath.New("api_id"), KnownValue: knownvalue.StringExact(srv.APIID)},
							{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("tfacc-svc-alpha")},
							{Path: tfjsonpath.New("prefix"), KnownValue: knownvalue.StringExact("svc")},
							{Path: tfjsonpath.New("external_id"), KnownValue: knownvalue.StringExact("tfacc-acme")},
							{Path: tfjsonpath.New("meta"), KnownValue: knownvalue.StringExact(`{"team":"payments"}`)},
							{Path: tfjsonpath.New("start"), KnownValue: knownvalue.StringExact(named.Start)},
							{Path: tfjsonpath.New("enabled"), KnownValue: knownvalue.Bool(true)},
							{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("active")},
							{Path: tfjsonpath.New("permanent_delete"), KnownValue: knownvalue.Bool(false)},
							{Path: tfjsonpath.New("store_plaintext"), KnownValue: knownvalue.Bool(true)},
							// Never read back, as after an import.
							{Path: tfjsonpath.New("byte_length"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("recoverable"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("plaintext"), KnownValue: knownvalue.Null()},
						}),
				},
			},
		},
	})
}
