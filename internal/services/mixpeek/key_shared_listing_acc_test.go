package mixpeek_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

// A refresh of many keys of one user lists the user's keys about once, not once per key: the
// key resource's Reads share the provider process's listing (mixpeek.Client.ReadKey). The first
// refresh after the apply also replaces each key's creation marker (one PATCH per key) from that
// listing; the second changes nothing.
func TestAccMixpeekKey_refreshSharesListing(t *testing.T) {
	t.Parallel()
	const n = 30
	cli := acctest.NewCLI(t)
	srv := newLocalServer(t, "request counts (Dev.Stats)")
	dir := t.TempDir()
	config := acctest.RequiredProviders + srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_mixpeek_key" "k" {
  count      = %d
  user_email = %q
  name       = "%srefresh-${count.index}"
}
`, n, email, acctest.NamePrefix)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := cli.Run(t, dir, "apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	listRoute := "/v1/organizations/users/" + email + "/api-keys"
	for _, phase := range []string{"first refresh (settles the markers)", "second refresh"} {
		srv.Dev.ResetStats()
		out, err := cli.Run(t, dir, "plan", "-detailed-exitcode", "-no-color")
		if err != nil {
			t.Fatalf("%s: plan: %v (exit code 2 is a non-empty plan)\n%s", phase, err, out)
		}
		st := srv.Dev.Stats()
		// Only listings use the bare route in a refresh (changes address a key by name). A
		// second listing is allowed for a refresh slower than the listing's 30 s lifetime.
		listings := st.ByRoute[listRoute]
		t.Logf("%s of %d keys: %d listings, %d requests in all", phase, n, listings, st.Requests)
		if listings < 1 || listings > 2 {
			t.Errorf("%s of %d keys of one user made %d listings, want 1 (2 if it took over 30 s): %v", phase, n, listings, st.ByRoute)
		}
		if phase == "second refresh" && st.Requests != listings {
			t.Errorf("the second refresh made %d requests besides the listings: %v", st.Requests-listings, st.ByRoute)
		}
	}
	if out, err := cli.Run(t, dir, "destroy", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
}
