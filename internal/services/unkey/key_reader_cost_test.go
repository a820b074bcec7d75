package unkey

import (
	"slices"
	"sync"
	"testing"
)

// A handful of managed keys in a large API: the listing pauses once its pages have cost
// listingCredit requests more than they saved, so a refresh costs at most one request per key
// plus that credit, not a listing of the whole API.
func TestUnkeyReader_sliverOfLargeAPI(t *testing.T) {
	t.Parallel()
	const apiKeys, managed = 1500, 20
	f := newReaderFixture(t, apiKeys)
	r := f.reader()
	// The managed keys are the newest ones, far from the first listing pages.
	ids := f.ids[apiKeys-managed:]
	var wg sync.WaitGroup
	sem := make(chan struct{}, 10) // Terraform's default parallelism
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			readName(t, r, f.apiID, id)
		}()
	}
	wg.Wait()
	st := f.dev.Stats()
	if bound := int64(managed + 10); st.Requests > bound {
		t.Errorf("%d requests (getKey %d, listKeys %d) for %d keys in an API of %d, want at most %d",
			st.Requests, st.ByRoute[routeGetKey], st.ByRoute[routeListKeys], managed, apiKeys, bound)
	}
}

// Managed keys that are most of their API are read through the listing: about N/100 + 10.
func TestUnkeyReader_mostOfTheAPI(t *testing.T) {
	t.Parallel()
	const n = 350
	f := newReaderFixture(t, n)
	r := f.reader()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 10)
	for _, id := range f.ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			readName(t, r, f.apiID, id)
		}()
	}
	wg.Wait()
	st := f.dev.Stats()
	if bound := int64(n/100 + 1 + directReadsPerAPI + 10); st.Requests > bound {
		t.Errorf("%d requests (getKey %d, listKeys %d) for all %d keys of an API, want at most %d",
			st.Requests, st.ByRoute[routeGetKey], st.ByRoute[routeListKeys], n, bound)
	}
}

// Sequential Reads whose first listed key sits on the second page: the first page answers no Read
// waiting for it, and the listing goes on to the second page instead of stopping after one.
func TestUnkeyReader_firstPageServesNoWaitingRead(t *testing.T) {
	t.Parallel()
	const n = 150
	f := newReaderFixture(t, n)
	r := f.reader()
	byID := listingOrder(t, f)
	order := append(slices.Clone(byID[:directReadsPerAPI]), byID[n-1])
	order = append(order, byID[directReadsPerAPI:n-1]...)
	for _, id := range order {
		readName(t, r, f.apiID, id)
	}
	if get, list := f.routes(); get != directReadsPerAPI || list != 2 {
		t.Errorf("getKey=%d listKeys=%d, want %d and 2 (the whole listing)", get, list, directReadsPerAPI)
	}
}

// listingOrder is the order in which the server lists the fixture's keys, asked rather than
// assumed: it is not byte order on Unkey. The request counters start again afterwards.
func listingOrder(t *testing.T, f *readerFixture) []string {
	t.Helper()
	keys, err := f.client.ListAllKeys(t.Context(), f.apiID, "")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.KeyID
	}
	if !slices.Equal(slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(f.ids))) {
		t.Fatal("the listing does not hold exactly the fixture's keys")
	}
	f.dev.ResetStats()
	return ids
}
