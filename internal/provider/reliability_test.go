package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Reliability acceptance tests: injected faults and lost responses, a backend killed in the
// middle of an apply, secrets in trace logs, and the request cost of a refresh.

// relCountConfig is n apikey_key.test instances in srv's API, with extra provider attributes.
func relCountConfig(srv *acctest.Server, n int, providerExtra ...string) string {
	return srv.ProviderConfigWith(backendUnkey, providerExtra...) + fmt.Sprintf(`
resource "apikey_key" "test" {
  count = %d
  name  = "key-${count.index}"
  unkey = {
    api_id = %q
  }
}
`, n, srv.APIID)
}

// relStateIDs returns the id of every apikey_key instance in state, by address.
func relStateIDs(s *terraform.State) map[string]string {
	ids := map[string]string{}
	for addr, rs := range s.RootModule().Resources {
		if rs.Type == "apikey_key" {
			ids[addr] = rs.Primary.ID
		}
	}
	return ids
}

// relCheckExactKeys checks that the API holds exactly the n keys in state: no key missing, no
// key outside state (a duplicate from a retried create), no unconfirmed placeholder left, and no
// creation marker on a key that is not in state.
func relCheckExactKeys(srv *acctest.Server, s *terraform.State, n int) error {
	keys, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
	if err != nil {
		return fmt.Errorf("listing the API's keys: %w", err)
	}
	inState := map[string]string{}
	for addr, id := range relStateIDs(s) {
		if isUnconfirmed(id) {
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
			outside = append(outside, fmt.Sprintf("%s (marker %q)", k.KeyID, markerOf(k.Meta)))
		}
		if m := markerOf(k.Meta); m != "" {
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

// 100 keys through a server that answers 20% of requests with an injected error before doing
// anything (15% 500/503, 5% 429 with Retry-After) and drops 5% of the responses after
// committing the work. Retries and the lost-create settlement must produce
// exactly 100 keys, all tracked.
func TestAccReliability_faults(t *testing.T) {
	const n = 100
	srv := acctest.NewServerWithConfig(t, devserver.Config{FaultRate: 0.15, ThrottleRate: 0.05, DropRate: 0.05, FaultSeed: 7})
	config := relCountConfig(srv, n, "max_retries = 10")
	var during devserver.Stats
	start := time.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
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
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	t.Logf("apply of %d keys under faults: %d requests, %d 5xx injected, %d 429s injected, %d responses dropped, %d createKey requests, %d listKeys requests; test took %s",
		n, during.Requests, during.Faults, during.RateLimited, during.Dropped, during.ByRoute["/v2/keys.createKey"], during.ByRoute["/v2/apis.listKeys"], time.Since(start).Round(time.Second))
	if !t.Failed() && (during.Faults == 0 || during.RateLimited == 0 || during.Dropped == 0) {
		t.Errorf("the apply saw %d 5xx, %d 429s and %d drops; the test proves nothing without all three", during.Faults, during.RateLimited, during.Dropped)
	}
}

// relEchoFactories serves the provider under test and the echo provider, which consumes the
// ephemeral resource's value.
var relEchoFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"apikey": providerserver.NewProtocol6WithError(New("test")()),
	"echo":   echoprovider.NewProviderServer(),
}

// Create, plan, update and destroy with every log at TRACE: neither the root key nor any key's
// plaintext may appear in the CLI's or the in-process provider's log.
//
// TF_ACC_LOG_PATH is read twice by terraform-plugin-testing: the CLI under test gets it as its
// log path (TRACE when no level is set), and the tfsdklog test sink that the in-process provider
// servers log through (UseTFLogSink) opens it for appending, at TRACE. Both therefore land in the
// same file.
func TestAccReliability_noSecretsInLogs(t *testing.T) {
	srv := acctest.NewServer(t)
	logDir := t.TempDir()
	t.Setenv("TF_LOG", "trace")
	t.Setenv("TF_ACC_LOG_PATH", filepath.Join(logDir, "terraform-and-provider.log"))

	// The token comes from the environment: terraform-plugin-testing logs each step's
	// configuration text at TRACE, which would otherwise hold the root key. The CLI and the
	// provider must not log it either way.
	t.Setenv(envToken, srv.RootKey)
	config := func(suffix string) string {
		return fmt.Sprintf(`
provider "apikey" {
  backend  = %[3]q
  endpoint = %[4]q
}

resource "apikey_key" "stored" {
  name  = "stored-%[1]s"
  unkey = {
    api_id = %[2]q
  }
}

resource "apikey_key" "recoverable" {
  name            = "recoverable-%[1]s"
  store_plaintext = false
  unkey = {
    api_id      = %[2]q
    recoverable = true
  }
}

ephemeral "apikey_key" "k" {
  id = apikey_key.recoverable.id
}

provider "echo" {
  data = sha256(ephemeral.apikey_key.k.plaintext)
}

resource "echo" "x" {}
`, suffix, srv.APIID, backendUnkey, srv.Endpoint)
	}

	secrets := map[string]string{"the root key": srv.RootKey}
	var keyIDs []string
	capture := func(s *terraform.State) error {
		keyIDs = keyIDs[:0]
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "apikey_key" {
				continue
			}
			keyIDs = append(keyIDs, rs.Primary.ID)
			if p := rs.Primary.Attributes["plaintext"]; p != "" {
				secrets["the plaintext of "+addr+" from state"] = p
			}
			if addr == "apikey_key.recoverable" {
				k, err := srv.Unkey.GetKey(context.Background(), rs.Primary.ID, true)
				if err != nil {
					return fmt.Errorf("decrypting %s: %w", addr, err)
				}
				if k.Plaintext == nil || *k.Plaintext == "" {
					return fmt.Errorf("the server returned no plaintext for %s", addr)
				}
				secrets["the plaintext of "+addr+" (decrypted)"] = *k.Plaintext
			}
		}
		if len(secrets) != 3 || len(keyIDs) != 2 {
			return fmt.Errorf("captured %d secrets and %d key ids, want 3 and 2", len(secrets), len(keyIDs))
		}
		return nil
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: relEchoFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{Config: config("a"), Check: capture},
			{Config: config("a"), PlanOnly: true},
			{
				Config: config("b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("apikey_key.stored", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("apikey_key.recoverable", plancheck.ResourceActionUpdate),
					},
				},
				Check: capture,
			},
		},
	})
	if t.Failed() {
		return
	}

	files, err := filepath.Glob(filepath.Join(logDir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no log files were written to the log directory (err %v)", err)
	}
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for what, secret := range secrets {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s appears in the log %s (value redacted): %s", what, filepath.Base(f), relLeakContext(string(b), secret))
			}
		}
		all.Write(b)
	}
	logs := all.String()
	t.Logf("scanned %d log file(s), %d bytes, for %d secrets", len(files), len(logs), len(secrets))

	// The scan is only meaningful if the logs hold what a leak would sit next to: the
	// provider's own request logs, trace lines of the in-process provider, and key ids.
	expected := map[string]*regexp.Regexp{
		"the CLI's trace lines":                     regexp.MustCompile(`\[TRACE\] `),
		"the in-process provider's trace lines":     regexp.MustCompile(`\[TRACE\] sdk\.(framework|proto)`),
		"the provider's create request log":         regexp.MustCompile(`HTTP request:.*/v2/keys\.createKey`),
		"the provider's configure log":              regexp.MustCompile(`configured apikey provider`),
		"the ephemeral resource's getKey request":   regexp.MustCompile(`HTTP request:.*/v2/keys\.getKey`),
		"the destroy's deleteKey request":           regexp.MustCompile(`HTTP request:.*/v2/keys\.deleteKey`),
		"a key id logged by the provider on create": regexp.MustCompile(`created unkey key:.*key_id=` + regexp.QuoteMeta(keyIDs[0]) + `|created unkey key:.*key_id=` + regexp.QuoteMeta(keyIDs[1])),
	}
	for what, re := range expected {
		if !re.MatchString(logs) {
			t.Errorf("the logs do not contain %s (pattern %s)", what, re)
		}
	}
}

// An apply of 50 keys is cut off by SIGKILL of the backend process once at least 10 keys exist.
// The apply fails; in-flight creates whose check cannot be made are saved as tainted
// unconfirmed placeholders. After a restart on the same database, port and root key, the same
// configuration converges to exactly 50 keys with nothing left behind.
func TestAccReliability_crash(t *testing.T) {
	const n = 50
	start := time.Now()
	bin := acctest.BuildDevserver(t)
	pc := acctest.ProcessConfig{
		Listen:  acctest.FreeLoopbackAddr(t),
		DB:      filepath.Join(t.TempDir(), "devserver.db"),
		RootKey: acctest.NewRootKey(),
		// Latency slows the creates (parallelism 10, so 50 keys take over a second) so the
		// kill lands in the middle of the apply.
		Args: []string{"-latency", "200ms"},
	}
	first := acctest.StartDevserver(t, bin, pc)
	srv := first.Server
	config := relCountConfig(srv, n, "max_retries = 2", `request_timeout = "5s"`)

	var keysAtKill atomic.Int64
	killed := make(chan struct{})
	watch := func() {
		defer close(killed)
		deadline := time.Now().Add(90 * time.Second)
		for time.Now().Before(deadline) && !first.Exited() {
			keys, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
			if err == nil && len(keys) >= 10 {
				keysAtKill.Store(int64(len(keys)))
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		first.Kill()
	}

	var second *acctest.Process
	var placeholders, kept int
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			return checkKeyGone(second.Server)(s)
		},
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { go watch() },
				Config:      config,
				ExpectError: regexp.MustCompile(`(?i)connection refused|connection reset|EOF|unconfirmed`),
			},
			{
				PreConfig: func() {
					<-killed
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
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	t.Logf("killed the backend with %d of %d keys created; the refresh after the restart settled %d unconfirmed placeholders and kept %d keys; test took %s",
		keysAtKill.Load(), n, placeholders, kept, time.Since(start).Round(time.Second))
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
		if id, _ := before["id"].(string); rc.Type == "apikey_key" && isUnconfirmed(id) {
			if !rc.Change.Actions.Delete() {
				resp.Error = fmt.Errorf("placeholder %s drifted with actions %v, want delete", rc.Address, rc.Change.Actions)
				return
			}
			*c.settled++
		}
	}
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Type == "apikey_key" && rc.Change.Actions.NoOp() {
			*c.kept++
		}
	}
}

// A refresh of 120 keys is served by a few direct reads and one listing, and a key deleted out of
// band is still noticed and recreated alone.
func TestAccKeyResource_batchedRefresh(t *testing.T) {
	const n = 120
	const victim = 57
	victimAddr := fmt.Sprintf("apikey_key.test[%d]", victim)
	victimState := fmt.Sprintf("apikey_key.test.%d", victim) // the shimmed state's spelling
	srv := acctest.NewServer(t)
	config := relCountConfig(srv, n)
	var ids map[string]string

	// One refresh in one provider process costs directReadsPerAPI getKey requests plus one
	// listing of ceil(n/100) pages. The plan-only step plans twice (without refresh, then with),
	// and other harness versions or TF_ACC_REFRESH_AFTER_APPLY may add a refresh, so the bound
	// allows two refreshes, each with one spare request.
	pages := (n + unkey.ListKeysMaxLimit - 1) / unkey.ListKeysMaxLimit
	bound := int64(2 * (pages + directReadsPerAPI + 1))

	noOps := []plancheck.PlanCheck{plancheck.ExpectResourceAction(victimAddr, plancheck.ResourceActionCreate)}
	for i := range n {
		if i != victim {
			noOps = append(noOps, plancheck.ExpectResourceAction(fmt.Sprintf("apikey_key.test[%d]", i), plancheck.ResourceActionNoop))
		}
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
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
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				PreConfig: func() {
					st := srv.Dev.Stats()
					get, list := st.ByRoute[routeGetKey], st.ByRoute[routeListKeys]
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
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: noOps,
				},
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

// relLeakContext shows where secret occurs in log: the first few lines holding it, with every
// occurrence replaced, so a failure can be diagnosed without printing the secret.
func relLeakContext(log, secret string) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, secret) {
			continue
		}
		line = strings.ReplaceAll(line, secret, "<REDACTED>")
		if len(line) > 400 {
			line = line[:400] + "..."
		}
		out = append(out, line)
		if len(out) == 3 {
			break
		}
	}
	return fmt.Sprintf("%d line(s), first:\n  %s", strings.Count(log, secret), strings.Join(out, "\n  "))
}
