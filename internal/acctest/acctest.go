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

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/contract"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

// Main runs the tests of a package. When TF_ACC is set it first locates the
// CLI (building OpenTofu once if neither terraform nor tofu is installed),
// writes a CLI configuration file of its own and points TF_CLI_CONFIG_FILE at
// it, sets TF_ACC_TERRAFORM_PATH, and for OpenTofu sets
// TF_ACC_PROVIDER_NAMESPACE=hashicorp and TF_ACC_PROVIDER_HOST=registry.opentofu.org
// unless they are already set. Without TF_ACC the tests run as they are.
//
// It goes through terraform-plugin-testing's resource.TestMain, so "go test -sweep=live" runs
// the sweepers the package registered (see sweep.go) instead of the tests. At the end it
// prints how many exchanges the contract checks saw (internal/contract).
func Main(m *testing.M) {
	resource.TestMain(runner{m})
}

type runner struct{ m *testing.M }

func (r runner) Run() int {
	code := run(r.m)
	if s := contract.Summary(); s != "" {
		fmt.Fprintln(os.Stderr, s)
	}
	return code
}

func run(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		return m.Run()
	}
	if Live() {
		if _, err := LiveFromEnv(); err != nil {
			fmt.Fprintln(os.Stderr, "acctest:", err)
			return 1
		}
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

// Server is what a test runs against: a local backend server with one API created in it, or,
// in live mode (see Live), the genuine services named in the environment.
type Server struct {
	// Endpoint is the local server's base URL, e.g. http://127.0.0.1:40123; in live mode the
	// Unkey endpoint.
	Endpoint string
	// RootKey authenticates against both protocols of the local server; in live mode it is the
	// Unkey root key.
	RootKey string
	// APIID and APIName are the Unkey API of the test.
	APIID, APIName string
	// Each backend's connection details (the same values for both on the local server).
	UnkeyEndpoint, UnkeyRootKey, MixpeekEndpoint, MixpeekAPIKey string
	// MixpeekUser is the organization user whose keys the test manages.
	MixpeekUser string
	// Live is true when the test runs against services named in the environment.
	Live bool
	// Dev is the local server itself, for Stats, ResetStats and other testing aids; nil in live
	// mode, where a test that needs it is skipped (NewLocalServer).
	Dev *devserver.Server
	// Unkey and Mixpeek are clients authenticated like the provider, for changes and checks
	// made outside Terraform; they reach the live services in live mode.
	Unkey   *unkey.Client
	Mixpeek *mixpeek.Client
}

// LocalMixpeekUser is the Mixpeek user of a local server's tests.
const LocalMixpeekUser = "ops@example.com"

// NewServer starts a local backend server with a SQLite database in a
// temporary directory, listening on a free loopback port, and creates one
// API in it. That API stores recoverable keys, as the quickstart API of
// "make devserver" does; APIs created through apis.createApi do not, as on
// the genuine service. The server is closed when the test ends. Every exchange
// is checked against the services' OpenAPI documents (internal/contract).
//
// In live mode it returns the services named in the environment instead (see Live).
func NewServer(t testing.TB) *Server {
	t.Helper()
	if Live() {
		return newLiveServer(t)
	}
	return NewServerWithConfig(t, devserver.Config{})
}

// NewLocalServer is NewServer for a test that needs the local server's testing aids (Dev):
// in live mode the test is skipped, with why it needs them.
func NewLocalServer(t testing.TB, why string) *Server {
	t.Helper()
	SkipIfLive(t, why)
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
`, s.unkeyEndpoint(), s.unkeyRootKey(), s.mixpeekEndpoint(), s.mixpeekAPIKey(), strings.Join(extra, "\n  "))
}

// ProviderConfigOnly returns a provider "apikey" block that configures only the named backend.
func (s *Server) ProviderConfigOnly(backend string) string {
	cred, endpoint, secret := "root_key", s.unkeyEndpoint(), s.unkeyRootKey()
	if backend == "mixpeek" {
		cred, endpoint, secret = "api_key", s.mixpeekEndpoint(), s.mixpeekAPIKey()
	}
	return fmt.Sprintf(`
provider "apikey" {
  %s = {
    endpoint = %q
    %s = %q
  }
}
`, backend, endpoint, cred, secret)
}

// A local server speaks both protocols at Endpoint with RootKey, which a test may point
// elsewhere (a proxy in front of the server); live services have their own per backend.
func (s *Server) unkeyEndpoint() string   { return s.pick(s.UnkeyEndpoint, s.Endpoint) }
func (s *Server) unkeyRootKey() string    { return s.pick(s.UnkeyRootKey, s.RootKey) }
func (s *Server) mixpeekEndpoint() string { return s.pick(s.MixpeekEndpoint, s.Endpoint) }
func (s *Server) mixpeekAPIKey() string   { return s.pick(s.MixpeekAPIKey, s.RootKey) }

func (s *Server) pick(live, local string) string {
	if s.Live {
		return live
	}
	return local
}
