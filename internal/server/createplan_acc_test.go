package server_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// createCounted serves the provider as the binary does, with or without the create shortcut, and
// adds up what it did in every server the CLI started.
type createCounted struct {
	opts    []server.Option
	mu      sync.Mutex
	servers []*server.Server
}

func (c *createCounted) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"apikey": func() (tfprotov6.ProviderServer, error) {
			s := server.NewProtocol6(provider.New("test")(), c.opts...)().(*server.Server)
			c.mu.Lock()
			c.servers = append(c.servers, s)
			c.mu.Unlock()
			return s, nil
		},
	}
}

func (c *createCounted) stats() server.CreatePlanStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum server.CreatePlanStats
	for _, s := range c.servers {
		st := s.CreatePlanStats()
		sum.Answered += st.Answered
		sum.Declined += st.Declined
	}
	return sum
}

// volatileKeyAttrs differ between any two creates of the same configuration.
var volatileKeyAttrs = map[string]bool{"id": true, "start": true, "plaintext": true, "created_at": true, "updated_at": true, "last_used_at": true}

// keyStates is the state of every apikey_unkey_key without the attributes that differ between two
// creates, with the API's id replaced by a placeholder, one line per attribute.
func keyStates(s *terraform.State, apiID string) []string {
	var out []string
	for name, rs := range s.RootModule().Resources {
		if rs.Type != "apikey_unkey_key" {
			continue
		}
		for k, v := range rs.Primary.Attributes {
			if volatileKeyAttrs[k] {
				continue
			}
			out = append(out, name+"."+k+"="+strings.ReplaceAll(v, apiID, "<api>"))
		}
	}
	sort.Strings(out)
	return out
}

// TestAccCreatePlan_sameState: through the CLI, the creates of keys are planned by the shortcut
// (both plans of each create, the first with the API's id unknown), and leave the same state as
// an apply whose creates the framework plans.
func TestAccCreatePlan_sameState(t *testing.T) {
	config := func(srv *acctest.Server) string {
		return srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_unkey_api" "a" {
  name = %q
}

resource "apikey_unkey_key" "k" {
  count       = 3
  api_id      = apikey_unkey_api.a.id
  name        = "tfacc-create-${count.index}"
  permissions = ["tfacc-docs.read", "tfacc-docs.write"]
  ratelimits  = [{ name = "requests", limit = 100, duration = "1m" }]
}

resource "apikey_unkey_key" "known_api" {
  api_id     = %q
  name       = "tfacc-known"
  expires_at = "2099-01-01T00:00:00Z"
  meta       = jsonencode({ team = "a" })
}`, acctest.RandomName("createplan"), srv.APIID)
	}
	run := func(t *testing.T, c *createCounted) ([]string, server.CreatePlanStats) {
		srv := acctest.NewServer(t)
		var states []string
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: c.factories(),
			Steps: []resource.TestStep{{
				Config: config(srv),
				Check: func(s *terraform.State) error {
					api := s.RootModule().Resources["apikey_unkey_api.a"].Primary.ID
					states = keyStates(s, api)
					for i, line := range states {
						states[i] = strings.ReplaceAll(line, srv.APIID, "<test api>")
					}
					return nil
				},
			}},
		})
		return states, c.stats()
	}
	fast, fastStats := run(t, &createCounted{})
	slow, slowStats := run(t, &createCounted{opts: []server.Option{server.WithoutCreatePlan()}})
	t.Logf("create plans answered by the shortcut: %d (declined %d); %d state lines compared", fastStats.Answered, fastStats.Declined, len(fast))
	// Each of the 4 keys is planned twice before it is created (plan, then the apply-time plan).
	if fastStats.Answered < 8 || fastStats.Declined != 0 {
		t.Errorf("with the shortcut: %d creates planned by it, %d declined; want at least 8 and 0", fastStats.Answered, fastStats.Declined)
	}
	if slowStats.Answered != 0 {
		t.Errorf("without the shortcut it answered %d plans", slowStats.Answered)
	}
	if len(fast) == 0 || strings.Join(fast, "\n") != strings.Join(slow, "\n") {
		t.Errorf("states differ:\nwith the shortcut:\n%s\nwithout:\n%s", strings.Join(fast, "\n"), strings.Join(slow, "\n"))
	}
}
