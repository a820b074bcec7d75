package tfvalue

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// SetStrings returns the members of a set of strings, sorted; nil for a null or unknown set.
// A null member (possible in configuration, not in state) is reported instead of converted.
func SetStrings(ctx context.Context, set types.Set, diags *diag.Diagnostics) []string {
	if set.IsNull() || set.IsUnknown() {
		return nil
	}
	out := make([]string, 0, len(set.Elements()))
	for _, e := range set.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		out = append(out, s.ValueString())
	}
	slices.Sort(out)
	return out
}

// StringSet is values as a set of strings (empty, not null, for no values).
func StringSet(values []string) types.Set {
	elems := make([]attr.Value, 0, len(values))
	for _, v := range values {
		elems = append(elems, types.StringValue(v))
	}
	return types.SetValueMust(types.StringType, elems)
}

// SameOrNull reports values as a set, but as null when the server has none and the prior value
// was null, so an unset attribute stays unset.
func SameOrNull(prior types.Set, values []string) types.Set {
	if len(values) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.SetNull(types.StringType)
	}
	return StringSet(values)
}

// NonNil turns a nil slice into an empty one, for request fields where [] clears and absent keeps.
func NonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
