package unkey

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Interrupted runs.
//
// The CLI saves state every ~20 seconds and at the end of a run, so a provider or CLI killed in
// between leaves keys whose create returned but whose state was never saved. Their plaintext is
// gone with the run. To recognise them, a key's creation marker (createMarkerKey in meta) stays
// on the key until the key is known to be in state: its first refresh, update or delete removes
// it. The marker is "<fingerprint>.<nonce>": the fingerprint is a digest of the create request
// as configured (API, name and every setting sent), the nonce tells one attempt from another.
//
// Before the first create into an API, a provider process lists the API once and notes every
// key carrying a marker. A create then deletes the marked keys whose fingerprint is its own (an
// interrupted run's create of the same configuration) before creating. A key without a marker,
// or with another fingerprint, is never touched. Keys created by this process are not in that
// listing: every create into the API waits for it.

// markerPattern is a marker as written since fingerprints: 16 hex digits, ".", 24 hex digits.
var markerPattern = regexp.MustCompile(`^([0-9a-f]{16})\.[0-9a-f]{24}$`)

// fingerprintOf is the fingerprint a marker carries, or "" for a marker without one.
func fingerprintOf(marker string) string {
	if m := markerPattern.FindStringSubmatch(marker); m != nil {
		return m[1]
	}
	return ""
}

func markerFor(fingerprint string) string { return fingerprint + "." + newMarker() }

// createFingerprint digests what a create request asks for, independent of the time of the
// request (an expiry from expire_after counts as its duration) and of the order of set elements.
func createFingerprint(req unkey.CreateKeyRequest, userMeta json.RawMessage, expireAfter string) string {
	req.Meta = canonicalJSON(userMeta)
	if expireAfter != "" {
		req.Expires = nil
	}
	req.Roles = slices.Sorted(slices.Values(req.Roles))
	req.Permissions = slices.Sorted(slices.Values(req.Permissions))
	req.Ratelimits = slices.Clone(req.Ratelimits)
	slices.SortFunc(req.Ratelimits, func(a, b unkey.RatelimitRequest) int { return cmp.Compare(a.Name, b.Name) })
	raw, _ := json.Marshal(struct {
		Request     unkey.CreateKeyRequest `json:"request"`
		ExpireAfter string                 `json:"expire_after,omitempty"`
	}{req, expireAfter})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8])
}

// canonicalJSON re-encodes a JSON value so formatting and key order do not matter.
func canonicalJSON(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	out, _ := json.Marshal(v)
	return out
}

// orphansOf is the decision: the keys carrying a marker with the given fingerprint.
func orphansOf(keys []unkey.Key, fingerprint string) []string {
	var out []string
	for _, k := range keys {
		if fp := fingerprintOf(markerOf(k.Meta)); fp != "" && fp == fingerprint {
			out = append(out, k.KeyID)
		}
	}
	return out
}

// orphanScans holds one listing per API per provider process.
type orphanScans struct {
	mu    sync.Mutex
	byAPI map[string]*orphanScan
}

type orphanScan struct {
	done chan struct{}
	err  error
	// marked holds the marked keys of the listing not yet claimed by a create.
	mu     sync.Mutex
	marked []unkey.Key
}

// scan returns the API's listing, taking it on the first call; concurrent calls wait for it. A
// failed listing is not kept: the next create tries again.
func (s *orphanScans) scan(ctx context.Context, client *unkey.Client, apiID string) (*orphanScan, error) {
	s.mu.Lock()
	if s.byAPI == nil {
		s.byAPI = map[string]*orphanScan{}
	}
	sc, ok := s.byAPI[apiID]
	if !ok {
		sc = &orphanScan{done: make(chan struct{})}
		s.byAPI[apiID] = sc
	}
	s.mu.Unlock()
	if !ok {
		keys, err := client.ListAllKeys(ctx, apiID, "")
		for _, k := range keys {
			if markerOf(k.Meta) != "" {
				sc.marked = append(sc.marked, k)
			}
		}
		sc.err = err
		if err != nil {
			s.mu.Lock()
			delete(s.byAPI, apiID)
			s.mu.Unlock()
		}
		close(sc.done)
	}
	select {
	case <-sc.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return sc, sc.err
}

// claim takes the keys of the listing carrying fingerprint, so no other create deletes them too.
func (sc *orphanScan) claim(fingerprint string) []string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	ids := orphansOf(sc.marked, fingerprint)
	sc.marked = slices.DeleteFunc(sc.marked, func(k unkey.Key) bool { return slices.Contains(ids, k.KeyID) })
	return ids
}

// removeOrphans deletes the keys an interrupted run of this configuration left in apiID.
func (r *keyResource) removeOrphans(ctx context.Context, apiID, fingerprint string) error {
	sc, err := r.b().orphans.scan(ctx, r.b().Client, apiID)
	if err != nil {
		return fmt.Errorf("listing API %s for keys left by an interrupted run: %w", apiID, r.b().explain(err))
	}
	for _, id := range sc.claim(fingerprint) {
		tflog.Warn(ctx, "deleting a key left by an interrupted run of this configuration", map[string]any{"key_id": id})
		r.b().reader.wrote(id)
		if err := r.b().Client.DeleteKey(ctx, id, false); err != nil && !keyGone(err) {
			return fmt.Errorf("deleting key %s, left by an interrupted run: %w", id, r.b().explain(err))
		}
	}
	return nil
}

// clearMarker removes the creation marker of a key known to be in state and returns the key as
// the server then has it: read back, since the update moves updated_at. A failure only warns:
// the key works, and the next refresh tries again.
func (r *keyResource) clearMarker(ctx context.Context, k *unkey.Key, diags *diag.Diagnostics) *unkey.Key {
	if markerOf(k.Meta) == "" {
		return k
	}
	meta := unkey.Null[json.RawMessage]()
	if rest := withoutMarker(k.Meta); len(rest) > 0 {
		meta = unkey.Value(rest)
	}
	r.b().reader.wrote(k.KeyID)
	if err := r.b().Client.UpdateKey(ctx, unkey.UpdateKeyRequest{KeyID: k.KeyID, Meta: meta}); err != nil {
		diags.AddAttributeWarning(path.Root("meta"), "Creation marker not removed",
			fmt.Sprintf("Removing the provider's creation marker (%s) from the meta of key %s failed: %s. The key works; the next refresh tries again. Until then a create of the same configuration after an interrupted run could take the key for one left by that run.", createMarkerKey, k.KeyID, r.b().explain(err)))
		return k
	}
	fresh, err := r.getKeyAfterWrite(ctx, k.KeyID)
	if err != nil {
		// The marker is gone; only updated_at is stale until the next refresh.
		settled := *k
		settled.Meta = withoutMarker(k.Meta)
		return &settled
	}
	return fresh
}
