package mixpeek

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
)

var (
	_ list.ListResource              = (*keyListResource)(nil)
	_ list.ListResourceWithConfigure = (*keyListResource)(nil)
)

// NewKeyListResource is the apikey_mixpeek_key list resource, for `terraform query`.
func NewKeyListResource() list.ListResource { return &keyListResource{} }

type keyListResource struct{ svc service }

type keyListConfig struct {
	UserEmail      types.String `tfsdk:"user_email"`
	IncludeRevoked types.Bool   `tfsdk:"include_revoked"`
	NamePrefix     types.String `tfsdk:"name_prefix"`
}

func (l *keyListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_mixpeek_key"
}

func (l *keyListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds a Mixpeek user's organization keys for `terraform query`, to import them. Each result carries the key's identity (`user_email`, `id`) and, with `include_resource`, the attributes an import reads. Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"user_email": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Owner whose keys to list.",
				Validators:          emailValidators(),
			},
			"include_revoked": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Also list revoked keys (`include_revoked`), for audit. Default `false`. A revoked key cannot be imported: its display name ends in `revoked`.",
			},
			"name_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only keys whose name starts with this string (filtered by the provider).",
			},
		},
	}
}

func (l *keyListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	var diags diag.Diagnostics
	l.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (l *keyListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	if !l.svc.Require(&diags, "list.apikey_mixpeek_key") {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	var cfg keyListConfig
	diags.Append(req.Config.Get(ctx, &cfg)...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	email, prefix := cfg.UserEmail.ValueString(), cfg.NamePrefix.ValueString()
	// Mixpeek returns a user's keys in one response; there is no cursor to follow.
	keys, err := l.svc.Value.Client.ListKeys(ctx, email, cfg.IncludeRevoked.ValueBool())
	if err != nil {
		diags.AddError("Error listing keys", fmt.Sprintf("Could not list the keys of %s: %s", email, l.svc.Value.explain(err)))
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		var sent int64
		for i := range keys {
			if !strings.HasPrefix(keys[i].Name, prefix) {
				continue
			}
			if req.Limit > 0 && sent >= req.Limit {
				return
			}
			sent++
			if !push(listResult(ctx, req, email, &keys[i])) {
				return
			}
		}
	}
}

// listResult is one key as a list result: its identity, a name a person recognises, and with
// include_resource the state an import by identity reads.
func listResult(ctx context.Context, req list.ListRequest, email string, k *mixpeek.Key) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = keyDisplayName(k)
	result.Diagnostics.Append(result.Identity.Set(ctx, keyIdentityModel{UserEmail: types.StringValue(email), ID: types.StringValue(k.KeyID)})...)
	if !req.IncludeResource || result.Diagnostics.HasError() {
		return result
	}
	m, diags := importedModel(ctx, result.Resource, email, k)
	result.Diagnostics.Append(diags...)
	if diags.HasError() {
		return result
	}
	result.Diagnostics.Append(result.Resource.Set(ctx, m)...)
	return result
}

// importedModel is what ImportState followed by Read produces for k (Read also records the
// default permissions in private state, which a list result cannot carry; the import does it).
func importedModel(ctx context.Context, res *tfsdk.Resource, email string, k *mixpeek.Key) (*keyModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	diags.Append(res.SetAttribute(ctx, path.Root("id"), k.KeyID)...)
	diags.Append(res.SetAttribute(ctx, path.Root("user_email"), email)...)
	var m keyModel
	diags.Append(res.Get(ctx, &m)...)
	if diags.HasError() {
		return nil, diags
	}
	keylife.AfterImport(&m.Model)
	m.Scopes = types.SetNull(scopeType)
	applyKey(ctx, &m, k, &diags)
	return &m, diags
}

// keyDisplayName is "<name> (<start>)", with ", revoked" for a revoked key.
func keyDisplayName(k *mixpeek.Key) string {
	var details []string
	if k.KeyPrefix != nil && *k.KeyPrefix != "" {
		details = append(details, *k.KeyPrefix)
	}
	if k.Status == mixpeek.StatusRevoked {
		details = append(details, "revoked")
	}
	name := k.Name
	if name == "" {
		name = k.KeyID
	}
	if len(details) == 0 {
		return name
	}
	return fmt.Sprintf("%s (%s)", name, strings.Join(details, ", "))
}
