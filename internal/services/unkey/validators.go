package unkey

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// metaValidator requires a JSON object with at most userMetaMaxProperties top-level properties
// and without the provider's creation marker.
type metaValidator struct{}

var _ validator.String = metaValidator{}

func (metaValidator) Description(context.Context) string {
	return fmt.Sprintf("a JSON object with at most %d top-level properties", userMetaMaxProperties)
}

func (v metaValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (metaValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(req.ConfigValue.ValueString()), &obj); err != nil || obj == nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid meta",
			fmt.Sprintf("%s must be a JSON object such as jsonencode({ team = \"billing\" }); it could not be read as one.", req.Path))
		return
	}
	if len(obj) > userMetaMaxProperties {
		resp.Diagnostics.AddAttributeError(req.Path, "Too many meta properties",
			fmt.Sprintf("%s has %d top-level properties; at most %d are accepted (the API allows %d and the provider keeps one for its creation marker).", req.Path, len(obj), userMetaMaxProperties, unkey.MetaMaxProperties))
	}
	for _, reserved := range []struct{ key, use string }{
		{createMarkerKey, "to recognise its own creates"},
		{rerolledToKey, "to follow a key rerolled by the reroll action"},
	} {
		if _, ok := obj[reserved.key]; ok {
			resp.Diagnostics.AddAttributeError(req.Path, "Reserved meta property", fmt.Sprintf("%s must not contain %q: the provider uses it %s.", req.Path, reserved.key, reserved.use))
		}
	}
}

// validateCredits checks the refill rules of the spec that span attributes.
func validateCredits(c *creditsModel, r *refillModel, diags *diag.Diagnostics) {
	if c == nil || r == nil {
		return
	}
	p := path.Root("credits").AtName("refill").AtName("refill_day")
	interval := r.Interval.ValueString()
	switch {
	case r.Interval.IsUnknown() || r.RefillDay.IsUnknown():
	case interval == unkey.RefillMonthly && r.RefillDay.IsNull():
		diags.AddAttributeError(p, "Missing refill day", "credits.refill.refill_day is required when interval is \"monthly\".")
	case interval == unkey.RefillDaily && !r.RefillDay.IsNull():
		diags.AddAttributeError(p, "Refill day not allowed", "credits.refill.refill_day must not be set when interval is \"daily\".")
	}
}
