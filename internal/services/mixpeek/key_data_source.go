package mixpeek

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var (
	_ datasource.DataSourceWithConfigure = (*keyDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*keysDataSource)(nil)
)

// keyDataModel is one key as the data sources report it: APIKeyModel, never the plaintext.
type keyDataModel struct {
	ID                types.String `tfsdk:"id"`
	UserEmail         types.String `tfsdk:"user_email"`
	Name              types.String `tfsdk:"name"`
	Description       types.String `tfsdk:"description"`
	Permissions       types.Set    `tfsdk:"permissions"`
	Scopes            types.Set    `tfsdk:"scopes"`
	RateLimitOverride types.Int64  `tfsdk:"rate_limit_override"`
	ExpiresAt         types.String `tfsdk:"expires_at"`
	Start             types.String `tfsdk:"start"`
	Status            types.String `tfsdk:"status"`
	CreatedAt         types.String `tfsdk:"created_at"`
	LastUsedAt        types.String `tfsdk:"last_used_at"`
	KeyHash           types.String `tfsdk:"key_hash"`
	KeyType           types.String `tfsdk:"key_type"`
	SubscriptionID    types.String `tfsdk:"subscription_id"`
	OrganizationID    types.String `tfsdk:"organization_id"`
	UserID            types.String `tfsdk:"user_id"`
	CreatedBy         types.String `tfsdk:"created_by"`
	RevokedAt         types.String `tfsdk:"revoked_at"`
	RevokedBy         types.String `tfsdk:"revoked_by"`
	AllowedOrigins    types.List   `tfsdk:"allowed_origins"`
}

func keyDataAttributes(lookup bool) map[string]schema.Attribute {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	attrs := map[string]schema.Attribute{
		"id":                  computed("Key id (`key_id`)."),
		"user_email":          computed("Owner of the key."),
		"name":                computed("Name (`name`)."),
		"description":         computed("Description (`description`)."),
		"permissions":         schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Permissions (`permissions`)."},
		"rate_limit_override": schema.Int64Attribute{Computed: true, MarkdownDescription: "Requests per minute override (`rate_limit_override`); null means the plan's limit."},
		"scopes": schema.SetNestedAttribute{
			Computed: true, MarkdownDescription: "Resource scopes (`scopes`).",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"resource_type": computed("Kind of resource."),
				"resource_id":   computed("Resource id or wildcard."),
				"operations":    schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Allowed operations; null allows all."},
			}},
		},
		"expires_at":      computed("Expiry, RFC 3339 in UTC (`expires_at`); null if none."),
		"start":           computed("First characters of the key (`key_prefix`)."),
		"status":          computed(fmt.Sprintf("Status (`status`): %s or `revoked`.", tfvalue.QuoteList(keyStatuses))),
		"created_at":      computed("Creation time (`created_at`)."),
		"last_used_at":    computed("Last use (`last_used_at`); null if never used."),
		"key_hash":        computed("SHA-256 of the key, hex (`key_hash`)."),
		"key_type":        computed("Kind of key (`key_type`)."),
		"subscription_id": computed("Marketplace subscription (`subscription_id`)."),
		"organization_id": computed("Organization id (`organization_id`)."),
		"user_id":         computed("Owner's user id (`user_id`)."),
		"created_by":      computed("Creator's user id (`created_by`)."),
		"revoked_at":      computed("Revocation time (`revoked_at`); null while live."),
		"revoked_by":      computed("Who revoked the key (`revoked_by`)."),
		"allowed_origins": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Browser origins the key is limited to (`allowed_origins`)."},
	}
	if lookup {
		attrs["id"] = schema.StringAttribute{Required: true, MarkdownDescription: "Id of the key to read.", Validators: []validator.String{tfvalue.NotBlank()}}
		attrs["user_email"] = schema.StringAttribute{Required: true, MarkdownDescription: "Owner of the key: Mixpeek finds keys through their owner.", Validators: emailValidators()}
	}
	return attrs
}

// keyData converts a key for the data sources. internal_id is left out: Mixpeek documents it as
// secret, and data sources are not the place for it.
func keyData(ctx context.Context, k *mixpeek.Key, email string, diags *diag.Diagnostics) keyDataModel {
	var res keyModel
	applyKey(ctx, &res, k, diags)
	return keyDataModel{
		ID: res.ID, UserEmail: types.StringValue(email), Name: res.Name, Description: types.StringValue(shownDescription(k.Description)),
		Permissions: res.Permissions, Scopes: res.Scopes, RateLimitOverride: res.RateLimitOverride,
		ExpiresAt: tfvalue.NormalizedTime(k.ExpiresAt), Start: res.Start, Status: res.Status, CreatedAt: res.CreatedAt, LastUsedAt: res.LastUsedAt,
		KeyHash: res.KeyHash, KeyType: res.KeyType, SubscriptionID: res.SubscriptionID, OrganizationID: res.OrganizationID, UserID: res.UserID,
		CreatedBy: res.CreatedBy, RevokedAt: res.RevokedAt, RevokedBy: res.RevokedBy, AllowedOrigins: res.AllowedOrigins,
	}
}

// NewKeyDataSource is the apikey_mixpeek_key data source.
func NewKeyDataSource() datasource.DataSource { return &keyDataSource{} }

type keyDataSource struct{ svc service }

func (d *keyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_mixpeek_key"
}

func (d *keyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Mixpeek organization key's metadata by owner and id, revoked keys included. The plaintext is never available.",
		Attributes:          keyDataAttributes(true),
	}
}

func (d *keyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	var diags diag.Diagnostics
	d.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (d *keyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.svc.Require(&resp.Diagnostics, "data.apikey_mixpeek_key") {
		return
	}
	var cfg keyDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	email := cfg.UserEmail.ValueString()
	key, err := d.svc.Value.Client.FindKey(ctx, email, cfg.ID.ValueString())
	if keyGone(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Key not found", fmt.Sprintf("%s has no key with id %q.", email, cfg.ID.ValueString()))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading key", fmt.Sprintf("Could not read key %s of %s: %s", cfg.ID.ValueString(), email, d.svc.Value.explain(err)))
		return
	}
	out := keyData(ctx, key, email, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

// NewKeysDataSource is the apikey_mixpeek_keys data source.
func NewKeysDataSource() datasource.DataSource { return &keysDataSource{} }

type keysDataSource struct{ svc service }

type keysDataModel struct {
	UserEmail      types.String   `tfsdk:"user_email"`
	IncludeRevoked types.Bool     `tfsdk:"include_revoked"`
	NamePrefix     types.String   `tfsdk:"name_prefix"`
	Keys           []keyDataModel `tfsdk:"keys"`
}

func (d *keysDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_mixpeek_keys"
}

func (d *keysDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists a Mixpeek user's organization keys. Plaintexts are never listed.",
		Attributes: map[string]schema.Attribute{
			"user_email":      schema.StringAttribute{Required: true, MarkdownDescription: "Owner whose keys to list.", Validators: emailValidators()},
			"include_revoked": schema.BoolAttribute{Optional: true, MarkdownDescription: "Also list revoked and expired keys (`include_revoked`). Default `false`."},
			"name_prefix":     schema.StringAttribute{Optional: true, MarkdownDescription: "Only keys whose name starts with this string (filtered by the provider)."},
			"keys": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Matching keys.",
				NestedObject:        schema.NestedAttributeObject{Attributes: keyDataAttributes(false)},
			},
		},
	}
}

func (d *keysDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	var diags diag.Diagnostics
	d.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (d *keysDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.svc.Require(&resp.Diagnostics, "data.apikey_mixpeek_keys") {
		return
	}
	var cfg keysDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	email := cfg.UserEmail.ValueString()
	keys, err := d.svc.Value.Client.ListKeys(ctx, email, cfg.IncludeRevoked.ValueBool())
	if err != nil {
		resp.Diagnostics.AddError("Error listing keys", fmt.Sprintf("Could not list the keys of %s: %s", email, d.svc.Value.explain(err)))
		return
	}
	prefix := cfg.NamePrefix.ValueString()
	cfg.Keys = make([]keyDataModel, 0, len(keys))
	for i := range keys {
		if strings.HasPrefix(keys[i].Name, prefix) {
			cfg.Keys = append(cfg.Keys, keyData(ctx, &keys[i], email, &resp.Diagnostics))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
