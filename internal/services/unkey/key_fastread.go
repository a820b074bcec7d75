package unkey

import (
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var keyLayout = tfvalue.LayoutOnce(keySchemaOnce)

// keyAttrTypes are the key's attribute types, read once from the schema.
func keyAttrTypes() map[string]attr.Type { return keyLayout().AttrTypes }

// keyPlainAttrs are the attributes without semantic equality (see tfvalue.Layout).
func keyPlainAttrs() map[string]bool { return keyLayout().Plain }

// keyObjectType is the key's state type.
func keyObjectType() (tftypes.Object, error) { l := keyLayout(); return l.Object, l.Err }

// KeyRead answers the framework's Read of an apikey_unkey_key without it when that answer is
// exactly computable: prior and identity are the request's decoded state and identity, sent
// without private data. It reads the key through the same batched reader as the resource's Read
// and maps it onto the model with the resource's own code; next is the new state, changed
// whether it differs from prior. ok is false whenever Read could do anything else, and the
// caller asks the framework then:
//
//   - the unkey backend is not configured (Read reports it);
//   - the id is an unconfirmed create's placeholder (Read settles it);
//   - store_plaintext is null: the state comes from an import, which Read completes;
//   - previous_key is set: a retiring key Read may delete at its deadline;
//   - reading the key fails or finds it gone (Read reports it or removes the resource);
//   - the key was rerolled, or still carries the creation marker (Read follows or clears it);
//   - mapping the key onto the model gives a diagnostic, or changes an attribute whose type has
//     semantic equality (meta, expires_at, identity): the framework may keep the prior value
//     there, which this rule does not reproduce;
//   - the identity is not the one the state names (Read replaces it).
//
// Private data always goes to the framework: it holds the keys earlier reroll chains left.
func KeyRead(ctx context.Context, providerData any, prior, identity tftypes.Value) (next tftypes.Value, changed, ok bool) {
	svc, diags := lookup(providerData)
	if diags.HasError() || !svc.OK() {
		return next, false, false
	}
	var state keyModel
	if err := tfvalue.Decode(ctx, prior, keyAttrTypes(), &state); err != nil {
		return next, false, false
	}
	if state.ID.IsNull() || state.ID.IsUnknown() || isUnconfirmed(state.ID.ValueString()) ||
		state.StorePlaintext.IsNull() || !state.PreviousKey.IsNull() {
		return next, false, false
	}
	var had keyIdentityModel
	if err := tfvalue.Decode(ctx, identity, keyIdentityAttrTypes, &had); err != nil || !tfvalue.SameFields(&had, state.identity()) {
		return next, false, false
	}
	r := &keyResource{svc: svc}
	key, err := r.b().reader.get(ctx, state.APIID.ValueString(), state.ID.ValueString())
	if err != nil || key == nil || rerolledTo(key.Meta) != "" || markerOf(key.Meta) != "" {
		return next, false, false
	}
	after := state
	var applied diag.Diagnostics
	r.apply(ctx, &after, key, &applied)
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

var keyIdentityAttrTypes = map[string]attr.Type{"api_id": types.StringType, "id": types.StringType}

// keySchemaOnce is the key's schema, built once: validation outside the framework needs it per
// request.
var keySchemaOnce = sync.OnceValue(keySchema)

// ValidateKeyConfig validates an apikey_unkey_key configuration as the framework's
// ValidateResourceConfig does (see tfvalue.ValidateResourceConfig), with the resource configured
// from providerData as the framework would configure it. An error means the framework must do it.
func ValidateKeyConfig(ctx context.Context, providerData any, config tftypes.Value, writeOnlyAllowed bool) (diag.Diagnostics, error) {
	return tfvalue.ValidateResourceConfig(ctx, NewKeyResource(), keySchemaOnce(), providerData, config, writeOnlyAllowed)
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
