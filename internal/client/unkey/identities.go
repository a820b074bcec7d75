package unkey

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
)

// CreateIdentity creates an identity and returns its id. meta may be nil; ratelimits are shared
// by every key of the identity. A duplicate externalId is a 409.
func (c *Client) CreateIdentity(ctx context.Context, externalID string, meta json.RawMessage, ratelimits []RatelimitRequest) (string, error) {
	const op = "identities.createIdentity"
	env, err := call[struct {
		IdentityID string `json:"identityId"`
	}](ctx, c, op, false, struct {
		ExternalID string             `json:"externalId"`
		Meta       json.RawMessage    `json:"meta,omitempty"`
		Ratelimits []RatelimitRequest `json:"ratelimits,omitempty"`
	}{externalID, meta, ratelimits})
	if err != nil {
		return "", err
	}
	return env.Data.IdentityID, requireID(op, "identityId", env.Data.IdentityID)
}

// GetIdentity reads an identity by its id or externalId.
func (c *Client) GetIdentity(ctx context.Context, identity string) (*Identity, error) {
	env, err := call[Identity](ctx, c, "identities.getIdentity", true, identityRef{identity})
	if err != nil {
		return nil, err
	}
	return env.Data, nil
}

// UpdateIdentityRequest is the body of identities.updateIdentity. Omitted fields stay unchanged.
// Meta replaces the whole object; {} clears it (the API has no null here, so a JSON null is sent
// as {}). Ratelimits replaces every rate limit of the identity: nil leaves them, a pointer to an
// empty (or nil) slice removes them all.
type UpdateIdentityRequest struct {
	Identity   string              `json:"identity"` // id or externalId
	Meta       json.RawMessage     `json:"meta,omitempty"`
	Ratelimits *[]RatelimitRequest `json:"ratelimits,omitempty"`
}

// UpdateIdentity applies a partial update and returns the identity afterwards. It sets absolute
// values, so it is safe to repeat.
func (c *Client) UpdateIdentity(ctx context.Context, req UpdateIdentityRequest) (*Identity, error) {
	if req.Meta != nil && bytes.Equal(bytes.TrimSpace(req.Meta), []byte("null")) {
		req.Meta = json.RawMessage(`{}`)
	}
	req.Ratelimits = emptyIfNil(req.Ratelimits)
	env, err := call[Identity](ctx, c, "identities.updateIdentity", true, req)
	if err != nil {
		return nil, err
	}
	return env.Data, nil
}

// ListIdentities returns every identity of the workspace, following the cursor. Options set the
// page size and a search filter on externalId.
func (c *Client) ListIdentities(ctx context.Context, opts ...ListOption) ([]Identity, error) {
	return collect(c.IdentityPages(ctx, listRequest(opts)))
}

// ListIdentitiesPage returns one page of identities.
func (c *Client) ListIdentitiesPage(ctx context.Context, req ListRequest) (*Page[Identity], error) {
	return listPage[Identity](ctx, c, "identities.listIdentities", req)
}

// IdentityPages yields the pages of identities from req.Cursor on; break to stop early.
func (c *Client) IdentityPages(ctx context.Context, req ListRequest) iter.Seq2[*Page[Identity], error] {
	return pages("identities.listIdentities", req.Cursor, func(cursor string) (*Page[Identity], error) {
		r := req
		r.Cursor = cursor
		return c.ListIdentitiesPage(ctx, r)
	})
}

// DeleteIdentity deletes an identity by its id or externalId.
func (c *Client) DeleteIdentity(ctx context.Context, identity string) error {
	return callEmpty(ctx, c, "identities.deleteIdentity", identityRef{identity})
}

type identityRef struct {
	Identity string `json:"identity"`
}
