package devserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// registerMixpeek mounts Mixpeek's organization API-key routes:
//
//	POST   /v1/organizations/users/{user_email}/api-keys                  create (200, with `key`)
//	GET    /v1/organizations/users/{user_email}/api-keys                  list {"results":[...],"total":n}
//	PATCH  /v1/organizations/users/{user_email}/api-keys/{key_name}       update by current name
//	DELETE /v1/organizations/users/{user_email}/api-keys/{key_name}       revoke
//	POST   /v1/organizations/users/{user_email}/api-keys/{key_name}/rotate
//	DELETE /v1/organizations/users/{user_email}                           delete the user, revoking its keys
//
// Where the reference is silent, the devserver decides as follows:
//   - Auth: "Authorization: Bearer <root key>" (the Unkey root key) is checked before anything
//     else, like Mixpeek's auth middleware; a missing or wrong token is a 401 UnauthorizedError
//     envelope. Calls act as user "usr_root" (created_by, revoked_by).
//   - Users: the server has one organization, and its users exist only once provisioned: through
//     Config.MixpeekUsers (command: -mixpeek-users) or AddMixpeekUser, each with its protected
//     "admin-key" (permission admin), as Mixpeek's bootstrap does. Emails are case-insensitive.
//     Every route answers 404 NotFoundError (details.resource "user") for any other address.
//     Deleting a user revokes all its keys; the address is then unknown (404) again.
//   - Validation: bodies are validated before the user or key is looked up (FastAPI order), and
//     problems are a 422 in FastAPI's {"detail":[{loc,msg,type}]} shape. The published schemas
//     do not forbid extra members, so unknown members are ignored, also inside scopes (whose
//     published examples carry a "description"). Names must not contain "/". expires_at is what
//     a pydantic datetime accepts: RFC 3339, zone-less (read as UTC), a date alone (midnight
//     UTC) or a Unix time in seconds (milliseconds above 2e10); a past one makes the key expired.
//   - Create: permissions default to ["read","write","delete"] when omitted (the 0.82 docs).
//     An active key with the same name for the same user is a 409 AlreadyExistsError; since
//     every user has an active "admin-key", creating a key with that name is a 409 too.
//   - Names address live keys only: a revoked or expired key is a 404 NotFoundError for PATCH,
//     DELETE and rotate (both states are final), and its name may be reused.
//   - "admin-key" is protected: PATCH, DELETE and rotate on it are a 403 ForbiddenError.
//   - PATCH: omitted and null leave a field unchanged, except expires_at where null removes the
//     expiry, and rate_limit_override where null removes the override (unless
//     MixpeekAids.KeepRateLimitOnNull); [] clears scopes (global access). status "revoked" revokes like DELETE, "expired"
//     expires the key now, "active" changes nothing. Renaming onto another live name is a 409.
//   - DELETE revokes irreversibly: status "revoked" with revoked_at/revoked_by, record kept and
//     listed only with include_revoked=true (which also shows expired keys).
//   - Rotate revokes the old key and returns a NEW record (new key_id, created_at, secret) with
//     the same name and settings (description, permissions, scopes, rate limit, expiry,
//     principal_id), matching the audit action "old key revoked, new key issued".
func (s *Server) registerMixpeek(mux *http.ServeMux) {
	const base = "/v1/organizations/users/{user_email}/api-keys"
	mux.HandleFunc("POST "+base, s.mixpeekEndpoint(s.mpCreateKey))
	mux.HandleFunc("GET "+base, s.mixpeekEndpoint(s.mpListKeys))
	mux.HandleFunc("PATCH "+base+"/{key_name}", s.mixpeekEndpoint(s.mpUpdateKey))
	mux.HandleFunc("DELETE "+base+"/{key_name}", s.mixpeekEndpoint(s.mpRevokeKey))
	mux.HandleFunc("POST "+base+"/{key_name}/rotate", s.mixpeekEndpoint(s.mpRotateKey))
	mux.HandleFunc("DELETE /v1/organizations/users/{user_email}", s.mixpeekEndpoint(s.mpDeleteUser))
}

// mpError is answered in Mixpeek's ErrorResponse envelope.
type mpError struct {
	status  int
	typ     string
	message string
	details map[string]any
}

func (e *mpError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.typ, e.message) }

func mpErr(status int, typ, message string) *mpError {
	return &mpError{status: status, typ: typ, message: message}
}

func mpKeyNotFound(email, name string) *mpError {
	e := mpErr(http.StatusNotFound, "NotFoundError", fmt.Sprintf("API key %q not found for user %s", name, email))
	e.details = map[string]any{"resource": "api_key", "name": name}
	return e
}

func mpUserNotFound(email string) *mpError {
	e := mpErr(http.StatusNotFound, "NotFoundError", "User not found: "+email)
	e.details = map[string]any{"resource": "user"}
	return e
}

func mpProtected(action string) *mpError {
	return mpErr(http.StatusForbidden, "ForbiddenError", fmt.Sprintf("The %q key is protected and cannot be %s", mpProtectedKeyName, action))
}

func mpDuplicate(name string) *mpError {
	e := mpErr(http.StatusConflict, "AlreadyExistsError", fmt.Sprintf("An active API key named %q already exists for this user", name))
	e.details = map[string]any{"resource": "api_key", "name": name}
	return e
}

// mpRequest is what a Mixpeek handler receives after authentication.
type mpRequest struct {
	r      *http.Request
	body   []byte
	caller string // user id recorded as created_by / revoked_by
}

// mixpeekEndpoint authenticates, reads the body and writes the handler's result (status 200) or
// error.
func (s *Server) mixpeekEndpoint(fn func(ctx context.Context, req mpRequest) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e := s.mpAuthenticate(r); e != nil {
			s.mpWriteError(w, r, e)
			return
		}
		if rej := s.gate(w, r); rej != nil {
			s.mpWriteError(w, r, rej.mixpeekError())
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			s.mpWriteError(w, r, mpErr(http.StatusBadRequest, "BadRequestError", "The request body could not be read or exceeds 10 MiB"))
			return
		}
		out, err := fn(r.Context(), mpRequest{r: r, body: body, caller: mixpeekRootUserID})
		if err != nil {
			s.mpWriteError(w, r, err)
			return
		}
		out = s.mpVary(out)
		if _, bare := out.([]mpKeyModel); bare {
			// The one varied envelope outside the document (a list response is an object there):
			// named so the contract checks excuse exactly these responses.
			w.Header().Set(TestingAidHeader, "mixpeek-bare-list")
		}
		if l, ok := out.(mpKeyList); ok {
			out = map[string]any{"results": []mpKeyModel(l), "total": len(l)}
		}
		s.mpWriteJSON(w, http.StatusOK, out)
	}
}

// mpAuthenticate accepts only the root key, comparing digests in constant time.
func (s *Server) mpAuthenticate(r *http.Request) *mpError {
	header := r.Header.Get("Authorization")
	if header == "" {
		return mpErr(http.StatusUnauthorized, "UnauthorizedError", "Missing Authorization header. Use 'Authorization: Bearer <api_key>'")
	}
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return mpErr(http.StatusUnauthorized, "UnauthorizedError", "Malformed Authorization header. Use 'Authorization: Bearer <api_key>'")
	}
	digest := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(digest[:], s.rootKeyDigest[:]) != 1 {
		return mpErr(http.StatusUnauthorized, "UnauthorizedError", "Invalid API key")
	}
	return nil
}

func (s *Server) mpWriteError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *mpValidationError
	if errors.As(err, &ve) {
		s.mpWriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": ve.issues})
		return
	}
	var e *mpError
	if !errors.As(err, &e) {
		s.log.Error("mixpeek handler failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = mpErr(http.StatusInternalServerError, "InternalServerError", "An unexpected error occurred")
	}
	var details any
	if e.details != nil {
		details = e.details
	}
	s.mpWriteJSON(w, e.status, map[string]any{
		"success": false,
		"status":  e.status,
		"error":   map[string]any{"message": e.message, "type": e.typ, "details": details},
	})
}

func (s *Server) mpWriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("mixpeek encode response", "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"success":false,"status":500,"error":{"message":"could not encode the response","type":"InternalServerError","details":null}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// mpTx runs fn in a transaction with the organization and the (provisioned) path user.
func (s *Server) mpTx(ctx context.Context, email string, fn func(tx *sql.Tx, org mpOrg, u mpUser) error) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		org, err := mpOrgTx(ctx, tx)
		if err != nil {
			return err
		}
		u, ok, err := s.mpUserTx(ctx, tx, email)
		if err != nil {
			return err
		}
		if !ok {
			return mpUserNotFound(email)
		}
		return fn(tx, org, u)
	})
}

// mpKeyTx is mpTx plus the live key named by the path; protectedAction names the refused action
// on admin-key.
func (s *Server) mpKeyTx(ctx context.Context, req mpRequest, protectedAction string, fn func(tx *sql.Tx, org mpOrg, u mpUser, k mpKeyRow) error) error {
	email, name := req.r.PathValue("user_email"), req.r.PathValue("key_name")
	return s.mpTx(ctx, email, func(tx *sql.Tx, org mpOrg, u mpUser) error {
		if name == mpProtectedKeyName {
			return mpProtected(protectedAction)
		}
		k, ok, err := mpLiveKey(ctx, tx, u.userID, name, s.nowMillis())
		if err != nil {
			return err
		}
		if !ok {
			return mpKeyNotFound(email, name)
		}
		return fn(tx, org, u, k)
	})
}

func (s *Server) mpCreateKey(ctx context.Context, req mpRequest) (any, error) {
	in, err := parseMPCreate(req.body)
	if err != nil {
		return nil, err
	}
	var out mpCreatedKey
	err = s.mpTx(ctx, req.r.PathValue("user_email"), func(tx *sql.Tx, org mpOrg, u mpUser) error {
		now := s.nowMillis()
		if _, dup, err := mpLiveKey(ctx, tx, u.userID, in.name, now); err != nil {
			return err
		} else if dup {
			return mpDuplicate(in.name)
		}
		k := mpKeyRow{
			userID:      u.userID,
			name:        in.name,
			keyType:     "standard",
			permissions: in.permissions,
			scopes:      in.scopes,
			createdAt:   now,
			createdBy:   sql.NullString{String: req.caller, Valid: true},
		}
		if k.permissions == nil {
			k.permissions = []string{"read", "write", "delete"}
		}
		if k.scopes == nil {
			k.scopes = []mpScope{}
		}
		if in.description != nil {
			k.description = *in.description
		}
		if in.rateLimit != nil {
			k.rateLimit = sql.NullInt64{Int64: *in.rateLimit, Valid: true}
		}
		if in.expiresAt != nil {
			k.expiresAt = sql.NullInt64{Int64: *in.expiresAt, Valid: true}
		}
		if in.principalID != nil {
			k.principalID = sql.NullString{String: *in.principalID, Valid: true}
		}
		plaintext, err := s.insertMPKey(ctx, tx, &k)
		if err != nil {
			return err
		}
		out = mpCreatedKey{mpKeyModel: k.model(org, now), Key: plaintext}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Server) mpListKeys(ctx context.Context, req mpRequest) (any, error) {
	includeRevoked := false
	if v := req.r.URL.Query().Get("include_revoked"); v != "" {
		b, ok := parseMPBool(v)
		if !ok {
			return nil, &mpValidationError{issues: []mpIssue{{
				Loc: []any{"query", "include_revoked"}, Msg: "Input should be a valid boolean, unable to interpret input", Type: "bool_parsing",
			}}}
		}
		includeRevoked = b
	}
	results := mpKeyList{}
	err := s.mpTx(ctx, req.r.PathValue("user_email"), func(tx *sql.Tx, org mpOrg, u mpUser) error {
		keys, err := mpUserKeys(ctx, tx, u.userID)
		if err != nil {
			return err
		}
		now := s.nowMillis()
		for _, k := range keys {
			if includeRevoked || k.live(now) {
				results = append(results, k.model(org, now))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// mpKeyList is a listing; mixpeekEndpoint puts it in its envelope.
type mpKeyList []mpKeyModel

func (s *Server) mpDeleteUser(ctx context.Context, req mpRequest) (any, error) {
	err := s.mpTx(ctx, req.r.PathValue("user_email"), func(tx *sql.Tx, _ mpOrg, u mpUser) error {
		return s.mpDeleteUserTx(ctx, tx, u, req.caller)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"success": true, "message": "Successfully completed"}, nil
}

func (s *Server) mpUpdateKey(ctx context.Context, req mpRequest) (any, error) {
	in, err := parseMPUpdate(req.body)
	if err != nil {
		return nil, err
	}
	var out mpKeyModel
	err = s.mpKeyTx(ctx, req, "modified", func(tx *sql.Tx, org mpOrg, u mpUser, k mpKeyRow) error {
		now := s.nowMillis()
		if in.name != nil && *in.name != k.name {
			if *in.name == mpProtectedKeyName {
				return mpDuplicate(*in.name)
			}
			if _, dup, err := mpLiveKey(ctx, tx, u.userID, *in.name, now); err != nil {
				return err
			} else if dup {
				return mpDuplicate(*in.name)
			}
			k.name = *in.name
		}
		if in.description != nil {
			k.description = *in.description
		}
		if in.permissions != nil {
			k.permissions = *in.permissions
		}
		if in.scopes != nil {
			k.scopes = *in.scopes
		}
		switch {
		case in.clearRateLimit && !s.MixpeekAids().KeepRateLimitOnNull:
			k.rateLimit = sql.NullInt64{}
		case in.rateLimit != nil:
			k.rateLimit = sql.NullInt64{Int64: *in.rateLimit, Valid: true}
		}
		switch {
		case in.clearExpiry:
			k.expiresAt = sql.NullInt64{}
		case in.expiresAt != nil:
			k.expiresAt = sql.NullInt64{Int64: *in.expiresAt, Valid: true}
		}
		if in.status != nil {
			switch *in.status {
			case mpStatusRevoked:
				k.revokedAt = sql.NullInt64{Int64: now, Valid: true}
				k.revokedBy = sql.NullString{String: req.caller, Valid: true}
			case mpStatusExpired:
				// Expired means expires_at has passed; one millisecond back makes it so now.
				k.expiresAt = sql.NullInt64{Int64: now - 1, Valid: true}
			}
		}
		if err := saveMPKey(ctx, tx, k); err != nil {
			return err
		}
		out = k.model(org, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Server) mpRevokeKey(ctx context.Context, req mpRequest) (any, error) {
	err := s.mpKeyTx(ctx, req, "deleted", func(tx *sql.Tx, _ mpOrg, _ mpUser, k mpKeyRow) error {
		k.revokedAt = sql.NullInt64{Int64: s.nowMillis(), Valid: true}
		k.revokedBy = sql.NullString{String: req.caller, Valid: true}
		return saveMPKey(ctx, tx, k)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"success": true, "message": "Successfully completed"}, nil
}

// mpRotateKey revokes the named key and issues a new record with a new key_id and secret but the
// same name and settings (see registerMixpeek).
func (s *Server) mpRotateKey(ctx context.Context, req mpRequest) (any, error) {
	var out mpCreatedKey
	err := s.mpKeyTx(ctx, req, "rotated", func(tx *sql.Tx, org mpOrg, _ mpUser, old mpKeyRow) error {
		now := s.nowMillis()
		next := old
		next.createdAt = now
		next.createdBy = sql.NullString{String: req.caller, Valid: true}
		next.lastUsedAt = sql.NullInt64{}
		old.revokedAt = sql.NullInt64{Int64: now, Valid: true}
		old.revokedBy = sql.NullString{String: req.caller, Valid: true}
		if err := saveMPKey(ctx, tx, old); err != nil {
			return err
		}
		plaintext, err := s.insertMPKey(ctx, tx, &next)
		if err != nil {
			return err
		}
		out = mpCreatedKey{mpKeyModel: next.model(org, now), Key: plaintext}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
