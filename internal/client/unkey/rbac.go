package unkey

import (
	"context"
	"iter"
)

// CreatePermission creates a permission and returns its id. A duplicate slug is a 409.
func (c *Client) CreatePermission(ctx context.Context, name, slug, description string) (string, error) {
	const op = "permissions.createPermission"
	env, err := call[struct {
		PermissionID string `json:"permissionId"`
	}](ctx, c, op, false, struct {
		Name        string `json:"name"`
		Slug        string `json:"slug"`
		Description string `json:"description,omitempty"`
	}{name, slug, description})
	if err != nil {
		return "", err
	}
	return env.Data.PermissionID, requireID(op, "permissionId", env.Data.PermissionID)
}

// GetPermission reads a permission by id or slug.
func (c *Client) GetPermission(ctx context.Context, permission string) (*Permission, error) {
	env, err := call[Permission](ctx, c, "permissions.getPermission", true, permissionRef{permission})
	if err != nil {
		return nil, err
	}
	return env.Data, nil
}

// ListPermissions returns every permission of the workspace, following the cursor. Options set
// the page size and a search filter.
func (c *Client) ListPermissions(ctx context.Context, opts ...ListOption) ([]Permission, error) {
	return collect(c.PermissionPages(ctx, listRequest(opts)))
}

// ListPermissionsPage returns one page of permissions.
func (c *Client) ListPermissionsPage(ctx context.Context, req ListRequest) (*Page[Permission], error) {
	return listPage[Permission](ctx, c, "permissions.listPermissions", req)
}

// PermissionPages yields the pages of permissions from req.Cursor on; break to stop early.
func (c *Client) PermissionPages(ctx context.Context, req ListRequest) iter.Seq2[*Page[Permission], error] {
	return pages("permissions.listPermissions", req.Cursor, func(cursor string) (*Page[Permission], error) {
		r := req
		r.Cursor = cursor
		return c.ListPermissionsPage(ctx, r)
	})
}

// DeletePermission deletes a permission (by id or slug) and removes it from every key and role.
func (c *Client) DeletePermission(ctx context.Context, permission string) error {
	return callEmpty(ctx, c, "permissions.deletePermission", permissionRef{permission})
}

type permissionRef struct {
	Permission string `json:"permission"`
}

// CreateRole creates a role granting the given permission slugs (missing ones are created when
// the root key may) and returns its id. A duplicate name is a 409.
func (c *Client) CreateRole(ctx context.Context, name, description string, permissions []string) (string, error) {
	const op = "permissions.createRole"
	env, err := call[struct {
		RoleID string `json:"roleId"`
	}](ctx, c, op, false, struct {
		Name        string   `json:"name"`
		Description string   `json:"description,omitempty"`
		Permissions []string `json:"permissions,omitempty"`
	}{name, description, permissions})
	if err != nil {
		return "", err
	}
	return env.Data.RoleID, requireID(op, "roleId", env.Data.RoleID)
}

// GetRole reads a role, with its permissions, by id or name.
func (c *Client) GetRole(ctx context.Context, role string) (*Role, error) {
	env, err := call[Role](ctx, c, "permissions.getRole", true, roleRef{role})
	if err != nil {
		return nil, err
	}
	return env.Data, nil
}

// ListRoles returns every role of the workspace with its permissions, following the cursor.
// Options set the page size and a search filter.
func (c *Client) ListRoles(ctx context.Context, opts ...ListOption) ([]Role, error) {
	return collect(c.RolePages(ctx, listRequest(opts)))
}

// ListRolesPage returns one page of roles.
func (c *Client) ListRolesPage(ctx context.Context, req ListRequest) (*Page[Role], error) {
	return listPage[Role](ctx, c, "permissions.listRoles", req)
}

// RolePages yields the pages of roles from req.Cursor on; break to stop early.
func (c *Client) RolePages(ctx context.Context, req ListRequest) iter.Seq2[*Page[Role], error] {
	return pages("permissions.listRoles", req.Cursor, func(cursor string) (*Page[Role], error) {
		r := req
		r.Cursor = cursor
		return c.ListRolesPage(ctx, r)
	})
}

// SetRolePermissions replaces the permissions of a role (its id, or a name matching
// ^[a-zA-Z0-9_-]+$) with the given slugs; an empty list removes them all, and missing slugs are
// created when the root key may. It returns the role's permissions afterwards.
func (c *Client) SetRolePermissions(ctx context.Context, role string, permissions []string) ([]Permission, error) {
	env, err := call[[]Permission](ctx, c, "permissions.setRolePermissions", true, struct {
		RoleID      string   `json:"roleId"`
		Permissions []string `json:"permissions"`
	}{role, nonNil(permissions)})
	if err != nil {
		return nil, err
	}
	return *env.Data, nil
}

// DeleteRole deletes a role (by id or name); keys lose the permissions it granted.
func (c *Client) DeleteRole(ctx context.Context, role string) error {
	return callEmpty(ctx, c, "permissions.deleteRole", roleRef{role})
}

type roleRef struct {
	Role string `json:"role"`
}
