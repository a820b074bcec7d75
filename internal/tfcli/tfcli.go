// Package tfcli locates the Terraform or OpenTofu command-line tool that the
// acceptance tests, the demo and the documentation pipeline drive, and builds
// OpenTofu from its Go module when no CLI is installed.
//
// The search order is:
//
//  1. the binary named by TF_ACC_TERRAFORM_PATH, when that variable is set;
//  2. terraform on PATH;
//  3. tofu on PATH;
//  4. OpenTofu built from source into the user cache directory
//     (os.UserCacheDir()/terraform-provider-apikey/tofu-<version>/tofu),
//     which is built on first use and reused afterwards.
package tfcli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

const (
	// OpenTofuVersion is the OpenTofu release built when no CLI is installed.
	OpenTofuVersion = "1.12.6"

	// EnvPath names the environment variable that selects the CLI binary
	// explicitly. terraform-plugin-testing reads the same variable.
	EnvPath = "TF_ACC_TERRAFORM_PATH"

	openTofuModule = "github.com/opentofu/opentofu"
	cacheDirName   = "terraform-provider-apikey"
)

// Find returns the path of the CLI binary, building OpenTofu into the cache
// directory when neither TF_ACC_TERRAFORM_PATH, terraform nor tofu is
// available. Progress messages for a build are written to stderr.
func Find(ctx context.Context) (string, error) {
	return defaultFinder(os.Stderr).find(ctx)
}

// ErrNotInstalled is returned by Lookup when no CLI is available without
// building one.
var ErrNotInstalled = errors.New("no terraform or tofu binary is installed and OpenTofu has not been built yet")

// Lookup is Find without the build: it returns ErrNotInstalled when the
// cached OpenTofu binary would have to be built.
func Lookup() (string, error) {
	f := defaultFinder(io.Discard)
	f.build = nil
	return f.find(context.Background())
}

// CachedPath returns where the OpenTofu binary built from source is kept.
func CachedPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locating the user cache directory: %w", err)
	}
	return filepath.Join(dir, cacheDirName, "tofu-"+OpenTofuVersion, exeName("tofu")), nil
}

// IsOpenTofu reports whether bin is OpenTofu rather than Terraform, judged by
// the output of "<bin> version".
func IsOpenTofu(ctx context.Context, bin string) (bool, error) {
	out, err := exec.CommandContext(ctx, bin, "version").CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("running %s version: %w: %s", bin, err, bytes.TrimSpace(out))
	}
	return bytes.Contains(out, []byte("OpenTofu")), nil
}

// finder holds the lookups Find depends on, so tests can replace them.
type finder struct {
	getenv     func(string) string
	lookPath   func(string) (string, error)
	cachedPath func() (string, error)
	build      func(ctx context.Context, dest string) error
	// version reports the CLI version of a binary, such as "1.12.6".
	version func(ctx context.Context, bin string) (string, error)
	log     io.Writer
}

// MinVersion is the oldest terraform or tofu found on PATH that is used: resource identity
// (import by identity, identity in state) needs 1.12 in both. An older one is skipped in favour
// of the OpenTofu build; TF_ACC_TERRAFORM_PATH still selects any binary explicitly.
const MinVersion = "1.12.0"

// cliVersion runs "<bin> version -json", with a CLI configuration that cannot produce warnings.
func cliVersion(ctx context.Context, bin string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, "version", "-json")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+os.DevNull, "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("running %s version -json: %w", bin, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		return "", fmt.Errorf("%s version -json printed no version", bin)
	}
	return v.Version, nil
}

// atLeast compares dotted versions numerically ("1.12.6" >= "1.12.0"); a pre-release suffix is
// ignored.
func atLeast(version, floor string) bool {
	parse := func(s string) [3]int {
		var n [3]int
		s, _, _ = strings.Cut(strings.TrimPrefix(s, "v"), "-")
		for i, part := range strings.SplitN(s, ".", 3) {
			n[i], _ = strconv.Atoi(part)
		}
		return n
	}
	a, b := parse(version), parse(floor)
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return true
}

func defaultFinder(log io.Writer) finder {
	return finder{
		getenv:     os.Getenv,
		lookPath:   exec.LookPath,
		cachedPath: CachedPath,
		version:    cliVersion,
		build: func(ctx context.Context, dest string) error {
			return buildOpenTofu(ctx, dest, log)
		},
		log: log,
	}
}

func (f finder) find(ctx context.Context) (string, error) {
	if p := f.getenv(EnvPath); p != "" {
		info, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvPath, p, err)
		}
		if info.IsDir() {
			return "", fmt.Errorf("%s=%s is a directory, not a binary", EnvPath, p)
		}
		return filepath.Abs(p)
	}
	for _, name := range []string{"terraform", "tofu"} {
		p, err := f.lookPath(name)
		if err != nil {
			continue
		}
		v, err := f.version(ctx, p)
		switch {
		case err != nil:
			fmt.Fprintf(f.log, "Skipping %s: %v.\n", p, err)
		case !atLeast(v, MinVersion):
			fmt.Fprintf(f.log, "Skipping %s: version %s is older than %s, which resource identity needs.\n", p, v, MinVersion)
		default:
			return filepath.Abs(p)
		}
	}
	dest, err := f.cachedPath()
	if err != nil {
		return "", err
	}
	if isFile(dest) {
		return dest, nil
	}
	if f.build == nil {
		return "", ErrNotInstalled
	}
	if err := f.buildOnce(ctx, dest); err != nil {
		return "", err
	}
	return dest, nil
}

// buildOnce builds the cached binary unless it exists. A lock file next to
// the binary makes concurrent callers (parallel test packages, make targets)
// wait for one build instead of starting several. The binary is built under
// a temporary name and renamed into place, so a half-written file is never
// seen at dest.
func (f finder) buildOnce(ctx context.Context, dest string) error {
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the cache directory: %w", err)
	}
	fmt.Fprintf(f.log, "No terraform or tofu %s or later was found (PATH, %s).\n", MinVersion, EnvPath)
	fmt.Fprintf(f.log, "Building OpenTofu %s from source into %s.\n", OpenTofuVersion, dest)
	fmt.Fprintln(f.log, "This takes several minutes once; the binary is reused afterwards.")

	unlock, err := lock(ctx, dest+".lock", f.log)
	if err != nil {
		return err
	}
	defer unlock()

	if isFile(dest) { // another process finished the build while we waited
		return nil
	}
	tmp, err := os.CreateTemp(dir, ".tofu-build-*")
	if err != nil {
		return fmt.Errorf("creating a temporary file in the cache directory: %w", err)
	}
	tmpName := tmp.Name()
	_ = tmp.Close()
	defer os.Remove(tmpName) // no-op after a successful rename

	if err := f.build(ctx, tmpName); err != nil {
		return fmt.Errorf("building OpenTofu %s: %w", OpenTofuVersion, err)
	}
	if err := os.Chmod(tmpName, 0o755); err != nil { //nolint:gosec // an executable must be executable
		return fmt.Errorf("making the OpenTofu binary executable: %w", err)
	}
	if err := os.Rename(tmpName, dest); err != nil {
		return fmt.Errorf("moving the OpenTofu binary into place: %w", err)
	}
	fmt.Fprintf(f.log, "OpenTofu %s is ready at %s.\n", OpenTofuVersion, dest)
	return nil
}

// buildOpenTofu downloads the OpenTofu module through the Go module proxy and
// builds its cmd/tofu into out.
func buildOpenTofu(ctx context.Context, out string, log io.Writer) error {
	env := append(os.Environ(), "GO111MODULE=on", "GOWORK=off", "GOFLAGS=-mod=mod")

	download := exec.CommandContext(ctx, "go", "mod", "download", "-json", openTofuModule+"@v"+OpenTofuVersion)
	download.Dir = filepath.Dir(out) // outside any module, so no go.mod is touched
	download.Env = env
	download.Stderr = log
	raw, err := download.Output()
	var mod struct{ Dir, Error string }
	if jerr := json.Unmarshal(raw, &mod); jerr == nil && mod.Error != "" {
		return fmt.Errorf("downloading %s: %s", openTofuModule, mod.Error)
	}
	if err != nil {
		return fmt.Errorf("downloading %s: %w", openTofuModule, err)
	}
	if mod.Dir == "" {
		return fmt.Errorf("downloading %s: go mod download reported no directory", openTofuModule)
	}

	build := exec.CommandContext(ctx, "go", "build",
		"-ldflags", "-s -w -X "+openTofuModule+"/version.dev=no",
		"-o", out, "./cmd/tofu")
	build.Dir = mod.Dir // read-only module cache; the output goes elsewhere
	build.Env = env
	build.Stdout = log
	build.Stderr = log
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/tofu: %w", err)
	}
	return nil
}

// WriteConfig writes a CLI configuration file to path. devOverrides maps a
// provider source address (such as "apikey-provider/apikey") to a directory
// holding a locally built provider binary; it may be empty. A file is always
// written, so TF_CLI_CONFIG_FILE never points at a missing file (a missing
// file makes the CLI print a warning that breaks version parsing).
func WriteConfig(path string, devOverrides map[string]string) error {
	var b strings.Builder
	b.WriteString("# Written by terraform-provider-apikey tooling.\n")
	if len(devOverrides) > 0 {
		b.WriteString("provider_installation {\n  dev_overrides {\n")
		for _, source := range slices.Sorted(maps.Keys(devOverrides)) {
			fmt.Fprintf(&b, "    %q = %q\n", source, filepath.ToSlash(devOverrides[source]))
		}
		b.WriteString("  }\n  direct {}\n}\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// Env returns the environment for running the CLI with the configuration
// file at configPath: the current environment plus TF_CLI_CONFIG_FILE,
// CHECKPOINT_DISABLE and TF_IN_AUTOMATION, and extra on top.
func Env(configPath string, extra ...string) []string {
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+configPath,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
	)
	return append(env, extra...)
}

// ModuleRoot returns the directory of the main module's go.mod, as reported
// by the go command run in the current directory.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the terraform-provider-apikey module; run from the repository")
	}
	return filepath.Dir(gomod), nil
}

// BuildProvider builds the provider from the module at root into dir, with
// main.version set to version, and returns the binary's path. The file name
// is the one the CLI looks for in a dev_overrides directory.
func BuildProvider(ctx context.Context, root, dir, version string) (string, error) {
	bin := filepath.Join(dir, exeName("terraform-provider-apikey"))
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version="+version, "-o", bin, ".")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building the provider: %w\n%s", err, out)
	}
	return bin, nil
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

func exeName(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}
