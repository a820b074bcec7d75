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
// to 100 keys. Once an API has had a few Reads in this process, the reader starts listing the
// API, one page at a time and only while listing pays: a page is fetched only when a Read needs
// it and every page so far has served at least one Read (the first page also counts the keys
// read directly before the listing started). So a refresh costs about N/100 + 10
// requests when the managed keys are most of their API, and never more than N + 11 when they are
// a sliver of it (each page that served nobody stops the listing; the rest read directly).
const (
	// directReadsPerAPI are served with getKey before a listing is started.
	directReadsPerAPI = 10
	// listingTTL bounds how old a listing may be when it serves a Read.
	listingTTL = 30 * time.Second
)

type unkeyReader struct {
	client *unkey.Client
	now    func() time.Time

	mu       sync.Mutex
	reads    map[string]int           // Reads per API in this process
	direct   map[string][]string      // keys read directly per API before its listing started
	listings map[string]*unkeyListing // per API
	written  map[string]bool          // keys this process created, changed or deleted
}

// unkeyListing is an API's keys, fetched page by page on demand.
type unkeyListing struct {
	mu       sync.Mutex
	wake     chan struct{} // closed (and replaced) when a page arrives
	at       time.Time     // when the newest page was requested
	now      func() time.Time
	keys     map[string]unkey.Key
	cursor   string
	done     bool // every page fetched
	stopped  bool // listing no longer pays, or failed
	fetching bool
	waiting  map[string]int // keys that Reads are waiting for
	credited map[string]int // waiting Reads already counted in served
	served   int            // Reads the listing has served
	pages    int            // pages fetched
	// readBefore holds the keys read directly before the listing started. The first page counts
	// them as served: sequential Reads wait for one key at a time, which the first page misses
	// one time in three even when the managed keys are the whole API.
	readBefore map[string]bool
	err        error
}

func newUnkeyReader(client *unkey.Client, now func() time.Time) *unkeyReader {
	return &unkeyReader{
		client:   client,
		now:      now,
		reads:    map[string]int{},
		direct:   map[string][]string{},
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

// get reads a key. A key absent from a listing is confirmed with getKey, so a not-found from this
// method always comes from getKey.
func (r *unkeyReader) get(ctx context.Context, apiID, keyID string) (*unkey.Key, error) {
	if l := r.listingFor(apiID, keyID); l != nil {
		if k, ok := l.lookup(ctx, r.client, apiID, keyID); ok {
			return k, nil
		}
		tflog.Debug(ctx, "key not served by the API listing; reading it with getKey", map[string]any{"key_id": keyID, "api_id": apiID})
	}
	return r.client.GetKey(ctx, keyID, false)
}

// listingFor returns the listing of apiID that may serve keyID, or nil when keyID must be read
// directly.
func (r *unkeyReader) listingFor(apiID, keyID string) *unkeyListing {
	if apiID == "" {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.written[keyID] {
		return nil
	}
	r.reads[apiID]++
	if r.reads[apiID] <= directReadsPerAPI {
		r.direct[apiID] = append(r.direct[apiID], keyID)
		return nil
	}
	l, ok := r.listings[apiID]
	if ok && r.now().Sub(l.startedAt()) > listingTTL {
		ok = false
	}
	if !ok {
		l = &unkeyListing{at: r.now(), now: r.now, keys: map[string]unkey.Key{}, waiting: map[string]int{}, credited: map[string]int{}, wake: make(chan struct{}), readBefore: map[string]bool{}}
		for _, id := range r.direct[apiID] {
			l.readBefore[id] = true
		}
		r.listings[apiID] = l
	}
	return l
}

func (l *unkeyListing) startedAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.at
}

// lookup finds keyID in the listing, waiting for further pages while the listing pays. ok is
// false when the key must be read directly, or ctx ended while waiting for a page.
func (l *unkeyListing) lookup(ctx context.Context, client *unkey.Client, apiID, keyID string) (*unkey.Key, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if k, ok := l.keys[keyID]; ok {
			if l.credited[keyID] > 0 {
				l.credited[keyID]-- // counted when its page arrived
			} else {
				l.served++
			}
			return &k, true
		}
		if l.done || l.stopped {
			return nil, false
		}
		if !l.fetching {
			l.fetching = true
			// The listing ages from its newest page, so a refresh longer than listingTTL keeps
			// its listing instead of starting another.
			l.at = l.now()
			// The page outlives this Read's context: other Reads wait for it.
			go l.fetch(context.WithoutCancel(ctx), client, apiID, l.cursor)
		}
		l.waiting[keyID]++
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
		}
		l.mu.Lock()
		if l.waiting[keyID]--; l.waiting[keyID] <= 0 {
			delete(l.waiting, keyID)
		}
		if ctx.Err() != nil {
			return nil, false
		}
	}
}

// fetch gets the page at cursor and wakes the Reads waiting for it. The listing goes on only
// while it has served at least one Read per page fetched: otherwise the managed keys are a sliver
// of the API, and reading them directly is cheaper than the rest of the listing.
func (l *unkeyListing) fetch(ctx context.Context, client *unkey.Client, apiID, cursor string) {
	page, err := client.ListKeys(ctx, unkey.ListKeysRequest{APIID: apiID, Limit: unkey.ListKeysMaxLimit, Cursor: cursor})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fetching = false
	l.pages++
	switch {
	case err != nil:
		// A failed listing is remembered for as long as a good one: listing again on every Read
		// would add a request (and the client's whole retry schedule) to each of them.
		l.err, l.stopped = err, true
		tflog.Debug(ctx, "listing the API failed; reading keys directly", map[string]any{"api_id": apiID, "error": err.Error()})
	default:
		for _, k := range page.Keys {
			l.keys[k.KeyID] = k
			// Reads waiting for this page are counted now, before any of them wakes, so the
			// order in which they wake cannot stop the listing.
			if n := l.waiting[k.KeyID]; n > 0 {
				l.served += n
				l.credited[k.KeyID] += n
			}
			if cursor == "" && l.readBefore[k.KeyID] {
				l.served++
			}
		}
		l.cursor = page.Cursor
		l.done = !page.HasMore || page.Cursor == ""
		if !l.done && l.served < l.pages {
			l.stopped = true
			tflog.Debug(ctx, "API listing stopped: its pages served fewer reads than they cost", map[string]any{"api_id": apiID, "pages": l.pages, "served": l.served})
		}
	}
	close(l.wake)
	l.wake = make(chan struct{})
}
