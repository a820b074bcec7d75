package server_test

import (
	"fmt"
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

// applyCounted serves the provider as the binary does, with or without the create apply
// shortcut, and adds up what it did in every server the CLI started.
type applyCounted struct {
	opts    []server.Option
	mu      sync.Mutex
	servers []*server.Server
}

func (c *applyCounted) factories() map[string]func() (tfprotov6.ProviderServer, error) {
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

func (c *applyCounted) stats() server.FastCreateStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum server.FastCreateStats
	for _, s := range c.servers {
		st := s.FastCreateStats()
		sum.Answered += st.Answered
		sum.Declined += st.Declined
	}
	return sum
}

// TestAccFastCreate_sameState: through the CLI, the creates of keys (into an API made in the same
// apply, with roles, an identity, meta, an expiry, a lifetime and a stored age-encrypted copy)
// are applied by the shortcut, and leave the same state as an apply the framework makes; the
// plan after each apply is empty, and the keys are destroyed through the framework.
func TestAccFastCreate_sameState(t *testing.T) {
	config := func(srv *acctest.Server, suffix string) string {
		return srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_unkey_api" "a" {
  name = %q
}

resource "apikey_unkey_permission" "read" {
  name = "tfacc-docs.read-%[2]s"
  slug = "tfacc-docs.read-%[2]s"
}

resource "apikey_unkey_role" "reader" {
  name        = "tfacc-reader-%[2]s"
  permissions = [apikey_unkey_permission.read.slug]
}

resource "apikey_unkey_key" "k" {
  count       = 3
  api_id      = apikey_unkey_api.a.id
  name        = "tfacc-fastcreate-${count.index}"
  permissions = ["tfacc-docs.read", "tfacc-docs.write"]
  ratelimits  = [{ name = "requests", limit = 100, duration = "1m" }]
}

resource "apikey_unkey_key" "rich" {
  api_id      = %[3]q
  name        = "tfacc-rich"
  external_id = "tfacc-tenant-%[2]s"
  roles       = [apikey_unkey_role.reader.name]
  meta        = jsonencode({ team = "a", n = 1 })
  expires_at  = "2099-01-01T00:00:00+02:00"
  credits     = { remaining = 100, refill = { interval = "daily", amount = 10 } }
  recoverable = true
}

resource "apikey_unkey_key" "lifetime" {
  api_id                   = %[3]q
  name                     = "tfacc-lifetime"
  expire_after             = "720h"
  plaintext_age_recipients = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]
}`, acctest.RandomName("fastcreate"), suffix, srv.APIID)
	}
	run := func(t *testing.T, c *applyCounted) ([]string, server.FastCreateStats) {
		srv := acctest.NewServer(t)
		suffix := strings.TrimPrefix(acctest.RandomName("s"), acctest.NamePrefix+"s-")
		var states []string
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: c.factories(),
			Steps: []resource.TestStep{{
				Config: config(srv, suffix),
				Check: func(s *terraform.State) error {
					api := s.RootModule().Resources["apikey_unkey_api.a"].Primary.ID
					states = keyStates(s, api)
					for i, line := range states {
						line = strings.ReplaceAll(line, srv.APIID, "<test api>")
						states[i] = strings.ReplaceAll(line, suffix, "<suffix>")
					}
					return nil
				},
			}},
		})
		return dropVolatile(states), c.stats()
	}
	fast, fastStats := run(t, &applyCounted{})
	slow, slowStats := run(t, &applyCounted{opts: []server.Option{server.WithoutFastCreate()}})
	t.Logf("creates applied by the shortcut: %d (declined %d); %d state lines compared", fastStats.Answered, fastStats.Declined, len(fast))
	if fastStats.Answered != 5 || fastStats.Declined != 0 {
		t.Errorf("with the shortcut: %d creates applied by it, %d declined; want 5 and 0", fastStats.Answered, fastStats.Declined)
	}
	if slowStats.Answered != 0 {
		t.Errorf("without the shortcut it applied %d creates", slowStats.Answered)
	}
	if len(fast) == 0 || strings.Join(fast, "\n") != strings.Join(slow, "\n") {
		t.Errorf("states differ:\nwith the shortcut:\n%s\nwithout:\n%s", strings.Join(fast, "\n"), strings.Join(slow, "\n"))
	}
}

// dropVolatile leaves out what two applies of one configuration never share beyond
// volatileKeyAttrs: the secret's encrypted copy, the identity's id, and the time a lifetime
// started from.
func dropVolatile(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, ".encrypted_plaintext=") || strings.Contains(l, ".identity.id=") ||
			(strings.HasPrefix(l, "apikey_unkey_key.lifetime.expires_at=")) {
			continue
		}
		out = append(out, l)
	}
	return out
}
