package unkey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var _ datasource.DataSourceWithConfigure = (*rolesDataSource)(nil)

// NewRolesDataSource is the apikey_unkey_roles data source.
func NewRolesDataSource() datasource.DataSource { return &rolesDataSource{} }

type rolesDataSource struct{ svc service }

type rolesDataModel struct {
	Search types.String `tfsdk:"search"`
	Roles  []roleModel  `tfsdk:"roles"`
}

func (d *rolesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_roles"
}

func (d *rolesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the roles of the Unkey workspace with their permissions (`permissions.listRoles`), following the pagination to the end.",
		Attributes: map[string]schema.Attribute{
			"search": searchAttribute("roles whose id, name or description contains this text"),
			"roles": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Matching roles, in Unkey's order.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":          computed("Role id (`id`)."),
					"name":        computed("Name that keys refer to (`name`)."),
					"description": computed("Description (`description`); null when empty."),
					"permissions": schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Slugs of the permissions the role grants (`permissions[].slug`)."},
				}},
			},
		},
	}
}

func (d *rolesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	var diags diag.Diagnostics
	d.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (d *rolesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.svc.Require(&resp.Diagnostics, "data.apikey_unkey_roles") {
		return
	}
	var cfg rolesDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	roles, err := d.svc.Value.Client.ListRoles(ctx, listOptions(cfg.Search)...)
	if err != nil {
		resp.Diagnostics.AddError("Error listing roles", fmt.Sprintf("Could not list roles: %s", d.svc.Value.explain(err)))
		return
	}
	cfg.Roles = make([]roleModel, 0, len(roles))
	for i := range roles {
		m := roleModel{Permissions: tfvalue.StringSet(nil)}
		applyRole(&m, &roles[i])
		cfg.Roles = append(cfg.Roles, m)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
