package acctest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

// CLI drives the terraform/tofu binary under test directly, for what terraform-plugin-testing
// cannot observe (warnings in the plan output, generated configuration). It uses a provider
// binary built once per test binary through a dev_overrides configuration, so no init is needed.
type CLI struct {
	Bin string
	env []string
}

var (
	cliOnce sync.Once
	cliErr  error
	cliDir  string
)

// NewCLI builds the provider (once per test binary) and returns a CLI using it. The test is
// skipped without TF_ACC.
func NewCLI(t testing.TB) *CLI {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("driving the CLI needs TF_ACC=1")
	}
	bin := os.Getenv(tfcli.EnvPath)
	if bin == "" {
		var err error
		if bin, err = tfcli.Find(t.Context()); err != nil {
			t.Fatalf("locating the CLI: %v", err)
		}
	}
	cliOnce.Do(func() {
		root, err := tfcli.ModuleRoot(context.Background())
		if err != nil {
			cliErr = err
			return
		}
		dir, err := os.MkdirTemp("", "apikey-cli-")
		if err != nil {
			cliErr = err
			return
		}
		if _, err := tfcli.BuildProvider(context.Background(), root, dir, "test"); err != nil {
			cliErr = err
			return
		}
		cliErr = tfcli.WriteConfig(filepath.Join(dir, "cli.tfrc"), map[string]string{"apikey-provider/apikey": dir})
		cliDir = dir
	})
	if cliErr != nil {
		t.Fatalf("preparing the provider for the CLI: %v", cliErr)
	}
	return &CLI{Bin: bin, env: tfcli.Env(filepath.Join(cliDir, "cli.tfrc"))}
}

// RequiredProviders is the terraform block a configuration run through CLI needs, so the CLI
// resolves "apikey" to the dev_overrides binary.
const RequiredProviders = `
terraform {
  required_providers {
    apikey = {
      source = "apikey-provider/apikey"
    }
  }
}
`

// Run runs the CLI in dir with args and returns its combined output.
func (c *CLI) Run(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), c.Bin, args...)
	cmd.Dir, cmd.Env = dir, c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}
