package unkey

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// TestRatelimitItemsMatchesElementsAs: where ratelimitItems reads a set itself it gives what the
// framework's ElementsAs gives, and it leaves every other set to ElementsAs.
func TestRatelimitItemsMatchesElementsAs(t *testing.T) {
	ctx := context.Background()
	obj := func(name attr.Value, limit attr.Value, duration attr.Value, autoApply attr.Value) attr.Value {
		return types.ObjectValueMust(ratelimitAttrTypes, map[string]attr.Value{"name": name, "limit": limit, "duration": duration, "auto_apply": autoApply})
	}
	set := func(elems ...attr.Value) types.Set { return types.SetValueMust(ratelimitType, elems) }
	tests := []struct {
		name string
		set  types.Set
		own  bool // ratelimitItems reads it itself
	}{
		{name: "empty", set: set(), own: true},
		{name: "one", set: set(obj(types.StringValue("r"), types.Int64Value(10), types.StringValue("1m"), types.BoolValue(true))), own: true},
		{name: "two, auto_apply null", set: set(
			obj(types.StringValue("a"), types.Int64Value(1), types.StringValue("1s"), types.BoolNull()),
			obj(types.StringValue("b"), types.Int64Value(2), types.StringValue("60s"), types.BoolValue(false))), own: true},
		{name: "unknown members", set: set(obj(types.StringUnknown(), types.Int64Unknown(), types.StringValue("1m"), types.BoolUnknown())), own: true},
		{name: "unknown element", set: set(types.ObjectUnknown(ratelimitAttrTypes))},
		{name: "null element", set: set(types.ObjectNull(ratelimitAttrTypes))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ratelimitItems(tt.set)
			if ok != tt.own {
				t.Fatalf("ratelimitItems ok = %v, want %v", ok, tt.own)
			}
			if !ok {
				return
			}
			var want []ratelimitModel
			if d := tt.set.ElementsAs(ctx, &want, false); d.HasError() {
				t.Fatalf("ElementsAs: %v", d)
			}
			if len(got) != len(want) {
				t.Fatalf("%d items, ElementsAs %d", len(got), len(want))
			}
			for i := range got {
				if !tfvalue.SameFields(&got[i], &want[i]) {
					t.Errorf("item %d: %+v, ElementsAs %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestSetKeyStateMatchesSet: setKeyState and setKeyIdentity leave what the framework's Set
// leaves.
func TestSetKeyStateMatchesSet(t *testing.T) {
	ctx := context.Background()
	typ, err := keyObjectType()
	if err != nil {
		t.Fatal(err)
	}
	ids, idType := keyIdentitySchema()
	m := withNulls(keyModel{ID: types.StringValue("key_1"), APIID: types.StringValue("api_1"), Name: types.StringValue("svc"),
		Meta: tfvalue.JSONString(`{"a":1}`), Permissions: tfvalue.StringSet([]string{"b", "a"})})
	for name, m := range map[string]keyModel{"mostly null": nullKeyModel(), "set": m} {
		t.Run(name, func(t *testing.T) {
			want := tfsdk.State{Schema: keySchemaOnce(), Raw: tftypes.NewValue(typ, nil)}
			if d := want.Set(ctx, &m); d.HasError() {
				t.Fatal(d)
			}
			got := tfsdk.State{Schema: keySchemaOnce(), Raw: tftypes.NewValue(typ, nil)}
			if d := setKeyState(ctx, &got, &m); d.HasError() {
				t.Fatal(d)
			}
			if !got.Raw.Equal(want.Raw) {
				t.Errorf("state %v, framework %v", got.Raw, want.Raw)
			}
			wantID := &tfsdk.ResourceIdentity{Schema: ids, Raw: tftypes.NewValue(idType, nil)}
			if d := wantID.Set(ctx, m.identity()); d.HasError() {
				t.Fatal(d)
			}
			gotID := &tfsdk.ResourceIdentity{Schema: ids, Raw: tftypes.NewValue(idType, nil)}
			if d := setKeyIdentity(ctx, gotID, m.identity()); d.HasError() {
				t.Fatal(d)
			}
			if !gotID.Raw.Equal(wantID.Raw) {
				t.Errorf("identity %v, framework %v", gotID.Raw, wantID.Raw)
			}
		})
	}
}
