package mixpeek

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

// ownMarker is a marker of createOwned's request in these tests (user testEmail, name "svc",
// description "configured"), as an interrupted run of that configuration leaves it.
func ownMarker() string {
	return markerFor(createFingerprint(testEmail, mixpeek.CreateKeyRequest{Name: "svc", Description: ptr("configured")}, ""), "configured")
}

func liveKeys(t *testing.T, c *mixpeek.Client, name string) []mixpeek.Key {
	t.Helper()
	keys, err := c.ListKeys(context.Background(), testEmail, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []mixpeek.Key
	for _, k := range keys {
		if k.Name == name && (k.Status == "" || k.Status == mixpeek.StatusActive) {
			out = append(out, k)
		}
	}
	return out
}

// createOwned against the local server, with the first (or every) create answered by a hook.
func TestCreateOwned(t *testing.T) {
	type setup func(t *testing.T, c *mixpeek.Client)
	foreign := func(t *testing.T, c *mixpeek.Client) {
		if _, err := c.CreateKey(context.Background(), testEmail, mixpeek.CreateKeyRequest{Name: "svc", Description: ptr("hand made")}); err != nil {
			t.Fatal(err)
		}
	}
	markedWith := func(description string) setup {
		return func(t *testing.T, c *mixpeek.Client) {
			if _, err := c.CreateKey(context.Background(), testEmail, mixpeek.CreateKeyRequest{Name: "svc", Description: ptr(description)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	unsettled := markedWith(ownMarker())
	otherConfig := markedWith(markerFor(createFingerprint(testEmail, mixpeek.CreateKeyRequest{Name: "svc", Description: ptr("configured"), Permissions: []string{"read"}}, ""), "configured"))
	unfingerprinted := markedWith(createMarker + newNonce())
	fail := func(status int) routeHook {
		return func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			answer(w, status, "application/json", `{"success":false,"status":500,"error":{"message":"boom","type":"InternalServerError"}}`)
			return true
		}
	}
	drop := func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		dropAfter(w, r, next)
		return true
	}
	cases := []struct {
		name     string
		setup    setup
		attempts int
		// first answers the first create; every answers all of them.
		first, every routeHook
		// foreignDuring creates a foreign key named svc before the first create is answered.
		foreignDuring bool
		wantErr       string
		wantTaken     bool
		// wantMarked: the create fails on another create's marker, which stays.
		wantMarked  bool
		wantCreates int
		// wantLive is the number of live keys named svc afterwards; ownLive whether one of them is ours.
		wantLive int
		ownLive  bool
	}{
		{name: "free name", attempts: 1, wantCreates: 1, wantLive: 1, ownLive: true},
		{name: "foreign key", setup: foreign, attempts: 3, wantTaken: true, wantCreates: 0, wantLive: 1},
		{name: "unsettled key of this configuration is revoked", setup: unsettled, attempts: 1, wantCreates: 1, wantLive: 1, ownLive: true},
		{name: "unsettled key of another configuration is untouched", setup: otherConfig, attempts: 1, wantMarked: true, wantCreates: 0, wantLive: 1, ownLive: true},
		{name: "marker without a fingerprint is untouched", setup: unfingerprinted, attempts: 1, wantMarked: true, wantCreates: 0, wantLive: 1, ownLive: true},
		{name: "first create 500, retried", attempts: 2, first: fail(http.StatusInternalServerError), wantCreates: 2, wantLive: 1, ownLive: true},
		{name: "first create 503, no attempts left", attempts: 1, first: fail(http.StatusServiceUnavailable), wantErr: "gave up after 1", wantCreates: 1, wantLive: 0},
		{name: "first create 400 is final", attempts: 3, first: fail(http.StatusBadRequest), wantErr: "HTTP 400", wantCreates: 1, wantLive: 0},
		{name: "first response lost, committed key revoked", attempts: 2, first: drop, wantCreates: 2, wantLive: 1, ownLive: true},
		{name: "every response lost", attempts: 3, every: drop, wantErr: "gave up after 3", wantCreates: 3, wantLive: 0},
		{name: "foreign key appears, create answered 500", attempts: 3, first: fail(http.StatusInternalServerError), foreignDuring: true, wantTaken: true, wantCreates: 1, wantLive: 1},
		{name: "foreign key appears, create refused 409", attempts: 3, foreignDuring: true, wantTaken: true, wantCreates: 1, wantLive: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, time.Now)
			c := newClient(t, ts.url, ts.dev.RootKey())
			if tc.setup != nil {
				tc.setup(t, c)
			}
			n := 0
			ts.setHook(func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if !isCreate(r) {
					return false
				}
				n++
				mine := n
				if mine == 1 && tc.foreignDuring {
					foreign(t, newClient(t, ts.url, ts.dev.RootKey()))
				}
				switch {
				case tc.every != nil:
					return tc.every(w, r, next)
				case mine == 1 && tc.first != nil:
					return tc.first(w, r, next)
				}
				return false
			})
			b := NewBackend(c, time.Now, tc.attempts)
			var before []mixpeek.Key
			if tc.wantMarked {
				before = liveKeys(t, c, "svc")
			}
			created, err := b.createOwned(context.Background(), testEmail, mixpeek.CreateKeyRequest{Name: "svc", Description: ptr("configured")}, "")
			ts.setHook(nil)
			var taken *errNameTaken
			var marked *errMarkedElsewhere
			switch {
			case tc.wantMarked:
				if !errors.As(err, &marked) {
					t.Fatalf("err = %v, want errMarkedElsewhere", err)
				}
				if !strings.Contains(err.Error(), before[0].KeyID) || !strings.Contains(err.Error(), "left untouched") {
					t.Errorf("message does not name the key and say it is untouched: %v", err)
				}
				if after := liveKeys(t, c, "svc"); len(after) != 1 || after[0].KeyID != before[0].KeyID || after[0].Description != before[0].Description {
					t.Errorf("the other create's key changed: %+v, was %+v", after, before)
				}
				created = &mixpeek.CreatedKey{Key: before[0]}
			case tc.wantTaken:
				if !errors.As(err, &taken) {
					t.Fatalf("err = %v, want errNameTaken", err)
				}
				if !strings.Contains(err.Error(), "Terraform did not create") || !strings.Contains(err.Error(), `"svc"`) {
					t.Errorf("message does not say whose key it is: %v", err)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatalf("createOwned: %v", err)
			default:
				if !isMarker(created.Description) || shownDescription(created.Description) != "configured" {
					t.Errorf("created description %q does not carry the marker followed by the configured description", created.Description)
				}
			}
			if got := ts.createCount() - countSetupCreates(tc.setup != nil, tc.foreignDuring); got != tc.wantCreates {
				t.Errorf("%d creates reached the server, want %d", got, tc.wantCreates)
			}
			live := liveKeys(t, c, "svc")
			if len(live) != tc.wantLive {
				t.Fatalf("%d live keys named svc, want %d: %+v", len(live), tc.wantLive, live)
			}
			own := 0
			for _, k := range live {
				if isMarker(k.Description) {
					own++
					if created == nil || k.KeyID != created.KeyID {
						t.Errorf("a live key of ours (%s) is not the one returned", k.KeyID)
					}
				} else if k.Description != "hand made" {
					t.Errorf("the foreign key's description is now %q", k.Description)
				}
			}
			if (own == 1) != tc.ownLive || own > 1 {
				t.Errorf("%d live keys of ours, want ownLive=%t", own, tc.ownLive)
			}
		})
	}
}

// countSetupCreates is how many of the counted creates the test made itself.
func countSetupCreates(setup, during bool) int {
	n := 0
	if setup {
		n++
	}
	if during {
		n++
	}
	return n
}

func TestClearUnsettledListingFails(t *testing.T) {
	ts := newTestServer(t, time.Now)
	ts.setHook(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		answer(w, http.StatusBadGateway, "text/plain", "bad gateway")
		return true
	})
	b := NewBackend(newClient(t, ts.url, ts.dev.RootKey()), time.Now, 2)
	_, err := b.createOwned(context.Background(), testEmail, mixpeek.CreateKeyRequest{Name: "svc"}, "")
	if err == nil || mixpeek.StatusCode(err) != http.StatusBadGateway {
		t.Fatalf("err = %v, want the listing's 502", err)
	}
	if ts.createCount() != 0 {
		t.Errorf("a create was sent although the ownership check failed")
	}
}

func TestOutcomeUnknown(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("mixpeek: %w", transport.ErrOutcomeUnknown), true},
		{&mixpeek.Error{HTTPStatus: 500}, true},
		{&mixpeek.Error{HTTPStatus: 503}, true},
		{&mixpeek.Error{HTTPStatus: 408}, true},
		{&mixpeek.Error{HTTPStatus: 501}, false},
		{&mixpeek.Error{HTTPStatus: 409}, false},
		{&mixpeek.Error{HTTPStatus: 422}, false},
		{errors.New("plain"), false},
	}
	for _, tc := range cases {
		if got := outcomeUnknown(tc.err); got != tc.want {
			t.Errorf("outcomeUnknown(%v) = %t, want %t", tc.err, got, tc.want)
		}
	}
}

func TestErrNameTakenMessage(t *testing.T) {
	created := "2026-01-02T03:04:05Z"
	for _, tc := range []struct {
		key  *mixpeek.Key
		want []string
	}{
		{&mixpeek.Key{KeyID: "key_a", Name: "svc", CreatedAt: &created}, []string{`"svc"`, "key_a", "at 2026-01-02T03:04:05Z", "<user_email>/key_a", "left untouched"}},
		{&mixpeek.Key{KeyID: "key_b", Name: "svc"}, []string{"at an unknown time"}},
	} {
		msg := (&errNameTaken{key: tc.key}).Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("message %q lacks %q", msg, w)
			}
		}
	}
}

func TestNonceAndMarker(t *testing.T) {
	a, b := newNonce(), newNonce()
	if a == b || len(a) != 24 {
		t.Fatalf("nonces %q and %q", a, b)
	}
	if !isMarker(createMarker+a) || isMarker("terraform-provider-apikey") || isMarker("") {
		t.Fatal("isMarker misclassifies")
	}
}

func ptr[T any](v T) *T { return &v }

// The revoke of a key left by an unsettled create loses its response: whether the transport
// gives up (no retries) or its retry finds nothing to revoke (404), the listing shows the key
// revoked and the create goes ahead.
func TestClearUnsettledLostRevoke(t *testing.T) {
	for _, retries := range []int{0, 3} {
		t.Run(fmt.Sprintf("retries=%d", retries), func(t *testing.T) {
			ts := newTestServer(t, time.Now)
			hc, err := transport.New(transport.Config{BaseURL: ts.url, Token: ts.dev.RootKey(), MaxRetries: retries, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			c := mixpeek.New(hc)
			left, err := c.CreateKey(context.Background(), testEmail, mixpeek.CreateKeyRequest{Name: "svc", Description: ptr(markerFor(createFingerprint(testEmail, mixpeek.CreateKeyRequest{Name: "svc"}, ""), ""))})
			if err != nil {
				t.Fatal(err)
			}
			deletes := 0
			ts.setHook(func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if r.Method != http.MethodDelete {
					return false
				}
				deletes++
				if deletes == 1 {
					dropAfter(w, r, next)
					return true
				}
				return false
			})
			created, err := NewBackend(c, time.Now, 1).createOwned(context.Background(), testEmail, mixpeek.CreateKeyRequest{Name: "svc"}, "")
			ts.setHook(nil)
			if err != nil {
				t.Fatalf("createOwned after a lost revoke: %v (%d revokes sent)", err, deletes)
			}
			if live := liveKeys(t, c, "svc"); len(live) != 1 || live[0].KeyID != created.KeyID || live[0].KeyID == left.KeyID {
				t.Errorf("live keys named svc: %+v, want only the new %s", live, created.KeyID)
			}
		})
	}
}

// A revoke that fails while the key stays live is an error, and nothing is created.
func TestClearUnsettledRevokeRefused(t *testing.T) {
	ts := newTestServer(t, time.Now)
	c := newClient(t, ts.url, ts.dev.RootKey())
	if _, err := c.CreateKey(context.Background(), testEmail, mixpeek.CreateKeyRequest{Name: "svc", Description: ptr(markerFor(createFingerprint(testEmail, mixpeek.CreateKeyRequest{Name: "svc"}, ""), ""))}); err != nil {
		t.Fatal(err)
	}
	ts.setHook(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if r.Method != http.MethodDelete {
			return false
		}
		answer(w, http.StatusForbidden, "application/json", `{"success":false,"status":403,"error":{"message":"no","type":"ForbiddenError"}}`)
		return true
	})
	before := ts.createCount()
	_, err := NewBackend(c, time.Now, 1).createOwned(context.Background(), testEmail, mixpeek.CreateKeyRequest{Name: "svc"}, "")
	if err == nil || !strings.Contains(err.Error(), "left by an unsettled create") || mixpeek.StatusCode(err) != http.StatusForbidden {
		t.Fatalf("err = %v, want the refused revoke", err)
	}
	if ts.createCount() != before {
		t.Error("a create was sent although the unsettled key could not be revoked")
	}
}

func TestCreateFingerprint(t *testing.T) {
	exp := "2030-01-01T00:00:00Z"
	base := func() mixpeek.CreateKeyRequest {
		return mixpeek.CreateKeyRequest{
			Name: "svc", Description: ptr("d"), Permissions: []string{"read", "write"}, ExpiresAt: &exp,
			Scopes: []mixpeek.Scope{{ResourceType: "namespace", ResourceID: "a"}, {ResourceType: "namespace", ResourceID: "b"}},
		}
	}
	fp := createFingerprint(testEmail, base(), "")
	reordered := base()
	reordered.Permissions = []string{"write", "read"}
	reordered.Scopes = []mixpeek.Scope{reordered.Scopes[1], reordered.Scopes[0]}
	if createFingerprint(testEmail, reordered, "") != fp {
		t.Error("set elements in another order change the fingerprint")
	}
	other := "2031-01-01T00:00:00Z"
	later := base()
	later.ExpiresAt = &other
	if createFingerprint(testEmail, base(), "24h") != createFingerprint(testEmail, later, "24h") {
		t.Error("expire_after keys created at different times have different fingerprints")
	}
	for name, change := range map[string]func(*mixpeek.CreateKeyRequest){
		"name":        func(r *mixpeek.CreateKeyRequest) { r.Name = "other" },
		"description": func(r *mixpeek.CreateKeyRequest) { r.Description = nil },
		"permissions": func(r *mixpeek.CreateKeyRequest) { r.Permissions = []string{"read"} },
		"expiry":      func(r *mixpeek.CreateKeyRequest) { r.ExpiresAt = &other },
	} {
		r := base()
		change(&r)
		if createFingerprint(testEmail, r, "") == fp {
			t.Errorf("changing %s keeps the fingerprint", name)
		}
	}
	if createFingerprint("other@example.com", base(), "") == fp {
		t.Error("another user has the same fingerprint")
	}
	long := strings.Repeat("é", mixpeek.DescriptionMaxLength-90)
	for _, tc := range []struct{ configured, shown string }{
		{"", ""},
		{"billing key\nsecond line", "billing key\nsecond line"},
		{long, long},
		{long + "éééééé", ""}, // does not fit beside the marker: shown unset until settled
	} {
		m := markerFor(fp, tc.configured)
		if fingerprintOf(m) != fp || !isMarker(m) || utf8.RuneCountInString(m) > mixpeek.DescriptionMaxLength {
			t.Errorf("marker %q does not carry the fingerprint within the length limit", m)
		}
		if got := shownDescription(m); got != tc.shown {
			t.Errorf("shownDescription(marker of %q) = %q, want %q", tc.configured, got, tc.shown)
		}
	}
	if got := shownDescription("plain"); got != "plain" {
		t.Errorf("shownDescription(plain) = %q", got)
	}
}
