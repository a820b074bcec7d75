package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }

// protoV6ProviderFactories serves the provider in-process to the CLI under test.
var protoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"apikey": providerserver.NewProtocol6WithError(New("test")()),
}

func TestResolveSettings(t *testing.T) {
	t.Parallel()
	type env map[string]string
	cases := []struct {
		name    string
		cfg     providerModel
		env     env
		want    settings
		wantErr string // substring of the error detail; empty means valid
		errAttr string
	}{
		{
			name: "defaults to unkey public endpoint with token from UNKEY_ROOT_KEY",
			env:  env{"UNKEY_ROOT_KEY": "rk"},
			want: settings{backend: "unkey", endpoint: "https://api.unkey.com", token: "rk", maxRetries: defaultMaxRetries, timeout: defaultTimeout},
		},
		{
			name: "mixpeek from APIKEY_BACKEND with MIXPEEK_API_KEY",
			env:  env{"APIKEY_BACKEND": "mixpeek", "MIXPEEK_API_KEY": "mk"},
			want: settings{backend: "mixpeek", endpoint: "https://api.mixpeek.com", token: "mk", maxRetries: defaultMaxRetries, timeout: defaultTimeout},
		},
		{
			name: "APIKEY_TOKEN wins over the backend variable",
			env:  env{"APIKEY_TOKEN": "generic", "UNKEY_ROOT_KEY": "specific"},
			want: settings{backend: "unkey", endpoint: "https://api.unkey.com", token: "generic", maxRetries: defaultMaxRetries, timeout: defaultTimeout},
		},
		{
			name: "configuration wins over environment",
			cfg:  providerModel{Backend: types.StringValue("unkey"), Endpoint: types.StringValue("http://127.0.0.1:8787/"), Token: types.StringValue("cfg"), MaxRetries: types.Int64Value(2), RequestTimeout: types.StringValue("5s")},
			env:  env{"APIKEY_BACKEND": "mixpeek", "APIKEY_ENDPOINT": "https://other.example", "APIKEY_TOKEN": "env"},
			want: settings{backend: "unkey", endpoint: "http://127.0.0.1:8787", token: "cfg", maxRetries: 2, timeout: 5e9},
		},
		{
			name: "APIKEY_ENDPOINT on localhost over http",
			env:  env{"APIKEY_ENDPOINT": "http://localhost:8787", "APIKEY_TOKEN": "t"},
			want: settings{backend: "unkey", endpoint: "http://localhost:8787", token: "t", maxRetries: defaultMaxRetries, timeout: defaultTimeout},
		},
		{
			name: "IPv6 loopback over http",
			cfg:  providerModel{Endpoint: types.StringValue("http://[::1]:8787")},
			env:  env{"APIKEY_TOKEN": "t"},
			want: settings{backend: "unkey", endpoint: "http://[::1]:8787", token: "t", maxRetries: defaultMaxRetries, timeout: defaultTimeout},
		},
		{
			name: "insecure http allowed explicitly",
			cfg:  providerModel{Endpoint: types.StringValue("http://keys.internal:8787"), AllowInsecureHTTP: types.BoolValue(true)},
			env:  env{"APIKEY_TOKEN": "t"},
			want: settings{backend: "unkey", endpoint: "http://keys.internal:8787", token: "t", insecure: true, maxRetries: defaultMaxRetries, timeout: defaultTimeout},
		},
		{name: "missing token names attribute and variables", env: env{}, wantErr: `"token" attribute, or the APIKEY_TOKEN or UNKEY_ROOT_KEY`, errAttr: "token"},
		{name: "missing mixpeek token names MIXPEEK_API_KEY", env: env{"APIKEY_BACKEND": "mixpeek", "UNKEY_ROOT_KEY": "wrong-backend"}, wantErr: "APIKEY_TOKEN or MIXPEEK_API_KEY", errAttr: "token"},
		{name: "unknown backend", cfg: providerModel{Backend: types.StringValue("vault")}, env: env{"APIKEY_TOKEN": "t"}, wantErr: `backend "vault"`, errAttr: "backend"},
		{name: "unknown backend from env", env: env{"APIKEY_BACKEND": "aws", "APIKEY_TOKEN": "t"}, wantErr: "APIKEY_BACKEND", errAttr: "backend"},
		{name: "plain http to a remote host", cfg: providerModel{Endpoint: types.StringValue("http://keys.example.com")}, env: env{"APIKEY_TOKEN": "t"}, wantErr: "allow_insecure_http", errAttr: "endpoint"},
		{name: "relative endpoint", cfg: providerModel{Endpoint: types.StringValue("api.unkey.com")}, env: env{"APIKEY_TOKEN": "t"}, wantErr: "absolute http:// or https:// URL", errAttr: "endpoint"},
		{name: "ftp endpoint", cfg: providerModel{Endpoint: types.StringValue("ftp://api.unkey.com")}, env: env{"APIKEY_TOKEN": "t"}, wantErr: "absolute http:// or https:// URL", errAttr: "endpoint"},
		{name: "endpoint with credentials", cfg: providerModel{Endpoint: types.StringValue("https://user:pw@api.unkey.com")}, env: env{"APIKEY_TOKEN": "t"}, wantErr: "must not carry credentials", errAttr: "endpoint"},
		{name: "endpoint with query", cfg: providerModel{Endpoint: types.StringValue("https://api.unkey.com/?x=1")}, env: env{"APIKEY_TOKEN": "t"}, wantErr: "query or fragment", errAttr: "endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			for _, s := range []*types.String{&cfg.Backend, &cfg.Endpoint, &cfg.Token, &cfg.RequestTimeout} {
				if s.IsNull() && s.ValueString() == "" {
					*s = types.StringNull()
				}
			}
			got, diags := resolveSettings(cfg, func(k string) string { return tc.env[k] })
			if tc.wantErr == "" {
				if diags.HasError() {
					t.Fatalf("unexpected error: %v", diags)
				}
				if got != tc.want {
					t.Fatalf("settings differ:\n got %+v\nwant %+v", redacted(got), redacted(tc.want))
				}
				return
			}
			if !diags.HasError() {
				t.Fatalf("expected an error containing %q", tc.wantErr)
			}
			var found bool
			for _, d := range diags.Errors() {
				if strings.Contains(d.Detail(), tc.wantErr) {
					found = true
					if !strings.Contains(d.Detail()+d.Summary(), tc.errAttr) && !strings.Contains(diagPath(d), tc.errAttr) {
						t.Errorf("error does not name attribute %q: %s", tc.errAttr, d.Detail())
					}
				}
			}
			if !found {
				t.Fatalf("no error contains %q: %v", tc.wantErr, diags)
			}
		})
	}
}

func redacted(s settings) settings {
	if s.token != "" {
		s.token = "<set>"
	}
	return s
}

func diagPath(d diag.Diagnostic) string {
	if p, ok := d.(diag.DiagnosticWithPath); ok {
		return p.Path().String()
	}
	return ""
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	if got, want := userAgent("1.2.3", "1.12.6"), "terraform-provider-apikey/1.2.3 Terraform/1.12.6"; got != want {
		t.Fatalf("userAgent = %q, want %q", got, want)
	}
	if got := userAgent("dev", ""); !strings.HasSuffix(got, "Terraform/unknown") {
		t.Fatalf("userAgent without a CLI version = %q", got)
	}
}

// A provider setting that is only known after apply is an error naming the attribute (OpenTofu
// does not support deferred actions, so the framework's deferral does not apply).
func TestAccProvider_unknownConfiguration(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "terraform_data" "token" {
  input = %q
}

provider "apikey" {
  endpoint = %q
  token    = terraform_data.token.output
}

resource "apikey_key" "test" {
  unkey = { api_id = %q }
}
`, "not-a-real-token", srv.Endpoint, srv.APIID),
				ExpectError: regexp.MustCompile(`(?s)Unknown provider configuration value.*"token" depends on a value`),
			},
		},
	})
}
