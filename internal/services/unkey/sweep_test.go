package unkey_test

import (
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

// Sweepers for a failed live run: go test ./internal/services/unkey -sweep=live (see acctest).
func init() {
	resource.AddTestSweepers("apikey_unkey_key", &resource.Sweeper{Name: "apikey_unkey_key", F: acctest.SweepUnkeyKeys})
	resource.AddTestSweepers("apikey_unkey_setup", &resource.Sweeper{
		Name:         "apikey_unkey_setup",
		Dependencies: []string{"apikey_unkey_key"},
		F:            acctest.SweepUnkeySetup,
	})
}
