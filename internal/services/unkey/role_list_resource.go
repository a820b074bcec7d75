package unkey

import (
	"context"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// NewRoleListResource is the apikey_unkey_role list resource, for `terraform query`.
func NewRoleListResource() list.ListResource { return newRoleList() }

func newRoleList() *setupList[unkey.Role, roleModel] {
	return &setupList[unkey.Role, roleModel]{
		kind:   "role",
		plural: "roles",
		description: "Finds the roles of the Unkey workspace (`permissions.listRoles`, every page) for `terraform query`, to import them into `apikey_unkey_role`. " +
			"Each result carries the role's identity (`id`), its name as the display name and, with `include_resource`, the attributes an import reads. Needs Terraform 1.14 or later.",
		searchOver: "roles whose id, name or description contains this text",
		pages: func(ctx context.Context, c *unkey.Client, req unkey.ListRequest) iter.Seq2[*unkey.Page[unkey.Role], error] {
			return c.RolePages(ctx, req)
		},
		id:       func(r *unkey.Role) string { return r.ID },
		display:  func(r *unkey.Role) string { return r.Name },
		imported: importedRole,
	}
}

func importedRole(_ context.Context, role *unkey.Role, _ *diag.Diagnostics) roleModel {
	var m roleModel
	applyRole(&m, role)
	return m
}
