package acctest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

func TestProviderConfig(t *testing.T) {
	s := &Server{Endpoint: "http://127.0.0.1:8787", RootKey: `unkey_"quoted"`}
	cases := map[string]struct {
		got  string
		want []string
		not  []string
	}{
		"both": {
			got:  s.ProviderConfig("max_retries = 1"),
			want: []string{`provider "apikey" {`, `unkey = {`, `mixpeek = {`, `root_key = "unkey_\"quoted\""`, `api_key  = "unkey_\"quoted\""`, `endpoint = "http://127.0.0.1:8787"`, "max_retries = 1"},
		},
		"unkey only":   {got: s.ProviderConfigOnly("unkey"), want: []string{`unkey = {`, `root_key = "unkey_\"quoted\""`}, not: []string{"mixpeek"}},
		"mixpeek only": {got: s.ProviderConfigOnly("mixpeek"), want: []string{`mixpeek = {`, `api_key = "unkey_\"quoted\""`}, not: []string{"unkey ="}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			for _, want := range c.want {
				if !strings.Contains(c.got, want) {
					t.Errorf("config = %s\nmissing %s", c.got, want)
				}
			}
			for _, not := range c.not {
				if strings.Contains(c.got, not) {
					t.Errorf("config = %s\nhas %s", c.got, not)
				}
			}
			if strings.Count(c.got, "{") != strings.Count(c.got, "}") {
				t.Errorf("unbalanced braces: %s", c.got)
			}
		})
	}
}

func TestNewServer(t *testing.T) {
	s := NewServer(t)
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") || s.RootKey == "" || s.APIID == "" {
		t.Fatalf("NewServer() = endpoint %q, api %q, root key set %v", s.Endpoint, s.APIID, s.RootKey != "")
	}
	s.Dev.ResetStats()
	res, err := s.Unkey.VerifyKey(t.Context(), unkey.VerifyKeyRequest{Key: "not-a-key"})
	if err != nil {
		t.Fatalf("VerifyKey through the ready-made client: %v", err)
	}
	if res.Valid {
		t.Error("an unknown key verified")
	}
	if got := s.Dev.Stats().Requests; got != 1 {
		t.Errorf("Stats().Requests = %d after one request, want 1", got)
	}
}

func TestSetupCLI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fake binaries are shell scripts")
	}
	for _, tt := range []struct {
		name, version    string
		wantNS, wantHost string
	}{
		{name: "OpenTofu", version: "OpenTofu v1.12.6", wantNS: "hashicorp", wantHost: "registry.opentofu.org"},
		{name: "Terraform", version: "Terraform v1.11.4"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "cli")
			script := "#!/bin/sh\necho '" + tt.version + "'\n"
			if err := os.WriteFile(bin, []byte(script), 0o755); err != nil { //nolint:gosec // test executable
				t.Fatal(err)
			}
			for _, k := range []string{"TF_CLI_CONFIG_FILE", "CHECKPOINT_DISABLE", "TF_ACC_PROVIDER_NAMESPACE", "TF_ACC_PROVIDER_HOST"} {
				t.Setenv(k, "")
			}
			t.Setenv(tfcli.EnvPath, bin)

			if err := setupCLI(t.Context(), dir); err != nil {
				t.Fatal(err)
			}
			if cfg := os.Getenv("TF_CLI_CONFIG_FILE"); !strings.HasPrefix(cfg, dir) {
				t.Errorf("TF_CLI_CONFIG_FILE = %q, want a file in %q", cfg, dir)
			} else if _, err := os.Stat(cfg); err != nil {
				t.Errorf("the CLI configuration file was not written: %v", err)
			}
			if got := os.Getenv(tfcli.EnvPath); got != bin {
				t.Errorf("%s = %q, want %q", tfcli.EnvPath, got, bin)
			}
			if got := os.Getenv("TF_ACC_PROVIDER_NAMESPACE"); got != tt.wantNS {
				t.Errorf("TF_ACC_PROVIDER_NAMESPACE = %q, want %q", got, tt.wantNS)
			}
			if got := os.Getenv("TF_ACC_PROVIDER_HOST"); got != tt.wantHost {
				t.Errorf("TF_ACC_PROVIDER_HOST = %q, want %q", got, tt.wantHost)
			}
		})
	}
}
