package unkey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Limits of the permission and role operations that internal/client/unkey does not name.
const (
	permissionNameMinLength = 1
	permissionNameMaxLength = 512
	descriptionMaxLength    = 512
	// rolePermissionsMaxItems is the most permissions a role read returns (Role.permissions).
	rolePermissionsMaxItems = 100
	// listSearchMaxLength bounds the search filter of the v2 listings.
	listSearchMaxLength = 256
)

var (
	_ resource.ResourceWithConfigure   = (*permissionResource)(nil)
	_ resource.ResourceWithImportState = (*permissionResource)(nil)
	_ resource.ResourceWithIdentity    = (*permissionResource)(nil)
)

// NewPermissionResource is the apikey_unkey_permission resource.
func NewPermissionResource() resource.Resource { return &permissionResource{} }

type permissionResource struct{ svc service }

type permissionModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Slug        types.String `tfsdk:"slug"`
	Description types.String `tfsdk:"description"`
}

func (r *permissionResource) b() *Backend { return r.svc.Value }

func (r *permissionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_permission"
}

func (r *permissionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("Permission id (`perm_...`).")
}

func slugValidators() []validator.String {
	return []validator.String{
		stringvalidator.UTF8LengthBetween(unkey.PermissionMinLength, unkey.PermissionMaxLength),
		stringvalidator.RegexMatches(unkey.PermissionPattern, "must contain only letters, digits and _ : - . *"),
	}
}

func (r *permissionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Unkey permission (`permissions.createPermission`): a slug that roles and keys grant and that verification checks (`keys.verifyKey` `permissions`). Unkey has no update operation for permissions, so every change replaces the permission; replacing or destroying it removes it from every role and key that has it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Permission id assigned by Unkey (`permissionId`, `perm_...`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Human-readable name (`name`, %d to %d characters), for example `Read invoices`. Forces replacement.", permissionNameMinLength, permissionNameMaxLength),
				Required:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(permissionNameMinLength, permissionNameMaxLength)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"slug": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The identifier keys and roles refer to (`slug`, %d to %d characters matching `%s`, unique in the workspace), for example `invoices.read`. Use `apikey_unkey_permission.x.slug` in a role's or key's `permissions` so Terraform creates the permission first. Forces replacement.", unkey.PermissionMinLength, unkey.PermissionMaxLength, unkey.PermissionPattern),
				Required:            true,
				Validators:          slugValidators(),
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("What the permission grants, for your team (`description`, at most %d characters). Forces replacement.", descriptionMaxLength),
				Optional:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(descriptionMaxLength)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
		},
	}
}

func (r *permissionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	var diags diag.Diagnostics
	r.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (r *permissionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_permission") {
		return
	}
	var plan permissionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, err := r.b().Client.CreatePermission(ctx, plan.Name.ValueString(), plan.Slug.ValueString(), plan.Description.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error creating permission", fmt.Sprintf("Could not create permission %q: %s%s", plan.Slug.ValueString(), r.b().explain(err), conflictHint(err, "apikey_unkey_permission", plan.Slug.ValueString())))
		return
	}
	plan.ID = types.StringValue(id)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

func (r *permissionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_permission") {
		return
	}
	var state permissionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p, err := r.b().Client.GetPermission(ctx, state.ID.ValueString())
	if unkey.IsPermissionNotFound(err) {
		goneWarning(&resp.Diagnostics, "Permission", state.ID.ValueString())
		setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading permission", fmt.Sprintf("Could not read permission %s: %s. State is left unchanged.", state.ID.ValueString(), r.b().explain(err)))
		return
	}
	applyPermission(&state, p)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
}

func applyPermission(m *permissionModel, p *unkey.Permission) {
	m.ID = types.StringValue(p.ID)
	m.Name = types.StringValue(p.Name)
	m.Slug = types.StringValue(p.Slug)
	m.Description = optionalText(m.Description, p.Description)
}

// Update is never called with a change: every attribute replaces the permission.
func (r *permissionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan permissionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

func (r *permissionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_permission") {
		return
	}
	var state permissionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.b().Client.DeletePermission(ctx, state.ID.ValueString())
	if err != nil && !unkey.IsPermissionNotFound(err) {
		resp.Diagnostics.AddError("Error deleting permission", fmt.Sprintf("Could not delete permission %s: %s", state.ID.ValueString(), r.b().explain(err)))
		return
	}
	// Roles granting it changed; the key resource's cache of role permissions must not keep it.
	r.b().forgetAllRoles()
}

// ImportState accepts a permission id or slug.
func (r *permissionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByRef(ctx, req, resp, "a permission id such as perm_123, or a slug")
}
