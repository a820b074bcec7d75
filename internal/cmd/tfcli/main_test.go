package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRekey(t *testing.T) {
	for _, addr := range []string{
		"registry.terraform.io/apikey-provider/apikey",
		"registry.opentofu.org/apikey-provider/apikey",
	} {
		raw := `{"format_version":"1.0","provider_schemas":{"` + addr + `":{"provider":{"version":0}}}}`
		out, err := rekey([]byte(raw))
		if err != nil {
			t.Fatalf("rekey(%s): %v", addr, err)
		}
		var doc struct {
			FormatVersion   string                     `json:"format_version"`
			ProviderSchemas map[string]json.RawMessage `json:"provider_schemas"`
		}
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		if _, ok := doc.ProviderSchemas["apikey"]; !ok || len(doc.ProviderSchemas) != 1 || doc.FormatVersion != "1.0" {
			t.Errorf("rekey(%s) = %s, want the schema keyed \"apikey\" only", addr, out)
		}
	}
	if _, err := rekey([]byte(`{"provider_schemas":{"registry.terraform.io/hashicorp/random":{}}}`)); err == nil ||
		!strings.Contains(err.Error(), "apikey") {
		t.Errorf("rekey without the apikey provider: error = %v", err)
	}
}

func TestRunArguments(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{args: []string{"-cli", "pulumi"}, want: `unknown CLI "pulumi"`},
		{args: []string{"frobnicate"}, want: `unknown argument "frobnicate"`},
		{args: []string{"-no-such-flag"}, want: "flag provided but not defined"},
	} {
		err := run(t.Context(), tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) error = %v, want one containing %q", tt.args, err, tt.want)
		}
	}
}
