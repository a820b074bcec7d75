package mixpeek_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
)

// A proxy answering 404 for every route after the keys were made: the refresh fails, no key
// leaves state or is revoked, and once the proxy is gone the plan is empty.
func TestAccMixpeekKey_proxyAnswers404(t *testing.T) {
	srv := newLocalServer(t, "it puts a proxy in front of the local server")
	via, notFound := acctest.NotFoundProxy(t, srv)
	config := via.ProviderConfig() + fmt.Sprintf(`
resource "apikey_mixpeek_key" "k" {
  count      = 3
  user_email = %q
  name       = "tfacc-behind-proxy-${count.index}"
}
`, email)
	var ids []string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					ids = acctest.IDsOfType(s, "apikey_mixpeek_key")
					if len(ids) != 3 {
						return fmt.Errorf("%d keys in state, want 3", len(ids))
					}
					return nil
				},
			},
			{
				PreConfig:   func() { notFound.Store(true) },
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Error reading key.*HTTP 404`),
			},
			{
				PreConfig: func() {
					notFound.Store(false)
					for _, id := range ids {
						k, err := srv.Mixpeek.FindKey(context.Background(), email, id)
						if err != nil || k.Status != mpclient.StatusActive {
							t.Errorf("key %s after the 404s: %+v %v, want active", id, k, err)
						}
					}
				},
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(s *terraform.State) error {
					if got := acctest.IDsOfType(s, "apikey_mixpeek_key"); !slices.Equal(got, ids) {
						return fmt.Errorf("keys in state %v, want the original %v", got, ids)
					}
					return nil
				},
			},
		},
	})
}
