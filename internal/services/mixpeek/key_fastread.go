package mixpeek

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var keyLayout = tfvalue.LayoutOnce(keySchemaOnce)

// keyAttrTypes are the key's attribute types, read once from the schema.
func keyAttrTypes() map[string]attr.Type { return keyLayout().AttrTypes }

// keyPlainAttrs are the attributes without semantic equality (see tfvalue.Layout).
func keyPlainAttrs() map[string]bool { return keyLayout().Plain }

// keyObjectType is the key's state type.
func keyObjectType() (tftypes.Object, error) { l := keyLayout(); return l.Object, l.Err }

var keyIdentityAttrTypes = map[string]attr.Type{"user_email": types.StringType, "id": types.StringType}

// KeyRead answers the framework's Read of an apikey_mixpeek_key without it when that answer is
// exactly computable: prior and identity are the request's decoded state and identity, private
// the request's private data as the framework would decode it (Read only writes private data
// after an import, which this rule declines, so it passes through). It reads the key from the
// same shared listing as the resource's Read and maps it with the resource's own applyKey; next
// is the new state, changed whether it differs from prior. ok is false whenever Read could do
// anything else, and the caller asks the framework then:
//
//   - the mixpeek backend is not configured (Read reports it);
//   - store_plaintext is null: the state comes from an import, which Read completes (and
//     records the permissions Mixpeek chose in private data);
//   - reading the key fails, finds it gone or revoked (Read reports it, warns, or removes the
//     resource);
//   - the key still carries the creation marker (Read replaces it, with a PATCH, or warns);
//   - mapping the key onto the model gives a diagnostic, or changes an attribute whose type has
//     semantic equality (expires_at): the framework may keep the prior value there, which this
//     rule does not reproduce;
//   - the identity is not the one the state names (Read replaces it).
func KeyRead(ctx context.Context, providerData any, prior, identity tftypes.Value, _ map[string][]byte) (next tftypes.Value, changed, ok bool) {
	svc, diags := lookup(providerData)
	if diags.HasError() || !svc.OK() {
		return next, false, false
	}
	var state keyModel
	if err := tfvalue.Decode(ctx, prior, keyAttrTypes(), &state); err != nil {
		return next, false, false
	}
	if state.ID.IsNull() || state.ID.IsUnknown() || state.UserEmail.IsNull() || state.UserEmail.IsUnknown() || state.StorePlaintext.IsNull() {
		return next, false, false
	}
	var had keyIdentityModel
	if err := tfvalue.Decode(ctx, identity, keyIdentityAttrTypes, &had); err != nil || !tfvalue.SameFields(&had, state.identity()) {
		return next, false, false
	}
	r := &keyResource{svc: svc}
	key, _, err := r.b().Client.ReadKey(ctx, state.UserEmail.ValueString(), state.ID.ValueString(), listingTTL)
	if err != nil || key == nil || key.Status == mixpeek.StatusRevoked || isMarker(key.Description) {
		return next, false, false
	}
	after := state
	var applied diag.Diagnostics
	applyKey(ctx, &after, key, &applied)
	if len(applied) > 0 || !tfvalue.SameFields(&had, after.identity()) {
		return next, false, false
	}
	differ, ok := tfvalue.DifferingFields(&state, &after)
	if !ok {
		return next, false, false
	}
	if len(differ) == 0 {
		return prior, false, true
	}
	plain := keyPlainAttrs()
	for _, name := range differ {
		if !plain[name] {
			return next, false, false
		}
	}
	typ, err := keyObjectType()
	if err != nil {
		return next, false, false
	}
	next, err = tfvalue.Encode(ctx, typ, &after)
	if err != nil || !next.IsFullyKnown() {
		return next, false, false
	}
	return next, true, true
}

// getKeyModel reads a plan, state or configuration of the key into m without the framework's
// reflection when the codec can (see tfvalue.GetModel); get is that value's own Get.
func getKeyModel(ctx context.Context, raw tftypes.Value, get func(context.Context, any) diag.Diagnostics, m *keyModel) diag.Diagnostics {
	return tfvalue.GetModel(ctx, raw, keyAttrTypes(), get, m)
}

// setKeyModel writes m through set (a plan's or state's Set) without the framework's reflection
// when the codec can (see tfvalue.SetModel).
func setKeyModel(ctx context.Context, set func(context.Context, any) diag.Diagnostics, m *keyModel) diag.Diagnostics {
	typ, err := keyObjectType()
	if err != nil {
		return set(ctx, m)
	}
	return tfvalue.SetModel(ctx, typ, set, m)
}
