package mixpeek

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// TestKeyCodecMatchesFramework: the cached-layout codec the resource and its shortcuts use reads
// and writes the model exactly as the framework's reflection does, with values null, set and
// unknown (a plan).
func TestKeyCodecMatchesFramework(t *testing.T) {
	ctx := context.Background()
	typ, err := keyObjectType()
	if err != nil {
		t.Fatal(err)
	}
	sch := keySchema()
	null := func() keyModel {
		var m keyModel
		attrs := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			attrs[name] = tftypes.NewValue(at, nil)
		}
		if err := tfvalue.Decode(ctx, tftypes.NewValue(typ, attrs), keyAttrTypes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	full := null()
	full.ID, full.UserEmail, full.Name = types.StringValue("key_1"), types.StringValue("ops@example.com"), types.StringValue("svc")
	full.Description = types.StringValue("d")
	full.Permissions = tfvalue.StringSet([]string{"write", "read"})
	full.Scopes = scopesFromAPI(ctx, types.SetNull(scopeType), nil, nil)
	full.RateLimitOverride = types.Int64Value(60)
	full.ExpiresAt = timetypes.NewRFC3339ValueMust("2099-01-01T01:00:00+01:00")
	full.Status = types.StringValue("active")
	full.AllowedOrigins = types.ListValueMust(types.StringType, nil)
	full.StorePlaintext = types.BoolValue(true)
	full.Plaintext = types.StringValue("not-a-real-secret")
	full.RotationTriggers = types.MapValueMust(types.StringType, map[string]attr.Value{"r": types.StringValue("1")})
	withScopes := full
	withScopes.Scopes = types.SetValueMust(scopeType, []attr.Value{types.ObjectValueMust(scopeAttrTypes, map[string]attr.Value{
		"resource_type": types.StringValue("namespace"), "resource_id": types.StringValue("ns_1"), "operations": tfvalue.StringSet([]string{"read_data"}),
	})})
	planned := full
	planned.ID, planned.Permissions, planned.ExpiresAt = types.StringUnknown(), types.SetUnknown(types.StringType), timetypes.NewRFC3339Unknown()
	for name, m := range map[string]keyModel{"mostly null": null(), "set": full, "scopes": withScopes, "unknowns": planned} {
		t.Run(name, func(t *testing.T) {
			st := tfsdk.Plan{Schema: sch, Raw: tftypes.NewValue(typ, nil)}
			if d := st.Set(ctx, &m); d.HasError() {
				t.Fatalf("framework Set: %v", d)
			}
			encoded, err := tfvalue.Encode(ctx, typ, &m)
			if err != nil {
				t.Fatal(err)
			}
			if !encoded.Equal(st.Raw) {
				t.Fatal("Encode differs from the framework's Set")
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
			// Through the helpers the resource calls.
			var viaHelper keyModel
			if d := getKeyModel(ctx, st.Raw, st.Get, &viaHelper); d.HasError() || !tfvalue.SameFields(&viaHelper, &m) {
				t.Fatalf("getKeyModel: %v", d)
			}
			out := tfsdk.Plan{Schema: sch, Raw: tftypes.NewValue(typ, nil)}
			if d := setKeyModel(ctx, out.Set, &m); d.HasError() || !out.Raw.Equal(st.Raw) {
				t.Fatalf("setKeyModel: %v", d)
			}
		})
	}
}
