package mixpeek_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// Reliability acceptance tests on Mixpeek: injected faults and lost responses, and a backend
// killed in the middle of an apply.

// relCountConfig is n apikey_mixpeek_key.test instances of one user, with extra provider
// attributes.
func relCountConfig(srv *acctest.Server, n int, providerExtra ...string) string {
	return srv.ProviderConfig(providerExtra...) + fmt.Sprintf(`
resource "apikey_mixpeek_key" "test" {
  count       = %d
  user_email  = %q
  name        = "tfacc-key-${count.index}"
  description = "managed ${count.index}"
}
`, n, email)
}

// relCheckExactKeys checks that the user's live keys named tfacc-key-* are exactly the n keys in
// state: none missing, none outside state (a duplicate from a retried create), none outside state
// carrying the create marker, and each with its configured description.
func relCheckExactKeys(srv *acctest.Server, s *terraform.State, n int) error {
	inState := map[string]string{}
	for addr, rs := range s.RootModule().Resources {
		if rs.Type != keyType {
			continue
		}
		if other, dup := inState[rs.Primary.ID]; dup {
			return fmt.Errorf("%s and %s share key %s", addr, other, rs.Primary.ID)
		}
		inState[rs.Primary.ID] = addr
	}
	if len(inState) != n {
		return fmt.Errorf("%d keys in state, want %d", len(inState), n)
	}
	keys, err := srv.Mixpeek.ListKeys(context.Background(), email, false)
	if err != nil {
		return fmt.Errorf("listing the user's keys: %w", err)
	}
	var outside []string
	live := 0
	for _, k := range keys {
		if !strings.HasPrefix(k.Name, "tfacc-key-") {
			continue
		}
		live++
		// The marker stays until a key's first refresh, so only keys in state may carry it.
		if _, ok := inState[k.KeyID]; !ok && strings.HasPrefix(k.Description, ownMark) {
			return fmt.Errorf("live key %s (%q) is not in state and still carries the create marker", k.KeyID, k.Name)
		}
		if want := "managed " + strings.TrimPrefix(k.Name, "tfacc-key-"); configuredDescription(&k) != want {
			return fmt.Errorf("key %s (%q) has description %q, want %q", k.KeyID, k.Name, k.Description, want)
		}
		if _, ok := inState[k.KeyID]; !ok {
			outside = append(outside, fmt.Sprintf("%s (%s)", k.KeyID, k.Name))
		}
	}
	if len(outside) > 0 {
		sort.Strings(outside)
		return fmt.Errorf("%d live keys are not in state (left behind by lost creates): %s", len(outside), strings.Join(outside, ", "))
	}
	if live != n {
		return fmt.Errorf("%d live keys named tfacc-key-*, want %d", live, n)
	}
	return nil
}

// Keys through a server that answers a share of requests with an injected error before doing
// anything (500/503 and 429) and drops a share of the responses after committing the work.
// Retries and the marker settlement must produce exactly the configured keys, all tracked and
// settled. The second profile loses one response in five, so lost revokes and lost settling
// updates happen too.
func TestAccMixpeekReliability_faults(t *testing.T) {
	profiles := []struct {
		name string
		n    int
		cfg  devserver.Config
	}{
		{name: "20% errors, 5% lost", n: 50, cfg: devserver.Config{FaultRate: 0.15, ThrottleRate: 0.05, DropRate: 0.05, FaultSeed: 7}},
		{name: "10% errors, 20% lost", n: 30, cfg: devserver.Config{FaultRate: 0.05, ThrottleRate: 0.05, DropRate: 0.2, FaultSeed: 3}},
	}
	for _, p := range profiles {
		t.Run(p.name, func(t *testing.T) {
			n := p.n
			srv := acctest.NewServerWithConfig(t, p.cfg)
			config := relCountConfig(srv, n, "max_retries = 10")
			var during devserver.Stats
			start := time.Now()
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				CheckDestroy: func(s *terraform.State) error {
					srv.Dev.SetFaults(devserver.Faults{})
					return checkRevoked(srv)(s)
				},
				Steps: []resource.TestStep{
					{
						Config: config,
						Check: func(s *terraform.State) error {
							during = srv.Dev.Stats()
							srv.Dev.SetFaults(devserver.Faults{})
							return relCheckExactKeys(srv, s, n)
						},
					},
					{
						Config:           config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					},
				},
			})
			route := "/v1/organizations/users/" + email + "/api-keys"
			t.Logf("apply of %d keys under faults: %d requests, %d 5xx injected, %d 429s injected, %d responses dropped, %d requests on %s; test took %s",
				n, during.Requests, during.Faults, during.RateLimited, during.Dropped, during.ByRoute[route], route, time.Since(start).Round(time.Second))
			if !t.Failed() && (during.Faults == 0 || during.RateLimited == 0 || during.Dropped == 0) {
				t.Errorf("the apply saw %d 5xx, %d 429s and %d drops; the test proves nothing without all three", during.Faults, during.RateLimited, during.Dropped)
			}
		})
	}
}

// An apply of 30 keys is cut off by SIGKILL of the backend process at the 10th create: a proxy
// in front of the backend lets that create commit, kills the backend and drops the response, so
// at least one key carrying the create marker is left live. The apply fails. After a restart on
// the same database, port and root key, the same configuration converges to exactly 30 settled
// keys: the keys the kill left with the marker are revoked and made again.
func TestAccMixpeekReliability_crash(t *testing.T) {
	const n, killAt = 30, 10
	start := time.Now()
	bin := acctest.BuildDevserver(t)
	pc := acctest.ProcessConfig{
		Listen:  acctest.FreeLoopbackAddr(t),
		DB:      filepath.Join(t.TempDir(), "devserver.db"),
		RootKey: acctest.NewRootKey(),
		// Latency keeps several requests in flight (the CLI runs 10 at a time) when the kill lands.
		Args: []string{"-latency", "150ms"},
	}
	first := acctest.StartDevserver(t, bin, pc)
	srv := first.Server

	var creates, keysAtKill atomic.Int64
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api-keys") && creates.Add(1) == killAt {
			forward.ServeHTTP(httptest.NewRecorder(), r)
			if keys, err := srv.Mixpeek.ListKeys(context.Background(), email, false); err == nil {
				keysAtKill.Store(int64(len(keys)))
			}
			first.Kill()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(http.ErrAbortHandler)
			}
			_ = conn.Close()
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	viaProxy := *srv
	viaProxy.Endpoint = proxy.URL
	config := relCountConfig(&viaProxy, n, "max_retries = 2", `request_timeout = "5s"`)

	var second *acctest.Process
	var markedAfterRestart int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(s *terraform.State) error {
			return checkRevoked(second.Server)(s)
		},
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(`(?i)connection refused|connection reset|EOF|lost|gave up|no response|bad gateway|502`),
			},
			{
				PreConfig: func() {
					if !first.Exited() {
						t.Fatalf("the backend was not killed: only %d creates arrived", creates.Load())
					}
					pc.Args = nil
					second = acctest.StartDevserver(t, bin, pc)
					if second.Endpoint != srv.Endpoint {
						t.Fatalf("the restarted server is at %s, want %s", second.Endpoint, srv.Endpoint)
					}
					keys, err := second.Mixpeek.ListKeys(context.Background(), email, false)
					if err != nil {
						t.Fatalf("listing after the restart: %v", err)
					}
					for _, k := range keys {
						if strings.HasPrefix(k.Description, ownMark) {
							markedAfterRestart++
						}
					}
				},
				Config: config,
				Check: func(s *terraform.State) error {
					return relCheckExactKeys(second.Server, s, n)
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
	t.Logf("killed the backend at create %d with %d keys of the user live (the admin key included); %d live keys carried the create marker after the restart; test took %s",
		killAt, keysAtKill.Load(), markedAfterRestart, time.Since(start).Round(time.Second))
	if !t.Failed() && markedAfterRestart == 0 {
		t.Error("no key carried the create marker after the restart, so their settlement was not exercised")
	}
}
