// Package examplescheck proves that every folder under examples/ is a configuration a user can
// run as shipped: it passes "validate" and "fmt -check" on the CLI under test (make testacc runs
// it once per CLI).
package examplescheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
	plugins := filepath.Join(work, "plugins")
	if err := os.MkdirAll(plugins, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := tfcli.BuildProvider(ctx, root, plugins, "examples"); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(work, "cli.tfrc")
	if err := tfcli.WriteConfig(config, map[string]string{"apikey-provider/apikey": plugins}); err != nil {
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
	for _, dir := range dirs {
		rel, _ := filepath.Rel(examples, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			t.Parallel()
			// A copy keeps .terraform and lock files out of the repository.
			copyDir := filepath.Join(t.TempDir(), "example")
			copyTF(t, dir, copyDir)
			cmd := exec.CommandContext(ctx, cli, "validate", "-no-color")
			cmd.Dir, cmd.Env = copyDir, env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s validate in examples/%s: %v\n%s", filepath.Base(cli), rel, err, out)
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

func copyTF(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
