package unkey

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// refreshSeeds is how many random read orders each case of TestUnkeyReader_refreshBounds runs.
const refreshSeeds = 50

// A refresh as the CLI makes it: every managed key read once, ten at a time, in an order that has
// nothing to do with the order the API lists its keys in. The issue-15 bounds must hold for every
// order, not on average: at most N/100 + 10 requests when the managed keys are the whole API,
// at most N + 10 when the API holds 100 times more keys than the state.
func TestUnkeyReader_refreshBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		apiKeys, managed int
		bound            func(n int) int64
		boundText        string
	}{
		{
			name: "the whole API", apiKeys: 1000, managed: 1000,
			bound: func(n int) int64 { return int64(n/100 + 10) }, boundText: "N/100 + 10",
		},
		{
			name: "a sliver of a large API", apiKeys: 5000, managed: 50,
			bound: func(n int) int64 { return int64(n + 10) }, boundText: "N + 10",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, names := newParallelReaderFixture(t, tc.apiKeys)
			bound := tc.bound(tc.managed)
			var worst, total int64
			for seed := range uint64(refreshSeeds) {
				rng := rand.New(rand.NewPCG(seed, 15)) //nolint:gosec // a reproducible test order, not a secret
				managed := f.ids
				if tc.managed < tc.apiKeys {
					managed = make([]string, tc.managed)
					for i, j := range rng.Perm(tc.apiKeys)[:tc.managed] {
						managed[i] = f.ids[j]
					}
				}
				order := make([]string, len(managed))
				for i, j := range rng.Perm(len(managed)) {
					order[i] = managed[j]
				}
				f.dev.ResetStats()
				refresh(t, f.reader(), f.apiID, order, names)
				st := f.dev.Stats()
				worst, total = max(worst, st.Requests), total+st.Requests
				if st.Requests > bound {
					t.Errorf("seed %d: %d requests (getKey %d, listKeys %d) to refresh %d keys of an API of %d, want at most %s = %d",
						seed, st.Requests, st.ByRoute[routeGetKey], st.ByRoute[routeListKeys], tc.managed, tc.apiKeys, tc.boundText, bound)
				}
			}
			t.Logf("%d keys of an API of %d: %d requests at most, %.1f on average, over %d read orders (bound %d)",
				tc.managed, tc.apiKeys, worst, float64(total)/refreshSeeds, refreshSeeds, bound)
		})
	}
}

// refresh reads every key of order through r with ten concurrent readers, Terraform's and
// OpenTofu's default parallelism, each taking the next key when it is done with one.
func refresh(t *testing.T, r *unkeyReader, apiID string, order []string, names map[string]string) {
	t.Helper()
	next := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var wrong []string
	for range 10 {
		wg.Go(func() {
			for id := range next {
				k, err := r.get(t.Context(), apiID, id)
				if err != nil || k.KeyID != id || k.Name == nil || *k.Name != names[id] {
					mu.Lock()
					wrong = append(wrong, fmt.Sprintf("%s (err %v)", id, err))
					mu.Unlock()
				}
			}
		})
	}
	for _, id := range order {
		next <- id
	}
	close(next)
	wg.Wait()
	if len(wrong) > 0 {
		t.Fatalf("%d reads failed or returned another key, first %s", len(wrong), wrong[0])
	}
}

// newParallelReaderFixture is newReaderFixture for large APIs: the keys are created by several
// clients at once. names maps each key id to its name.
func newParallelReaderFixture(t *testing.T, n int) (*readerFixture, map[string]string) {
	t.Helper()
	f := &readerFixture{devFixture: newDevFixture(t), clock: newTestClock()}
	f.ids = make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				created, err := f.client.CreateKey(t.Context(), unkey.CreateKeyRequest{APIID: f.apiID, Name: fmt.Sprintf("key-%d", i)})
				if err != nil {
					errs <- fmt.Errorf("creating key %d: %w", i, err)
					return
				}
				f.ids[i] = created.KeyID
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	names := make(map[string]string, n)
	for i, id := range f.ids {
		names[id] = fmt.Sprintf("key-%d", i)
	}
	f.dev.ResetStats()
	return f, names
}
