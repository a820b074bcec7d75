//go:build linux

package unkey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// killedKeys is how many keys the interrupted applies make; killLatency slows every request so
// the run can be interrupted midway.
const (
	killedKeys  = 50
	killLatency = 400 * time.Millisecond
)

// An apply of 50 keys interrupted midway (the provider or the CLI killed, or Ctrl-C), then
// applied again, converges: one live key per name, all in state, no leftover or duplicate, and
// an empty plan.
func TestAccUnkeyKey_interruptedApply(t *testing.T) {
	for _, how := range acctest.Interruptions() {
		t.Run(how.String(), func(t *testing.T) {
			srv := acctest.NewServerWithConfig(t, devserver.Config{Latency: killLatency})
			names := make([]string, killedKeys)
			for i := range names {
				names[i] = fmt.Sprintf("tfacc-kill-%d", i)
			}
			keys := func(t testing.TB, marked bool) map[string]string {
				ks, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				for _, k := range ks {
					if marked && !strings.Contains(string(k.Meta), `"_apikey_create"`) {
						continue
					}
					name := ""
					if k.Name != nil {
						name = *k.Name
					}
					out[k.KeyID] = name
				}
				return out
			}
			acctest.CheckInterruptedApply(t, how, acctest.Convergence{
				Config: acctest.RequiredProviders + srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_unkey_key" "k" {
  count  = %d
  api_id = %q
  name   = "tfacc-kill-${count.index}"
  meta   = jsonencode({ team = "billing" })
}
`, killedKeys, srv.APIID),
				Type:  "apikey_unkey_key",
				Names: names,
				// 15 creates sent: with up to 10 in flight, at least 5 are made.
				Ready:  func() bool { return srv.Dev.Stats().ByRoute["/v2/keys.createKey"] >= 15 },
				Live:   func(t testing.TB) map[string]string { return keys(t, false) },
				Marked: func(t testing.TB) map[string]string { return keys(t, true) },
				// A create saved as unconfirmed accounts for the key carrying its marker.
				Untracked: func(t testing.TB, state []string) []string {
					ks, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
					if err != nil {
						t.Fatal(err)
					}
					var out []string
					for _, k := range ks {
						var meta struct {
							Marker string `json:"_apikey_create"`
						}
						_ = json.Unmarshal(k.Meta, &meta)
						if !slices.Contains(state, k.KeyID) && (meta.Marker == "" || !slices.Contains(state, "unconfirmed_"+meta.Marker)) {
							out = append(out, k.KeyID)
						}
					}
					return out
				},
			})
			// The configured meta survives the marker's removal.
			for _, k := range mustList(t, srv) {
				var meta map[string]any
				if err := json.Unmarshal(k, &meta); err != nil || meta["team"] != "billing" || len(meta) != 1 {
					t.Errorf("meta on the server = %s, want only the configured team", k)
					break
				}
			}
		})
	}
}

func mustList(t *testing.T, srv *acctest.Server) []json.RawMessage {
	t.Helper()
	ks, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]json.RawMessage, len(ks))
	for i, k := range ks {
		out[i] = k.Meta
	}
	return out
}
