package devserver

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Key ids as the genuine service makes them: "key_" and 9 letters or digits, both cases (its
// random ids are not base58). SetLongKeyIDs switches to the older 22-character base58 shape.
const (
	keyIDRandomLength = 9
	keyIDAlphabet     = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// SetLongKeyIDs is a testing aid: on, keys.createKey and keys.rerollKey make ids of the long
// shape ("key_" and base58 of 16 random bytes, about 26 characters in all) instead of the
// genuine short one, so a test can hold keys of both shapes. Config.LongKeyIDs sets it at start.
func (s *Server) SetLongKeyIDs(on bool) { s.longKeyIDs.Store(on) }

func (s *Server) newKeyID() string {
	if s.longKeyIDs.Load() {
		return newID("key")
	}
	return "key_" + randomAlphanumeric(keyIDRandomLength)
}

// randomAlphanumeric returns n crypto-random characters of keyIDAlphabet, without modulo bias.
func randomAlphanumeric(n int) string {
	const limit = 256 - 256%len(keyIDAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand.Read does not fail on supported platforms
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, keyIDAlphabet[int(b)%len(keyIDAlphabet)])
			}
		}
	}
	return string(out)
}

// keyRow is a live key of a live API, as stored.
type keyRow struct {
	id                 string
	apiID              string
	start              string
	name               sql.NullString
	meta               sql.NullString
	identityID         sql.NullString
	enabled            bool
	expires            sql.NullInt64
	remaining          sql.NullInt64
	refillAmount       sql.NullInt64
	refillDay          sql.NullInt64
	encrypted          []byte
	createdAt          int64
	updatedAt          sql.NullInt64
	lastUsedAt         sql.NullInt64
	storeEncryptedKeys bool
}

// keySelect reads keyRow columns; the join hides keys of deleted APIs, which Unkey reports as
// not found. Callers add the WHERE clause.
const keySelect = `SELECT k.id, k.api_id, k.start, k.name, k.meta, k.identity_id, k.enabled, k.expires,
	k.remaining, k.refill_amount, k.refill_day, k.encrypted, k.created_at, k.updated_at, k.last_used_at,
	a.store_encrypted_keys
	FROM keys k JOIN apis a ON a.id = k.api_id AND a.deleted_at IS NULL`

// queryKeys reads every row before returning: with one pooled connection an open result set
// would block the follow-up queries.
func queryKeys(ctx context.Context, q querier, query string, args ...any) ([]keyRow, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []keyRow
	for rows.Next() {
		var k keyRow
		if err := rows.Scan(&k.id, &k.apiID, &k.start, &k.name, &k.meta, &k.identityID, &k.enabled, &k.expires,
			&k.remaining, &k.refillAmount, &k.refillDay, &k.encrypted, &k.createdAt, &k.updatedAt, &k.lastUsedAt,
			&k.storeEncryptedKeys); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// loadKey returns a live key by id; soft-deleted keys and keys of deleted APIs are not found.
func loadKey(ctx context.Context, q querier, keyID string) (keyRow, error) {
	rows, err := queryKeys(ctx, q, keySelect+` WHERE k.id = ? AND k.deleted_at IS NULL`, keyID)
	if err != nil {
		return keyRow{}, err
	}
	if len(rows) == 0 {
		return keyRow{}, errKeyNotFound()
	}
	return rows[0], nil
}

// loadKeyByPlaintext finds a live key by the hash of the presented key; ok is false if none.
func loadKeyByPlaintext(ctx context.Context, q querier, key string) (keyRow, bool, error) {
	rows, err := queryKeys(ctx, q, keySelect+` WHERE k.hash = ? AND k.deleted_at IS NULL`, hashKey(key))
	if err != nil || len(rows) == 0 {
		return keyRow{}, false, err
	}
	return rows[0], true, nil
}

type creditsRefill struct {
	Interval  string `json:"interval"`
	Amount    int64  `json:"amount"`
	RefillDay int64  `json:"refillDay,omitempty"`
}

// keyCredits is KeyCreditsData; a nil Remaining encodes as null (unlimited).
type keyCredits struct {
	Remaining *int64         `json:"remaining"`
	Refill    *creditsRefill `json:"refill,omitempty"`
}

type ratelimitResponse struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Limit     int64  `json:"limit"`
	Duration  int64  `json:"duration"`
	AutoApply bool   `json:"autoApply"`
}

type identityData struct {
	ID         string              `json:"id"`
	ExternalID string              `json:"externalId"`
	Meta       json.RawMessage     `json:"meta,omitempty"`
	Ratelimits []ratelimitResponse `json:"ratelimits,omitempty"`
}

// keyResponseData is KeyResponseData; omitempty implements Unkey's "omitted when unset" rules.
type keyResponseData struct {
	KeyID       string              `json:"keyId"`
	Start       string              `json:"start"`
	Enabled     bool                `json:"enabled"`
	Name        string              `json:"name,omitempty"`
	Meta        json.RawMessage     `json:"meta,omitempty"`
	CreatedAt   int64               `json:"createdAt"`
	UpdatedAt   int64               `json:"updatedAt,omitempty"`
	LastUsedAt  int64               `json:"lastUsedAt,omitempty"`
	Expires     int64               `json:"expires,omitempty"`
	Permissions []string            `json:"permissions,omitempty"`
	Roles       []string            `json:"roles,omitempty"`
	Credits     *keyCredits         `json:"credits,omitempty"`
	Identity    *identityData       `json:"identity,omitempty"`
	Plaintext   string              `json:"plaintext,omitempty"`
	Ratelimits  []ratelimitResponse `json:"ratelimits,omitempty"`
}

// metaOut returns stored meta for a response, or nil when it is absent or empty ({} reads back
// as absent in Unkey).
func metaOut(m sql.NullString) json.RawMessage {
	if !m.Valid || m.String == "" || m.String == "{}" || m.String == "null" {
		return nil
	}
	return json.RawMessage(m.String)
}

// creditsOut is nil for unlimited keys; a refill's interval is derived from refillDay like
// Unkey does.
func creditsOut(k keyRow) *keyCredits {
	if !k.remaining.Valid {
		return nil
	}
	c := &keyCredits{Remaining: &k.remaining.Int64}
	if k.refillAmount.Valid {
		c.Refill = &creditsRefill{Interval: ukRefillDaily, Amount: k.refillAmount.Int64}
		if k.refillDay.Valid {
			c.Refill.Interval = ukRefillMonthly
			c.Refill.RefillDay = k.refillDay.Int64
		}
	}
	return c
}

// keyResponse assembles KeyResponseData. permissions are direct ∪ role-derived.
func (s *Server) keyResponse(ctx context.Context, q querier, k keyRow, decrypt bool) (keyResponseData, error) {
	d := keyResponseData{
		KeyID:      k.id,
		Start:      k.start,
		Enabled:    k.enabled,
		Name:       k.name.String,
		Meta:       metaOut(k.meta),
		CreatedAt:  k.createdAt,
		UpdatedAt:  k.updatedAt.Int64,
		LastUsedAt: k.lastUsedAt.Int64,
		Expires:    k.expires.Int64,
		Credits:    creditsOut(k),
	}
	var err error
	if d.Permissions, err = queryStrings(ctx, q, `SELECT slug FROM permissions WHERE id IN (
		SELECT permission_id FROM keys_permissions WHERE key_id = ?
		UNION SELECT rp.permission_id FROM keys_roles kr JOIN roles_permissions rp ON rp.role_id = kr.role_id WHERE kr.key_id = ?
	) ORDER BY slug`, k.id, k.id); err != nil {
		return d, err
	}
	if d.Roles, err = queryStrings(ctx, q, `SELECT r.name FROM roles r JOIN keys_roles kr ON kr.role_id = r.id WHERE kr.key_id = ? ORDER BY r.name`, k.id); err != nil {
		return d, err
	}
	if d.Ratelimits, err = loadRatelimits(ctx, q, "key_id", k.id); err != nil {
		return d, err
	}
	if k.identityID.Valid {
		ident, err := findIdentity(ctx, q, k.identityID.String)
		if err != nil && !isNotFound(err) {
			return d, err
		}
		if err == nil {
			d.Identity = &ident
		}
	}
	if decrypt && k.encrypted != nil {
		if plain, ok := s.decryptKey(k.id, k.encrypted); ok {
			d.Plaintext = plain
		}
	}
	return d, nil
}

func isNotFound(err error) bool {
	var apiErr *apiError
	return errors.As(err, &apiErr) && apiErr.status == 404
}

func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// loadRatelimits reads the limits owned by a key (ownerColumn "key_id") or an identity
// ("identity_id"), ordered by name.
func loadRatelimits(ctx context.Context, q querier, ownerColumn, ownerID string) ([]ratelimitResponse, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, lim, duration, auto_apply FROM ratelimits WHERE `+ownerColumn+` = ? ORDER BY name`, ownerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ratelimitResponse
	for rows.Next() {
		var rl ratelimitResponse
		if err := rows.Scan(&rl.ID, &rl.Name, &rl.Limit, &rl.Duration, &rl.AutoApply); err != nil {
			return nil, err
		}
		out = append(out, rl)
	}
	return out, rows.Err()
}

// replaceRatelimits makes the owner's limits exactly rls: names not listed are deleted, listed
// names keep their rl_ id, new names get new ids; a repeated name is upserted, so the last wins.
func replaceRatelimits(ctx context.Context, tx *sql.Tx, ownerColumn, ownerID string, rls []ratelimitRequest) error {
	names := make([]any, 0, len(rls)+1)
	names = append(names, ownerID)
	for _, rl := range rls {
		names = append(names, *rl.Name)
	}
	//nolint:gosec // G202: ownerColumn is always the literal "key_id" or "identity_id" from callers in this package, and the NOT IN list below is only "?" placeholders; every value is a bound parameter.
	del := `DELETE FROM ratelimits WHERE ` + ownerColumn + ` = ?`
	if len(rls) > 0 {
		del += ` AND name NOT IN (?` + strings.Repeat(`, ?`, len(rls)-1) + `)`
	}
	if _, err := tx.ExecContext(ctx, del, names...); err != nil {
		return err
	}
	for _, rl := range rls {
		//nolint:gosec // G202: ownerColumn is always the literal "key_id" or "identity_id" from callers in this package; every value is a bound parameter.
		_, err := tx.ExecContext(ctx, `INSERT INTO ratelimits(id, `+ownerColumn+`, name, lim, duration, auto_apply) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(`+ownerColumn+`, name) DO UPDATE SET lim = excluded.lim, duration = excluded.duration, auto_apply = excluded.auto_apply`,
			newID("rl"), ownerID, *rl.Name, *rl.Limit, *rl.Duration, *rl.AutoApply)
		if err != nil {
			return err
		}
	}
	return nil
}

// creditsRequest is KeyCreditsData as sent to createKey.
type creditsRequest struct {
	Remaining nullable[int64] `json:"remaining"`
	Refill    *refillRequest  `json:"refill"`
}

type createKeyRequest struct {
	APIID       *string                    `json:"apiId"`
	Prefix      *string                    `json:"prefix"`
	Name        *string                    `json:"name"`
	ByteLength  *int64                     `json:"byteLength"`
	ExternalID  *string                    `json:"externalId"`
	Meta        map[string]json.RawMessage `json:"meta"`
	Roles       []string                   `json:"roles"`
	Permissions []string                   `json:"permissions"`
	Expires     *int64                     `json:"expires"`
	Credits     *creditsRequest            `json:"credits"`
	Ratelimits  []ratelimitRequest         `json:"ratelimits"`
	Enabled     *bool                      `json:"enabled"`
	Recoverable *bool                      `json:"recoverable"`
}

func (r *createKeyRequest) validate(v *validator) {
	v.reqStr("body.apiId", r.APIID, ukAPIIDMinLength, ukAPIIDMaxLength, ukIdentifierPattern)
	v.optStr("body.prefix", r.Prefix, ukPrefixMinLength, ukPrefixMaxLength, ukIdentifierPattern)
	v.optStr("body.name", r.Name, ukNameMinLength, ukNameMaxLength, nil)
	if r.ByteLength != nil {
		v.intRange("body.byteLength", *r.ByteLength, ukByteLengthMin, ukByteLengthMax)
	}
	v.optStr("body.externalId", r.ExternalID, ukExternalIDMinLength, ukExternalIDMaxLength, ukExternalIDPattern)
	v.meta("body.meta", r.Meta)
	v.roleNames("body.roles", r.Roles, 0, ukRolesMaxItems)
	v.slugs("body.permissions", r.Permissions, 0, ukPermissionsMaxItems)
	if r.Expires != nil {
		v.intRange("body.expires", *r.Expires, 0, ukExpiresMaxMillis)
	}
	if r.Credits != nil {
		if v.required("body.credits.remaining", r.Credits.Remaining.Set) && !r.Credits.Remaining.Null {
			v.intRange("body.credits.remaining", r.Credits.Remaining.Value, ukCreditsRemainingMin, 1<<63-1)
		}
		if r.Credits.Refill != nil {
			v.refill("body.credits.refill", r.Credits.Refill)
		}
	}
	v.ratelimits("body.ratelimits", r.Ratelimits)
}

// keySettings is what a new key row is made of (createKey and rerollKey).
type keySettings struct {
	apiID        string
	name         *string
	meta         *string
	identityID   *string
	enabled      bool
	expires      *int64
	remaining    *int64
	refillAmount *int64
	refillDay    *int64
}

// insertKey generates and stores a key; only its hash (and, when recoverable, its ciphertext)
// is written.
func (s *Server) insertKey(ctx context.Context, tx *sql.Tx, ks keySettings, prefix string, byteLength int, recoverable bool) (keyID, key string, err error) {
	key, start := generateKey(prefix, byteLength)
	keyID = s.newKeyID()
	var sealed []byte
	if recoverable {
		sealed = s.encryptKey(keyID, key)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO keys(id, api_id, hash, start, name, meta, identity_id, enabled, expires,
		remaining, refill_amount, refill_day, encrypted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		keyID, ks.apiID, hashKey(key), start, ks.name, ks.meta, ks.identityID, ks.enabled, ks.expires,
		ks.remaining, ks.refillAmount, ks.refillDay, sealed, s.nowMillis())
	return keyID, key, err
}

// encodeMeta stores meta as compact JSON text.
func encodeMeta(m map[string]json.RawMessage) (*string, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, badField("body.meta", "meta must be a JSON object")
	}
	str := string(b)
	return &str, nil
}

// refillColumns applies Unkey's refill rules: monthly needs refillDay; a daily refillDay is
// rejected on update (strictDaily) and silently dropped on create.
func refillColumns(loc string, r *refillRequest, strictDaily bool) (amount, day *int64, err error) {
	switch *r.Interval {
	case ukRefillMonthly:
		if r.RefillDay == nil {
			return nil, nil, badField(loc+".refillDay", "refillDay is required when interval is monthly")
		}
		return r.Amount, r.RefillDay, nil
	default:
		if r.RefillDay != nil && strictDaily {
			return nil, nil, badField(loc+".refillDay", "refillDay is only allowed when interval is monthly")
		}
		return r.Amount, nil, nil
	}
}

func (s *Server) handleCreateKey(ctx context.Context, req *createKeyRequest) (any, error) {
	// Unkey masks a root key lacking create_key (or encrypt_key for a recoverable key) as an
	// unknown API.
	if !can(ctx, PermCreateKey) || (req.Recoverable != nil && *req.Recoverable && !can(ctx, PermEncryptKey)) {
		return nil, errAPINotFound()
	}
	ks := keySettings{apiID: *req.APIID, name: req.Name, expires: req.Expires, enabled: true}
	if req.Enabled != nil {
		ks.enabled = *req.Enabled
	}
	if req.Credits != nil {
		if !req.Credits.Remaining.Null {
			ks.remaining = &req.Credits.Remaining.Value
		}
		if req.Credits.Refill != nil {
			if ks.remaining == nil {
				return nil, badField("body.credits.remaining", "credits.remaining must be set when credits.refill is set")
			}
			var err error
			if ks.refillAmount, ks.refillDay, err = refillColumns("body.credits.refill", req.Credits.Refill, false); err != nil {
				return nil, err
			}
		}
	}
	var err error
	if ks.meta, err = encodeMeta(req.Meta); err != nil {
		return nil, err
	}
	prefix := ""
	if req.Prefix != nil {
		prefix = *req.Prefix
	}
	byteLength := ukByteLengthDefault
	if req.ByteLength != nil {
		byteLength = int(*req.ByteLength)
	}
	recoverable := req.Recoverable != nil && *req.Recoverable

	var keyID, key string
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		api, apiDeleted, err := loadAPIForCreate(ctx, tx, ks.apiID)
		if err != nil {
			return err
		}
		if recoverable && !api.storeEncryptedKeys {
			return errEncryptionNotEnabled()
		}
		// A key of a deleted API can never be read, so there is no point keeping its ciphertext.
		recoverable = recoverable && !apiDeleted
		if req.ExternalID != nil {
			id, err := upsertIdentity(ctx, tx, *req.ExternalID, s.nowMillis())
			if err != nil {
				return err
			}
			ks.identityID = &id
		}
		if keyID, key, err = s.insertKey(ctx, tx, ks, prefix, byteLength, recoverable); err != nil {
			return err
		}
		if err := setKeyRoles(ctx, tx, keyID, req.Roles); err != nil {
			return err
		}
		if err := s.setKeyPermissions(ctx, tx, keyID, req.Permissions, false); err != nil {
			return err
		}
		return replaceRatelimits(ctx, tx, "key_id", keyID, req.Ratelimits)
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"keyId": keyID, "key": key}, nil
}

type getKeyRequest struct {
	KeyID   *string `json:"keyId"`
	Decrypt *bool   `json:"decrypt"`
}

func (r *getKeyRequest) validate(v *validator) { v.keyID("body.keyId", r.KeyID) }

func (s *Server) handleGetKey(ctx context.Context, req *getKeyRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermReadKey); err != nil {
		return nil, err
	}
	k, err := loadKey(ctx, s.db, *req.KeyID)
	if err != nil {
		return nil, err
	}
	decrypt := req.Decrypt != nil && *req.Decrypt
	if decrypt {
		if err := require(ctx, PermDecryptKey); err != nil {
			return nil, err
		}
		if !k.storeEncryptedKeys {
			return nil, errEncryptionNotEnabled()
		}
	}
	return s.keyResponse(ctx, s.db, k, decrypt)
}

type whoamiRequest struct {
	Key *string `json:"key"`
}

func (r *whoamiRequest) validate(v *validator) {
	v.reqStr("body.key", r.Key, 1, ukVerifyKeyMaxLength, nil)
}

func (s *Server) handleWhoami(ctx context.Context, req *whoamiRequest) (any, error) {
	// Unkey masks a missing read_key as not found here.
	if !can(ctx, PermReadKey) {
		return nil, errKeyNotFound()
	}
	k, ok, err := loadKeyByPlaintext(ctx, s.db, *req.Key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errKeyNotFound()
	}
	return s.keyResponse(ctx, s.db, k, false)
}

// updateCreditsData is UpdateKeyCreditsData: every level may be null.
type updateCreditsData struct {
	Remaining nullable[int64]         `json:"remaining"`
	Refill    nullable[refillRequest] `json:"refill"`
}

type updateKeyRequest struct {
	KeyID       *string                              `json:"keyId"`
	Name        nullable[string]                     `json:"name"`
	ExternalID  nullable[string]                     `json:"externalId"`
	Meta        nullable[map[string]json.RawMessage] `json:"meta"`
	Expires     nullable[int64]                      `json:"expires"`
	Credits     nullable[updateCreditsData]          `json:"credits"`
	Ratelimits  []ratelimitRequest                   `json:"ratelimits"`
	Enabled     *bool                                `json:"enabled"`
	Roles       []string                             `json:"roles"`
	Permissions []string                             `json:"permissions"`
}

func (r *updateKeyRequest) validate(v *validator) {
	v.keyID("body.keyId", r.KeyID)
	if r.Name.Set && !r.Name.Null {
		v.str("body.name", r.Name.Value, ukNameMinLength, ukNameMaxLength, nil)
	}
	if r.ExternalID.Set && !r.ExternalID.Null {
		v.str("body.externalId", r.ExternalID.Value, ukExternalIDMinLength, ukExternalIDMaxLength, ukExternalIDPattern)
	}
	v.meta("body.meta", r.Meta.Value)
	if r.Expires.Set && !r.Expires.Null {
		v.intRange("body.expires", r.Expires.Value, 0, ukExpiresMaxMillis)
	}
	if c := r.Credits.Value; r.Credits.Set && !r.Credits.Null {
		if c.Remaining.Set && !c.Remaining.Null {
			v.intRange("body.credits.remaining", c.Remaining.Value, ukCreditsRemainingMin, 1<<63-1)
		}
		if c.Refill.Set && !c.Refill.Null {
			v.refill("body.credits.refill", &c.Refill.Value)
		}
	}
	v.ratelimits("body.ratelimits", r.Ratelimits)
	v.roleNames("body.roles", r.Roles, 0, ukRolesMaxItems)
	v.slugs("body.permissions", r.Permissions, 0, ukPermissionsMaxItems)
}

// handleUpdateKey applies a partial update: omitted fields stay, null clears, a value sets.
// Everything happens in one transaction, so an unknown role leaves the key untouched.
func (s *Server) handleUpdateKey(ctx context.Context, req *updateKeyRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermUpdateKey); err != nil {
		return nil, err
	}
	var sets []string
	var args []any
	set := func(column string, value any) {
		sets = append(sets, column+" = ?")
		args = append(args, value)
	}
	if req.Name.Set {
		set("name", nullIf(req.Name))
	}
	if req.Meta.Set {
		var meta *string
		if !req.Meta.Null {
			var err error
			if meta, err = encodeMeta(req.Meta.Value); err != nil {
				return nil, err
			}
		}
		set("meta", meta)
	}
	if req.Expires.Set {
		set("expires", nullIf(req.Expires))
	}
	if req.Enabled != nil {
		set("enabled", *req.Enabled)
	}
	if req.Credits.Set {
		c := req.Credits.Value
		if req.Credits.Null || (c.Remaining.Set && c.Remaining.Null) {
			set("remaining", nil)
			set("refill_amount", nil)
			set("refill_day", nil)
		} else if c.Remaining.Set {
			set("remaining", c.Remaining.Value)
		}
		switch {
		case req.Credits.Null:
		case c.Refill.Set && c.Refill.Null:
			set("refill_amount", nil)
			set("refill_day", nil)
		case c.Refill.Set:
			amount, day, err := refillColumns("body.credits.refill", &c.Refill.Value, true)
			if err != nil {
				return nil, err
			}
			set("refill_amount", amount)
			set("refill_day", day)
		}
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		k, err := loadKey(ctx, tx, *req.KeyID)
		if err != nil {
			return err
		}
		if req.ExternalID.Set {
			var identityID *string
			if !req.ExternalID.Null {
				id, err := upsertIdentity(ctx, tx, req.ExternalID.Value, s.nowMillis())
				if err != nil {
					return err
				}
				identityID = &id
			}
			set("identity_id", identityID)
		}
		set("updated_at", s.nowMillis())
		//nolint:gosec // G202: sets holds only "<column> = ?" built by set() from column-name literals in this function; every value is a bound parameter.
		if _, err := tx.ExecContext(ctx, `UPDATE keys SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, k.id)...); err != nil {
			return err
		}
		if req.Ratelimits != nil {
			if err := replaceRatelimits(ctx, tx, "key_id", k.id, req.Ratelimits); err != nil {
				return err
			}
		}
		if req.Roles != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM keys_roles WHERE key_id = ?`, k.id); err != nil {
				return err
			}
			if err := setKeyRoles(ctx, tx, k.id, req.Roles); err != nil {
				return err
			}
		}
		if req.Permissions != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM keys_permissions WHERE key_id = ?`, k.id); err != nil {
				return err
			}
			return s.setKeyPermissions(ctx, tx, k.id, req.Permissions, false)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// nullIf maps an explicit JSON null to SQL NULL.
func nullIf[T any](n nullable[T]) any {
	if n.Null {
		return nil
	}
	return n.Value
}

type deleteKeyRequest struct {
	KeyID     *string `json:"keyId"`
	Permanent *bool   `json:"permanent"`
}

func (r *deleteKeyRequest) validate(v *validator) { v.keyID("body.keyId", r.KeyID) }

func (s *Server) handleDeleteKey(ctx context.Context, req *deleteKeyRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermDeleteKey); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		k, err := loadKey(ctx, tx, *req.KeyID)
		if err != nil {
			return err
		}
		if req.Permanent == nil || !*req.Permanent {
			// The row stays (as in Unkey) but its ciphertext goes: nothing can read it any more.
			_, err := tx.ExecContext(ctx, `UPDATE keys SET deleted_at = ?, encrypted = NULL WHERE id = ?`, s.nowMillis(), k.id)
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM keys_permissions WHERE key_id = ?`,
			`DELETE FROM keys_roles WHERE key_id = ?`,
			`DELETE FROM ratelimits WHERE key_id = ?`,
			`DELETE FROM keys WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, k.id); err != nil {
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

type rerollKeyRequest struct {
	KeyID      *string `json:"keyId"`
	Expiration *int64  `json:"expiration"`
}

func (r *rerollKeyRequest) validate(v *validator) {
	v.keyID("body.keyId", r.KeyID)
	if v.required("body.expiration", r.Expiration != nil) {
		v.intRange("body.expiration", *r.Expiration, 0, ukExpiresMaxMillis)
	}
}

// handleRerollKey issues a new key with the original's settings and schedules the original to
// expire. Like Unkey, the prefix is what precedes the first "_" of the original start and the
// byte length is the default, not the original's.
func (s *Server) handleRerollKey(ctx context.Context, req *rerollKeyRequest) (any, error) {
	var newKeyID, key string
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		k, err := loadKey(ctx, tx, *req.KeyID)
		if err != nil {
			return err
		}
		recoverable := k.encrypted != nil
		if recoverable {
			err = require(ctx, PermCreateKey, PermEncryptKey)
		} else {
			err = require(ctx, PermCreateKey)
		}
		if err != nil {
			return err
		}
		if recoverable && !k.storeEncryptedKeys {
			return errEncryptionNotEnabled()
		}
		prefix, _, hasPrefix := strings.Cut(k.start, "_")
		if !hasPrefix {
			prefix = ""
		}
		ks := keySettings{
			apiID:        k.apiID,
			name:         nullStringPtr(k.name),
			meta:         nullStringPtr(k.meta),
			identityID:   nullStringPtr(k.identityID),
			enabled:      k.enabled,
			expires:      nullInt64Ptr(k.expires),
			remaining:    nullInt64Ptr(k.remaining),
			refillAmount: nullInt64Ptr(k.refillAmount),
			refillDay:    nullInt64Ptr(k.refillDay),
		}
		if newKeyID, key, err = s.insertKey(ctx, tx, ks, prefix, ukByteLengthDefault, recoverable); err != nil {
			return err
		}
		for _, stmt := range []string{
			`INSERT INTO keys_roles(key_id, role_id) SELECT ?, role_id FROM keys_roles WHERE key_id = ?`,
			`INSERT INTO keys_permissions(key_id, permission_id) SELECT ?, permission_id FROM keys_permissions WHERE key_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, newKeyID, k.id); err != nil {
				return err
			}
		}
		rls, err := loadRatelimits(ctx, tx, "key_id", k.id)
		if err != nil {
			return err
		}
		for _, rl := range rls {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ratelimits(id, key_id, name, lim, duration, auto_apply) VALUES (?, ?, ?, ?, ?, ?)`,
				newID("rl"), newKeyID, rl.Name, rl.Limit, rl.Duration, rl.AutoApply); err != nil {
				return err
			}
		}
		now := s.nowMillis()
		expires := now + *req.Expiration
		if *req.Expiration > 0 {
			const minute = 60_000
			expires = (expires + minute - 1) / minute * minute
		}
		_, err = tx.ExecContext(ctx, `UPDATE keys SET expires = ?, updated_at = ? WHERE id = ?`, expires, now, k.id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"keyId": newKeyID, "key": key}, nil
}

func nullStringPtr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}

func nullInt64Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

type updateCreditsRequest struct {
	KeyID     *string         `json:"keyId"`
	Value     nullable[int64] `json:"value"`
	Operation *string         `json:"operation"`
}

func (r *updateCreditsRequest) validate(v *validator) {
	v.reqStr("body.keyId", r.KeyID, ukKeyIDMinLength, -1, nil)
	if r.Value.Set && !r.Value.Null {
		v.intRange("body.value", r.Value.Value, 0, 1<<63-1)
	}
	if v.required("body.operation", r.Operation != nil) {
		v.enum("body.operation", *r.Operation, ukUpdateCreditsOperations)
	}
}

// handleUpdateCredits implements set (null = unlimited, clearing refill), increment and
// decrement (floored at 0).
func (s *Server) handleUpdateCredits(ctx context.Context, req *updateCreditsRequest) (any, error) {
	if err := s.requireOnKey(ctx, *req.KeyID, PermUpdateKey); err != nil {
		return nil, err
	}
	op := *req.Operation
	hasValue := req.Value.Set && !req.Value.Null
	if op != "set" && !hasValue {
		return nil, badField("body.value", fmt.Sprintf("value is required for operation %q", op))
	}
	var out *keyCredits
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		k, err := loadKey(ctx, tx, *req.KeyID)
		if err != nil {
			return err
		}
		now := s.nowMillis()
		switch {
		case op == "set" && !hasValue:
			k.remaining, k.refillAmount, k.refillDay = sql.NullInt64{}, sql.NullInt64{}, sql.NullInt64{}
		case op == "set":
			k.remaining = sql.NullInt64{Int64: req.Value.Value, Valid: true}
		case !k.remaining.Valid:
			return badField("body.operation", "cannot "+op+" the credits of a key with unlimited usage; use operation set first")
		case op == "increment":
			if k.remaining.Int64 > 1<<63-1-req.Value.Value {
				return badField("body.value", "remaining credits would overflow")
			}
			k.remaining.Int64 += req.Value.Value
		default:
			k.remaining.Int64 = max(0, k.remaining.Int64-req.Value.Value)
		}
		_, err = tx.ExecContext(ctx, `UPDATE keys SET remaining = ?, refill_amount = ?, refill_day = ?, updated_at = ? WHERE id = ?`,
			k.remaining, k.refillAmount, k.refillDay, now, k.id)
		out = creditsOut(k)
		if out == nil {
			out = &keyCredits{}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
