// Package tfcli locates the Terraform or OpenTofu command-line tool that the
// acceptance tests, the demo and the documentation pipeline drive, and builds
// it from its Go module when none is installed.
//
// A caller asks for a Flavour: Terraform, OpenTofu, or Any. The search order is:
//
//  1. the binary named by TF_ACC_TERRAFORM_PATH, when that variable is set
//     (for Terraform or OpenTofu, only when it is that flavour);
//  2. terraform on PATH (Terraform, Any), 1.12.0 or later;
//  3. tofu on PATH (OpenTofu, Any), 1.12.0 or later;
//  4. the flavour built from source into the user cache directory
//     (os.UserCacheDir()/terraform-provider-apikey/<command>-<version>/<command>),
//     which is built on first use and reused afterwards; Any builds OpenTofu.
package tfcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// OpenTofuVersion is the OpenTofu release built when no OpenTofu is installed.
	OpenTofuVersion = "1.12.6"
	// TerraformVersion is the Terraform release built when no Terraform is installed.
	TerraformVersion = "1.15.9"

	// EnvPath names the environment variable that selects the CLI binary
	// explicitly. terraform-plugin-testing reads the same variable.
	EnvPath = "TF_ACC_TERRAFORM_PATH"

	// MinVersion is the oldest terraform or tofu found on PATH that is used:
	// resource identity (import by identity, identity in state) needs 1.12 in
	// both. An older one is skipped in favour of a build from source;
	// TF_ACC_TERRAFORM_PATH still selects any binary explicitly.
	MinVersion = "1.12.0"

	openTofuModule = "github.com/opentofu/opentofu"
	cacheDirName   = "terraform-provider-apikey"
)

// Flavour is which CLI a caller wants: Terraform, OpenTofu, or Any of them.
type Flavour string

const (
	// Any accepts Terraform or OpenTofu, preferring an installed Terraform
	// and building OpenTofu when neither is installed.
	Any       Flavour = ""
	Terraform Flavour = "terraform"
	OpenTofu  Flavour = "opentofu"
)

// ParseFlavour accepts "terraform", "tofu" or "opentofu", and "" or "any".
func ParseFlavour(s string) (Flavour, error) {
	switch strings.ToLower(s) {
	case "", "any":
		return Any, nil
	case "terraform":
		return Terraform, nil
	case "tofu", "opentofu":
		return OpenTofu, nil
	}
	return Any, fmt.Errorf("unknown CLI %q (want terraform, tofu or any)", s)
}

// String is the product name: "Terraform", "OpenTofu", or "terraform or tofu" for Any.
func (fl Flavour) String() string {
	switch fl {
	case Terraform:
		return "Terraform"
	case OpenTofu:
		return "OpenTofu"
	}
	return "terraform or tofu"
}

// command is the usual name of the flavour's binary.
func (fl Flavour) command() string {
	if fl == OpenTofu {
		return "tofu"
	}
	return "terraform"
}

// release is a CLI version that can be built from its Go module.
type release struct {
	version string
	build   func(ctx context.Context, out string, log io.Writer) error
}

var releases = map[Flavour]release{
	OpenTofu:  {version: OpenTofuVersion, build: buildOpenTofu},
	Terraform: {version: TerraformVersion, build: buildTerraform},
}

// buildable returns the flavour built for want: OpenTofu stands in for Any.
func buildable(want Flavour) Flavour {
	if want == Any {
		return OpenTofu
	}
	return want
}

// Find returns the path of a CLI binary of either flavour, building OpenTofu
// into the cache directory when neither TF_ACC_TERRAFORM_PATH, terraform nor
// tofu is available. Progress messages for a build are written to stderr.
func Find(ctx context.Context) (string, error) {
	return FindFlavour(ctx, Any)
}

// FindFlavour returns the path of a CLI binary of the given flavour:
// TF_ACC_TERRAFORM_PATH when it names that flavour, then the flavour's
// command on PATH when it is MinVersion or later, then the binary built from
// source into the cache directory, which is built now when missing.
func FindFlavour(ctx context.Context, fl Flavour) (string, error) {
	return defaultFinder(os.Stderr).find(ctx, fl)
}

// ErrNotInstalled is returned (wrapped, with what was found and skipped) by
// Lookup when no CLI is available without building one.
var ErrNotInstalled = errors.New("no usable CLI is installed")

// Lookup is Find without the build: it returns an error wrapping
// ErrNotInstalled when the cached OpenTofu binary would have to be built.
func Lookup() (string, error) {
	return LookupFlavour(Any)
}

// LookupFlavour is FindFlavour without the build.
func LookupFlavour(fl Flavour) (string, error) {
	f := defaultFinder(io.Discard)
	f.build = nil
	return f.find(context.Background(), fl)
}

// CachedPath returns where the OpenTofu binary built from source is kept.
func CachedPath() (string, error) {
	return CachedPathFor(OpenTofu)
}

// CachedPathFor returns where the binary of the flavour built from source is
// kept: <user cache>/terraform-provider-apikey/<command>-<version>/<command>.
func CachedPathFor(fl Flavour) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locating the user cache directory: %w", err)
	}
	return cachedPathIn(dir, fl), nil
}

func cachedPathIn(cacheDir string, fl Flavour) string {
	fl = buildable(fl)
	name := fl.command()
	return filepath.Join(cacheDir, cacheDirName, name+"-"+releases[fl].version, exeName(name))
}

var versionLine = regexp.MustCompile(`(?m)^(Terraform|OpenTofu) v(\d+\.\d+\.\d+\S*)`)

// Identify runs "<bin> version" and reports the CLI's flavour and version
// (such as OpenTofu, "1.12.6"). The CLI runs with a configuration that cannot
// produce warnings and without the update check.
func Identify(ctx context.Context, bin string) (Flavour, string, error) {
	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+os.DevNull, "CHECKPOINT_DISABLE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return Any, "", fmt.Errorf("running %s version: %w: %s", bin, err, bytes.TrimSpace(out))
	}
	return parseVersion(out)
}

func parseVersion(out []byte) (Flavour, string, error) {
	m := versionLine.FindSubmatch(out)
	if m == nil {
		return Any, "", fmt.Errorf("version printed neither Terraform nor OpenTofu: %q", firstLine(out))
	}
	if string(m[1]) == "OpenTofu" {
		return OpenTofu, string(m[2]), nil
	}
	return Terraform, string(m[2]), nil
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte("\n"))
	return string(line)
}

// IsOpenTofu reports whether bin is OpenTofu rather than Terraform, judged by
// the output of "<bin> version".
func IsOpenTofu(ctx context.Context, bin string) (bool, error) {
	fl, _, err := Identify(ctx, bin)
	return fl == OpenTofu, err
}

// finder holds the lookups Find depends on, so tests can replace them.
type finder struct {
	getenv   func(string) string
	lookPath func(string) (string, error)
	cacheDir func() (string, error)
	// build builds the flavour's release into dest; nil means never build.
	build    func(ctx context.Context, fl Flavour, dest string) error
	identify func(ctx context.Context, bin string) (Flavour, string, error)
	log      io.Writer
}

// atLeast compares dotted versions numerically ("1.12.6" >= "1.12.0"); a pre-release suffix is
// ignored.
func atLeast(version, floor string) bool {
	return CompareVersions(version, floor) >= 0
}

// CompareVersions returns -1, 0 or 1 as version a is older than, equal to or newer
// than b, comparing major, minor and patch numerically and ignoring a
// pre-release suffix.
func CompareVersions(a, b string) int {
	parse := func(s string) [3]int {
		var n [3]int
		s, _, _ = strings.Cut(strings.TrimPrefix(s, "v"), "-")
		for i, part := range strings.SplitN(s, ".", 3) {
			n[i], _ = strconv.Atoi(part)
		}
		return n
	}
	x, y := parse(a), parse(b)
	for i := range x {
		if x[i] != y[i] {
			if x[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func defaultFinder(log io.Writer) finder {
	return finder{
		getenv:   os.Getenv,
		lookPath: exec.LookPath,
		cacheDir: os.UserCacheDir,
		identify: Identify,
		build: func(ctx context.Context, fl Flavour, dest string) error {
			return releases[fl].build(ctx, dest, log)
		},
		log: log,
	}
}

// notInstalledError says which flavour was wanted and why each candidate
// found was not used.
type notInstalledError struct {
	want    Flavour
	skipped []string
}

func (e *notInstalledError) Error() string {
	found := "none was found on PATH"
	if len(e.skipped) > 0 {
		found = "skipped " + strings.Join(e.skipped, "; ")
	}
	b := buildable(e.want)
	return fmt.Sprintf("no %s %s or later is installed (%s), and %s %s has not been built yet",
		e.want, MinVersion, found, b, releases[b].version)
}

func (e *notInstalledError) Unwrap() error { return ErrNotInstalled }

func (f finder) find(ctx context.Context, want Flavour) (string, error) {
	var skipped []string
	skip := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		skipped = append(skipped, msg)
		fmt.Fprintf(f.log, "Skipping %s.\n", msg)
	}
	if p := f.getenv(EnvPath); p != "" {
		info, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvPath, p, err)
		}
		if info.IsDir() {
			return "", fmt.Errorf("%s=%s is a directory, not a binary", EnvPath, p)
		}
		abs, err := filepath.Abs(p)
		if err != nil || want == Any {
			return abs, err
		}
		// Asked for one flavour, the variable may name the other.
		switch fl, v, err := f.identify(ctx, abs); {
		case err != nil:
			return "", fmt.Errorf("%s=%s: %w", EnvPath, p, err)
		case fl != want:
			skip("%s=%s: it is %s %s, not %s", EnvPath, p, fl, v, want)
		default:
			return abs, nil
		}
	}
	candidates := []Flavour{want}
	if want == Any {
		candidates = []Flavour{Terraform, OpenTofu}
	}
	for _, fl := range candidates {
		p, err := f.lookPath(fl.command())
		if err != nil {
			continue
		}
		got, v, err := f.identify(ctx, p)
		switch {
		case err != nil:
			skip("%s: %v", p, err)
		case want != Any && got != want:
			skip("%s: it is %s %s, not %s", p, got, v, want)
		case !atLeast(v, MinVersion):
			skip("%s: %s %s is older than %s, which resource identity needs", p, got, v, MinVersion)
		default:
			return filepath.Abs(p)
		}
	}

	cacheDir, err := f.cacheDir()
	if err != nil {
		return "", fmt.Errorf("locating the user cache directory: %w", err)
	}
	cached := []Flavour{want}
	if want == Any {
		cached = []Flavour{OpenTofu, Terraform}
	}
	for _, fl := range cached {
		if dest := cachedPathIn(cacheDir, fl); isFile(dest) {
			return dest, nil
		}
	}
	if f.build == nil {
		return "", &notInstalledError{want: want, skipped: skipped}
	}
	dest := cachedPathIn(cacheDir, want)
	if err := f.buildOnce(ctx, want, dest); err != nil {
		return "", err
	}
	return dest, nil
}

// buildOnce builds the cached binary unless it exists. A lock file next to
// the binary makes concurrent callers (parallel test packages, make targets)
// wait for one build instead of starting several. The binary is built under
// a temporary name and renamed into place, so a half-written file is never
// seen at dest.
func (f finder) buildOnce(ctx context.Context, want Flavour, dest string) error {
	fl := buildable(want)
	name := fmt.Sprintf("%s %s", fl, releases[fl].version)
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the cache directory: %w", err)
	}
	fmt.Fprintf(f.log, "No %s %s or later was found (PATH, %s).\n", want, MinVersion, EnvPath)
	fmt.Fprintf(f.log, "Building %s from source into %s.\n", name, dest)
	fmt.Fprintln(f.log, "This takes several minutes once; the binary is reused afterwards.")

	unlock, err := lock(ctx, dest+".lock", fl.String(), f.log)
	if err != nil {
		return err
	}
	defer unlock()

	if isFile(dest) { // another process finished the build while we waited
		return nil
	}
	tmp, err := os.CreateTemp(dir, "."+fl.command()+"-build-*")
	if err != nil {
		return fmt.Errorf("creating a temporary file in the cache directory: %w", err)
	}
	tmpName := tmp.Name()
	_ = tmp.Close()
	defer os.Remove(tmpName) // no-op after a successful rename

	start := time.Now()
	if err := f.build(ctx, fl, tmpName); err != nil {
		return fmt.Errorf("building %s: %w", name, err)
	}
	if err := os.Chmod(tmpName, 0o755); err != nil { //nolint:gosec // an executable must be executable
		return fmt.Errorf("making the %s binary executable: %w", fl, err)
	}
	if err := os.Rename(tmpName, dest); err != nil {
		return fmt.Errorf("moving the %s binary into place: %w", fl, err)
	}
	fmt.Fprintf(f.log, "%s is ready at %s (built in %s).\n", name, dest, time.Since(start).Round(time.Second))
	return nil
}

// buildOpenTofu downloads the OpenTofu module through the Go module proxy and
// builds its cmd/tofu into out.
func buildOpenTofu(ctx context.Context, out string, log io.Writer) error {
	env := buildEnv()
	mod, err := downloadModule(ctx, openTofuModule, OpenTofuVersion, filepath.Dir(out), env, log)
	if err != nil {
		return err
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
