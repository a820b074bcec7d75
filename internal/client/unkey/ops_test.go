package unkey

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

// pagedServer serves a listing of n items from a cursor (the index of the first item of the
// page), honouring the request's limit, and records every request body.
type pagedServer struct {
	mu     sync.Mutex
	bodies []string
	item   func(i int) string
	n      int
	// failAt answers the request for this page index (0-based) with an error; -1 never.
	failAt int
}

func (p *pagedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.bodies = append(p.bodies, string(b))
	page := len(p.bodies) - 1
	p.mu.Unlock()
	if page == p.failAt {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"meta":{"requestId":"r"},"error":{"title":"Internal Server Error","detail":"boom","status":500,"type":"https://unkey.com/docs/errors/unkey/application/unexpected_error"}}`)
		return
	}
	var req struct {
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor"`
	}
	_ = json.Unmarshal(b, &req)
	start := 0
	if req.Cursor != "" {
		_, _ = fmt.Sscanf(req.Cursor, "c%d", &start)
	}
	end := min(start+req.Limit, p.n)
	items := make([]string, 0, end-start)
	for i := start; i < end; i++ {
		items = append(items, p.item(i))
	}
	pag := `{"hasMore":false}`
	if end < p.n {
		pag = fmt.Sprintf(`{"cursor":"c%d","hasMore":true}`, end)
	}
	_, _ = io.WriteString(w, `{"meta":{"requestId":"r"},"data":[`+strings.Join(items, ",")+`],"pagination":`+pag+`}`)
}

func clientFor(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	hc, err := transport.New(transport.Config{BaseURL: srv.URL, Token: testRootKey, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return New(hc)
}

func TestListingsFollowCursorsAcrossPages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		item  func(i int) string
		list  func(ctx context.Context, c *Client) ([]string, error)
		first string // body of the first request
	}{
		{
			name: "permissions",
			item: func(i int) string { return fmt.Sprintf(`{"id":"perm_%d","name":"n%d","slug":"s%d"}`, i, i, i) },
			list: func(ctx context.Context, c *Client) ([]string, error) {
				ps, err := c.ListPermissions(ctx, WithPageSize(2), WithSearch("s"))
				return ids(ps, func(p Permission) string { return p.ID }), err
			},
			first: `{"limit":2,"search":"s"}`,
		},
		{
			name: "roles",
			item: func(i int) string {
				return fmt.Sprintf(`{"id":"role_%d","name":"r%d","permissions":[{"id":"perm_1","name":"p","slug":"p"}]}`, i, i)
			},
			list: func(ctx context.Context, c *Client) ([]string, error) {
				rs, err := c.ListRoles(ctx, WithPageSize(2))
				return ids(rs, func(r Role) string { return r.ID + "/" + r.Permissions[0].Slug }), err
			},
			first: `{"limit":2}`,
		},
		{
			name: "identities",
			item: func(i int) string {
				return fmt.Sprintf(`{"id":"id_%d","externalId":"ext_%d","meta":{"i":%d},"ratelimits":[]}`, i, i, i)
			},
			list: func(ctx context.Context, c *Client) ([]string, error) {
				is, err := c.ListIdentities(ctx, WithPageSize(2))
				return ids(is, func(i Identity) string { return i.ID + "/" + i.ExternalID }), err
			},
			first: `{"limit":2}`,
		},
		{
			name: "keys",
			item: func(i int) string {
				return fmt.Sprintf(`{"keyId":"key_%d","start":"ab","enabled":true,"createdAt":1}`, i)
			},
			list: func(ctx context.Context, c *Client) ([]string, error) {
				ks, err := c.ListAllKeys(ctx, "api_1", "ext_1", WithPageSize(2))
				return ids(ks, func(k Key) string { return k.KeyID }), err
			},
			first: `{"apiId":"api_1","limit":2,"externalId":"ext_1"}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &pagedServer{item: tc.item, n: 5, failAt: -1}
			got, err := tc.list(t.Context(), clientFor(t, srv))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 5 || len(srv.bodies) != 3 {
				t.Fatalf("got %v in %d requests; want 5 items in 3 pages", got, len(srv.bodies))
			}
			for i, id := range got {
				if !strings.Contains(id, fmt.Sprint(i)) {
					t.Fatalf("items out of order: %v", got)
				}
			}
			mustEqual(t, "first request", srv.bodies[0], tc.first)
			if !strings.Contains(srv.bodies[1], `"cursor":"c2"`) || !strings.Contains(srv.bodies[2], `"cursor":"c4"`) {
				t.Fatalf("cursors not passed back: %v", srv.bodies)
			}

			// An error on a later page fails the whole listing: a partial list must not pass
			// for a complete one.
			failing := &pagedServer{item: tc.item, n: 5, failAt: 1}
			if got, err := tc.list(t.Context(), clientFor(t, failing)); err == nil || got != nil {
				t.Fatalf("page 2 failed but got %v, %v", got, err)
			}
		})
	}
}

func ids[T any](items []T, id func(T) string) []string {
	if items == nil {
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func TestPagesStopEarly(t *testing.T) {
	srv := &pagedServer{item: func(i int) string { return fmt.Sprintf(`{"id":"perm_%d","name":"n","slug":"s"}`, i) }, n: 10, failAt: -1}
	c := clientFor(t, srv)
	n := 0
	for page, err := range c.PermissionPages(t.Context(), ListRequest{Limit: 3}) {
		if err != nil || len(page.Items) != 3 || !page.HasMore {
			t.Fatalf("page %+v, %v", page, err)
		}
		n++
		break
	}
	if n != 1 || len(srv.bodies) != 1 {
		t.Fatalf("%d pages seen, %d requests; want 1 and 1", n, len(srv.bodies))
	}

	keys := &pagedServer{item: func(i int) string {
		return fmt.Sprintf(`{"keyId":"key_%d","start":"ab","enabled":true,"createdAt":1}`, i)
	}, n: 10, failAt: -1}
	kc := clientFor(t, keys)
	var seen []string
	for page, err := range kc.KeyPages(t.Context(), ListKeysRequest{APIID: "api_1", Limit: 4, Cursor: "c2"}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range page.Keys {
			seen = append(seen, k.KeyID)
		}
		if len(seen) >= 6 {
			break
		}
	}
	mustEqual(t, "keys from cursor c2", seen, []string{"key_2", "key_3", "key_4", "key_5", "key_6", "key_7", "key_8", "key_9"})
	if len(keys.bodies) != 2 {
		t.Fatalf("%d requests, want 2", len(keys.bodies))
	}
}

func TestPaginationMustProveCompleteness(t *testing.T) {
	for name, body := range map[string]string{
		"no pagination":        `{"meta":{"requestId":"r"},"data":[]}`,
		"pagination no flag":   `{"meta":{"requestId":"r"},"data":[],"pagination":{}}`,
		"more without cursor":  `{"meta":{"requestId":"r"},"data":[],"pagination":{"hasMore":true}}`,
		"cursor repeats input": `{"meta":{"requestId":"r"},"data":[],"pagination":{"cursor":"c","hasMore":true}}`,
	} {
		t.Run(name, func(t *testing.T) {
			f, c := newFake(t)
			f.ok("identities.listIdentities", body)
			if got, err := c.ListIdentities(t.Context()); err == nil {
				t.Fatalf("ListIdentities = %v, want an error", got)
			}
			if f.hitCount("identities.listIdentities") > 2 {
				t.Fatalf("%d requests", f.hitCount("identities.listIdentities"))
			}
		})
	}
}

func TestUpdateIdentityBodies(t *testing.T) {
	rl := []RatelimitRequest{{Name: "req", Limit: 10, Duration: 60000, AutoApply: true}}
	var nilRL []RatelimitRequest
	for _, tc := range []struct {
		name string
		req  UpdateIdentityRequest
		want string
	}{
		{"nothing changes", UpdateIdentityRequest{Identity: "ext_1"}, `{"identity":"ext_1"}`},
		{"set meta", UpdateIdentityRequest{Identity: "id_1", Meta: json.RawMessage(`{"plan":"pro"}`)}, `{"identity":"id_1","meta":{"plan":"pro"}}`},
		{"clear meta", UpdateIdentityRequest{Identity: "id_1", Meta: json.RawMessage(`{}`)}, `{"identity":"id_1","meta":{}}`},
		{"null meta clears", UpdateIdentityRequest{Identity: "id_1", Meta: json.RawMessage(` null `)}, `{"identity":"id_1","meta":{}}`},
		{"set ratelimits", UpdateIdentityRequest{Identity: "id_1", Ratelimits: &rl}, `{"identity":"id_1","ratelimits":[{"name":"req","limit":10,"duration":60000,"autoApply":true}]}`},
		{"clear ratelimits", UpdateIdentityRequest{Identity: "id_1", Ratelimits: &[]RatelimitRequest{}}, `{"identity":"id_1","ratelimits":[]}`},
		{"nil ratelimits slice clears", UpdateIdentityRequest{Identity: "id_1", Ratelimits: &nilRL}, `{"identity":"id_1","ratelimits":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			f.ok("identities.updateIdentity", env(`{"id":"id_1","externalId":"ext_1","meta":{"plan":"pro"},"ratelimits":[{"id":"rl_1","name":"req","limit":10,"duration":60000,"autoApply":true}]}`))
			got, err := c.UpdateIdentity(t.Context(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "request", f.lastBody("identities.updateIdentity"), tc.want)
			mustEqual(t, "identity", got, &Identity{ID: "id_1", ExternalID: "ext_1", Meta: json.RawMessage(`{"plan":"pro"}`),
				Ratelimits: []Ratelimit{{ID: "rl_1", Name: "req", Limit: 10, Duration: 60000, AutoApply: true}}})
		})
	}
}

func TestSetRolePermissions(t *testing.T) {
	f, c := newFake(t)
	f.ok("permissions.setRolePermissions", env(`[{"id":"perm_1","name":"Read","slug":"read","description":"d"}]`))
	got, err := c.SetRolePermissions(t.Context(), "role_1", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "permissions", got, []Permission{{ID: "perm_1", Name: "Read", Slug: "read", Description: "d"}})
	mustEqual(t, "request", f.lastBody("permissions.setRolePermissions"), `{"roleId":"role_1","permissions":["read"]}`)

	f.mu.Lock()
	delete(f.replies, "/v2/permissions.setRolePermissions")
	f.mu.Unlock()
	f.ok("permissions.setRolePermissions", env(`[]`))
	if got, err := c.SetRolePermissions(t.Context(), "role_1", nil); err != nil || len(got) != 0 {
		t.Fatalf("clear: %v, %v", got, err)
	}
	mustEqual(t, "clear request", f.lastBody("permissions.setRolePermissions"), `{"roleId":"role_1","permissions":[]}`)
}

func TestListKeysRequestShape(t *testing.T) {
	f, c := newFake(t)
	f.ok("apis.listKeys", `{"meta":{"requestId":"r"},"data":[],"pagination":{"hasMore":false}}`)
	if _, err := c.AllKeys(t.Context(), ListKeysRequest{APIID: "api_1", Decrypt: true, RevalidateKeysCache: true}); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "request", f.lastBody("apis.listKeys"), `{"apiId":"api_1","limit":100,"decrypt":true,"revalidateKeysCache":true}`)
}

// Each setup-resource read reports its own object's absence, and only that.
func TestOperationsNotFound(t *testing.T) {
	for _, tc := range []struct {
		op   string
		kind string
		call func(ctx context.Context, c *Client) error
		is   func(error) bool
	}{
		{"apis.getApi", "api", func(ctx context.Context, c *Client) error { _, err := c.GetAPI(ctx, "api_1"); return err }, IsAPINotFound},
		{"apis.deleteApi", "api", func(ctx context.Context, c *Client) error { return c.DeleteAPI(ctx, "api_1") }, IsAPINotFound},
		{"permissions.getPermission", "permission", func(ctx context.Context, c *Client) error { _, err := c.GetPermission(ctx, "p"); return err }, IsPermissionNotFound},
		{"permissions.deletePermission", "permission", func(ctx context.Context, c *Client) error { return c.DeletePermission(ctx, "p") }, IsPermissionNotFound},
		{"permissions.getRole", "role", func(ctx context.Context, c *Client) error { _, err := c.GetRole(ctx, "r"); return err }, IsRoleNotFound},
		{"permissions.deleteRole", "role", func(ctx context.Context, c *Client) error { return c.DeleteRole(ctx, "r") }, IsRoleNotFound},
		{"permissions.setRolePermissions", "role", func(ctx context.Context, c *Client) error { _, err := c.SetRolePermissions(ctx, "r", nil); return err }, IsRoleNotFound},
		{"identities.getIdentity", "identity", func(ctx context.Context, c *Client) error { _, err := c.GetIdentity(ctx, "e"); return err }, IsIdentityNotFound},
		{"identities.updateIdentity", "identity", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateIdentity(ctx, UpdateIdentityRequest{Identity: "e"})
			return err
		}, IsIdentityNotFound},
		{"identities.deleteIdentity", "identity", func(ctx context.Context, c *Client) error { return c.DeleteIdentity(ctx, "e") }, IsIdentityNotFound},
		{"keys.rerollKey", "key", func(ctx context.Context, c *Client) error { _, err := c.RerollKey(ctx, "key_1", 0); return err }, IsKeyNotFound},
	} {
		t.Run(tc.op, func(t *testing.T) {
			f, c := newFake(t)
			f.on(tc.op, reply{status: 404, body: notFoundBody(tc.kind)})
			err := tc.call(t.Context(), c)
			if !tc.is(err) {
				t.Fatalf("err = %v; predicate false", err)
			}
			if k, _ := NotFoundKind(err); k != tc.kind {
				t.Fatalf("kind %q", k)
			}
			// The same path answering a plain 404 is no evidence.
			f2, c2 := newFake(t)
			f2.on(tc.op, reply{status: 404, contentType: "text/plain", body: "404 page not found"})
			if err := tc.call(t.Context(), c2); tc.is(err) || err == nil {
				t.Fatalf("plain 404: err = %v", err)
			}
		})
	}
}
