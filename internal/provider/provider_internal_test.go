package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/unkey"
)

func providerSchema(t *testing.T) provider.SchemaResponse {
	t.Helper()
	var resp provider.SchemaResponse
	New("test")().Schema(context.Background(), provider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return resp
}

// providerConfig builds the provider block from tftypes values; attributes left out are null.
func providerConfig(t *testing.T, vals map[string]tftypes.Value) tfsdk.Config {
	t.Helper()
	s := providerSchema(t).Schema
	typ := s.Type().TerraformType(context.Background()).(tftypes.Object)
	all := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := vals[name]; ok {
			all[name] = v
		} else {
			all[name] = tftypes.NewValue(at, nil)
		}
	}
	return tfsdk.Config{Schema: s, Raw: tftypes.NewValue(typ, all)}
}

func backendBlock(t *testing.T, name string, attrs map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	typ := providerSchema(t).Schema.Type().TerraformType(context.Background()).(tftypes.Object).AttributeTypes[name].(tftypes.Object)
	all := map[string]tftypes.Value{}
	for a, at := range typ.AttributeTypes {
		if v, ok := attrs[a]; ok {
			all[a] = v
		} else {
			all[a] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(typ, all)
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func unknownStr() tftypes.Value { return tftypes.NewValue(tftypes.String, tftypes.UnknownValue) }

func errorPaths(diags diag.Diagnostics) []string {
	var out []string
	for _, d := range diags.Errors() {
		out = append(out, diagPath(d))
	}
	return out
}

func TestConfigure(t *testing.T) {
	t.Setenv("UNKEY_ROOT_KEY", "")
	t.Setenv("MIXPEEK_API_KEY", "")
	cases := []struct {
		name     string
		vals     map[string]tftypes.Value
		deferral bool
		// wantErrAt lists the attribute paths of the expected errors; empty means success.
		wantErrAt    []string
		wantDeferred bool
		// wantOK lists the services configured, wantMissing those reported unconfigured.
		wantOK, wantMissing []string
	}{
		{name: "no backend", wantMissing: []string{"unkey", "mixpeek"}},
		{
			name:   "both backends",
			vals:   map[string]tftypes.Value{"unkey": backendBlock(t, "unkey", map[string]tftypes.Value{"root_key": str("rk"), "endpoint": str("http://127.0.0.1:1")}), "mixpeek": backendBlock(t, "mixpeek", map[string]tftypes.Value{"api_key": str("mk")})},
			wantOK: []string{"unkey", "mixpeek"},
		},
		{
			name:   "mixpeek only",
			vals:   map[string]tftypes.Value{"mixpeek": backendBlock(t, "mixpeek", map[string]tftypes.Value{"api_key": str("mk")}), "request_timeout": str("3s"), "max_retries": tftypes.NewValue(tftypes.Number, 0)},
			wantOK: []string{"mixpeek"}, wantMissing: []string{"unkey"},
		},
		{
			name:      "unknown credential without deferral",
			vals:      map[string]tftypes.Value{"unkey": backendBlock(t, "unkey", map[string]tftypes.Value{"root_key": unknownStr()})},
			wantErrAt: []string{"unkey.root_key"},
		},
		{
			name:      "unknown block and setting",
			vals:      map[string]tftypes.Value{"mixpeek": tftypes.NewValue(providerSchema(t).Schema.Type().TerraformType(context.Background()).(tftypes.Object).AttributeTypes["mixpeek"], tftypes.UnknownValue), "request_timeout": unknownStr()},
			wantErrAt: []string{"mixpeek", "request_timeout"},
		},
		{
			name:         "unknown endpoint with deferral",
			vals:         map[string]tftypes.Value{"mixpeek": backendBlock(t, "mixpeek", map[string]tftypes.Value{"api_key": str("mk"), "endpoint": unknownStr()})},
			deferral:     true,
			wantDeferred: true,
		},
		{
			name:      "invalid endpoint",
			vals:      map[string]tftypes.Value{"unkey": backendBlock(t, "unkey", map[string]tftypes.Value{"root_key": str("rk"), "endpoint": str("https://api.unkey.com/v2")})},
			wantErrAt: []string{"unkey.endpoint"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewWithClock("test", time.Now)()
			req := provider.ConfigureRequest{Config: providerConfig(t, tc.vals), TerraformVersion: "1.12.6"}
			req.ClientCapabilities.DeferralAllowed = tc.deferral
			var resp provider.ConfigureResponse
			p.Configure(context.Background(), req, &resp)
			if tc.wantDeferred {
				if resp.Deferred == nil || resp.Deferred.Reason != provider.DeferredReasonProviderConfigUnknown || resp.Diagnostics.HasError() {
					t.Fatalf("deferred %v, diagnostics %v", resp.Deferred, resp.Diagnostics)
				}
				return
			}
			if len(tc.wantErrAt) > 0 {
				got := strings.Join(errorPaths(resp.Diagnostics), ",")
				for _, want := range tc.wantErrAt {
					if !strings.Contains(","+got+",", ","+want+",") {
						t.Errorf("errors at %q, want one at %q: %v", got, want, resp.Diagnostics)
					}
				}
				return
			}
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			data, ok := resp.ResourceData.(*backend.Data)
			if !ok || resp.DataSourceData != resp.ResourceData || resp.EphemeralResourceData != resp.ResourceData {
				t.Fatalf("provider data %T", resp.ResourceData)
			}
			for _, name := range tc.wantOK {
				var ok bool
				switch name {
				case unkey.ServiceName:
					s, diags := backend.Lookup[*unkey.Backend](data, name)
					ok = !diags.HasError() && s.OK()
				case mixpeek.ServiceName:
					s, diags := backend.Lookup[*mixpeek.Backend](data, name)
					ok = !diags.HasError() && s.OK()
				}
				if !ok {
					t.Errorf("%s is not configured", name)
				}
			}
			for _, name := range tc.wantMissing {
				s, _ := backend.Lookup[any](data, name)
				var diags diag.Diagnostics
				if s.Require(&diags, "apikey_"+name+"_key") || !strings.Contains(diags.Errors()[0].Detail(), "_API_KEY") && !strings.Contains(diags.Errors()[0].Detail(), "UNKEY_ROOT_KEY") {
					t.Errorf("%s: %v, want the error saying what to set", name, diags)
				}
			}
		})
	}
}

func TestProviderRegistrations(t *testing.T) {
	p := New("1.0.0")()
	var meta provider.MetadataResponse
	p.Metadata(context.Background(), provider.MetadataRequest{}, &meta)
	if meta.TypeName != "apikey" || meta.Version != "1.0.0" {
		t.Errorf("metadata %+v", meta)
	}
	if diags := providerSchema(t).Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
	names := map[string]bool{}
	for _, f := range p.Resources(context.Background()) {
		var resp resource.MetadataResponse
		f().Metadata(context.Background(), resource.MetadataRequest{ProviderTypeName: "apikey"}, &resp)
		names[resp.TypeName] = true
	}
	for _, want := range []string{"apikey_unkey_key", "apikey_mixpeek_key"} {
		if !names[want] {
			t.Errorf("resource %s is not registered (have %v)", want, names)
		}
	}
	pe := p.(provider.ProviderWithEphemeralResources)
	if len(p.DataSources(context.Background())) < 4 || len(pe.EphemeralResources(context.Background())) < 1 {
		t.Error("data sources or ephemeral resources missing")
	}
}
