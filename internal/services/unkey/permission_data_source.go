package unkey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

var _ datasource.DataSourceWithConfigure = (*permissionsDataSource)(nil)

// NewPermissionsDataSource is the apikey_unkey_permissions data source.
func NewPermissionsDataSource() datasource.DataSource { return &permissionsDataSource{} }

type permissionsDataSource struct{ svc service }

type permissionsDataModel struct {
	Search      types.String      `tfsdk:"search"`
	Permissions []permissionModel `tfsdk:"permissions"`
}

func searchAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: fmt.Sprintf("Only %s (case-insensitive substring, at most %d characters; filtered by Unkey). Unset lists everything.", what, listSearchMaxLength),
		Optional:            true,
		Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, listSearchMaxLength)},
	}
}

func listOptions(search types.String) []unkey.ListOption {
	if search.IsNull() || search.ValueString() == "" {
		return nil
	}
	return []unkey.ListOption{unkey.WithSearch(search.ValueString())}
}

func (d *permissionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_permissions"
}

func (d *permissionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the permissions of the Unkey workspace (`permissions.listPermissions`), following the pagination to the end.",
		Attributes: map[string]schema.Attribute{
			"search": searchAttribute("permissions whose id, name, slug or description contains this text"),
			"permissions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Matching permissions, in Unkey's order.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":          computed("Permission id (`id`)."),
					"name":        computed("Name (`name`)."),
					"slug":        computed("Slug that roles and keys refer to (`slug`)."),
					"description": computed("Description (`description`); null when empty."),
				}},
			},
		},
	}
}

func (d *permissionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	var diags diag.Diagnostics
	d.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (d *permissionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.svc.Require(&resp.Diagnostics, "data.apikey_unkey_permissions") {
		return
	}
	var cfg permissionsDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	perms, err := d.svc.Value.Client.ListPermissions(ctx, listOptions(cfg.Search)...)
	if err != nil {
		resp.Diagnostics.AddError("Error listing permissions", fmt.Sprintf("Could not list permissions: %s", d.svc.Value.explain(err)))
		return
	}
	cfg.Permissions = make([]permissionModel, 0, len(perms))
	for i := range perms {
		var m permissionModel
		applyPermission(&m, &perms[i])
		cfg.Permissions = append(cfg.Permissions, m)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
