// Package acctest is the acceptance-test harness: it prepares the Terraform or
// OpenTofu CLI for terraform-plugin-testing and starts the local backend
// server that the tests run against over real HTTP.
//
// A test package wires it up once:
//
//	func TestMain(m *testing.M) { acctest.Main(m) }
//
// and each test starts its own server:
//
//	srv := acctest.NewServer(t)
//	config := srv.ProviderConfig() + `resource "apikey_unkey_key" "k" { ... }`
//
// It serves the provider in-process (ProviderFactories), so the tests that use it are external
// test packages (package provider_test, unkey_test, ...): an in-package test of a package the
// provider imports would be an import cycle.
package acctest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

// Main runs the tests of a package. When TF_ACC is set it first locates the
// CLI (building OpenTofu once if neither terraform nor tofu is installed),
// writes a CLI configuration file of its own and points TF_CLI_CONFIG_FILE at
// it, sets TF_ACC_TERRAFORM_PATH, and for OpenTofu sets
// TF_ACC_PROVIDER_NAMESPACE=hashicorp and TF_ACC_PROVIDER_HOST=registry.opentofu.org
// unless they are already set. Without TF_ACC the tests run as they are.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "apikey-acctest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := setupCLI(context.Background(), dir); err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	return m.Run()
}

// setupCLI prepares the environment terraform-plugin-testing reads.
func setupCLI(ctx context.Context, dir string) error {
	// The configuration file comes first: a TF_CLI_CONFIG_FILE naming a
	// missing file makes the CLI print a warning that breaks version parsing.
	config := filepath.Join(dir, "cli.tfrc")
	if err := tfcli.WriteConfig(config, nil); err != nil {
		return fmt.Errorf("writing the CLI configuration: %w", err)
	}
	setenv := map[string]string{
		"TF_CLI_CONFIG_FILE": config,
		"CHECKPOINT_DISABLE": "1",
	}
	for k, v := range setenv {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}

	bin, err := tfcli.Find(ctx)
	if err != nil {
		return fmt.Errorf("locating the terraform/tofu CLI: %w", err)
	}
	if err := os.Setenv(tfcli.EnvPath, bin); err != nil {
		return err
	}
	tofu, err := tfcli.IsOpenTofu(ctx, bin)
	if err != nil {
		return err
	}
	if tofu {
		for k, v := range map[string]string{
			"TF_ACC_PROVIDER_NAMESPACE": "hashicorp",
			"TF_ACC_PROVIDER_HOST":      "registry.opentofu.org",
		} {
			if os.Getenv(k) != "" {
				continue
			}
			if err := os.Setenv(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// Server is a running local backend server with one API created in it.
type Server struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:40123.
	Endpoint string
	// RootKey authenticates against both protocols the server speaks.
	RootKey string
	// APIID is the Unkey API created for the test.
	APIID string
	// Dev is the server itself, for Stats, ResetStats and other test hooks.
	Dev *devserver.Server
	// Unkey and Mixpeek are clients authenticated with RootKey, for changes
	// and checks made outside Terraform.
	Unkey   *unkey.Client
	Mixpeek *mixpeek.Client
}

// NewServer starts a local backend server with a SQLite database in a
// temporary directory, listening on a free loopback port, and creates one
// API in it. That API stores recoverable keys, as the quickstart API of
// "make devserver" does; APIs created through apis.createApi do not, as on
// the genuine service. The server is closed when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	return NewServerWithConfig(t, devserver.Config{})
}

// ProviderConfig returns a provider "apikey" block that points both backends at the server,
// with extra provider attributes (e.g. "max_retries = 10") added to it.
func (s *Server) ProviderConfig(extra ...string) string {
	return fmt.Sprintf(`
provider "apikey" {
  unkey = {
    endpoint = %q
    root_key = %q
  }
  mixpeek = {
    endpoint = %q
    api_key  = %q
  }
  %s
}
`, s.Endpoint, s.RootKey, s.Endpoint, s.RootKey, strings.Join(extra, "\n  "))
}

// ProviderConfigOnly returns a provider "apikey" block that configures only the named backend.
func (s *Server) ProviderConfigOnly(backend string) string {
	cred := "root_key"
	if backend == "mixpeek" {
		cred = "api_key"
	}
	return fmt.Sprintf(`
provider "apikey" {
  %s = {
    endpoint = %q
    %s = %q
  }
}
`, backend, s.Endpoint, cred, s.RootKey)
}
