package mixpeek

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

// Ownership of creates.
//
// Creating a key is not idempotent, and Mixpeek keys carry no metadata, so the provider marks
// its own creates in the one free-text field: a key is created with the description
// createMarker+nonce and gets its configured description in a second request once the create
// is settled. A live key that still carries a marker was made by this provider and never
// settled (its response was lost, or the provider or CLI was killed); its plaintext is gone, so
// it is revoked and the key created again. A live key with the same name and no marker belongs
// to someone else and is never touched: the create fails and says so.
const createMarker = "terraform-provider-apikey create in progress "

func newNonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func isMarker(description string) bool { return strings.HasPrefix(description, createMarker) }

// errNameTaken reports a live key with the requested name that this provider did not make.
type errNameTaken struct {
	key *mixpeek.Key
}

func (e *errNameTaken) Error() string {
	return fmt.Sprintf("user already has a live key named %q (key_id %s, created %s) that Terraform did not create; it is left untouched. Import it (terraform import with <user_email>/%s) or choose another name",
		e.key.Name, e.key.KeyID, deref(e.key.CreatedAt), e.key.KeyID)
}

func deref(s *string) string {
	if s == nil {
		return "at an unknown time"
	}
	return "at " + *s
}

// outcomeUnknown reports whether a failed create may nonetheless have been committed.
func outcomeUnknown(err error) bool {
	if errors.Is(err, transport.ErrOutcomeUnknown) {
		return true
	}
	status := mixpeek.StatusCode(err)
	return status == http.StatusRequestTimeout || (status >= 500 && status != http.StatusNotImplemented)
}

// createOwned creates a key as described above and returns it with its marker still set.
func (b *Backend) createOwned(ctx context.Context, email string, req mixpeek.CreateKeyRequest) (*mixpeek.CreatedKey, error) {
	if err := b.clearUnsettled(ctx, email, req.Name, ""); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := range b.createAttempts {
		marker := createMarker + newNonce()
		req.Description = &marker
		created, err := b.Client.CreateKey(ctx, email, req)
		if err == nil {
			return created, nil
		}
		if !outcomeUnknown(err) {
			if mixpeek.StatusCode(err) == http.StatusConflict {
				// Lost race or a key made since the check: tell whose it is.
				if cerr := b.clearUnsettled(ctx, email, req.Name, ""); cerr != nil {
					return nil, cerr
				}
			}
			return nil, err
		}
		lastErr = err
		tflog.Warn(ctx, "key create outcome unknown; checking for a key made by this attempt", map[string]any{"attempt": attempt + 1, "error": err.Error()})
		if cerr := b.clearUnsettled(ctx, email, req.Name, marker); cerr != nil {
			return nil, fmt.Errorf("the create may have succeeded but its response was lost (%s), and checking for the key failed: %w", err, cerr)
		}
	}
	return nil, fmt.Errorf("gave up after %d create attempts whose responses were lost; no key was left behind: %w", b.createAttempts, lastErr)
}

// clearUnsettled looks at the user's live key named name. One carrying a marker (the given one,
// or any when marker is "") is an unsettled create of this provider and is revoked; one without
// is someone else's and yields errNameTaken.
func (b *Backend) clearUnsettled(ctx context.Context, email, name, marker string) error {
	keys, err := b.Client.ListKeys(ctx, email, false)
	if err != nil {
		return err
	}
	for i := range keys {
		k := &keys[i]
		if k.Name != name || (k.Status != "" && k.Status != mixpeek.StatusActive) {
			continue
		}
		switch {
		case !isMarker(k.Description):
			return &errNameTaken{key: k}
		case marker != "" && k.Description != marker:
			continue // another unsettled create; the next create's check clears it
		}
		tflog.Warn(ctx, "revoking a key left by an unsettled create of this provider", map[string]any{"key_id": k.KeyID})
		if err := b.Client.RevokeKey(ctx, email, k.Name); err != nil {
			// A revoke whose response was lost is retried, and the retry finds nothing to
			// revoke: only the listing tells whether the key is still live.
			if gone, cerr := b.Client.ConfirmGone(ctx, email, k.KeyID); cerr != nil || !gone {
				return fmt.Errorf("revoking key %s left by an unsettled create: %w", k.KeyID, err)
			}
		}
	}
	return nil
}
