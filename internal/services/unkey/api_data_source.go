package unkey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

var _ datasource.DataSourceWithConfigure = (*apiDataSource)(nil)

// NewAPIDataSource is the apikey_unkey_api data source.
func NewAPIDataSource() datasource.DataSource { return &apiDataSource{} }

type apiDataSource struct{ svc service }

type apiDataModel struct {
	ID   types.String `tfsdk:"id"`
	Name types.String `tfsdk:"name"`
}

func (d *apiDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_api"
}

func (d *apiDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads an Unkey API by id (`apis.getApi`), for example one created in the dashboard, so keys can be managed in it without managing the API.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Id of the API to read (`apiId`, `api_...`).",
				Required:            true,
				Validators:          identifier(unkey.APIIDMinLength, unkey.APIIDMaxLength),
			},
			"name": schema.StringAttribute{MarkdownDescription: "Name of the API (`name`).", Computed: true},
		},
	}
}

func (d *apiDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	var diags diag.Diagnostics
	d.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (d *apiDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.svc.Require(&resp.Diagnostics, "data.apikey_unkey_api") {
		return
	}
	var cfg apiDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	api, err := d.svc.Value.Client.GetAPI(ctx, cfg.ID.ValueString())
	if unkey.IsAPINotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "API not found", fmt.Sprintf("Unkey has no API with id %q (or it was deleted).", cfg.ID.ValueString()))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading API", fmt.Sprintf("Could not read API %s: %s", cfg.ID.ValueString(), d.svc.Value.explain(err)))
		return
	}
	out := apiDataModel{ID: types.StringValue(api.ID), Name: types.StringValue(api.Name)}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
