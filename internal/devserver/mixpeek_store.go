package devserver

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// mixpeekSchema holds the SQLite statements the Mixpeek protocol needs; run after the Unkey schema.
// Tables are prefixed mixpeek_ to stay clear of the Unkey ones. Times are Unix milliseconds (the
// precision MongoDB, Mixpeek's store, keeps). Only the SHA-256 hex digest of a key is stored.
var mixpeekSchema = []string{
	// One organization per server, created on first use.
	`CREATE TABLE IF NOT EXISTS mixpeek_org (
		id              INTEGER PRIMARY KEY CHECK (id = 1),
		organization_id TEXT NOT NULL,
		internal_id     TEXT NOT NULL
	)`,
	// email is stored lowercased: it is the lookup key of the path.
	`CREATE TABLE IF NOT EXISTS mixpeek_users (
		email      TEXT PRIMARY KEY,
		user_id    TEXT NOT NULL UNIQUE,
		created_at INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS mixpeek_keys (
		key_id              TEXT PRIMARY KEY,
		user_id             TEXT NOT NULL REFERENCES mixpeek_users(user_id),
		name                TEXT NOT NULL,
		key_hash            TEXT NOT NULL UNIQUE,
		key_prefix          TEXT NOT NULL,
		key_type            TEXT NOT NULL DEFAULT 'standard',
		description         TEXT NOT NULL DEFAULT '',
		permissions         TEXT NOT NULL,
		scopes              TEXT NOT NULL,
		rate_limit_override INTEGER,
		principal_id        TEXT,
		allowed_origins     TEXT,
		expires_at          INTEGER,
		last_used_at        INTEGER,
		created_at          INTEGER NOT NULL,
		created_by          TEXT,
		revoked_at          INTEGER,
		revoked_by          TEXT
	)`,
	`CREATE INDEX IF NOT EXISTS mixpeek_keys_user_name ON mixpeek_keys(user_id, name)`,
}

// mixpeekRootUserID is created_by/revoked_by for calls made with the root key.
const mixpeekRootUserID = "usr_root"

// mpKeyRow is one stored key.
type mpKeyRow struct {
	keyID, userID, name, keyHash, keyPrefix, keyType, description string
	permissions                                                   []string
	scopes                                                        []mpScope
	rateLimit                                                     sql.NullInt64
	principalID                                                   sql.NullString
	allowedOrigins                                                []string
	expiresAt, lastUsedAt, revokedAt                              sql.NullInt64
	createdAt                                                     int64
	createdBy, revokedBy                                          sql.NullString
}

const mpKeyColumns = `key_id, user_id, name, key_hash, key_prefix, key_type, description, permissions, scopes,
	rate_limit_override, principal_id, allowed_origins, expires_at, last_used_at, created_at, created_by, revoked_at, revoked_by`

func scanMPKey(sc interface{ Scan(...any) error }) (mpKeyRow, error) {
	var k mpKeyRow
	var perms, scopes string
	var origins sql.NullString
	err := sc.Scan(&k.keyID, &k.userID, &k.name, &k.keyHash, &k.keyPrefix, &k.keyType, &k.description, &perms, &scopes,
		&k.rateLimit, &k.principalID, &origins, &k.expiresAt, &k.lastUsedAt, &k.createdAt, &k.createdBy, &k.revokedAt, &k.revokedBy)
	if err != nil {
		return k, err
	}
	if err := json.Unmarshal([]byte(perms), &k.permissions); err != nil {
		return k, fmt.Errorf("key %s permissions: %w", k.keyID, err)
	}
	if err := json.Unmarshal([]byte(scopes), &k.scopes); err != nil {
		return k, fmt.Errorf("key %s scopes: %w", k.keyID, err)
	}
	if origins.Valid {
		if err := json.Unmarshal([]byte(origins.String), &k.allowedOrigins); err != nil {
			return k, fmt.Errorf("key %s allowed_origins: %w", k.keyID, err)
		}
	}
	return k, nil
}

// live reports whether the key is still addressable by name: not revoked and not expired.
func (k mpKeyRow) live(nowMs int64) bool {
	return !k.revokedAt.Valid && (!k.expiresAt.Valid || k.expiresAt.Int64 >= nowMs)
}

func (k mpKeyRow) status(nowMs int64) string {
	switch {
	case k.revokedAt.Valid:
		return mpStatusRevoked
	case k.expiresAt.Valid && k.expiresAt.Int64 < nowMs:
		return mpStatusExpired
	}
	return mpStatusActive
}

// mpOrg is the server's single organization.
type mpOrg struct{ organizationID, internalID string }

// mpUser is a provisioned organization user.
type mpUser struct {
	email, userID string
}

// mpTime formats stored milliseconds as RFC 3339 UTC.
func mpTime(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) }

func mpOptTime(v sql.NullInt64) *string {
	if !v.Valid {
		return nil
	}
	t := mpTime(v.Int64)
	return &t
}

func mpOptString(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}

// model renders the row as APIKeyModel.
func (k mpKeyRow) model(org mpOrg, nowMs int64) mpKeyModel {
	prefix := k.keyPrefix
	orgID := org.organizationID
	created := mpTime(k.createdAt)
	m := mpKeyModel{
		KeyID:          k.keyID,
		KeyHash:        k.keyHash,
		KeyPrefix:      &prefix,
		KeyType:        k.keyType,
		InternalID:     org.internalID,
		OrganizationID: &orgID,
		UserID:         k.userID,
		Name:           k.name,
		Description:    k.description,
		Permissions:    k.permissions,
		Scopes:         k.scopes,
		Status:         k.status(nowMs),
		ExpiresAt:      mpOptTime(k.expiresAt),
		LastUsedAt:     mpOptTime(k.lastUsedAt),
		RevokedAt:      mpOptTime(k.revokedAt),
		CreatedAt:      &created,
		CreatedBy:      mpOptString(k.createdBy),
		RevokedBy:      mpOptString(k.revokedBy),
		AllowedOrigins: k.allowedOrigins,
		PrincipalID:    mpOptString(k.principalID),
	}
	if k.rateLimit.Valid {
		n := k.rateLimit.Int64
		m.RateLimitOverride = &n
	}
	// The model lists are never null on the wire.
	if m.Permissions == nil {
		m.Permissions = []string{}
	}
	if m.Scopes == nil {
		m.Scopes = []mpScope{}
	}
	return m
}

// mixpeekKeyHash is the documented key_hash: lowercase hex SHA-256 of the plaintext.
func mixpeekKeyHash(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// newMixpeekKey returns a plaintext ("sk_" + base58 of 32 random bytes) and its displayed prefix
// (first 10 characters + "...", as the retriever-key docs show).
func newMixpeekKey() (plaintext, prefix string) {
	plaintext = "sk_" + randomBase58(32)
	return plaintext, plaintext[:mpKeyPrefixShown] + "..."
}

// mpOrgTx returns the organization, creating it on first use.
func mpOrgTx(ctx context.Context, tx *sql.Tx) (mpOrg, error) {
	var o mpOrg
	err := tx.QueryRowContext(ctx, `SELECT organization_id, internal_id FROM mixpeek_org WHERE id = 1`).Scan(&o.organizationID, &o.internalID)
	if errors.Is(err, sql.ErrNoRows) {
		o = mpOrg{organizationID: newID("org"), internalID: newID("int")}
		_, err = tx.ExecContext(ctx, `INSERT INTO mixpeek_org(id, organization_id, internal_id) VALUES (1, ?, ?)`, o.organizationID, o.internalID)
	}
	return o, err
}

// validMixpeekEmail accepts a bare addr-spec (no display name, no angle brackets).
func validMixpeekEmail(email string) bool {
	if len(email) == 0 || len(email) > 254 {
		return false
	}
	a, err := mail.ParseAddress(email)
	return err == nil && a.Name == "" && a.Address == email
}

// mpUserTx returns the provisioned user for email. ok is false when there is none, also for an
// address that is not syntactically valid. Users exist only once provisioned (Config.MixpeekUsers,
// AddMixpeekUser), as on Mixpeek, where they are invited into the organization first.
func (s *Server) mpUserTx(ctx context.Context, tx *sql.Tx, email string) (u mpUser, ok bool, err error) {
	if !validMixpeekEmail(email) {
		return mpUser{}, false, nil
	}
	u.email = strings.ToLower(email)
	err = tx.QueryRowContext(ctx, `SELECT user_id FROM mixpeek_users WHERE email = ?`, u.email).Scan(&u.userID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return u, false, nil
	case err != nil:
		return u, false, err
	}
	return u, true, nil
}

// mpProvisionUserTx returns the user for email, creating it with its protected admin-key when it
// does not exist yet.
func (s *Server) mpProvisionUserTx(ctx context.Context, tx *sql.Tx, email string) (mpUser, error) {
	if !validMixpeekEmail(email) {
		return mpUser{}, fmt.Errorf("devserver: %q is not an email address", email)
	}
	u, ok, err := s.mpUserTx(ctx, tx, email)
	if err != nil || ok {
		return u, err
	}
	now := s.nowMillis()
	u.userID = newID("usr")
	if _, err := tx.ExecContext(ctx, `INSERT INTO mixpeek_users(email, user_id, created_at) VALUES (?, ?, ?)`, u.email, u.userID, now); err != nil {
		return u, err
	}
	// The admin-key is what Mixpeek's bootstrap endpoint creates; its plaintext is discarded
	// because the devserver authenticates with the root key only.
	admin := mpKeyRow{
		userID:      u.userID,
		name:        mpProtectedKeyName,
		keyType:     "standard",
		description: "Protected key created when the user was provisioned.",
		permissions: []string{"admin"},
		scopes:      []mpScope{},
		createdAt:   now,
		createdBy:   sql.NullString{String: mixpeekRootUserID, Valid: true},
	}
	if _, err := s.insertMPKey(ctx, tx, &admin); err != nil {
		return u, err
	}
	return u, nil
}

// AddMixpeekUser is a testing aid that provisions the organization user email (with its
// protected admin-key) and returns its user_id; an existing user is returned unchanged. Without
// it, or Config.MixpeekUsers, every Mixpeek route answers 404 for the user.
func (s *Server) AddMixpeekUser(ctx context.Context, email string) (string, error) {
	var u mpUser
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = s.mpProvisionUserTx(ctx, tx, email)
		return err
	})
	return u.userID, err
}

// mpDeleteUserTx revokes every live key of u and removes the user: its address answers 404 from
// then on, and provisioning it again makes a new user. The revoked records stay under the old
// user_id, as deletion on Mixpeek revokes rather than erases them.
func (s *Server) mpDeleteUserTx(ctx context.Context, tx *sql.Tx, u mpUser, caller string) error {
	now := s.nowMillis()
	if _, err := tx.ExecContext(ctx, `UPDATE mixpeek_keys SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND revoked_at IS NULL`, now, caller, u.userID); err != nil {
		return err
	}
	// email is the primary key: the row is kept for the keys' foreign key under an address no
	// lookup can match.
	_, err := tx.ExecContext(ctx, `UPDATE mixpeek_users SET email = ? WHERE user_id = ?`, "deleted/"+u.userID+"/"+u.email, u.userID)
	return err
}

// insertMPKey generates a key id and secret for k, stores k (hash only) and returns the plaintext.
func (s *Server) insertMPKey(ctx context.Context, tx *sql.Tx, k *mpKeyRow) (string, error) {
	plaintext, prefix := newMixpeekKey()
	k.keyID = newID("key")
	k.keyHash = s.mpKeyHashOf(plaintext)
	k.keyPrefix = prefix
	perms, err := json.Marshal(k.permissions)
	if err != nil {
		return "", err
	}
	scopes, err := json.Marshal(k.scopes)
	if err != nil {
		return "", err
	}
	var origins sql.NullString
	if k.allowedOrigins != nil {
		b, err := json.Marshal(k.allowedOrigins)
		if err != nil {
			return "", err
		}
		origins = sql.NullString{String: string(b), Valid: true}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO mixpeek_keys(`+mpKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.keyID, k.userID, k.name, k.keyHash, k.keyPrefix, k.keyType, k.description, string(perms), string(scopes),
		k.rateLimit, k.principalID, origins, k.expiresAt, k.lastUsedAt, k.createdAt, k.createdBy, k.revokedAt, k.revokedBy)
	if err != nil {
		return "", err
	}
	return plaintext, nil
}

// saveMPKey writes the mutable columns of an existing key.
func saveMPKey(ctx context.Context, tx *sql.Tx, k mpKeyRow) error {
	perms, err := json.Marshal(k.permissions)
	if err != nil {
		return err
	}
	scopes, err := json.Marshal(k.scopes)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE mixpeek_keys SET name = ?, description = ?, permissions = ?, scopes = ?,
		rate_limit_override = ?, expires_at = ?, revoked_at = ?, revoked_by = ? WHERE key_id = ?`,
		k.name, k.description, string(perms), string(scopes), k.rateLimit, k.expiresAt, k.revokedAt, k.revokedBy, k.keyID)
	return err
}

// mpUserKeys lists a user's keys in creation order.
func mpUserKeys(ctx context.Context, tx *sql.Tx, userID string) ([]mpKeyRow, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+mpKeyColumns+` FROM mixpeek_keys WHERE user_id = ? ORDER BY created_at, rowid`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mpKeyRow
	for rows.Next() {
		k, err := scanMPKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// mpLiveKey returns the user's live (not revoked, not expired) key called name.
func mpLiveKey(ctx context.Context, tx *sql.Tx, userID, name string, nowMs int64) (mpKeyRow, bool, error) {
	keys, err := mpUserKeys(ctx, tx, userID)
	if err != nil {
		return mpKeyRow{}, false, err
	}
	for _, k := range keys {
		if k.name == name && k.live(nowMs) {
			return k, true, nil
		}
	}
	return mpKeyRow{}, false, nil
}

// ForgetMixpeekKey erases a Mixpeek key record as if it had never existed. It is a testing aid:
// the Mixpeek API has no such operation, but a provider must cope with a key that vanishes from
// the listing (for instance after the organization's data is purged).
func (s *Server) ForgetMixpeekKey(ctx context.Context, keyID string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM mixpeek_keys WHERE key_id = ?`, keyID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("devserver: no Mixpeek key %s", keyID)
	}
	return nil
}
