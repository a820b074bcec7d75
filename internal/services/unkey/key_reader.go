package unkey

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Batched reads. A refresh calls Read once per key, in parallel, within one provider process.
// Reading each key with keys.getKey costs one request per key; one apis.listKeys page returns up
// to 100 keys. Once an API has had a few Reads in this process, the reader lists the API once and
// serves the remaining Reads from that listing.
const (
	// directReadsPerAPI are served with getKey before a listing pays off: a configuration with a
	// handful of keys in a large API should not list the whole API.
	directReadsPerAPI = 10
	// listingTTL bounds how old a listing may be when it serves a Read.
	listingTTL = 30 * time.Second
)

type unkeyReader struct {
	client *unkey.Client
	now    func() time.Time

	mu       sync.Mutex
	reads    map[string]int           // Reads per API in this process
	listings map[string]*unkeyListing // per API
	written  map[string]bool          // keys this process created, changed or deleted
}

type unkeyListing struct {
	done chan struct{} // closed when keys/err are set
	at   time.Time
	keys map[string]unkey.Key
	err  error
}

func newUnkeyReader(client *unkey.Client, now func() time.Time) *unkeyReader {
	return &unkeyReader{
		client:   client,
		now:      now,
		reads:    map[string]int{},
		listings: map[string]*unkeyListing{},
		written:  map[string]bool{},
	}
}

// wrote records that this process changed a key, so no listing taken before serves it.
func (r *unkeyReader) wrote(keyID string) {
	r.mu.Lock()
	r.written[keyID] = true
	r.mu.Unlock()
}

// get reads a key. A key absent from a listing is confirmed with getKey, so a 404 from this
// method always comes from getKey.
func (r *unkeyReader) get(ctx context.Context, apiID, keyID string) (*unkey.Key, error) {
	if l := r.listingFor(ctx, apiID, keyID); l != nil {
		if k, ok := l.keys[keyID]; ok {
			return &k, nil
		}
		tflog.Debug(ctx, "key not in the API listing; confirming with getKey", map[string]any{"key_id": keyID, "api_id": apiID})
	}
	return r.client.GetKey(ctx, keyID, false)
}

// listingFor returns a fresh listing of apiID that may serve keyID, or nil when keyID must be
// read directly.
func (r *unkeyReader) listingFor(ctx context.Context, apiID, keyID string) *unkeyListing {
	if apiID == "" {
		return nil
	}
	r.mu.Lock()
	if r.written[keyID] {
		r.mu.Unlock()
		return nil
	}
	r.reads[apiID]++
	if r.reads[apiID] <= directReadsPerAPI {
		r.mu.Unlock()
		return nil
	}
	l, ok := r.listings[apiID]
	if ok {
		select {
		case <-l.done:
			// A failed listing is remembered for as long as a good one: listing again on every
			// Read would add a request (and the client's whole retry schedule) to each of them.
			if r.now().Sub(l.at) > listingTTL {
				ok = false
			}
		default: // being fetched: wait for it below
		}
	}
	if !ok {
		l = &unkeyListing{done: make(chan struct{})}
		r.listings[apiID] = l
		go r.fill(context.WithoutCancel(ctx), apiID, l)
	}
	r.mu.Unlock()

	select {
	case <-l.done:
	case <-ctx.Done():
		return nil
	}
	if l.err != nil {
		tflog.Debug(ctx, "listing the API failed; reading keys directly", map[string]any{"api_id": apiID, "error": l.err.Error()})
		return nil
	}
	return l
}

func (r *unkeyReader) fill(ctx context.Context, apiID string, l *unkeyListing) {
	defer close(l.done)
	at := r.now()
	keys, err := r.client.ListAllKeys(ctx, apiID, "")
	if err != nil {
		l.err, l.at = err, at
		return
	}
	l.keys = make(map[string]unkey.Key, len(keys))
	for _, k := range keys {
		l.keys[k.KeyID] = k
	}
	// Taken when the listing started: anything changed after that is newer than the listing.
	l.at = at
	tflog.Debug(ctx, "listed API keys for batched reads", map[string]any{"api_id": apiID, "keys": len(keys)})
}
