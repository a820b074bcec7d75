package unkey

import "context"

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

// ListPermissions returns every permission of the workspace, following the cursor.
func (c *Client) ListPermissions(ctx context.Context) ([]Permission, error) {
	const op = "permissions.listPermissions"
	return collectPages(op, func(cursor string) ([]Permission, string, bool, error) {
		return listPage[Permission](ctx, c, op, cursor)
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

// ListRoles returns every role of the workspace, following the cursor.
func (c *Client) ListRoles(ctx context.Context) ([]Role, error) {
	const op = "permissions.listRoles"
	return collectPages(op, func(cursor string) ([]Role, string, bool, error) {
		return listPage[Role](ctx, c, op, cursor)
	})
}

// DeleteRole deletes a role (by id or name); keys lose the permissions it granted.
func (c *Client) DeleteRole(ctx context.Context, role string) error {
	return callEmpty(ctx, c, "permissions.deleteRole", roleRef{role})
}

type roleRef struct {
	Role string `json:"role"`
}

// listPage fetches one full page of a cursor-paginated permissions listing.
func listPage[T any](ctx context.Context, c *Client, op, cursor string) ([]T, string, bool, error) {
	env, err := call[[]T](ctx, c, op, true, struct {
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor,omitempty"`
	}{listPageLimit, cursor})
	if err != nil {
		return nil, "", false, err
	}
	if env.Pagination == nil {
		return *env.Data, "", false, nil
	}
	return *env.Data, env.Pagination.Cursor, env.Pagination.HasMore, nil
}

// listPageLimit is the largest page permissions.listPermissions and listRoles accept.
const listPageLimit = 100
