package unkey

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// CRUD of each setup resource, called the way the framework calls it, against the local server.

type crud struct {
	t   *testing.T
	r   setupResource
	sch resource.SchemaResponse
	ids resource.IdentitySchemaResponse
}

func newCRUD(t *testing.T, r setupResource, client *unkey.Client) *crud {
	t.Helper()
	d := backend.NewData(time.Now)
	d.Register(ServiceName, NewBackend(client, time.Now, 1))
	var cr resource.ConfigureResponse
	r.(resource.ResourceWithConfigure).Configure(context.Background(), resource.ConfigureRequest{ProviderData: d}, &cr)
	if cr.Diagnostics.HasError() {
		t.Fatal(cr.Diagnostics)
	}
	var mr resource.MetadataResponse
	r.Metadata(context.Background(), resource.MetadataRequest{ProviderTypeName: "apikey"}, &mr)
	if !strings.HasPrefix(mr.TypeName, "apikey_unkey_") {
		t.Fatalf("type name %q", mr.TypeName)
	}
	s, is := schemasOf(t, r)
	return &crud{t: t, r: r, sch: s, ids: is}
}

func (c *crud) raw(model any) tftypes.Value {
	c.t.Helper()
	st := tfsdk.State{Schema: c.sch.Schema, Raw: tftypes.NewValue(c.sch.Schema.Type().TerraformType(context.Background()), nil)}
	if d := st.Set(context.Background(), model); d.HasError() {
		c.t.Fatal(d)
	}
	return st.Raw
}

func (c *crud) identity() *tfsdk.ResourceIdentity {
	return &tfsdk.ResourceIdentity{Schema: c.ids.IdentitySchema, Raw: tftypes.NewValue(c.ids.IdentitySchema.Type().TerraformType(context.Background()), nil)}
}

func (c *crud) emptyState() tfsdk.State {
	return tfsdk.State{Schema: c.sch.Schema, Raw: tftypes.NewValue(c.sch.Schema.Type().TerraformType(context.Background()), nil)}
}

func (c *crud) create(plan any) (tfsdk.State, diag.Diagnostics) {
	resp := resource.CreateResponse{State: c.emptyState(), Identity: c.identity()}
	c.r.Create(context.Background(), resource.CreateRequest{Plan: tfsdk.Plan{Schema: c.sch.Schema, Raw: c.raw(plan)}}, &resp)
	return resp.State, resp.Diagnostics
}

func (c *crud) read(st tfsdk.State) (tfsdk.State, diag.Diagnostics) {
	resp := resource.ReadResponse{State: st, Identity: c.identity()}
	c.r.Read(context.Background(), resource.ReadRequest{State: st}, &resp)
	return resp.State, resp.Diagnostics
}

func (c *crud) update(st tfsdk.State, plan any) (tfsdk.State, diag.Diagnostics) {
	resp := resource.UpdateResponse{State: c.emptyState(), Identity: c.identity()}
	c.r.Update(context.Background(), resource.UpdateRequest{State: st, Plan: tfsdk.Plan{Schema: c.sch.Schema, Raw: c.raw(plan)}}, &resp)
	return resp.State, resp.Diagnostics
}

func (c *crud) delete(st tfsdk.State) diag.Diagnostics {
	resp := resource.DeleteResponse{State: st}
	c.r.Delete(context.Background(), resource.DeleteRequest{State: st}, &resp)
	return resp.Diagnostics
}

func (c *crud) importID(id string) (tfsdk.State, diag.Diagnostics) {
	resp := resource.ImportStateResponse{State: c.emptyState(), Identity: c.identity()}
	c.r.(resource.ResourceWithImportState).ImportState(context.Background(), resource.ImportStateRequest{ID: id}, &resp)
	return resp.State, resp.Diagnostics
}

// okState returns a function that fails the test on an error and passes the state on.
func okState(t *testing.T) func(tfsdk.State, diag.Diagnostics) tfsdk.State {
	return func(st tfsdk.State, d diag.Diagnostics) tfsdk.State {
		t.Helper()
		if d.HasError() {
			t.Fatal(d)
		}
		return st
	}
}

func noErr(t *testing.T, d diag.Diagnostics) {
	t.Helper()
	if d.HasError() {
		t.Fatal(d)
	}
}

func get[T any](t *testing.T, st tfsdk.State) T {
	t.Helper()
	var m T
	if d := st.Get(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	return m
}

func TestAPIResourceLifecycle(t *testing.T) {
	ctx := context.Background()
	ok := okState(t)
	dev, client := devServerClient(t)
	c := newCRUD(t, &apiResource{}, client)
	st := ok(c.create(apiModel{ID: types.StringUnknown(), Name: types.StringValue("unit-api"), DeleteWithKeys: types.BoolValue(false)}))
	m := get[apiModel](t, st)
	if !strings.HasPrefix(m.ID.ValueString(), "api_") {
		t.Fatalf("id %q", m.ID.ValueString())
	}
	st = ok(c.read(st))
	if got := get[apiModel](t, st); got.Name.ValueString() != "unit-api" || got.DeleteWithKeys.ValueBool() {
		t.Fatalf("read %+v", got)
	}
	st = ok(c.update(st, apiModel{ID: m.ID, Name: m.Name, DeleteWithKeys: types.BoolValue(true)}))
	if !get[apiModel](t, st).DeleteWithKeys.ValueBool() {
		t.Fatal("delete_with_keys not updated")
	}
	imported := ok(c.importID(m.ID.ValueString()))
	imported = ok(c.read(imported))
	if got := get[apiModel](t, imported); got.Name.ValueString() != "unit-api" || got.DeleteWithKeys.ValueBool() {
		t.Fatalf("imported %+v", got)
	}

	// A key in the API: refused at delete unless delete_with_keys.
	if _, err := client.CreateKey(ctx, unkey.CreateKeyRequest{APIID: m.ID.ValueString()}); err != nil {
		t.Fatal(err)
	}
	if d := c.delete(imported); !d.HasError() || !strings.Contains(d.Errors()[0].Detail(), "still holds keys") {
		t.Fatalf("delete of an API with keys: %v", d)
	}
	if err := dev.SetAPIDeleteProtection(m.ID.ValueString(), true); err != nil {
		t.Fatal(err)
	}
	if d := c.delete(st); !d.HasError() || !strings.Contains(d.Errors()[0].Summary(), "delete-protected") {
		t.Fatalf("delete of a protected API: %v", d)
	}
	if err := dev.SetAPIDeleteProtection(m.ID.ValueString(), false); err != nil {
		t.Fatal(err)
	}
	noErr(t, c.delete(st))
	if _, err := client.GetAPI(ctx, m.ID.ValueString()); !unkey.IsAPINotFound(err) {
		t.Fatalf("API readable after delete: %v", err)
	}
	noErr(t, c.delete(st)) // already gone is done
	gone := ok(c.read(st))
	if !gone.Raw.IsNull() {
		t.Fatal("a deleted API stays in state")
	}
}

func TestAPIModifyPlanRefusesDestroy(t *testing.T) {
	ctx := context.Background()
	_, client := devServerClient(t)
	c := newCRUD(t, &apiResource{}, client)
	apiID, err := client.CreateAPI(ctx, "held")
	if err != nil {
		t.Fatal(err)
	}
	key, err := client.CreateKey(ctx, unkey.CreateKeyRequest{APIID: apiID})
	if err != nil {
		t.Fatal(err)
	}
	state := func(deleteWithKeys bool) tfsdk.State {
		return tfsdk.State{Schema: c.sch.Schema, Raw: c.raw(apiModel{ID: types.StringValue(apiID), Name: types.StringValue("held"), DeleteWithKeys: types.BoolValue(deleteWithKeys)})}
	}
	plan := func(name string) tfsdk.Plan {
		if name == "" {
			return tfsdk.Plan{Schema: c.sch.Schema, Raw: tftypes.NewValue(c.sch.Schema.Type().TerraformType(ctx), nil)}
		}
		return tfsdk.Plan{Schema: c.sch.Schema, Raw: c.raw(apiModel{ID: types.StringValue(apiID), Name: types.StringValue(name), DeleteWithKeys: types.BoolValue(false)})}
	}
	b := c.r.(*apiResource).b()
	cases := []struct {
		name           string
		deleteWithKeys bool
		plan           string
		noteKey        bool
		wantErr        bool
	}{
		{"destroy refused", false, "", false, true},
		{"destroy allowed with delete_with_keys", true, "", false, false},
		{"rename refused", false, "renamed", false, true},
		{"unchanged plans nothing", false, "held", false, false},
		{"destroy of the key in the same plan", false, "", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.noteKey {
				r := &keyResource{}
				var s resource.SchemaResponse
				r.Schema(ctx, resource.SchemaRequest{}, &s)
				ks := tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(s.Schema.Type().TerraformType(ctx), nil)}
				ks.SetAttribute(ctx, pathID, key.KeyID)
				noteKeyDestroy(ctx, b, ks)
			}
			resp := resource.ModifyPlanResponse{Plan: plan(tc.plan)}
			c.r.(*apiResource).ModifyPlan(ctx, resource.ModifyPlanRequest{State: state(tc.deleteWithKeys), Plan: plan(tc.plan)}, &resp)
			if resp.Diagnostics.HasError() != tc.wantErr {
				t.Fatalf("error %t, want %t: %v", resp.Diagnostics.HasError(), tc.wantErr, resp.Diagnostics)
			}
			if tc.wantErr && !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), key.KeyID) {
				t.Fatalf("the error does not name the key: %s", resp.Diagnostics.Errors()[0].Detail())
			}
		})
	}
}

func TestPermissionResourceLifecycle(t *testing.T) {
	ctx := context.Background()
	ok := okState(t)
	_, client := devServerClient(t)
	c := newCRUD(t, &permissionResource{}, client)
	st := ok(c.create(permissionModel{ID: types.StringUnknown(), Name: types.StringValue("Read"), Slug: types.StringValue("inv.read"), Description: types.StringValue("")}))
	m := get[permissionModel](t, st)
	st = ok(c.read(st))
	if got := get[permissionModel](t, st); got != m {
		t.Fatalf("read %+v, created %+v", got, m)
	}
	st = ok(c.update(st, m))
	imported := ok(c.read(ok(c.importID("inv.read"))))
	if got := get[permissionModel](t, imported); got.ID != m.ID || !got.Description.IsNull() {
		t.Fatalf("imported by slug %+v", got)
	}
	if _, d := c.create(m); !d.HasError() || !strings.Contains(d.Errors()[0].Detail(), "terraform import") {
		t.Fatalf("duplicate slug: %v", d)
	}
	noErr(t, c.delete(st))
	if _, err := client.GetPermission(ctx, "inv.read"); !unkey.IsPermissionNotFound(err) {
		t.Fatalf("readable after delete: %v", err)
	}
	noErr(t, c.delete(st))
	if gone := ok(c.read(st)); !gone.Raw.IsNull() {
		t.Fatal("a deleted permission stays in state")
	}
}

func TestRoleResourceLifecycle(t *testing.T) {
	ctx := context.Background()
	ok := okState(t)
	_, client := devServerClient(t)
	c := newCRUD(t, &roleResource{}, client)
	b := c.r.(*roleResource).b()
	st := ok(c.create(roleModel{ID: types.StringUnknown(), Name: types.StringValue("ops"), Description: types.StringNull(), Permissions: tfvalue.StringSet([]string{"a.read", "b.read"})}))
	m := get[roleModel](t, st)
	st = ok(c.read(st))
	if got := get[roleModel](t, st); !got.Permissions.Equal(m.Permissions) || got.ID != m.ID {
		t.Fatalf("read %+v, created %+v", got, m)
	}
	// Load the role into the cache, then change it: the cache must not answer with the old set.
	if _, err := b.rolePermissions(ctx, []string{"ops"}); err != nil {
		t.Fatal(err)
	}
	m.Permissions = tfvalue.StringSet([]string{"c.write"})
	st = ok(c.update(st, m))
	perms, err := b.rolePermissions(ctx, []string{"ops"})
	if err != nil || len(perms) != 1 || !perms["c.write"] {
		t.Fatalf("cached permissions after update: %v, %v", perms, err)
	}
	role, err := client.GetRole(ctx, "ops")
	if err != nil || len(role.Permissions) != 1 || role.Permissions[0].Slug != "c.write" {
		t.Fatalf("server role %+v, %v", role, err)
	}
	imported := ok(c.read(ok(c.importID("ops"))))
	if got := get[roleModel](t, imported); got.ID != m.ID {
		t.Fatalf("imported by name %+v", got)
	}
	noErr(t, c.delete(st))
	if _, err := client.GetRole(ctx, "ops"); !unkey.IsRoleNotFound(err) {
		t.Fatalf("readable after delete: %v", err)
	}
	if gone := ok(c.read(st)); !gone.Raw.IsNull() {
		t.Fatal("a deleted role stays in state")
	}
	// Deleting a permission may change any role.
	b.roles.perms = map[string][]string{"x": {"y"}}
	pc := newCRUD(t, &permissionResource{}, client)
	pst := ok(pc.create(permissionModel{ID: types.StringUnknown(), Name: types.StringValue("p"), Slug: types.StringValue("p"), Description: types.StringNull()}))
	pc.r.(*permissionResource).svc = c.r.(*roleResource).svc
	noErr(t, pc.delete(pst))
	if len(b.roles.perms) != 0 {
		t.Fatalf("role cache kept %v after a permission was deleted", b.roles.perms)
	}
}

func TestIdentityResourceLifecycle(t *testing.T) {
	ctx := context.Background()
	ok := okState(t)
	_, client := devServerClient(t)
	c := newCRUD(t, &identityResource{}, client)
	rl := ratelimitSet(t, ratelimitModel{Name: types.StringValue("requests"), Limit: types.Int64Value(10), Duration: types.StringValue("60s"), AutoApply: types.BoolNull()})
	st := ok(c.create(identityResourceModel{ID: types.StringUnknown(), ExternalID: types.StringValue("org_unit"), Meta: tfvalue.JSONString(`{"plan": "pro"}`), Ratelimits: rl}))
	m := get[identityResourceModel](t, st)
	st = ok(c.read(st))
	got := get[identityResourceModel](t, st)
	if !got.Meta.Equal(m.Meta) || !got.Ratelimits.Equal(m.Ratelimits) {
		t.Fatalf("read %+v, created %+v: spellings must be kept", got, m)
	}

	// ModifyPlan keeps state for an equivalent spelling of the rate limits.
	respelled := m
	respelled.Ratelimits = ratelimitSet(t, ratelimitModel{Name: types.StringValue("requests"), Limit: types.Int64Value(10), Duration: types.StringValue("1m"), AutoApply: types.BoolValue(false)})
	planResp := resource.ModifyPlanResponse{Plan: tfsdk.Plan{Schema: c.sch.Schema, Raw: c.raw(respelled)}}
	c.r.(*identityResource).ModifyPlan(ctx, resource.ModifyPlanRequest{State: st, Plan: planResp.Plan}, &planResp)
	var planned identityResourceModel
	planResp.Plan.Get(ctx, &planned)
	if !planned.Ratelimits.Equal(m.Ratelimits) {
		t.Fatalf("respelled rate limits planned %v", planned.Ratelimits)
	}

	m.Meta = tfvalue.JSONNull()
	m.Ratelimits = types.SetNull(ratelimitType)
	st = ok(c.update(st, m))
	ident, err := client.GetIdentity(ctx, "org_unit")
	if err != nil || len(ident.Ratelimits) != 0 || (len(ident.Meta) > 0 && string(ident.Meta) != "{}") {
		t.Fatalf("server identity after clearing: %+v, %v", ident, err)
	}
	if got := get[identityResourceModel](t, st); !got.Meta.IsNull() || !got.Ratelimits.IsNull() {
		t.Fatalf("state after clearing %+v", got)
	}
	imported := ok(c.read(ok(c.importID("org_unit"))))
	if got := get[identityResourceModel](t, imported); got.ID != m.ID {
		t.Fatalf("imported by external id %+v", got)
	}
	noErr(t, c.delete(st))
	if _, err := client.GetIdentity(ctx, "org_unit"); !unkey.IsIdentityNotFound(err) {
		t.Fatalf("readable after delete: %v", err)
	}
	if gone := ok(c.read(st)); !gone.Raw.IsNull() {
		t.Fatal("a deleted identity stays in state")
	}
}

// Errors other than the object's own not-found leave nothing half-done and say what failed.
func TestSetupWritesFailOnServerErrors(t *testing.T) {
	client := cannedServer(t, serverError)
	for _, r := range []setupResource{&apiResource{}, &permissionResource{}, &roleResource{}, &identityResource{}} {
		c := newCRUD(t, r, client)
		st := stateWithID(t, r, "obj_1")
		if d := c.delete(st); !d.HasError() || !strings.Contains(d.Errors()[0].Detail(), "500") {
			t.Errorf("%T delete: %v", r, d)
		}
	}
	c := newCRUD(t, &identityResource{}, client)
	if _, d := c.create(identityResourceModel{ID: types.StringUnknown(), ExternalID: types.StringValue("x"), Meta: tfvalue.JSONNull(), Ratelimits: types.SetNull(ratelimitType)}); !d.HasError() {
		t.Error("identity create on a 500 succeeded")
	}
	if _, d := c.update(stateWithID(t, c.r, "id_1"), identityResourceModel{ID: types.StringValue("id_1"), ExternalID: types.StringValue("x"), Meta: tfvalue.JSONString(`{"a":1}`), Ratelimits: types.SetNull(ratelimitType)}); !d.HasError() {
		t.Error("identity update on a 500 succeeded")
	}
	rc := newCRUD(t, &roleResource{}, client)
	if _, d := rc.update(stateWithID(t, rc.r, "role_1"), roleModel{ID: types.StringValue("role_1"), Name: types.StringValue("r"), Description: types.StringNull(), Permissions: tfvalue.StringSet([]string{"a"})}); !d.HasError() {
		t.Error("role update on a 500 succeeded")
	}
	ac := newCRUD(t, &apiResource{}, cannedServer(t, answer{http.StatusBadRequest, `{"meta":{"requestId":"r"},"error":{"title":"Bad Request","detail":"bad","status":400,"type":"https://unkey.com/docs/errors/unkey/application/invalid_input"}}`}))
	if _, d := ac.create(apiModel{ID: types.StringUnknown(), Name: types.StringValue("abc"), DeleteWithKeys: types.BoolValue(false)}); !d.HasError() || !strings.Contains(d.Errors()[0].Detail(), "not repeated") {
		t.Errorf("api create on a 400: %v", d)
	}
}

// The data sources, read the way the framework reads them.
func TestSetupDataSources(t *testing.T) {
	ctx := context.Background()
	ok := okState(t)
	_, client := devServerClient(t)
	apiID, err := client.CreateAPI(ctx, "ds-api")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateRole(ctx, "ds-role", "", []string{"ds.read"}); err != nil {
		t.Fatal(err)
	}
	identID, err := client.CreateIdentity(ctx, "ds_ident", json.RawMessage(`{"a":1}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := backend.NewData(time.Now)
	d.Register(ServiceName, NewBackend(client, time.Now, 1))
	read := func(ds datasource.DataSource, config map[string]tftypes.Value) (tfsdk.State, diag.Diagnostics) {
		return readSetupDataSource(d, ds, config)
	}
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

	st := ok(read(NewAPIDataSource(), map[string]tftypes.Value{"id": str(apiID)}))
	if got := get[apiDataModel](t, st); got.Name.ValueString() != "ds-api" {
		t.Fatalf("api %+v", got)
	}
	if _, dg := read(NewAPIDataSource(), map[string]tftypes.Value{"id": str("api_missing")}); !dg.HasError() || dg.Errors()[0].Summary() != "API not found" {
		t.Fatalf("missing api: %v", dg)
	}
	st = ok(read(NewRolesDataSource(), map[string]tftypes.Value{"search": str("ds-role")}))
	if got := get[rolesDataModel](t, st); len(got.Roles) != 1 || !got.Roles[0].Permissions.Equal(tfvalue.StringSet([]string{"ds.read"})) {
		t.Fatalf("roles %+v", got)
	}
	st = ok(read(NewPermissionsDataSource(), nil))
	if got := get[permissionsDataModel](t, st); len(got.Permissions) != 1 || got.Permissions[0].Slug.ValueString() != "ds.read" {
		t.Fatalf("permissions %+v", got)
	}
	for _, cfg := range []map[string]tftypes.Value{{"id": str(identID)}, {"external_id": str("ds_ident")}} {
		st = ok(read(NewIdentityDataSource(), cfg))
		if got := get[identityResourceModel](t, st); got.ID.ValueString() != identID || got.Meta.ValueString() != `{"a":1}` || got.Ratelimits.IsNull() {
			t.Fatalf("identity %+v", got)
		}
	}
	if _, dg := read(NewIdentityDataSource(), map[string]tftypes.Value{"external_id": str("nobody")}); !dg.HasError() || dg.Errors()[0].Summary() != "Identity not found" {
		t.Fatalf("missing identity: %v", dg)
	}
	st = ok(read(NewIdentitiesDataSource(), nil))
	if got := get[identitiesDataModel](t, st); len(got.Identities) != 1 {
		t.Fatalf("identities %+v", got)
	}

	// Listing errors are errors, not empty lists.
	d.Register(ServiceName, NewBackend(cannedServer(t, serverError), time.Now, 1))
	for _, ds := range []datasource.DataSource{NewRolesDataSource(), NewPermissionsDataSource(), NewIdentitiesDataSource()} {
		if _, dg := read(ds, nil); !dg.HasError() {
			t.Errorf("%T on a 500: no error", ds)
		}
	}
}

var pathID = path.Root("id")

func devServerClient(t *testing.T) (*devserver.Server, *unkey.Client) {
	t.Helper()
	dev, _, client := devServer(t)
	return dev, client
}

// readSetupDataSource configures ds with the provider data d and reads it with config (unset
// attributes null).
func readSetupDataSource(d *backend.Data, ds datasource.DataSource, config map[string]tftypes.Value) (tfsdk.State, diag.Diagnostics) {
	ctx := context.Background()
	var cr datasource.ConfigureResponse
	ds.(datasource.DataSourceWithConfigure).Configure(ctx, datasource.ConfigureRequest{ProviderData: d}, &cr)
	var mr datasource.MetadataResponse
	ds.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "apikey"}, &mr)
	var sr datasource.SchemaResponse
	ds.Schema(ctx, datasource.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := config[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	cfg := tfsdk.Config{Schema: sr.Schema, Raw: tftypes.NewValue(typ, vals)}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: sr.Schema, Raw: cfg.Raw}}
	ds.Read(ctx, datasource.ReadRequest{Config: cfg}, &resp)
	return resp.State, resp.Diagnostics
}
