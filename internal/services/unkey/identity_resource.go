package unkey

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// identityMetaMaxBytes is Unkey's bound on an identity's serialized meta.
const identityMetaMaxBytes = 1 << 20

var (
	_ resource.ResourceWithConfigure   = (*identityResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*identityResource)(nil)
	_ resource.ResourceWithImportState = (*identityResource)(nil)
	_ resource.ResourceWithIdentity    = (*identityResource)(nil)
)

// NewIdentityResource is the apikey_unkey_identity resource.
func NewIdentityResource() resource.Resource { return &identityResource{} }

type identityResource struct{ svc service }

// identityResourceModel is apikey_unkey_identity (identityModel is the object embedded in keys).
type identityResourceModel struct {
	ID         types.String      `tfsdk:"id"`
	ExternalID types.String      `tfsdk:"external_id"`
	Meta       tfvalue.JSONValue `tfsdk:"meta"`
	Ratelimits types.Set         `tfsdk:"ratelimits"`
}

func (r *identityResource) b() *Backend { return r.svc.Value }

func (r *identityResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_identity"
}

func (r *identityResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("Identity id (`id_...`).")
}

func externalIDValidators() []validator.String {
	return []validator.String{
		stringvalidator.UTF8LengthBetween(unkey.ExternalIDMinLength, unkey.ExternalIDMaxLength),
		stringvalidator.RegexMatches(unkey.ExternalIDPattern, "must contain only letters, digits and _ . -"),
	}
}

func (r *identityResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Unkey identity (`identities.createIdentity`): the user or organisation that owns keys, with metadata and rate limits shared by all its keys. Keys link to it through their `external_id`. Metadata and rate limits update in place (`identities.updateIdentity`); the external id cannot change, so a new one replaces the identity.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identity id assigned by Unkey (`identityId`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"external_id": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Your id for the owner (`externalId`, %d to %d characters of letters, digits, `_`, `.` and `-`, unique in the workspace), for example `org_acme`. Use `apikey_unkey_identity.x.external_id` as a key's `external_id` so Terraform creates the identity first. Forces replacement.", unkey.ExternalIDMinLength, unkey.ExternalIDMaxLength),
				Required:            true,
				Validators:          externalIDValidators(),
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"meta": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Metadata returned with every verification of the identity's keys (`meta`): a JSON object with at most %d top-level properties (at most 1 MiB), usually written with `jsonencode`. Compared as JSON, so formatting and key order never cause a diff. Updates in place, replacing the whole object; removing it clears the metadata.", unkey.MetaMaxProperties),
				CustomType:          tfvalue.JSONType{},
				Optional:            true,
				Validators:          []validator.String{identityMetaValidator{}},
				PlanModifiers:       []planmodifier.String{tfvalue.KeepEquivalentJSON},
			},
			"ratelimits": schema.SetNestedAttribute{
				MarkdownDescription: fmt.Sprintf("Rate limits shared by all keys of the identity (`ratelimits`, at most %d, names unique): a verification of any of its keys counts against them. Updates in place; removing it deletes them all.", unkey.RatelimitsMaxItems),
				Optional:            true,
				Validators:          []validator.Set{setvalidator.SizeAtMost(unkey.RatelimitsMaxItems), tfvalue.UniqueNames("name")},
				NestedObject:        ratelimitObject(),
			},
		},
	}
}

func (r *identityResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	var diags diag.Diagnostics
	r.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

// ModifyPlan keeps rate limits that say the same as state in another spelling ("60s" for "1m").
func (r *identityResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, state identityResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Ratelimits.Equal(state.Ratelimits) && sameRatelimits(ctx, plan.Ratelimits, state.Ratelimits) {
		plan.Ratelimits = state.Ratelimits
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
}

func (r *identityResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_identity") {
		return
	}
	var plan identityResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var meta json.RawMessage
	if !plan.Meta.IsNull() {
		meta = json.RawMessage(plan.Meta.ValueString())
	}
	limits := ratelimitsToAPI(ctx, plan.Ratelimits, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	externalID := plan.ExternalID.ValueString()
	id, err := r.b().Client.CreateIdentity(ctx, externalID, meta, limits)
	if err != nil {
		resp.Diagnostics.AddError("Error creating identity", fmt.Sprintf("Could not create identity %q: %s%s", externalID, r.b().explain(err), conflictHint(err, "apikey_unkey_identity", externalID)))
		return
	}
	plan.ID = types.StringValue(id)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

func (r *identityResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_identity") {
		return
	}
	var state identityResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ident, err := r.b().Client.GetIdentity(ctx, state.ID.ValueString())
	if unkey.IsIdentityNotFound(err) {
		goneWarning(&resp.Diagnostics, "Identity", state.ID.ValueString())
		setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading identity", fmt.Sprintf("Could not read identity %s: %s. State is left unchanged.", state.ID.ValueString(), r.b().explain(err)))
		return
	}
	applyIdentity(ctx, &state, ident, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
}

// applyIdentity copies the server's identity into the model, keeping the model's spelling of
// meta and durations where they mean the same.
func applyIdentity(ctx context.Context, m *identityResourceModel, ident *unkey.Identity, diags *diag.Diagnostics) {
	m.ID = types.StringValue(ident.ID)
	m.ExternalID = types.StringValue(ident.ExternalID)
	m.Meta = metaFromAPI(m.Meta, ident.Meta)
	m.Ratelimits = ratelimitsFromAPI(ctx, m.Ratelimits, ident.Ratelimits, diags)
}

// metaFromAPI is the server's meta in the prior spelling when equivalent. Unkey omits an empty
// object, so a configured "{}" stays "{}" and an unset meta stays null.
func metaFromAPI(prior tfvalue.JSONValue, raw json.RawMessage) tfvalue.JSONValue {
	empty := len(raw) == 0 || tfvalue.IsEmptyJSONObject(tfvalue.JSONString(string(raw))) || string(raw) == "null"
	switch {
	case empty && tfvalue.IsEmptyJSONObject(prior):
		return prior
	case empty:
		return tfvalue.JSONNull()
	case !prior.IsNull() && !prior.IsUnknown() && tfvalue.SameJSON(prior.ValueString(), string(raw)):
		return prior
	default:
		return tfvalue.JSONString(string(raw))
	}
}

// identityUpdate is the updateIdentity request turning state into plan; changed is false when
// nothing differs.
func identityUpdate(ctx context.Context, plan, state *identityResourceModel, diags *diag.Diagnostics) (req unkey.UpdateIdentityRequest, changed bool) {
	req.Identity = state.ID.ValueString()
	if !plan.Meta.Equal(state.Meta) {
		if plan.Meta.IsNull() {
			req.Meta = json.RawMessage(`{}`)
		} else {
			req.Meta = json.RawMessage(plan.Meta.ValueString())
		}
		changed = true
	}
	if !plan.Ratelimits.Equal(state.Ratelimits) {
		rl := tfvalue.NonNil(ratelimitsToAPI(ctx, plan.Ratelimits, diags))
		req.Ratelimits = &rl
		changed = true
	}
	return req, changed
}

func (r *identityResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_identity") {
		return
	}
	var plan, state identityResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	update, changed := identityUpdate(ctx, &plan, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if changed {
		got, err := r.b().Client.UpdateIdentity(ctx, update)
		if err != nil {
			resp.Diagnostics.AddError("Error updating identity", fmt.Sprintf("Could not update identity %s: %s", update.Identity, r.b().explain(err)))
			return
		}
		applyIdentity(ctx, &plan, got, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

func (r *identityResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_identity") {
		return
	}
	var state identityResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.b().Client.DeleteIdentity(ctx, state.ID.ValueString())
	if err != nil && !unkey.IsIdentityNotFound(err) {
		resp.Diagnostics.AddError("Error deleting identity", fmt.Sprintf("Could not delete identity %s: %s", state.ID.ValueString(), r.b().explain(err)))
	}
}

// ImportState accepts an identity id or external id.
func (r *identityResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByRef(ctx, req, resp, "an identity id, or its external id")
}

// identityMetaValidator requires a JSON object within Unkey's bounds for identity metadata.
type identityMetaValidator struct{}

var _ validator.String = identityMetaValidator{}

func (identityMetaValidator) Description(context.Context) string {
	return fmt.Sprintf("a JSON object with at most %d top-level properties and at most 1 MiB", unkey.MetaMaxProperties)
}

func (v identityMetaValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (identityMetaValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid meta",
			fmt.Sprintf("%s must be a JSON object such as jsonencode({ plan = \"pro\" }); it could not be read as one.", req.Path))
		return
	}
	if len(obj) > unkey.MetaMaxProperties {
		resp.Diagnostics.AddAttributeError(req.Path, "Too many meta properties",
			fmt.Sprintf("%s has %d top-level properties; Unkey accepts at most %d.", req.Path, len(obj), unkey.MetaMaxProperties))
	}
	if len(s) > identityMetaMaxBytes {
		resp.Diagnostics.AddAttributeError(req.Path, "Meta too large",
			fmt.Sprintf("%s is %d bytes; Unkey accepts at most %d.", req.Path, len(s), identityMetaMaxBytes))
	}
}
