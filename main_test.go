package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/bench"
	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

const validateConfig = `terraform {
  required_providers {
    apikey = { source = "apikey-provider/apikey" }
  }
}

resource "apikey_unkey_key" "k" {
  api_id = "api_123"
  name   = "logs"
}
`

// Framework and protocol log lines name their subsystem (@module) so, in the
// CLI's text log and in the provider's JSON output alike.
var sdkModules = []string{"sdk.framework", "sdk.proto"}

// providerModule is the @module of the provider's own log lines (tflog) in its JSON output.
const providerModule = `"@module":"apikey"`

// planConfig makes the provider's own code log (Configure names each configured backend); the
// endpoint is never contacted by a plan of a create.
const planConfig = `terraform {
  required_providers {
    apikey = { source = "apikey-provider/apikey" }
  }
}

provider "apikey" {
  unkey = {
    endpoint = "http://127.0.0.1:9"
    root_key = "unkey_logs"
  }
}

resource "apikey_unkey_key" "k" {
  api_id = "api_123"
  name   = "logs"
}
`

func accSetup(t *testing.T) (provider, cli, dir string) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1: builds the provider and runs the CLI")
	}
	ctx := context.Background()
	cli, err := tfcli.Lookup()
	if errors.Is(err, tfcli.ErrNotInstalled) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	root, err := tfcli.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if provider, err = tfcli.BuildProvider(ctx, root, bin, "test"); err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(validateConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return provider, cli, dir
}

// withoutLogVars is the current environment without TF_LOG* variables.
func withoutLogVars() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_LOG") && !strings.HasPrefix(kv, "TF_ACC_LOG_PATH=") {
			env = append(env, kv)
		}
	}
	return env
}

// TestAccLogsWhenAsked runs the CLI as a user does (it launches the provider,
// found through dev_overrides) with a logging variable set, and checks that
// the framework's and the protocol's trace lines reach the CLI's log file.
func TestAccLogsWhenAsked(t *testing.T) {
	provider, cli, dir := accSetup(t)
	cfg := filepath.Join(dir, "cli.tfrc")
	if err := tfcli.WriteConfig(cfg, map[string]string{"apikey-provider/apikey": filepath.Dir(provider)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, env string }{
		{"TF_LOG", "TF_LOG=trace"},
		{"TF_LOG_PROVIDER", "TF_LOG_PROVIDER=trace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logFile := filepath.Join(t.TempDir(), "tf.log")
			cmd := exec.Command(cli, "validate", "-no-color")
			cmd.Dir = dir
			cmd.Env = append(withoutLogVars(), "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1", tt.env, "TF_LOG_PATH="+logFile)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("validate: %v\n%s", err, out)
			}
			log, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range sdkModules {
				if !bytes.Contains(log, []byte(m)) {
					t.Errorf("with %s the CLI's log has no %s line", tt.env, m)
				}
			}
		})
	}
}

// TestAccQuietUnlessAsked starts the provider itself (debug mode, its stderr
// captured) and attaches the CLI for a plan: without a logging variable the
// provider writes no SDK trace lines and none of its own; with TF_LOG=trace in
// its environment it writes them.
func TestAccQuietUnlessAsked(t *testing.T) {
	provider, cli, dir := accSetup(t)
	cfg := filepath.Join(dir, "cli.tfrc")
	if err := tfcli.WriteConfig(cfg, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(planConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		env   []string
		lines bool
		// own: the provider's own lines are expected (the SDK's may be off).
		own bool
	}{
		{"no logging variable", nil, false, false},
		{"TF_LOG=trace", []string{"TF_LOG=trace"}, true, true},
		{"TF_LOG_SDK_FRAMEWORK=trace", []string{"TF_LOG_SDK_FRAMEWORK=trace"}, true, true},
		{"TF_LOG_PROVIDER_APIKEY=debug", []string{"TF_LOG_PROVIDER_APIKEY=debug"}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			prov := exec.CommandContext(ctx, provider, "-debug")
			prov.Env = append(withoutLogVars(), tt.env...)
			var stderr bytes.Buffer
			prov.Stderr = &stderr
			stdout, err := prov.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := prov.Start(); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(stdout)
			r, err := bench.ReadReattach(br)
			if err != nil {
				_ = prov.Process.Kill()
				t.Fatal(err)
			}
			go func() { _, _ = br.WriteTo(&bytes.Buffer{}) }()
			reattach, err := r.WithAlias(bench.TerraformAddress, bench.OpenTofuAddress).Env()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, cli, "plan", "-refresh=false", "-input=false", "-no-color")
			cmd.Dir = dir
			cmd.Env = append(withoutLogVars(), "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1", reattach)
			out, verr := cmd.CombinedOutput()
			_ = prov.Process.Signal(os.Interrupt)
			_ = prov.Wait()
			if verr != nil {
				t.Fatalf("plan: %v\n%s", verr, out)
			}
			for _, m := range sdkModules {
				if got := bytes.Contains(stderr.Bytes(), []byte(m)); got != tt.lines {
					t.Errorf("%s lines on the provider's stderr: %v, want %v (%d bytes of stderr)", m, got, tt.lines, stderr.Len())
				}
			}
			if got := bytes.Contains(stderr.Bytes(), []byte(providerModule)); got != tt.own {
				t.Errorf("the provider's own lines on its stderr: %v, want %v (%d bytes of stderr)", got, tt.own, stderr.Len())
			}
		})
	}
}
