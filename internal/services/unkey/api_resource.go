package unkey

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

var (
	_ resource.ResourceWithConfigure   = (*apiResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*apiResource)(nil)
	_ resource.ResourceWithImportState = (*apiResource)(nil)
	_ resource.ResourceWithIdentity    = (*apiResource)(nil)
)

// NewAPIResource is the apikey_unkey_api resource.
func NewAPIResource() resource.Resource { return &apiResource{} }

type apiResource struct{ svc service }

type apiModel struct {
	ID             types.String `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	DeleteWithKeys types.Bool   `tfsdk:"delete_with_keys"`
}

func (r *apiResource) b() *Backend { return r.svc.Value }

func (r *apiResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_api"
}

func (r *apiResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("API id (`api_...`).")
}

func (r *apiResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = apiSchema()
}

func apiSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "An Unkey API: the namespace (keyspace) that keys are created in (`apis.createApi`). Unkey cannot rename an API, so a new `name` replaces it. Destroying an API that still holds keys is refused unless `delete_with_keys = true`, because deleting an API makes every key in it unusable.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "API id assigned by Unkey (`apiId`, `api_...`). Use it as the `api_id` of `apikey_unkey_key` resources.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Name of the API in your workspace (`name`, %d to %d characters), for example `payments-production`. Names need not be unique. Unkey has no rename operation: changing it replaces the API, and with it the keys that belong to it.", unkey.APINameMinLength, unkey.APINameMaxLength),
				Required:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(unkey.APINameMinLength, unkey.APINameMaxLength)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"delete_with_keys": schema.BoolAttribute{
				MarkdownDescription: "Allow destroying (or replacing) the API while it still holds keys. Unkey's `apis.deleteApi` makes every key of the API unreadable and unverifiable, including keys that Terraform does not manage, so by default a plan that destroys an API holding keys fails, naming the API. Keys destroyed by the same plan (those whose `api_id` refers to this resource) do not count. Set it to `true`, apply, then destroy, to delete the API and its keys together. Provider-side only; changing it updates in place. Default `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
		},
	}
}

func (r *apiResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	var diags diag.Diagnostics
	r.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

// ModifyPlan refuses to plan the destroy or replacement of an API that holds keys this plan
// does not destroy. A replacement is planned before the keys that depend on the API, so their
// own replacement cannot be counted: a rename of an API holding keys needs delete_with_keys.
func (r *apiResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || !r.svc.OK() {
		return
	}
	var state apiModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.DeleteWithKeys.ValueBool() {
		return
	}
	if !req.Plan.Raw.IsNull() {
		var name types.String
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &name)...)
		if resp.Diagnostics.HasError() || name.Equal(state.Name) {
			return // not a replacement
		}
	}
	r.refuseIfKeys(ctx, state.ID.ValueString(), r.b().keyDestroyPlanned, "plan", &resp.Diagnostics)
}

// refuseIfKeys adds an error when the API holds a key that destroyed does not report. A listing
// the root key may not make (Unkey masks that as api_not_found) is not taken as an empty API.
func (r *apiResource) refuseIfKeys(ctx context.Context, apiID string, destroyed func(string) bool, when string, diags *diag.Diagnostics) {
	left, err := r.b().keysLeft(ctx, apiID, destroyed)
	if err != nil {
		diags.AddError("Error checking the API's keys",
			fmt.Sprintf("Could not list the keys of API %s to check that destroying it deletes no keys: %s. Set delete_with_keys = true to destroy it without this check.", apiID, r.b().explain(err)))
		return
	}
	if left == "" {
		return
	}
	diags.AddAttributeError(path.Root("delete_with_keys"), "API still holds keys",
		fmt.Sprintf("API %s still holds keys (%s) that this %s does not destroy. Deleting the API makes every one of them unusable. Destroy or move those keys first, or set delete_with_keys = true on this resource and apply before destroying it.", apiID, left, when))
}

// keysLeft describes the keys of apiID that destroyed does not report ("" for none). It reads
// one page, and further pages only while every key seen is being destroyed anyway.
func (b *Backend) keysLeft(ctx context.Context, apiID string, destroyed func(string) bool) (string, error) {
	req := unkey.ListKeysRequest{APIID: apiID, Limit: unkey.ListKeysMaxLimit}
	for page, err := range b.Client.KeyPages(ctx, req) {
		if unkey.IsAPINotFound(err) {
			// Also Unkey's answer when the root key lacks read_key; only getApi can tell.
			if _, getErr := b.Client.GetAPI(ctx, apiID); unkey.IsAPINotFound(getErr) {
				return "", nil
			} else if getErr != nil {
				return "", getErr
			}
			return "", fmt.Errorf("%w (the API exists, so the root key probably lacks the read_key permission for it)", err)
		}
		if err != nil {
			return "", err
		}
		var left []string
		for _, k := range page.Keys {
			if !destroyed(k.KeyID) {
				left = append(left, k.KeyID)
			}
		}
		switch {
		case len(left) == 1 && !page.HasMore:
			return "key " + left[0], nil
		case len(left) > 0 && page.HasMore:
			return fmt.Sprintf("%d keys on the first page, among them %s, and more pages", len(left), left[0]), nil
		case len(left) > 0:
			return fmt.Sprintf("%d keys, among them %s", len(left), left[0]), nil
		}
	}
	return "", nil
}

func (r *apiResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_api") {
		return
	}
	var plan apiModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, err := r.b().Client.CreateAPI(ctx, plan.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error creating API", fmt.Sprintf("Could not create API %q: %s. API names are not unique, so a create whose response was lost is not repeated: if the error was a timeout, check the workspace for a new API of this name and import it.", plan.Name.ValueString(), r.b().explain(err)))
		return
	}
	plan.ID = types.StringValue(id)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

func (r *apiResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_api") {
		return
	}
	var state apiModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	api, err := r.b().Client.GetAPI(ctx, state.ID.ValueString())
	if unkey.IsAPINotFound(err) {
		goneWarning(&resp.Diagnostics, "API", state.ID.ValueString())
		setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading API", fmt.Sprintf("Could not read API %s: %s. State is left unchanged.", state.ID.ValueString(), r.b().explain(err)))
		return
	}
	applyAPI(&state, api)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
}

// applyAPI copies getApi's answer into the model; delete_with_keys is provider-side.
func applyAPI(m *apiModel, api *unkey.API) {
	m.ID = types.StringValue(api.ID)
	m.Name = types.StringValue(api.Name)
	if m.DeleteWithKeys.IsNull() || m.DeleteWithKeys.IsUnknown() {
		m.DeleteWithKeys = types.BoolValue(false)
	}
}

// Update only changes delete_with_keys, which lives in state alone.
func (r *apiResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan apiModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

func (r *apiResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.svc.Require(&resp.Diagnostics, "apikey_unkey_api") {
		return
	}
	var state apiModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	// Checked again: keys may have been created since the plan, or a key the plan destroyed may
	// not have been ordered before the API.
	if !state.DeleteWithKeys.ValueBool() {
		r.refuseIfKeys(ctx, id, func(string) bool { return false }, "apply", &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	err := r.b().Client.DeleteAPI(ctx, id)
	switch {
	case err == nil, unkey.IsAPINotFound(err):
	case unkey.IsStatus(err, http.StatusPreconditionFailed):
		resp.Diagnostics.AddError("API is delete-protected", fmt.Sprintf("Unkey refused to delete API %s because delete protection is on: %s. Turn it off in the Unkey dashboard, then destroy again.", id, err))
	default:
		resp.Diagnostics.AddError("Error deleting API", fmt.Sprintf("Could not delete API %s: %s", id, r.b().explain(err)))
	}
}

// ImportState accepts an API id.
func (r *apiResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByRef(ctx, req, resp, "an API id such as api_123")
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("delete_with_keys"), false)...)
}

// Keys whose destroy a plan has already planned, per configured backend: the API's destroy
// check does not count them, since Terraform destroys a key before the API it refers to.
var plannedKeyDestroys sync.Map // *Backend → *keySet

type keySet struct {
	mu  sync.Mutex
	ids map[string]bool
}

// noteKeyDestroy records that the plan destroys the key in state. The key resource calls it
// from ModifyPlan when the planned value is null.
func noteKeyDestroy(ctx context.Context, b *Backend, state tfsdk.State) {
	if b == nil {
		return
	}
	var id types.String
	if state.GetAttribute(ctx, path.Root("id"), &id).HasError() || id.IsNull() || id.IsUnknown() {
		return
	}
	recordKeyDestroy(b, id.ValueString())
}

// recordKeyDestroy is noteKeyDestroy once the key's id is read; the destroy shortcut
// (KeyPlanDestroy) calls it too.
func recordKeyDestroy(b *Backend, id string) {
	v, _ := plannedKeyDestroys.LoadOrStore(b, &keySet{ids: map[string]bool{}})
	s := v.(*keySet)
	s.mu.Lock()
	s.ids[id] = true
	s.mu.Unlock()
}

func (b *Backend) keyDestroyPlanned(keyID string) bool {
	v, ok := plannedKeyDestroys.Load(b)
	if !ok {
		return false
	}
	s := v.(*keySet)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[keyID]
}
