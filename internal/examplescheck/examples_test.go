// Package examplescheck proves that every folder under examples/ is a configuration a user can
// run as shipped: after "init" it passes "validate", and the folder passes "fmt -check", on the
// CLI under test (make testacc runs it once per CLI). The provider is installed the way the
// quickstart's README tells module users to: from a filesystem mirror, which works with "init"
// on every CLI (dev_overrides alone makes "init" fail on Terraform before 1.12 and on OpenTofu).
package examplescheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

func TestExamplesValidate(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("validating the examples drives a terraform/tofu CLI; set TF_ACC=1 (make testacc does)")
	}
	ctx := t.Context()
	cli := os.Getenv(tfcli.EnvPath)
	if cli == "" {
		var err error
		if cli, err = tfcli.Find(ctx); err != nil {
			t.Fatalf("locating the CLI: %v", err)
		}
	}
	root, err := tfcli.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	config := filepath.Join(work, "cli.tfrc")
	if err := writeMirror(t, root, filepath.Join(work, "mirror"), config); err != nil {
		t.Fatal(err)
	}
	env := tfcli.Env(config)

	examples := filepath.Join(root, "examples")
	dirs := exampleDirs(t, examples)
	for _, must := range []string{"provider", "quickstart", "resources/apikey_unkey_key", "resources/apikey_mixpeek_key"} {
		if !slices.Contains(dirs, filepath.Join(examples, must)) {
			t.Fatalf("examples/%s was not found among the example folders %v", must, dirs)
		}
	}
	noActions := actionsUnsupported(t, cli)
	for _, dir := range dirs {
		rel, _ := filepath.Rel(examples, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			t.Parallel()
			if noActions != "" && strings.HasPrefix(filepath.ToSlash(rel), "actions/") {
				t.Skip(noActions)
			}
			// A copy keeps .terraform and lock files out of the repository.
			copyDir := filepath.Join(t.TempDir(), "example")
			copyTree(t, dir, copyDir)
			for _, args := range [][]string{{"init", "-backend=false", "-input=false", "-no-color"}, {"validate", "-no-color"}} {
				cmd := exec.CommandContext(ctx, cli, args...)
				cmd.Dir, cmd.Env = copyDir, env
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s %s in examples/%s: %v\n%s", filepath.Base(cli), args[0], rel, err, out)
				}
			}
		})
	}
	t.Run("fmt", func(t *testing.T) {
		cmd := exec.CommandContext(ctx, cli, "fmt", "-check", "-diff", "-recursive", "-no-color", examples)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s fmt -check: %v (run make fmt)\n%s", filepath.Base(cli), err, out)
		}
	})
}

// actionsUnsupported says why the CLI cannot read the examples under examples/actions, or ""
// when it can; the minimum versions come from acctest's feature table.
func actionsUnsupported(t *testing.T, cli string) string {
	t.Helper()
	fl, version, err := tfcli.Identify(t.Context(), cli)
	if err != nil {
		t.Fatalf("identifying the CLI: %v", err)
	}
	return acctest.Unsupported(acctest.FeatureActions, fl, version)
}

// exampleDirs lists the folders under root that hold .tf files.
func exampleDirs(t *testing.T, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".terraform") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".tf") && !slices.Contains(dirs, filepath.Dir(p)) {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// mirrorVersion is the version the locally built provider is published under in the mirror.
const mirrorVersion = "0.0.1"

// writeMirror builds the provider into a filesystem mirror for both registries' addresses and
// writes a CLI configuration that installs it from there.
func writeMirror(t *testing.T, root, mirror, config string) error {
	t.Helper()
	build := filepath.Join(t.TempDir(), "build")
	if err := os.MkdirAll(build, 0o700); err != nil {
		return err
	}
	bin, err := tfcli.BuildProvider(t.Context(), root, build, mirrorVersion)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	var hosts []string
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		dir := filepath.Join(mirror, host, "apikey-provider", "apikey", mirrorVersion, runtime.GOOS+"_"+runtime.GOARCH)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		name := "terraform-provider-apikey_v" + mirrorVersion
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o700); err != nil {
			return err
		}
		hosts = append(hosts, fmt.Sprintf("%q", host+"/apikey-provider/apikey"))
	}
	cfg := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = [%s]
  }
  direct {
    exclude = [%s]
  }
}
`, filepath.ToSlash(mirror), strings.Join(hosts, ", "), strings.Join(hosts, ", "))
	return os.WriteFile(config, []byte(cfg), 0o600)
}

// copyTree copies the .tf files of from and its subfolders (local modules) to to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		if !strings.HasSuffix(p, ".tf") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}
