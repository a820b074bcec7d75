package mixpeek

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/testkit"
)

// The shared listings of mixpeek.Client (shared.go) as the key resource uses them: request counts
// and what each call may observe.

// listingFixture is a local server with n keys of testEmail, named key-<i>, and a hook that
// counts the listings and can hold them.
type listingFixture struct {
	ts       *testServer
	b        *Backend
	clock    *testkit.Clock
	ids      []string
	listings atomic.Int64
	// hold, when set, is waited on by every listing before the server answers it.
	mu   sync.Mutex
	hold chan struct{}
}

func newListingFixture(t *testing.T, n int) *listingFixture {
	t.Helper()
	f := &listingFixture{clock: testkit.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}
	f.ts = newTestServer(t, nil)
	_, f.b = configured(t, f.ts.url, f.ts.dev.RootKey(), f.clock.Now, 1)
	// Keys made by another client, so that this process has written none of them.
	other := newClient(t, f.ts.url, f.ts.dev.RootKey())
	for i := range n {
		k, err := other.CreateKey(t.Context(), testEmail, mixpeek.CreateKeyRequest{Name: fmt.Sprintf("key-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, k.KeyID)
	}
	f.ts.setHook(func(_ http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/api-keys") {
			f.listings.Add(1)
			f.mu.Lock()
			hold := f.hold
			f.mu.Unlock()
			if hold != nil {
				<-hold
			}
		}
		return false
	})
	return f
}

func (f *listingFixture) setHold(c chan struct{}) {
	f.mu.Lock()
	f.hold = c
	f.mu.Unlock()
}

func (f *listingFixture) read(t *testing.T, keyID string) *mixpeek.Key {
	t.Helper()
	k, _, err := f.b.Client.ReadKey(t.Context(), testEmail, keyID, listingTTL)
	if err != nil {
		t.Fatalf("reading %s: %v", keyID, err)
	}
	if k.KeyID != keyID {
		t.Fatalf("reading %s returned %s", keyID, k.KeyID)
	}
	return k
}

// A refresh: reads of every key, ten at a time, share one listing; within listingTTL a later
// read makes no request, after it one listing.
func TestSharedListing_refreshListsOnce(t *testing.T) {
	t.Parallel()
	const n = 40
	f := newListingFixture(t, n)
	next := make(chan string)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for id := range next {
				f.read(t, id)
			}
		})
	}
	for _, id := range f.ids {
		next <- id
	}
	close(next)
	wg.Wait()
	if got := f.listings.Load(); got != 1 {
		t.Fatalf("%d listings to read %d keys, want 1", got, n)
	}
	f.clock.Advance(listingTTL)
	f.read(t, f.ids[0])
	if got := f.listings.Load(); got != 1 {
		t.Errorf("a read at the listing's age limit listed again (%d listings)", got)
	}
	f.clock.Advance(time.Second)
	f.read(t, f.ids[1])
	if got := f.listings.Load(); got != 2 {
		t.Errorf("%d listings after listingTTL, want 2", got)
	}
}

// A key this process changed is never served by a listing requested before the change; the
// other keys still are.
func TestSharedListing_writtenKeyReadFresh(t *testing.T) {
	t.Parallel()
	f := newListingFixture(t, 5)
	f.read(t, f.ids[0]) // the shared listing
	if _, err := f.b.Client.UpdateKeyByID(t.Context(), testEmail, f.ids[1], mixpeek.UpdateKeyRequest{Name: mixpeek.Value("renamed")}); err != nil {
		t.Fatal(err)
	}
	before := f.listings.Load()
	if k := f.read(t, f.ids[1]); k.Name != "renamed" {
		t.Errorf("the changed key reads as %q, want the name it was given", k.Name)
	}
	if got := f.listings.Load() - before; got != 1 {
		t.Errorf("reading the changed key made %d listings, want 1", got)
	}
	before = f.listings.Load()
	f.read(t, f.ids[2])
	f.read(t, f.ids[1])
	if got := f.listings.Load() - before; got != 0 {
		t.Errorf("reads after the fresh listing made %d listings, want 0", got)
	}
}

// A key missing from the shared listing is looked for in one requested after it was found
// missing: a key made since is found, a key that is gone is ErrKeyNotListed, each with one listing.
func TestSharedListing_absentKeyConfirmedFresh(t *testing.T) {
	t.Parallel()
	f := newListingFixture(t, 3)
	f.read(t, f.ids[0])
	// Made by another process after the shared listing.
	other := newClient(t, f.ts.url, f.ts.dev.RootKey())
	late, err := other.CreateKey(t.Context(), testEmail, mixpeek.CreateKeyRequest{Name: "late"})
	if err != nil {
		t.Fatal(err)
	}
	before := f.listings.Load()
	if k := f.read(t, late.KeyID); k.Name != "late" {
		t.Errorf("the late key reads as %q", k.Name)
	}
	if got := f.listings.Load() - before; got != 1 {
		t.Errorf("finding a key made after the shared listing took %d listings, want 1", got)
	}
	// Gone before the newest listing: absent from it and from the confirmation.
	if err := f.ts.dev.ForgetMixpeekKey(t.Context(), f.ids[2]); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(listingTTL + time.Second)
	f.read(t, f.ids[0]) // a listing without ids[2]
	before = f.listings.Load()
	_, _, err = f.b.Client.ReadKey(t.Context(), testEmail, f.ids[2], listingTTL)
	if !mixpeek.IsKeyNotListed(err) || !strings.Contains(err.Error(), f.ids[2]) {
		t.Fatalf("reading a forgotten key: %v, want a not-listed error naming it", err)
	}
	if got := f.listings.Load() - before; got != 1 {
		t.Errorf("confirming the absence took %d listings, want 1 (the confirmation)", got)
	}
}

// Writes resolve the key in a listing requested after they began: never a shared one, so a
// duplicate name made a moment ago is seen and the change refused; calls arriving while a listing
// is in flight share the next one.
func TestSharedListing_writesListFresh(t *testing.T) {
	t.Parallel()
	f := newListingFixture(t, 6)
	f.read(t, f.ids[0]) // a shared listing, well within listingTTL
	if _, err := f.ts.dev.DuplicateMixpeekKey(t.Context(), f.ids[0]); err != nil {
		t.Fatal(err)
	}
	before := f.listings.Load()
	_, err := f.b.Client.UpdateKeyByID(t.Context(), testEmail, f.ids[0], mixpeek.UpdateKeyRequest{Description: mixpeek.Value("x")})
	if !mixpeek.IsAmbiguousName(err) {
		t.Fatalf("updating a key whose name a second live key has: %v, want the ambiguous-name refusal", err)
	}
	if got := f.listings.Load() - before; got != 1 {
		t.Errorf("the update made %d listings, want 1", got)
	}
	// The refusal also holds in a Read that settles a marker: the listing names the duplicate.
	if _, others, err := f.b.Client.ReadKey(t.Context(), testEmail, f.ids[0], listingTTL); err != nil || len(others) != 1 {
		t.Errorf("ReadKey of a duplicated name: others %v, err %v; want the other key", others, err)
	}

	// Sequential resolutions list once each.
	before = f.listings.Load()
	for _, id := range f.ids[1:4] {
		if _, err := f.b.Client.ResolveKey(t.Context(), testEmail, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.listings.Load() - before; got != 3 {
		t.Errorf("3 sequential resolutions made %d listings, want 3", got)
	}

	// Concurrent ones: the first listing is held until the others have started; they share the
	// listing sent after it.
	before = f.listings.Load()
	hold := make(chan struct{})
	f.setHold(hold)
	var wg sync.WaitGroup
	resolve := func(id string) {
		if _, err := f.b.Client.ResolveKey(context.Background(), testEmail, id); err != nil {
			t.Errorf("resolving %s: %v", id, err)
		}
	}
	wg.Go(func() { resolve(f.ids[1]) })
	for f.listings.Load() == before {
		time.Sleep(time.Millisecond)
	}
	for _, id := range f.ids[2:] {
		wg.Go(func() { resolve(id) })
	}
	time.Sleep(300 * time.Millisecond) // the four are waiting for the next listing
	f.setHold(nil)
	close(hold)
	wg.Wait()
	if got := f.listings.Load() - before; got != 2 {
		t.Errorf("5 concurrent resolutions made %d listings, want 2 (one in flight, one for the rest)", got)
	}
}
