package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

// The generated-configuration round trip (terraform query -generate-config-out, then import and
// plan) is not a mode of terraform-plugin-testing, so these tests drive the CLI in
// TF_ACC_TERRAFORM_PATH themselves. The provider is served in this process and the CLI attaches
// to it through TF_REATTACH_PROVIDERS, as terraform-plugin-testing does, so no binary is built.

// Workspace is a working directory and the environment to run the CLI in it.
type Workspace struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

// NewWorkspace serves the provider in this process for the CLI named by TF_ACC_TERRAFORM_PATH
// and returns an empty working directory; the server stops when the test ends.
func NewWorkspace(t *testing.T) *Workspace {
	t.Helper()
	bin := os.Getenv(tfcli.EnvPath)
	if bin == "" {
		t.Fatalf("%s is not set", tfcli.EnvPath)
	}
	factory := ProviderFactories()["apikey"]
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve("registry.terraform.io/hashicorp/apikey",
			func() tfprotov6.ProviderServer {
				s, err := factory()
				if err != nil {
					panic(err)
				}
				return s
			},
			tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			// Provider logs follow TF_LOG and TF_ACC_LOG_PATH as under terraform-plugin-testing.
			tf6server.WithLoggingSink(t),
		)
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case err := <-served:
		cancel()
		t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the provider did not start")
	}
	t.Cleanup(func() {
		cancel()
		<-closed
	})
	attach, err := json.Marshal(map[string]any{
		"registry.terraform.io/hashicorp/apikey": map[string]any{
			"Protocol":        string(cfg.Protocol),
			"ProtocolVersion": cfg.ProtocolVersion,
			"Pid":             cfg.Pid,
			"Test":            true,
			"Addr":            map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TF_REATTACH_PROVIDERS="+string(attach), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return &Workspace{t: t, bin: bin, dir: t.TempDir(), env: env}
}

func (w *Workspace) Write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *Workspace) Read(name string) string {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, name))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// run runs the CLI and returns its exit code and output; a failure to start is fatal.
func (w *Workspace) Run(args ...string) (int, string) {
	w.t.Helper()
	cmd := exec.Command(w.bin, args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String()
	default:
		w.t.Fatalf("running %s: %v", args[0], err)
		return -1, ""
	}
}

// must runs the CLI and fails the test unless it exits 0.
func (w *Workspace) Must(args ...string) string {
	w.t.Helper()
	code, out := w.Run(args...)
	if code != 0 {
		w.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// planChange is the part of `terraform show -json` a round trip checks.
type planChange struct {
	Address string `json:"address"`
	Change  struct {
		Actions   []string        `json:"actions"`
		Importing json.RawMessage `json:"importing"`
		Before    map[string]any  `json:"before"`
		After     map[string]any  `json:"after"`
	} `json:"change"`
}

// roundTrip queries with -generate-config-out, plans the generated configuration and requires
// that every listed key is imported with no change, applies it, and requires that the next
// plan is empty. It returns the generated configuration.
func (w *Workspace) RoundTrip(providerConfig, query string, wantImports int) string {
	w.t.Helper()
	w.Write("main.tf", providerConfig)
	w.Write("discover.tfquery.hcl", query)
	w.Must("init", "-input=false", "-no-color")
	w.Must("query", "-no-color", "-generate-config-out=generated.tf")
	generated := w.Read("generated.tf")

	w.Must("plan", "-input=false", "-no-color", "-out=import.tfplan")
	var plan struct {
		ResourceChanges []planChange `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(w.Must("show", "-json", "import.tfplan")), &plan); err != nil {
		w.t.Fatalf("decoding the plan: %v", err)
	}
	imports := 0
	for _, rc := range plan.ResourceChanges {
		if len(rc.Change.Importing) == 0 || string(rc.Change.Importing) == "null" {
			w.t.Errorf("%s is planned %v without an import", rc.Address, rc.Change.Actions)
			continue
		}
		imports++
		if len(rc.Change.Actions) != 1 || rc.Change.Actions[0] != "no-op" {
			w.t.Errorf("%s: the import plans %v, want no-op; differences: %s", rc.Address, rc.Change.Actions, diffAttrs(rc.Change.Before, rc.Change.After))
		}
	}
	if imports != wantImports {
		w.t.Errorf("the generated configuration imports %d keys, want %d", imports, wantImports)
	}
	if w.t.Failed() {
		w.t.Logf("generated configuration:\n%s", generated)
		w.t.FailNow()
	}
	w.Must("apply", "-input=false", "-no-color", "import.tfplan")
	if code, out := w.Run("plan", "-input=false", "-no-color", "-detailed-exitcode"); code != 0 {
		w.t.Fatalf("the plan after importing is not empty (exit %d):\n%s\ngenerated configuration:\n%s", code, out, generated)
	}
	return generated
}

// diffAttrs names the attributes whose planned value differs from the imported one (sensitive
// values are redacted by the CLI in the JSON plan, so nothing secret is printed).
func diffAttrs(before, after map[string]any) string {
	var names []string
	for k, a := range after {
		if strings.Contains(k, "plaintext") {
			continue
		}
		b, _ := json.Marshal(before[k])
		c, _ := json.Marshal(a)
		if !bytes.Equal(b, c) {
			names = append(names, fmt.Sprintf("%s: %s -> %s", k, b, c))
		}
	}
	return strings.Join(names, "; ")
}
