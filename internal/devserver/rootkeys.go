package devserver

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Root keys are stored only as SHA-256 digests (a root key is 24 random bytes, so a fast hash
// is enough). The primary root key answers both protocols with every permission; extra keys
// issued by NewRootKeyWithout answer the Unkey protocol only and lack the permissions they
// were issued without.
var rootKeySchema = []string{
	`CREATE TABLE IF NOT EXISTS root_keys (
		digest     BLOB PRIMARY KEY,
		is_primary INTEGER NOT NULL,
		denied     TEXT NOT NULL,
		created_at INTEGER NOT NULL
	)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS root_keys_primary ON root_keys(is_primary) WHERE is_primary = 1`,
}

// RootKeySource says where the primary root key of a started Server comes from.
type RootKeySource int

const (
	// RootKeyConfigured: Config.RootKey was set; it replaces any root key the database had.
	RootKeyConfigured RootKeySource = iota + 1
	// RootKeyGenerated: the database had no root key, so a new one was generated and its digest
	// stored; RootKey returns it, and only this once.
	RootKeyGenerated
	// RootKeyKept: the database's root key stays valid. Only its digest is stored, so RootKey
	// returns "".
	RootKeyKept
)

// Root-key permission actions, named as in Unkey's permission tuples (api.*.<action>,
// rbac.*.<action>, identity.*.<action>). NewRootKeyWithout takes these.
const (
	PermCreateAPI               = "create_api"
	PermReadAPI                 = "read_api"
	PermDeleteAPI               = "delete_api"
	PermCreateKey               = "create_key"
	PermReadKey                 = "read_key"
	PermUpdateKey               = "update_key"
	PermDeleteKey               = "delete_key"
	PermEncryptKey              = "encrypt_key"
	PermDecryptKey              = "decrypt_key"
	PermVerifyKey               = "verify_key"
	PermCreatePermission        = "create_permission"
	PermReadPermission          = "read_permission"
	PermDeletePermission        = "delete_permission"
	PermCreateRole              = "create_role"
	PermReadRole                = "read_role"
	PermDeleteRole              = "delete_role"
	PermAddPermissionToKey      = "add_permission_to_key"
	PermRemovePermissionFromKey = "remove_permission_from_key"
	PermAddRoleToKey            = "add_role_to_key"
	PermAddPermissionToRole     = "add_permission_to_role"
	PermRemovePermissionRole    = "remove_permission_from_role"
	PermCreateIdentity          = "create_identity"
	PermReadIdentity            = "read_identity"
	PermUpdateIdentity          = "update_identity"
	PermDeleteIdentity          = "delete_identity"
)

// rootKeyPermissions maps every action to the tuple Unkey documents for it, for error details.
var rootKeyPermissions = map[string]string{
	PermCreateAPI: "api.*.create_api", PermReadAPI: "api.*.read_api", PermDeleteAPI: "api.*.delete_api",
	PermCreateKey: "api.*.create_key", PermReadKey: "api.*.read_key", PermUpdateKey: "api.*.update_key",
	PermDeleteKey: "api.*.delete_key", PermEncryptKey: "api.*.encrypt_key", PermDecryptKey: "api.*.decrypt_key",
	PermVerifyKey:        "api.*.verify_key",
	PermCreatePermission: "rbac.*.create_permission", PermReadPermission: "rbac.*.read_permission",
	PermDeletePermission: "rbac.*.delete_permission", PermCreateRole: "rbac.*.create_role",
	PermReadRole: "rbac.*.read_role", PermDeleteRole: "rbac.*.delete_role",
	PermAddPermissionToKey: "rbac.*.add_permission_to_key", PermRemovePermissionFromKey: "rbac.*.remove_permission_from_key",
	PermAddRoleToKey: "rbac.*.add_role_to_key", PermAddPermissionToRole: "rbac.*.add_permission_to_role",
	PermRemovePermissionRole: "rbac.*.remove_permission_from_role",
	PermCreateIdentity:       "identity.*.create_identity", PermReadIdentity: "identity.*.read_identity",
	PermUpdateIdentity: "identity.*.update_identity", PermDeleteIdentity: "identity.*.delete_identity",
}

// rootKeyInfo is what authentication learns about the caller.
type rootKeyInfo struct {
	primary bool
	denied  []string
}

type rootKeyCtx struct{}

// setupRootKey loads the primary root key's digest, or stores the configured or a generated one.
func (s *Server) setupRootKey(ctx context.Context, configured string) error {
	var stored []byte
	err := s.db.QueryRowContext(ctx, `SELECT digest FROM root_keys WHERE is_primary = 1`).Scan(&stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	switch {
	case configured != "":
		s.rootKey, s.rootKeySource = configured, RootKeyConfigured
	case stored != nil:
		s.rootKeySource = RootKeyKept
		copy(s.rootKeyDigest[:], stored)
		return nil
	default:
		s.rootKey, s.rootKeySource = "unkey_"+randomBase58(24), RootKeyGenerated
	}
	s.rootKeyDigest = sha256.Sum256([]byte(s.rootKey))
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM root_keys WHERE is_primary = 1 OR digest = ?`, s.rootKeyDigest[:]); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO root_keys(digest, is_primary, denied, created_at) VALUES (?, 1, '[]', ?)`,
			s.rootKeyDigest[:], s.nowMillis())
		return err
	})
}

// RootKey returns the primary root key when this start configured or generated it, and "" when
// the database's existing key was kept (see RootKeySource).
func (s *Server) RootKey() string { return s.rootKey }

// RootKeySource says whether the primary root key was configured, generated or kept.
func (s *Server) RootKeySource() RootKeySource { return s.rootKeySource }

// NewRootKeyWithout is a testing aid: it issues an extra Unkey root key that has every
// permission except the denied actions (the Perm* constants), stores only its digest, and
// returns it. With it the server answers as the genuine service does to a root key lacking a
// permission: 403 unkey/authorization/insufficient_permissions for most operations, a masked
// 404 where Unkey hides the failure (keys.createKey and apis.listKeys: api_not_found;
// keys.whoami: key_not_found; keys.verifyKey without verify_key: 403). The key is refused by
// the Mixpeek protocol, which has no permission model here. It survives restarts on the same
// database.
func (s *Server) NewRootKeyWithout(ctx context.Context, denied ...string) (string, error) {
	for _, d := range denied {
		if _, ok := rootKeyPermissions[d]; !ok {
			return "", fmt.Errorf("devserver: unknown root key permission %q", d)
		}
	}
	list, err := json.Marshal(append([]string{}, denied...))
	if err != nil {
		return "", err
	}
	key := "unkey_" + randomBase58(24)
	digest := sha256.Sum256([]byte(key))
	if _, err := s.db.ExecContext(ctx, `INSERT INTO root_keys(digest, is_primary, denied, created_at) VALUES (?, 0, ?, ?)`,
		digest[:], string(list), s.nowMillis()); err != nil {
		return "", err
	}
	return key, nil
}

// lookupRootKey returns the root key with this digest; ok is false if there is none. The lookup
// is by digest, so its timing reveals nothing about the presented token.
func (s *Server) lookupRootKey(ctx context.Context, digest [32]byte) (rootKeyInfo, bool, error) {
	var primary bool
	var denied string
	err := s.db.QueryRowContext(ctx, `SELECT is_primary, denied FROM root_keys WHERE digest = ?`, digest[:]).Scan(&primary, &denied)
	if errors.Is(err, sql.ErrNoRows) {
		return rootKeyInfo{}, false, nil
	}
	if err != nil {
		return rootKeyInfo{}, false, err
	}
	info := rootKeyInfo{primary: primary}
	if err := json.Unmarshal([]byte(denied), &info.denied); err != nil {
		return rootKeyInfo{}, false, fmt.Errorf("root key permissions: %w", err)
	}
	return info, true, nil
}

// can reports whether the calling root key holds every action. Contexts without a caller (the
// Go API used directly) may do everything.
func can(ctx context.Context, actions ...string) bool {
	info, ok := ctx.Value(rootKeyCtx{}).(rootKeyInfo)
	if !ok {
		return true
	}
	for _, a := range actions {
		if slices.Contains(info.denied, a) {
			return false
		}
	}
	return true
}

// require answers 403 insufficient_permissions, naming the missing permissions, unless the
// caller holds every action.
func require(ctx context.Context, actions ...string) error {
	if can(ctx, actions...) {
		return nil
	}
	var need []string
	for _, a := range actions {
		need = append(need, rootKeyPermissions[a])
	}
	return &apiError{status: http.StatusForbidden, code: "unkey/authorization/insufficient_permissions", title: "Insufficient Permissions",
		detail: "The root key lacks a permission this operation needs; it needs all of: " + strings.Join(need, ", ")}
}

// requireOnKey is require for an operation on one key. The genuine service looks the key up
// before it checks the root key's permissions for the key's API, so a missing key is a 404 even
// for a root key that lacks the permission.
func (s *Server) requireOnKey(ctx context.Context, keyID string, actions ...string) error {
	if can(ctx, actions...) {
		return nil
	}
	if _, err := loadKey(ctx, s.db, keyID); err != nil {
		return err
	}
	return require(ctx, actions...)
}
