package unkey

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"

	"github.com/apikey-provider/terraform-provider-apikey/internal/testkit"
)

// The batched reader (key_reader.go) against the local server.

const (
	routeGetKey   = "/v2/keys.getKey"
	routeListKeys = "/v2/apis.listKeys"
)

// readerFixture is a server with n keys in its API, named key-<i>.
type readerFixture struct {
	*devFixture
	ids   []string
	clock *testkit.Clock
}

func newReaderFixture(t *testing.T, n int) *readerFixture {
	t.Helper()
	f := &readerFixture{devFixture: newDevFixture(t), clock: newTestClock()}
	for i := range n {
		created, err := f.client.CreateKey(t.Context(), unkey.CreateKeyRequest{APIID: f.apiID, Name: fmt.Sprintf("key-%d", i)})
		if err != nil {
			t.Fatalf("creating key %d: %v", i, err)
		}
		f.ids = append(f.ids, created.KeyID)
	}
	f.dev.ResetStats()
	return f
}

func (f *readerFixture) reader() *unkeyReader { return newUnkeyReader(f.client, f.clock.Now) }

func (f *readerFixture) routes() (getKey, listKeys int64) {
	st := f.dev.Stats()
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
		readName(t, r, f.apiID, id)
	}
	if _, list := f.routes(); list == 0 {
		t.Fatal("no listing was taken after the direct reads")
	}
}

func TestUnkeyReader_batchesReads(t *testing.T) {
	t.Parallel()
	const n = 150
	f := newReaderFixture(t, n)
	r := f.reader()
	for i, id := range f.ids {
		if got, want := readName(t, r, f.apiID, id), fmt.Sprintf("key-%d", i); got != want {
			t.Fatalf("key %d: name %q, want %q", i, got, want)
		}
		if i+1 == directReadsPerAPI {
			if get, list := f.routes(); get != directReadsPerAPI || list != 0 {
				t.Fatalf("after %d reads: getKey=%d listKeys=%d, want %d and 0", i+1, get, list, directReadsPerAPI)
			}
		}
	}
	st := f.dev.Stats()
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
	t.Parallel()
	const n = 150
	f := newReaderFixture(t, n)
	r := f.reader()
	var wg sync.WaitGroup
	var failed atomic.Int64
	ids := make(chan int)
	for range 10 {
		wg.Go(func() {
			for i := range ids {
				k, err := r.get(context.Background(), f.apiID, f.ids[i])
				if err != nil || k.Name == nil || *k.Name != fmt.Sprintf("key-%d", i) {
					failed.Add(1)
				}
			}
		})
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
	t.Parallel()
	f := newReaderFixture(t, 30)
	r := f.reader()
	f.warmUp(t, r)
	id := f.ids[20]
	if err := f.client.UpdateKey(t.Context(), unkey.UpdateKeyRequest{KeyID: id, Name: unkey.Value("renamed")}); err != nil {
		t.Fatal(err)
	}
	get0, list0 := f.routes()
	// Not written by this process: the listing (taken before the rename) serves it.
	if got := readName(t, r, f.apiID, id); got != "key-20" {
		t.Fatalf("before wrote: name %q, want the listed key-20", got)
	}
	r.wrote(id)
	if got := readName(t, r, f.apiID, id); got != "renamed" {
		t.Fatalf("after wrote: name %q, want the fresh value", got)
	}
	get1, list1 := f.routes()
	if get1-get0 != 1 || list1 != list0 {
		t.Errorf("requests for the two reads: getKey +%d, listKeys +%d; want +1 and +0", get1-get0, list1-list0)
	}
}

// Without an API id (a key imported by bare id) every read goes to getKey.
func TestUnkeyReader_noAPIReadsDirectly(t *testing.T) {
	t.Parallel()
	f := newReaderFixture(t, directReadsPerAPI+5)
	r := f.reader()
	for _, id := range f.ids {
		readName(t, r, "", id)
	}
	if get, list := f.routes(); get != int64(len(f.ids)) || list != 0 {
		t.Errorf("getKey=%d listKeys=%d, want %d and 0", get, list, len(f.ids))
	}
}

// A key deleted before the listing is absent from it; getKey confirms it is gone.
func TestUnkeyReader_deletedBeforeListing(t *testing.T) {
	t.Parallel()
	f := newReaderFixture(t, 30)
	r := f.reader()
	id := f.ids[25]
	if err := f.client.DeleteKey(t.Context(), id, false); err != nil {
		t.Fatal(err)
	}
	f.dev.ResetStats()
	f.warmUp(t, r)
	get0, _ := f.routes()
	_, err := r.get(t.Context(), f.apiID, id)
	if !unkey.IsNotFound(err) {
		t.Fatalf("reading a deleted key: err = %v, want not found", err)
	}
	if get1, _ := f.routes(); get1-get0 != 1 {
		t.Errorf("getKey requests for the deleted key: %d, want 1 (the confirmation)", get1-get0)
	}
}

// A key deleted after the listing was taken is served from the listing until listingTTL has
// passed: the accepted race of batched reads, as if the deletion had happened just after the
// refresh. Keys deleted by this process are never served from a listing (see wrote).
func TestUnkeyReader_deletedAfterListing(t *testing.T) {
	t.Parallel()
	f := newReaderFixture(t, 30)
	r := f.reader()
	f.warmUp(t, r)
	id := f.ids[25]
	if err := f.client.DeleteKey(t.Context(), id, false); err != nil {
		t.Fatal(err)
	}
	if got := readName(t, r, f.apiID, id); got != "key-25" {
		t.Fatalf("within the TTL: name %q, want the listed key-25", got)
	}
	f.clock.Advance(listingTTL - time.Second)
	readName(t, r, f.apiID, id) // still within the TTL
	get0, list0 := f.routes()

	f.clock.Advance(2 * time.Second)
	_, err := r.get(t.Context(), f.apiID, id)
	if !unkey.IsNotFound(err) {
		t.Fatalf("after the TTL: err = %v, want not found", err)
	}
	get1, list1 := f.routes()
	if list1-list0 != 1 || get1-get0 != 1 {
		t.Errorf("after the TTL: listKeys +%d, getKey +%d; want a new listing (+1) and a confirmation (+1)", list1-list0, get1-get0)
	}
	// The new listing serves the other keys.
	readName(t, r, f.apiID, f.ids[3])
	if get2, list2 := f.routes(); get2 != get1 || list2 != list1 {
		t.Errorf("a read after the new listing made requests: getKey +%d, listKeys +%d", get2-get1, list2-list1)
	}
}

// When listing fails, reads fall back to getKey, and the failed listing is not retried for every
// read until listingTTL has passed.
func TestUnkeyReader_listingErrorFallsBack(t *testing.T) {
	t.Parallel()
	f := newReaderFixture(t, 30)
	var listAttempts atomic.Int64
	dev := f.dev.Handler()
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
	r := newUnkeyReader(newClient(t, failing.URL, f.dev.RootKey()), f.clock.Now)
	for i, id := range f.ids {
		if got, want := readName(t, r, f.apiID, id), fmt.Sprintf("key-%d", i); got != want {
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
	readName(t, r, f.apiID, f.ids[0])
	if got := listAttempts.Load(); got != 2 {
		t.Errorf("listing attempts after the TTL = %d, want 2", got)
	}
}

// A read whose context ends while the listing is being fetched returns instead of waiting.
func TestUnkeyReader_cancelledWhileListing(t *testing.T) {
	t.Parallel()
	f := newReaderFixture(t, directReadsPerAPI+1)
	release := make(chan struct{})
	dev := f.dev.Handler()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == routeListKeys {
			<-release
		}
		dev.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	r := newUnkeyReader(newClient(t, slow.URL, f.dev.RootKey()), f.clock.Now)
	for _, id := range f.ids[:directReadsPerAPI] {
		readName(t, r, f.apiID, id)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.get(ctx, f.apiID, f.ids[directReadsPerAPI])
	if err == nil {
		t.Fatal("a read with an expired context succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the read waited %s for the listing", d)
	}
}
