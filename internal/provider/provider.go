// Package provider implements the Terraform-facing side of terraform-provider-apikey: the provider,
// its resources, data sources and ephemeral resources, and the translation between Terraform values
// and the backend clients' plain Go types.
package provider

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Backend names: the single source for validation, defaults and documentation.
const (
	backendUnkey   = "unkey"
	backendMixpeek = "mixpeek"
)

var backends = []string{backendUnkey, backendMixpeek}

// Environment variables read by the provider configuration.
const (
	envBackend        = "APIKEY_BACKEND"
	envEndpoint       = "APIKEY_ENDPOINT"
	envToken          = "APIKEY_TOKEN"
	envUnkeyRootKey   = "UNKEY_ROOT_KEY"  //nolint:gosec // the name of a variable, not a credential
	envMixpeekAPIKey  = "MIXPEEK_API_KEY" //nolint:gosec // the name of a variable, not a credential
	defaultMaxRetries = 4
	defaultTimeout    = 30 * time.Second
	maxMaxRetries     = 20
)

var (
	_ provider.Provider                       = (*apikeyProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*apikeyProvider)(nil)
)

// New returns a constructor for the provider, with the release version baked in.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &apikeyProvider{version: version, now: time.Now}
	}
}

type apikeyProvider struct {
	version string
	// now is the provider's clock; tests replace it to cross rotation and expiry boundaries.
	now func() time.Time
}

type providerModel struct {
	Backend           types.String `tfsdk:"backend"`
	Endpoint          types.String `tfsdk:"endpoint"`
	Token             types.String `tfsdk:"token"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	MaxRetries        types.Int64  `tfsdk:"max_retries"`
	RequestTimeout    types.String `tfsdk:"request_timeout"`
}

// providerData is what resources and data sources receive in Configure.
type providerData struct {
	backend string
	unkey   *unkey.Client
	mixpeek *mixpeek.Client
	now     func() time.Time
	// reader serves Unkey Reads, batching them through listKeys.
	reader *unkeyReader
	// createAttempts bounds creates whose responses were lost (see reconcile.go).
	createAttempts int
}

func (p *apikeyProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "apikey"
	resp.Version = p.version
}

func (p *apikeyProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages API keys as code on a key-management backend: Unkey API v2 or Mixpeek organization API keys.",
		Attributes: map[string]schema.Attribute{
			"backend": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Key-management backend, one of %s. Falls back to `%s`, then `%q`.", quoteList(backends), envBackend, backendUnkey),
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(backends...)},
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Base URL of the backend API. Falls back to `%s`, then the backend's public URL (`%s` or `%s`). A plain `http://` URL is accepted only for a loopback host unless `allow_insecure_http` is true.", envEndpoint, unkey.DefaultEndpoint, mixpeek.DefaultEndpoint),
				Optional:            true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Bearer credential: an Unkey root key or a Mixpeek API key. Falls back to `%s`, then `%s` (unkey) or `%s` (mixpeek).", envToken, envUnkeyRootKey, envMixpeekAPIKey),
				Optional:            true,
				Sensitive:           true,
			},
			"allow_insecure_http": schema.BoolAttribute{
				MarkdownDescription: "Allow a plain `http://` endpoint on a host that is not loopback. The token then travels unencrypted; meant for private test networks only. Default `false`.",
				Optional:            true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Retries after a failed request (429, 408, 5xx except 501, connection errors). Default %d, at most %d. Creates are never retried blindly; see the guide on retries.", defaultMaxRetries, maxMaxRetries),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(0, maxMaxRetries)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Timeout of one HTTP attempt, as a Go duration such as `30s`. Default `%s`.", defaultTimeout),
				Optional:            true,
				Validators:          []validator.String{durationValidator{min: time.Second, max: 10 * time.Minute}},
			},
		},
	}
}

func (p *apikeyProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	unknown := map[string]bool{
		"backend":             cfg.Backend.IsUnknown(),
		"endpoint":            cfg.Endpoint.IsUnknown(),
		"token":               cfg.Token.IsUnknown(),
		"allow_insecure_http": cfg.AllowInsecureHTTP.IsUnknown(),
		"max_retries":         cfg.MaxRetries.IsUnknown(),
		"request_timeout":     cfg.RequestTimeout.IsUnknown(),
	}
	for _, name := range sortedKeys(unknown) {
		if !unknown[name] {
			continue
		}
		// Deferral lets Terraform plan the rest of the configuration and come back to these
		// resources once the value is known; clients without it get the classic error.
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
			return
		}
		resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown provider configuration value",
			fmt.Sprintf("The provider cannot be configured because %q depends on a value that is only known after apply. Set it from a static value or a variable, or apply the resources it depends on first with -target.", name))
	}
	if resp.Diagnostics.HasError() {
		return
	}

	settings, diags := resolveSettings(cfg, os.Getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	ctx = tflog.MaskAllFieldValuesStrings(ctx, settings.token)
	ctx = tflog.MaskMessageStrings(ctx, settings.token)
	hc, err := transport.New(transport.Config{
		BaseURL:        settings.endpoint,
		Token:          settings.token,
		UserAgent:      userAgent(p.version, req.TerraformVersion),
		MaxRetries:     settings.maxRetries,
		RequestTimeout: settings.timeout,
		Logger:         newTransportLogger(settings.token),
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", err.Error())
		return
	}
	tflog.Debug(ctx, "configured apikey provider", map[string]any{"backend": settings.backend, "endpoint": settings.endpoint})

	data := &providerData{backend: settings.backend, now: p.now, createAttempts: settings.maxRetries + 1}
	switch settings.backend {
	case backendUnkey:
		data.unkey = unkey.New(hc)
		data.reader = newUnkeyReader(data.unkey, p.now)
	case backendMixpeek:
		data.mixpeek = mixpeek.New(hc)
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
}

// settings is the provider configuration after environment fallbacks and defaults.
type settings struct {
	backend    string
	endpoint   string
	token      string
	insecure   bool
	maxRetries int
	timeout    time.Duration
}

// resolveSettings applies environment fallbacks and defaults and validates the result. It takes the
// environment as a function so the rules can be tested without touching the process environment.
func resolveSettings(cfg providerModel, getenv func(string) string) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := settings{maxRetries: defaultMaxRetries, timeout: defaultTimeout}

	s.backend = firstNonEmpty(cfg.Backend.ValueString(), getenv(envBackend), backendUnkey)
	if !contains(backends, s.backend) {
		diags.AddAttributeError(path.Root("backend"), "Unknown backend",
			fmt.Sprintf("backend %q (from the configuration or %s) is not supported; use one of %s.", s.backend, envBackend, quoteList(backends)))
		return s, diags
	}

	backendTokenEnv, defaultEndpoint := envUnkeyRootKey, unkey.DefaultEndpoint
	if s.backend == backendMixpeek {
		backendTokenEnv, defaultEndpoint = envMixpeekAPIKey, mixpeek.DefaultEndpoint
	}
	s.token = firstNonEmpty(cfg.Token.ValueString(), getenv(envToken), getenv(backendTokenEnv))
	if s.token == "" {
		diags.AddAttributeError(path.Root("token"), "Missing API token",
			fmt.Sprintf("The %s backend needs a token. Set the provider's \"token\" attribute, or the %s or %s environment variable.", s.backend, envToken, backendTokenEnv))
	}

	s.endpoint = strings.TrimRight(firstNonEmpty(cfg.Endpoint.ValueString(), getenv(envEndpoint), defaultEndpoint), "/")
	s.insecure = cfg.AllowInsecureHTTP.ValueBool()
	if err := checkEndpoint(s.endpoint, s.insecure); err != nil {
		diags.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", err.Error())
	}

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
	return s, diags
}

// checkEndpoint refuses URLs that would send the token in the clear to another machine.
func checkEndpoint(raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("endpoint %q must be an absolute http:// or https:// URL, such as %s", raw, unkey.DefaultEndpoint)
	}
	if u.User != nil {
		return fmt.Errorf("endpoint %q must not carry credentials; use the token attribute", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("endpoint %q must not have a query or fragment", raw)
	}
	if u.Scheme == "http" && !allowInsecure && !isLoopback(u.Hostname()) {
		return fmt.Errorf("endpoint %q uses plain http on a host that is not loopback, which would send the token unencrypted; use https, or set allow_insecure_http = true for a private test network", raw)
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

func userAgent(version, terraformVersion string) string {
	if terraformVersion == "" {
		terraformVersion = "unknown"
	}
	return fmt.Sprintf("terraform-provider-apikey/%s Terraform/%s", version, terraformVersion)
}

func (p *apikeyProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewKeyResource}
}

func (p *apikeyProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewKeyDataSource, NewKeysDataSource}
}

func (p *apikeyProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{NewKeyEphemeralResource}
}
