package mixpeek

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
)

var (
	_ action.ActionWithConfigure  = (*keyRevokeAction)(nil)
	_ action.ActionWithModifyPlan = (*keyRevokeAction)(nil)
)

const revokeActionName = "action.apikey_mixpeek_key_revoke"

var pathKeyID = path.Root("key_id")

// NewKeyRevokeAction is the apikey_mixpeek_key_revoke action: revoke a key at once.
func NewKeyRevokeAction() action.Action { return &keyRevokeAction{} }

type keyRevokeAction struct{ svc service }

type keyRevokeModel struct {
	UserEmail types.String `tfsdk:"user_email"`
	KeyID     types.String `tfsdk:"key_id"`
}

func (a *keyRevokeAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_mixpeek_key_revoke"
}

func (a *keyRevokeAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Revokes a Mixpeek organization key at once (`DELETE .../api-keys/{key_name}`), for incident response. Revocation cannot be undone. " +
			"An `apikey_mixpeek_key` that manages the key is removed from state with a warning at its next refresh, and the plan creates a new key with the same name. Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"user_email": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Owner of the key, for example `apikey_mixpeek_key.reporting.user_email`.",
				Validators:          emailValidators(),
			},
			"key_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Key to revoke (`key_id`), for example `apikey_mixpeek_key.reporting.id`. The key is addressed by id, not name, so a key renamed since is still the one revoked.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (a *keyRevokeAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	var diags diag.Diagnostics
	a.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (a *keyRevokeAction) ModifyPlan(_ context.Context, _ action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.svc.ProviderConfigured() {
		a.svc.Require(&resp.Diagnostics, revokeActionName)
	}
}

func (a *keyRevokeAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	if !a.svc.Require(&resp.Diagnostics, revokeActionName) {
		return
	}
	var cfg keyRevokeModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b := a.svc.Value
	email, id := cfg.UserEmail.ValueString(), cfg.KeyID.ValueString()
	say := func(msg string) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}
	// The revoke endpoint takes the key's name; the id finds the current one.
	say(fmt.Sprintf("Looking up key %s of %s", id, email))
	key, err := b.Client.ResolveKey(ctx, email, id)
	switch {
	case keyGone(err):
		resp.Diagnostics.AddAttributeError(pathKeyID, "Key not found", fmt.Sprintf("Mixpeek lists no key %s for %s.", id, email))
		return
	case mixpeek.IsAmbiguousName(err):
		resp.Diagnostics.AddAttributeError(pathKeyID, "Key name is not unique", fmt.Sprintf("Key %s was not revoked: %s", id, err))
		return
	case err != nil:
		resp.Diagnostics.AddError("Error finding key", fmt.Sprintf("Could not list the keys of %s: %s", email, b.explain(err)))
		return
	case key.Status == mixpeek.StatusRevoked:
		resp.Diagnostics.AddWarning("Key already revoked", fmt.Sprintf("Key %s (%q) of %s was already revoked.", id, key.Name, email))
		return
	case key.Status == mixpeek.StatusExpired:
		resp.Diagnostics.AddWarning("Key already expired", fmt.Sprintf("Key %s (%q) of %s has expired and can no longer be used; it is not addressed by name again.", id, key.Name, email))
		return
	}
	say(fmt.Sprintf("Revoking key %s (%q)", id, key.Name))
	if err := b.Client.RevokeKeyConfirmed(ctx, email, key.Name, id); err != nil {
		resp.Diagnostics.AddError("Error revoking key", fmt.Sprintf("Could not revoke key %s (%q) of %s: %s", id, key.Name, email, b.explain(err)))
		return
	}
	say(fmt.Sprintf("Key %s (%q) is revoked", id, key.Name))
}
