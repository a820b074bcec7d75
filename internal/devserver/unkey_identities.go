package devserver

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
)

func errIdentityNotFound() *apiError {
	return notFound("identity", "The requested identity does not exist.")
}

// findIdentity resolves an identity id or externalId.
func findIdentity(ctx context.Context, q querier, ref string) (identityData, error) {
	var d identityData
	var meta sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, external_id, meta FROM identities WHERE id = ? OR external_id = ? ORDER BY id = ? DESC LIMIT 1`, ref, ref, ref).
		Scan(&d.ID, &d.ExternalID, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errIdentityNotFound()
	}
	if err != nil {
		return d, err
	}
	d.Meta = metaOut(meta)
	d.Ratelimits, err = loadRatelimits(ctx, q, "identity_id", d.ID)
	return d, err
}

// upsertIdentity returns the id of the identity with externalID, creating it if needed; this is
// the side effect of externalId on createKey and updateKey.
func upsertIdentity(ctx context.Context, tx *sql.Tx, externalID string, now int64) (string, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO identities(id, external_id, created_at) VALUES (?, ?, ?) ON CONFLICT(external_id) DO NOTHING`,
		newID("id"), externalID, now); err != nil {
		return "", err
	}
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM identities WHERE external_id = ?`, externalID).Scan(&id)
	return id, err
}

type createIdentityRequest struct {
	ExternalID *string                    `json:"externalId"`
	Meta       map[string]json.RawMessage `json:"meta"`
	Ratelimits []ratelimitRequest         `json:"ratelimits"`
}

func (r *createIdentityRequest) validate(v *validator) {
	v.reqStr("body.externalId", r.ExternalID, ukExternalIDMinLength, ukExternalIDMaxLength, ukExternalIDPattern)
	v.meta("body.meta", r.Meta)
	v.ratelimits("body.ratelimits", r.Ratelimits)
}

func (s *Server) handleCreateIdentity(ctx context.Context, req *createIdentityRequest) (any, error) {
	if err := require(ctx, PermCreateIdentity); err != nil {
		return nil, err
	}
	meta, err := encodeMeta(req.Meta)
	if err != nil {
		return nil, err
	}
	id := newID("id")
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO identities(id, external_id, meta, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(external_id) DO NOTHING`,
			id, *req.ExternalID, meta, s.nowMillis())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("identity", "An identity with externalId "+*req.ExternalID+" already exists.")
		}
		return replaceRatelimits(ctx, tx, "identity_id", id, req.Ratelimits)
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"identityId": id}, nil
}

type identityRefRequest struct {
	Identity *string `json:"identity"`
}

func (r *identityRefRequest) validate(v *validator) {
	v.reqStr("body.identity", r.Identity, 1, -1, nil)
}

func (s *Server) handleGetIdentity(ctx context.Context, req *identityRefRequest) (any, error) {
	if err := require(ctx, PermReadIdentity); err != nil {
		return nil, err
	}
	return findIdentity(ctx, s.db, *req.Identity)
}

// handleDeleteIdentity removes the identity and its rate limits; its keys stay and lose the
// link, and the externalId becomes free again.
func (s *Server) handleDeleteIdentity(ctx context.Context, req *identityRefRequest) (any, error) {
	if err := require(ctx, PermDeleteIdentity); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		ident, err := findIdentity(ctx, tx, *req.Identity)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`UPDATE keys SET identity_id = NULL WHERE identity_id = ?`,
			`DELETE FROM ratelimits WHERE identity_id = ?`,
			`DELETE FROM identities WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, ident.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return noData{}, nil
}

type updateIdentityRequest struct {
	Identity *string `json:"identity"`
	// meta and ratelimits are not nullable: omitted keeps them, {} / [] clears them.
	Meta       map[string]json.RawMessage `json:"meta"`
	Ratelimits []ratelimitRequest         `json:"ratelimits"`
}

func (r *updateIdentityRequest) validate(v *validator) {
	v.reqStr("body.identity", r.Identity, 1, -1, nil)
	v.meta("body.meta", r.Meta)
	v.ratelimits("body.ratelimits", r.Ratelimits)
}

// handleUpdateIdentity changes only the fields sent and answers with the whole identity.
func (s *Server) handleUpdateIdentity(ctx context.Context, req *updateIdentityRequest) (any, error) {
	if err := require(ctx, PermUpdateIdentity); err != nil {
		return nil, err
	}
	var out identityData
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		ident, err := findIdentity(ctx, tx, *req.Identity)
		if err != nil {
			return err
		}
		if req.Meta != nil {
			meta, err := encodeMeta(req.Meta)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE identities SET meta = ? WHERE id = ?`, meta, ident.ID); err != nil {
				return err
			}
		}
		if req.Ratelimits != nil {
			if err := replaceRatelimits(ctx, tx, "identity_id", ident.ID, req.Ratelimits); err != nil {
				return err
			}
		}
		out, err = findIdentity(ctx, tx, ident.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// handleListIdentities pages by identity id like the other lists; search matches the id or the
// externalId, case-insensitively.
func (s *Server) handleListIdentities(ctx context.Context, req *listRequest) (any, error) {
	if err := require(ctx, PermReadIdentity); err != nil {
		return nil, err
	}
	cursor, search, limit := req.page()
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM identities
		WHERE id >= ? AND instr(lower(id || ' ' || external_id), lower(?)) > 0 ORDER BY id LIMIT ?`, cursor, search, limit+1)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close() // the Scan error is the one worth reporting
			return nil, err
		}
		ids = append(ids, id)
	}
	_ = rows.Close() // closed before the per-identity queries; rows.Err reports any iteration error
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]identityData, 0, len(ids))
	for _, id := range ids {
		d, err := findIdentity(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return pageOf(out, limit, func(d identityData) string { return d.ID }), nil
}
