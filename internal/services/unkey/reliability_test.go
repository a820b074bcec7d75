package unkey_test

import (
	"context"
	"encoding/json"
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
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// Reliability acceptance tests on Unkey: injected faults and lost responses, a backend killed in
// the middle of an apply, and the request cost of a refresh. (Secrets in trace logs are checked
// for both backends at once in internal/provider.)

const (
	relType = "apikey_unkey_key"
	// relUnconfirmedPrefix and relMarkerKey are the provider's spelling of an unconfirmed
	// create's placeholder id and of the creation marker in a key's meta.
	relUnconfirmedPrefix = "unconfirmed_"
	relMarkerKey         = "_apikey_create"
	// relDirectReads is how many keys of an API a refresh reads with getKey before it lists the
	// API instead (directReadsPerAPI in the provider).
	relDirectReads = 10
	relRouteGetKey = "/v2/keys.getKey"
	relRouteList   = "/v2/apis.listKeys"
	relRouteCreate = "/v2/keys.createKey"
)

// relCountConfig is n apikey_unkey_key.test instances in srv's API, with extra provider
// attributes.
func relCountConfig(srv *acctest.Server, n int, providerExtra ...string) string {
	return srv.ProviderConfig(providerExtra...) + fmt.Sprintf(`
resource "apikey_unkey_key" "test" {
  count  = %d
  api_id = %q
  name   = "tfacc-key-${count.index}"
}
`, n, srv.APIID)
}

func relIsUnconfirmed(id string) bool { return strings.HasPrefix(id, relUnconfirmedPrefix) }

func relMarkerOf(meta json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(meta, &m) != nil {
		return ""
	}
	s, _ := m[relMarkerKey].(string)
	return s
}

// relStateIDs returns the id of every apikey_unkey_key instance in state, by address.
func relStateIDs(s *terraform.State) map[string]string {
	ids := map[string]string{}
	for addr, rs := range s.RootModule().Resources {
		if rs.Type == relType {
			ids[addr] = rs.Primary.ID
		}
	}
	return ids
}

// relCheckExactKeys checks that the API holds exactly the n keys in state: no key missing, no
// key outside state (a duplicate from a retried create), no unconfirmed placeholder left, and no
// creation marker shared by two keys.
func relCheckExactKeys(srv *acctest.Server, s *terraform.State, n int) error {
	keys, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
	if err != nil {
		return fmt.Errorf("listing the API's keys: %w", err)
	}
	inState := map[string]string{}
	for addr, id := range relStateIDs(s) {
		if relIsUnconfirmed(id) {
			return fmt.Errorf("%s is still an unconfirmed placeholder", addr)
		}
		if other, dup := inState[id]; dup {
			return fmt.Errorf("%s and %s share key %s", addr, other, id)
		}
		inState[id] = addr
	}
	if len(inState) != n {
		return fmt.Errorf("%d keys in state, want %d", len(inState), n)
	}
	onServer := map[string]bool{}
	markers := map[string]string{}
	var outside []string
	for _, k := range keys {
		onServer[k.KeyID] = true
		if _, ok := inState[k.KeyID]; !ok {
			outside = append(outside, fmt.Sprintf("%s (marker %q)", k.KeyID, relMarkerOf(k.Meta)))
		}
		if m := relMarkerOf(k.Meta); m != "" {
			if other, dup := markers[m]; dup {
				return fmt.Errorf("keys %s and %s carry the same creation marker", other, k.KeyID)
			}
			markers[m] = k.KeyID
		}
	}
	if len(outside) > 0 {
		sort.Strings(outside)
		return fmt.Errorf("%d keys on the server are not in state (left behind by lost creates): %s", len(outside), strings.Join(outside, ", "))
	}
	for id, addr := range inState {
		if !onServer[id] {
			return fmt.Errorf("%s: key %s is not on the server", addr, id)
		}
	}
	if len(keys) != n {
		return fmt.Errorf("%d keys on the server, want %d", len(keys), n)
	}
	return nil
}

// relCheckGone is a CheckDestroy: no apikey_unkey_key of the state is left on the server.
func relCheckGone(srv *acctest.Server) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != relType || relIsUnconfirmed(rs.Primary.ID) {
				continue
			}
			_, err := srv.Unkey.GetKey(context.Background(), rs.Primary.ID, false)
			if err == nil {
				return fmt.Errorf("key %s still exists after destroy", rs.Primary.ID)
			}
			if !unkey.IsNotFound(err) {
				return fmt.Errorf("checking key %s: %w", rs.Primary.ID, err)
			}
		}
		return nil
	}
}

// 100 keys through a server that answers 20% of requests with an injected error before doing
// anything (15% 500/503, 5% 429 with Retry-After) and drops 5% of the responses after
// committing the work. Retries and the lost-create settlement must produce exactly 100 keys,
// all tracked.
func TestAccUnkeyReliability_faults(t *testing.T) {
	const n = 100
	srv := acctest.NewServerWithConfig(t, devserver.Config{FaultRate: 0.15, ThrottleRate: 0.05, DropRate: 0.05, FaultSeed: 7})
	config := relCountConfig(srv, n, "max_retries = 10")
	var during devserver.Stats
	start := time.Now()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             relCheckGone(srv),
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
	t.Logf("apply of %d keys under faults: %d requests, %d 5xx injected, %d 429s injected, %d responses dropped, %d createKey requests, %d listKeys requests; test took %s",
		n, during.Requests, during.Faults, during.RateLimited, during.Dropped, during.ByRoute[relRouteCreate], during.ByRoute[relRouteList], time.Since(start).Round(time.Second))
	if !t.Failed() && (during.Faults == 0 || during.RateLimited == 0 || during.Dropped == 0) {
		t.Errorf("the apply saw %d 5xx, %d 429s and %d drops; the test proves nothing without all three", during.Faults, during.RateLimited, during.Dropped)
	}
}

// An apply of 50 keys is cut off by SIGKILL of the backend process when the 15th create
// arrives: a proxy in front of the backend kills it and drops that request's connection, so at
// least that create's outcome is unknown (the backend's latency keeps others in flight too).
// The apply fails; the creates whose check cannot be made are saved as tainted unconfirmed
// placeholders. After a restart on the same database, port and root key, the same
// configuration converges to exactly 50 keys with nothing left behind.
func TestAccUnkeyReliability_crash(t *testing.T) {
	const n, killAt = 50, 15
	start := time.Now()
	bin := acctest.BuildDevserver(t)
	pc := acctest.ProcessConfig{
		Listen:  acctest.FreeLoopbackAddr(t),
		DB:      filepath.Join(t.TempDir(), "devserver.db"),
		RootKey: acctest.NewRootKey(),
		// Latency keeps several creates in flight (the CLI runs 10 at a time) when the kill lands.
		Args: []string{"-latency", "200ms"},
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
		if r.URL.Path == relRouteCreate && creates.Add(1) == killAt {
			if keys, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, ""); err == nil {
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
	var placeholders, kept int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(s *terraform.State) error {
			return relCheckGone(second.Server)(s)
		},
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(`(?i)connection refused|connection reset|EOF|bad gateway|502|unconfirmed`),
			},
			{
				PreConfig: func() {
					if !first.Exited() {
						t.Fatalf("the backend was not killed: only %d creates arrived", creates.Load())
					}
					pc.Args = nil
					second = acctest.StartDevserver(t, bin, pc)
					if second.Endpoint != srv.Endpoint || second.APIID != srv.APIID {
						t.Fatalf("the restarted server is at %s with API %s, want %s and %s", second.Endpoint, second.APIID, srv.Endpoint, srv.APIID)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{relCountSettled{settled: &placeholders, kept: &kept}},
				},
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
	t.Logf("killed the backend at create %d with %d of %d keys created; the refresh after the restart settled %d unconfirmed placeholders and kept %d keys; test took %s",
		killAt, keysAtKill.Load(), n, placeholders, kept, time.Since(start).Round(time.Second))
	if !t.Failed() && placeholders == 0 {
		t.Error("the kill left no unconfirmed placeholder, so their settlement was not exercised")
	}
}

// relCountSettled is a plan check: it counts the unconfirmed placeholders that the plan's
// refresh removed from state (they show as resource drift) and the instances planned as no-ops.
type relCountSettled struct {
	settled, kept *int
}

func (c relCountSettled) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	*c.settled, *c.kept = 0, 0
	for _, rc := range req.Plan.ResourceDrift {
		before, _ := rc.Change.Before.(map[string]any)
		if id, _ := before["id"].(string); rc.Type == relType && relIsUnconfirmed(id) {
			if !rc.Change.Actions.Delete() {
				resp.Error = fmt.Errorf("placeholder %s drifted with actions %v, want delete", rc.Address, rc.Change.Actions)
				return
			}
			*c.settled++
		}
	}
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Type == relType && rc.Change.Actions.NoOp() {
			*c.kept++
		}
	}
}

// A refresh of 120 keys is served by a few direct reads and one listing, and a key deleted out of
// band is still noticed and recreated alone.
func TestAccUnkeyReliability_batchedRefresh(t *testing.T) {
	const n = 120
	const victim = 57
	victimAddr := fmt.Sprintf("apikey_unkey_key.test[%d]", victim)
	victimState := fmt.Sprintf("apikey_unkey_key.test.%d", victim) // the shimmed state's spelling
	srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
	config := relCountConfig(srv, n)
	var ids map[string]string

	// One refresh in one provider process costs relDirectReads getKey requests plus one listing
	// of ceil(n/100) pages. The plan-only step plans twice (without refresh, then with), and
	// other harness versions or TF_ACC_REFRESH_AFTER_APPLY may add a refresh, so the bound
	// allows two refreshes, each with one spare request.
	pages := (n + unkey.ListKeysMaxLimit - 1) / unkey.ListKeysMaxLimit
	bound := int64(2 * (pages + relDirectReads + 1))

	noOps := []plancheck.PlanCheck{plancheck.ExpectResourceAction(victimAddr, plancheck.ResourceActionCreate)}
	for i := range n {
		if i != victim {
			noOps = append(noOps, plancheck.ExpectResourceAction(fmt.Sprintf("apikey_unkey_key.test[%d]", i), plancheck.ResourceActionNoop))
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             relCheckGone(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					ids = relStateIDs(s)
					return relCheckExactKeys(srv, s, n)
				},
			},
			{
				PreConfig: func() { srv.Dev.ResetStats() },
				Config:    config,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					st := srv.Dev.Stats()
					get, list := st.ByRoute[relRouteGetKey], st.ByRoute[relRouteList]
					t.Logf("refresh of %d keys: %d requests (%d getKey, %d listKeys), bound %d", n, st.Requests, get, list, bound)
					if st.Requests > bound {
						t.Errorf("the plan-only step made %d requests for %d keys, want at most %d", st.Requests, n, bound)
					}
					if list == 0 {
						t.Error("the refresh did not use listKeys")
					}
					if get+list != st.Requests {
						t.Errorf("the refresh made requests other than getKey and listKeys: %v", st.ByRoute)
					}
					if ids[victimState] == "" {
						t.Errorf("%s was not in the state captured after the first apply", victimState)
					} else if err := srv.Unkey.DeleteKey(context.Background(), ids[victimState], false); err != nil {
						t.Errorf("deleting %s out of band: %v", victimAddr, err)
					}
				},
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: noOps},
				Check: func(s *terraform.State) error {
					now := relStateIDs(s)
					for addr, id := range ids {
						switch {
						case addr == victimState && now[addr] == id:
							return fmt.Errorf("%s kept the deleted key %s", addr, id)
						case addr != victimState && now[addr] != id:
							return fmt.Errorf("%s changed from %s to %s", addr, id, now[addr])
						}
					}
					return relCheckExactKeys(srv, s, n)
				},
			},
		},
	})
}
