//go:build linux

package mixpeek_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// killedKeys is how many keys the interrupted applies make; killLatency slows every request so
// the run can be interrupted midway.
const (
	killedKeys  = 50
	killLatency = 400 * time.Millisecond
)

// An apply of 50 keys interrupted midway (the provider or the CLI killed, or Ctrl-C), then
// applied again, converges: one live key per name, all in state, no leftover, no 409 on a name
// an interrupted create took, and an empty plan.
func TestAccMixpeekKey_interruptedApply(t *testing.T) {
	for _, how := range acctest.Interruptions() {
		t.Run(how.String(), func(t *testing.T) {
			srv := acctest.NewServerWithConfig(t, devserver.Config{Latency: killLatency})
			names := make([]string, killedKeys)
			for i := range names {
				names[i] = fmt.Sprintf("tfacc-kill-%d", i)
			}
			keys := func(t testing.TB, marked bool) map[string]string {
				ks, err := srv.Mixpeek.ListKeys(context.Background(), email, false)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				for _, k := range ks {
					if !strings.HasPrefix(k.Name, "tfacc-kill-") || (k.Status != "" && k.Status != mpclient.StatusActive) {
						continue
					}
					if marked && !strings.HasPrefix(k.Description, ownMark) {
						continue
					}
					out[k.KeyID] = k.Name
				}
				return out
			}
			// Every create lists the user's keys and then posts to the same path.
			route := "/v1/organizations/users/" + email + "/api-keys"
			acctest.CheckInterruptedApply(t, how, acctest.Convergence{
				Config: acctest.RequiredProviders + srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_mixpeek_key" "k" {
  count       = %d
  user_email  = %q
  name        = "tfacc-kill-${count.index}"
  description = "managed ${count.index}"
}
`, killedKeys, email),
				Type:   "apikey_mixpeek_key",
				Names:  names,
				Ready:  func() bool { return srv.Dev.Stats().ByRoute[route] >= 40 },
				Live:   func(t testing.TB) map[string]string { return keys(t, false) },
				Marked: func(t testing.TB) map[string]string { return keys(t, true) },
			})
			ks, err := srv.Mixpeek.ListKeys(context.Background(), email, false)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ks {
				k := &ks[i]
				if k.Status == mpclient.StatusActive && strings.HasPrefix(k.Name, "tfacc-kill-") && k.Description != "managed "+strings.TrimPrefix(k.Name, "tfacc-kill-") {
					t.Errorf("key %s (%q) has description %q after a refresh, want the configured one", k.KeyID, k.Name, k.Description)
				}
			}
		})
	}
}
