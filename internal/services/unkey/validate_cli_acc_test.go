package unkey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

// The harness has no validate step, so cliValidate runs `validate -json` of the CLI under test
// itself, against the provider served in-process. Validation sees input variables as unknown,
// which no plan does.

type cliDiagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Snippet  *struct {
		Code string `json:"code"`
	} `json:"snippet"`
}

type cliValidateResult struct {
	Valid       bool            `json:"valid"`
	ErrorCount  int             `json:"error_count"`
	Diagnostics []cliDiagnostic `json:"diagnostics"`
}

// errors renders the error diagnostics in the order the CLI prints them: the summary, the
// configuration line it points at, then the detail.
func (r cliValidateResult) errors() string {
	var b strings.Builder
	for _, d := range r.Diagnostics {
		if d.Severity != "error" {
			continue
		}
		fmt.Fprintf(&b, "Error: %s\n", d.Summary)
		if d.Snippet != nil {
			fmt.Fprintf(&b, "  %s\n", d.Snippet.Code)
		}
		fmt.Fprintf(&b, "%s\n\n", d.Detail)
	}
	return b.String()
}

func cliValidate(t *testing.T, config string) cliValidateResult {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs the CLI: set TF_ACC")
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH is not set (acctest.Main sets it under TF_ACC)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	provider, err := acctest.ProviderFactories()["apikey"]()
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	addr := providerAddress()
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve(addr, func() tfprotov6.ProviderServer { return provider },
			tf6server.WithDebug(ctx, reattach, closed), tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			// The test sink follows TF_LOG; without it the provider logs every call to stderr.
			tf6server.WithLoggingSink(t))
	}()
	defer func() {
		cancel()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Error("the provider server did not stop")
		}
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case err := <-served:
		t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the provider server did not start")
	}
	env, err := json.Marshal(map[string]any{addr: map[string]any{
		"Protocol":        string(rc.Protocol),
		"ProtocolVersion": rc.ProtocolVersion,
		"Pid":             rc.Pid,
		"Test":            rc.Test,
		"Addr":            map[string]string{"Network": rc.Addr.Network(), "String": rc.Addr.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+string(env), "TF_IN_AUTOMATION=1")
		return cmd.Output()
	}
	if out, err := run("init", "-input=false", "-backend=false"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	// validate exits non-zero when the configuration is invalid; the JSON says why.
	out, _ := run("validate", "-json", "-no-color")
	var res cliValidateResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("reading validate -json output: %v\n%s", err, out)
	}
	return res
}

func providerAddress() string {
	host, ns := os.Getenv("TF_ACC_PROVIDER_HOST"), os.Getenv("TF_ACC_PROVIDER_NAMESPACE")
	if host == "" {
		host = "registry.terraform.io"
	}
	if ns == "" {
		ns = "hashicorp"
	}
	return host + "/" + ns + "/apikey"
}

// The validation helper sees an error the provider reports, and passes a valid configuration.
func TestAccCLIValidate_selfCheck(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs the CLI: set TF_ACC")
	}
	t.Parallel()
	srv := acctest.NewServer(t)
	for _, tc := range []struct {
		name, body string
		valid      bool
	}{
		{name: "valid", body: fmt.Sprintf("api_id = %q", srv.APIID), valid: true},
		{name: "provider validator", body: fmt.Sprintf("api_id = %q\nprefix = \"sk-live\"", srv.APIID)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := cliValidate(t, keyConfig(srv, tc.body))
			if res.Valid != tc.valid {
				t.Fatalf("valid = %t, want %t; errors:\n%s", res.Valid, tc.valid, res.errors())
			}
			if !tc.valid && !errorPattern("prefix", "letters, digits and _").MatchString(res.errors()) {
				t.Errorf("the error does not name prefix:\n%s", res.errors())
			}
		})
	}
}
