package releasecheck

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
)

// config is the part of the GoReleaser v2 schema this repository uses.
// Decoding with KnownFields rejects any other key, including typos.
type config struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Before      struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		Env          []string `yaml:"env"`
		ModTimestamp string   `yaml:"mod_timestamp"`
		Flags        []string `yaml:"flags"`
		Ldflags      []string `yaml:"ldflags"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
		Ignore       []struct {
			Goos   string `yaml:"goos"`
			Goarch string `yaml:"goarch"`
		} `yaml:"ignore"`
		Binary string `yaml:"binary"`
	} `yaml:"builds"`
	Archives []struct {
		Formats      []string `yaml:"formats"`
		NameTemplate string   `yaml:"name_template"`
	} `yaml:"archives"`
	Checksum struct {
		ExtraFiles   []extraFile `yaml:"extra_files"`
		NameTemplate string      `yaml:"name_template"`
		Algorithm    string      `yaml:"algorithm"`
	} `yaml:"checksum"`
	Signs []struct {
		Artifacts string   `yaml:"artifacts"`
		Args      []string `yaml:"args"`
	} `yaml:"signs"`
	Release struct {
		ExtraFiles []extraFile `yaml:"extra_files"`
	} `yaml:"release"`
	Changelog struct {
		Disable bool `yaml:"disable"`
	} `yaml:"changelog"`
}

type extraFile struct {
	Glob         string `yaml:"glob"`
	NameTemplate string `yaml:"name_template"`
}

const projectName = "terraform-provider-apikey"

func load(t *testing.T) config {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var c config
	if err := dec.Decode(&c); err != nil {
		t.Fatalf(".goreleaser.yml: %v", err)
	}
	return c
}

// render executes a GoReleaser name template with sample values.
func render(t *testing.T, tmpl string) string {
	t.Helper()
	tp, err := template.New("").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		t.Fatalf("template %q: %v", tmpl, err)
	}
	var b strings.Builder
	data := map[string]any{
		"ProjectName": projectName, "Version": "1.2.3", "Os": "linux", "Arch": "amd64",
		"CommitTimestamp": "1700000000", "Env": map[string]string{"GPG_FINGERPRINT": "ABCD"},
	}
	if err := tp.Execute(&b, data); err != nil {
		t.Fatalf("template %q: %v", tmpl, err)
	}
	return b.String()
}

func TestReleaseConfig(t *testing.T) {
	c := load(t)
	if c.Version != 2 {
		t.Errorf("version = %d, want 2 (GoReleaser v2)", c.Version)
	}
	// Without it a snapshot is named after the directory (main_...).
	if c.ProjectName != projectName {
		t.Errorf("project_name = %q, want %q", c.ProjectName, projectName)
	}
	if len(c.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(c.Builds))
	}
	b := c.Builds[0]
	if got, want := render(t, b.Binary), projectName+"_v1.2.3"; got != want {
		t.Errorf("binary renders as %q, want %q (the registry's naming)", got, want)
	}
	if !slices.ContainsFunc(b.Ldflags, func(f string) bool { return strings.Contains(render(t, f), "-X main.version=1.2.3") }) {
		t.Errorf("ldflags %q do not set main.version", b.Ldflags)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("env %q: the registry needs static binaries (CGO_ENABLED=0)", b.Env)
	}
	for _, want := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(b.Goos, want) {
			t.Errorf("goos %q lacks %s", b.Goos, want)
		}
	}
	if len(c.Archives) != 1 || !slices.Equal(c.Archives[0].Formats, []string{"zip"}) {
		t.Errorf("archives = %+v, want one zip archive", c.Archives)
	} else if got, want := render(t, c.Archives[0].NameTemplate), projectName+"_1.2.3_linux_amd64"; got != want {
		t.Errorf("archive name renders as %q, want %q", got, want)
	}
	if got, want := render(t, c.Checksum.NameTemplate), projectName+"_1.2.3_SHA256SUMS"; got != want || c.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum = %q (%s), want %q (sha256)", got, c.Checksum.Algorithm, want)
	}
	if len(c.Signs) != 1 || c.Signs[0].Artifacts != "checksum" {
		t.Errorf("signs = %+v, want the checksum file signed", c.Signs)
	}
}

// The registry manifest must be both listed in the checksums and attached to
// the release, under the registry's name.
func TestReleaseManifest(t *testing.T) {
	c := load(t)
	for name, files := range map[string][]extraFile{"checksum": c.Checksum.ExtraFiles, "release": c.Release.ExtraFiles} {
		if len(files) != 1 {
			t.Errorf("%s.extra_files = %+v, want the manifest only", name, files)
			continue
		}
		f := files[0]
		if got, want := render(t, f.NameTemplate), projectName+"_1.2.3_manifest.json"; got != want {
			t.Errorf("%s manifest name renders as %q, want %q", name, got, want)
		}
		matches, err := filepath.Glob(filepath.Join("..", "..", f.Glob))
		if err != nil || len(matches) != 1 {
			t.Errorf("%s manifest glob %q matches %q, want one file", name, f.Glob, matches)
		}
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "terraform-registry-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"protocol_versions": ["6.0"]`) {
		t.Errorf("terraform-registry-manifest.json does not declare protocol 6.0:\n%s", raw)
	}
}
