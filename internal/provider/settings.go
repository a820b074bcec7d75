package provider

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	mixpeekclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	unkeyclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/unkey"
)

const (
	defaultMaxRetries = 4
	defaultTimeout    = 30 * time.Second
	maxMaxRetries     = 20
)

// backendDef is everything the provider configuration knows about one backend. A new backend is
// one more entry here and one more service package.
type backendDef struct {
	name            string // provider block and type name prefix
	title           string
	credentialAttr  string
	credentialDesc  string
	credentialEnv   string
	endpointEnv     string
	defaultEndpoint string
	// apiRoot is the path every request of the backend starts with, which must not be part of
	// the endpoint.
	apiRoot   string
	configure func(hc *transport.Client, now func() time.Time, createAttempts int, credentialFrom string) any
}

var backends = []backendDef{
	{
		name: unkey.ServiceName, title: "Unkey",
		credentialAttr: "root_key", credentialDesc: "An Unkey root key",
		credentialEnv: "UNKEY_ROOT_KEY", endpointEnv: "UNKEY_ENDPOINT", //nolint:gosec // names of variables, not credentials
		defaultEndpoint: unkeyclient.DefaultEndpoint, apiRoot: "/v2",
		configure: func(hc *transport.Client, now func() time.Time, attempts int, from string) any {
			b := unkey.NewBackend(unkeyclient.New(hc), now, attempts)
			b.SetCredentialSource(from)
			return b
		},
	},
	{
		name: mixpeek.ServiceName, title: "Mixpeek",
		credentialAttr: "api_key", credentialDesc: "A Mixpeek organization API key",
		credentialEnv: "MIXPEEK_API_KEY", endpointEnv: "MIXPEEK_ENDPOINT", //nolint:gosec // names of variables, not credentials
		defaultEndpoint: mixpeekclient.DefaultEndpoint, apiRoot: "/v1",
		configure: func(hc *transport.Client, now func() time.Time, attempts int, from string) any {
			b := mixpeek.NewBackend(mixpeekclient.New(hc), now, attempts)
			b.SetCredentialSource(from)
			return b
		},
	},
}

func (b backendDef) attrTypes() map[string]attr.Type {
	return map[string]attr.Type{b.credentialAttr: types.StringType, "endpoint": types.StringType}
}

func (b backendDef) schema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: fmt.Sprintf("Settings of the %s backend. Optional: without it (and without `%s`) the `apikey_%s_*` resources fail at plan with an error saying what to set.", b.title, b.credentialEnv, b.name),
		Optional:            true,
		Attributes: map[string]schema.Attribute{
			b.credentialAttr: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("%s, sent as the bearer token. Falls back to the `%s` environment variable. Sensitive.", b.credentialDesc, b.credentialEnv),
				Optional:            true,
				Sensitive:           true,
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Base URL of the %s API, without a path (the provider adds `%s/...`). Falls back to `%s`, then `%s`. A plain `http://` URL is accepted only for a loopback host unless `allow_insecure_http` is true.", b.title, b.apiRoot, b.endpointEnv, b.defaultEndpoint),
				Optional:            true,
			},
		},
	}
}

// howToConfigure tells a user whose configuration uses this backend what to set.
func (b backendDef) howToConfigure() string {
	return fmt.Sprintf("set %s.%s in the provider \"apikey\" block, or the %s environment variable.", b.name, b.credentialAttr, b.credentialEnv)
}

// providerModel is the provider block.
type providerModel struct {
	Unkey             types.Object `tfsdk:"unkey"`
	Mixpeek           types.Object `tfsdk:"mixpeek"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	MaxRetries        types.Int64  `tfsdk:"max_retries"`
	RequestTimeout    types.String `tfsdk:"request_timeout"`
}

func (m providerModel) block(name string) types.Object {
	if name == mixpeek.ServiceName {
		return m.Mixpeek
	}
	return m.Unkey
}

// unknownPaths lists the settings whose values are not known yet.
func (m providerModel) unknownPaths(context.Context) []path.Path {
	var out []path.Path
	for _, b := range backends {
		obj := m.block(b.name)
		if obj.IsUnknown() {
			out = append(out, path.Root(b.name))
			continue
		}
		if obj.IsNull() {
			continue
		}
		for _, name := range []string{b.credentialAttr, "endpoint"} {
			if v, ok := obj.Attributes()[name]; ok && v.IsUnknown() {
				out = append(out, path.Root(b.name).AtName(name))
			}
		}
	}
	for name, v := range map[string]attr.Value{"allow_insecure_http": m.AllowInsecureHTTP, "max_retries": m.MaxRetries, "request_timeout": m.RequestTimeout} {
		if v.IsUnknown() {
			out = append(out, path.Root(name))
		}
	}
	return out
}

// settings is the provider configuration after environment fallbacks and defaults.
type settings struct {
	backends   map[string]backendSettings
	insecure   bool
	maxRetries int
	timeout    time.Duration
}

type backendSettings struct {
	credential string
	// credentialFrom names where the credential came from, for messages: an attribute path or
	// an environment variable. Never the value.
	credentialFrom string
	endpoint       string
}

func stringAttr(obj types.Object, name string) string {
	if obj.IsNull() || obj.IsUnknown() {
		return ""
	}
	if s, ok := obj.Attributes()[name].(types.String); ok {
		return s.ValueString()
	}
	return ""
}

// resolveSettings applies environment fallbacks and defaults and validates the result. It takes the
// environment as a function so the rules can be tested without touching the process environment.
func resolveSettings(_ context.Context, cfg providerModel, getenv func(string) string) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := settings{backends: map[string]backendSettings{}, maxRetries: defaultMaxRetries, timeout: defaultTimeout}
	s.insecure = cfg.AllowInsecureHTTP.ValueBool()
	if !cfg.MaxRetries.IsNull() {
		s.maxRetries = int(cfg.MaxRetries.ValueInt64())
	}
	if v := cfg.RequestTimeout.ValueString(); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid request timeout", err.Error())
		}
		s.timeout = d
	}

	for _, b := range backends {
		obj := cfg.block(b.name)
		credPath := path.Root(b.name).AtName(b.credentialAttr)
		var bs backendSettings
		if v := stringAttr(obj, b.credentialAttr); v != "" {
			bs.credential, bs.credentialFrom = v, credPath.String()
		} else if v := getenv(b.credentialEnv); v != "" {
			bs.credential, bs.credentialFrom = v, b.credentialEnv
		}
		endpointPath := path.Root(b.name).AtName("endpoint")
		endpointFrom := endpointPath.String()
		bs.endpoint = stringAttr(obj, "endpoint")
		if bs.endpoint == "" {
			bs.endpoint, endpointFrom = getenv(b.endpointEnv), b.endpointEnv
		}
		if bs.endpoint == "" {
			bs.endpoint, endpointFrom = b.defaultEndpoint, ""
		}
		bs.endpoint = strings.TrimRight(bs.endpoint, "/")

		switch {
		case bs.credential == "" && !obj.IsNull():
			diags.AddAttributeError(credPath, fmt.Sprintf("Missing %s credentials", b.title),
				fmt.Sprintf("The %s block is set but has no %s: %s", b.name, b.credentialAttr, b.howToConfigure()))
			continue
		case bs.credential == "":
			s.backends[b.name] = bs // not configured; resources say what to set
			continue
		}
		if err := checkCredential(bs.credential); err != nil {
			diags.AddAttributeError(credPath, fmt.Sprintf("Invalid %s credentials", b.title), fmt.Sprintf("The %s from %s %s.", b.credentialAttr, bs.credentialFrom, err))
		}
		if err := checkEndpoint(b, bs.endpoint, s.insecure); err != nil {
			from := ""
			if endpointFrom != "" {
				from = fmt.Sprintf(" (from %s)", endpointFrom)
			}
			diags.AddAttributeError(endpointPath, "Invalid endpoint", fmt.Sprintf("%s%s: %s", b.title, from, err))
		}
		s.backends[b.name] = bs
	}
	return s, diags
}

// checkCredential catches copy-and-paste damage that would otherwise surface as a 401.
func checkCredential(v string) error {
	if strings.TrimSpace(v) != v {
		return fmt.Errorf("has leading or trailing whitespace (often a newline from a file or an echo); remove it")
	}
	for _, r := range v {
		if r < 0x21 || r == 0x7f {
			return fmt.Errorf("contains a space or control character; it cannot be a valid credential")
		}
	}
	return nil
}

// checkEndpoint refuses URLs that would send the credential in the clear to another machine, and
// URLs that cannot reach the backend's API.
func checkEndpoint(b backendDef, raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%q must be an absolute http:// or https:// URL, such as %s", raw, b.defaultEndpoint)
	}
	if u.User != nil {
		return fmt.Errorf("%q must not carry credentials; use %s.%s", u.Redacted(), b.name, b.credentialAttr)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q has port %s, outside 1 to 65535", raw, p)
		}
	}
	switch p := strings.TrimRight(u.EscapedPath(), "/"); {
	case p == b.apiRoot || strings.HasPrefix(p, b.apiRoot+"/"):
		return fmt.Errorf("%q includes %s; remove it, the provider adds %s/... to every request", raw, b.apiRoot, b.apiRoot)
	case p != "":
		return fmt.Errorf("%q has the path %s, but %s serves its API at the root of the host; use %s://%s", raw, p, b.title, u.Scheme, u.Host)
	}
	if u.Scheme == "http" && !allowInsecure && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%q uses plain http on a host that is not loopback, which would send the credential unencrypted; use https, or set allow_insecure_http = true for a private test network", raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
