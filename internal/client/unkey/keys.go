package unkey

import (
	"context"
	"iter"
)

// CreateKey creates a key and returns its id and plaintext. It is not idempotent: after an
// ambiguous failure (the error wraps transport.ErrOutcomeUnknown, or a 5xx) a key may exist, so
// callers reconcile (e.g. ListAllKeys by externalId or name) instead of creating again.
func (c *Client) CreateKey(ctx context.Context, req CreateKeyRequest) (*CreatedKey, error) {
	const op = "keys.createKey"
	env, err := call[CreatedKey](ctx, c, op, false, req)
	if err != nil {
		return nil, err
	}
	if err := requireID(op, "keyId", env.Data.KeyID); err != nil {
		return nil, err
	}
	return env.Data, nil
}

// GetKey reads a key. decrypt asks for the plaintext of a recoverable key (needs decrypt_key
// and an API that stores encrypted keys, else 403/412).
func (c *Client) GetKey(ctx context.Context, keyID string, decrypt bool) (*Key, error) {
	env, err := call[Key](ctx, c, "keys.getKey", true, struct {
		KeyID   string `json:"keyId"`
		Decrypt bool   `json:"decrypt,omitempty"`
	}{keyID, decrypt})
	if err != nil {
		return nil, err
	}
	return env.Data, nil
}

// Whoami looks a key up by its plaintext. The response never contains the plaintext.
func (c *Client) Whoami(ctx context.Context, key string) (*Key, error) {
	env, err := call[Key](ctx, c, "keys.whoami", true, struct {
		Key string `json:"key"`
	}{key})
	if err != nil {
		return nil, err
	}
	return env.Data, nil
}

// UpdateKey applies a partial update; see UpdateKeyRequest for how fields are left, cleared or set.
func (c *Client) UpdateKey(ctx context.Context, req UpdateKeyRequest) error {
	// A pointer to a nil slice would marshal as null, which the API rejects; it means "clear".
	req.Ratelimits = emptyIfNil(req.Ratelimits)
	req.Roles = emptyIfNil(req.Roles)
	req.Permissions = emptyIfNil(req.Permissions)
	return callEmpty(ctx, c, "keys.updateKey", req)
}

func emptyIfNil[T any](p *[]T) *[]T {
	if p != nil && *p == nil {
		return &[]T{}
	}
	return p
}

// DeleteKey soft-deletes a key, or removes it with its links when permanent is true. Deleting an
// already deleted key is a 404.
func (c *Client) DeleteKey(ctx context.Context, keyID string, permanent bool) error {
	return callEmpty(ctx, c, "keys.deleteKey", struct {
		KeyID     string `json:"keyId"`
		Permanent bool   `json:"permanent,omitempty"`
	}{keyID, permanent})
}

// RerollKey creates a new key copying the settings of keyID and makes the original expire
// expirationMillis from now (0 = immediately). Like CreateKey it is not idempotent.
func (c *Client) RerollKey(ctx context.Context, keyID string, expirationMillis int64) (*CreatedKey, error) {
	const op = "keys.rerollKey"
	env, err := call[CreatedKey](ctx, c, op, false, struct {
		KeyID      string `json:"keyId"`
		Expiration int64  `json:"expiration"`
	}{keyID, expirationMillis})
	if err != nil {
		return nil, err
	}
	if err := requireID(op, "keyId", env.Data.KeyID); err != nil {
		return nil, err
	}
	return env.Data, nil
}

// UpdateCredits changes a key's remaining credits. operation is one of UpdateCreditsOperations;
// a nil value is sent as null, which with "set" makes the key unlimited.
func (c *Client) UpdateCredits(ctx context.Context, keyID, operation string, value *int64) (*Credits, error) {
	// Only "set" gives the same result when repeated; increments must not be replayed.
	env, err := call[Credits](ctx, c, "keys.updateCredits", operation == "set", struct {
		KeyID     string `json:"keyId"`
		Operation string `json:"operation"`
		Value     *int64 `json:"value"`
	}{keyID, operation, value})
	if err != nil {
		return nil, err
	}
	return env.Data, nil
}

// VerifyKey verifies a plaintext key. Outcomes such as NOT_FOUND or USAGE_EXCEEDED are results,
// not errors. It is treated as non-idempotent because a verification spends credits and rate limit.
func (c *Client) VerifyKey(ctx context.Context, req VerifyKeyRequest) (*VerifyResult, error) {
	env, err := call[VerifyResult](ctx, c, "keys.verifyKey", false, req)
	if err != nil {
		return nil, err
	}
	return env.Data, nil
}

// ListKeys returns one page of an API's keys, ordered by key id.
func (c *Client) ListKeys(ctx context.Context, req ListKeysRequest) (*KeyPage, error) {
	const op = "apis.listKeys"
	env, err := call[[]Key](ctx, c, op, true, req)
	if err != nil {
		return nil, err
	}
	page, err := pageOf(op, env)
	if err != nil {
		return nil, err
	}
	return &KeyPage{Keys: page.Items, Cursor: page.Cursor, HasMore: page.HasMore}, nil
}

// KeyPages yields the pages of an API's keys from req.Cursor on, with req's filters and page size
// (0 = ListKeysMaxLimit); break to stop early.
func (c *Client) KeyPages(ctx context.Context, req ListKeysRequest) iter.Seq2[*KeyPage, error] {
	if req.Limit == 0 {
		req.Limit = ListKeysMaxLimit
	}
	return func(yield func(*KeyPage, error) bool) {
		seq := pages("apis.listKeys", req.Cursor, func(cursor string) (*Page[Key], error) {
			r := req
			r.Cursor = cursor
			p, err := c.ListKeys(ctx, r)
			if err != nil {
				return nil, err
			}
			return &Page[Key]{Items: p.Keys, Cursor: p.Cursor, HasMore: p.HasMore}, nil
		})
		for p, err := range seq {
			var kp *KeyPage
			if p != nil {
				kp = &KeyPage{Keys: p.Items, Cursor: p.Cursor, HasMore: p.HasMore}
			}
			if !yield(kp, err) {
				return
			}
		}
	}
}

// AllKeys returns every key that req selects, following the cursor across pages.
func (c *Client) AllKeys(ctx context.Context, req ListKeysRequest) ([]Key, error) {
	all := []Key{}
	for page, err := range c.KeyPages(ctx, req) {
		if err != nil {
			return nil, err
		}
		all = append(all, page.Keys...)
	}
	return all, nil
}

// ListAllKeys returns every key of an API, following the cursor across pages. externalID, when
// not empty, keeps only the keys of that identity. WithPageSize sets the page size.
func (c *Client) ListAllKeys(ctx context.Context, apiID, externalID string, opts ...ListOption) ([]Key, error) {
	lr := listRequest(opts)
	return c.AllKeys(ctx, ListKeysRequest{APIID: apiID, Limit: lr.Limit, ExternalID: externalID})
}

// AddPermissions adds direct permissions to a key (unknown slugs are created when the root key
// may) and returns the key's direct permissions afterwards.
func (c *Client) AddPermissions(ctx context.Context, keyID string, permissions []string) ([]Permission, error) {
	return c.keyPermissions(ctx, "keys.addPermissions", keyID, permissions)
}

// SetPermissions replaces a key's direct permissions; an empty list removes them all.
func (c *Client) SetPermissions(ctx context.Context, keyID string, permissions []string) ([]Permission, error) {
	return c.keyPermissions(ctx, "keys.setPermissions", keyID, permissions)
}

// RemovePermissions removes direct permissions (slugs or ids) from a key.
func (c *Client) RemovePermissions(ctx context.Context, keyID string, permissions []string) ([]Permission, error) {
	return c.keyPermissions(ctx, "keys.removePermissions", keyID, permissions)
}

func (c *Client) keyPermissions(ctx context.Context, op, keyID string, permissions []string) ([]Permission, error) {
	env, err := call[[]Permission](ctx, c, op, true, struct {
		KeyID       string   `json:"keyId"`
		Permissions []string `json:"permissions"`
	}{keyID, nonNil(permissions)})
	if err != nil {
		return nil, err
	}
	return *env.Data, nil
}

// AddRoles adds existing roles (by name) to a key and returns the key's direct roles afterwards.
func (c *Client) AddRoles(ctx context.Context, keyID string, roles []string) ([]Role, error) {
	return c.keyRoles(ctx, "keys.addRoles", keyID, roles)
}

// SetRoles replaces a key's roles; an empty list removes them all.
func (c *Client) SetRoles(ctx context.Context, keyID string, roles []string) ([]Role, error) {
	return c.keyRoles(ctx, "keys.setRoles", keyID, roles)
}

// RemoveRoles removes roles from a key.
func (c *Client) RemoveRoles(ctx context.Context, keyID string, roles []string) ([]Role, error) {
	return c.keyRoles(ctx, "keys.removeRoles", keyID, roles)
}

func (c *Client) keyRoles(ctx context.Context, op, keyID string, roles []string) ([]Role, error) {
	env, err := call[[]Role](ctx, c, op, true, struct {
		KeyID string   `json:"keyId"`
		Roles []string `json:"roles"`
	}{keyID, nonNil(roles)})
	if err != nil {
		return nil, err
	}
	return *env.Data, nil
}

// nonNil makes a required array member encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
