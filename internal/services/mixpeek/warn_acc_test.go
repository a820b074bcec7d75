package mixpeek_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// The usage and age warnings of apikey_mixpeek_key appear in the CLI's plan output naming the
// key, the plan stays empty, and neither a plan nor an apply changes the state. The server's
// clock is set back at create, so the key reads as created long ago and never used.
func TestAccMixpeekKey_usageWarnings(t *testing.T) {
	t.Parallel()
	cli := acctest.NewCLI(t)
	var mu sync.Mutex
	offset := time.Duration(0)
	srv := acctest.NewServerWithConfig(t, devserver.Config{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(offset)
	}})
	setOffset := func(d time.Duration) { mu.Lock(); offset = d; mu.Unlock() }

	dir := t.TempDir()
	write := func(thresholds string) {
		config := acctest.RequiredProviders + srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_mixpeek_key" "k" {
  user_email = %q
  name       = "tfacc-stale-batch"
  %s
}
`, email, thresholds)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := cli.Run(t, dir, args...)
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", cli.Bin, args, err, out)
		}
		return out
	}
	// resourceValues is the key's attributes in state, as the CLI shows them.
	resourceValues := func() map[string]any {
		t.Helper()
		var shown struct {
			Values struct {
				RootModule struct {
					Resources []struct {
						Address string         `json:"address"`
						Values  map[string]any `json:"values"`
					} `json:"resources"`
				} `json:"root_module"`
			} `json:"values"`
		}
		if err := json.Unmarshal([]byte(run("show", "-json")), &shown); err != nil {
			t.Fatalf("decoding the state: %v", err)
		}
		for _, r := range shown.Values.RootModule.Resources {
			if r.Address == "apikey_mixpeek_key.k" {
				return r.Values
			}
		}
		t.Fatal("apikey_mixpeek_key.k is not in state")
		return nil
	}
	readState := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// Created "3000 hours ago" by the server's clock.
	setOffset(-3000 * time.Hour)
	write(`warn_unused_after = "720h"
  warn_older_than   = "2160h"`)
	run("apply", "-auto-approve", "-no-color")
	setOffset(0)
	id, _ := resourceValues()["id"].(string)
	if id == "" {
		t.Fatal("no key id in state")
	}
	before, stateBefore := resourceValues(), readState()

	// The CLI wraps long lines; compare with whitespace collapsed.
	out := strings.Join(strings.Fields(run("plan", "-no-color", "-detailed-exitcode")), " ")
	for _, want := range []string{
		"Warning: Key unused",
		fmt.Sprintf(`Key %s ("tfacc-stale-batch") has never been used since it was created`, id),
		"longer than warn_unused_after (720h0m0s)",
		"Warning: Key older than allowed",
		fmt.Sprintf(`Key %s ("tfacc-stale-batch") was created at`, id),
		"longer than warn_older_than (2160h0m0s)",
		"No changes.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	if readState() != stateBefore {
		t.Error("the plan changed the state file")
	}

	// An apply with the warnings changes nothing: no action, and the same attributes in state.
	out = strings.Join(strings.Fields(run("apply", "-auto-approve", "-no-color")), " ")
	for _, want := range []string{"Warning: Key unused", "Warning: Key older than allowed", "0 added, 0 changed, 0 destroyed"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	after := resourceValues()
	for k, v := range before {
		b, _ := json.Marshal(v)
		a, _ := json.Marshal(after[k])
		if string(a) != string(b) {
			// Values are compared, never printed: plaintext is among them.
			t.Errorf("the apply with warnings changed %s in state", k)
		}
	}

	// Below the thresholds: no warning.
	write(`warn_unused_after = "8760h"
  warn_older_than   = "8760h"`)
	if out := run("plan", "-no-color"); strings.Contains(out, "Warning: Key") {
		t.Errorf("plan warns below the thresholds:\n%s", out)
	}
	run("destroy", "-auto-approve", "-no-color")
}
