package unkey

import "encoding/json"

// Wire types. JSON names follow the OpenAPI schemas exactly. Response types ignore members they do
// not know, and enums (refill interval, verify code) are plain strings, so a newer server does not
// break an older provider. Times and durations are Unix/elapsed milliseconds, as on the wire.

// Key is KeyResponseData, returned by keys.getKey, keys.whoami and apis.listKeys.
type Key struct {
	KeyID       string          `json:"keyId"`
	Start       string          `json:"start"`
	Enabled     bool            `json:"enabled"`
	Name        *string         `json:"name,omitempty"`
	Meta        json.RawMessage `json:"meta,omitempty"` // absent when null or {}
	CreatedAt   int64           `json:"createdAt"`
	UpdatedAt   *int64          `json:"updatedAt,omitempty"`
	LastUsedAt  *int64          `json:"lastUsedAt,omitempty"`
	Expires     *int64          `json:"expires,omitempty"`
	Permissions []string        `json:"permissions,omitempty"` // direct and role-derived together
	Roles       []string        `json:"roles,omitempty"`
	Credits     *Credits        `json:"credits,omitempty"` // absent = unlimited
	Identity    *Identity       `json:"identity,omitempty"`
	Plaintext   *string         `json:"plaintext,omitempty"` // only with decrypt on a recoverable key
	Ratelimits  []Ratelimit     `json:"ratelimits,omitempty"`
}

// Credits is KeyCreditsData. On create, a nil Remaining is sent as null (unlimited).
type Credits struct {
	Remaining *int64  `json:"remaining"`
	Refill    *Refill `json:"refill,omitempty"`
}

// Refill is KeyCreditsRefill (also UpdateKeyCreditsRefill). Interval is RefillDaily or
// RefillMonthly; RefillDay applies to monthly refills only.
type Refill struct {
	Interval  string `json:"interval"`
	Amount    int64  `json:"amount"`
	RefillDay *int   `json:"refillDay,omitempty"`
}

// Identity is an identity as embedded in keys and returned by identities.getIdentity.
type Identity struct {
	ID         string          `json:"id"`
	ExternalID string          `json:"externalId"`
	Meta       json.RawMessage `json:"meta,omitempty"`
	Ratelimits []Ratelimit     `json:"ratelimits,omitempty"`
}

// Ratelimit is RatelimitResponse. Duration is in milliseconds.
type Ratelimit struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Limit     int64  `json:"limit"`
	Duration  int64  `json:"duration"`
	AutoApply bool   `json:"autoApply"`
}

// RatelimitRequest is a rate limit in create/update requests. Duration is in milliseconds.
type RatelimitRequest struct {
	Name      string `json:"name"`
	Limit     int64  `json:"limit"`
	Duration  int64  `json:"duration"`
	AutoApply bool   `json:"autoApply"`
}

// Permission is a permission as returned by the permission endpoints.
type Permission struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	Description string `json:"description,omitempty"`
}

// Role is a role with the permissions it grants.
type Role struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Permissions []Permission `json:"permissions,omitempty"`
}

// API is the data of apis.getApi.
type API struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CreatedKey is the data of keys.createKey and keys.rerollKey. Key is the plaintext, which the
// API returns only here.
type CreatedKey struct {
	KeyID string `json:"keyId"`
	Key   string `json:"key"`
}

// CreateKeyRequest is the body of keys.createKey; zero-valued optional fields are omitted so the
// server applies its defaults.
type CreateKeyRequest struct {
	APIID       string             `json:"apiId"`
	Prefix      string             `json:"prefix,omitempty"`
	Name        string             `json:"name,omitempty"`
	ByteLength  int                `json:"byteLength,omitempty"`
	ExternalID  string             `json:"externalId,omitempty"`
	Meta        json.RawMessage    `json:"meta,omitempty"`
	Roles       []string           `json:"roles,omitempty"`
	Permissions []string           `json:"permissions,omitempty"`
	Expires     *int64             `json:"expires,omitempty"`
	Credits     *Credits           `json:"credits,omitempty"`
	Ratelimits  []RatelimitRequest `json:"ratelimits,omitempty"`
	Enabled     *bool              `json:"enabled,omitempty"`
	Recoverable bool               `json:"recoverable,omitempty"`
}

// UpdateKeyRequest is the body of keys.updateKey, a partial update. Nullable fields are omitted
// when unset, cleared with Null() and set with Value(v). The list fields replace the whole list:
// nil leaves it unchanged and a pointer to an empty slice clears it (the API rejects null there).
type UpdateKeyRequest struct {
	KeyID       string                    `json:"keyId"`
	Name        Nullable[string]          `json:"name,omitzero"`
	ExternalID  Nullable[string]          `json:"externalId,omitzero"`
	Meta        Nullable[json.RawMessage] `json:"meta,omitzero"`
	Expires     Nullable[int64]           `json:"expires,omitzero"`
	Credits     Nullable[UpdateCredits]   `json:"credits,omitzero"` // null = unlimited, clears refill
	Ratelimits  *[]RatelimitRequest       `json:"ratelimits,omitempty"`
	Enabled     *bool                     `json:"enabled,omitempty"`
	Roles       *[]string                 `json:"roles,omitempty"`
	Permissions *[]string                 `json:"permissions,omitempty"`
}

// UpdateCredits is UpdateKeyCreditsData: Remaining null = unlimited (and clears the refill),
// Refill null = no refill; unset members stay unchanged.
type UpdateCredits struct {
	Remaining Nullable[int64]  `json:"remaining,omitzero"`
	Refill    Nullable[Refill] `json:"refill,omitzero"`
}

// ListKeysRequest is the body of apis.listKeys. Limit 0 means the server default (100).
type ListKeysRequest struct {
	APIID      string `json:"apiId"`
	Limit      int    `json:"limit,omitempty"`
	Cursor     string `json:"cursor,omitempty"`
	ExternalID string `json:"externalId,omitempty"`
	Decrypt    bool   `json:"decrypt,omitempty"`
	// RevalidateKeysCache asks the server to bypass its key cache (just-created keys).
	RevalidateKeysCache bool `json:"revalidateKeysCache,omitempty"`
}

// KeyPage is one page of apis.listKeys; pass Cursor back to get the next one while HasMore.
type KeyPage struct {
	Keys    []Key
	Cursor  string
	HasMore bool
}

// VerifyKeyRequest is the body of keys.verifyKey. Permissions is a query such as
// "a.read AND (b.write OR c.*)".
type VerifyKeyRequest struct {
	Key         string            `json:"key"`
	Tags        []string          `json:"tags,omitempty"`
	Permissions string            `json:"permissions,omitempty"`
	Credits     *VerifyCredits    `json:"credits,omitempty"`
	Ratelimits  []VerifyRatelimit `json:"ratelimits,omitempty"`
	MigrationID string            `json:"migrationId,omitempty"`
}

// VerifyCredits sets the credit cost of one verification (default 1; 0 checks without spending).
type VerifyCredits struct {
	Cost int64 `json:"cost"`
}

// VerifyRatelimit names a rate limit to check, optionally overriding cost, limit and duration.
type VerifyRatelimit struct {
	Name     string `json:"name"`
	Cost     *int64 `json:"cost,omitempty"`
	Limit    *int64 `json:"limit,omitempty"`
	Duration *int64 `json:"duration,omitempty"`
}

// VerifyResult is the data of keys.verifyKey. Verification outcomes are HTTP 200s: check Valid,
// then Code (one of VerifyCodes, or a value this client does not know yet).
type VerifyResult struct {
	Valid       bool                    `json:"valid"`
	Code        string                  `json:"code"`
	KeyID       string                  `json:"keyId,omitempty"`
	Name        string                  `json:"name,omitempty"`
	Meta        json.RawMessage         `json:"meta,omitempty"`
	Expires     *int64                  `json:"expires,omitempty"`
	Credits     *int64                  `json:"credits,omitempty"` // remaining; absent = unlimited
	Enabled     *bool                   `json:"enabled,omitempty"`
	Permissions []string                `json:"permissions,omitempty"`
	Roles       []string                `json:"roles,omitempty"`
	Identity    *Identity               `json:"identity,omitempty"`
	Ratelimits  []VerifyRatelimitResult `json:"ratelimits,omitempty"`
}

// VerifyRatelimitResult is VerifyKeyRatelimitData: the state of one rate limit after verifying.
type VerifyRatelimitResult struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Limit     int64  `json:"limit"`
	Duration  int64  `json:"duration"`
	Reset     int64  `json:"reset"` // when the window ends, in Unix ms (not the time left)
	Remaining int64  `json:"remaining"`
	Exceeded  bool   `json:"exceeded"`
	AutoApply bool   `json:"autoApply"`
}
