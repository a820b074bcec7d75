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
// to 100 keys. Once an API has had a few Reads in this process, the reader lists the API one page
// at a time, on demand: a Read whose key is on no page fetched so far waits for the next page.
//
// Whether a page is fetched is decided by the API's ledger, which outlives its listings: a page
// is fetched only while pages < served + listingCredit, where served counts the Reads that pages
// answered (a Read waiting for a page counts when the page arrives; a Read of a key already
// fetched counts when it is answered). When the ledger refuses, the Read goes to getKey and the
// listing pauses; any later Read the fetched pages answer lets it go on. So for N Reads of one
// API, S of them answered by P pages, the requests are N - S + P <= N + listingCredit, whatever
// the order of the Reads. When the managed keys are the whole API, the first listingCredit pages
// are fetched whatever the order as well, so a refresh of N <= 100 * listingCredit keys within
// listingTTL costs N/100 + directReadsPerAPI requests. (A rule that judged each page by the Reads
// waiting when it arrived stopped by chance whenever the CLI's order put those Reads on later
// pages, and then read every remaining key directly.)
const (
	// directReadsPerAPI are served with getKey before a listing is started, so a state of a few
	// keys in a large API never lists it.
	directReadsPerAPI = 10
	// listingCredit is how many pages an API's listings may have fetched beyond the Reads they
	// answered: the most a listing may cost on top of reading every key directly.
	listingCredit = 10
	// listingTTL bounds how old a listing may be when it serves a Read.
	listingTTL = 30 * time.Second
)

type unkeyReader struct {
	client *unkey.Client
	now    func() time.Time

	mu       sync.Mutex
	reads    map[string]int            // Reads per API in this process
	ledgers  map[string]*listingLedger // per API, shared by its successive listings
	listings map[string]*unkeyListing  // per API
	written  map[string]bool           // keys this process created, changed or deleted
}

// listingLedger is what an API's listings cost (pages) against what they saved (served).
type listingLedger struct {
	mu            sync.Mutex
	pages, served int
}

// takePage records a page about to be fetched, or reports false when the listings have used
// their credit.
func (g *listingLedger) takePage() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pages >= g.served+listingCredit {
		return false
	}
	g.pages++
	return true
}

func (g *listingLedger) serve(n int) {
	g.mu.Lock()
	g.served += n
	g.mu.Unlock()
}

// unkeyListing is an API's keys, fetched page by page on demand.
type unkeyListing struct {
	ledger   *listingLedger
	mu       sync.Mutex
	wake     chan struct{} // closed (and replaced) when a page arrives
	at       time.Time     // when the newest page was requested
	now      func() time.Time
	keys     map[string]unkey.Key
	cursor   string
	done     bool // every page fetched
	fetching bool
	waiting  map[string]int // keys that Reads are waiting for
	credited map[string]int // waiting Reads already counted in the ledger
	err      error          // the listing failed
}

func newUnkeyReader(client *unkey.Client, now func() time.Time) *unkeyReader {
	return &unkeyReader{
		client:   client,
		now:      now,
		reads:    map[string]int{},
		ledgers:  map[string]*listingLedger{},
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
		return nil
	}
	l, ok := r.listings[apiID]
	if ok && r.now().Sub(l.startedAt()) > listingTTL {
		ok = false
	}
	if !ok {
		g := r.ledgers[apiID]
		if g == nil {
			g = &listingLedger{}
			r.ledgers[apiID] = g
		}
		l = &unkeyListing{ledger: g, at: r.now(), now: r.now, keys: map[string]unkey.Key{}, waiting: map[string]int{}, credited: map[string]int{}, wake: make(chan struct{})}
		r.listings[apiID] = l
	}
	return l
}

func (l *unkeyListing) startedAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.at
}

// lookup finds keyID in the listing, waiting for further pages while the ledger allows them. ok
// is false when the key must be read directly, or ctx ended while waiting for a page.
func (l *unkeyListing) lookup(ctx context.Context, client *unkey.Client, apiID, keyID string) (*unkey.Key, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if k, ok := l.keys[keyID]; ok {
			if l.credited[keyID] > 0 {
				l.credited[keyID]-- // counted when its page arrived
			} else {
				l.ledger.serve(1)
			}
			return &k, true
		}
		if l.done || l.err != nil {
			return nil, false
		}
		if !l.fetching {
			if !l.ledger.takePage() {
				return nil, false // paused until fetched pages answer more Reads
			}
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

// fetch gets the page at cursor and wakes the Reads waiting for it.
func (l *unkeyListing) fetch(ctx context.Context, client *unkey.Client, apiID, cursor string) {
	page, err := client.ListKeys(ctx, unkey.ListKeysRequest{APIID: apiID, Limit: unkey.ListKeysMaxLimit, Cursor: cursor})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fetching = false
	switch {
	case err != nil:
		// A failed listing is remembered for as long as a good one: listing again on every Read
		// would add a request (and the client's whole retry schedule) to each of them.
		l.err = err
		tflog.Debug(ctx, "listing the API failed; reading keys directly", map[string]any{"api_id": apiID, "error": err.Error()})
	default:
		served := 0
		for _, k := range page.Keys {
			l.keys[k.KeyID] = k
			// Reads waiting for this page are counted now, before any of them wakes, so the
			// next page's decision does not depend on the order in which they wake.
			if n := l.waiting[k.KeyID]; n > 0 {
				served += n
				l.credited[k.KeyID] += n
			}
		}
		l.ledger.serve(served)
		l.cursor = page.Cursor
		l.done = !page.HasMore || page.Cursor == ""
	}
	close(l.wake)
	l.wake = make(chan struct{})
}
