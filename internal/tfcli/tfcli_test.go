package tfcli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeBin writes an executable script called name into dir and returns its path.
func fakeBin(t *testing.T, dir, name string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("fake binaries are shell scripts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho \""+name+" v0.0.0\"\n"), 0o755); err != nil { //nolint:gosec // test executable
		t.Fatal(err)
	}
	return p
}

// testFinder returns a finder that reads env from the given map, searches
// pathDir only, caches into cacheDir and records builds instead of running go.
// A fake binary is Terraform 1.15.9 unless its name (after symlinks) contains
// "tofu" (OpenTofu 1.12.6) and ends in "-old" (version 1.11.4).
func testFinder(env map[string]string, pathDir, cacheDir string, builds *atomic.Int32) finder {
	return finder{
		getenv: func(k string) string { return env[k] },
		lookPath: func(name string) (string, error) {
			p := filepath.Join(pathDir, name)
			if isFile(p) {
				return p, nil
			}
			return "", exec.ErrNotFound
		},
		cacheDir: func() (string, error) { return cacheDir, nil },
		identify: func(_ context.Context, bin string) (Flavour, string, error) {
			real, err := filepath.EvalSymlinks(bin)
			if err != nil {
				return Any, "", err
			}
			fl, v := Terraform, "1.15.9"
			if strings.Contains(filepath.Base(real), "tofu") {
				fl, v = OpenTofu, "1.12.6"
			}
			if strings.HasSuffix(filepath.Base(real), "-old") {
				v = "1.11.4"
			}
			return fl, v, nil
		},
		build: func(_ context.Context, _ Flavour, dest string) error {
			builds.Add(1)
			return os.WriteFile(dest, []byte("#!/bin/sh\n"), 0o600)
		},
		log: &bytes.Buffer{},
	}
}

// putOnPath installs fake binaries into pathDir. A name "x-old" is installed
// as "x", a symlink to a binary reporting an old version; "terraform=tofu"
// is a binary called terraform that is OpenTofu.
func putOnPath(t *testing.T, root, pathDir string, names []string) {
	t.Helper()
	for _, name := range names {
		target, link := name, name
		if base, ok := strings.CutSuffix(name, "-old"); ok {
			link = base
		} else if l, tgt, ok := strings.Cut(name, "="); ok {
			link, target = l, tgt
		}
		if target == link {
			fakeBin(t, pathDir, name)
			continue
		}
		real := fakeBin(t, filepath.Join(root, "real"), target)
		if err := os.MkdirAll(pathDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(real, filepath.Join(pathDir, link)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindPrecedence(t *testing.T) {
	tests := []struct {
		name      string
		flavour   Flavour
		onPath    []string // fake binaries on PATH (see putOnPath)
		explicit  string   // TF_ACC_TERRAFORM_PATH names a fake binary of this name
		cached    []Flavour
		want      string // "explicit", "terraform", "tofu", "cache:terraform" or "cache:opentofu"
		wantBuild bool
		wantLog   []string
	}{
		{name: "explicit wins over everything", onPath: []string{"terraform", "tofu"}, explicit: "my-terraform", cached: []Flavour{OpenTofu}, want: "explicit"},
		{name: "terraform before tofu", onPath: []string{"terraform", "tofu"}, cached: []Flavour{OpenTofu}, want: "terraform"},
		{name: "tofu when no terraform", onPath: []string{"tofu"}, cached: []Flavour{OpenTofu}, want: "tofu"},
		{name: "cached build when nothing on PATH", cached: []Flavour{OpenTofu}, want: "cache:opentofu"},
		{name: "cached Terraform build serves any", cached: []Flavour{Terraform}, want: "cache:terraform"},
		{name: "build OpenTofu when nothing at all", want: "cache:opentofu", wantBuild: true,
			wantLog: []string{"No terraform or tofu", "OpenTofu " + OpenTofuVersion, "several minutes"}},
		{name: "old terraform on PATH is skipped for tofu", onPath: []string{"terraform-old", "tofu"}, cached: []Flavour{OpenTofu}, want: "tofu",
			wantLog: []string{"Skipping ", "Terraform 1.11.4 is older than " + MinVersion}},
		{name: "old terraform only: the cached build", onPath: []string{"terraform-old"}, cached: []Flavour{OpenTofu}, want: "cache:opentofu"},

		{name: "terraform: PATH", flavour: Terraform, onPath: []string{"terraform", "tofu"}, cached: []Flavour{Terraform}, want: "terraform"},
		{name: "terraform: tofu on PATH is not used", flavour: Terraform, onPath: []string{"tofu"}, cached: []Flavour{Terraform, OpenTofu}, want: "cache:terraform"},
		{name: "terraform: explicit OpenTofu is skipped", flavour: Terraform, explicit: "tofu", onPath: []string{"terraform"}, want: "terraform",
			wantLog: []string{EnvPath + "=", "it is OpenTofu 1.12.6, not Terraform"}},
		{name: "terraform: explicit Terraform is used", flavour: Terraform, explicit: "my-terraform", onPath: []string{"terraform"}, want: "explicit"},
		{name: "terraform: a terraform that is OpenTofu is skipped", flavour: Terraform, onPath: []string{"terraform=tofu"}, cached: []Flavour{Terraform}, want: "cache:terraform",
			wantLog: []string{"it is OpenTofu 1.12.6, not Terraform"}},
		{name: "terraform: old one skipped, built", flavour: Terraform, onPath: []string{"terraform-old"}, cached: []Flavour{OpenTofu}, want: "cache:terraform", wantBuild: true,
			wantLog: []string{"Terraform 1.11.4 is older", "No Terraform " + MinVersion, "Building Terraform " + TerraformVersion}},
		{name: "tofu: PATH", flavour: OpenTofu, onPath: []string{"terraform", "tofu"}, want: "tofu"},
		{name: "tofu: old one skipped, cached", flavour: OpenTofu, onPath: []string{"tofu-old"}, cached: []Flavour{OpenTofu}, want: "cache:opentofu"},
		{name: "tofu: built", flavour: OpenTofu, onPath: []string{"terraform"}, cached: []Flavour{Terraform}, want: "cache:opentofu", wantBuild: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			pathDir := filepath.Join(root, "bin")
			cacheDir := filepath.Join(root, "cache")
			putOnPath(t, root, pathDir, tt.onPath)
			env := map[string]string{}
			explicit := ""
			if tt.explicit != "" {
				explicit = fakeBin(t, filepath.Join(root, "elsewhere"), tt.explicit)
				env[EnvPath] = explicit
			}
			var builds atomic.Int32
			f := testFinder(env, pathDir, cacheDir, &builds)
			for _, fl := range tt.cached {
				p := cachedPathIn(cacheDir, fl)
				fakeBin(t, filepath.Dir(p), filepath.Base(p))
			}

			got, err := f.find(context.Background(), tt.flavour)
			if err != nil {
				t.Fatalf("find: %v", err)
			}
			want := map[string]string{
				"explicit":        explicit,
				"terraform":       filepath.Join(pathDir, "terraform"),
				"tofu":            filepath.Join(pathDir, "tofu"),
				"cache:terraform": cachedPathIn(cacheDir, Terraform),
				"cache:opentofu":  cachedPathIn(cacheDir, OpenTofu),
			}[tt.want]
			if got != want {
				t.Errorf("find() = %q, want %q", got, want)
			}
			if gotBuild := builds.Load() > 0; gotBuild != tt.wantBuild {
				t.Errorf("built = %v, want %v", gotBuild, tt.wantBuild)
			}
			if tt.wantBuild {
				info, err := os.Stat(got)
				if err != nil || info.Mode()&0o111 == 0 {
					t.Errorf("built binary is missing or not executable: %v", err)
				}
			}
			log := f.log.(*bytes.Buffer).String()
			for _, s := range tt.wantLog {
				if !strings.Contains(log, s) {
					t.Errorf("log %q does not mention %q", log, s)
				}
			}
		})
	}
}

func TestFindExplicitMissing(t *testing.T) {
	var builds atomic.Int32
	env := map[string]string{EnvPath: filepath.Join(t.TempDir(), "nope")}
	f := testFinder(env, t.TempDir(), t.TempDir(), &builds)
	if _, err := f.find(context.Background(), Any); err == nil || !strings.Contains(err.Error(), EnvPath) {
		t.Fatalf("find() error = %v, want one naming %s", err, EnvPath)
	}
	if builds.Load() != 0 {
		t.Error("a missing explicit binary must not trigger a build")
	}
}

func (f finder) mustCacheDir(t *testing.T) string {
	t.Helper()
	dir, err := f.cacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFindWithoutBuild(t *testing.T) {
	tests := []struct {
		name    string
		flavour Flavour
		onPath  []string
		want    []string // in the error message
	}{
		{name: "nothing installed", want: []string{"no terraform or tofu " + MinVersion + " or later is installed", "none was found on PATH", "OpenTofu " + OpenTofuVersion + " has not been built"}},
		// What was found and why it was skipped is named, not just "not installed".
		{name: "old terraform", onPath: []string{"terraform-old"}, want: []string{"skipped ", "/bin/terraform: Terraform 1.11.4 is older than " + MinVersion}},
		{name: "terraform wanted, only tofu", flavour: Terraform, onPath: []string{"terraform=tofu", "tofu"},
			want: []string{"no Terraform " + MinVersion, "/bin/terraform: it is OpenTofu 1.12.6, not Terraform", "Terraform " + TerraformVersion + " has not been built"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			pathDir := filepath.Join(root, "bin")
			putOnPath(t, root, pathDir, tt.onPath)
			var builds atomic.Int32
			f := testFinder(map[string]string{}, pathDir, filepath.Join(root, "cache"), &builds)
			f.build = nil
			_, err := f.find(context.Background(), tt.flavour)
			if !errors.Is(err, ErrNotInstalled) {
				t.Fatalf("find() error = %v, want ErrNotInstalled", err)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestFindBuildsOnceConcurrently(t *testing.T) {
	var builds atomic.Int32
	f := testFinder(map[string]string{}, t.TempDir(), t.TempDir(), &builds)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			g := f
			g.log = &bytes.Buffer{}
			_, err := g.find(context.Background(), Any)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("built %d times, want 1", n)
	}
}

func TestFindBuildFailureLeavesNoBinary(t *testing.T) {
	var builds atomic.Int32
	f := testFinder(map[string]string{}, t.TempDir(), t.TempDir(), &builds)
	f.build = func(context.Context, Flavour, string) error { return errors.New("boom") }
	if _, err := f.find(context.Background(), Any); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("find() error = %v, want the build error", err)
	}
	cached := cachedPathIn(f.mustCacheDir(t), OpenTofu)
	if isFile(cached) {
		t.Error("a failed build left a binary at the cache path")
	}
	entries, _ := os.ReadDir(filepath.Dir(cached))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tofu-build-") || e.Name() == "tofu" {
			t.Errorf("a failed build left the temporary file %s", e.Name())
		}
	}
}

func TestWriteConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cli.tfrc")
	if err := WriteConfig(p, nil); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || strings.Contains(string(b), "provider_installation") {
		t.Errorf("empty config = %q, %v", b, err)
	}
	if err := WriteConfig(p, map[string]string{"apikey-provider/apikey": "/opt/plugins"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	for _, s := range []string{"dev_overrides", `"apikey-provider/apikey" = "/opt/plugins"`, "direct {}"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("config %q lacks %q", b, s)
		}
	}
}

func TestAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{{"1.12.0", true}, {"1.12.6", true}, {"1.13.0-dev", true}, {"2.0.0", true}, {"v1.12.1", true}, {"1.11.4", false}, {"1.9.9", false}, {"0.15.5", false}} {
		if got := atLeast(tc.v, MinVersion); got != tc.want {
			t.Errorf("atLeast(%q, %q) = %t, want %t", tc.v, MinVersion, got, tc.want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		out         string
		wantFlavour Flavour
		wantVersion string
		wantErr     bool
	}{
		{out: "Terraform v1.15.9\non linux_amd64\n", wantFlavour: Terraform, wantVersion: "1.15.9"},
		{out: "OpenTofu v1.12.6\non linux_amd64\n", wantFlavour: OpenTofu, wantVersion: "1.12.6"},
		{out: "Terraform v1.15.0-dev\n", wantFlavour: Terraform, wantVersion: "1.15.0-dev"},
		{out: "Warning: something\n\nOpenTofu v1.11.0\n", wantFlavour: OpenTofu, wantVersion: "1.11.0"},
		{out: "my-terraform v0.0.0\n", wantErr: true},
		{out: "", wantErr: true},
	} {
		fl, v, err := parseVersion([]byte(tc.out))
		if (err != nil) != tc.wantErr || fl != tc.wantFlavour || v != tc.wantVersion {
			t.Errorf("parseVersion(%q) = %q, %q, %v; want %q, %q, error %t", tc.out, fl, v, err, tc.wantFlavour, tc.wantVersion, tc.wantErr)
		}
	}
}

func TestParseFlavour(t *testing.T) {
	for in, want := range map[string]Flavour{"": Any, "any": Any, "terraform": Terraform, "Terraform": Terraform, "tofu": OpenTofu, "opentofu": OpenTofu} {
		if got, err := ParseFlavour(in); err != nil || got != want {
			t.Errorf("ParseFlavour(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseFlavour("pulumi"); err == nil {
		t.Error("ParseFlavour(pulumi) accepted an unknown CLI")
	}
}

func TestCachedPathIn(t *testing.T) {
	for fl, want := range map[Flavour]string{
		OpenTofu:  filepath.Join("c", cacheDirName, "tofu-"+OpenTofuVersion, exeName("tofu")),
		Any:       filepath.Join("c", cacheDirName, "tofu-"+OpenTofuVersion, exeName("tofu")),
		Terraform: filepath.Join("c", cacheDirName, "terraform-"+TerraformVersion, exeName("terraform")),
	} {
		if got := cachedPathIn("c", fl); got != want {
			t.Errorf("cachedPathIn(%q) = %q, want %q", fl, got, want)
		}
	}
}
