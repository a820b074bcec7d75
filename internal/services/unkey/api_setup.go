package unkey

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Helpers shared by the setup resources (API, permission, role, identity): objects with an id
// assigned by Unkey, read back whole, and looked up by id or by a natural key.

// idIdentityModel is the resource identity of a setup object: its Unkey id.
type idIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

func idIdentitySchema(what string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{RequiredForImport: true, Description: what},
		},
	}
}

// importByRef puts an import id (or the identity's id) into `id`; Read resolves it, so any
// reference the get operation accepts (an id, a slug, a name, an external id) imports.
func importByRef(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, accepted string) {
	ref := req.ID
	if ref == "" {
		var ident idIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		if resp.Diagnostics.HasError() {
			return
		}
		ref = ident.ID.ValueString()
	}
	if ref == "" {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("Expected %s; got an empty id.", accepted))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ref)...)
}

// goneWarning is the warning of a Read that finds the object deleted outside Terraform.
func goneWarning(diags *diag.Diagnostics, what, ref string) {
	diags.AddWarning(fmt.Sprintf("%s no longer exists", what),
		fmt.Sprintf("Unkey reports %s %s as not found: it was deleted outside Terraform. It is removed from state and the next plan creates it again.", what, ref))
}

// optionalText maps an API string where "" means unset: null unless the prior value was the
// empty string (configured as ""), so neither spelling of "none" causes a diff.
func optionalText(prior types.String, got string) types.String {
	if got == "" && !(prior.IsNull() || prior.IsUnknown()) && prior.ValueString() == "" {
		return prior
	}
	if got == "" {
		return types.StringNull()
	}
	return types.StringValue(got)
}

// setIdentity writes the id identity, also for a removed resource (clients before 1.12 send no
// identity with the prior state and the framework rejects a Read that ends without one).
func setIdentity(ctx context.Context, ident *tfsdk.ResourceIdentity, id types.String, diags *diag.Diagnostics) {
	if ident == nil {
		return
	}
	diags.Append(ident.Set(ctx, idIdentityModel{ID: id})...)
}

// conflictHint explains a 409 from a create: the natural key is taken in the workspace.
func conflictHint(err error, typeName, ref string) string {
	if !unkey.IsStatus(err, http.StatusConflict) {
		return ""
	}
	return fmt.Sprintf(". %q already exists in the workspace: import it (terraform import %s.<name> %s) or choose another", ref, typeName, ref)
}
