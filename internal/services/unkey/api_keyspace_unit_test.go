package unkey

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/keylife"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// A keyspace in one provider process: the setup resources and a key that uses them share one
// Backend, as they do under Terraform, so the role cache and the API's destroy check see what
// the other resources did.

func (r *keyResource) useService(svc service) { r.svc = svc }

// newCRUDShared is newCRUD for resources that must share svc.
func newCRUDShared(t *testing.T, r setupResource, svc service) *crud {
	t.Helper()
	r.useService(svc)
	s, is := schemasOf(t, r)
	return &crud{t: t, r: r, sch: s, ids: is}
}

func plannedKey(apiID, name, externalID string, roles, perms []string) keyModel {
	return keyModel{
		ID: types.StringUnknown(), APIID: types.StringValue(apiID), Name: types.StringValue(name),
		Prefix: types.StringNull(), ByteLength: types.Int64Value(16), Recoverable: types.BoolValue(false),
		ExternalID: types.StringValue(externalID), Identity: types.ObjectUnknown(identityAttrTypes),
		Meta: tfvalue.JSONNull(), Roles: tfvalue.StringSet(roles), Permissions: tfvalue.StringSet(perms),
		EffectivePermissions: types.SetUnknown(types.StringType), Credits: types.ObjectNull(creditsAttrTypes),
		RemainingCredits: types.Int64Unknown(), Ratelimits: types.SetNull(ratelimitType), Enabled: types.BoolValue(true),
		ExpiresAt: timetypes.NewRFC3339Null(), Start: types.StringUnknown(), Status: types.StringUnknown(),
		CreatedAt: types.StringUnknown(), UpdatedAt: types.StringUnknown(), LastUsedAt: types.StringUnknown(),
		PermanentDelete: types.BoolValue(false), RotationMode: types.StringValue(keylife.RotationReplace),
		PreviousKey: types.ObjectNull(previousKeyAttrTypes),
		Model: keylife.Model{
			Plaintext: types.StringUnknown(), StorePlaintext: types.BoolValue(true),
			PlaintextAgeRecipients: types.SetNull(types.StringType), EncryptedPlaintext: types.StringUnknown(),
			RotationTriggers: types.MapNull(types.StringType), ExpireAfter: types.StringNull(),
			RotateAfter: types.StringNull(), RevokeGracePeriod: types.StringNull(),
		},
	}
}

func TestKeyspaceInOneProcess(t *testing.T) {
	ctx := context.Background()
	ok := okState(t)
	_, client := devServerClient(t)
	svc := testService(t, client)
	apis := newCRUDShared(t, &apiResource{}, svc)
	roles := newCRUDShared(t, &roleResource{}, svc)
	idents := newCRUDShared(t, &identityResource{}, svc)
	keys := newCRUDShared(t, &keyResource{}, svc)

	apiState := ok(apis.create(apiModel{ID: types.StringUnknown(), Name: types.StringValue("unit-keyspace"), DeleteWithKeys: types.BoolValue(false)}))
	api := get[apiModel](t, apiState)
	roleState := ok(roles.create(roleModel{ID: types.StringUnknown(), Name: types.StringValue("ops"), Description: types.StringNull(), Permissions: tfvalue.StringSet([]string{"inv.read"})}))
	identState := ok(idents.create(identityResourceModel{ID: types.StringUnknown(), ExternalID: types.StringValue("org_unit"), Meta: tfvalue.JSONNull(), Ratelimits: types.SetNull(ratelimitType)}))
	ident := get[identityResourceModel](t, identState)

	keyState := ok(keys.create(plannedKey(api.ID.ValueString(), "unit-key", "org_unit", []string{"ops"}, []string{"direct.perm"})))
	key := get[keyModel](t, keyState)
	if !key.Permissions.Equal(tfvalue.StringSet([]string{"direct.perm"})) || !key.EffectivePermissions.Equal(tfvalue.StringSet([]string{"direct.perm", "inv.read"})) {
		t.Fatalf("permissions %v, effective %v", key.Permissions, key.EffectivePermissions)
	}
	var linked identityModel
	if d := key.Identity.As(ctx, &linked, objectAsOptions); d.HasError() || linked.ID != ident.ID {
		t.Fatalf("key identity %v, want %s (%v)", key.Identity, ident.ID, d)
	}

	// The role gains a permission, then the key is updated in the same process: the new
	// permission is the role's, not a direct one.
	role := get[roleModel](t, roleState)
	role.Permissions = tfvalue.StringSet([]string{"inv.read", "inv.write"})
	ok(roles.update(roleState, role))
	update := key
	update.Name = types.StringValue("unit-key-renamed")
	update.EffectivePermissions = types.SetUnknown(types.StringType)
	keyState = ok(keys.update(keyState, update))
	key = get[keyModel](t, keyState)
	if !key.Permissions.Equal(tfvalue.StringSet([]string{"direct.perm"})) || len(key.EffectivePermissions.Elements()) != 3 {
		t.Fatalf("after the role changed: permissions %v, effective %v", key.Permissions, key.EffectivePermissions)
	}
	keyState = ok(keys.read(keyState))
	if got := get[keyModel](t, keyState); got.Name.ValueString() != "unit-key-renamed" || !got.Permissions.Equal(key.Permissions) {
		t.Fatalf("read back %v, %v", got.Name, got.Permissions)
	}

	// The key as import and the key data sources see it.
	imported := ok(keys.read(ok(keys.importID(api.ID.ValueString() + "/" + key.ID.ValueString()))))
	if got := get[keyModel](t, imported); got.ID != key.ID || got.APIID != api.ID || !got.Permissions.Equal(key.Permissions) {
		t.Fatalf("imported %v in %v with permissions %v", got.ID, got.APIID, got.Permissions)
	}
	if _, d := keys.read(ok(keys.importID(otherAPI(t, client) + "/" + key.ID.ValueString()))); !d.HasError() {
		t.Fatal("a key imported under another API was accepted")
	}
	pd := backend.NewData(time.Now)
	pd.Register(ServiceName, svc.Value)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	one := ok(readSetupDataSource(pd, NewKeyDataSource(), map[string]tftypes.Value{"id": str(key.ID.ValueString())}))
	if got := get[keyDataModel](t, one); got.Name.ValueString() != "unit-key-renamed" || got.ExternalID.ValueString() != "org_unit" {
		t.Fatalf("data.apikey_unkey_key %v, %v", got.Name, got.ExternalID)
	}
	listed := ok(readSetupDataSource(pd, NewKeysDataSource(), map[string]tftypes.Value{"api_id": str(api.ID.ValueString()), "name_prefix": str("unit-")}))
	if got := get[keysDataModel](t, listed); len(got.Keys) != 1 || got.Keys[0].ID != key.ID {
		t.Fatalf("data.apikey_unkey_keys %+v", got.Keys)
	}

	// The API's destroy is refused until the key's destroy is planned in the same process.
	destroy := func() resource.ModifyPlanResponse {
		null := tfsdk.Plan{Schema: apis.sch.Schema, Raw: tftypes.NewValue(apis.sch.Schema.Type().TerraformType(ctx), nil)}
		resp := resource.ModifyPlanResponse{Plan: null}
		apis.r.(*apiResource).ModifyPlan(ctx, resource.ModifyPlanRequest{State: apiState, Plan: null}, &resp)
		return resp
	}
	if resp := destroy(); !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), key.ID.ValueString()) {
		t.Fatalf("destroy of an API holding a key: %v", resp.Diagnostics)
	}
	keyNull := tfsdk.Plan{Schema: keys.sch.Schema, Raw: tftypes.NewValue(keys.sch.Schema.Type().TerraformType(ctx), nil)}
	keyPlan := resource.ModifyPlanResponse{Plan: keyNull}
	keys.r.(*keyResource).ModifyPlan(ctx, resource.ModifyPlanRequest{State: keyState, Plan: keyNull}, &keyPlan)
	if keyPlan.Diagnostics.HasError() {
		t.Fatal(keyPlan.Diagnostics)
	}
	if resp := destroy(); resp.Diagnostics.HasError() {
		t.Fatalf("destroy of an API whose only key is destroyed too: %v", resp.Diagnostics)
	}

	// Destroy in dependency order.
	noErr(t, keys.delete(keyState))
	noErr(t, apis.delete(apiState))
	noErr(t, roles.delete(roleState))
	noErr(t, idents.delete(identState))
	for _, c := range []struct {
		c  *crud
		st tfsdk.State
	}{{keys, keyState}, {apis, apiState}, {roles, roleState}, {idents, identState}} {
		if gone := ok(c.c.read(c.st)); !gone.Raw.IsNull() {
			t.Errorf("%T still in state after delete", c.c.r)
		}
	}
}

// otherAPI creates another API and returns its id.
func otherAPI(t *testing.T, client *unkey.Client) string {
	t.Helper()
	id, err := client.CreateAPI(context.Background(), "another")
	if err != nil {
		t.Fatal(err)
	}
	return id
}
