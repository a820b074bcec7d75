package mixpeek_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
)

// Every attribute an import reads back must survive the generated configuration.
func TestAccMixpeekKeyList_generatedConfigImportsAndPlansEmpty(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureListResources)
	srv := newServer(t)
	desc := "nightly export"
	limit := int64(250)
	expires := time.Now().Add(60 * 24 * time.Hour).UTC().Format(time.RFC3339)
	mustCreateMixpeekKey(t, srv, mpclient.CreateKeyRequest{Name: "tfacc-gen-plain"})
	mustCreateMixpeekKey(t, srv, mpclient.CreateKeyRequest{
		Name:              "tfacc-gen-full",
		Description:       &desc,
		Permissions:       []string{"read", "write"},
		Scopes:            []mpclient.Scope{{ResourceType: "namespace", ResourceID: "ns_export", Operations: []string{"read_data"}}},
		RateLimitOverride: &limit,
		ExpiresAt:         &expires,
	})
	w := acctest.NewWorkspace(t)
	w.RoundTrip(srv.ProviderConfig(), fmt.Sprintf(`
list "apikey_mixpeek_key" "found" {
  provider         = apikey
  include_resource = true
  config {
    user_email  = %q
    name_prefix = "tfacc-gen-"
  }
}
`, discoveryEmail), 2)
}
