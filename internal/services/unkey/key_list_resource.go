package unkey

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
)

var (
	_ list.ListResource              = (*keyListResource)(nil)
	_ list.ListResourceWithConfigure = (*keyListResource)(nil)
)

// NewKeyListResource is the apikey_unkey_key list resource, for `terraform query`.
func NewKeyListResource() list.ListResource { return &keyListResource{} }

type keyListResource struct{ svc service }

type keyListConfig struct {
	APIID      types.String `tfsdk:"api_id"`
	ExternalID types.String `tfsdk:"external_id"`
	NamePrefix types.String `tfsdk:"name_prefix"`
}

func (l *keyListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_key"
}

func (l *keyListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the keys of an Unkey API (`apis.listKeys`, every page) for `terraform query`, to import them. Each result carries the key's identity (`api_id`, `id`) and, with `include_resource`, the attributes an import reads. Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"api_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "API whose keys to list.",
				Validators:          identifier(unkey.APIIDMinLength, unkey.APIIDMaxLength),
			},
			"external_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only keys linked to the identity with this external id (filtered by Unkey).",
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(unkey.ExternalIDMinLength, unkey.ExternalIDMaxLength),
					stringvalidator.RegexMatches(unkey.ExternalIDPattern, "must contain only letters, digits and _ . -"),
				},
			},
			"name_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only keys whose name starts with this string (filtered by the provider; unnamed keys never match).",
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
	if !l.svc.Require(&diags, "list.apikey_unkey_key") {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	var cfg keyListConfig
	diags.Append(req.Config.Get(ctx, &cfg)...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	apiID, prefix := cfg.APIID.ValueString(), cfg.NamePrefix.ValueString()
	b := l.svc.Value
	// The resource's own import path fills each object, so what a generated configuration
	// imports is what this listing showed.
	reader := &keyResource{svc: l.svc}
	stream.Results = func(push func(list.ListResult) bool) {
		var sent int64
		pages := b.Client.KeyPages(ctx, unkey.ListKeysRequest{APIID: apiID, ExternalID: cfg.ExternalID.ValueString()})
		for page, err := range pages {
			if err != nil {
				var d diag.Diagnostics
				d.AddError("Error listing keys", fmt.Sprintf("Could not list the keys of API %s: %s", apiID, b.explain(err)))
				push(list.ListResult{Diagnostics: d})
				return
			}
			for i := range page.Keys {
				k := &page.Keys[i]
				if prefix != "" && (k.Name == nil || !strings.HasPrefix(*k.Name, prefix)) {
					continue
				}
				if req.Limit > 0 && sent >= req.Limit {
					return
				}
				sent++
				if !push(reader.listResult(ctx, req, apiID, k)) {
					return
				}
			}
		}
	}
}

// listResult is one key as a list result: its identity, a name a person recognises, and with
// include_resource the state an import by identity reads.
func (r *keyResource) listResult(ctx context.Context, req list.ListRequest, apiID string, k *unkey.Key) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = keyDisplayName(k)
	result.Diagnostics.Append(result.Identity.Set(ctx, keyIdentityModel{APIID: types.StringValue(apiID), ID: types.StringValue(k.KeyID)})...)
	if !req.IncludeResource || result.Diagnostics.HasError() {
		return result
	}
	m, diags := r.importedModel(ctx, result.Resource, apiID, k)
	result.Diagnostics.Append(diags...)
	if diags.HasError() {
		return result
	}
	result.Diagnostics.Append(result.Resource.Set(ctx, m)...)
	return result
}

// importedModel is what ImportState followed by Read produces for k. The listing already shows
// that k is in apiID, so the membership check of an import by "<api_id>/<key_id>" is skipped.
func (r *keyResource) importedModel(ctx context.Context, res *tfsdk.Resource, apiID string, k *unkey.Key) (*keyModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	// Starting from a null object with only the import id set gives every other attribute the
	// null an import starts with.
	diags.Append(res.SetAttribute(ctx, path.Root("id"), k.KeyID)...)
	var m keyModel
	diags.Append(res.Get(ctx, &m)...)
	if diags.HasError() {
		return nil, diags
	}
	keylife.AfterImport(&m.Model)
	r.completeImport(ctx, &m, k, &diags)
	m.APIID = types.StringValue(apiID)
	r.apply(ctx, &m, k, &diags)
	return &m, diags
}

// keyDisplayName is "<name> (<start>)", or the id for an unnamed key.
func keyDisplayName(k *unkey.Key) string {
	if k.Name == nil || *k.Name == "" {
		if k.Start == "" {
			return k.KeyID
		}
		return fmt.Sprintf("%s (%s)", k.KeyID, k.Start)
	}
	if k.Start == "" {
		return *k.Name
	}
	return fmt.Sprintf("%s (%s)", *k.Name, k.Start)
}
