package mixpeek

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

// Ownership of creates.
//
// Creating a key is not idempotent, and Mixpeek keys carry no metadata, so the provider marks
// its own creates in the one free-text field: a key is created with the description
// createMarker + fingerprint + " " + nonce. The fingerprint is a digest of the create request as
// configured (user, name and every setting sent); the nonce tells one attempt from another.
//
// The marker stays until the key is known to be in state: the key's first refresh (or an update)
// replaces it with the configured description. So a live key with a marker was made by this
// provider and is not (yet) in any refreshed state:
//   - its create's response was lost: the nonce identifies it, and it is revoked;
//   - the provider or the CLI was killed before state was saved: the next create of the same
//     configuration finds it by its fingerprint, revokes it (its plaintext is gone) and creates
//     the key again;
//   - another fingerprint: another configuration's (or this one before a change) create; it is
//     left untouched and the create fails naming it.
//
// A live key with the same name and no marker belongs to someone else and is never touched: the
// create fails and says so.
const createMarker = "terraform-provider-apikey create in progress "

// markerPattern is a marker as written since fingerprints; the configured description follows
// when it fits, so the key reads sensibly on Mixpeek and in data sources before it is settled.
var markerPattern = regexp.MustCompile("(?s)^" + regexp.QuoteMeta(createMarker) + "([0-9a-f]{16}) [0-9a-f]{24}(?: (.*))?$")

// fingerprintOf is the fingerprint a marker description carries, or "".
func fingerprintOf(description string) string {
	if m := markerPattern.FindStringSubmatch(description); m != nil {
		return m[1]
	}
	return ""
}

func markerFor(fingerprint, description string) string {
	m := createMarker + fingerprint + " " + newNonce()
	if description != "" && utf8.RuneCountInString(m)+1+utf8.RuneCountInString(description) <= mixpeek.DescriptionMaxLength {
		m += " " + description
	}
	return m
}

// shownDescription is a description as data sources show it: without a marker.
func shownDescription(description string) string {
	if m := markerPattern.FindStringSubmatch(description); m != nil {
		return m[2]
	}
	return description
}

// createFingerprint digests what a create asks for, independent of the time of the request (an
// expiry from expire_after counts as its duration) and of the order of set elements.
func createFingerprint(email string, req mixpeek.CreateKeyRequest, expireAfter string) string {
	if expireAfter != "" {
		req.ExpiresAt = nil
	}
	req.Permissions = slices.Sorted(slices.Values(req.Permissions))
	req.Scopes = slices.Clone(req.Scopes)
	slices.SortFunc(req.Scopes, func(a, b mixpeek.Scope) int {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return bytes.Compare(x, y)
	})
	raw, _ := json.Marshal(struct {
		Email       string                   `json:"email"`
		Request     mixpeek.CreateKeyRequest `json:"request"`
		ExpireAfter string                   `json:"expire_after,omitempty"`
	}{email, req, expireAfter})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8])
}

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

// errMarkedElsewhere reports a live key with the requested name carrying the marker of another
// create request of this provider.
type errMarkedElsewhere struct {
	key *mixpeek.Key
}

func (e *errMarkedElsewhere) Error() string {
	return fmt.Sprintf("user already has a live key named %q (key_id %s, created %s) that this provider created for a request with other settings and that no refreshed state holds: a key an interrupted apply made before the configuration changed, or one another configuration created and has not refreshed since. It is left untouched. If it is an interrupted run's, revoke it or import it (<user_email>/%s); otherwise choose another name",
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
// expireAfter is the configured lifetime behind req.ExpiresAt, if any.
func (b *Backend) createOwned(ctx context.Context, email string, req mixpeek.CreateKeyRequest, expireAfter string) (*mixpeek.CreatedKey, error) {
	fingerprint := createFingerprint(email, req, expireAfter)
	if err := b.clearUnsettled(ctx, email, req.Name, fingerprint, ""); err != nil {
		return nil, err
	}
	configured := valueOr(req.Description)
	var lastErr error
	for attempt := range b.createAttempts {
		marker := markerFor(fingerprint, configured)
		req.Description = &marker
		created, err := b.Client.CreateKey(ctx, email, req)
		if err == nil {
			return created, nil
		}
		if !outcomeUnknown(err) {
			if mixpeek.StatusCode(err) == http.StatusConflict {
				// Lost race or a key made since the check: tell whose it is.
				if cerr := b.clearUnsettled(ctx, email, req.Name, fingerprint, ""); cerr != nil {
					return nil, cerr
				}
			}
			return nil, err
		}
		lastErr = err
		tflog.Warn(ctx, "key create outcome unknown; checking for a key made by this attempt", map[string]any{"attempt": attempt + 1, "error": err.Error()})
		check, cancel := settleContext(ctx)
		cerr := b.clearUnsettled(check, email, req.Name, fingerprint, marker)
		cancel()
		if cerr != nil {
			return nil, fmt.Errorf("the create may have succeeded but its response was lost (%s), and checking for the key failed: %w", err, cerr)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("cancelled; the interrupted create left no key behind: %w", err)
		}
	}
	return nil, fmt.Errorf("gave up after %d create attempts whose responses were lost; no key was left behind: %w", b.createAttempts, lastErr)
}

// settleTimeout bounds the check after a create cut off by cancellation.
const settleTimeout = 30 * time.Second

// settleContext is the context for the check after a lost create response. A run stopped by
// Ctrl-C cancels ctx while creates are in flight, and Terraform waits for them: the check still
// runs, within settleTimeout, so the stop leaves no untracked key.
func settleContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
}

// clearUnsettled looks at the user's live key named name. One carrying the given marker, or when
// marker is "" a marker with the given fingerprint, is an unsettled create of this configuration
// and is revoked; one with another marker yields errMarkedElsewhere; one without is someone
// else's and yields errNameTaken.
func (b *Backend) clearUnsettled(ctx context.Context, email, name, fingerprint, marker string) error {
	// Requested after this call began, as a listing of its own would be; concurrent creates
	// share it, so an apply of N keys of one user does not list them N times.
	keys, err := b.Client.ListAllKeys(ctx, email)
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
			continue // not this attempt's; the create's answer tells
		case marker == "" && fingerprintOf(k.Description) != fingerprint:
			return &errMarkedElsewhere{key: k}
		}
		tflog.Warn(ctx, "revoking a key left by an unsettled create of this provider", map[string]any{"key_id": k.KeyID})
		// By id: the name is confirmed to resolve to this key alone before anything is revoked.
		if err := b.Client.RevokeKeyByID(ctx, email, k.KeyID); err != nil {
			// A revoke whose response was lost is retried, and the retry finds nothing to
			// revoke: only the listing tells whether the key is still live.
			if gone, cerr := b.Client.ConfirmGone(ctx, email, k.KeyID); cerr != nil || !gone {
				return fmt.Errorf("revoking key %s left by an unsettled create: %w", k.KeyID, err)
			}
		}
	}
	return nil
}

// settleMarker replaces the creation marker of a key known to be in state with description, and
// returns the key as the server then has it, and whether it was settled. A failure only warns and
// returns the key with description as if settled: it works, and the next refresh tries again.
// others are the other live keys that the listing key came from shows with its name: then
// nothing is sent, as for any change by name.
//
// The name comes from the listing that served the Read, which may be shared (listingTTL) rather
// than requested for this PATCH: a key whose marker is still set was made by this provider and
// has not been refreshed since, the PATCH sets only the description, and an answer about another
// key is reported. Resolving each marked key in a listing of its own would cost the first
// refresh after an apply one listing of all the user's keys per key.
func (r *keyResource) settleMarker(ctx context.Context, email string, key *mixpeek.Key, others []string, description types.String, diags *diag.Diagnostics) (*mixpeek.Key, bool) {
	if !isMarker(key.Description) {
		return key, true
	}
	var updated *mixpeek.Key
	var err error
	if len(others) > 0 {
		err = &mixpeek.AmbiguousNameError{UserEmail: email, Name: key.Name, KeyID: key.KeyID, Status: key.Status, Others: others}
	} else {
		// Mixpeek's default description is "", so an unset one is sent as that.
		updated, err = r.b().Client.UpdateKey(ctx, email, key.Name, mixpeek.UpdateKeyRequest{Description: mixpeek.Value(description.ValueString())})
		if err == nil && updated.KeyID != "" && updated.KeyID != key.KeyID {
			err = fmt.Errorf("the answer is about key %s, which took the name %q meanwhile", updated.KeyID, key.Name)
		}
	}
	if err == nil {
		return updated, true
	}
	diags.AddAttributeWarning(path.Root("description"), "Creation marker not removed",
		fmt.Sprintf("Replacing the provider's creation marker in the description of key %s (%q) with the configured description failed: %s. The key works; the next refresh tries again. Until then a create of the same configuration after an interrupted run could take the key for one left by that run.", key.KeyID, key.Name, r.b().explain(err)))
	masked := *key
	masked.Description = description.ValueString()
	return &masked, false
}

func valueOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
