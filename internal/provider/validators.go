package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// metaValidator requires a JSON object with at most unkey.MetaMaxProperties top-level properties.
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
	if _, ok := obj[createMarkerKey]; ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Reserved meta property", fmt.Sprintf("%s must not contain %q: the provider uses it to recognise its own creates.", req.Path, createMarkerKey))
	}
}

// uniqueRatelimitNames rejects two rate limits with the same name: the API would keep only the last.
type uniqueRatelimitNames struct{}

var _ validator.Set = uniqueRatelimitNames{}

func (uniqueRatelimitNames) Description(context.Context) string {
	return "rate limit names must be unique"
}

func (v uniqueRatelimitNames) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (uniqueRatelimitNames) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]bool{}
	for _, elem := range req.ConfigValue.Elements() {
		obj, ok := elem.(types.Object)
		if !ok {
			continue
		}
		name, ok := obj.Attributes()["name"].(types.String)
		if !ok || name.IsNull() || name.IsUnknown() {
			continue
		}
		if seen[name.ValueString()] {
			resp.Diagnostics.AddAttributeError(req.Path, "Duplicate rate limit name",
				fmt.Sprintf("%s has more than one limit named %q; names must be unique.", req.Path, name.ValueString()))
		}
		seen[name.ValueString()] = true
	}
}
