package unkey

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Lost create responses.
//
// Creating a key is not idempotent. When a create may have succeeded but its response was lost
// (a timeout, a reset connection, or a 5xx after the server committed), retrying blindly would
// leave an untracked key behind, and adopting the key is useless because its plaintext was in the
// lost response. So the provider finds the key the attempt may have made, deletes it, and creates
// again:
//
//   - Unkey: every create carries a creation marker in its meta, under createMarkerKey (see
//     key_orphans.go for its form and its life). After a lost response, the provider lists the
//     API's keys and permanently deletes the key carrying that attempt's marker.
//
// If the check itself cannot be made (the server is down), the resource is saved as tainted with
// the id unconfirmedPrefix+marker; the next refresh or destroy repeats the check and removes any
// key the attempt made, and the next apply creates the key again.
const (
	createMarkerKey   = "_apikey_create"
	unconfirmedPrefix = "unconfirmed_"
	// userMetaMaxProperties leaves room for the marker within Unkey's limit.
	userMetaMaxProperties = unkey.MetaMaxProperties - 1
)

// errUnconfirmedCreate reports a create whose outcome could not be settled.
type errUnconfirmedCreate struct {
	marker string
	cause  error
	check  error
}

func (e *errUnconfirmedCreate) Error() string {
	return fmt.Sprintf("the create may have succeeded but its response was lost (%s), and checking for the key failed (%s)", e.cause, e.check)
}

func newMarker() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// outcomeUnknown reports whether a failed create may nonetheless have been committed.
func outcomeUnknown(err error) bool {
	if errors.Is(err, transport.ErrOutcomeUnknown) {
		return true
	}
	status := 0
	var ue *unkey.Error
	if errors.As(err, &ue) {
		status = ue.HTTPStatus
	}
	return status == http.StatusRequestTimeout || (status >= 500 && status != http.StatusNotImplemented)
}

// withMarker adds the creation marker to a meta object (or makes one).
func withMarker(meta json.RawMessage, marker string) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if len(meta) > 0 {
		if err := json.Unmarshal(meta, &obj); err != nil {
			return nil, err
		}
	}
	quoted, _ := json.Marshal(marker)
	obj[createMarkerKey] = quoted
	return json.Marshal(obj)
}

// withoutMarker removes the creation marker from meta; nil when nothing else is left.
func withoutMarker(meta json.RawMessage) json.RawMessage {
	if len(meta) == 0 || !strings.Contains(string(meta), createMarkerKey) {
		return meta
	}
	obj := map[string]json.RawMessage{}
	if json.Unmarshal(meta, &obj) != nil {
		return meta
	}
	delete(obj, createMarkerKey)
	if len(obj) == 0 {
		return nil
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return meta
	}
	return out
}

func markerOf(meta json.RawMessage) string {
	var obj struct {
		Marker string `json:"_apikey_create"`
	}
	_ = json.Unmarshal(meta, &obj)
	return obj.Marker
}

// createOnce creates a key, settling lost responses as described above.
func (r *keyResource) createOnce(ctx context.Context, req unkey.CreateKeyRequest, userMeta json.RawMessage, fingerprint string) (*unkey.CreatedKey, error) {
	var lastErr error
	for attempt := range r.b().createAttempts {
		marker := markerFor(fingerprint)
		meta, err := withMarker(userMeta, marker)
		if err != nil {
			return nil, fmt.Errorf("meta: %w", err)
		}
		req.Meta = meta
		created, err := r.b().Client.CreateKey(ctx, req)
		if err == nil {
			return created, nil
		}
		if !outcomeUnknown(err) {
			return nil, err
		}
		lastErr = err
		tflog.Warn(ctx, "key create outcome unknown; checking for a key made by this attempt", map[string]any{"attempt": attempt + 1, "error": err.Error()})
		check, cancel := settleContext(ctx)
		cerr := r.removeAttempt(check, req.APIID, req.ExternalID, marker)
		cancel()
		if cerr != nil {
			return nil, &errUnconfirmedCreate{marker: marker, cause: err, check: cerr}
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("cancelled; the interrupted create left no key behind: %w", err)
		}
	}
	return nil, fmt.Errorf("gave up after %d create attempts whose responses were lost; no key was left behind: %w", r.b().createAttempts, lastErr)
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

// removeAttempt permanently deletes any key carrying marker in apiID.
func (r *keyResource) removeAttempt(ctx context.Context, apiID, externalID, marker string) error {
	keys, err := r.b().Client.ListAllKeys(ctx, apiID, externalID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if markerOf(k.Meta) != marker {
			continue
		}
		tflog.Warn(ctx, "deleting the key made by a create whose response was lost", map[string]any{"key_id": k.KeyID})
		if err := r.b().Client.DeleteKey(ctx, k.KeyID, true); err != nil && !keyGone(err) {
			return err
		}
		r.b().reader.wrote(k.KeyID)
	}
	return nil
}

// settleUnconfirmed removes whatever an unconfirmed create left behind. It is called by Read and
// Delete for a resource saved with an unconfirmed id.
func (r *keyResource) settleUnconfirmed(ctx context.Context, state *keyModel) error {
	marker := strings.TrimPrefix(state.ID.ValueString(), unconfirmedPrefix)
	return r.removeAttempt(ctx, state.APIID.ValueString(), state.ExternalID.ValueString(), marker)
}

func isUnconfirmed(id string) bool { return strings.HasPrefix(id, unconfirmedPrefix) }

// readUnconfirmed settles an unconfirmed create during refresh and drops it from state, so the
// plan creates the key again.
func (r *keyResource) readUnconfirmed(ctx context.Context, state *keyModel, diags *diag.Diagnostics) bool {
	if err := r.settleUnconfirmed(ctx, state); err != nil {
		diags.AddError("Error settling an unconfirmed create",
			fmt.Sprintf("A previous create's outcome is still unknown and checking for its key failed: %s. Retry when the backend is reachable.", err))
		return false
	}
	diags.AddWarning("Unconfirmed create settled",
		"A previous create's response was lost. Any key it made has been removed; the key will be created again.")
	return true
}
