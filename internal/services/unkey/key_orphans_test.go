package unkey

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

func metaWith(t *testing.T, marker string, extra map[string]string) json.RawMessage {
	t.Helper()
	obj := map[string]string{}
	for k, v := range extra {
		obj[k] = v
	}
	if marker != "" {
		obj[createMarkerKey] = marker
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// The orphan decision: only a marker carrying the create's own fingerprint makes a key an orphan.
func TestOrphansOf(t *testing.T) {
	const fp = "0123456789abcdef"
	own := markerFor(fp)
	for _, tc := range []struct {
		name string
		meta json.RawMessage
		want bool
	}{
		{name: "marker with the same fingerprint", meta: metaWith(t, own, nil), want: true},
		{name: "same fingerprint, other attempt, with user meta", meta: metaWith(t, markerFor(fp), map[string]string{"team": "a"}), want: true},
		{name: "no marker", meta: metaWith(t, "", map[string]string{"team": "a"})},
		{name: "no meta at all"},
		{name: "marker with another fingerprint", meta: metaWith(t, markerFor("fedcba9876543210"), nil)},
		{name: "marker without a fingerprint (lost-response marker of an older version)", meta: metaWith(t, newMarker(), nil)},
		{name: "marker with the fingerprint but a malformed nonce", meta: metaWith(t, fp+".xyz", nil)},
		{name: "meta that is not an object", meta: json.RawMessage(`"` + own + `"`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := orphansOf([]unkey.Key{{KeyID: "key_1", Meta: tc.meta}}, fp)
			if (len(got) == 1) != tc.want {
				t.Errorf("orphansOf = %v, want orphan %t", got, tc.want)
			}
		})
	}
}

func TestCreateFingerprint(t *testing.T) {
	base := func() unkey.CreateKeyRequest {
		exp := int64(1_900_000_000_000)
		return unkey.CreateKeyRequest{
			APIID: "api_1", Name: "svc", Roles: []string{"a", "b"}, Permissions: []string{"p1", "p2"}, Expires: &exp,
			Ratelimits: []unkey.RatelimitRequest{{Name: "x", Limit: 1, Duration: 1000}, {Name: "y", Limit: 2, Duration: 1000}},
		}
	}
	fp := createFingerprint(base(), json.RawMessage(`{"a":1,"b":2}`), "")
	same := []struct {
		name   string
		change func(*unkey.CreateKeyRequest)
		meta   string
	}{
		{name: "set elements in another order", change: func(r *unkey.CreateKeyRequest) {
			r.Roles = []string{"b", "a"}
			r.Permissions = []string{"p2", "p1"}
			r.Ratelimits = []unkey.RatelimitRequest{r.Ratelimits[1], r.Ratelimits[0]}
		}, meta: `{"a":1,"b":2}`},
		{name: "meta formatted and ordered differently", change: func(*unkey.CreateKeyRequest) {}, meta: "{ \"b\": 2,\n \"a\": 1 }"},
	}
	for _, tc := range same {
		r := base()
		tc.change(&r)
		if got := createFingerprint(r, json.RawMessage(tc.meta), ""); got != fp {
			t.Errorf("%s: fingerprint changed", tc.name)
		}
	}
	// An expiry computed from expire_after depends on the time of the create, not on the configuration.
	early, late := base(), base()
	e1, e2 := int64(1), int64(2)
	early.Expires, late.Expires = &e1, &e2
	if createFingerprint(early, nil, "24h") != createFingerprint(late, nil, "24h") {
		t.Error("expire_after keys of different creation times have different fingerprints")
	}
	if createFingerprint(early, nil, "") == createFingerprint(late, nil, "") {
		t.Error("keys with different configured expiries have the same fingerprint")
	}
	differs := map[string]func(*unkey.CreateKeyRequest){
		"api":         func(r *unkey.CreateKeyRequest) { r.APIID = "api_2" },
		"name":        func(r *unkey.CreateKeyRequest) { r.Name = "other" },
		"permissions": func(r *unkey.CreateKeyRequest) { r.Permissions = []string{"p1"} },
		"prefix":      func(r *unkey.CreateKeyRequest) { r.Prefix = "live" },
		"identity":    func(r *unkey.CreateKeyRequest) { r.ExternalID = "user_1" },
	}
	for name, change := range differs {
		r := base()
		change(&r)
		if createFingerprint(r, json.RawMessage(`{"a":1,"b":2}`), "") == fp {
			t.Errorf("changing %s keeps the fingerprint", name)
		}
	}
	if createFingerprint(base(), json.RawMessage(`{"a":1}`), "") == fp {
		t.Error("changing meta keeps the fingerprint")
	}
	if m := markerFor(fp); fingerprintOf(m) != fp || m == markerFor(fp) {
		t.Errorf("marker %q does not carry the fingerprint with a fresh nonce", m)
	}
}

// A create removes the keys an interrupted run of the same configuration left, and nothing else.
func TestKeyResource_createRemovesOrphans(t *testing.T) {
	t.Parallel()
	f := newDevFixture(t)
	ctx := context.Background()
	plan := plannedCreate(f.apiID)
	plan.Name = types.StringValue("svc")
	plan.Meta = tfvalue.JSONString(`{"team":"billing"}`)
	var diags diag.Diagnostics
	req, userMeta := createRequest(ctx, &plan, &diags)
	noErrors(t, diags)
	fp := createFingerprint(req, userMeta, "")

	make1 := func(name, marker string) string {
		t.Helper()
		r := req
		r.Name = name
		r.Meta = metaWith(t, marker, map[string]string{"team": "billing"})
		k, err := f.client.CreateKey(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return k.KeyID
	}
	orphanA := make1("svc", markerFor(fp))
	orphanB := make1("svc", markerFor(fp))
	keep := map[string]string{
		"no marker, same name and settings":  make1("svc", ""),
		"another configuration's marker":     make1("svc", markerFor("fedcba9876543210")),
		"a marker without a fingerprint":     make1("svc", newMarker()),
		"other name, so another fingerprint": make1("other", markerFor(createFingerprint(func() unkey.CreateKeyRequest { r := req; r.Name = "other"; return r }(), userMeta, ""))),
	}

	// A new provider process: its first create lists the API once for all its creates.
	r := newTestResource(t, providerData(f.client, time.Now, 1))
	f.dev.ResetStats()
	var wg sync.WaitGroup
	created := make([]keyModel, 4)
	errs := make([]diag.Diagnostics, 4)
	for i := range created {
		wg.Go(func() { created[i], errs[i] = createKey(t, r, plan) })
	}
	wg.Wait()
	for _, d := range errs {
		noErrors(t, d)
	}
	if got := f.dev.Stats().ByRoute["/v2/apis.listKeys"]; got != 1 {
		t.Errorf("%d apis.listKeys requests for 4 creates into one API, want 1", got)
	}
	if got := f.dev.Stats().ByRoute["/v2/keys.deleteKey"]; got != 2 {
		t.Errorf("%d deleteKey requests, want 2 (one per orphan)", got)
	}

	live := map[string]bool{}
	for _, k := range apiKeys(t, f) {
		live[k.KeyID] = true
	}
	for _, id := range []string{orphanA, orphanB} {
		if live[id] {
			t.Errorf("orphan %s is still live", id)
		}
	}
	for what, id := range keep {
		if !live[id] {
			t.Errorf("%s: key %s was removed", what, id)
		}
	}
	for _, m := range created {
		if !live[m.ID.ValueString()] {
			t.Errorf("created key %s is not live", m.ID)
		}
	}
	if want := len(keep) + len(created); len(live) != want {
		t.Errorf("%d live keys, want %d", len(live), want)
	}
	ids := []string{}
	for _, m := range created {
		ids = append(ids, m.ID.ValueString())
	}
	if slices.Contains(ids, orphanA) || slices.Contains(ids, orphanB) {
		t.Error("an orphan was handed out as a created key")
	}
}

// A create whose orphan check cannot be made creates nothing.
func TestKeyResource_createOrphanCheckFails(t *testing.T) {
	t.Parallel()
	f := newDevFixture(t)
	p, url := newLossyProxy(t, f)
	p.failListings.Store(true)
	r := newTestResource(t, providerData(newClient(t, url, f.dev.RootKey()), time.Now, 2))
	m, diags := createKey(t, r, plannedCreate(f.apiID))
	if !hasSummary(diags, "Error checking for keys left by an interrupted run") {
		t.Fatalf("diags %v, want the orphan check's error", diags)
	}
	if !m.ID.IsNull() && !m.ID.IsUnknown() {
		t.Errorf("id %s saved, want none", m.ID)
	}
	if p.creates.Load() != 0 {
		t.Errorf("%d creates sent, want 0", p.creates.Load())
	}
	// The failed listing is not kept: the next create lists again.
	p.failListings.Store(false)
	_, diags = createKey(t, r, plannedCreate(f.apiID))
	noErrors(t, diags)
}
