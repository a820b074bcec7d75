package unkey

import (
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// keyIdentitySchema is the key's identity schema and its type, built once.
var keyIdentitySchema = sync.OnceValues(func() (identityschema.Schema, tftypes.Type) {
	var resp resource.IdentitySchemaResponse
	(&keyResource{}).IdentitySchema(context.Background(), resource.IdentitySchemaRequest{}, &resp)
	return resp.IdentitySchema, resp.IdentitySchema.Type().TerraformType(context.Background())
})

// KeyCreate applies the create of an apikey_unkey_key without the framework: planned and config
// are the decoded planned state and configuration of an ApplyResourceChange without prior
// state, planned identity or private data, and providerData what the provider's Configure
// handed to resources. The create runs the resource's own Create (a new instance, configured
// from providerData) through tfvalue.CreateResource, which adds what the framework adds around
// it. ok is false, and nothing has been sent to Unkey, whenever the framework could answer
// otherwise:
//
//   - the unkey backend is not configured (Create reports it);
//   - tfvalue.CreateSupported rejects the plan: an attribute with semantic equality other than
//     meta and expires_at is known in it (identity is unknown in every create plan).
//
// Once ok, the returned function must be called: its answer is the response, errors included.
func KeyCreate(ctx context.Context, providerData any, planned, config tftypes.Value) (create func(context.Context) tfvalue.CreateResult, ok bool) {
	svc, diags := lookup(providerData)
	if diags.HasError() || !svc.OK() {
		return nil, false
	}
	typ, err := keyObjectType()
	if err != nil || !tfvalue.CreateSupported(ctx, keySchemaOnce(), planned) {
		return nil, false
	}
	ids, idType := keyIdentitySchema()
	return func(ctx context.Context) tfvalue.CreateResult {
		return tfvalue.CreateResource(ctx, NewKeyResource(), keySchemaOnce(), ids, typ, idType, providerData, planned, config)
	}, true
}

// setKeyState writes m into st as st.Set does. Set takes a value of the state's own type as it
// is once it has compared the types, rebuilding the schema's type to do so; the codec's value is
// of the key's state type, so it is assigned after a comparison with the type st already holds.
// Anything else goes through setKeyModel.
func setKeyState(ctx context.Context, st *tfsdk.State, m *keyModel) diag.Diagnostics {
	if typ, err := keyObjectType(); err == nil && st.Raw.Type() != nil && st.Raw.Type().Equal(typ) {
		if v, err := tfvalue.Encode(ctx, typ, m); err == nil {
			st.Raw = v
			return nil
		}
	}
	return setKeyModel(ctx, st.Set, m)
}

// setKeyIdentity writes m into id as id.Set does, without its reflection when the codec can (the
// same comparison of types as setKeyState).
func setKeyIdentity(ctx context.Context, id *tfsdk.ResourceIdentity, m *keyIdentityModel) diag.Diagnostics {
	if id == nil {
		return id.Set(ctx, m) // the framework's own report of a missing identity
	}
	_, idType := keyIdentitySchema()
	if typ, ok := idType.(tftypes.Object); ok && id.Raw.Type() != nil && id.Raw.Type().Equal(typ) {
		if v, err := tfvalue.Encode(ctx, typ, m); err == nil {
			id.Raw = v
			return nil
		}
	}
	return id.Set(ctx, m)
}
