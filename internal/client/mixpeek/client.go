// Package mixpeek is a client for Mixpeek's organization API keys
// (/v1/organizations/users/{user_email}/api-keys). It knows nothing about Terraform.
package mixpeek

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

// Client calls the organization API-key endpoints through the shared transport, which owns
// authentication, retries and logging.
type Client struct {
	hc     *transport.Client
	shared *sharedListings
}

// New wraps a configured transport.
func New(hc *transport.Client) *Client { return &Client{hc: hc, shared: newSharedListings()} }

// SetClock sets the clock that ages shared listings (see ReadKey); call it before any request.
func (c *Client) SetClock(now func() time.Time) { c.shared.now = now }

// keysPath returns /v1/organizations/users/{user_email}/api-keys[/{name}[/rotate]], escaping
// every segment (emails contain '@' and '+', names may contain spaces). A value that a server or
// proxy could read as another path (".", "..", one containing '/' or '\', also when
// percent-decoded once) is refused before anything is sent.
func keysPath(userEmail string, name ...string) (string, error) {
	if err := ValidatePathSegment(userEmail); err != nil {
		return "", fmt.Errorf("mixpeek: user email %q: %w", userEmail, err)
	}
	p := "/v1/organizations/users/" + url.PathEscape(userEmail) + "/api-keys"
	for _, s := range name {
		if err := ValidatePathSegment(s); err != nil {
			return "", fmt.Errorf("mixpeek: key name %q: %w", s, err)
		}
		p += "/" + url.PathEscape(s)
	}
	return p, nil
}

// ErrUnsafePathSegment is wrapped by the error for a user email or key name that cannot be sent
// as a URL path segment.
var ErrUnsafePathSegment = errors.New("cannot be used in a URL path")

// ValidatePathSegment reports whether s can address a user or key in a URL path: not empty, not
// "." or "..", and without '/' or '\', also after one round of percent-decoding (a proxy that
// decodes %2F would otherwise route the request elsewhere). Names with spaces, '+', '@', '%' and
// other characters are fine; they are escaped.
func ValidatePathSegment(s string) error {
	check := func(v string) error {
		switch {
		case v == "":
			return fmt.Errorf("%w: it is empty", ErrUnsafePathSegment)
		case v == "." || v == "..":
			return fmt.Errorf("%w: %q is a relative path segment", ErrUnsafePathSegment, v)
		case strings.ContainsAny(v, `/\`):
			return fmt.Errorf("%w: it contains a slash or backslash", ErrUnsafePathSegment)
		}
		return nil
	}
	if err := check(s); err != nil {
		return err
	}
	if dec, err := url.PathUnescape(s); err == nil && dec != s {
		if err := check(dec); err != nil {
			return fmt.Errorf("once percent-decoded: %w", err)
		}
	}
	return nil
}

// do sends req and returns the body of a 2xx response, or *Error for any other status.
func (c *Client) do(ctx context.Context, req transport.Request) ([]byte, error) {
	resp, err := c.hc.Do(ctx, req)
	if err != nil {
		// The transport already names the request line and marks ErrOutcomeUnknown.
		return nil, fmt.Errorf("mixpeek: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := decodeError(resp.StatusCode, resp.Body)
		e.Method, e.Endpoint = req.Method, resp.Endpoint
		return nil, e
	}
	return resp.Body, nil
}

// CreateKey creates a key for the user. The response (documented 200; any 2xx is accepted)
// carries the plaintext, which is never returned again. Not retried: a retry could mint a second
// key.
func (c *Client) CreateKey(ctx context.Context, userEmail string, req CreateKeyRequest) (*CreatedKey, error) {
	path, err := keysPath(userEmail)
	if err != nil {
		return nil, err
	}
	body, err := c.do(ctx, transport.Request{Method: http.MethodPost, Path: path, Body: req})
	if err != nil {
		return nil, err
	}
	created, err := decodeCreated(body)
	if err == nil {
		c.shared.wrote(userEmail, created.KeyID)
	}
	return created, err
}

// ListKeys lists the user's keys; revoked (and possibly expired) keys only with includeRevoked.
func (c *Client) ListKeys(ctx context.Context, userEmail string, includeRevoked bool) ([]Key, error) {
	l, err := c.list(ctx, userEmail, includeRevoked)
	if err != nil {
		return nil, err
	}
	return l.keys, nil
}

func (c *Client) list(ctx context.Context, userEmail string, includeRevoked bool) (*listing, error) {
	path, err := keysPath(userEmail)
	if err != nil {
		return nil, err
	}
	body, err := c.do(ctx, transport.Request{
		Method:     http.MethodGet,
		Path:       path,
		Query:      url.Values{"include_revoked": {strconv.FormatBool(includeRevoked)}},
		Idempotent: true,
	})
	if err != nil {
		return nil, err
	}
	return decodeListing(body)
}

// ListAllKeys is every key of the user, revoked ones included, from a complete listing requested
// after this call began (shared with concurrent calls, see sharedListings). The slice is shared:
// do not modify it.
func (c *Client) ListAllKeys(ctx context.Context, userEmail string) ([]Key, error) {
	return c.completeListing(ctx, userEmail)
}

// completeListing is a complete listing of the user's keys requested after this call began,
// shared with concurrent calls (see sharedListings).
func (c *Client) completeListing(ctx context.Context, userEmail string) ([]Key, error) {
	l, err := c.shared.fresh(ctx, c, userEmail)
	if err != nil {
		return nil, err
	}
	return l.keys, nil
}

// listComplete lists every key of the user, revoked ones included, and insists that the
// answer can prove absence: a list member that is null, or a total that disagrees with the items
// (a partial page), is an error rather than an empty or short list.
func (c *Client) listComplete(ctx context.Context, userEmail string) ([]Key, error) {
	l, err := c.list(ctx, userEmail, true)
	if err != nil {
		return nil, err
	}
	if l.null {
		return nil, errors.New("mixpeek: the key listing has a null list; it cannot show whether a key exists")
	}
	if l.total != nil && *l.total != int64(len(l.keys)) {
		return nil, fmt.Errorf("mixpeek: the key listing holds %d keys but reports a total of %d; it may be partial", len(l.keys), *l.total)
	}
	return l.keys, nil
}

// UpdateKey patches the key currently named keyName. After a rename, later calls must use the new
// name. PATCH sets absolute values, so a replay is harmless and it is retried as idempotent,
// except for a rename: its replay would address the old name and fail with a misleading 404.
func (c *Client) UpdateKey(ctx context.Context, userEmail, keyName string, req UpdateKeyRequest) (*Key, error) {
	newName, renamed := req.Name.Get()
	idempotent := !renamed || newName == keyName
	path, err := keysPath(userEmail, keyName)
	if err != nil {
		return nil, err
	}
	body, err := c.do(ctx, transport.Request{Method: http.MethodPatch, Path: path, Body: req, Idempotent: idempotent})
	if err != nil {
		return nil, err
	}
	k, err := decodeKey(body)
	if err == nil {
		c.shared.wrote(userEmail, k.KeyID)
	}
	return k, err
}

// RevokeKey revokes (DELETE) the key named keyName. Revocation is irreversible; the record stays
// visible with include_revoked=true. A 404 here does not prove the key is revoked (the name may
// have changed, or the path is wrong): use RevokeKeyConfirmed or ConfirmGone.
func (c *Client) RevokeKey(ctx context.Context, userEmail, keyName string) error {
	path, err := keysPath(userEmail, keyName)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, transport.Request{Method: http.MethodDelete, Path: path, Idempotent: true})
	return err
}

// RevokeKeyConfirmed revokes the key named keyName whose key_id is keyID. When the DELETE answers
// 404 it lists the user's keys: a key that is not listed, or listed as revoked or expired, counts
// as revoked and the result is nil; otherwise the 404 is returned, with the listing's verdict.
func (c *Client) RevokeKeyConfirmed(ctx context.Context, userEmail, keyName, keyID string) error {
	err := c.RevokeKey(ctx, userEmail, keyName)
	c.shared.wrote(userEmail, keyID)
	if StatusCode(err) != http.StatusNotFound {
		return err
	}
	gone, cerr := c.ConfirmGone(ctx, userEmail, keyID)
	switch {
	case cerr != nil:
		return fmt.Errorf("%w; confirming with the key listing failed: %w", err, cerr)
	case gone:
		return nil
	default:
		return fmt.Errorf("%w; the key listing still shows key_id %q as usable, so the name or endpoint is wrong", err, keyID)
	}
}

// ConfirmGone lists the user's keys (revoked included) and reports whether key keyID can no
// longer be used: it is not listed, or its status is revoked or expired. Any listing failure,
// a 404 for the user included, is an error: it proves nothing about the key.
func (c *Client) ConfirmGone(ctx context.Context, userEmail, keyID string) (bool, error) {
	k, err := c.FindKey(ctx, userEmail, keyID)
	switch {
	case IsKeyNotListed(err):
		return true, nil
	case err != nil:
		return false, err
	default:
		return k.Status == StatusRevoked || k.Status == StatusExpired, nil
	}
}

// RotateKey revokes the key named keyName and returns its replacement with the new plaintext.
// Whether key_id survives rotation is undocumented, so callers must re-read identity from the
// result. Not retried: a replay would rotate again and lose the secret of the first rotation.
func (c *Client) RotateKey(ctx context.Context, userEmail, keyName string) (*CreatedKey, error) {
	path, err := keysPath(userEmail, keyName)
	if err != nil {
		return nil, err
	}
	body, err := c.do(ctx, transport.Request{Method: http.MethodPost, Path: path + "/rotate"})
	if err != nil {
		return nil, err
	}
	created, err := decodeCreated(body)
	if err == nil {
		c.shared.wrote(userEmail, created.KeyID)
	}
	return created, err
}

// FindKey returns the user's key with the given key_id, searching revoked keys too (there is no
// get-one endpoint). Only when the listing succeeded, is complete and lacks the key is the error
// ErrKeyNotListed (IsKeyNotListed): that is the evidence that the key is gone. A failed listing,
// a 404 for the user or path included, is returned as it is.
func (c *Client) FindKey(ctx context.Context, userEmail, keyID string) (*Key, error) {
	keys, err := c.completeListing(ctx, userEmail)
	if err != nil {
		return nil, err
	}
	if k := findIn(keys, keyID); k != nil {
		return k, nil
	}
	return nil, errNotListed(userEmail, keyID)
}

// ReadKey is FindKey for a refresh: the key as the newest listing of the user requested within
// maxAge shows it, unless this process changed the key since that listing was requested (then a
// newer listing). A key that listing lacks is looked for in a listing requested after it was
// found missing, so ErrKeyNotListed is still the evidence of a complete listing taken after the
// call began. others are the key_ids of the other live keys of the listing with the key's name.
func (c *Client) ReadKey(ctx context.Context, userEmail, keyID string, maxAge time.Duration) (k *Key, others []string, err error) {
	l, err := c.shared.shared(ctx, c, userEmail, keyID, maxAge)
	if err != nil {
		return nil, nil, err
	}
	if k = findIn(l.keys, keyID); k == nil {
		if l, err = c.shared.fresh(ctx, c, userEmail); err != nil {
			return nil, nil, err
		}
		if k = findIn(l.keys, keyID); k == nil {
			return nil, nil, errNotListed(userEmail, keyID)
		}
	}
	for i := range l.keys {
		if o := &l.keys[i]; o.KeyID != keyID && o.Name == k.Name && live(o) {
			others = append(others, o.KeyID)
		}
	}
	return k, others, nil
}

// findIn returns a copy of the key keyID of a listing, which other calls share.
func findIn(keys []Key, keyID string) *Key {
	for i := range keys {
		if keys[i].KeyID == keyID {
			k := keys[i]
			return &k
		}
	}
	return nil
}

func errNotListed(userEmail, keyID string) error {
	return fmt.Errorf("%w: no key with key_id %q for user %q", ErrKeyNotListed, keyID, userEmail)
}

// FindKeyByName returns the user's key named name, preferring an active key over revoked or
// expired ones with the same name (names may be reused after revocation). It serves import by
// name and legacy keys without key_id. A name missing from a complete listing is ErrKeyNotListed.
func (c *Client) FindKeyByName(ctx context.Context, userEmail, name string) (*Key, error) {
	keys, err := c.completeListing(ctx, userEmail)
	if err != nil {
		return nil, err
	}
	var found *Key
	for i := range keys {
		if keys[i].Name != name {
			continue
		}
		if keys[i].Status == StatusActive || keys[i].Status == "" {
			k := keys[i]
			return &k, nil
		}
		if found == nil {
			k := keys[i]
			found = &k
		}
	}
	if found != nil {
		return found, nil
	}
	return nil, fmt.Errorf("%w: no key named %q for user %q", ErrKeyNotListed, name, userEmail)
}

// AmbiguousNameError reports that the key to act on shares its name with other live keys of the
// user. Mixpeek addresses keys by name and documents no uniqueness, so a request by that name
// could reach any of them: nothing is sent.
type AmbiguousNameError struct {
	UserEmail, Name, KeyID string
	// Status is the key's own status (active, or expired).
	Status string
	// Others are the key_ids of the other live keys with the name.
	Others []string
}

func (e *AmbiguousNameError) Error() string {
	return fmt.Sprintf("mixpeek: key %s of user %q shares its name %q with %d other live key(s) (key_id %s); Mixpeek addresses keys by name, so a request could reach another key, and none was sent. Rename or revoke the other keys in Mixpeek first",
		e.KeyID, e.UserEmail, e.Name, len(e.Others), strings.Join(e.Others, ", "))
}

// IsAmbiguousName reports an *AmbiguousNameError in err's chain.
func IsAmbiguousName(err error) bool {
	var e *AmbiguousNameError
	return errors.As(err, &e)
}

// live reports whether a key can still be addressed and used: status active (or none, the
// documented default).
func live(k *Key) bool { return k.Status == StatusActive || k.Status == "" }

func status(k *Key) string {
	if k.Status == "" {
		return StatusActive
	}
	return k.Status
}

// ResolveKey lists the user's keys and returns key keyID with its current name, confirming that
// the name addresses only this key: when another live key has the name, the error is
// *AmbiguousNameError. A key missing from a complete listing is ErrKeyNotListed. A revoked key
// is returned without the name check: it is final, and its name may belong to a newer key.
func (c *Client) ResolveKey(ctx context.Context, userEmail, keyID string) (*Key, error) {
	keys, err := c.completeListing(ctx, userEmail)
	if err != nil {
		return nil, err
	}
	found := findIn(keys, keyID)
	if found == nil {
		return nil, errNotListed(userEmail, keyID)
	}
	if found.Status == StatusRevoked {
		return found, nil
	}
	var others []string
	for i := range keys {
		if k := &keys[i]; k.KeyID != keyID && k.Name == found.Name && live(k) {
			others = append(others, k.KeyID)
		}
	}
	if len(others) > 0 {
		return nil, &AmbiguousNameError{UserEmail: userEmail, Name: found.Name, KeyID: keyID, Status: status(found), Others: others}
	}
	return found, nil
}

// errNotLive is the error for a name-addressed change to a revoked or expired key.
func errNotLive(k *Key, action string) error {
	return fmt.Errorf("mixpeek: key %s (%q) is %s and cannot be %s; Mixpeek addresses keys by name, and the name may now belong to another key", k.KeyID, k.Name, k.Status, action)
}

// UpdateKeyByID patches key keyID under the name the listing gives it (see ResolveKey), and
// fails when the answer is about another key. An expired key is patched too (a new expires_at
// may revive it) when no live key has its name; a revoked one never is.
func (c *Client) UpdateKeyByID(ctx context.Context, userEmail, keyID string, req UpdateKeyRequest) (*Key, error) {
	defer c.shared.wrote(userEmail, keyID)
	k, err := c.ResolveKey(ctx, userEmail, keyID)
	if err != nil {
		return nil, err
	}
	if k.Status == StatusRevoked {
		return nil, errNotLive(k, "updated")
	}
	got, err := c.UpdateKey(ctx, userEmail, k.Name, req)
	if err != nil {
		return nil, err
	}
	if got.KeyID != "" && got.KeyID != keyID {
		return nil, fmt.Errorf("mixpeek: updating key %s by its name %q changed key %s instead; another key took the name meanwhile", keyID, k.Name, got.KeyID)
	}
	return got, nil
}

// RevokeKeyByID revokes key keyID under the name the listing gives it (see ResolveKey). A key
// that is already revoked or expired, or not listed at all, is left alone and the result is nil.
// A DELETE answered 404 is confirmed against the listing, as in RevokeKeyConfirmed.
func (c *Client) RevokeKeyByID(ctx context.Context, userEmail, keyID string) error {
	k, err := c.ResolveKey(ctx, userEmail, keyID)
	var ambiguous *AmbiguousNameError
	switch {
	case IsKeyNotListed(err), errors.As(err, &ambiguous) && ambiguous.Status == StatusExpired:
		return nil
	case err != nil:
		return err
	case !live(k):
		return nil
	}
	return c.RevokeKeyConfirmed(ctx, userEmail, k.Name, keyID)
}

// RotateKeyByID rotates key keyID under the name the listing gives it (see ResolveKey).
func (c *Client) RotateKeyByID(ctx context.Context, userEmail, keyID string) (*CreatedKey, error) {
	defer c.shared.wrote(userEmail, keyID)
	k, err := c.ResolveKey(ctx, userEmail, keyID)
	if err != nil {
		return nil, err
	}
	if !live(k) {
		return nil, errNotLive(k, "rotated")
	}
	return c.RotateKey(ctx, userEmail, k.Name)
}
