package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Plain Go tests of the batched Unkey reader (unkey_reader.go) against the in-process devserver.

const (
	routeGetKey   = "/v2/keys.getKey"
	routeListKeys = "/v2/apis.listKeys"
)

// readerClock is the reader's clock; the listing goroutine reads it, so it is locked.
type readerClock struct {
	mu  sync.Mutex
	now time.Time
}

func newReaderClock() *readerClock {
	return &readerClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *readerClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *readerClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// readerFixture is a server with n keys in its API, named key-<i>.
type readerFixture struct {
	srv   *acctest.Server
	ids   []string
	clock *readerClock
}

func newReaderFixture(t *testing.T, n int) *readerFixture {
	t.Helper()
	srv := acctest.NewServer(t)
	f := &readerFixture{srv: srv, clock: newReaderClock()}
	for i := range n {
		created, err := srv.Unkey.CreateKey(t.Context(), unkey.CreateKeyRequest{APIID: srv.APIID, Name: fmt.Sprintf("key-%d", i)})
		if err != nil {
			t.Fatalf("creating key %d: %v", i, err)
		}
		f.ids = append(f.ids, created.KeyID)
	}
	srv.Dev.ResetStats()
	return f
}

func (f *readerFixture) reader() *unkeyReader { return newUnkeyReader(f.srv.Unkey, f.clock.Now) }

func (f *readerFixture) routes() (getKey, listKeys int64) {
	st := f.srv.Dev.Stats()
	return st.ByRoute[routeGetKey], st.ByRoute[routeListKeys]
}

// readName reads a key through r and returns its name.
func readName(t *testing.T, r *unkeyReader, apiID, id string) string {
	t.Helper()
	k, err := r.get(t.Context(), apiID, id)
	if err != nil {
		t.Fatalf("reading %s: %v", id, err)
	}
	if k.KeyID != id {
		t.Fatalf("reading %s returned key %s", id, k.KeyID)
	}
	if k.Name == nil {
		return ""
	}
	return *k.Name
}

// warmUp makes the reader take its listing: directReadsPerAPI direct reads, then one more.
func (f *readerFixture) warmUp(t *testing.T, r *unkeyReader) {
	t.Helper()
	for _, id := range f.ids[:directReadsPerAPI+1] {
		readName(t, r, f.srv.APIID, id)
	}
	if _, list := f.routes(); list == 0 {
		t.Fatal("no listing was taken after the direct reads")
	}
}

func TestUnkeyReader_batchesReads(t *testing.T) {
	const n = 150
	f := newReaderFixture(t, n)
	r := f.reader()
	for i, id := range f.ids {
		if got, want := readName(t, r, f.srv.APIID, id), fmt.Sprintf("key-%d", i); got != want {
			t.Fatalf("key %d: name %q, want %q", i, got, want)
		}
		if i+1 == directReadsPerAPI {
			if get, list := f.routes(); get != directReadsPerAPI || list != 0 {
				t.Fatalf("after %d reads: getKey=%d listKeys=%d, want %d and 0", i+1, get, list, directReadsPerAPI)
			}
		}
	}
	st := f.srv.Dev.Stats()
	pages := int64((n + unkey.ListKeysMaxLimit - 1) / unkey.ListKeysMaxLimit)
	if got := st.ByRoute[routeGetKey]; got != directReadsPerAPI {
		t.Errorf("getKey requests = %d, want %d (only the reads before the listing)", got, directReadsPerAPI)
	}
	if got := st.ByRoute[routeListKeys]; got != pages {
		t.Errorf("listKeys requests = %d, want %d (one listing of %d keys)", got, pages, n)
	}
	if bound := int64(n/100 + directReadsPerAPI + 1); st.Requests > bound {
		t.Errorf("%d requests for %d reads, want at most %d", st.Requests, n, bound)
	}
}

// Parallel reads, as in a Terraform refresh, share one listing.
func TestUnkeyReader_parallelReadsShareOneListing(t *testing.T) {
	const n = 150
	f := newReaderFixture(t, n)
	r := f.reader()
	var wg sync.WaitGroup
	var failed atomic.Int64
	ids := make(chan int)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				k, err := r.get(context.Background(), f.srv.APIID, f.ids[i])
				if err != nil || k.Name == nil || *k.Name != fmt.Sprintf("key-%d", i) {
					failed.Add(1)
				}
			}
		}()
	}
	for i := range n {
		ids <- i
	}
	close(ids)
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d parallel reads failed or returned the wrong key", failed.Load())
	}
	if get, list := f.routes(); get != directReadsPerAPI || list != 2 {
		t.Errorf("getKey=%d listKeys=%d, want %d and 2 (one listing of two pages)", get, list, directReadsPerAPI)
	}
}

// A key this process wrote is read with getKey even when a listing holds it.
func TestUnkeyReader_writtenKeyReadDirectly(t *testing.T) {
	f := newReaderFixture(t, 30)
	r := f.reader()
	f.warmUp(t, r)
	id := f.ids[20]
	if err := f.srv.Unkey.UpdateKey(t.Context(), unkey.UpdateKeyRequest{KeyID: id, Name: unkey.Value("renamed")}); err != nil {
		t.Fatal(err)
	}
	get0, list0 := f.routes()
	// Not written by this process: the listing (taken before the rename) serves it.
	if got := readName(t, r, f.srv.APIID, id); got != "key-20" {
		t.Fatalf("before wrote: name %q, want the listed key-20", got)
	}
	r.wrote(id)
	if got := readName(t, r, f.srv.APIID, id); got != "renamed" {
		t.Fatalf("after wrote: name %q, want the fresh value", got)
	}
	get1, list1 := f.routes()
	if get1-get0 != 1 || list1 != list0 {
		t.Errorf("requests for the two reads: getKey +%d, listKeys +%d; want +1 and +0", get1-get0, list1-list0)
	}
}

// A key deleted before the listing is absent from it; getKey confirms it is gone.
func TestUnkeyReader_deletedBeforeListing(t *testing.T) {
	f := newReaderFixture(t, 30)
	r := f.reader()
	id := f.ids[25]
	if err := f.srv.Unkey.DeleteKey(t.Context(), id, false); err != nil {
		t.Fatal(err)
	}
	f.srv.Dev.ResetStats()
	f.warmUp(t, r)
	get0, _ := f.routes()
	_, err := r.get(t.Context(), f.srv.APIID, id)
	if !unkey.IsNotFound(err) {
		t.Fatalf("reading a deleted key: err = %v, want not found", err)
	}
	if get1, _ := f.routes(); get1-get0 != 1 {
		t.Errorf("getKey requests for the deleted key: %d, want 1 (the confirmation)", get1-get0)
	}
}

// A key deleted after the listing was taken is served from the listing until listingTTL has
// passed. This is the accepted race of batched reads: a refresh may report a key deleted outside
// Terraform during the last listingTTL as still present, exactly as if the deletion had happened
// just after the refresh; the next refresh (in a new provider process, or after the TTL) finds
// it gone. Keys deleted by this process are never served from a listing (see wrote).
func TestUnkeyReader_deletedAfterListing(t *testing.T) {
	f := newReaderFixture(t, 30)
	r := f.reader()
	f.warmUp(t, r)
	id := f.ids[25]
	if err := f.srv.Unkey.DeleteKey(t.Context(), id, false); err != nil {
		t.Fatal(err)
	}
	if got := readName(t, r, f.srv.APIID, id); got != "key-25" {
		t.Fatalf("within the TTL: name %q, want the listed key-25", got)
	}
	f.clock.Advance(listingTTL - time.Second)
	readName(t, r, f.srv.APIID, id) // still within the TTL
	get0, list0 := f.routes()

	f.clock.Advance(2 * time.Second)
	_, err := r.get(t.Context(), f.srv.APIID, id)
	if !unkey.IsNotFound(err) {
		t.Fatalf("after the TTL: err = %v, want not found", err)
	}
	get1, list1 := f.routes()
	if list1-list0 != 1 || get1-get0 != 1 {
		t.Errorf("after the TTL: listKeys +%d, getKey +%d; want a new listing (+1) and a confirmation (+1)", list1-list0, get1-get0)
	}
	// The new listing serves the other keys.
	readName(t, r, f.srv.APIID, f.ids[3])
	if get2, list2 := f.routes(); get2 != get1 || list2 != list1 {
		t.Errorf("a read after the new listing made requests: getKey +%d, listKeys +%d", get2-get1, list2-list1)
	}
}

// When listing fails, reads fall back to getKey, and the failed listing is not retried for every
// read until listingTTL has passed.
func TestUnkeyReader_listingErrorFallsBack(t *testing.T) {
	f := newReaderFixture(t, 30)
	var listAttempts atomic.Int64
	dev := f.srv.Dev.Handler()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == routeListKeys {
			listAttempts.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"meta":{"requestId":"req_test"},"error":{"title":"Forbidden","detail":"listing is not allowed","status":403,"type":"https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions"}}`))
			return
		}
		dev.ServeHTTP(w, r)
	}))
	t.Cleanup(failing.Close)
	hc, err := transport.New(transport.Config{BaseURL: failing.URL, Token: f.srv.RootKey})
	if err != nil {
		t.Fatal(err)
	}
	r := newUnkeyReader(unkey.New(hc), f.clock.Now)
	for i, id := range f.ids {
		if got, want := readName(t, r, f.srv.APIID, id), fmt.Sprintf("key-%d", i); got != want {
			t.Fatalf("key %d: name %q, want %q", i, got, want)
		}
	}
	if get, _ := f.routes(); get != int64(len(f.ids)) {
		t.Errorf("getKey requests = %d, want %d (every read falls back)", get, len(f.ids))
	}
	if got := listAttempts.Load(); got != 1 {
		t.Errorf("listing attempts = %d, want 1 (a failed listing is not retried within listingTTL)", got)
	}
	f.clock.Advance(listingTTL + time.Second)
	readName(t, r, f.srv.APIID, f.ids[0])
	if got := listAttempts.Load(); got != 2 {
		t.Errorf("listing attempts after the TTL = %d, want 2", got)
	}
}
