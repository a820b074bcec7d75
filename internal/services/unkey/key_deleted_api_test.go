package unkey

import (
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// A create into an API deleted outside Terraform fails naming the API and saves nothing, also
// when the root key may not read APIs (getApi is refused, and Unkey would accept the create):
// the listing of the API that precedes a process's first create there answers api_not_found.
// No create is sent either way.
func TestKeyResource_createInDeletedAPIWithoutReadAPI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		denied  []string
		creates int64
	}{
		{"full root key", nil, 0},
		{"root key without read_api", []string{devserver.PermReadAPI}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newDevFixture(t)
			if err := f.client.DeleteAPI(t.Context(), f.apiID); err != nil {
				t.Fatal(err)
			}
			client := f.client
			if tc.denied != nil {
				limited, err := f.dev.NewRootKeyWithout(t.Context(), tc.denied...)
				if err != nil {
					t.Fatal(err)
				}
				client = testClient(t, f.endpoint, limited)
			}
			r := newTestResource(t, providerData(client, time.Now, 1))
			f.dev.ResetStats()
			state, diags := createKey(t, r, plannedCreate(f.apiID))
			if !diags.HasError() || !hasSummary(diags, "API not found") || !strings.Contains(diags.Errors()[0].Detail(), f.apiID) {
				t.Fatalf("diags = %v, want an API not found error naming %s", diags, f.apiID)
			}
			if hasSummary(diags, "Creation marker not removed") {
				t.Errorf("a warning says the unusable key works: %v", diags)
			}
			if !state.ID.IsNull() && !state.ID.IsUnknown() && state.ID.ValueString() != "" {
				t.Errorf("an unreachable key was saved in state: %s", state.ID)
			}
			if got := f.dev.Stats().ByRoute["/v2/keys.createKey"]; got != tc.creates {
				t.Errorf("createKey requests = %d, want %d", got, tc.creates)
			}
		})
	}
}
