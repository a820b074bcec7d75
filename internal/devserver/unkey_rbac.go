package devserver

import (
	"context"
	"database/sql"
)

type permissionData struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	Description string `json:"description,omitempty"`
}

type roleData struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Description string           `json:"description,omitempty"`
	Permissions []permissionData `json:"permissions,omitempty"`
}

func errPermissionNotFound(ref string) *apiError {
	return notFound("permission", "The permission "+ref+" does not exist.")
}

func errRoleNotFound(ref string) *apiError {
	return notFound("role", "The role "+ref+" does not exist.")
}

func queryPermissions(ctx context.Context, q querier, query string, args ...any) ([]permissionData, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []permissionData
	for rows.Next() {
		var p permissionData
		if err := rows.Scan(&p.ID, &p.Name, &p.Slug, &p.Description); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// queryRoles reads roles and then their permissions (after closing the first result set, as
// the single pooled connection requires).
func queryRoles(ctx context.Context, q querier, query string, args ...any) ([]roleData, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []roleData
	for rows.Next() {
		var r roleData
		if err := rows.Scan(&r.ID, &r.Name, &r.Description); err != nil {
			_ = rows.Close() // the Scan error is the one worth reporting
			return nil, err
		}
		out = append(out, r)
	}
	_ = rows.Close() // closed before the permission queries; rows.Err reports any iteration error
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Permissions, err = queryPermissions(ctx, q, `SELECT p.id, p.name, p.slug, p.description FROM permissions p
			JOIN roles_permissions rp ON rp.permission_id = p.id WHERE rp.role_id = ? ORDER BY p.slug`, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// findPermission resolves a permission id or slug.
func findPermission(ctx context.Context, q querier, ref string) (permissionData, error) {
	ps, err := queryPermissions(ctx, q, `SELECT id, name, slug, description FROM permissions WHERE id = ? OR slug = ?`, ref, ref)
	if err != nil {
		return permissionData{}, err
	}
	if len(ps) == 0 {
		return permissionData{}, errPermissionNotFound(ref)
	}
	return ps[0], nil
}

// findRole resolves a role id or name.
func findRole(ctx context.Context, q querier, ref string) (roleData, error) {
	rs, err := queryRoles(ctx, q, `SELECT id, name, description FROM roles WHERE id = ? OR name = ?`, ref, ref)
	if err != nil {
		return roleData{}, err
	}
	if len(rs) == 0 {
		return roleData{}, errRoleNotFound(ref)
	}
	return rs[0], nil
}

// ensurePermissions returns the ids of slugs, creating the missing ones (named after their
// slug) as Unkey's createKey/updateKey do. Where Unkey requires create_permission for that
// (keys.add/setPermissions, createRole, setRolePermissions), gated is true and a root key
// without it gets a 403 for a missing slug.
func (s *Server) ensurePermissions(ctx context.Context, tx *sql.Tx, slugs []string, gated bool) ([]string, error) {
	ids := make([]string, 0, len(slugs))
	for _, slug := range slugs {
		if gated && !can(ctx, PermCreatePermission) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM permissions WHERE slug = ?`, slug).Scan(&n); err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, require(ctx, PermCreatePermission)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO permissions(id, name, slug, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(slug) DO NOTHING`,
			newID("perm"), slug, slug, s.nowMillis()); err != nil {
			return nil, err
		}
		var id string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM permissions WHERE slug = ?`, slug).Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// setKeyPermissions adds direct permissions (by slug, auto-created) to a key.
func (s *Server) setKeyPermissions(ctx context.Context, tx *sql.Tx, keyID string, slugs []string, gated bool) error {
	ids, err := s.ensurePermissions(ctx, tx, slugs, gated)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO keys_permissions(key_id, permission_id) VALUES (?, ?)`, keyID, id); err != nil {
			return err
		}
	}
	return nil
}

// setKeyRoles adds roles (by name or id) to a key; roles are never auto-created, so one unknown
// role fails the call and the caller's transaction rolls back.
func setKeyRoles(ctx context.Context, tx *sql.Tx, keyID string, refs []string) error {
	for _, ref := range refs {
		r, err := findRole(ctx, tx, ref)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO keys_roles(key_id, role_id) VALUES (?, ?)`, keyID, r.ID); err != nil {
			return err
		}
	}
	return nil
}

func directPermissions(ctx context.Context, q querier, keyID string) ([]permissionData, error) {
	ps, err := queryPermissions(ctx, q, `SELECT p.id, p.name, p.slug, p.description FROM permissions p
		JOIN keys_permissions kp ON kp.permission_id = p.id WHERE kp.key_id = ? ORDER BY p.slug`, keyID)
	if ps == nil {
		ps = []permissionData{}
	}
	return ps, err
}

func directRoles(ctx context.Context, q querier, keyID string) ([]roleData, error) {
	rs, err := queryRoles(ctx, q, `SELECT r.id, r.name, r.description FROM roles r
		JOIN keys_roles kr ON kr.role_id = r.id WHERE kr.key_id = ? ORDER BY r.name`, keyID)
	if rs == nil {
		rs = []roleData{}
	}
	return rs, err
}

// keyPermissionsRequest is the body of keys.add/set/removePermissions.
type keyPermissionsRequest struct {
	KeyID       *string  `json:"keyId"`
	Permissions []string `json:"permissions"`
	minItems    int
	maxItems    int
}

func (r *keyPermissionsRequest) validate(v *validator) {
	v.keyID("body.keyId", r.KeyID)
	if v.required("body.permissions", r.Permissions != nil) {
		v.slugs("body.permissions", r.Permissions, r.minItems, r.maxItems)
	}
}

type addPermissionsRequest struct{ keyPermissionsRequest }

func (r *addPermissionsRequest) validate(v *validator) {
	r.minItems, r.maxItems = 1, ukPermissionsMaxItems
	r.keyPermissionsRequest.validate(v)
}

type setPermissionsRequest struct{ keyPermissionsRequest }

func (r *setPermissionsRequest) validate(v *validator) {
	r.minItems, r.maxItems = 0, -1
	r.keyPermissionsRequest.validate(v)
}

type removePermissionsRequest struct{ keyPermissionsRequest }

func (r *removePermissionsRequest) validate(v *validator) {
	r.minItems, r.maxItems = 1, ukPermissionsMaxItems
	r.keyPermissionsRequest.validate(v)
}

// changeKey runs fn on a live key in a transaction, stamps updatedAt and returns whatever
// result computes afterwards inside the same transaction.
func (s *Server) changeKey(ctx context.Context, keyID string, fn func(tx *sql.Tx, k keyRow) error, result func(tx *sql.Tx) (any, error)) (any, error) {
	var out any
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		k, err := loadKey(ctx, tx, keyID)
		if err != nil {
			return err
		}
		if err := fn(tx, k); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE keys SET updated_at = ? WHERE id = ?`, s.nowMillis(), k.id); err != nil {
			return err
		}
		out, err = result(tx)
		return err
	})
	return out, err
}

func keyPermissionsResult(ctx context.Context, keyID string) func(tx *sql.Tx) (any, error) {
	return func(tx *sql.Tx) (any, error) { return directPermissions(ctx, tx, keyID) }
}

func keyRolesResult(ctx context.Context, keyID string) func(tx *sql.Tx) (any, error) {
	return func(tx *sql.Tx) (any, error) { return directRoles(ctx, tx, keyID) }
}

func (s *Server) handleAddPermissions(ctx context.Context, req *addPermissionsRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermUpdateKey, PermAddPermissionToKey); err != nil {
		return nil, err
	}
	return s.changeKey(ctx, *req.KeyID, func(tx *sql.Tx, k keyRow) error {
		return s.setKeyPermissions(ctx, tx, k.id, req.Permissions, true)
	}, keyPermissionsResult(ctx, *req.KeyID))
}

func (s *Server) handleSetPermissions(ctx context.Context, req *setPermissionsRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermUpdateKey, PermAddPermissionToKey, PermRemovePermissionFromKey); err != nil {
		return nil, err
	}
	return s.changeKey(ctx, *req.KeyID, func(tx *sql.Tx, k keyRow) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM keys_permissions WHERE key_id = ?`, k.id); err != nil {
			return err
		}
		return s.setKeyPermissions(ctx, tx, k.id, req.Permissions, true)
	}, keyPermissionsResult(ctx, *req.KeyID))
}

// handleRemovePermissions accepts slugs or permission ids; an unknown one is a 404.
func (s *Server) handleRemovePermissions(ctx context.Context, req *removePermissionsRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermUpdateKey, PermRemovePermissionFromKey); err != nil {
		return nil, err
	}
	return s.changeKey(ctx, *req.KeyID, func(tx *sql.Tx, k keyRow) error {
		for _, ref := range req.Permissions {
			p, err := findPermission(ctx, tx, ref)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM keys_permissions WHERE key_id = ? AND permission_id = ?`, k.id, p.ID); err != nil {
				return err
			}
		}
		return nil
	}, keyPermissionsResult(ctx, *req.KeyID))
}

// keyRolesRequest is the body of keys.add/set/removeRoles.
type keyRolesRequest struct {
	KeyID    *string  `json:"keyId"`
	Roles    []string `json:"roles"`
	minItems int
}

func (r *keyRolesRequest) validate(v *validator) {
	v.keyID("body.keyId", r.KeyID)
	if v.required("body.roles", r.Roles != nil) {
		v.roleNames("body.roles", r.Roles, r.minItems, ukRolesMaxItems)
	}
}

type addRolesRequest struct{ keyRolesRequest }

func (r *addRolesRequest) validate(v *validator) {
	r.minItems = 1
	r.keyRolesRequest.validate(v)
}

type setRolesRequest struct{ keyRolesRequest }

type removeRolesRequest struct{ keyRolesRequest }

func (r *removeRolesRequest) validate(v *validator) {
	r.minItems = 1
	r.keyRolesRequest.validate(v)
}

func (s *Server) handleAddRoles(ctx context.Context, req *addRolesRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermUpdateKey, PermAddRoleToKey); err != nil {
		return nil, err
	}
	return s.changeKey(ctx, *req.KeyID, func(tx *sql.Tx, k keyRow) error {
		return setKeyRoles(ctx, tx, k.id, req.Roles)
	}, keyRolesResult(ctx, *req.KeyID))
}

func (s *Server) handleSetRoles(ctx context.Context, req *setRolesRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermUpdateKey); err != nil {
		return nil, err
	}
	return s.changeKey(ctx, *req.KeyID, func(tx *sql.Tx, k keyRow) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM keys_roles WHERE key_id = ?`, k.id); err != nil {
			return err
		}
		return setKeyRoles(ctx, tx, k.id, req.Roles)
	}, keyRolesResult(ctx, *req.KeyID))
}

func (s *Server) handleRemoveRoles(ctx context.Context, req *removeRolesRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermUpdateKey); err != nil {
		return nil, err
	}
	return s.changeKey(ctx, *req.KeyID, func(tx *sql.Tx, k keyRow) error {
		for _, ref := range req.Roles {
			r, err := findRole(ctx, tx, ref)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM keys_roles WHERE key_id = ? AND role_id = ?`, k.id, r.ID); err != nil {
				return err
			}
		}
		return nil
	}, keyRolesResult(ctx, *req.KeyID))
}

type createPermissionRequest struct {
	Name        *string `json:"name"`
	Slug        *string `json:"slug"`
	Description *string `json:"description"`
}

func (r *createPermissionRequest) validate(v *validator) {
	v.reqStr("body.name", r.Name, ukPermissionNameMinLength, ukPermissionNameMaxLength, nil)
	v.reqStr("body.slug", r.Slug, ukSlugMinLength, ukSlugMaxLength, ukSlugPattern)
	v.optStr("body.description", r.Description, 0, ukDescriptionMaxLength, nil)
}

func (s *Server) handleCreatePermission(ctx context.Context, req *createPermissionRequest) (any, error) {
	if err := require(ctx, PermCreatePermission); err != nil {
		return nil, err
	}
	id := newID("perm")
	desc := ""
	if req.Description != nil {
		desc = *req.Description
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO permissions(id, name, slug, description, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(slug) DO NOTHING`, id, *req.Name, *req.Slug, desc, s.nowMillis())
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, conflict("permission", "A permission with slug "+*req.Slug+" already exists.")
	}
	return map[string]string{"permissionId": id}, nil
}

type permissionRefRequest struct {
	Permission *string `json:"permission"`
}

func (r *permissionRefRequest) validate(v *validator) {
	v.reqStr("body.permission", r.Permission, ukSlugMinLength, ukSlugMaxLength, ukSlugPattern)
}

func (s *Server) handleGetPermission(ctx context.Context, req *permissionRefRequest) (any, error) {
	if err := require(ctx, PermReadPermission); err != nil {
		return nil, err
	}
	return findPermission(ctx, s.db, *req.Permission)
}

// handleDeletePermission also detaches the permission from every key and role.
func (s *Server) handleDeletePermission(ctx context.Context, req *permissionRefRequest) (any, error) {
	if err := require(ctx, PermDeletePermission); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		p, err := findPermission(ctx, tx, *req.Permission)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM keys_permissions WHERE permission_id = ?`,
			`DELETE FROM roles_permissions WHERE permission_id = ?`,
			`DELETE FROM permissions WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// listRequest is the body of permissions.listPermissions and permissions.listRoles.
type listRequest struct {
	Cursor *string `json:"cursor"`
	Limit  *int64  `json:"limit"`
	Search *string `json:"search"`
}

func (r *listRequest) validate(v *validator) {
	v.optStr("body.cursor", r.Cursor, 0, ukCursorMaxLength, nil)
	if r.Limit != nil {
		v.intRange("body.limit", *r.Limit, 1, ukListLimitMax)
	}
	v.optStr("body.search", r.Search, 0, ukSearchMaxLength, nil)
}

// page returns the SQL filter/limit arguments: rows with id >= cursor whose searched columns
// contain search (case-insensitively), one more than the page size to detect hasMore.
func (r *listRequest) page() (cursor, search string, limit int64) {
	limit = ukListLimitDefault
	if r.Limit != nil {
		limit = *r.Limit
	}
	if r.Cursor != nil {
		cursor = *r.Cursor
	}
	if r.Search != nil {
		search = *r.Search
	}
	return cursor, search, limit
}

func pageOf[T any](items []T, limit int64, id func(T) string) listResult {
	if items == nil {
		items = []T{}
	}
	if int64(len(items)) > limit {
		return listResult{data: items[:limit], pagination: pagination{Cursor: id(items[limit]), HasMore: true}}
	}
	return listResult{data: items}
}

func (s *Server) handleListPermissions(ctx context.Context, req *listRequest) (any, error) {
	if err := require(ctx, PermReadPermission); err != nil {
		return nil, err
	}
	cursor, search, limit := req.page()
	ps, err := queryPermissions(ctx, s.db, `SELECT id, name, slug, description FROM permissions
		WHERE id >= ? AND (instr(lower(id || ' ' || name || ' ' || slug || ' ' || description), lower(?)) > 0)
		ORDER BY id LIMIT ?`, cursor, search, limit+1)
	if err != nil {
		return nil, err
	}
	return pageOf(ps, limit, func(p permissionData) string { return p.ID }), nil
}

type createRoleRequest struct {
	Name        *string  `json:"name"`
	Description *string  `json:"description"`
	Permissions []string `json:"permissions"`
}

func (r *createRoleRequest) validate(v *validator) {
	v.reqStr("body.name", r.Name, ukRoleNameMinLength, ukRoleNameMaxLength, nil)
	v.optStr("body.description", r.Description, 0, ukDescriptionMaxLength, nil)
	v.slugs("body.permissions", r.Permissions, 0, -1)
}

func (s *Server) handleCreateRole(ctx context.Context, req *createRoleRequest) (any, error) {
	need := []string{PermCreateRole}
	if len(req.Permissions) > 0 {
		need = append(need, PermAddPermissionToRole)
	}
	if err := require(ctx, need...); err != nil {
		return nil, err
	}
	id := newID("role")
	desc := ""
	if req.Description != nil {
		desc = *req.Description
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO roles(id, name, description, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO NOTHING`,
			id, *req.Name, desc, s.nowMillis())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("role", "A role named "+*req.Name+" already exists.")
		}
		permIDs, err := s.ensurePermissions(ctx, tx, req.Permissions, true)
		if err != nil {
			return err
		}
		for _, pid := range permIDs {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO roles_permissions(role_id, permission_id) VALUES (?, ?)`, id, pid); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"roleId": id}, nil
}

type roleRefRequest struct {
	Role *string `json:"role"`
}

func (r *roleRefRequest) validate(v *validator) {
	v.reqStr("body.role", r.Role, ukRoleNameMinLength, ukRoleNameMaxLength, nil)
}

func (s *Server) handleGetRole(ctx context.Context, req *roleRefRequest) (any, error) {
	if err := require(ctx, PermReadRole); err != nil {
		return nil, err
	}
	return findRole(ctx, s.db, *req.Role)
}

// handleDeleteRole also detaches the role from every key.
func (s *Server) handleDeleteRole(ctx context.Context, req *roleRefRequest) (any, error) {
	if err := require(ctx, PermDeleteRole); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		r, err := findRole(ctx, tx, *req.Role)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM keys_roles WHERE role_id = ?`,
			`DELETE FROM roles_permissions WHERE role_id = ?`,
			`DELETE FROM roles WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, r.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) handleListRoles(ctx context.Context, req *listRequest) (any, error) {
	if err := require(ctx, PermReadRole); err != nil {
		return nil, err
	}
	cursor, search, limit := req.page()
	rs, err := queryRoles(ctx, s.db, `SELECT id, name, description FROM roles
		WHERE id >= ? AND (instr(lower(id || ' ' || name || ' ' || description), lower(?)) > 0)
		ORDER BY id LIMIT ?`, cursor, search, limit+1)
	if err != nil {
		return nil, err
	}
	return pageOf(rs, limit, func(r roleData) string { return r.ID }), nil
}

type setRolePermissionsRequest struct {
	RoleID      *string  `json:"roleId"`
	Permissions []string `json:"permissions"`
}

func (r *setRolePermissionsRequest) validate(v *validator) {
	v.reqStr("body.roleId", r.RoleID, ukResourceIdentifierMinLength, ukResourceIdentifierMaxLength, ukResourceIdentifierRegexp)
	if v.required("body.permissions", r.Permissions != nil) {
		v.slugs("body.permissions", r.Permissions, 0, -1)
	}
}

// handleSetRolePermissions replaces the role's permissions (missing slugs are created, which
// needs create_permission) and answers with the role's permissions afterwards.
func (s *Server) handleSetRolePermissions(ctx context.Context, req *setRolePermissionsRequest) (any, error) {
	var out []permissionData
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		r, err := findRole(ctx, tx, *req.RoleID)
		if err != nil {
			return err
		}
		if err := require(ctx, PermAddPermissionToRole, PermRemovePermissionRole); err != nil {
			return err
		}
		ids, err := s.ensurePermissions(ctx, tx, req.Permissions, true)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM roles_permissions WHERE role_id = ?`, r.ID); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO roles_permissions(role_id, permission_id) VALUES (?, ?)`, r.ID, id); err != nil {
				return err
			}
		}
		out, err = queryPermissions(ctx, tx, `SELECT p.id, p.name, p.slug, p.description FROM permissions p
			JOIN roles_permissions rp ON rp.permission_id = p.id WHERE rp.role_id = ? ORDER BY p.slug`, r.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []permissionData{}
	}
	return out, nil
}
