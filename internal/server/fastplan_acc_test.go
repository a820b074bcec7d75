package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// counted serves the provider as the binary does and adds up what the plan shortcut did in
// every server the CLI started.
type counted struct {
	mu      sync.Mutex
	servers []*server.Server
}

func (c *counted) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"apikey": func() (tfprotov6.ProviderServer, error) {
			s := server.NewProtocol6(provider.New("test")())().(*server.Server)
			c.mu.Lock()
			c.servers = append(c.servers, s)
			c.mu.Unlock()
			return s, nil
		},
	}
}

func (c *counted) stats() server.FastPlanStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum server.FastPlanStats
	for _, s := range c.servers {
		st := s.FastPlanStats()
		sum.Answered += st.Answered
		sum.Declined += st.Declined
	}
	return sum
}

// TestAccFastPlan_refreshAndDrift: through the CLI, a refresh of unchanged keys is planned by
// the shortcut and plans nothing, and a key disabled outside Terraform is sent to the framework,
// which plans it back to enabled.
func TestAccFastPlan_refreshAndDrift(t *testing.T) {
	srv := acctest.NewServer(t)
	c := &counted{}
	config := srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_unkey_key" "k" {
  count       = 3
  api_id      = %q
  name        = "fast-${count.index}"
  permissions = ["docs.read", "docs.write"]
  meta        = jsonencode({ team = "a" })
  ratelimits = [{ name = "requests", limit = 100, duration = "1m" }]
}`, srv.APIID)
	var keyID string
	var mark server.FastPlanStats
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: c.factories(),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.TestCheckResourceAttrWith("apikey_unkey_key.k.0", "id", func(v string) error {
					keyID = v
					return nil
				}),
			},
			{
				PreConfig: func() { mark = c.stats() },
				Config:    config,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					st := c.stats()
					if got := st.Answered - mark.Answered; got < 3 {
						t.Errorf("the shortcut answered %d plans of the 3 unchanged keys", got)
					}
					if got := st.Declined - mark.Declined; got != 0 {
						t.Errorf("the shortcut declined %d plans of unchanged keys", got)
					}
					off := false
					if err := srv.Unkey.UpdateKey(context.Background(), unkey.UpdateKeyRequest{KeyID: keyID, Enabled: &off}); err != nil {
						t.Fatal(err)
					}
					mark = c.stats()
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig: func() {
					if got := c.stats().Declined - mark.Declined; got < 1 {
						t.Errorf("the disabled key's plan was not sent to the framework (%d declined)", got)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("apikey_unkey_key.k[0]", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("apikey_unkey_key.k[0]", tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					plancheck.ExpectResourceAction("apikey_unkey_key.k[1]", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("apikey_unkey_key.k[2]", plancheck.ResourceActionNoop),
				}},
				Check: resource.TestCheckResourceAttr("apikey_unkey_key.k.0", "enabled", "true"),
			},
		},
	})
}
