package unkey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var (
	_ resource.ResourceWithConfigure   = (*roleResource)(nil)
	_ resource.ResourceWithImportState = (*roleResource)(nil)
	_ resource.ResourceWithIdentity    = (*roleResource)(nil)
)

// NewRoleResource is the apikey_unkey_role resource.
func NewRoleResource() resource.Resource { return &roleResource{} }

type roleResource struct{ svc service }

type roleModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Permissions types.Set    `tfsdk:"permissions"`
}

func (r *roleResource) b() *Backend { return r.svc.Value }

func (r *roleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_role"
}

func (r *roleResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("Role id (`role_...`).")
}

func (r *roleResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Unkey role (`permissions.createRole`): a named set of permissions that keys get through their `roles`. The permissions update in place (`permissions.setRolePermissions`); Unkey cannot rename a role or change its description, so those replace it. Replacing or destroying a role detaches it from every key.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Role id assigned by Unkey (`roleId`, `role_...`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Name of the role (`name`, %d to %d characters, unique in the workspace), for example `support`. Keys refer to roles by name: use `apikey_unkey_role.x.name` in a key's `roles` so Terraform creates the role first. Forces replacement.", unkey.RoleNameMinLength, unkey.RoleNameMaxLength),
				Required:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(unkey.RoleNameMinLength, unkey.RoleNameMaxLength)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("What the role is for (`description`, at most %d characters). Forces replacement.", descriptionMaxLength),
				Optional:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(descriptionMaxLength)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: fmt.Sprintf("Slugs of the permissions the role grants (`permissions`, at most %d, each matching `%s`), for example `[apikey_unkey_permission.read.slug]`. Slugs that do not exist yet are created by Unkey. Updates in place; removing it leaves the role with no permissions, and a permission added to the role outside Terraform is planned away.", rolePermissionsMaxItems, unkey.PermissionPattern),
				ElementType:         types.StringType,
				Optional:            true,
				Validators:          []validator.Set{setvalidator.SizeAtMost(rolePermissionsMaxItems), tfvalue.NoNullElements(), permissionSlugs()},
			},
		},
	}
}

func (r *roleResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	var diags diag.Diagnostics
	r.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (r *roleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_role") {
		return
	}
	var plan roleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	perms := tfvalue.SetStrings(ctx, plan.Permissions, &resp.Diagnostics)
	id, err := r.b().Client.CreateRole(ctx, name, plan.Description.ValueString(), perms)
	if err != nil {
		resp.Diagnostics.AddError("Error creating role", fmt.Sprintf("Could not create role %q: %s%s", name, r.b().explain(err), conflictHint(err, "apikey_unkey_role", name)))
		return
	}
	// A role of this name deleted and made again must not keep the old one's permissions.
	r.b().forgetRole(name)
	plan.ID = types.StringValue(id)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

func (r *roleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_role") {
		return
	}
	var state roleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	role, err := r.b().Client.GetRole(ctx, state.ID.ValueString())
	if unkey.IsRoleNotFound(err) {
		goneWarning(&resp.Diagnostics, "Role", state.ID.ValueString())
		setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading role", fmt.Sprintf("Could not read role %s: %s. State is left unchanged.", state.ID.ValueString(), r.b().explain(err)))
		return
	}
	applyRole(&state, role)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
}

func applyRole(m *roleModel, role *unkey.Role) {
	m.ID = types.StringValue(role.ID)
	m.Name = types.StringValue(role.Name)
	m.Description = optionalText(m.Description, role.Description)
	m.Permissions = tfvalue.SameOrNull(m.Permissions, permissionSlugsOf(role.Permissions))
}

func permissionSlugsOf(perms []unkey.Permission) []string {
	out := make([]string, 0, len(perms))
	for _, p := range perms {
		out = append(out, p.Slug)
	}
	return out
}

// Update sets the role's permissions, the only attribute that changes in place.
func (r *roleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_role") {
		return
	}
	var plan, state roleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Permissions.Equal(state.Permissions) {
		perms := tfvalue.SetStrings(ctx, plan.Permissions, &resp.Diagnostics)
		got, err := r.b().Client.SetRolePermissions(ctx, state.ID.ValueString(), perms)
		// Keys holding the role now have other permissions, whether or not the call succeeded.
		r.b().forgetRole(state.Name.ValueString())
		if err != nil {
			resp.Diagnostics.AddError("Error setting role permissions", fmt.Sprintf("Could not set the permissions of role %s: %s", state.ID.ValueString(), r.b().explain(err)))
			return
		}
		plan.Permissions = tfvalue.SameOrNull(plan.Permissions, permissionSlugsOf(got))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

func (r *roleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_role") {
		return
	}
	var state roleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.b().Client.DeleteRole(ctx, state.ID.ValueString())
	r.b().forgetRole(state.Name.ValueString())
	if err != nil && !unkey.IsRoleNotFound(err) {
		resp.Diagnostics.AddError("Error deleting role", fmt.Sprintf("Could not delete role %s: %s", state.ID.ValueString(), r.b().explain(err)))
	}
}

// ImportState accepts a role id or name.
func (r *roleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByRef(ctx, req, resp, "a role id such as role_123, or a role name")
}

// forgetAllRoles empties the role cache, after a change (a deleted permission) that may alter
// any role.
func (b *Backend) forgetAllRoles() {
	b.roles.mu.Lock()
	b.roles.perms = nil
	b.roles.mu.Unlock()
}
