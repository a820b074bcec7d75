package unkey_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Every attribute an import reads back must survive the generated configuration: the keys below
// set each of them once.
func TestAccUnkeyKeyList_generatedConfigImportsAndPlansEmpty(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureListResources)
	srv := acctest.NewServer(t)
	expires := time.Now().Add(90 * 24 * time.Hour).UnixMilli()
	remaining, day := int64(500), 1
	if _, err := srv.Unkey.CreateRole(context.Background(), "tfacc-support", "", []string{"tfacc-tickets.read"}); err != nil {
		t.Fatal(err)
	}
	mustCreateKey(t, srv, unkey.CreateKeyRequest{Name: "tfacc-gen-plain", Prefix: "gen"})
	mustCreateKey(t, srv, unkey.CreateKeyRequest{
		Name:        "tfacc-gen-full",
		Prefix:      "full",
		ExternalID:  "tfacc-tenant-7",
		Meta:        []byte(`{"plan":"gold","seats":12}`),
		Permissions: []string{"tfacc-docs.read"},
		Roles:       []string{"tfacc-support"},
		Expires:     &expires,
		Credits:     &unkey.Credits{Remaining: &remaining, Refill: &unkey.Refill{Interval: "monthly", Amount: 500, RefillDay: &day}},
		Ratelimits:  []unkey.RatelimitRequest{{Name: "requests", Limit: 100, Duration: 60_000, AutoApply: true}},
		Enabled:     new(false),
	})
	// Without a name; its external id is what the sweepers find it by.
	mustCreateKey(t, srv, unkey.CreateKeyRequest{ExternalID: "tfacc-nameless"})
	if t.Failed() {
		return
	}
	w := acctest.NewWorkspace(t)
	generated := w.RoundTrip(srv.ProviderConfig(), fmt.Sprintf(`
list "apikey_unkey_key" "found" {
  provider         = apikey
  include_resource = true
  config {
    api_id = %q
  }
}
`, srv.APIID), 3)
	for _, want := range []string{`name = "tfacc-gen-full"`, `external_id = "tfacc-tenant-7"`, `roles = ["tfacc-support"]`, `permissions = ["tfacc-docs.read"]`, "import {"} {
		if !strings.Contains(strings.Join(strings.Fields(generated), " "), want) {
			t.Errorf("the generated configuration lacks %s:\n%s", want, generated)
		}
	}
}
