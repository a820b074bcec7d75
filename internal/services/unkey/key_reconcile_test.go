package unkey

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Creates whose responses are lost (key_reconcile.go), against the local server behind a proxy
// that lets the server commit the create and then answers 500.

type lossyProxy struct {
	lostCreates  atomic.Int64 // creates still to answer with a 500 after the server committed them
	failListings atomic.Bool
	// failListingsOnLoss turns failListings on when a create's response is lost, so the listing
	// taken before the create succeeds and the check after the loss fails.
	failListingsOnLoss atomic.Bool
	creates            atomic.Int64
}

func newLossyProxy(t *testing.T, f *devFixture) (*lossyProxy, string) {
	t.Helper()
	p := &lossyProxy{}
	dev := f.dev.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/apis.listKeys" && p.failListings.Load():
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"meta":{"requestId":"req_x"},"error":{"title":"Service Unavailable","detail":"down","status":503,"type":"https://unkey.com/docs/errors/unkey/application/service_unavailable"}}`)
			return
		case r.URL.Path == "/v2/keys.createKey":
			p.creates.Add(1)
			if p.lostCreates.Add(-1) >= 0 {
				rec := httptest.NewRecorder()
				dev.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					t.Errorf("the server rejected the create: %d %s", rec.Code, rec.Body)
				}
				if p.failListingsOnLoss.Load() {
					p.failListings.Store(true)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, `{"meta":{"requestId":"req_y"},"error":{"title":"Internal Server Error","detail":"lost","status":500,"type":"https://unkey.com/docs/errors/unkey/application/unexpected_error"}}`)
				return
			}
		}
		dev.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func apiKeys(t *testing.T, f *devFixture) []unkey.Key {
	t.Helper()
	keys, err := f.client.ListAllKeys(context.Background(), f.apiID, "")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestKeyResource_lostCreateResponse(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lost     int64
		attempts int
		wantErr  string
		creates  int64
	}{
		{name: "one lost response, then a create", lost: 1, attempts: 2, creates: 2},
		{name: "every response lost", lost: 2, attempts: 2, wantErr: "gave up after 2 create attempts", creates: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newDevFixture(t)
			p, url := newLossyProxy(t, f)
			p.lostCreates.Store(tc.lost)
			r := newTestResource(t, providerData(newClient(t, url, f.dev.RootKey()), time.Now, tc.attempts))
			plan := plannedCreate(f.apiID)
			plan.Meta = tfvalue.JSONString(`{"team":"billing"}`)
			m, diags := createKey(t, r, plan)
			if got := p.creates.Load(); got != tc.creates {
				t.Errorf("%d creates sent, want %d", got, tc.creates)
			}
			keys := apiKeys(t, f)
			if tc.wantErr != "" {
				if !diags.HasError() || !strings.Contains(diags.Errors()[0].Detail(), tc.wantErr) {
					t.Fatalf("diags %v, want %q", diags, tc.wantErr)
				}
				if len(keys) != 0 {
					t.Errorf("%d keys left behind", len(keys))
				}
				return
			}
			noErrors(t, diags)
			if len(keys) != 1 || keys[0].KeyID != m.ID.ValueString() {
				t.Fatalf("keys in the API: %d (want only the created %s)", len(keys), m.ID)
			}
			if m.Meta.ValueString() != `{"team":"billing"}` {
				t.Errorf("meta in state = %s; the marker must stay hidden", m.Meta)
			}
		})
	}
}

// When the check for the attempt's key fails too, the attempt is saved as tainted under an
// unconfirmed id; the next refresh (or destroy) removes whatever key it made.
func TestKeyResource_unconfirmedCreate(t *testing.T) {
	for _, settle := range []string{"refresh", "destroy"} {
		t.Run(settle, func(t *testing.T) {
			f := newDevFixture(t)
			p, url := newLossyProxy(t, f)
			p.lostCreates.Store(1)
			p.failListingsOnLoss.Store(true)
			r := newTestResource(t, providerData(newClient(t, url, f.dev.RootKey()), time.Now, 2))
			m, diags := createKey(t, r, plannedCreate(f.apiID))
			if !hasSummary(diags, "Key creation unconfirmed") || !isUnconfirmed(m.ID.ValueString()) {
				t.Fatalf("id %s diags %v; want an unconfirmed id and an error", m.ID, diags)
			}
			if n := len(apiKeys(t, f)); n != 1 {
				t.Fatalf("%d keys after the lost create, want the 1 it made", n)
			}
			// Saved with nothing unknown, as state must be.
			if !m.Start.IsNull() || !m.Plaintext.IsNull() {
				t.Errorf("start %s plaintext set %t: want null", m.Start, !m.Plaintext.IsNull())
			}

			// Still down: the refresh fails and keeps the resource.
			if kept, diags := readKey(t, r, m); kept == nil || !hasSummary(diags, "Error settling an unconfirmed create") {
				t.Fatalf("refresh while listing fails: kept %t, diags %v", kept != nil, diags)
			}
			p.failListings.Store(false)
			switch settle {
			case "refresh":
				kept, diags := readKey(t, r, m)
				if kept != nil || diags.HasError() || !hasSummary(diags, "Unconfirmed create settled") {
					t.Fatalf("refresh: kept %t, diags %v", kept != nil, diags)
				}
			case "destroy":
				noErrors(t, deleteKey(t, r, m))
			}
			if n := len(apiKeys(t, f)); n != 0 {
				t.Errorf("%d keys left after settling", n)
			}
		})
	}
}

// A create the server rejects is reported once and retried never.
func TestKeyResource_createRejected(t *testing.T) {
	f := newDevFixture(t)
	p, url := newLossyProxy(t, f)
	r := newTestResource(t, providerData(newClient(t, url, f.dev.RootKey()), time.Now, 3))
	plan := plannedCreate(f.apiID)
	plan.Roles = strSet("no_such_role")
	m, diags := createKey(t, r, plan)
	if !hasSummary(diags, "Error creating key") || !m.ID.IsNull() {
		t.Fatalf("id %s diags %v", m.ID, diags)
	}
	if p.creates.Load() != 1 {
		t.Errorf("%d creates, want 1", p.creates.Load())
	}
}
