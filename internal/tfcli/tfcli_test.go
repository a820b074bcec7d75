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
		cachedPath: func() (string, error) { return filepath.Join(cacheDir, "tofu-"+OpenTofuVersion, "tofu"), nil },
		version: func(_ context.Context, bin string) (string, error) {
			// A fake binary named "*-old" reports an old version.
			if real, err := filepath.EvalSymlinks(bin); err == nil && strings.HasSuffix(filepath.Base(real), "-old") {
				return "1.11.4", nil
			}
			return "1.12.6", nil
		},
		build: func(_ context.Context, dest string) error {
			builds.Add(1)
			return os.WriteFile(dest, []byte("#!/bin/sh\n"), 0o600)
		},
		log: &bytes.Buffer{},
	}
}

func TestFindPrecedence(t *testing.T) {
	tests := []struct {
		name      string
		onPath    []string // fake binaries on PATH
		explicit  bool     // set TF_ACC_TERRAFORM_PATH to a fake binary
		cached    bool     // a cached build already exists
		want      string   // "explicit", "terraform", "tofu" or "cache"
		wantBuild bool
	}{
		{name: "explicit wins over everything", onPath: []string{"terraform", "tofu"}, explicit: true, cached: true, want: "explicit"},
		{name: "terraform before tofu", onPath: []string{"terraform", "tofu"}, cached: true, want: "terraform"},
		{name: "tofu when no terraform", onPath: []string{"tofu"}, cached: true, want: "tofu"},
		{name: "cached build when nothing on PATH", cached: true, want: "cache"},
		{name: "build when nothing at all", want: "cache", wantBuild: true},
		{name: "old terraform on PATH is skipped for tofu", onPath: []string{"terraform-old", "tofu"}, cached: true, want: "tofu"},
		{name: "old terraform only: the cached build", onPath: []string{"terraform-old"}, cached: true, want: "cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			pathDir := filepath.Join(root, "bin")
			cacheDir := filepath.Join(root, "cache")
			env := map[string]string{}
			for _, name := range tt.onPath {
				if base, ok := strings.CutSuffix(name, "-old"); ok {
					// On PATH as "terraform", but resolving to a binary that reports an old version.
					old := fakeBin(t, filepath.Join(root, "old"), name)
					if err := os.MkdirAll(pathDir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.Symlink(old, filepath.Join(pathDir, base)); err != nil {
						t.Fatal(err)
					}
					continue
				}
				fakeBin(t, pathDir, name)
			}
			explicit := ""
			if tt.explicit {
				explicit = fakeBin(t, filepath.Join(root, "elsewhere"), "my-terraform")
				env[EnvPath] = explicit
			}
			var builds atomic.Int32
			f := testFinder(env, pathDir, cacheDir, &builds)
			cached, _ := f.cachedPath()
			if tt.cached {
				fakeBin(t, filepath.Dir(cached), "tofu")
			}

			got, err := f.find(context.Background())
			if err != nil {
				t.Fatalf("find: %v", err)
			}
			want := map[string]string{
				"explicit":  explicit,
				"terraform": filepath.Join(pathDir, "terraform"),
				"tofu":      filepath.Join(pathDir, "tofu"),
				"cache":     cached,
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
				log := f.log.(*bytes.Buffer).String()
				for _, s := range []string{"No terraform or tofu", "OpenTofu " + OpenTofuVersion, cached, "several minutes"} {
					if !strings.Contains(log, s) {
						t.Errorf("build message %q does not mention %q", log, s)
					}
				}
			}
		})
	}
}

func TestFindExplicitMissing(t *testing.T) {
	var builds atomic.Int32
	env := map[string]string{EnvPath: filepath.Join(t.TempDir(), "nope")}
	f := testFinder(env, t.TempDir(), t.TempDir(), &builds)
	if _, err := f.find(context.Background()); err == nil || !strings.Contains(err.Error(), EnvPath) {
		t.Fatalf("find() error = %v, want one naming %s", err, EnvPath)
	}
	if builds.Load() != 0 {
		t.Error("a missing explicit binary must not trigger a build")
	}
}

func TestFindWithoutBuild(t *testing.T) {
	var builds atomic.Int32
	f := testFinder(map[string]string{}, t.TempDir(), t.TempDir(), &builds)
	f.build = nil
	if _, err := f.find(context.Background()); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("find() error = %v, want ErrNotInstalled", err)
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
			_, err := g.find(context.Background())
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
	f.build = func(context.Context, string) error { return errors.New("boom") }
	if _, err := f.find(context.Background()); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("find() error = %v, want the build error", err)
	}
	cached, _ := f.cachedPath()
	if isFile(cached) {
		t.Error("a failed build left a binary at the cache path")
	}
	entries, _ := os.ReadDir(filepath.Dir(cached))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tofu-build-") {
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
