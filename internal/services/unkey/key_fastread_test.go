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

// The read shortcut decodes and encodes states with tfvalue's codec instead of the framework's
// reflection: both must give the same model and the same value.
func TestKeyCodecMatchesFramework(t *testing.T) {
	ctx := context.Background()
	typ, err := keyObjectType()
	if err != nil {
		t.Fatal(err)
	}
	sch := keySchema()
	full := keyModel{
		ID: types.StringValue("key_1"), APIID: types.StringValue("api_1"), Name: types.StringValue("svc"),
		ByteLength: types.Int64Value(16), Recoverable: types.BoolValue(false), Enabled: types.BoolValue(true),
		Meta:        tfvalue.JSONString(`{"a":1}`),
		Permissions: tfvalue.StringSet([]string{"b", "a"}), Status: types.StringValue("active"),
	}
	full.StorePlaintext = types.BoolValue(true)
	full.Plaintext = types.StringValue("not-a-real-secret")
	for name, m := range map[string]keyModel{"mostly null": nullKeyModel(), "set": withNulls(full)} {
		t.Run(name, func(t *testing.T) {
			st := tfsdk.State{Schema: sch, Raw: tftypes.NewValue(typ, nil)}
			if d := st.Set(ctx, &m); d.HasError() {
				t.Fatalf("framework Set: %v", d)
			}
			encoded, err := tfvalue.Encode(ctx, typ, &m)
			if err != nil {
				t.Fatal(err)
			}
			if !encoded.Equal(st.Raw) {
				t.Fatalf("Encode differs from the framework's Set:\n%v\n%v", encoded, st.Raw)
			}
			var viaFramework, viaCodec keyModel
			if d := st.Get(ctx, &viaFramework); d.HasError() {
				t.Fatalf("framework Get: %v", d)
			}
			if err := tfvalue.Decode(ctx, st.Raw, keyAttrTypes(), &viaCodec); err != nil {
				t.Fatal(err)
			}
			if diff, ok := tfvalue.DifferingFields(&viaFramework, &viaCodec); !ok || len(diff) > 0 {
				t.Fatalf("Decode differs from the framework's Get in %v (ok %v)", diff, ok)
			}
			if !tfvalue.SameFields(&viaCodec, &m) {
				t.Fatal("Decode does not give back the encoded model")
			}
		})
	}
}

// nullKeyModel is a model whose every attribute is null, typed as the schema says.
func nullKeyModel() keyModel {
	var m keyModel
	if err := tfvalue.Decode(context.Background(), tftypes.NewValue(mustKeyType(), nullAttrs()), keyAttrTypes(), &m); err != nil {
		panic(err)
	}
	return m
}

// withNulls is m with the attributes it leaves zero set to typed nulls.
func withNulls(m keyModel) keyModel {
	ctx := context.Background()
	fields := nullAttrs()
	for name, v := range map[string]attr.Value{
		"id": m.ID, "api_id": m.APIID, "name": m.Name, "byte_length": m.ByteLength, "recoverable": m.Recoverable,
		"enabled": m.Enabled, "meta": m.Meta, "permissions": m.Permissions, "status": m.Status,
		"store_plaintext": m.StorePlaintext, "plaintext": m.Plaintext,
	} {
		tv, err := v.ToTerraformValue(ctx)
		if err != nil {
			panic(err)
		}
		fields[name] = tv
	}
	var out keyModel
	if err := tfvalue.Decode(ctx, tftypes.NewValue(mustKeyType(), fields), keyAttrTypes(), &out); err != nil {
		panic(err)
	}
	return out
}

func mustKeyType() tftypes.Object {
	t, err := keyObjectType()
	if err != nil {
		panic(err)
	}
	return t
}

func nullAttrs() map[string]tftypes.Value {
	out := map[string]tftypes.Value{}
	for name, at := range mustKeyType().AttributeTypes {
		out[name] = tftypes.NewValue(at, nil)
	}
	return out
}
