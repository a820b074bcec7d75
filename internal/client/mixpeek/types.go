package mixpeek

import (
	"bytes"
	"encoding/json"
)

// Scope is a ResourceScope: a restriction of a key to one resource (or a wildcard pattern).
//
// Operations keeps nil and empty apart: nil (absent or JSON null) means "every operation the key's
// permissions allow", while an empty slice is sent and received as []. The omitzero tag omits only
// a nil slice.
type Scope struct {
	ResourceType string   `json:"resource_type"`
	ResourceID   string   `json:"resource_id"`
	Operations   []string `json:"operations,omitzero"`
}

// Key is Mixpeek's APIKeyModel. Every documented field is mapped; unknown fields are ignored and
// enum-valued fields are plain strings so that new server values decode.
//
// Timestamps are kept as the server's RFC 3339 strings: the server may change their spelling (Z vs
// +00:00, fractional seconds), and callers compare them semantically.
type Key struct {
	KeyID             string   `json:"key_id"`
	KeyHash           string   `json:"key_hash"`
	KeyPrefix         *string  `json:"key_prefix"`
	KeyType           string   `json:"key_type"`
	SubscriptionID    *string  `json:"subscription_id"`
	InternalID        string   `json:"internal_id"`
	OrganizationID    *string  `json:"organization_id"`
	UserID            string   `json:"user_id"`
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Permissions       []string `json:"permissions"`
	Scopes            []Scope  `json:"scopes"`
	RateLimitOverride *int64   `json:"rate_limit_override"`
	Status            string   `json:"status"`
	ExpiresAt         *string  `json:"expires_at"`
	LastUsedAt        *string  `json:"last_used_at"`
	RevokedAt         *string  `json:"revoked_at"`
	CreatedAt         *string  `json:"created_at"`
	CreatedBy         *string  `json:"created_by"`
	RevokedBy         *string  `json:"revoked_by"`
	AllowedOrigins    []string `json:"allowed_origins"`
	// PrincipalID is only in API 0.82 (user-scoped keys); nil when the server does not send it.
	PrincipalID *string `json:"principal_id,omitempty"`
}

// CreatedKey is APIKeyCreateResponse: the key's metadata plus its plaintext, returned only by
// create and rotate.
type CreatedKey struct {
	Key
	// Plaintext is the secret (`key`). It can never be fetched again.
	Plaintext string `json:"key"`
}

// CreateKeyRequest is APIKeyCreateRequest. Nil pointers and nil slices are omitted so the server
// applies its defaults; a non-nil empty slice is sent as [].
type CreateKeyRequest struct {
	Name              string   `json:"name"`
	Description       *string  `json:"description,omitempty"`
	Permissions       []string `json:"permissions,omitzero"`
	Scopes            []Scope  `json:"scopes,omitzero"`
	RateLimitOverride *int64   `json:"rate_limit_override,omitempty"`
	// ExpiresAt is an RFC 3339 timestamp.
	ExpiresAt *string `json:"expires_at,omitempty"`
	// PrincipalID exists only in API 0.82; leave nil for older servers.
	PrincipalID *string `json:"principal_id,omitempty"`
}

// UpdateKeyRequest is APIKeyUpdateRequest (PATCH). Every field is tri-state:
//   - Nullable fields: unset (omitted), Null() (JSON null) or Value(v).
//   - Permissions/Scopes: nil pointer = omitted; pointer to a nil slice = null; pointer to an
//     empty slice = [] (for scopes: "global access").
//
// Only expires_at has documented null semantics (null removes the expiry); for other fields the
// server's handling of null is unknown, so callers should prefer unset.
type UpdateKeyRequest struct {
	Name              Nullable[string] `json:"name,omitzero"`
	Description       Nullable[string] `json:"description,omitzero"`
	Permissions       *[]string        `json:"permissions,omitempty"`
	Scopes            *[]Scope         `json:"scopes,omitempty"`
	RateLimitOverride Nullable[int64]  `json:"rate_limit_override,omitzero"`
	ExpiresAt         Nullable[string] `json:"expires_at,omitzero"`
	Status            Nullable[string] `json:"status,omitzero"`
}

// Nullable is a tri-state JSON value: unset (the zero value, omitted by `omitzero`), explicit
// null, or a value. encoding/json alone cannot tell "absent" from "null", which PATCH needs.
type Nullable[T any] struct {
	set   bool
	valid bool
	v     T
}

// Value returns a Nullable holding v.
func Value[T any](v T) Nullable[T] { return Nullable[T]{set: true, valid: true, v: v} }

// Null returns a Nullable that encodes as JSON null.
func Null[T any]() Nullable[T] { return Nullable[T]{set: true} }

// IsZero reports whether n is unset; `omitzero` uses it to omit the field.
func (n Nullable[T]) IsZero() bool { return !n.set }

// IsSet reports whether n is null or holds a value.
func (n Nullable[T]) IsSet() bool { return n.set }

// IsNull reports whether n is an explicit null.
func (n Nullable[T]) IsNull() bool { return n.set && !n.valid }

// Get returns the value and whether there is one.
func (n Nullable[T]) Get() (T, bool) { return n.v, n.valid }

// MarshalJSON encodes null or the value. An unset Nullable also encodes as null, so it must be
// tagged `omitzero` to be left out.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.v)
}

// UnmarshalJSON is only called for fields present in the document, so it marks n as set.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		var zero T
		*n = Nullable[T]{set: true, v: zero}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = Value(v)
	return nil
}
