package devserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// apiRow is a live (not deleted) API.
type apiRow struct {
	id                 string
	name               string
	storeEncryptedKeys bool
}

// loadAPI returns a non-deleted API or errAPINotFound.
func loadAPI(ctx context.Context, q querier, apiID string) (apiRow, error) {
	a := apiRow{id: apiID}
	err := q.QueryRowContext(ctx, `SELECT name, store_encrypted_keys FROM apis WHERE id = ? AND deleted_at IS NULL`, apiID).
		Scan(&a.name, &a.storeEncryptedKeys)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errAPINotFound()
	}
	return a, err
}

// loadAPIForCreate is loadAPI for keys.createKey, which on the genuine service looks the API up
// without a deleted filter: a key created in a deleted API is created (200) and then reads as
// not found, like every key of that API. deleted reports that case.
func loadAPIForCreate(ctx context.Context, q querier, apiID string) (a apiRow, deleted bool, err error) {
	a = apiRow{id: apiID}
	var deletedAt sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT name, store_encrypted_keys, deleted_at FROM apis WHERE id = ?`, apiID).
		Scan(&a.name, &a.storeEncryptedKeys, &deletedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, errAPINotFound()
	}
	return a, deletedAt.Valid, err
}

// CreateAPI creates an API like apis.createApi does.
func (s *Server) CreateAPI(ctx context.Context, name string) (string, error) {
	if n := utf8.RuneCountInString(name); n < ukAPINameMinLength || n > ukAPINameMaxLength {
		return "", fmt.Errorf("api name must be %d..%d characters", ukAPINameMinLength, ukAPINameMaxLength)
	}
	id := newID("api")
	_, err := s.db.ExecContext(ctx, `INSERT INTO apis(id, name, keyspace_id, store_encrypted_keys, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, name, newID("ks"), s.encryptAllAPIs, s.nowMillis())
	if err != nil {
		return "", err
	}
	return id, nil
}

// EnsureAPI returns the oldest live API called name, creating it when there is none. The
// devserver command uses it so restarting on the same database keeps the same api_id.
func (s *Server) EnsureAPI(ctx context.Context, name string) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM apis WHERE name = ? AND deleted_at IS NULL ORDER BY created_at, id LIMIT 1`, name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	return s.CreateAPI(ctx, name)
}

// SetAPIEncryption opts an API into (or out of) storing recoverable keys, the local stand-in
// for Unkey's dashboard-only keyspace setting.
func (s *Server) SetAPIEncryption(apiID string, on bool) error {
	res, err := s.db.ExecContext(context.Background(), `UPDATE apis SET store_encrypted_keys = ? WHERE id = ? AND deleted_at IS NULL`, on, apiID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("api %s not found", apiID)
	}
	return nil
}

// SetAPIDeleteProtection is a testing aid: it turns an API's delete protection on or off, the
// local stand-in for Unkey's dashboard-only setting. While it is on, apis.deleteApi answers 412
// unkey/application/protected_resource, as the genuine service does.
func (s *Server) SetAPIDeleteProtection(apiID string, on bool) error {
	ctx := context.Background()
	if _, err := loadAPI(ctx, s.db, apiID); err != nil {
		return fmt.Errorf("api %s not found", apiID)
	}
	stmt := `DELETE FROM api_delete_protection WHERE api_id = ?`
	if on {
		stmt = `INSERT OR IGNORE INTO api_delete_protection(api_id) VALUES (?)`
	}
	_, err := s.db.ExecContext(ctx, stmt, apiID)
	return err
}

func errProtectedAPI() *apiError {
	return &apiError{status: http.StatusPreconditionFailed, code: "unkey/application/protected_resource", title: "Resource is protected",
		detail: "The API has delete protection enabled. Disable it first, then retry."}
}

type createAPIRequest struct {
	Name *string `json:"name"`
}

func (r *createAPIRequest) validate(v *validator) {
	v.reqStr("body.name", r.Name, ukAPINameMinLength, ukAPINameMaxLength, nil)
}

func (s *Server) handleCreateAPI(ctx context.Context, req *createAPIRequest) (any, error) {
	if err := require(ctx, PermCreateAPI); err != nil {
		return nil, err
	}
	id, err := s.CreateAPI(ctx, *req.Name)
	if err != nil {
		return nil, err
	}
	return map[string]string{"apiId": id}, nil
}

// apiIDRequest is the body of apis.getApi and apis.deleteApi.
type apiIDRequest struct {
	APIID *string `json:"apiId"`
}

func (r *apiIDRequest) validate(v *validator) {
	// The response schema's apiId is 8..255; the request repeats that bound.
	v.reqStr("body.apiId", r.APIID, ukAPIIDRefMinLength, ukAPIIDMaxLength, ukIdentifierPattern)
}

func (s *Server) handleGetAPI(ctx context.Context, req *apiIDRequest) (any, error) {
	if err := require(ctx, PermReadAPI); err != nil {
		return nil, err
	}
	a, err := loadAPI(ctx, s.db, *req.APIID)
	if err != nil {
		return nil, err
	}
	return map[string]string{"id": a.id, "name": a.name}, nil
}

// handleDeleteAPI soft-deletes the API; its keys stay but can never be read again, so their
// ciphertexts are dropped.
func (s *Server) handleDeleteAPI(ctx context.Context, req *apiIDRequest) (any, error) {
	if err := require(ctx, PermDeleteAPI); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := loadAPI(ctx, tx, *req.APIID); err != nil {
			return err
		}
		var protected int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_delete_protection WHERE api_id = ?`, *req.APIID).Scan(&protected); err != nil {
			return err
		}
		if protected > 0 {
			return errProtectedAPI()
		}
		res, err := tx.ExecContext(ctx, `UPDATE apis SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, s.nowMillis(), *req.APIID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errAPINotFound()
		}
		_, err = tx.ExecContext(ctx, `UPDATE keys SET encrypted = NULL WHERE api_id = ?`, *req.APIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

type listKeysRequest struct {
	APIID               *string `json:"apiId"`
	Limit               *int64  `json:"limit"`
	Cursor              *string `json:"cursor"`
	ExternalID          *string `json:"externalId"`
	Decrypt             *bool   `json:"decrypt"`
	RevalidateKeysCache *bool   `json:"revalidateKeysCache"`
}

func (r *listKeysRequest) validate(v *validator) {
	v.reqStr("body.apiId", r.APIID, 1, -1, nil)
	if r.Limit != nil {
		v.intRange("body.limit", *r.Limit, 1, ukListLimitMax)
	}
	v.optStr("body.externalId", r.ExternalID, 1, -1, nil)
}

// handleListKeys pages by key id, compared without case; the cursor is the first id of the
// next page (inclusive), as Unkey does. revalidateKeysCache is accepted and ignored like upstream.
func (s *Server) handleListKeys(ctx context.Context, req *listKeysRequest) (any, error) {
	// Unkey masks missing read permissions as an unknown API.
	if !can(ctx, PermReadKey, PermReadAPI) {
		return nil, errAPINotFound()
	}
	a, err := loadAPI(ctx, s.db, *req.APIID)
	if err != nil {
		return nil, err
	}
	decrypt := req.Decrypt != nil && *req.Decrypt
	if decrypt {
		if err := require(ctx, PermDecryptKey); err != nil {
			return nil, err
		}
		if !a.storeEncryptedKeys {
			return nil, errEncryptionNotEnabled()
		}
	}
	limit := int64(ukListLimitDefault)
	if req.Limit != nil {
		limit = *req.Limit
	}
	cursor := ""
	if req.Cursor != nil {
		cursor = *req.Cursor
	}
	// Ids in the order of a case-insensitive collation (Unkey's MySQL column has one), which is
	// not byte order: "key_a..." comes before "key_B...". The exact id breaks ties between ids
	// that differ only in case, so the inclusive cursor stays exact.
	query := keySelect + ` WHERE k.api_id = ? AND k.deleted_at IS NULL
		AND (k.id > ? COLLATE NOCASE OR (k.id = ? COLLATE NOCASE AND k.id >= ? COLLATE BINARY))`
	args := []any{a.id, cursor, cursor, cursor}
	if req.ExternalID != nil {
		query += ` AND k.identity_id = (SELECT id FROM identities WHERE external_id = ?)`
		args = append(args, *req.ExternalID)
	}
	query += ` ORDER BY k.id COLLATE NOCASE, k.id COLLATE BINARY LIMIT ?`
	args = append(args, limit+1)
	rows, err := queryKeys(ctx, s.db, query, args...)
	if err != nil {
		return nil, err
	}
	page := pagination{}
	if int64(len(rows)) > limit {
		page = pagination{Cursor: rows[limit].id, HasMore: true}
		rows = rows[:limit]
	}
	data := make([]keyResponseData, 0, len(rows))
	for _, k := range rows {
		kd, err := s.keyResponse(ctx, s.db, k, decrypt)
		if err != nil {
			return nil, err
		}
		data = append(data, kd)
	}
	return listResult{data: data, pagination: page}, nil
}
