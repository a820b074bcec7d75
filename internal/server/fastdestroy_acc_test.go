package server_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

func (c *counted) destroyStats() server.FastDestroyStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum server.FastDestroyStats
	for _, s := range c.servers {
		st := s.FastDestroyStats()
		sum.Planned += st.Planned
		sum.PlanDeclined += st.PlanDeclined
		sum.Deleted += st.Deleted
		sum.DeleteDeclined += st.DeleteDeclined
	}
	return sum
}

// TestAccFastDestroy_keysAndAPI: through the CLI, the destroy of an API and the keys in it plans
// and deletes every key through the destroy shortcut, and the API's destroy check still sees
// those plans: it refuses while a key outside Terraform is in the API, and lets the destroy
// through once that key is gone, after which no key is left on the server.
func TestAccFastDestroy_keysAndAPI(t *testing.T) {
	srv := acctest.NewLocalServer(t, "it adds a key outside Terraform and checks the server's keys")
	c := &counted{}
	config := srv.ProviderConfig() + `
resource "apikey_unkey_api" "a" {
  name = "tfacc-fastdestroy"
}

resource "apikey_unkey_key" "k" {
  count            = 3
  api_id           = apikey_unkey_api.a.id
  name             = "tfacc-fastdestroy-${count.index}"
  permanent_delete = count.index == 1
  permissions      = ["tfacc-docs.read"]
  ratelimits       = [{ name = "requests", limit = 100, duration = "1m" }]
}`
	var apiID, strayID string
	keyIDs := map[string]bool{}
	var mark server.FastDestroyStats
	since := func() server.FastDestroyStats {
		st := c.destroyStats()
		return server.FastDestroyStats{Planned: st.Planned - mark.Planned, PlanDeclined: st.PlanDeclined - mark.PlanDeclined,
			Deleted: st.Deleted - mark.Deleted, DeleteDeclined: st.DeleteDeclined - mark.DeleteDeclined}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: c.factories(),
		CheckDestroy: func(*terraform.State) error {
			got := since()
			if got.Planned < 3 || got.PlanDeclined != 0 || got.Deleted != 3 || got.DeleteDeclined != 0 {
				return fmt.Errorf("destroy: %+v; want at least 3 plans and exactly 3 deletes by the shortcut, none declined", got)
			}
			for id := range keyIDs {
				if _, err := srv.Unkey.GetKey(context.Background(), id, false); !unkey.IsKeyNotFound(err) {
					return fmt.Errorf("key %s still readable after the destroy: %v", id, err)
				}
			}
			if _, err := srv.Unkey.GetAPI(context.Background(), apiID); !unkey.IsAPINotFound(err) {
				return fmt.Errorf("API %s still readable after the destroy: %v", apiID, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					for _, r := range s.RootModule().Resources {
						switch r.Type {
						case "apikey_unkey_key":
							keyIDs[r.Primary.ID] = true
						case "apikey_unkey_api":
							apiID = r.Primary.ID
						}
					}
					if len(keyIDs) != 3 || apiID == "" {
						return fmt.Errorf("state holds %d keys and API %q", len(keyIDs), apiID)
					}
					return nil
				},
			},
			{
				// A key Terraform does not manage keeps the API from being destroyed: the check
				// counts it, and not the three keys whose destroys were planned alongside.
				PreConfig: func() {
					k, err := srv.Unkey.CreateKey(context.Background(), unkey.CreateKeyRequest{APIID: apiID, Name: "tfacc-stray"})
					if err != nil {
						t.Fatal(err)
					}
					strayID = k.KeyID
					mark = c.destroyStats()
				},
				Config:      config,
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)still holds keys \(key key_`),
			},
			{
				PreConfig: func() {
					if got := since(); got.Planned < 3 || got.PlanDeclined != 0 || got.Deleted != 0 {
						t.Errorf("refused destroy: %+v; want at least 3 plans by the shortcut and no delete", got)
					}
					for id := range keyIDs {
						if _, err := srv.Unkey.GetKey(context.Background(), id, false); err != nil {
							t.Errorf("key %s is gone although the destroy was refused: %v", id, err)
						}
					}
					if err := srv.Unkey.DeleteKey(context.Background(), strayID, true); err != nil {
						t.Fatal(err)
					}
					mark = c.destroyStats()
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}
