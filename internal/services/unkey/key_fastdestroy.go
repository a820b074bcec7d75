package unkey

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// KeyPlanDestroy stands in for the framework's plan of an apikey_unkey_key's destroy: prior is
// the request's decoded prior state. The framework plans a null state there with no diagnostics
// (ModifyPlan's destroy branch adds none), and ModifyPlan records the destroy for the API's
// destroy check; when KeyPlanDestroy answers true it has made that record the same way. It is
// false, and records nothing, when the framework could answer otherwise or record nothing:
//
//   - the unkey backend is not configured, or the provider data is not what Configure hands
//     resources (the framework reports that from the resource's Configure);
//   - the prior state is null, unknown or not an object with an id.
func KeyPlanDestroy(providerData any, prior tftypes.Value) bool {
	svc, diags := lookup(providerData)
	if diags.HasError() || !svc.OK() {
		return false
	}
	var attrs map[string]tftypes.Value
	if prior.IsNull() || !prior.IsKnown() || prior.As(&attrs) != nil {
		return false
	}
	idValue, ok := attrs["id"]
	if !ok || !idValue.Type().Is(tftypes.String) {
		return false
	}
	// noteKeyDestroy skips a null or unknown id, and so does this.
	if idValue.IsKnown() && !idValue.IsNull() {
		var id string
		if idValue.As(&id) != nil {
			return false
		}
		recordKeyDestroy(svc.Value, id)
	}
	return true
}

// KeyDelete stands in for the framework's Delete of an apikey_unkey_key sent without private
// data: prior is the request's decoded prior state. It returns the resource's own delete of that
// state (keyResource.delete, which Delete runs too) for the caller to run once it has prepared
// its answer, with the diagnostics Delete would report; it is false, and nothing may run, when
// Delete would do anything else:
//
//   - the unkey backend is not configured (Delete reports it), or the provider data is not what
//     Configure hands resources;
//   - the prior state does not decode into the model without the framework (its Get would
//     report why).
//
// Private data always goes to the framework: it holds the ledger of keys earlier rerolls left,
// which Delete reads.
func KeyDelete(ctx context.Context, providerData any, prior tftypes.Value) (run func(context.Context) diag.Diagnostics, ok bool) {
	svc, diags := lookup(providerData)
	if diags.HasError() || !svc.OK() {
		return nil, false
	}
	var state keyModel
	if prior.IsNull() || !prior.IsFullyKnown() || tfvalue.Decode(ctx, prior, keyAttrTypes(), &state) != nil {
		return nil, false
	}
	r := &keyResource{svc: svc}
	return func(ctx context.Context) diag.Diagnostics {
		var diags diag.Diagnostics
		r.delete(ctx, &state, nil, &diags)
		return diags
	}, true
}
