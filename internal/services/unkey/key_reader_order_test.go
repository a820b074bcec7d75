package unkey

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// The batched reader finds every key whatever order the API lists them in and whatever their id
// shape: keys of both shapes (the genuine short ids and the long base58 ones) in an API listed
// in its own order (not byte order), read in the listing's order, its reverse and at random,
// sequentially and in parallel.
func TestUnkeyReader_anyListingOrderAndIDShape(t *testing.T) {
	t.Parallel()
	const n = 2*unkey.ListKeysMaxLimit + 30
	f := &readerFixture{devFixture: newDevFixture(t), clock: newTestClock()}
	names := map[string]string{}
	for i := range n {
		f.dev.SetLongKeyIDs(i%3 == 0)
		name := fmt.Sprintf("key-%d", i)
		created, err := f.client.CreateKey(t.Context(), unkey.CreateKeyRequest{APIID: f.apiID, Name: name})
		if err != nil {
			t.Fatalf("creating key %d: %v", i, err)
		}
		f.ids = append(f.ids, created.KeyID)
		names[created.KeyID] = name
	}
	listed := listingOrder(t, f)
	if slices.IsSorted(listed) {
		t.Fatal("the server listed its keys in byte order; the test cannot tell the orders apart")
	}
	reversed := slices.Clone(listed)
	slices.Reverse(reversed)
	shuffled := slices.Clone(listed)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] }) //nolint:gosec // a fixed test order, not a secret
	pages := int64((n + unkey.ListKeysMaxLimit - 1) / unkey.ListKeysMaxLimit)
	for _, tc := range []struct {
		name     string
		order    []string
		parallel bool
	}{
		{"listing order", listed, false},
		{"reverse", reversed, false},
		{"random", shuffled, false},
		{"random, in parallel", shuffled, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.dev.ResetStats()
			r := f.reader()
			var wg sync.WaitGroup
			sem := make(chan struct{}, 10) // Terraform's default parallelism
			for _, id := range tc.order {
				read := func() {
					if got := readName(t, r, f.apiID, id); got != names[id] {
						t.Errorf("key %s: name %q, want %q", id, got, names[id])
					}
				}
				if !tc.parallel {
					read()
					continue
				}
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					read()
				}()
			}
			wg.Wait()
			// At worst one direct read per key plus the pages listed before giving up on them.
			get, list := f.routes()
			if list > pages || get+list > int64(n)+pages {
				t.Errorf("getKey=%d listKeys=%d for %d keys (%d pages)", get, list, n, pages)
			}
		})
	}
}
