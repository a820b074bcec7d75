// Package provider is the apikey provider: its configuration of each backend and the shared
// transport, and the registration of every service's resources. The Terraform code of each
// backend lives in internal/services/<backend>.
package provider

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/unkey"
)

var (
	_ provider.Provider                       = (*apikeyProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*apikeyProvider)(nil)
	_ provider.ProviderWithListResources      = (*apikeyProvider)(nil)
	_ provider.ProviderWithActions            = (*apikeyProvider)(nil)
)

// New returns a constructor for the provider, with the release version baked in.
func New(version string) func() provider.Provider {
	return NewWithClock(version, time.Now)
}

// NewWithClock is New with the provider's clock replaced, for tests that cross rotation and
// expiry boundaries.
func NewWithClock(version string, now func() time.Time) func() provider.Provider {
	return func() provider.Provider {
		return &apikeyProvider{version: version, now: now}
	}
}

type apikeyProvider struct {
	version string
	now     func() time.Time
	// data is what Configure handed to resources, for PlanShortcuts; nil until it succeeds.
	data atomic.Pointer[backend.Data]
	// configureCalled: Configure ran, so the framework may hold resource data that data lacks
	// (when Configure failed or deferred).
	configureCalled atomic.Bool
}

// PlanShortcuts lists, per resource type, the rule under which a plan of unchanged state is that
// state (see internal/server, which answers such plans without the framework). Each rule sees
// the configuration the resources were given and refuses before the provider is configured.
func (p *apikeyProvider) PlanShortcuts() map[string]func(config, prior tftypes.Value) bool {
	return map[string]func(config, prior tftypes.Value) bool{
		"apikey_unkey_key": func(config, prior tftypes.Value) bool {
			d := p.data.Load()
			return d != nil && unkey.KeyPlanUnchanged(d, config, prior)
		},
	}
}

// ReadShortcuts lists, per resource type, the rule under which the framework's Read is computed
// without it (see internal/server, which answers such Reads itself). Each rule refuses before the
// provider is configured.
func (p *apikeyProvider) ReadShortcuts() map[string]func(ctx context.Context, prior, identity tftypes.Value) (tftypes.Value, bool, bool) {
	return map[string]func(ctx context.Context, prior, identity tftypes.Value) (tftypes.Value, bool, bool){
		"apikey_unkey_key": func(ctx context.Context, prior, identity tftypes.Value) (tftypes.Value, bool, bool) {
			d := p.data.Load()
			if d == nil {
				return tftypes.Value{}, false, false
			}
			return unkey.KeyRead(ctx, d, prior, identity)
		},
	}
}

// PrivatePlanShortcuts is PlanShortcuts for resources whose rule reads the prior private data
// (see internal/server); each refuses before the provider is configured.
func (p *apikeyProvider) PrivatePlanShortcuts() map[string]func(config, prior tftypes.Value, private map[string][]byte) (tftypes.Value, bool, bool) {
	return map[string]func(config, prior tftypes.Value, private map[string][]byte) (tftypes.Value, bool, bool){
		"apikey_mixpeek_key": func(config, prior tftypes.Value, private map[string][]byte) (tftypes.Value, bool, bool) {
			d := p.data.Load()
			if d == nil {
				return tftypes.Value{}, false, false
			}
			return mixpeek.KeyPlanUnchanged(d, config, prior, private)
		},
	}
}

// PrivateReadShortcuts is ReadShortcuts for resources whose Read may be sent private data (see
// internal/server); each refuses before the provider is configured.
func (p *apikeyProvider) PrivateReadShortcuts() map[string]func(ctx context.Context, prior, identity tftypes.Value, private map[string][]byte) (tftypes.Value, bool, bool) {
	return map[string]func(ctx context.Context, prior, identity tftypes.Value, private map[string][]byte) (tftypes.Value, bool, bool){
		"apikey_mixpeek_key": func(ctx context.Context, prior, identity tftypes.Value, private map[string][]byte) (tftypes.Value, bool, bool) {
			d := p.data.Load()
			if d == nil {
				return tftypes.Value{}, false, false
			}
			return mixpeek.KeyRead(ctx, d, prior, identity, private)
		},
	}
}

// ValidateShortcuts lists, per resource type, the configuration validation done as the framework
// does it but without its walk (see internal/server). Resources are configured with the data the
// framework would give them: none before Configure, and once it ran only what it stored on
// success (otherwise the rule refuses).
func (p *apikeyProvider) ValidateShortcuts() map[string]func(ctx context.Context, config tftypes.Value, writeOnlyAllowed bool) ([]*tfprotov6.Diagnostic, bool) {
	type validator = func(ctx context.Context, providerData any, config tftypes.Value, writeOnlyAllowed bool) (diag.Diagnostics, error)
	rule := func(validate validator) func(ctx context.Context, config tftypes.Value, writeOnlyAllowed bool) ([]*tfprotov6.Diagnostic, bool) {
		return func(ctx context.Context, config tftypes.Value, writeOnlyAllowed bool) ([]*tfprotov6.Diagnostic, bool) {
			var providerData any
			if d := p.data.Load(); d != nil {
				providerData = d
			} else if p.configureCalled.Load() {
				return nil, false
			}
			diags, err := validate(ctx, providerData, config, writeOnlyAllowed)
			if err != nil {
				return nil, false
			}
			out, err := tfvalue.ProtoDiagnostics(ctx, diags)
			return out, err == nil
		}
	}
	return map[string]func(ctx context.Context, config tftypes.Value, writeOnlyAllowed bool) ([]*tfprotov6.Diagnostic, bool){
		"apikey_unkey_key":   rule(unkey.ValidateKeyConfig),
		"apikey_mixpeek_key": rule(mixpeek.ValidateKeyConfig),
	}
}

// CreatePlanShortcuts lists, per resource type, the rule that computes the plan of a create as
// the framework would (see internal/server); like PlanShortcuts, each refuses before the
// provider is configured.
func (p *apikeyProvider) CreatePlanShortcuts() map[string]func(config, proposed tftypes.Value) (tftypes.Value, bool) {
	return map[string]func(config, proposed tftypes.Value) (tftypes.Value, bool){
		"apikey_unkey_key": func(config, proposed tftypes.Value) (tftypes.Value, bool) {
			d := p.data.Load()
			if d == nil {
				return tftypes.Value{}, false
			}
			return unkey.KeyPlanCreate(d, config, proposed)
		},
		"apikey_mixpeek_key": func(config, proposed tftypes.Value) (tftypes.Value, bool) {
			d := p.data.Load()
			if d == nil {
				return tftypes.Value{}, false
			}
			return mixpeek.KeyPlanCreate(d, config, proposed)
		},
	}
}

// CreateApplyShortcuts lists, per resource type, the rule that applies a create as the framework
// does, running the resource's own Create (see internal/server); like PlanShortcuts, each
// refuses before the provider is configured.
func (p *apikeyProvider) CreateApplyShortcuts() map[string]func(ctx context.Context, planned, config tftypes.Value) (func(context.Context) (*tftypes.Value, *tftypes.Value, []*tfprotov6.Diagnostic), bool) {
	return map[string]func(ctx context.Context, planned, config tftypes.Value) (func(context.Context) (*tftypes.Value, *tftypes.Value, []*tfprotov6.Diagnostic), bool){
		"apikey_unkey_key": func(ctx context.Context, planned, config tftypes.Value) (func(context.Context) (*tftypes.Value, *tftypes.Value, []*tfprotov6.Diagnostic), bool) {
			d := p.data.Load()
			if d == nil {
				return nil, false
			}
			create, ok := unkey.KeyCreate(ctx, d, planned, config)
			if !ok {
				return nil, false
			}
			return func(ctx context.Context) (*tftypes.Value, *tftypes.Value, []*tfprotov6.Diagnostic) {
				res := create(ctx)
				return res.State, res.Identity, tfvalue.FrameworkDiagnostics(ctx, res.Diagnostics)
			}, true
		},
	}
}

// DestroyPlanShortcuts lists, per resource type, the rule under which the plan of a destroy is
// made without the framework (see internal/server); each refuses before the provider is
// configured.
func (p *apikeyProvider) DestroyPlanShortcuts() map[string]func(ctx context.Context, prior tftypes.Value) bool {
	return map[string]func(ctx context.Context, prior tftypes.Value) bool{
		"apikey_unkey_key": func(_ context.Context, prior tftypes.Value) bool {
			d := p.data.Load()
			return d != nil && unkey.KeyPlanDestroy(d, prior)
		},
	}
}

// DeleteShortcuts lists, per resource type, the rule under which a Delete runs the resource's
// own delete without the framework (see internal/server); each refuses before the provider is
// configured.
func (p *apikeyProvider) DeleteShortcuts() map[string]func(ctx context.Context, prior tftypes.Value) (func(context.Context) []*tfprotov6.Diagnostic, bool) {
	return map[string]func(ctx context.Context, prior tftypes.Value) (func(context.Context) []*tfprotov6.Diagnostic, bool){
		"apikey_unkey_key": func(ctx context.Context, prior tftypes.Value) (func(context.Context) []*tfprotov6.Diagnostic, bool) {
			d := p.data.Load()
			if d == nil {
				return nil, false
			}
			run, ok := unkey.KeyDelete(ctx, d, prior)
			if !ok {
				return nil, false
			}
			return func(ctx context.Context) []*tfprotov6.Diagnostic { return protoDiagnostics(ctx, run(ctx)) }, true
		},
	}
}

// protoDiagnostics converts diagnostics as the framework does; one whose attribute path cannot
// be converted keeps its summary and detail without the path, since a delete that has run must
// be answered.
func protoDiagnostics(ctx context.Context, diags diag.Diagnostics) []*tfprotov6.Diagnostic {
	out, err := tfvalue.ProtoDiagnostics(ctx, diags)
	if err == nil {
		return out
	}
	out = nil
	for _, d := range diags {
		sev := tfprotov6.DiagnosticSeverityWarning
		if d.Severity() == diag.SeverityError {
			sev = tfprotov6.DiagnosticSeverityError
		}
		out = append(out, &tfprotov6.Diagnostic{Severity: sev, Summary: d.Summary(), Detail: d.Detail()})
	}
	return out
}

func (p *apikeyProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "apikey"
	resp.Version = p.version
}

func (p *apikeyProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"allow_insecure_http": schema.BoolAttribute{
			MarkdownDescription: "Allow a plain `http://` endpoint on a host that is not loopback, for every backend. The credentials then travel unencrypted; meant for private test networks only. Default `false`.",
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
			Validators:          []validator.String{tfvalue.Duration(time.Second, 10*time.Minute)},
		},
	}
	for _, b := range backends {
		attrs[b.name] = b.schema()
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages API keys as code on Unkey (API v2) and Mixpeek (organization API keys). Configure one backend or both; each resource type belongs to one backend (`apikey_unkey_*`, `apikey_mixpeek_*`).",
		Attributes:          attrs,
	}
}

func (p *apikeyProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	p.configureCalled.Store(true)
	// The shortcuts trust p.data; a Configure that fails or defers must not leave an earlier one's.
	p.data.Store(nil)
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if unknown := cfg.unknownPaths(ctx); len(unknown) > 0 {
		// Deferral lets Terraform plan the rest of the configuration and come back to these
		// resources once the value is known; clients without it get the classic error.
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
			return
		}
		for _, name := range unknown {
			resp.Diagnostics.AddAttributeError(name, "Unknown provider configuration value",
				fmt.Sprintf("The provider cannot be configured because %s depends on a value that is only known after apply. Set it from a static value or a variable, or apply the resources it depends on first with -target.", name))
		}
		return
	}

	s, diags := resolveSettings(ctx, cfg, os.Getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	data := backend.NewData(p.now)
	for _, b := range backends {
		bs := s.backends[b.name]
		if bs.credential == "" {
			data.Unconfigured(b.name, b.howToConfigure())
			continue
		}
		hc, err := transport.New(transport.Config{
			BaseURL:        bs.endpoint,
			Token:          bs.credential,
			UserAgent:      userAgent(p.version, req.TerraformVersion),
			MaxRetries:     s.maxRetries,
			RequestTimeout: s.timeout,
			Logger:         transportLoggerFor(os.Getenv, bs.credential),
		})
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root(b.name).AtName("endpoint"), "Invalid endpoint", err.Error())
			continue
		}
		data.Register(b.name, b.configure(hc, p.now, s.maxRetries+1, bs.credentialFrom))
		tflog.Debug(ctx, "configured backend", map[string]any{"backend": b.name, "endpoint": bs.endpoint, "credential_from": bs.credentialFrom})
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
	if !resp.Diagnostics.HasError() {
		p.data.Store(data)
	}
}

func userAgent(version, terraformVersion string) string {
	if terraformVersion == "" {
		terraformVersion = "unknown"
	}
	return fmt.Sprintf("terraform-provider-apikey/%s Terraform/%s", version, terraformVersion)
}

func (p *apikeyProvider) Resources(context.Context) []func() resource.Resource {
	return slices.Concat(unkey.Resources(), mixpeek.Resources())
}

func (p *apikeyProvider) DataSources(context.Context) []func() datasource.DataSource {
	return slices.Concat(unkey.DataSources(), mixpeek.DataSources())
}

func (p *apikeyProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return slices.Concat(unkey.EphemeralResources(), mixpeek.EphemeralResources())
}

func (p *apikeyProvider) ListResources(context.Context) []func() list.ListResource {
	return slices.Concat(unkey.ListResources(), mixpeek.ListResources())
}

func (p *apikeyProvider) Actions(context.Context) []func() action.Action {
	return slices.Concat(unkey.Actions(), mixpeek.Actions())
}
