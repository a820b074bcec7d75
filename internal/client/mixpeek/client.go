// Package mixpeek is a client for Mixpeek's organization API keys
// (/v1/organizations/users/{user_email}/api-keys). It knows nothing about Terraform.
package mixpeek

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

// Client calls the organization API-key endpoints through the shared transport, which owns
// authentication, retries and logging.
type Client struct {
	hc *transport.Client
}

// New wraps a configured transport.
func New(hc *transport.Client) *Client { return &Client{hc: hc} }

// keysPath returns /v1/organizations/users/{user_email}/api-keys[/{seg}...], escaping every
// segment: emails contain '@' and '+', names may contain spaces.
func keysPath(userEmail string, segs ...string) string {
	p := "/v1/organizations/users/" + url.PathEscape(userEmail) + "/api-keys"
	for _, s := range segs {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// do sends req and returns the body of a 2xx response, or *Error for any other status.
func (c *Client) do(ctx context.Context, req transport.Request) ([]byte, error) {
	resp, err := c.hc.Do(ctx, req)
	if err != nil {
		// The transport already names the request line and marks ErrOutcomeUnknown.
		return nil, fmt.Errorf("mixpeek: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeError(resp.StatusCode, resp.Body)
	}
	return resp.Body, nil
}

// CreateKey creates a key for the user. The response (documented 200; any 2xx is accepted)
// carries the plaintext, which is never returned again. Not retried: a retry could mint a second
// key.
func (c *Client) CreateKey(ctx context.Context, userEmail string, req CreateKeyRequest) (*CreatedKey, error) {
	body, err := c.do(ctx, transport.Request{Method: http.MethodPost, Path: keysPath(userEmail), Body: req})
	if err != nil {
		return nil, err
	}
	return decodeCreated(body)
}

// ListKeys lists the user's keys; revoked (and possibly expired) keys only with includeRevoked.
func (c *Client) ListKeys(ctx context.Context, userEmail string, includeRevoked bool) ([]Key, error) {
	body, err := c.do(ctx, transport.Request{
		Method:     http.MethodGet,
		Path:       keysPath(userEmail),
		Query:      url.Values{"include_revoked": {strconv.FormatBool(includeRevoked)}},
		Idempotent: true,
	})
	if err != nil {
		return nil, err
	}
	return decodeList(body)
}

// UpdateKey patches the key currently named keyName. After a rename, later calls must use the new
// name. PATCH sets absolute values, so a replay is harmless and it is retried as idempotent,
// except for a rename: its replay would address the old name and fail with a misleading 404.
func (c *Client) UpdateKey(ctx context.Context, userEmail, keyName string, req UpdateKeyRequest) (*Key, error) {
	newName, renamed := req.Name.Get()
	idempotent := !renamed || newName == keyName
	body, err := c.do(ctx, transport.Request{Method: http.MethodPatch, Path: keysPath(userEmail, keyName), Body: req, Idempotent: idempotent})
	if err != nil {
		return nil, err
	}
	return decodeKey(body)
}

// RevokeKey revokes (DELETE) the key named keyName. Revocation is irreversible; the record stays
// visible with include_revoked=true.
func (c *Client) RevokeKey(ctx context.Context, userEmail, keyName string) error {
	_, err := c.do(ctx, transport.Request{Method: http.MethodDelete, Path: keysPath(userEmail, keyName), Idempotent: true})
	return err
}

// RotateKey revokes the key named keyName and returns its replacement with the new plaintext.
// Whether key_id survives rotation is undocumented, so callers must re-read identity from the
// result. Not retried: a replay would rotate again and lose the secret of the first rotation.
func (c *Client) RotateKey(ctx context.Context, userEmail, keyName string) (*CreatedKey, error) {
	body, err := c.do(ctx, transport.Request{Method: http.MethodPost, Path: keysPath(userEmail, keyName, "rotate")})
	if err != nil {
		return nil, err
	}
	return decodeCreated(body)
}

// FindKey returns the user's key with the given key_id, searching revoked keys too (there is no
// get-one endpoint). A missing key yields an error for which IsNotFound is true.
func (c *Client) FindKey(ctx context.Context, userEmail, keyID string) (*Key, error) {
	keys, err := c.ListKeys(ctx, userEmail, true)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if keys[i].KeyID == keyID {
			return &keys[i], nil
		}
	}
	return nil, fmt.Errorf("%w: no key with key_id %q for user %q", ErrNotFound, keyID, userEmail)
}

// FindKeyByName returns the user's key named name, preferring an active key over revoked or
// expired ones with the same name (names may be reused after revocation). It serves import by
// name and legacy keys without key_id.
func (c *Client) FindKeyByName(ctx context.Context, userEmail, name string) (*Key, error) {
	keys, err := c.ListKeys(ctx, userEmail, true)
	if err != nil {
		return nil, err
	}
	var found *Key
	for i := range keys {
		if keys[i].Name != name {
			continue
		}
		if keys[i].Status == StatusActive || keys[i].Status == "" {
			return &keys[i], nil
		}
		if found == nil {
			found = &keys[i]
		}
	}
	if found != nil {
		return found, nil
	}
	return nil, fmt.Errorf("%w: no key named %q for user %q", ErrNotFound, name, userEmail)
}
