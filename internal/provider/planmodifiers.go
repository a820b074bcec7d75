package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// After an import, inputs the API cannot return are null in state. Taking them from the
// configuration must not replace the key that was just imported, so replacement is required only
// when the prior value was known.
const unlessImportedDescription = "Changing this value replaces the key (except to fill in a value that import could not read)."

func requiresReplaceUnlessImportedString() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !req.StateValue.IsNull()
	}, unlessImportedDescription, unlessImportedDescription)
}

func requiresReplaceUnlessImportedInt64() planmodifier.Int64 {
	return int64planmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.Int64Request, resp *int64planmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !req.StateValue.IsNull()
	}, unlessImportedDescription, unlessImportedDescription)
}

func requiresReplaceUnlessImportedBool() planmodifier.Bool {
	return boolplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.BoolRequest, resp *boolplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !req.StateValue.IsNull()
	}, unlessImportedDescription, unlessImportedDescription)
}

// defaultUnlessImported plans the default for an unset attribute on create and keeps the prior
// value afterwards, including the null an import leaves for a value the API cannot return, so
// an import followed by a plan is a no-op.
type defaultUnlessImported[T any] struct {
	def T
}

func (m defaultUnlessImported[T]) Description(context.Context) string {
	return fmt.Sprintf("Defaults to %v when the key is created.", m.def)
}

func (m defaultUnlessImported[T]) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m defaultUnlessImported[T]) PlanModifyInt64(_ context.Context, req planmodifier.Int64Request, resp *planmodifier.Int64Response) {
	if !req.ConfigValue.IsNull() {
		return
	}
	if req.State.Raw.IsNull() {
		resp.PlanValue = types.Int64Value(any(m.def).(int64))
		return
	}
	resp.PlanValue = req.StateValue
}

func (m defaultUnlessImported[T]) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	if req.State.Raw.IsNull() {
		resp.PlanValue = types.BoolValue(any(m.def).(bool))
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

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func sameInstant(a, b string) bool {
	x, err1 := time.Parse(time.RFC3339Nano, a)
	y, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && x.Equal(y)
}

var (
	keepEquivalentJSON = keepEquivalent{equivalent: sameJSON, what: "same JSON"}
	keepEquivalentTime = keepEquivalent{equivalent: sameInstant, what: "same instant"}
)
