package tfvalue

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Duration accepts Go duration strings within [min, max] (max 0: no upper bound).
func Duration(minimum, maximum time.Duration) validator.String {
	return durationValidator{min: minimum, max: maximum}
}

type durationValidator struct {
	min, max time.Duration
}

func (v durationValidator) Description(context.Context) string {
	return fmt.Sprintf("a Go duration between %s and %s", v.min, v.max)
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%s: %q is not a Go duration such as \"90s\", \"15m\" or \"720h\".", req.Path, req.ConfigValue.ValueString()))
		return
	}
	if d < v.min || (v.max > 0 && d > v.max) {
		resp.Diagnostics.AddAttributeError(req.Path, "Duration out of range",
			fmt.Sprintf("%s: %s is outside the accepted range %s to %s.", req.Path, d, v.min, v.max))
	}
}

// NoNullElements rejects a null member of a set, which the backends cannot represent; without
// it the framework reports an internal conversion error instead of naming the attribute.
func NoNullElements() validator.Set { return noNullElements{} }

type noNullElements struct{}

func (noNullElements) Description(context.Context) string { return "members must not be null" }

func (v noNullElements) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (noNullElements) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, e := range req.ConfigValue.Elements() {
		if e.IsNull() {
			resp.Diagnostics.AddAttributeError(req.Path, "Null member", fmt.Sprintf("%s must not contain null.", req.Path))
			return
		}
	}
}

// UniqueNames rejects two nested objects with the same value in attribute name: the APIs keep
// only the last of them.
func UniqueNames(name string) validator.Set { return uniqueNames{attr: name} }

type uniqueNames struct{ attr string }

func (v uniqueNames) Description(context.Context) string {
	return fmt.Sprintf("values of %q must be unique", v.attr)
}

func (v uniqueNames) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v uniqueNames) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]bool{}
	for _, elem := range req.ConfigValue.Elements() {
		obj, ok := elem.(types.Object)
		if !ok {
			continue
		}
		name, ok := obj.Attributes()[v.attr].(types.String)
		if !ok || name.IsNull() || name.IsUnknown() {
			continue
		}
		if seen[name.ValueString()] {
			resp.Diagnostics.AddAttributeError(req.Path, "Duplicate name",
				fmt.Sprintf("%s has more than one entry with %s %q; they must be unique.", req.Path, v.attr, name.ValueString()))
		}
		seen[name.ValueString()] = true
	}
}

// NotBlank rejects "" and strings of only whitespace: an empty id must not reach a request.
func NotBlank() validator.String { return notBlank{} }

type notBlank struct{}

func (notBlank) Description(context.Context) string { return "must not be empty" }

func (v notBlank) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (notBlank) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, r := range req.ConfigValue.ValueString() {
		if r != ' ' && r != '\t' && r != '\n' && r != '\r' {
			return
		}
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Empty value", fmt.Sprintf("%s must not be empty.", req.Path))
}
