package mixpeek_test

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
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
)

const discoveryEmail = "discovery@example.com"

func mustCreateMixpeekKey(t *testing.T, srv *acctest.Server, req mpclient.CreateKeyRequest) *mpclient.CreatedKey {
	t.Helper()
	created, err := srv.Mixpeek.CreateKey(context.Background(), discoveryEmail, req)
	if err != nil {
		t.Fatalf("creating key %q: %v", req.Name, err)
	}
	return created
}

func mixpeekIdentity(id string) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{"user_email": knownvalue.StringExact(discoveryEmail), "id": knownvalue.StringExact(id)}
}

func TestAccMixpeekKeyList_filtersAndObjects(t *testing.T) {
	acctest.SkipIfShared(t, "it counts every key of the user")
	skipUnlessCLIHas(t, acctest.FeatureListResources)
	srv := newServer(t)
	desc := "reporting pipeline"
	svc := mustCreateMixpeekKey(t, srv, mpclient.CreateKeyRequest{Name: "tfacc-svc-reporting", Description: &desc, Permissions: []string{"read"}})
	other := mustCreateMixpeekKey(t, srv, mpclient.CreateKeyRequest{Name: "tfacc-batch-export"})
	gone := mustCreateMixpeekKey(t, srv, mpclient.CreateKeyRequest{Name: "tfacc-svc-retired"})
	if err := srv.Mixpeek.RevokeKey(context.Background(), discoveryEmail, gone.Name); err != nil {
		t.Fatalf("revoking: %v", err)
	}

	query := fmt.Sprintf(`
list "apikey_mixpeek_key" "live" {
  provider = apikey
  config {
    user_email = %[1]q
  }
}

list "apikey_mixpeek_key" "audit" {
  provider = apikey
  config {
    user_email      = %[1]q
    include_revoked = true
    name_prefix     = "tfacc-svc-"
  }
}

list "apikey_mixpeek_key" "svc" {
  provider         = apikey
  include_resource = true
  config {
    user_email  = %[1]q
    name_prefix = "tfacc-svc-"
  }
}
`, discoveryEmail)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: srv.ProviderConfig()},
			{
				Query:  true,
				Config: query,
				QueryResultChecks: []querycheck.QueryResultCheck{
					// The server's own admin key is listed too; the revoked key is not.
					querycheck.ExpectLength("apikey_mixpeek_key.live", 3),
					querycheck.ExpectLength("apikey_mixpeek_key.audit", 2),
					querycheck.ExpectLength("apikey_mixpeek_key.svc", 1),
					querycheck.ExpectIdentity("apikey_mixpeek_key.svc", mixpeekIdentity(svc.KeyID)),
					querycheck.ExpectResourceDisplayName("apikey_mixpeek_key.live",
						queryfilter.ByResourceIdentity(mixpeekIdentity(other.KeyID)),
						knownvalue.StringExact("tfacc-batch-export ("+*other.KeyPrefix+")")),
					querycheck.ExpectResourceDisplayName("apikey_mixpeek_key.audit",
						queryfilter.ByResourceIdentity(mixpeekIdentity(gone.KeyID)),
						knownvalue.StringExact("tfacc-svc-retired ("+*gone.KeyPrefix+", revoked)")),
					querycheck.ExpectResourceKnownValues("apikey_mixpeek_key.svc",
						queryfilter.ByResourceIdentity(mixpeekIdentity(svc.KeyID)),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(svc.KeyID)},
							{Path: tfjsonpath.New("user_email"), KnownValue: knownvalue.StringExact(discoveryEmail)},
							{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("tfacc-svc-reporting")},
							{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact(desc)},
							{Path: tfjsonpath.New("permissions"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("read")})},
							{Path: tfjsonpath.New("start"), KnownValue: knownvalue.StringExact(*svc.KeyPrefix)},
							{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("active")},
							{Path: tfjsonpath.New("key_hash"), KnownValue: knownvalue.StringExact(svc.KeyHash)},
							{Path: tfjsonpath.New("store_plaintext"), KnownValue: knownvalue.Bool(true)},
							{Path: tfjsonpath.New("scopes"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("plaintext"), KnownValue: knownvalue.Null()},
						}),
				},
			},
		},
	})
}
