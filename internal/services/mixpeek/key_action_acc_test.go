package mixpeek_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
)

const revokedKeyAddr = "apikey_mixpeek_key.managed"

func revokeConfig(srv *acctest.Server, withAction bool) string {
	config := srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_mixpeek_key" "managed" {
  user_email = %q
  name       = "tfacc-incident-svc"
}
`, discoveryEmail)
	if !withAction {
		return config
	}
	// Invoked once, when the trigger is created.
	return config + `
action "apikey_mixpeek_key_revoke" "now" {
  config {
    user_email = apikey_mixpeek_key.managed.user_email
    key_id     = apikey_mixpeek_key.managed.id
  }
}

resource "terraform_data" "trigger" {
  input = "incident"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.apikey_mixpeek_key_revoke.now]
    }
  }
}
`
}

func serverKey(srv *acctest.Server, id string) (*mpclient.Key, error) {
	return srv.Mixpeek.FindKey(context.Background(), discoveryEmail, id)
}

func TestAccMixpeekKeyRevokeAction(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureActions)
	srv := newServer(t)
	var oldID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: revokeConfig(srv, false),
				Check: func(s *terraform.State) error {
					oldID = s.RootModule().Resources[revokedKeyAddr].Primary.ID
					return nil
				},
			},
			{
				// The refresh finds the key revoked and drops it; the plan creates a new one.
				Config:             revokeConfig(srv, true),
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(revokedKeyAddr, plancheck.ResourceActionCreate)},
				},
				Check: func(*terraform.State) error {
					k, err := serverKey(srv, oldID)
					if err != nil {
						return err
					}
					if k.Status != mpclient.StatusRevoked {
						return fmt.Errorf("the key's status is %q, want revoked", k.Status)
					}
					return nil
				},
			},
			{
				// The next apply converges: a new key under the same name.
				Config: revokeConfig(srv, true),
				Check: func(s *terraform.State) error {
					id := s.RootModule().Resources[revokedKeyAddr].Primary.ID
					if id == oldID {
						return errors.New("the revoked key is still in state")
					}
					k, err := serverKey(srv, id)
					if err != nil {
						return err
					}
					if k.Status != mpclient.StatusActive || k.Name != "tfacc-incident-svc" {
						return fmt.Errorf("the new key is %q named %q", k.Status, k.Name)
					}
					return nil
				},
			},
		},
	})
}

func TestAccMixpeekKeyRevokeAction_backendNotConfigured(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureActions)
	srv := newLocalServer(t, "request counts (Dev.Stats)")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: srv.ProviderConfigOnly("unkey") + `
action "apikey_mixpeek_key_revoke" "now" {
  config {
    user_email = "ops@example.com"
    key_id     = "key_123"
  }
}

resource "terraform_data" "trigger" {
  input = "incident"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.apikey_mixpeek_key_revoke.now]
    }
  }
}
`,
			ExpectError: regexp.MustCompile(`mixpeek backend is not configured`),
		}},
	})
	for route, n := range srv.Dev.Stats().ByRoute {
		if strings.Contains(route, "api-keys") {
			t.Errorf("the unconfigured backend received %d requests to %s", n, route)
		}
	}
}
