package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*keyEphemeralResource)(nil)

// NewKeyEphemeralResource reveals a recoverable key's plaintext without it reaching plan or state.
func NewKeyEphemeralResource() ephemeral.EphemeralResource { return &keyEphemeralResource{} }

type keyEphemeralResource struct {
	data *providerData
}

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
	resp.TypeName = req.ProviderTypeName + "_key"
}

func (e *keyEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reveals the plaintext of a recoverable Unkey key (created with `unkey.recoverable = true`) for the duration of one Terraform run. The value never reaches the plan or the state; feed it to write-only arguments or provider configuration.",
		Attributes: map[string]schema.Attribute{
			"id":         schema.StringAttribute{Required: true, MarkdownDescription: "Id of the key to reveal."},
			"plaintext":  schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The key itself."},
			"name":       schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the key."},
			"start":      schema.StringAttribute{Computed: true, MarkdownDescription: "First characters of the key."},
			"enabled":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the key is enabled."},
			"status":     schema.StringAttribute{Computed: true, MarkdownDescription: "`active`, `disabled` or `expired`."},
			"expires_at": schema.StringAttribute{Computed: true, MarkdownDescription: "Expiry, RFC 3339; null if none."},
		},
	}
}

func (e *keyEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Ephemeral Resource Configure Type",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider.", req.ProviderData))
		return
	}
	e.data = data
}

func (e *keyEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m keyEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if e.data.backend != backendUnkey {
		resp.Diagnostics.AddError("Plaintext cannot be revealed on this backend",
			fmt.Sprintf("Backend %q returns a key's plaintext only once, when it is created, so it cannot be revealed later. Capture it at create instead: keep it out of state with store_plaintext = false and plaintext_age_recipients on the apikey_key resource.", e.data.backend))
		return
	}
	id := m.ID.ValueString()
	key, err := e.data.unkey.GetKey(ctx, id, true)
	switch {
	case unkey.IsNotFound(err):
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Key not found", fmt.Sprintf("No key with id %q exists (or it was deleted).", id))
		return
	case unkey.IsStatus(err, 412):
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Key encryption not enabled",
			fmt.Sprintf("The API of key %s does not store encrypted keys, so no key in it can be revealed. Enable key encryption for the API, then create keys with unkey.recoverable = true.", id))
		return
	case err != nil:
		resp.Diagnostics.AddError("Error reading key", fmt.Sprintf("Could not read key %s: %s", id, err))
		return
	case key.Plaintext == nil:
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Key is not recoverable",
			fmt.Sprintf("Key %s was not created with unkey.recoverable = true, so Unkey holds only its hash. Replace it with a recoverable key, or keep the plaintext from create (plaintext, or plaintext_age_recipients).", id))
		return
	}
	m.Plaintext = types.StringValue(*key.Plaintext)
	m.Name = types.StringPointerValue(key.Name)
	m.Start = types.StringValue(key.Start)
	m.Enabled = types.BoolValue(key.Enabled)
	m.Status = types.StringValue(keyStatus(key.Enabled, key.Expires, e.data.now()))
	m.ExpiresAt = optionalTime(key.Expires)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
