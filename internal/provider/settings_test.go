package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// block is a provider backend block; a nil map is the block left out.
func block(name string, attrs map[string]string) types.Object {
	var def backendDef
	for _, b := range backends {
		if b.name == name {
			def = b
		}
	}
	if attrs == nil {
		return types.ObjectNull(def.attrTypes())
	}
	vals := map[string]attr.Value{def.credentialAttr: types.StringNull(), "endpoint": types.StringNull()}
	for k, v := range attrs {
		vals[k] = types.StringValue(v)
	}
	return types.ObjectValueMust(def.attrTypes(), vals)
}

func model(unkeyBlock, mixpeekBlock map[string]string, f func(*providerModel)) providerModel {
	m := providerModel{
		Unkey: block("unkey", unkeyBlock), Mixpeek: block("mixpeek", mixpeekBlock),
		AllowInsecureHTTP: types.BoolNull(), MaxRetries: types.Int64Null(), RequestTimeout: types.StringNull(),
	}
	if f != nil {
		f(&m)
	}
	return m
}

func diagPath(d diag.Diagnostic) string {
	if p, ok := d.(diag.DiagnosticWithPath); ok {
		return p.Path().String()
	}
	return ""
}

func TestResolveSettings(t *testing.T) {
	t.Parallel()
	type env map[string]string
	type bs = backendSettings
	unset := func(endpoint string) bs { return bs{endpoint: endpoint} }
	const unkeyDefault, mixpeekDefault = "https://api.unkey.com", "https://api.mixpeek.com"
	cases := []struct {
		name string
		cfg  providerModel
		env  env
		// want is checked when wantErr is empty.
		want       map[string]bs
		wantRetry  int
		wantTime   time.Duration
		wantInsec  bool
		wantErr    string // fragment of the error detail
		wantErrAt  string // the attribute path the error is attached to
		wantNoDiag bool
	}{
		{
			name: "nothing configured: both backends unconfigured, no error",
			cfg:  model(nil, nil, nil),
			want: map[string]bs{"unkey": unset(unkeyDefault), "mixpeek": unset(mixpeekDefault)},
		},
		{
			name: "UNKEY_ROOT_KEY alone configures Unkey at its public endpoint",
			cfg:  model(nil, nil, nil), env: env{"UNKEY_ROOT_KEY": "rk"},
			want: map[string]bs{"unkey": {credential: "rk", credentialFrom: "UNKEY_ROOT_KEY", endpoint: unkeyDefault}, "mixpeek": unset(mixpeekDefault)},
		},
		{
			name: "UNKEY_ENDPOINT and MIXPEEK_API_KEY/MIXPEEK_ENDPOINT",
			cfg:  model(nil, nil, nil),
			env:  env{"UNKEY_ROOT_KEY": "rk", "UNKEY_ENDPOINT": "http://127.0.0.1:8787/", "MIXPEEK_API_KEY": "mk", "MIXPEEK_ENDPOINT": "http://localhost:9000"},
			want: map[string]bs{
				"unkey":   {credential: "rk", credentialFrom: "UNKEY_ROOT_KEY", endpoint: "http://127.0.0.1:8787"},
				"mixpeek": {credential: "mk", credentialFrom: "MIXPEEK_API_KEY", endpoint: "http://localhost:9000"},
			},
		},
		{
			name: "configuration wins over the environment",
			cfg: model(map[string]string{"root_key": "cfg", "endpoint": "http://127.0.0.1:8787/"}, map[string]string{"api_key": "mcfg", "endpoint": "https://mixpeek.internal"}, func(m *providerModel) {
				m.MaxRetries, m.RequestTimeout = types.Int64Value(2), types.StringValue("5s")
			}),
			env: env{"UNKEY_ROOT_KEY": "env", "UNKEY_ENDPOINT": "https://other.example", "MIXPEEK_API_KEY": "menv", "MIXPEEK_ENDPOINT": "https://other.example"},
			want: map[string]bs{
				"unkey":   {credential: "cfg", credentialFrom: "unkey.root_key", endpoint: "http://127.0.0.1:8787"},
				"mixpeek": {credential: "mcfg", credentialFrom: "mixpeek.api_key", endpoint: "https://mixpeek.internal"},
			},
			wantRetry: 2, wantTime: 5 * time.Second,
		},
		{
			name: "block with only an endpoint takes the credential from the environment",
			cfg:  model(map[string]string{"endpoint": "http://127.0.0.1:1234"}, nil, nil), env: env{"UNKEY_ROOT_KEY": "rk"},
			want: map[string]bs{"unkey": {credential: "rk", credentialFrom: "UNKEY_ROOT_KEY", endpoint: "http://127.0.0.1:1234"}, "mixpeek": unset(mixpeekDefault)},
		},
		{
			name: "IPv6 loopback over http",
			cfg:  model(map[string]string{"root_key": "rk", "endpoint": "http://[::1]:8787"}, nil, nil),
			want: map[string]bs{"unkey": {credential: "rk", credentialFrom: "unkey.root_key", endpoint: "http://[::1]:8787"}, "mixpeek": unset(mixpeekDefault)},
		},
		{
			name: "plain http off loopback allowed explicitly",
			cfg: model(nil, map[string]string{"api_key": "mk", "endpoint": "http://keys.internal:8787"}, func(m *providerModel) {
				m.AllowInsecureHTTP = types.BoolValue(true)
			}),
			want:      map[string]bs{"unkey": unset(unkeyDefault), "mixpeek": {credential: "mk", credentialFrom: "mixpeek.api_key", endpoint: "http://keys.internal:8787"}},
			wantInsec: true,
		},
		{name: "unkey block without a credential", cfg: model(map[string]string{"endpoint": "http://127.0.0.1:1"}, nil, nil), wantErr: "UNKEY_ROOT_KEY", wantErrAt: "unkey.root_key"},
		{name: "mixpeek block without a credential", cfg: model(nil, map[string]string{}, nil), env: env{"UNKEY_ROOT_KEY": "wrong backend"}, wantErr: "MIXPEEK_API_KEY", wantErrAt: "mixpeek.api_key"},
		{name: "credential with a trailing CRLF", cfg: model(map[string]string{"root_key": "rk\r\n"}, nil, nil), wantErr: "leading or trailing whitespace", wantErrAt: "unkey.root_key"},
		{name: "credential from the environment with a newline", cfg: model(nil, nil, nil), env: env{"MIXPEEK_API_KEY": "mk\n"}, wantErr: "from MIXPEEK_API_KEY has leading or trailing whitespace", wantErrAt: "mixpeek.api_key"},
		{name: "credential with an inner space", cfg: model(map[string]string{"root_key": "r k"}, nil, nil), wantErr: "space or control character", wantErrAt: "unkey.root_key"},
		{name: "unkey endpoint ending in /v2", cfg: model(map[string]string{"root_key": "rk", "endpoint": "https://api.unkey.com/v2"}, nil, nil), wantErr: "includes /v2", wantErrAt: "unkey.endpoint"},
		{name: "unkey endpoint with /v2/ and more", cfg: model(map[string]string{"root_key": "rk", "endpoint": "https://api.unkey.com/v2/keys.getKey"}, nil, nil), wantErr: "includes /v2", wantErrAt: "unkey.endpoint"},
		{name: "mixpeek endpoint ending in /v1", cfg: model(nil, map[string]string{"api_key": "mk", "endpoint": "https://api.mixpeek.com/v1/"}, nil), wantErr: "includes /v1", wantErrAt: "mixpeek.endpoint"},
		{name: "mixpeek endpoint /v2 is just another path", cfg: model(nil, map[string]string{"api_key": "mk", "endpoint": "https://api.mixpeek.com/v2"}, nil), wantErr: "has the path /v2", wantErrAt: "mixpeek.endpoint"},
		{name: "endpoint with another path", cfg: model(map[string]string{"root_key": "rk", "endpoint": "https://proxy.example/unkey"}, nil, nil), wantErr: "has the path /unkey", wantErrAt: "unkey.endpoint"},
		{name: "endpoint from the environment with a path names the variable", cfg: model(nil, nil, nil), env: env{"UNKEY_ROOT_KEY": "rk", "UNKEY_ENDPOINT": "https://api.unkey.com/v2"}, wantErr: "(from UNKEY_ENDPOINT)", wantErrAt: "unkey.endpoint"},
		{name: "port 99999", cfg: model(map[string]string{"root_key": "rk", "endpoint": "http://127.0.0.1:99999"}, nil, nil), wantErr: "outside 1 to 65535", wantErrAt: "unkey.endpoint"},
		{name: "port 0", cfg: model(nil, map[string]string{"api_key": "mk", "endpoint": "http://127.0.0.1:0"}, nil), wantErr: "outside 1 to 65535", wantErrAt: "mixpeek.endpoint"},
		{name: "plain http to a remote host", cfg: model(map[string]string{"root_key": "rk", "endpoint": "http://keys.example.com"}, nil, nil), wantErr: "allow_insecure_http", wantErrAt: "unkey.endpoint"},
		{name: "plain http to a private address is not loopback", cfg: model(nil, map[string]string{"api_key": "mk", "endpoint": "http://10.0.0.1:8080"}, nil), wantErr: "allow_insecure_http", wantErrAt: "mixpeek.endpoint"},
		{name: "relative endpoint", cfg: model(map[string]string{"root_key": "rk", "endpoint": "api.unkey.com"}, nil, nil), wantErr: "absolute http:// or https:// URL", wantErrAt: "unkey.endpoint"},
		{name: "ftp endpoint", cfg: model(map[string]string{"root_key": "rk", "endpoint": "ftp://api.unkey.com"}, nil, nil), wantErr: "absolute http:// or https:// URL", wantErrAt: "unkey.endpoint"},
		{name: "endpoint with credentials", cfg: model(map[string]string{"root_key": "rk", "endpoint": "https://user:pw@api.unkey.com"}, nil, nil), wantErr: "must not carry credentials", wantErrAt: "unkey.endpoint"},
		{name: "endpoint with a query", cfg: model(nil, map[string]string{"api_key": "mk", "endpoint": "https://api.mixpeek.com/?x=1"}, nil), wantErr: "query or fragment", wantErrAt: "mixpeek.endpoint"},
		{name: "bad request timeout", cfg: model(nil, nil, func(m *providerModel) { m.RequestTimeout = types.StringValue("soon") }), wantErr: "invalid duration", wantErrAt: "request_timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, diags := resolveSettings(context.Background(), tc.cfg, func(k string) string { return tc.env[k] })
			if tc.wantErr == "" {
				if diags.HasError() {
					t.Fatalf("unexpected error: %v", diags)
				}
				for name, want := range tc.want {
					if got.backends[name] != want {
						t.Errorf("%s settings:\n got %+v\nwant %+v", name, redacted(got.backends[name]), redacted(want))
					}
				}
				wantRetry, wantTime := tc.wantRetry, tc.wantTime
				if wantRetry == 0 {
					wantRetry = defaultMaxRetries
				}
				if wantTime == 0 {
					wantTime = defaultTimeout
				}
				if got.maxRetries != wantRetry || got.timeout != wantTime || got.insecure != tc.wantInsec {
					t.Errorf("retries %d timeout %s insecure %t, want %d %s %t", got.maxRetries, got.timeout, got.insecure, wantRetry, wantTime, tc.wantInsec)
				}
				return
			}
			var found bool
			for _, d := range diags.Errors() {
				if strings.Contains(d.Detail(), tc.wantErr) {
					found = true
					if p := diagPath(d); p != tc.wantErrAt {
						t.Errorf("error attached to %q, want %q: %s", p, tc.wantErrAt, d.Detail())
					}
				}
			}
			if !found {
				t.Fatalf("no error contains %q: %v", tc.wantErr, diags)
			}
			for _, d := range diags.Errors() {
				for _, secret := range []string{"rk\r\n", "mk\n", "pw@"} {
					if strings.Contains(d.Detail(), secret) {
						t.Errorf("an error shows a credential: %s", d.Summary())
					}
				}
			}
		})
	}
}

func redacted(s backendSettings) backendSettings {
	if s.credential != "" {
		s.credential = "<set>"
	}
	return s
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	cases := []struct{ version, cli, want string }{
		{"1.2.3", "1.12.6", "terraform-provider-apikey/1.2.3 Terraform/1.12.6"},
		{"dev", "", "terraform-provider-apikey/dev Terraform/unknown"},
	}
	for _, tc := range cases {
		if got := userAgent(tc.version, tc.cli); got != tc.want {
			t.Errorf("userAgent(%q, %q) = %q, want %q", tc.version, tc.cli, got, tc.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.9.9.9": true, "::1": true, "10.0.0.1": false, "example.com": false, "": false} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %t, want %t", host, got, want)
		}
	}
}

func TestTransportLoggerRedacts(t *testing.T) {
	t.Parallel()
	l := newTransportLogger("", "s3cret")
	if got := l.redact("token s3cret in s3cret"); strings.Contains(got, "s3cret") {
		t.Fatalf("redact left the secret: %q", got)
	}
	if len(l.secrets) != 1 {
		t.Fatalf("empty secrets kept: %d", len(l.secrets))
	}
}

func TestTransportLoggerFor(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]bool{"": true, "trace": true, "debug": true, "off": false, "OFF": false, " Off ": false} {
		getenv := func(name string) string {
			if name == "TF_LOG_PROVIDER_APIKEY" {
				return value
			}
			return ""
		}
		if got := transportLoggerFor(getenv, "s3cret") != nil; got != want {
			t.Errorf("TF_LOG_PROVIDER_APIKEY=%q: a logger = %v, want %v", value, got, want)
		}
	}
}
