package acctest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

func TestUnsupported(t *testing.T) {
	tests := []struct {
		feature Feature
		flavour tfcli.Flavour
		version string
		want    []string // empty: supported
	}{
		{FeatureIdentity, tfcli.Terraform, "1.15.9", nil},
		{FeatureIdentity, tfcli.Terraform, "1.12.0", nil},
		{FeatureIdentity, tfcli.Terraform, "1.11.4", []string{"resource identity needs Terraform 1.12.0 or later", "this run uses Terraform 1.11.4"}},
		{FeatureIdentity, tfcli.OpenTofu, "1.12.6", nil},
		{FeatureIdentity, tfcli.OpenTofu, "1.11.2", []string{"needs OpenTofu 1.12.0 or later", "OpenTofu 1.11.2"}},
		{FeatureEphemeral, tfcli.Terraform, "1.10.0", nil},
		{FeatureEphemeral, tfcli.OpenTofu, "1.10.5", []string{"ephemeral resources needs OpenTofu 1.11.0"}},
		{FeatureListResources, tfcli.Terraform, "1.14.0", nil},
		{FeatureListResources, tfcli.Terraform, "1.13.4", []string{"needs Terraform 1.14.0 or later"}},
		{FeatureListResources, tfcli.OpenTofu, "1.12.6", []string{"list resources (query) is not available in OpenTofu", "OpenTofu 1.12.6", "Terraform has it from 1.14.0"}},
		{FeatureActions, tfcli.OpenTofu, "1.12.6", []string{"actions is not available in OpenTofu"}},
		{FeatureActions, tfcli.Terraform, "1.15.0-dev", nil},
		{Feature("telepathy"), tfcli.Terraform, "1.15.9", []string{"telepathy is not available in Terraform"}},
	}
	for _, tt := range tests {
		got := Unsupported(tt.feature, tt.flavour, tt.version)
		if (got == "") != (len(tt.want) == 0) {
			t.Errorf("Unsupported(%q, %s, %s) = %q, want supported = %t", tt.feature, tt.flavour, tt.version, got, len(tt.want) == 0)
		}
		for _, s := range tt.want {
			if !strings.Contains(got, s) {
				t.Errorf("Unsupported(%q, %s, %s) = %q, want it to mention %q", tt.feature, tt.flavour, tt.version, got, s)
			}
		}
	}
}

func TestFeatureTable(t *testing.T) {
	table := FeatureTable()
	seen := map[Feature]bool{}
	for _, row := range table {
		if seen[row.Feature] {
			t.Errorf("%q is listed twice", row.Feature)
		}
		seen[row.Feature] = true
		if row.Terraform == "" && row.OpenTofu == "" {
			t.Errorf("%q is supported by neither CLI", row.Feature)
		}
	}
	for _, f := range []Feature{FeatureIdentity, FeatureEphemeral, FeatureListResources, FeatureActions} {
		if !seen[f] {
			t.Errorf("%q is missing from the table", f)
		}
	}
	table[0].Terraform = "9.9.9"
	if FeatureTable()[0].Terraform == "9.9.9" {
		t.Error("FeatureTable returned the table itself, not a copy")
	}
}

func TestSkipUnlessCLI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fake binaries are shell scripts")
	}
	tests := []struct {
		name, version string
		features      []Feature
		wantSkip      bool
	}{
		{name: "tofu has identity", version: "OpenTofu v1.12.6", features: []Feature{FeatureIdentity, FeatureEphemeral}},
		{name: "tofu lacks list resources", version: "OpenTofu v1.12.6", features: []Feature{FeatureIdentity, FeatureListResources}, wantSkip: true},
		{name: "terraform has actions", version: "Terraform v1.15.9", features: []Feature{FeatureActions}},
		{name: "old terraform lacks identity", version: "Terraform v1.11.4", features: []Feature{FeatureIdentity}, wantSkip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "cli")
			if err := os.WriteFile(bin, []byte("#!/bin/sh\necho '"+tt.version+"'\n"), 0o755); err != nil { //nolint:gosec // test executable
				t.Fatal(err)
			}
			t.Setenv("TF_ACC", "1")
			t.Setenv(tfcli.EnvPath, bin)
			var skipped bool
			t.Run("inner", func(t *testing.T) {
				defer func() { skipped = t.Skipped() }()
				SkipUnlessCLI(t, tt.features...)
			})
			if skipped != tt.wantSkip {
				t.Errorf("skipped = %t, want %t", skipped, tt.wantSkip)
			}
		})
	}
	t.Run("without TF_ACC nothing happens", func(t *testing.T) {
		t.Setenv("TF_ACC", "")
		t.Setenv(tfcli.EnvPath, "")
		SkipUnlessCLI(t, FeatureActions)
	})
}
