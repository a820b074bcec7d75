package tfvalue

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// After an import, inputs the API cannot return are null in state. Taking them from the
// configuration must not replace the object that was just imported, so replacement is required
// only when the prior value was known.
const unlessImportedDescription = "Changing this value replaces the object (except to fill in a value that import could not read)."

// RequiresReplaceUnlessImportedString replaces on change unless the prior value is null.
func RequiresReplaceUnlessImportedString() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !req.StateValue.IsNull()
	}, unlessImportedDescription, unlessImportedDescription)
}

// RequiresReplaceUnlessImportedInt64 replaces on change unless the prior value is null.
func RequiresReplaceUnlessImportedInt64() planmodifier.Int64 {
	return int64planmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.Int64Request, resp *int64planmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !req.StateValue.IsNull()
	}, unlessImportedDescription, unlessImportedDescription)
}

// RequiresReplaceUnlessImportedBool replaces on change unless the prior value is null.
func RequiresReplaceUnlessImportedBool() planmodifier.Bool {
	return boolplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.BoolRequest, resp *boolplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !req.StateValue.IsNull()
	}, unlessImportedDescription, unlessImportedDescription)
}

// DefaultUnlessImported plans def for an unset attribute on create and keeps the prior value
// afterwards, including the null an import leaves for a value the API cannot return, so an
// import followed by a plan is a no-op.
type DefaultUnlessImported[T int64 | bool] struct {
	Default T
}

func (m DefaultUnlessImported[T]) Description(context.Context) string {
	return fmt.Sprintf("Defaults to %v when the object is created.", m.Default)
}

func (m DefaultUnlessImported[T]) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m DefaultUnlessImported[T]) PlanModifyInt64(_ context.Context, req planmodifier.Int64Request, resp *planmodifier.Int64Response) {
	if !req.ConfigValue.IsNull() {
		return
	}
	if req.State.Raw.IsNull() {
		resp.PlanValue = types.Int64Value(any(m.Default).(int64))
		return
	}
	resp.PlanValue = req.StateValue
}

func (m DefaultUnlessImported[T]) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	if req.State.Raw.IsNull() {
		resp.PlanValue = types.BoolValue(any(m.Default).(bool))
		return
	}
	resp.PlanValue = req.StateValue
}

// keepEquivalent plans the prior value when the configuration says the same thing in another
// spelling (JSON formatting and key order, a time in another offset), so rewriting a value
// without changing its meaning plans nothing.
type keepEquivalent struct {
	equivalent func(a, b string) bool
	what       string
}

func (m keepEquivalent) Description(context.Context) string {
	return "A value equivalent to the current one (" + m.what + ") plans no change."
}

func (m keepEquivalent) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (m keepEquivalent) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.StateValue.IsNull() || req.StateValue.IsUnknown() {
		return
	}
	if m.equivalent(req.ConfigValue.ValueString(), req.StateValue.ValueString()) {
		resp.PlanValue = req.StateValue
	}
}

var (
	// KeepEquivalentJSON keeps the prior JSON when the configuration has the same meaning.
	KeepEquivalentJSON planmodifier.String = keepEquivalent{equivalent: SameJSON, what: "same JSON"}
	// KeepEquivalentTime keeps the prior time when the configuration names the same instant.
	KeepEquivalentTime planmodifier.String = keepEquivalent{equivalent: SameInstant, what: "same instant"}
)

// NullUnknowns replaces the unknown values left in a partial state; state cannot hold unknowns.
func NullUnknowns(v tftypes.Value) tftypes.Value {
	out, err := tftypes.Transform(v, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	if err != nil {
		return v
	}
	return out
}
