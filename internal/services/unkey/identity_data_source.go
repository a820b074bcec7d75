package unkey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var (
	_ datasource.DataSourceWithConfigure = (*identityDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*identitiesDataSource)(nil)
)

// identityDataAttributes describes an identity for both data sources; with lookup, id and
// external_id are the inputs (exactly one of them).
func identityDataAttributes(lookup bool) map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{
		"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "Identity id (`id`)."},
		"external_id": schema.StringAttribute{Computed: true, MarkdownDescription: "Your id for the owner (`externalId`)."},
		"meta":        schema.StringAttribute{Computed: true, CustomType: tfvalue.JSONType{}, MarkdownDescription: "Metadata, a JSON object string (`meta`); null when there is none."},
		"ratelimits": schema.SetNestedAttribute{
			Computed:            true,
			MarkdownDescription: "Rate limits shared by the identity's keys (`ratelimits`).",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"name":       schema.StringAttribute{Computed: true, MarkdownDescription: "Limit name (`name`)."},
				"limit":      schema.Int64Attribute{Computed: true, MarkdownDescription: "Requests per window (`limit`)."},
				"duration":   schema.StringAttribute{Computed: true, MarkdownDescription: "Window as a Go duration such as `1m` (`duration`, milliseconds on the wire)."},
				"auto_apply": schema.BoolAttribute{Computed: true, MarkdownDescription: "Applied on every verification (`autoApply`); null when false."},
			}},
		},
	}
	if lookup {
		attrs["id"] = schema.StringAttribute{
			Optional: true, Computed: true,
			MarkdownDescription: "Id of the identity to read. Set exactly one of `id` and `external_id`.",
			Validators: []validator.String{
				tfvalue.NotBlank(),
				stringvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("external_id")),
			},
		}
		attrs["external_id"] = schema.StringAttribute{
			Optional: true, Computed: true,
			MarkdownDescription: "External id of the identity to read (`externalId`). Set exactly one of `id` and `external_id`.",
			Validators:          externalIDValidators(),
		}
	}
	return attrs
}

func identityData(ctx context.Context, ident *unkey.Identity, diags *diag.Diagnostics) identityResourceModel {
	m := identityResourceModel{Meta: tfvalue.JSONNull(), Ratelimits: types.SetNull(ratelimitType)}
	applyIdentity(ctx, &m, ident, diags)
	if m.Ratelimits.IsNull() {
		m.Ratelimits = types.SetValueMust(ratelimitType, nil)
	}
	return m
}

// NewIdentityDataSource is the apikey_unkey_identity data source.
func NewIdentityDataSource() datasource.DataSource { return &identityDataSource{} }

type identityDataSource struct{ svc service }

func (d *identityDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_identity"
}

func (d *identityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Unkey identity by id or by external id (`identities.getIdentity`).",
		Attributes:          identityDataAttributes(true),
	}
}

func (d *identityDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	var diags diag.Diagnostics
	d.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (d *identityDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.svc.Require(&resp.Diagnostics, "data.apikey_unkey_identity") {
		return
	}
	var cfg identityResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ref, at := cfg.ID.ValueString(), path.Root("id")
	if cfg.ID.IsNull() {
		ref, at = cfg.ExternalID.ValueString(), path.Root("external_id")
	}
	ident, err := d.svc.Value.Client.GetIdentity(ctx, ref)
	if unkey.IsIdentityNotFound(err) {
		resp.Diagnostics.AddAttributeError(at, "Identity not found", fmt.Sprintf("Unkey has no identity %q (or it was deleted).", ref))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading identity", fmt.Sprintf("Could not read identity %s: %s", ref, d.svc.Value.explain(err)))
		return
	}
	out := identityData(ctx, ident, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

// NewIdentitiesDataSource is the apikey_unkey_identities data source.
func NewIdentitiesDataSource() datasource.DataSource { return &identitiesDataSource{} }

type identitiesDataSource struct{ svc service }

type identitiesDataModel struct {
	Search     types.String            `tfsdk:"search"`
	Identities []identityResourceModel `tfsdk:"identities"`
}

func (d *identitiesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_identities"
}

func (d *identitiesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the identities of the Unkey workspace (`identities.listIdentities`), following the pagination to the end.",
		Attributes: map[string]schema.Attribute{
			"search": searchAttribute("identities whose id or external id contains this text"),
			"identities": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Matching identities, in Unkey's order.",
				NestedObject:        schema.NestedAttributeObject{Attributes: identityDataAttributes(false)},
			},
		},
	}
}

func (d *identitiesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	var diags diag.Diagnostics
	d.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (d *identitiesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.svc.Require(&resp.Diagnostics, "data.apikey_unkey_identities") {
		return
	}
	var cfg identitiesDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	idents, err := d.svc.Value.Client.ListIdentities(ctx, listOptions(cfg.Search)...)
	if err != nil {
		resp.Diagnostics.AddError("Error listing identities", fmt.Sprintf("Could not list identities: %s", d.svc.Value.explain(err)))
		return
	}
	cfg.Identities = make([]identityResourceModel, 0, len(idents))
	for i := range idents {
		cfg.Identities = append(cfg.Identities, identityData(ctx, &idents[i], &resp.Diagnostics))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
