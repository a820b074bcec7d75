package unkey

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
)

// runList runs list resource l with the schemas of r.
func runList(t *testing.T, l list.ListResource, r resource.ResourceWithIdentity, vals map[string]tftypes.Value, include bool, limit int64) []list.ListResult {
	t.Helper()
	ctx := context.Background()
	var sr list.ListResourceSchemaResponse
	l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &sr)
	var rs resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &rs)
	var is resource.IdentitySchemaResponse
	r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &is)
	req := list.ListRequest{
		Config:                 tfsdk.Config{Schema: sr.Schema, Raw: configFor(t, sr.Schema, vals)},
		IncludeResource:        include,
		Limit:                  limit,
		ResourceSchema:         rs.Schema,
		ResourceIdentitySchema: is.IdentitySchema,
	}
	var stream list.ListResultsStream
	l.List(ctx, req, &stream)
	var out []list.ListResult
	for res := range stream.Results {
		out = append(out, res)
	}
	return out
}

// setupListCase is one setup type: how to make its objects and what its results must show.
type setupListCase struct {
	name, plural string
	// list returns the list resource with the given service and page size.
	list     func(svc service, pageSize int) list.ListResource
	resource resource.ResourceWithIdentity
	// route is the listing's path on the server, to count page requests.
	route string
	// create makes object i (named with the given prefix) and returns its id and display name.
	create func(t *testing.T, c *unkey.Client, prefix string, i int) (id, display string)
	// check compares the resource object of an included result with object 0 of prefix "pick".
	check func(t *testing.T, res *tfsdk.Resource)
}

func setupListCases() []setupListCase {
	ctx := context.Background()
	return []setupListCase{
		{
			name:   "role",
			plural: "roles",
			list: func(svc service, n int) list.ListResource {
				l := newRoleList()
				l.svc, l.pageSize = svc, n
				return l
			},
			resource: &roleResource{},
			route:    "/v2/permissions.listRoles",
			create: func(t *testing.T, c *unkey.Client, prefix string, i int) (string, string) {
				name := fmt.Sprintf("%s-role-%02d", prefix, i)
				var perms []string
				if i == 0 {
					perms = []string{prefix + ".read", prefix + ".write"}
				}
				id, err := c.CreateRole(ctx, name, "", perms)
				if err != nil {
					t.Fatal(err)
				}
				return id, name
			},
			check: func(t *testing.T, res *tfsdk.Resource) {
				var m roleModel
				if d := res.Get(ctx, &m); d.HasError() {
					t.Fatal(diagText(d))
				}
				var perms []string
				m.Permissions.ElementsAs(ctx, &perms, false)
				slices.Sort(perms)
				if m.Name.ValueString() != "pick-role-00" || !m.Description.IsNull() || strings.Join(perms, ",") != "pick.read,pick.write" {
					t.Errorf("resource object %+v", m)
				}
			},
		},
		{
			name:   "permission",
			plural: "permissions",
			list: func(svc service, n int) list.ListResource {
				l := newPermissionList()
				l.svc, l.pageSize = svc, n
				return l
			},
			resource: &permissionResource{},
			route:    "/v2/permissions.listPermissions",
			create: func(t *testing.T, c *unkey.Client, prefix string, i int) (string, string) {
				slug := fmt.Sprintf("%s.perm%02d", prefix, i)
				name, desc := fmt.Sprintf("%s perm %02d", prefix, i), ""
				if i == 0 {
					desc = "First of its kind"
				}
				id, err := c.CreatePermission(ctx, name, slug, desc)
				if err != nil {
					t.Fatal(err)
				}
				return id, name + " (" + slug + ")"
			},
			check: func(t *testing.T, res *tfsdk.Resource) {
				var m permissionModel
				if d := res.Get(ctx, &m); d.HasError() {
					t.Fatal(diagText(d))
				}
				if m.Name.ValueString() != "pick perm 00" || m.Slug.ValueString() != "pick.perm00" || m.Description.ValueString() != "First of its kind" {
					t.Errorf("resource object %+v", m)
				}
			},
		},
		{
			name:   "identity",
			plural: "identities",
			list: func(svc service, n int) list.ListResource {
				l := newIdentityList()
				l.svc, l.pageSize = svc, n
				return l
			},
			resource: &identityResource{},
			route:    "/v2/identities.listIdentities",
			create: func(t *testing.T, c *unkey.Client, prefix string, i int) (string, string) {
				ext := fmt.Sprintf("%s-tenant-%02d", prefix, i)
				var meta json.RawMessage
				var limits []unkey.RatelimitRequest
				if i == 0 {
					meta = json.RawMessage(`{"plan":"gold"}`)
					limits = []unkey.RatelimitRequest{{Name: "requests", Limit: 10, Duration: 60_000}}
				}
				id, err := c.CreateIdentity(ctx, ext, meta, limits)
				if err != nil {
					t.Fatal(err)
				}
				return id, ext
			},
			check: func(t *testing.T, res *tfsdk.Resource) {
				var m identityResourceModel
				if d := res.Get(ctx, &m); d.HasError() {
					t.Fatal(diagText(d))
				}
				var limits []ratelimitModel
				m.Ratelimits.ElementsAs(ctx, &limits, false)
				if m.ExternalID.ValueString() != "pick-tenant-00" || m.Meta.ValueString() != `{"plan":"gold"}` || len(limits) != 1 ||
					limits[0].Name.ValueString() != "requests" || limits[0].Duration.ValueString() != "1m" || !limits[0].AutoApply.IsNull() {
					t.Errorf("resource object %+v, rate limits %+v", m, limits)
				}
			},
		},
	}
}

func TestSetupListResources(t *testing.T) {
	ctx := context.Background()
	for _, tc := range setupListCases() {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTestBackend(t)
			c := tb.svc.Value.Client
			want := map[string]string{} // id -> display name
			pickID, pickDisplay := tc.create(t, c, "pick", 0)
			want[pickID] = pickDisplay
			for i := range 6 {
				id, display := tc.create(t, c, "bulk", i+1)
				want[id] = display
			}
			const pageSize = 2
			all := runList(t, tc.list(tb.svc, pageSize), tc.resource, nil, false, 0)
			if pages := len(tb.rec.bodies[tc.route]); pages != (len(want)+pageSize-1)/pageSize {
				t.Errorf("%d page requests for %d objects at %d a page", pages, len(want), pageSize)
			}
			if len(all) != len(want) {
				t.Fatalf("%d results, want %d", len(all), len(want))
			}
			for _, res := range all {
				if res.Diagnostics.HasError() {
					t.Fatal(diagText(res.Diagnostics))
				}
				var ident idIdentityModel
				if d := res.Identity.Get(ctx, &ident); d.HasError() {
					t.Fatal(diagText(d))
				}
				display, ok := want[ident.ID.ValueString()]
				if !ok {
					t.Errorf("unexpected identity %s", ident.ID.ValueString())
				}
				if res.DisplayName != display {
					t.Errorf("display name of %s is %q, want %q", ident.ID.ValueString(), res.DisplayName, display)
				}
				if !res.Resource.Raw.IsNull() {
					t.Error("a resource object without include_resource")
				}
				delete(want, ident.ID.ValueString())
			}

			cases := []struct {
				name    string
				vals    map[string]tftypes.Value
				include bool
				limit   int64
				want    int
			}{
				{name: "limit across pages", limit: 5, want: 5},
				{name: "search with resource", vals: map[string]tftypes.Value{"search": str("pick")}, include: true, want: 1},
				{name: "search without match", vals: map[string]tftypes.Value{"search": str("nothing-like-this")}, want: 0},
			}
			for _, sc := range cases {
				t.Run(sc.name, func(t *testing.T) {
					results := runList(t, tc.list(tb.svc, pageSize), tc.resource, sc.vals, sc.include, sc.limit)
					if len(results) != sc.want {
						t.Fatalf("%d results, want %d", len(results), sc.want)
					}
					if sc.include {
						var ident idIdentityModel
						results[0].Identity.Get(ctx, &ident)
						if ident.ID.ValueString() != pickID || results[0].DisplayName != pickDisplay {
							t.Errorf("result %s %q, want %s %q", ident.ID.ValueString(), results[0].DisplayName, pickID, pickDisplay)
						}
						var id string
						results[0].Resource.GetAttribute(ctx, path.Root("id"), &id)
						if id != pickID {
							t.Errorf("resource object id %q, want %s", id, pickID)
						}
						tc.check(t, results[0].Resource)
					}
				})
			}

			t.Run("listing fails", func(t *testing.T) {
				results := runList(t, tc.list(failingService(t), 0), tc.resource, nil, false, 0)
				if len(results) != 1 || !strings.Contains(diagText(results[0].Diagnostics), "Could not list the "+tc.plural+" of the workspace") {
					t.Fatalf("want one error result naming the listing, got %d: %v", len(results), results)
				}
			})
			t.Run("backend not configured", func(t *testing.T) {
				unconfigured, _ := lookup(nil)
				results := runList(t, tc.list(unconfigured, 0), tc.resource, nil, false, 0)
				if len(results) != 1 || !strings.Contains(diagText(results[0].Diagnostics), "not configured") {
					t.Fatalf("want one error result naming the missing configuration, got %v", results)
				}
			})
		})
	}
}

// failingService is the Unkey service against a server that refuses every request.
func failingService(t *testing.T) service {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"meta":{"requestId":"req_1"},"error":{"title":"Forbidden","detail":"no","status":403,"type":"https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions"}}`))
	}))
	t.Cleanup(srv.Close)
	hc, err := transport.New(transport.Config{BaseURL: srv.URL, Token: "root", RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	data := backend.NewData(time.Now)
	data.Register(ServiceName, NewBackend(unkey.New(hc), time.Now, 1))
	svc, diags := lookup(data)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return svc
}
