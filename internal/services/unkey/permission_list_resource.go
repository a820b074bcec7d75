package unkey

import (
	"context"
	"fmt"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// NewPermissionListResource is the apikey_unkey_permission list resource, for `terraform query`.
func NewPermissionListResource() list.ListResource { return newPermissionList() }

func newPermissionList() *setupList[unkey.Permission, permissionModel] {
	return &setupList[unkey.Permission, permissionModel]{
		kind:   "permission",
		plural: "permissions",
		description: "Finds the permissions of the Unkey workspace (`permissions.listPermissions`, every page) for `terraform query`, to import them into `apikey_unkey_permission`. " +
			"Each result carries the permission's identity (`id`), a display name of its name and slug and, with `include_resource`, the attributes an import reads. Needs Terraform 1.14 or later.",
		searchOver: "permissions whose id, name, slug or description contains this text",
		pages: func(ctx context.Context, c *unkey.Client, req unkey.ListRequest) iter.Seq2[*unkey.Page[unkey.Permission], error] {
			return c.PermissionPages(ctx, req)
		},
		id:       func(p *unkey.Permission) string { return p.ID },
		display:  permissionDisplayName,
		imported: importedPermission,
	}
}

// permissionDisplayName is "<name> (<slug>)", or the slug alone when the name is the slug: keys
// and roles refer to a permission by its slug.
func permissionDisplayName(p *unkey.Permission) string {
	if p.Name == "" || p.Name == p.Slug {
		return p.Slug
	}
	return fmt.Sprintf("%s (%s)", p.Name, p.Slug)
}

func importedPermission(_ context.Context, p *unkey.Permission, _ *diag.Diagnostics) permissionModel {
	var m permissionModel
	applyPermission(&m, p)
	return m
}
