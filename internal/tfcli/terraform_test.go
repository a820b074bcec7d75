package tfcli

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const testGoMod = `module example.com/cli

go 1.25

require (
	example.com/dep v1.0.0
	example.com/cli/internal/kept v0.0.0-00010101000000-000000000000
	example.com/cli/internal/gone v0.0.0-00010101000000-000000000000 // nested
	example.com/cli/internal/alsogone v0.0.0-00010101000000-000000000000
)

require example.com/cli/internal/single v0.0.0

require (
	example.com/indirect v1.2.3 // indirect
)

replace example.com/cli/internal/kept => ./internal/kept

replace example.com/cli/internal/gone => ./internal/gone

replace (
	example.com/cli/internal/alsogone => ./internal/alsogone
	example.com/other => example.com/fork v1.0.0
)

replace example.com/cli/internal/single => ../single

tool example.com/tool
`

func TestMissingLocalReplaces(t *testing.T) {
	tests := []struct {
		name    string
		present []string
		want    []string
	}{
		{name: "all present", present: []string{"./internal/kept", "./internal/gone", "./internal/alsogone", "../single"}},
		{name: "some missing", present: []string{"./internal/kept"}, want: []string{
			"example.com/cli/internal/gone", "example.com/cli/internal/alsogone", "example.com/cli/internal/single",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := missingLocalReplaces([]byte(testGoMod), func(rel string) bool { return slices.Contains(tt.present, rel) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("missingLocalReplaces() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDropModules(t *testing.T) {
	got := string(dropModules([]byte(testGoMod), []string{"example.com/cli/internal/gone", "example.com/cli/internal/alsogone", "example.com/cli/internal/single"}))
	for _, gone := range []string{"internal/gone", "internal/alsogone", "internal/single", "../single"} {
		if strings.Contains(got, gone) {
			t.Errorf("dropModules left %q in:\n%s", gone, got)
		}
	}
	for _, kept := range []string{
		"module example.com/cli", "go 1.25", "\texample.com/dep v1.0.0",
		"example.com/cli/internal/kept v0.0.0", "replace example.com/cli/internal/kept => ./internal/kept",
		"example.com/indirect v1.2.3 // indirect", "\texample.com/other => example.com/fork v1.0.0", "tool example.com/tool",
	} {
		if !strings.Contains(got, kept) {
			t.Errorf("dropModules lost %q:\n%s", kept, got)
		}
	}
	if strings.Count(got, "(") != strings.Count(got, ")") {
		t.Errorf("unbalanced blocks:\n%s", got)
	}
	if same := string(dropModules([]byte(testGoMod), nil)); same != testGoMod {
		t.Errorf("dropModules(nil) changed the file:\n%s", same)
	}
}

const testInit = `package init

import (
	"sync"

	"example.com/cli/internal/backend"
	backendLocal "example.com/cli/internal/backend/local"
	backendGone "example.com/cli/internal/gone"
	backendGoneSub "example.com/cli/internal/gone/sub"
	"example.com/cli/internal/alsogone"
	_ "example.com/cli/internal/alsogone/register"
	backendGoneish "example.com/cli/internal/goneish"
)

var mu sync.Mutex

func Init() map[string]backend.InitFn {
	return map[string]backend.InitFn{
		"local":   func() backend.Backend { return backendLocal.New() },
		"gone":    func() backend.Backend { return backendGone.New() },
		"sub":     func() backend.Backend { return backendGoneSub.New() },
		"also":    func() backend.Backend { return alsogone.New() },
		"goneish": func() backend.Backend { return backendGoneish.New() },
	}
}
`

func TestDropImports(t *testing.T) {
	out, names, err := dropImports([]byte(testInit), []string{"example.com/cli/internal/gone", "example.com/cli/internal/alsogone"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"backendGone", "backendGoneSub", "alsogone"}; !slices.Equal(names, want) {
		t.Errorf("dropped %q, want %q", names, want)
	}
	got := string(out)
	for _, gone := range []string{`"gone"`, `"sub"`, `"also"`, "internal/gone\"", "gone/sub", "alsogone"} {
		if strings.Contains(got, gone) {
			t.Errorf("dropImports left %q in:\n%s", gone, got)
		}
	}
	// A module whose path merely starts with a dropped one's is kept.
	for _, kept := range []string{`"sync"`, "backendLocal.New()", `"example.com/cli/internal/goneish"`, "backendGoneish.New()", "var mu sync.Mutex"} {
		if !strings.Contains(got, kept) {
			t.Errorf("dropImports lost %q:\n%s", kept, got)
		}
	}
}

func TestDropImportsErrors(t *testing.T) {
	tests := []struct {
		name, src string
		modules   []string
		want      string
	}{
		{name: "nothing to drop", src: testInit, modules: []string{"example.com/absent"}, want: "no import"},
		{name: "a use outside a map entry", src: testInit + "\nfunc f() { backendGone.Use(); }\n", modules: []string{"example.com/cli/internal/gone"}, want: "not a one-line map entry"},
		{name: "a use spanning lines breaks the source", src: strings.Replace(testInit,
			`"gone":    func() backend.Backend { return backendGone.New() },`,
			"\"gone\": func() backend.Backend {\n\t\t\treturn backendGone.New()\n\t\t},", 1),
			modules: []string{"example.com/cli/internal/gone"}, want: "not a one-line map entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := dropImports([]byte(tt.src), tt.modules); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("dropImports() error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// writeZip writes a module zip with the given files under prefix/.
func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestExtractAndPatch(t *testing.T) {
	const prefix = "example.com/cli@v1.0.0"
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "m.zip")
	writeZip(t, zipPath, map[string]string{
		prefix + "/go.mod":                          testGoMod,
		prefix + "/" + terraformBackendInit:         testInit,
		prefix + "/internal/kept/go.mod":            "module example.com/cli/internal/kept\n",
		prefix + "/internal/alsogone/register/x.go": "package register\n",
	})
	src := filepath.Join(dir, "src")
	if err := extractModule(zipPath, prefix, src); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if err := patchTerraform(src, &log); err != nil {
		t.Fatal(err)
	}
	gomod, _ := os.ReadFile(filepath.Join(src, "go.mod"))
	init, _ := os.ReadFile(filepath.Join(src, filepath.FromSlash(terraformBackendInit)))
	if strings.Contains(string(gomod), "internal/gone") || !strings.Contains(string(gomod), "internal/kept") {
		t.Errorf("patched go.mod:\n%s", gomod)
	}
	if strings.Contains(string(init), "backendGone.New") || !strings.Contains(string(init), "backendLocal.New") {
		t.Errorf("patched init.go:\n%s", init)
	}
	if !strings.Contains(log.String(), "example.com/cli/internal/gone") {
		t.Errorf("log %q does not name the modules left out", log.String())
	}
}

func TestExtractModuleRejectsEscapes(t *testing.T) {
	for _, name := range []string{"other@v1.0.0/go.mod", "example.com/cli@v1.0.0/../../evil"} {
		dir := t.TempDir()
		zipPath := filepath.Join(dir, "m.zip")
		writeZip(t, zipPath, map[string]string{name: "x"})
		if err := extractModule(zipPath, "example.com/cli@v1.0.0", filepath.Join(dir, "src")); err == nil {
			t.Errorf("extractModule accepted the entry %q", name)
		}
	}
}
