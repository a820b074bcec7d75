package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

var _ datasource.DataSourceWithConfigure = (*keysDataSource)(nil)

// NewKeysDataSource is the apikey_keys data source: a filtered listing of keys' metadata.
func NewKeysDataSource() datasource.DataSource { return &keysDataSource{} }

type keysDataSource struct {
	data *providerData
}

type keysDataModel struct {
	NamePrefix types.String            `tfsdk:"name_prefix"`
	Unkey      *keysUnkeyFilterModel   `tfsdk:"unkey"`
	Mixpeek    *keysMixpeekFilterModel `tfsdk:"mixpeek"`
	Keys       []keyDataModel          `tfsdk:"keys"`
}

type keysMixpeekFilterModel struct {
	UserEmail      types.String `tfsdk:"user_email"`
	IncludeRevoked types.Bool   `tfsdk:"include_revoked"`
}

type keysUnkeyFilterModel struct {
	APIID      types.String `tfsdk:"api_id"`
	ExternalID types.String `tfsdk:"external_id"`
}

func (d *keysDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_keys"
}

func (d *keysDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists keys' metadata, following the backend's pagination to the end. Plaintexts are never listed.",
		Attributes: map[string]schema.Attribute{
			"name_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only keys whose name starts with this string (filtered by the provider).",
			},
			"unkey": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Unkey filters. Required with `backend = \"unkey\"`.",
				Attributes: map[string]schema.Attribute{
					"api_id": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "API whose keys to list.",
						Validators: []validator.String{
							stringvalidator.LengthBetween(unkey.APIIDMinLength, unkey.APIIDMaxLength),
							stringvalidator.RegexMatches(unkey.IdentifierPattern, "must contain only letters, digits and _"),
						},
					},
					"external_id": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Only keys linked to the identity with this external id (filtered by the API).",
						Validators: []validator.String{
							stringvalidator.LengthBetween(unkey.ExternalIDMinLength, unkey.ExternalIDMaxLength),
							stringvalidator.RegexMatches(unkey.ExternalIDPattern, "must contain only letters, digits and _ . -"),
						},
					},
				},
			},
			"mixpeek": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Mixpeek filters. Required with `backend = \"mixpeek\"`.",
				Attributes: map[string]schema.Attribute{
					"user_email":      schema.StringAttribute{Required: true, MarkdownDescription: "Owner whose keys to list."},
					"include_revoked": schema.BoolAttribute{Optional: true, MarkdownDescription: "Also list revoked and expired keys. Default `false`."},
				},
			},
			"keys": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Matching keys, ordered by id.",
				NestedObject:        schema.NestedAttributeObject{Attributes: keyDataAttributes(false)},
			},
		},
	}
}

func (d *keysDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = dataSourceProviderData(req, resp)
}

func (d *keysDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg keysDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	prefix := cfg.NamePrefix.ValueString()
	if d.data.backend == backendMixpeek {
		if cfg.Mixpeek == nil {
			resp.Diagnostics.AddAttributeError(path.Root("mixpeek"), "Missing mixpeek filter", "With backend \"mixpeek\" set mixpeek = { user_email = \"...\" }.")
			return
		}
		email := cfg.Mixpeek.UserEmail.ValueString()
		keys, err := d.data.mixpeek.ListKeys(ctx, email, cfg.Mixpeek.IncludeRevoked.ValueBool())
		if err != nil {
			resp.Diagnostics.AddError("Error listing keys", fmt.Sprintf("Could not list the keys of %s: %s", email, err))
			return
		}
		cfg.Keys = make([]keyDataModel, 0, len(keys))
		for i := range keys {
			if strings.HasPrefix(keys[i].Name, prefix) {
				cfg.Keys = append(cfg.Keys, mixpeekKeyData(ctx, &keys[i], email, &resp.Diagnostics))
			}
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
		return
	}
	if cfg.Unkey == nil {
		resp.Diagnostics.AddAttributeError(path.Root("unkey"), "Missing unkey filter", "With backend \"unkey\" set unkey = { api_id = \"api_...\" }.")
		return
	}
	keys, err := d.data.unkey.ListAllKeys(ctx, cfg.Unkey.APIID.ValueString(), cfg.Unkey.ExternalID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error listing keys", fmt.Sprintf("Could not list the keys of API %s: %s", cfg.Unkey.APIID.ValueString(), err))
		return
	}
	now := d.data.now()
	cfg.Keys = make([]keyDataModel, 0, len(keys))
	for i := range keys {
		k := &keys[i]
		if prefix != "" && (k.Name == nil || !strings.HasPrefix(*k.Name, prefix)) {
			continue
		}
		cfg.Keys = append(cfg.Keys, unkeyKeyData(ctx, k, cfg.Unkey.APIID, now, &resp.Diagnostics))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
