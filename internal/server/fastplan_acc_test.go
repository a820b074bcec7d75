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

func (c *counted) readStats() server.FastReadStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum server.FastReadStats
	for _, s := range c.servers {
		st := s.FastReadStats()
		sum.Answered += st.Answered
		sum.Declined += st.Declined
	}
	return sum
}

// TestAccFastRead_refreshAndDrift: through the CLI, refreshes of settled keys (the test's own
// plan after the apply cleared the creation markers, through the framework) are answered by the
// read shortcut and plan nothing, and a key disabled outside Terraform is read as disabled, so
// the plan enables it again.
func TestAccFastRead_refreshAndDrift(t *testing.T) {
	srv := acctest.NewServer(t)
	c := &counted{}
	config := srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_unkey_key" "k" {
  count       = 3
  api_id      = %q
  name        = "tfacc-fastread-${count.index}"
  permissions = ["tfacc-docs.read", "tfacc-docs.write"]
  meta        = jsonencode({ team = "a" })
  ratelimits = [{ name = "requests", limit = 100, duration = "1m" }]
}`, srv.APIID)
	var keyID string
	var mark server.FastReadStats
	since := func() server.FastReadStats {
		st := c.readStats()
		return server.FastReadStats{Answered: st.Answered - mark.Answered, Declined: st.Declined - mark.Declined}
	}
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
				PreConfig: func() { mark = c.readStats() },
				Config:    config,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					if got := since(); got.Answered < 3 || got.Declined != 0 {
						t.Errorf("refresh of settled keys: %d Reads answered by the shortcut, %d declined; want at least 3 and 0", got.Answered, got.Declined)
					}
					off := false
					if err := srv.Unkey.UpdateKey(context.Background(), unkey.UpdateKeyRequest{KeyID: keyID, Enabled: &off}); err != nil {
						t.Fatal(err)
					}
					mark = c.readStats()
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig: func() {
					// The disabled key's new state (enabled and status changed) is computed by the
					// shortcut too; the plan that follows corrects it.
					if got := since(); got.Answered < 3 || got.Declined != 0 {
						t.Errorf("refresh with one key disabled out of band: %d Reads answered by the shortcut, %d declined; want at least 3 and 0", got.Answered, got.Declined)
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
  name        = "tfacc-fast-${count.index}"
  permissions = ["tfacc-docs.read", "tfacc-docs.write"]
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
