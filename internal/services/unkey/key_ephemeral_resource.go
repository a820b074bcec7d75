package unkey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*keyEphemeralResource)(nil)

// NewKeyEphemeralResource reveals a recoverable key's plaintext without it reaching plan or state.
func NewKeyEphemeralResource() ephemeral.EphemeralResource { return &keyEphemeralResource{} }

type keyEphemeralResource struct{ svc service }

type keyEphemeralModel struct {
	ID        types.String `tfsdk:"id"`
	Plaintext types.String `tfsdk:"plaintext"`
	Name      types.String `tfsdk:"name"`
	Start     types.String `tfsdk:"start"`
	Enabled   types.Bool   `tfsdk:"enabled"`
	Status    types.String `tfsdk:"status"`
	ExpiresAt types.String `tfsdk:"expires_at"`
}

func (e *keyEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_key"
}

func (e *keyEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reveals the plaintext of a recoverable Unkey key (created with `recoverable = true` in an API that stores encrypted keys) for the duration of one Terraform run (`keys.getKey` with `decrypt`). The value never reaches the plan or the state; feed it to write-only arguments or provider configuration.",
		Attributes: map[string]schema.Attribute{
			"id":         schema.StringAttribute{Required: true, MarkdownDescription: "Id of the key to reveal.", Validators: []validator.String{tfvalue.NotBlank()}},
			"plaintext":  schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The key itself (`plaintext`)."},
			"name":       schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the key."},
			"start":      schema.StringAttribute{Computed: true, MarkdownDescription: "First characters of the key."},
			"enabled":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the key is enabled."},
			"status":     schema.StringAttribute{Computed: true, MarkdownDescription: fmt.Sprintf("%s.", tfvalue.QuoteList(keyStatuses))},
			"expires_at": schema.StringAttribute{Computed: true, MarkdownDescription: "Expiry, RFC 3339; null if none."},
		},
	}
}

func (e *keyEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	var diags diag.Diagnostics
	e.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (e *keyEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	if !e.svc.Require(&resp.Diagnostics, "ephemeral.apikey_unkey_key") {
		return
	}
	var m keyEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := m.ID.ValueString()
	key, err := e.svc.Value.Client.GetKey(ctx, id, true)
	switch {
	case keyGone(err):
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Key not found", fmt.Sprintf("Unkey has no key with id %q (or it was deleted).", id))
		return
	case unkey.IsStatus(err, 412):
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Key encryption not enabled",
			fmt.Sprintf("The API of key %s does not store encrypted keys, so no key in it can be revealed. Enable key encryption for the API, then create keys with recoverable = true.", id))
		return
	case err != nil:
		resp.Diagnostics.AddError("Error reading key", fmt.Sprintf("Could not read key %s: %s", id, e.svc.Value.explain(err)))
		return
	case key.Plaintext == nil:
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Key is not recoverable",
			fmt.Sprintf("Key %s was not created with recoverable = true, so Unkey holds only its hash. Replace it with a recoverable key, or keep the plaintext from create (plaintext, or plaintext_age_recipients).", id))
		return
	}
	m.Plaintext = types.StringValue(*key.Plaintext)
	m.Name = types.StringPointerValue(key.Name)
	m.Start = types.StringValue(key.Start)
	m.Enabled = types.BoolValue(key.Enabled)
	m.Status = types.StringValue(keyStatus(key.Enabled, key.Expires, e.svc.Now()))
	m.ExpiresAt = optionalTime(key.Expires)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
