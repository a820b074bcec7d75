package tfcli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const (
	terraformModule = "github.com/hashicorp/terraform"
	// terraformBackendInit is the file that links every state backend into
	// the binary, relative to the module root.
	terraformBackendInit = "internal/backend/init/init.go"
)

// buildTerraform builds Terraform's main package from its Go module into out.
//
// The module as published on the proxy lacks the nested modules that
// Terraform's go.mod points at with local replace directives (most remote
// state backends), so a plain "go build" fails. The module is therefore
// extracted from the module cache's zip into a build directory next to out,
// its go.mod loses those modules and its backend registry loses the backends
// that import them, and that tree is built. (The go command refuses an
// -overlay for files inside the module cache, so the edit cannot be made in
// place.) The module cache is only read.
func buildTerraform(ctx context.Context, out string, log io.Writer) error {
	env := buildEnv()
	mod, err := downloadModule(ctx, terraformModule, TerraformVersion, filepath.Dir(out), env, log)
	if err != nil {
		return err
	}
	src, err := os.MkdirTemp(filepath.Dir(out), ".terraform-src-")
	if err != nil {
		return fmt.Errorf("creating a build directory: %w", err)
	}
	defer os.RemoveAll(src)
	if err := extractModule(mod.Zip, terraformModule+"@v"+TerraformVersion, src); err != nil {
		return err
	}
	if err := patchTerraform(src, log); err != nil {
		return err
	}

	// version.dev=no drops the "-dev" suffix Terraform reports otherwise.
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X "+terraformModule+"/version.dev=no",
		"-o", out, ".")
	build.Dir = src
	build.Env = env
	build.Stdout = log
	build.Stderr = log
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", terraformModule, err)
	}
	return nil
}

// patchTerraform edits the extracted module at dir so that it builds without
// the nested modules the published module lacks.
func patchTerraform(dir string, log io.Writer) error {
	modPath := filepath.Join(dir, "go.mod")
	gomod, err := os.ReadFile(modPath)
	if err != nil {
		return err
	}
	missing := missingLocalReplaces(gomod, func(rel string) bool {
		return isFile(filepath.Join(dir, filepath.FromSlash(rel), "go.mod"))
	})
	if len(missing) == 0 {
		return nil
	}
	fmt.Fprintf(log, "Leaving out nested modules missing from the published module: %s.\n", strings.Join(missing, ", "))

	initPath := filepath.Join(dir, filepath.FromSlash(terraformBackendInit))
	initSrc, err := os.ReadFile(initPath)
	if err != nil {
		return err
	}
	editedInit, _, err := dropImports(initSrc, missing)
	if err != nil {
		return fmt.Errorf("editing %s: %w", terraformBackendInit, err)
	}
	if err := os.WriteFile(modPath, dropModules(gomod, missing), 0o600); err != nil {
		return err
	}
	return os.WriteFile(initPath, editedInit, 0o600)
}

// extractModule writes the files of a module zip (whose entries all start
// with "<module>@<version>/") into dest.
func extractModule(zipPath, prefix, dest string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("opening the module zip: %w", err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rel, ok := strings.CutPrefix(f.Name, prefix+"/")
		if !ok || !filepath.IsLocal(rel) {
			return fmt.Errorf("module zip entry %q is outside %s", f.Name, prefix)
		}
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if err := extractFile(f, filepath.Join(dest, filepath.FromSlash(rel))); err != nil {
			return err
		}
	}
	return nil
}

func extractFile(f *zip.File, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644) //nolint:gosec // source files, not secrets
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil { //nolint:gosec // a module zip verified by the go command
		_ = w.Close()
		return err
	}
	return w.Close()
}

func buildEnv() []string {
	return append(os.Environ(), "GO111MODULE=on", "GOWORK=off", "GOFLAGS=-mod=mod")
}

// downloadModule fetches module@v<version> through the Go module proxy and
// returns its directory in the module cache. It runs in dir, outside any
// module, so no go.mod is touched.
func downloadModule(ctx context.Context, module, version, dir string, env []string, log io.Writer) (downloaded, error) {
	download := exec.CommandContext(ctx, "go", "mod", "download", "-json", module+"@v"+version)
	download.Dir = dir
	download.Env = env
	download.Stderr = log
	raw, err := download.Output()
	var mod struct {
		downloaded
		Error string
	}
	if jerr := json.Unmarshal(raw, &mod); jerr == nil && mod.Error != "" {
		return downloaded{}, fmt.Errorf("downloading %s: %s", module, mod.Error)
	}
	if err != nil {
		return downloaded{}, fmt.Errorf("downloading %s: %w", module, err)
	}
	if mod.Dir == "" || mod.Zip == "" {
		return downloaded{}, fmt.Errorf("downloading %s: go mod download reported no directory", module)
	}
	return mod.downloaded, nil
}

// downloaded is where "go mod download -json" put a module.
type downloaded struct {
	Dir string // the extracted module, read-only
	Zip string // the module zip
}

// directive splits a go.mod line into its verb ("require", "replace", or ""
// inside a block) and the rest, without comments.
func directive(line string) (verb, rest string) {
	line, _, _ = strings.Cut(line, "//")
	line = strings.TrimSpace(line)
	for _, v := range []string{"require", "replace"} {
		if r, ok := strings.CutPrefix(line, v); ok && (r == "" || r[0] == ' ' || r[0] == '\t' || r[0] == '(') {
			return v, strings.TrimSpace(r)
		}
	}
	return "", line
}

// goModLines calls fn for each require or replace entry of a go.mod file,
// with the line index, the directive and the entry's fields; entries inside
// "require (" and "replace (" blocks are reported with their block's verb.
func goModLines(gomod []byte, fn func(i int, verb string, fields []string)) {
	block := ""
	for i, line := range strings.Split(string(gomod), "\n") {
		verb, rest := directive(line)
		switch {
		case block != "" && rest == ")":
			block = ""
		case block != "":
			if f := strings.Fields(rest); len(f) > 0 {
				fn(i, block, f)
			}
		case verb != "" && rest == "(":
			block = verb
		case verb != "":
			fn(i, verb, strings.Fields(rest))
		}
	}
}

// missingLocalReplaces returns the module paths that go.mod replaces with a
// relative directory for which exists reports false, in file order.
func missingLocalReplaces(gomod []byte, exists func(rel string) bool) []string {
	var missing []string
	goModLines(gomod, func(_ int, verb string, f []string) {
		arrow := slices.Index(f, "=>")
		if verb != "replace" || arrow < 1 || arrow+1 >= len(f) {
			return
		}
		target := f[arrow+1]
		if !strings.HasPrefix(target, "./") && !strings.HasPrefix(target, "../") {
			return
		}
		if !exists(target) && !slices.Contains(missing, f[0]) {
			missing = append(missing, f[0])
		}
	})
	return missing
}

// dropModules returns gomod without the require and replace entries of the
// given module paths. Every other line is kept as it is.
func dropModules(gomod []byte, modules []string) []byte {
	drop := map[int]bool{}
	goModLines(gomod, func(i int, _ string, f []string) {
		if slices.Contains(modules, f[0]) {
			drop[i] = true
		}
	})
	var b strings.Builder
	for i, line := range strings.Split(string(gomod), "\n") {
		if drop[i] {
			continue
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return []byte(strings.TrimPrefix(b.String(), "\n"))
}

var importLine = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)?\s*("[^"]+")\s*(//.*)?$`)

// dropImports returns Go source without the imports of packages inside the
// given modules and without every line that uses such an import, each of
// which must be a one-line map entry (in Terraform's backend registry, one
// entry per backend). It reports the names of the dropped imports and fails
// when a use has another form or the result does not parse.
func dropImports(src []byte, modules []string) ([]byte, []string, error) {
	lines := strings.Split(string(src), "\n")
	var names []string
	drop := map[int]bool{}
	inImports := false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case !inImports && trimmed == "import (":
			inImports = true
			continue
		case inImports && trimmed == ")":
			inImports = false
			continue
		case !inImports:
			continue
		}
		m := importLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		path, err := strconv.Unquote(m[2])
		if err != nil {
			continue
		}
		if !slices.ContainsFunc(modules, func(mod string) bool { return path == mod || strings.HasPrefix(path, mod+"/") }) {
			continue
		}
		name := m[1]
		if name == "" {
			name = path[strings.LastIndex(path, "/")+1:]
		}
		if name == "_" {
			drop[i] = true
			continue
		}
		names = append(names, name)
		drop[i] = true
	}
	if len(names) > 0 {
		var quoted []string
		for _, n := range names {
			quoted = append(quoted, regexp.QuoteMeta(n))
		}
		uses := regexp.MustCompile(`\b(` + strings.Join(quoted, "|") + `)\.`)
		inImports = false
		for i, line := range lines {
			trimmed := strings.TrimSpace(line)
			if trimmed == "import (" {
				inImports = true
			} else if inImports && trimmed == ")" {
				inImports = false
			} else if !inImports && uses.MatchString(line) {
				if !isMapEntry(line) {
					return nil, nil, fmt.Errorf("line %d uses a left-out import but is not a one-line map entry: %s", i+1, trimmed)
				}
				drop[i] = true
			}
		}
	}
	var kept []string
	for i, line := range lines {
		if !drop[i] {
			kept = append(kept, line)
		}
	}
	out := []byte(strings.Join(kept, "\n"))
	if _, err := parser.ParseFile(token.NewFileSet(), "init.go", out, parser.SkipObjectResolution); err != nil {
		return nil, nil, fmt.Errorf("the edited source does not parse: %w", err)
	}
	if bytes.Equal(out, src) && len(modules) > 0 {
		return nil, nil, errors.New("no import of the left-out modules was found")
	}
	return out, names, nil
}

var mapEntry = regexp.MustCompile(`^\s*"[^"]*"\s*:.*,\s*(//.*)?$`)

// isMapEntry reports whether line is a whole `"key": value,` entry.
func isMapEntry(line string) bool {
	return mapEntry.MatchString(line) &&
		strings.Count(line, "{") == strings.Count(line, "}") &&
		strings.Count(line, "(") == strings.Count(line, ")")
}
