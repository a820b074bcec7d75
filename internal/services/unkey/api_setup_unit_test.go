package unkey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Unit tests of the setup resources: translations, validators, and CRUD against a server that
// answers what a test says (httptest) or the local backend server.

func testClient(t *testing.T, endpoint, token string) *unkey.Client {
	t.Helper()
	hc, err := transport.New(transport.Config{BaseURL: endpoint, Token: token, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	return unkey.New(hc)
}

func testService(t *testing.T, client *unkey.Client) service {
	t.Helper()
	now := func() time.Time { return time.UnixMilli(1_800_000_000_000) }
	d := backend.NewData(now)
	d.Register(ServiceName, NewBackend(client, now, 1))
	svc, diags := lookup(d)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return svc
}

// devServer starts the local backend server and returns it, its endpoint and a client on its
// root key.
func devServer(t *testing.T) (*devserver.Server, string, *unkey.Client) {
	t.Helper()
	dev, err := devserver.New(devserver.Config{DBPath: filepath.Join(t.TempDir(), "unit.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Close() })
	endpoint, err := dev.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return dev, endpoint, testClient(t, endpoint, dev.RootKey())
}

// answer is a canned HTTP response.
type answer struct {
	status int
	body   string
}

func unkeyNotFound(kind string) answer {
	return answer{http.StatusNotFound, fmt.Sprintf(`{"meta":{"requestId":"req_1"},"error":{"title":"Not Found","detail":"The requested %[1]s does not exist.","status":404,"type":"https://unkey.com/docs/errors/unkey/data/%[1]s_not_found"}}`, kind)}
}

var (
	plainNotFound = answer{http.StatusNotFound, "404 page not found\n"}
	serverError   = answer{http.StatusInternalServerError, `{"meta":{"requestId":"req_2"},"error":{"title":"Internal Server Error","detail":"boom","status":500,"type":"https://unkey.com/docs/errors/unkey/application/unexpected_error"}}`}
)

func cannedServer(t *testing.T, a answer) *unkey.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if strings.HasPrefix(a.body, "{") {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	return testClient(t, srv.URL, "unit-test-token")
}

// setupResource is what the tests need of each setup resource.
type setupResource interface {
	resource.Resource
	resource.ResourceWithIdentity
	useService(svc service)
}

func (r *apiResource) useService(svc service)        { r.svc = svc }
func (r *permissionResource) useService(svc service) { r.svc = svc }
func (r *roleResource) useService(svc service)       { r.svc = svc }
func (r *identityResource) useService(svc service)   { r.svc = svc }

func schemasOf(t *testing.T, r setupResource) (resource.SchemaResponse, resource.IdentitySchemaResponse) {
	t.Helper()
	var s resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &s)
	var is resource.IdentitySchemaResponse
	r.IdentitySchema(context.Background(), resource.IdentitySchemaRequest{}, &is)
	if s.Diagnostics.HasError() || is.Diagnostics.HasError() {
		t.Fatal(s.Diagnostics, is.Diagnostics)
	}
	return s, is
}

// stateWithID is a state of r whose only known value is id.
func stateWithID(t *testing.T, r setupResource, id string) tfsdk.State {
	t.Helper()
	s, _ := schemasOf(t, r)
	st := tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(s.Schema.Type().TerraformType(context.Background()), nil)}
	if d := st.SetAttribute(context.Background(), path.Root("id"), id); d.HasError() {
		t.Fatal(d)
	}
	return st
}

func readWith(t *testing.T, r setupResource, client *unkey.Client, id string) resource.ReadResponse {
	t.Helper()
	r.useService(testService(t, client))
	_, is := schemasOf(t, r)
	st := stateWithID(t, r, id)
	resp := resource.ReadResponse{
		State:    st,
		Identity: &tfsdk.ResourceIdentity{Schema: is.IdentitySchema, Raw: tftypes.NewValue(is.IdentitySchema.Type().TerraformType(context.Background()), nil)},
	}
	r.Read(context.Background(), resource.ReadRequest{State: st}, &resp)
	return resp
}

// Read removes the object only on Unkey's own not-found envelope for that kind of object.
func TestSetupReadGoneOnlyOnOwnNotFound(t *testing.T) {
	resources := []struct {
		name string
		new  func() setupResource
		kind string
	}{
		{"api", func() setupResource { return &apiResource{} }, unkey.KindAPI},
		{"permission", func() setupResource { return &permissionResource{} }, unkey.KindPermission},
		{"role", func() setupResource { return &roleResource{} }, unkey.KindRole},
		{"identity", func() setupResource { return &identityResource{} }, unkey.KindIdentity},
	}
	for _, res := range resources {
		other := unkey.KindKey
		cases := []struct {
			name     string
			answer   answer
			wantGone bool
		}{
			{"own not found", unkeyNotFound(res.kind), true},
			{"another kind's not found", unkeyNotFound(other), false},
			{"plain-text 404", plainNotFound, false},
			{"500", serverError, false},
		}
		for _, tc := range cases {
			t.Run(res.name+"/"+tc.name, func(t *testing.T) {
				resp := readWith(t, res.new(), cannedServer(t, tc.answer), "obj_1")
				gone := resp.State.Raw.IsNull()
				if gone != tc.wantGone {
					t.Fatalf("removed = %t, want %t (diagnostics %v)", gone, tc.wantGone, resp.Diagnostics)
				}
				if tc.wantGone {
					if resp.Diagnostics.HasError() || resp.Diagnostics.WarningsCount() != 1 {
						t.Fatalf("want exactly one warning, got %v", resp.Diagnostics)
					}
					return
				}
				if !resp.Diagnostics.HasError() {
					t.Fatal("want an error")
				}
				var id types.String
				resp.State.GetAttribute(context.Background(), path.Root("id"), &id)
				if id.ValueString() != "obj_1" {
					t.Fatalf("state changed: id = %q", id.ValueString())
				}
				if !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "State is left unchanged") {
					t.Fatalf("error does not say state is kept: %s", resp.Diagnostics.Errors()[0].Detail())
				}
			})
		}
	}
}

func TestOptionalText(t *testing.T) {
	cases := []struct {
		name  string
		prior types.String
		got   string
		want  types.String
	}{
		{"unset stays unset", types.StringNull(), "", types.StringNull()},
		{"configured empty stays empty", types.StringValue(""), "", types.StringValue("")},
		{"unknown becomes null", types.StringUnknown(), "", types.StringNull()},
		{"server value wins", types.StringValue("old"), "new", types.StringValue("new")},
		{"server clears", types.StringValue("old"), "", types.StringNull()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := optionalText(tc.prior, tc.got); !got.Equal(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestApplyPermissionAndRole(t *testing.T) {
	var p permissionModel
	applyPermission(&p, &unkey.Permission{ID: "perm_1", Name: "Read", Slug: "r.read"})
	if p.ID.ValueString() != "perm_1" || p.Name.ValueString() != "Read" || p.Slug.ValueString() != "r.read" || !p.Description.IsNull() {
		t.Fatalf("permission: %+v", p)
	}
	cases := []struct {
		name  string
		prior types.Set
		perms []unkey.Permission
		want  types.Set
	}{
		{"unset and none", types.SetNull(types.StringType), nil, types.SetNull(types.StringType)},
		{"empty configured and none", tfvalue.StringSet(nil), nil, tfvalue.StringSet(nil)},
		{"added outside shows", types.SetNull(types.StringType), []unkey.Permission{{Slug: "x"}}, tfvalue.StringSet([]string{"x"})},
		{"slugs, not ids", tfvalue.StringSet([]string{"a"}), []unkey.Permission{{ID: "perm_a", Slug: "a"}, {ID: "perm_b", Slug: "b"}}, tfvalue.StringSet([]string{"a", "b"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := roleModel{Permissions: tc.prior, Description: types.StringNull()}
			applyRole(&m, &unkey.Role{ID: "role_1", Name: "ops", Description: "d", Permissions: tc.perms})
			if !m.Permissions.Equal(tc.want) || m.Description.ValueString() != "d" || m.Name.ValueString() != "ops" {
				t.Fatalf("got %v (%v), want %v", m.Permissions, m.Description, tc.want)
			}
		})
	}
}

func TestMetaFromAPI(t *testing.T) {
	cases := []struct {
		name  string
		prior tfvalue.JSONValue
		raw   string
		want  tfvalue.JSONValue
	}{
		{"none, unset", tfvalue.JSONNull(), "", tfvalue.JSONNull()},
		{"empty object, unset", tfvalue.JSONNull(), "{}", tfvalue.JSONNull()},
		{"configured {} kept", tfvalue.JSONString("{ }"), "", tfvalue.JSONString("{ }")},
		{"same meaning keeps spelling", tfvalue.JSONString(`{"b": 1, "a": 2}`), `{"a":2,"b":1}`, tfvalue.JSONString(`{"b": 1, "a": 2}`)},
		{"changed outside", tfvalue.JSONString(`{"a":1}`), `{"a":2}`, tfvalue.JSONString(`{"a":2}`)},
		{"import", tfvalue.JSONNull(), `{"a":1}`, tfvalue.JSONString(`{"a":1}`)},
		{"cleared outside", tfvalue.JSONString(`{"a":1}`), "", tfvalue.JSONNull()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := metaFromAPI(tc.prior, json.RawMessage(tc.raw)); !got.Equal(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func ratelimitSet(t *testing.T, items ...ratelimitModel) types.Set {
	t.Helper()
	s, d := types.SetValueFrom(context.Background(), ratelimitType, items)
	if d.HasError() {
		t.Fatal(d)
	}
	return s
}

func TestIdentityUpdate(t *testing.T) {
	rl := ratelimitModel{Name: types.StringValue("req"), Limit: types.Int64Value(5), Duration: types.StringValue("1m"), AutoApply: types.BoolNull()}
	base := identityResourceModel{ID: types.StringValue("id_1"), ExternalID: types.StringValue("org"), Meta: tfvalue.JSONString(`{"a":1}`), Ratelimits: ratelimitSet(t, rl)}
	cases := []struct {
		name        string
		plan        func(m identityResourceModel) identityResourceModel
		wantChanged bool
		wantMeta    string
		wantLimits  *[]unkey.RatelimitRequest
	}{
		{"nothing", func(m identityResourceModel) identityResourceModel { return m }, false, "", nil},
		{"meta changed", func(m identityResourceModel) identityResourceModel {
			m.Meta = tfvalue.JSONString(`{"a":2}`)
			return m
		}, true, `{"a":2}`, nil},
		{"meta cleared sends {}", func(m identityResourceModel) identityResourceModel {
			m.Meta = tfvalue.JSONNull()
			return m
		}, true, `{}`, nil},
		{"ratelimits cleared sends []", func(m identityResourceModel) identityResourceModel {
			m.Ratelimits = types.SetNull(ratelimitType)
			return m
		}, true, "", &[]unkey.RatelimitRequest{}},
		{"ratelimits in milliseconds", func(m identityResourceModel) identityResourceModel {
			m.Ratelimits = ratelimitSet(t, ratelimitModel{Name: types.StringValue("req"), Limit: types.Int64Value(9), Duration: types.StringValue("2s"), AutoApply: types.BoolValue(true)})
			return m
		}, true, "", &[]unkey.RatelimitRequest{{Name: "req", Limit: 9, Duration: 2000, AutoApply: true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			plan := tc.plan(base)
			req, changed := identityUpdate(context.Background(), &plan, &base, &diags)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if changed != tc.wantChanged || req.Identity != "id_1" || string(req.Meta) != tc.wantMeta {
				t.Fatalf("changed %t, identity %q, meta %q; want %t, id_1, %q", changed, req.Identity, req.Meta, tc.wantChanged, tc.wantMeta)
			}
			if (req.Ratelimits == nil) != (tc.wantLimits == nil) || (req.Ratelimits != nil && fmt.Sprint(*req.Ratelimits) != fmt.Sprint(*tc.wantLimits)) {
				t.Fatalf("ratelimits %v, want %v", req.Ratelimits, tc.wantLimits)
			}
		})
	}
}

func TestIdentityMetaValidator(t *testing.T) {
	props := make([]string, 0, 101)
	for i := range 101 {
		props = append(props, fmt.Sprintf(`"k%d":%d`, i, i))
	}
	cases := []struct {
		name, value, wantErr string
	}{
		{"object", `{"a":1}`, ""},
		{"100 properties", "{" + strings.Join(props[:100], ",") + "}", ""},
		{"101 properties", "{" + strings.Join(props, ",") + "}", "at most 100"},
		{"array", `[1]`, "JSON object"},
		{"null", `null`, "JSON object"},
		{"not JSON", `plan=pro`, "JSON object"},
		{"too large", `{"a":"` + strings.Repeat("x", identityMetaMaxBytes) + `"}`, "at most 1048576"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var resp validator.StringResponse
			identityMetaValidator{}.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("meta"), ConfigValue: types.StringValue(tc.value)}, &resp)
			if tc.wantErr == "" {
				if resp.Diagnostics.HasError() {
					t.Fatal(resp.Diagnostics)
				}
				return
			}
			if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), tc.wantErr) || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "meta") {
				t.Fatalf("want an error naming meta with %q, got %v", tc.wantErr, resp.Diagnostics)
			}
		})
	}
}

func TestConflictHintAndListOptions(t *testing.T) {
	conflict := &unkey.Error{HTTPStatus: http.StatusConflict}
	if h := conflictHint(conflict, "apikey_unkey_role", "ops"); !strings.Contains(h, "terraform import apikey_unkey_role.<name> ops") {
		t.Fatalf("hint %q", h)
	}
	if h := conflictHint(errors.New("other"), "apikey_unkey_role", "ops"); h != "" {
		t.Fatalf("hint for a non-409: %q", h)
	}
	if n := len(listOptions(types.StringNull())); n != 0 {
		t.Fatalf("%d options for no search", n)
	}
	var req unkey.ListRequest
	for _, o := range listOptions(types.StringValue("acme")) {
		o(&req)
	}
	if req.Search != "acme" {
		t.Fatalf("search %q", req.Search)
	}
}

// keysLeft finds keys the plan does not destroy, and does not take a listing the root key may
// not make for an empty API.
func TestKeysLeft(t *testing.T) {
	ctx := context.Background()
	dev, endpoint, client := devServer(t)
	b := NewBackend(client, time.Now, 1)
	apiID, err := client.CreateAPI(ctx, "unit-api")
	if err != nil {
		t.Fatal(err)
	}
	if left, err := b.keysLeft(ctx, apiID, func(string) bool { return false }); err != nil || left != "" {
		t.Fatalf("empty API: %q, %v", left, err)
	}
	var ids []string
	for i := range unkey.ListKeysMaxLimit + 1 {
		k, err := client.CreateKey(ctx, unkey.CreateKeyRequest{APIID: apiID, Name: fmt.Sprintf("k%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, k.KeyID)
	}
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	allBut := func(keep string) func(string) bool { return func(id string) bool { return id != keep } }
	// The key on the second page is whichever the API does not list first; its order is the
	// server's own (not byte order on Unkey), so the test asks rather than sorts.
	first, err := client.ListKeys(ctx, unkey.ListKeysRequest{APIID: apiID, Limit: unkey.ListKeysMaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	onFirst := map[string]bool{}
	for _, k := range first.Keys {
		onFirst[k.KeyID] = true
	}
	var last string
	for _, id := range ids {
		if !onFirst[id] {
			last = id
		}
	}
	if last == "" || !first.HasMore {
		t.Fatalf("no key on a second page (first page %d keys, hasMore %v)", len(first.Keys), first.HasMore)
	}
	cases := []struct {
		name      string
		destroyed func(string) bool
		want      string
	}{
		{"none destroyed", none, "and more pages"},
		{"all destroyed", all, ""},
		{"one left on the second page", allBut(last), "key " + last},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			left, err := b.keysLeft(ctx, apiID, tc.destroyed)
			if err != nil {
				t.Fatal(err)
			}
			if (tc.want == "") != (left == "") || !strings.Contains(left, tc.want) {
				t.Fatalf("left %q, want %q", left, tc.want)
			}
		})
	}

	t.Run("listing masked by missing read_key", func(t *testing.T) {
		limited, err := dev.NewRootKeyWithout(ctx, devserver.PermReadKey)
		if err != nil {
			t.Fatal(err)
		}
		lb := NewBackend(testClient(t, endpoint, limited), time.Now, 1)
		if left, err := lb.keysLeft(ctx, apiID, none); err == nil || !strings.Contains(err.Error(), "read_key") {
			t.Fatalf("left %q, err %v; want an error naming read_key", left, err)
		}
	})

	t.Run("deleted API holds nothing", func(t *testing.T) {
		if err := client.DeleteAPI(ctx, apiID); err != nil {
			t.Fatal(err)
		}
		if left, err := b.keysLeft(ctx, apiID, none); err != nil || left != "" {
			t.Fatalf("left %q, err %v", left, err)
		}
	})
}

func TestKeyDestroyRegistry(t *testing.T) {
	b1, b2 := &Backend{}, &Backend{}
	r := &keyResource{}
	var s resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &s)
	st := tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(s.Schema.Type().TerraformType(context.Background()), nil)}
	if d := st.SetAttribute(context.Background(), path.Root("id"), "key_1"); d.HasError() {
		t.Fatal(d)
	}
	noteKeyDestroy(context.Background(), b1, st)
	noteKeyDestroy(context.Background(), nil, st) // unconfigured: ignored
	if !b1.keyDestroyPlanned("key_1") || b1.keyDestroyPlanned("key_2") || b2.keyDestroyPlanned("key_1") {
		t.Fatal("planned destroys are per backend and per key")
	}
}
