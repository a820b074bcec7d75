package unkey

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// fakePrivate is a resource's private state.
type fakePrivate map[string][]byte

func (p fakePrivate) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

func (p fakePrivate) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if len(value) == 0 {
		delete(p, key)
	} else {
		p[key] = value
	}
	return nil
}

func TestRerollLedgerPrivateState(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		stored   string // private data before; "" for none
		add      []rerolledKey
		wantIDs  string
		wantData bool // the key is present afterwards
		wantWarn string
	}{
		{name: "nothing stored, nothing added", wantIDs: ""},
		{name: "added to an empty ledger", add: []rerolledKey{{ID: "key_a", ExpiresAt: "2030-01-01T00:00:00Z"}}, wantIDs: "key_a", wantData: true},
		{name: "kept as stored", stored: `[{"id":"key_a","expires_at":"2030-01-01T00:00:00Z"}]`, wantIDs: "key_a", wantData: true},
		{name: "a key is recorded once", stored: `[{"id":"key_a","expires_at":"2030-01-01T00:00:00Z"}]`,
			add: []rerolledKey{{ID: "key_a", ExpiresAt: "2030-01-01T00:00:00Z"}, {ID: "key_b", ExpiresAt: "2030-01-02T00:00:00Z"}}, wantIDs: "key_a,key_b", wantData: true},
		{name: "unreadable data is dropped with a warning", stored: `{not json`, wantIDs: "", wantWarn: "Rerolled keys forgotten"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := fakePrivate{}
			if tc.stored != "" {
				p[privateRerolled] = []byte(tc.stored)
			}
			var diags diag.Diagnostics
			l := loadRerollLedger(ctx, p, &diags)
			for _, k := range tc.add {
				l.add(k)
			}
			l.save(ctx, p, &diags)
			if got := diagText(diags); !strings.Contains(got, tc.wantWarn) || (tc.wantWarn == "") != (len(diags) == 0) {
				t.Errorf("diagnostics %q, want %q", got, tc.wantWarn)
			}
			if _, ok := p[privateRerolled]; ok != tc.wantData {
				t.Errorf("private data present = %v, want %v (%q)", ok, tc.wantData, p[privateRerolled])
			}
			var again diag.Diagnostics
			reloaded := loadRerollLedger(ctx, p, &again)
			ids := make([]string, len(reloaded.keys))
			for i, k := range reloaded.keys {
				ids[i] = k.ID
			}
			if got := strings.Join(ids, ","); got != tc.wantIDs || again.HasError() {
				t.Errorf("reloaded %q (%s), want %q", got, diagText(again), tc.wantIDs)
			}
		})
	}
}

func TestRetireRerolledKeys(t *testing.T) {
	ctx := context.Background()
	for _, all := range []bool{false, true} {
		name := "due only"
		if all {
			name = "all, as on destroy"
		}
		t.Run(name, func(t *testing.T) {
			tb := newTestBackend(t)
			now := time.Now().UTC()
			r := &keyResource{svc: tb.svc}
			due := tb.createKey(t, unkey.CreateKeyRequest{Name: "due"}).KeyID
			later := tb.createKey(t, unkey.CreateKeyRequest{Name: "later"}).KeyID
			missing := tb.createKey(t, unkey.CreateKeyRequest{Name: "missing"}).KeyID
			if err := tb.svc.Value.Client.DeleteKey(ctx, missing, false); err != nil {
				t.Fatal(err)
			}
			l := &rerollLedger{keys: []rerolledKey{
				{ID: due, ExpiresAt: now.Add(-time.Minute).Format(time.RFC3339Nano)},
				{ID: later, ExpiresAt: now.Add(time.Hour).Format(time.RFC3339Nano)},
				{ID: missing, ExpiresAt: now.Add(-time.Hour).Format(time.RFC3339Nano)},
			}}
			var diags diag.Diagnostics
			r.retireRerolledKeys(ctx, l, all, &diags)
			if len(diags) > 0 {
				t.Fatal(diagText(diags))
			}
			exists := func(id string) bool {
				_, err := tb.svc.Value.Client.GetKey(ctx, id, false)
				if err != nil && !unkey.IsKeyNotFound(err) {
					t.Fatal(err)
				}
				return err == nil
			}
			if exists(due) {
				t.Error("a key past its deadline was not deleted")
			}
			if exists(later) == all {
				t.Errorf("the key before its deadline exists = %v with all = %v", exists(later), all)
			}
			wantKept := 1
			if all {
				wantKept = 0
			}
			if len(l.keys) != wantKept || !l.changed || (wantKept == 1 && l.keys[0].ID != later) {
				t.Errorf("ledger after retiring %+v (changed %v), want %d kept", l.keys, l.changed, wantKept)
			}
		})
	}
}

// A key that cannot be deleted stays in the ledger for the next refresh, or is named for
// deleting by hand when the resource goes.
func TestRetireRerolledKeysFailing(t *testing.T) {
	ctx := context.Background()
	r := &keyResource{svc: failingService(t)}
	cases := []struct {
		all      bool
		wantKept int
		wantWarn string
	}{
		{all: false, wantKept: 1, wantWarn: "the next refresh tries again"},
		{all: true, wantKept: 0, wantWarn: "Delete it by hand"},
	}
	for _, tc := range cases {
		l := &rerollLedger{keys: []rerolledKey{{ID: "key_due", ExpiresAt: time.Now().Add(-time.Minute).Format(time.RFC3339Nano)}}}
		var diags diag.Diagnostics
		r.retireRerolledKeys(ctx, l, tc.all, &diags)
		if got := diagText(diags); !strings.Contains(got, tc.wantWarn) || !strings.Contains(got, "key_due") || diags.HasError() {
			t.Errorf("all=%v: diagnostics %q, want a warning naming key_due with %q", tc.all, got, tc.wantWarn)
		}
		if len(l.keys) != tc.wantKept {
			t.Errorf("all=%v: %d keys kept, want %d", tc.all, len(l.keys), tc.wantKept)
		}
	}
}
