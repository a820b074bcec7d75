package unkey_test

import (
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

// The usage and age warnings appear in the CLI's plan output, name the key, and change nothing.
// The server's clock is set back, so the key reads as created and last used long ago.
func TestAccUnkeyKey_usageWarnings(t *testing.T) {
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
	write := func(extra string) {
		config := acctest.RequiredProviders + srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_unkey_key" "k" {
  api_id = %q
  name   = "tfacc-stale-ci"
  %s
}
`, srv.APIID, extra)
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

	// Created "3000 hours ago" by the server's clock.
	setOffset(-3000 * time.Hour)
	write(`warn_unused_after = "720h"
  warn_older_than   = "2160h"`)
	run("apply", "-auto-approve", "-no-color")
	setOffset(0)

	// The CLI wraps long lines; compare with whitespace collapsed.
	out := strings.Join(strings.Fields(run("plan", "-no-color", "-detailed-exitcode")), " ")
	for _, want := range []string{
		"Warning: Key unused",
		`("tfacc-stale-ci") has never been used since it was created`,
		"longer than warn_unused_after (720h0m0s)",
		"Warning: Key older than allowed",
		"longer than warn_older_than (2160h0m0s)",
		"No changes.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}

	// Below the thresholds: no warning.
	write(`warn_unused_after = "8760h"
  warn_older_than   = "8760h"`)
	out = run("plan", "-no-color")
	if strings.Contains(out, "Warning: Key") {
		t.Errorf("plan warns below the thresholds:\n%s", out)
	}
	run("destroy", "-auto-approve", "-no-color")
}
