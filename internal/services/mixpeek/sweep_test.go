package mixpeek_test

import (
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

// Sweeper for a failed live run: go test ./internal/services/mixpeek -sweep=live (see acctest).
func init() {
	resource.AddTestSweepers("apikey_mixpeek_key", &resource.Sweeper{Name: "apikey_mixpeek_key", F: acctest.SweepMixpeekKeys})
}
