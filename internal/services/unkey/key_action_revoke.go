package unkey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Revocation modes of apikey_unkey_key_revoke.
const (
	revokeDisable = "disable"
	revokeDelete  = "delete"
)

var revokeModes = []string{revokeDisable, revokeDelete}

var (
	_ action.ActionWithConfigure  = (*keyRevokeAction)(nil)
	_ action.ActionWithModifyPlan = (*keyRevokeAction)(nil)
)

// NewKeyRevokeAction is the apikey_unkey_key_revoke action: stop a key verifying at once.
func NewKeyRevokeAction() action.Action {
	return &keyRevokeAction{keyAction{what: "action.apikey_unkey_key_revoke"}}
}

type keyRevokeAction struct{ keyAction }

type keyRevokeModel struct {
	KeyID types.String `tfsdk:"key_id"`
	Mode  types.String `tfsdk:"mode"`
}

func (a *keyRevokeAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_key_revoke"
}

func (a *keyRevokeAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Stops an Unkey key verifying at once, for incident response: `disable` (`keys.updateKey` with `enabled = false`, reversible) or `delete` (`keys.deleteKey`, a soft delete). Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"key_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Key to revoke (`key_...`), for example `apikey_unkey_key.billing.id`.",
				Validators:          identifier(unkey.KeyIDMinLength, unkey.KeyIDMaxLength),
			},
			"mode": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "`disable` keeps the key and its settings, so it can be enabled again; an `apikey_unkey_key` that manages it plans `enabled` back to its configured value (`true` unless set), so set `enabled = false` in its configuration before the next apply. " +
					"`delete` soft-deletes the key; an `apikey_unkey_key` that manages it is removed from state with a warning at its next refresh, and the plan creates a new key.",
				Validators: []validator.String{stringvalidator.OneOf(revokeModes...)},
			},
		},
	}
}

func (a *keyRevokeAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	if !a.svc.Require(&resp.Diagnostics, a.what) {
		return
	}
	var cfg keyRevokeModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b := a.svc.Value
	id := cfg.KeyID.ValueString()
	b.reader.wrote(id)
	switch cfg.Mode.ValueString() {
	case revokeDisable:
		progress(resp, fmt.Sprintf("Disabling key %s", id))
		if err := b.Client.UpdateKey(ctx, unkey.UpdateKeyRequest{KeyID: id, Enabled: new(false)}); err != nil {
			resp.Diagnostics.AddError("Error disabling key", fmt.Sprintf("Could not disable key %s: %s", id, b.explain(err)))
			return
		}
		progress(resp, fmt.Sprintf("Key %s is disabled and no longer verifies", id))
	case revokeDelete:
		progress(resp, fmt.Sprintf("Deleting key %s", id))
		err := b.Client.DeleteKey(ctx, id, false)
		if keyGone(err) {
			// Already gone is the outcome asked for; say so rather than fail the run.
			resp.Diagnostics.AddWarning("Key already deleted", fmt.Sprintf("Unkey reports key %s as not found: it was already deleted, or never existed.", id))
			return
		}
		if err != nil {
			resp.Diagnostics.AddError("Error deleting key", fmt.Sprintf("Could not delete key %s: %s", id, b.explain(err)))
			return
		}
		progress(resp, fmt.Sprintf("Key %s is deleted and no longer verifies", id))
	}
}
