package tfvalue

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Applying a create as the framework does, without its walk. Around a resource's Create the
// framework decodes the request against the schema (walking every value to find collection
// blocks), compares every attribute of the new state with the plan for semantic equality (each
// lookup rebuilding the schema's attribute map), walks the new state again for write-only
// attributes and for collection blocks before encoding it. For a schema without blocks or
// write-only attributes, whose only attributes with semantic equality are top-level strings,
// those walks change nothing but the strings CreateResource compares here.

// CreateSupported reports whether CreateResource gives the framework's answer for a create of
// planned (a known object of s's type) under s. It does not when s has blocks or write-only
// attributes, or an attribute whose type has semantic equality is not a top-level string of a
// type that implements it and is known and not null in the plan: the framework would compare it,
// or the values nested in it, with rules this does not reproduce.
func CreateSupported(ctx context.Context, s schema.Schema, planned tftypes.Value) bool {
	if len(s.Blocks) > 0 {
		return false
	}
	var values map[string]tftypes.Value
	if planned.IsNull() || !planned.IsKnown() || planned.As(&values) != nil || len(values) != len(s.Attributes) {
		return false
	}
	for name, a := range s.Attributes {
		if hasWriteOnly(a) {
			return false
		}
		v, ok := values[name]
		if !ok {
			return false
		}
		t := a.GetType()
		if PlainType(t) || v.IsNull() || !v.IsKnown() {
			continue
		}
		if _, ok := t.ValueType(ctx).(basetypes.StringValuableWithSemanticEquals); !ok {
			return false
		}
	}
	return true
}

func hasWriteOnly(a schema.Attribute) bool {
	if a.IsWriteOnly() {
		return true
	}
	var nested map[string]schema.Attribute
	switch a := a.(type) {
	case schema.SingleNestedAttribute:
		nested = a.Attributes
	case schema.ListNestedAttribute:
		nested = a.NestedObject.Attributes
	case schema.SetNestedAttribute:
		nested = a.NestedObject.Attributes
	case schema.MapNestedAttribute:
		nested = a.NestedObject.Attributes
	}
	for _, na := range nested {
		if hasWriteOnly(na) {
			return true
		}
	}
	return false
}

// CreateResult is the framework's answer to a create: the new state and identity (nil when the
// answer has none) and the diagnostics.
type CreateResult struct {
	State, Identity *tftypes.Value
	Diagnostics     diag.Diagnostics
}

// CreateResource runs r's Create as terraform-plugin-framework's ApplyResourceChange (v1.19)
// runs it for a create, and returns its answer: r (a new instance, as the framework makes per
// request) configured with providerData; the plan, configuration and a null planned identity
// handed to Create; then the framework's checks of what Create left (a state and an identity
// after a create without errors) and its semantic equality between the plan and the new state.
// stateType and identityType are s's and ids's types. CreateSupported must have accepted s and
// planned, and r's Create must not write private data (none is carried: the framework answers
// none for a create whose Create writes none).
func CreateResource(ctx context.Context, r resource.Resource, s schema.Schema, ids identityschema.Schema, stateType, identityType tftypes.Type, providerData any, planned, config tftypes.Value) CreateResult {
	var out CreateResult
	if rc, ok := r.(resource.ResourceWithConfigure); ok {
		resp := resource.ConfigureResponse{}
		rc.Configure(ctx, resource.ConfigureRequest{ProviderData: providerData}, &resp)
		out.Diagnostics.Append(resp.Diagnostics...)
		if out.Diagnostics.HasError() {
			return out
		}
	}
	null := tftypes.NewValue(stateType, nil)
	nullIdentity := tftypes.NewValue(identityType, nil)
	req := resource.CreateRequest{
		Config:   tfsdk.Config{Schema: s, Raw: config},
		Plan:     tfsdk.Plan{Schema: s, Raw: planned},
		Identity: &tfsdk.ResourceIdentity{Schema: ids, Raw: nullIdentity.Copy()},
	}
	resp := resource.CreateResponse{
		State:    tfsdk.State{Schema: s, Raw: null},
		Identity: &tfsdk.ResourceIdentity{Schema: ids, Raw: nullIdentity.Copy()},
	}
	r.Create(ctx, req, &resp)

	out.Diagnostics = resp.Diagnostics
	state := resp.State.Raw
	out.State = &state
	if resp.Identity != nil {
		identity := resp.Identity.Raw
		out.Identity = &identity
	}
	if !out.Diagnostics.HasError() && state.Equal(null) {
		detail := "The Terraform Provider unexpectedly returned no resource state after having no errors in the resource creation. " +
			"This is always an issue in the Terraform Provider and should be reported to the provider developers.\n\n" +
			"The resource may have been successfully created, but Terraform is not tracking it. " +
			"Applying the configuration again with no other action may result in duplicate resource errors."
		if _, ok := r.(resource.ResourceWithImportState); ok {
			detail += " Import the resource if the resource was actually created and Terraform should be tracking it."
		}
		out.Diagnostics.AddError("Missing Resource State After Create", detail)
	}
	if out.Diagnostics.HasError() {
		return out
	}
	if out.Identity == nil || out.Identity.IsFullyNull() {
		out.Diagnostics.AddError("Missing Resource Identity After Create",
			"The Terraform Provider unexpectedly returned no resource identity data after having no errors in the resource create. "+
				"This is always an issue in the Terraform Provider and should be reported to the provider developers.")
		return out
	}
	settled, diags := semanticEquality(ctx, s, planned, state)
	out.Diagnostics.Append(diags...)
	if out.Diagnostics.HasError() {
		return out
	}
	out.State = &settled
	return out
}

// semanticEquality is the framework's semantic equality of a new state against the plan, for the
// schemas CreateSupported accepts: a top-level string whose type has semantic equality takes its
// planned value when both are known, not null, and semantically equal; nothing else changes.
func semanticEquality(ctx context.Context, s schema.Schema, planned, state tftypes.Value) (tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	var pv, nv map[string]tftypes.Value
	if planned.As(&pv) != nil || state.IsNull() || !state.IsKnown() || state.As(&nv) != nil {
		return state, nil
	}
	var changed map[string]tftypes.Value
	for name, a := range s.Attributes {
		t := a.GetType()
		if PlainType(t) {
			continue
		}
		p, n := pv[name], nv[name]
		if p.IsNull() || !p.IsKnown() || n.IsNull() || !n.IsKnown() {
			continue
		}
		pa, err1 := t.ValueFromTerraform(ctx, p)
		na, err2 := t.ValueFromTerraform(ctx, n)
		if err1 != nil || err2 != nil {
			diags.AddAttributeError(path.Root(name), "Semantic Equality Check Error", fmt.Sprintf("Decoding the planned or new value: %v %v", err1, err2))
			return state, diags
		}
		prior, ok1 := pa.(basetypes.StringValuableWithSemanticEquals)
		next, ok2 := na.(basetypes.StringValuableWithSemanticEquals)
		if !ok1 || !ok2 {
			continue
		}
		usePrior, d := next.StringSemanticEquals(ctx, prior)
		diags.Append(d...)
		if diags.HasError() {
			return state, diags
		}
		if usePrior && !na.Equal(pa) {
			if changed == nil {
				changed = make(map[string]tftypes.Value, len(nv))
				for k, v := range nv {
					changed[k] = v
				}
			}
			changed[name] = p
		}
	}
	if changed == nil {
		return state, diags
	}
	return tftypes.NewValue(state.Type(), changed), diags
}

// FrameworkDiagnostics converts diagnostics for the protocol exactly as the framework does,
// including its diagnostic for an attribute path it cannot convert (placed before the
// diagnostic, which then has no path).
func FrameworkDiagnostics(ctx context.Context, diags diag.Diagnostics) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		pd := &tfprotov6.Diagnostic{Detail: d.Detail(), Summary: d.Summary()}
		switch d.Severity() {
		case diag.SeverityError:
			pd.Severity = tfprotov6.DiagnosticSeverityError
		case diag.SeverityWarning:
			pd.Severity = tfprotov6.DiagnosticSeverityWarning
		default:
			pd.Severity = tfprotov6.DiagnosticSeverityInvalid
		}
		if dp, ok := d.(diag.DiagnosticWithPath); ok {
			p, err := protoPath(ctx, dp.Path())
			if err != nil {
				out = append(out, &tfprotov6.Diagnostic{
					Severity: tfprotov6.DiagnosticSeverityError,
					Summary:  "Unable to Convert Attribute Path",
					Detail: "An unexpected error occurred while trying to convert an attribute path. " +
						"This is either an error in terraform-plugin-framework or a custom attribute type used by the provider. " +
						"Please report the following to the provider developers.\n\n" +
						fmt.Sprintf("Attribute Path: %s\n", dp.Path().String()) +
						fmt.Sprintf("Original Error: %s", err),
				})
			}
			pd.Attribute = p
		}
		out = append(out, pd)
	}
	return out
}

func protoPath(ctx context.Context, p path.Path) (*tftypes.AttributePath, error) {
	var steps []tftypes.AttributePathStep
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case path.PathStepAttributeName:
			steps = append(steps, tftypes.AttributeName(string(s)))
		case path.PathStepElementKeyInt:
			steps = append(steps, tftypes.ElementKeyInt(int64(s)))
		case path.PathStepElementKeyString:
			steps = append(steps, tftypes.ElementKeyString(string(s)))
		case path.PathStepElementKeyValue:
			v, err := s.Value.ToTerraformValue(ctx)
			if err != nil {
				return nil, fmt.Errorf("unable to convert attr.Value (%s) to tftypes.Value: %w", s.Value.String(), err)
			}
			steps = append(steps, tftypes.ElementKeyValue(v))
		default:
			return nil, fmt.Errorf("unknown path.PathStep: %#v", step)
		}
	}
	return tftypes.NewAttributePathWithSteps(steps), nil
}
