package unkey

import (
	"context"
	"encoding/json"
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

// DeleteIdentity deletes an identity by its id or externalId.
func (c *Client) DeleteIdentity(ctx context.Context, identity string) error {
	return callEmpty(ctx, c, "identities.deleteIdentity", identityRef{identity})
}

type identityRef struct {
	Identity string `json:"identity"`
}
