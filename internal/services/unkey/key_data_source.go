package unkey

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

var (
	_ datasource.DataSourceWithConfigure = (*keyDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*keysDataSource)(nil)
)

// keyDataModel is one key as the data sources report it: KeyResponseData, never the plaintext.
type keyDataModel struct {
	ID          types.String      `tfsdk:"id"`
	APIID       types.String      `tfsdk:"api_id"`
	Name        types.String      `tfsdk:"name"`
	Start       types.String      `tfsdk:"start"`
	Enabled     types.Bool        `tfsdk:"enabled"`
	Status      types.String      `tfsdk:"status"`
	Meta        tfvalue.JSONValue `tfsdk:"meta"`
	ExternalID  types.String      `tfsdk:"external_id"`
	Identity    types.Object      `tfsdk:"identity"`
	Roles       types.Set         `tfsdk:"roles"`
	Permissions types.Set         `tfsdk:"permissions"`
	Credits     types.Object      `tfsdk:"credits"`
	Ratelimits  types.Set         `tfsdk:"ratelimits"`
	ExpiresAt   types.String      `tfsdk:"expires_at"`
	CreatedAt   types.String      `tfsdk:"created_at"`
	UpdatedAt   types.String      `tfsdk:"updated_at"`
	LastUsedAt  types.String      `tfsdk:"last_used_at"`
}

// keyDataAttributes describes a key for both data sources. With lookup, `id` is an input and
// `api_id` may be given; otherwise every attribute is computed.
func keyDataAttributes(lookup bool) map[string]schema.Attribute {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	attrs := map[string]schema.Attribute{
		"id":          computed("Key id (`keyId`)."),
		"api_id":      computed("API the key belongs to: the listed API. Unkey's getKey does not report it."),
		"name":        computed("Name of the key (`name`)."),
		"start":       computed("First characters of the key, safe to display (`start`)."),
		"enabled":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the key is enabled (`enabled`)."},
		"status":      computed(fmt.Sprintf("Derived state: %s.", tfvalue.QuoteList(keyStatuses))),
		"meta":        schema.StringAttribute{Computed: true, CustomType: tfvalue.JSONType{}, MarkdownDescription: "Key metadata, a JSON object string (`meta`)."},
		"external_id": computed("External id of the linked identity (`identity.externalId`)."),
		"identity": schema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: "Linked identity (`identity`).",
			Attributes: map[string]schema.Attribute{
				"id":          computed("Identity id."),
				"external_id": computed("External id."),
				"meta":        schema.StringAttribute{Computed: true, CustomType: tfvalue.JSONType{}, MarkdownDescription: "Identity metadata, JSON."},
			},
		},
		"roles":       schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Roles attached to the key (`roles`)."},
		"permissions": schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Every permission the key has, direct and role-derived (`permissions`)."},
		"credits": schema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: "Credits (`credits`); null when usage is unlimited.",
			Attributes: map[string]schema.Attribute{
				"remaining": schema.Int64Attribute{Computed: true, MarkdownDescription: "Credits left now."},
				"refill": schema.SingleNestedAttribute{
					Computed: true, MarkdownDescription: "Refill settings.",
					Attributes: map[string]schema.Attribute{
						"interval":   computed("`daily` or `monthly`."),
						"amount":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Credits per refill."},
						"refill_day": schema.Int64Attribute{Computed: true, MarkdownDescription: "Day of month for monthly refills."},
					},
				},
			},
		},
		"ratelimits": schema.SetNestedAttribute{
			Computed: true, MarkdownDescription: "Key-level rate limits (`ratelimits`).",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"name":       computed("Limit name."),
				"limit":      schema.Int64Attribute{Computed: true, MarkdownDescription: "Requests per window."},
				"duration":   computed("Window, Go duration."),
				"auto_apply": schema.BoolAttribute{Computed: true, MarkdownDescription: "Applied on every verification."},
			}},
		},
		"expires_at":   computed("Expiry, RFC 3339 (`expires`); null if the key never expires."),
		"created_at":   computed("Creation time, RFC 3339 (`createdAt`)."),
		"updated_at":   computed("Last update time, RFC 3339 (`updatedAt`); null until the first update."),
		"last_used_at": computed("Last verification time, RFC 3339 (`lastUsedAt`); null if never used."),
	}
	if lookup {
		attrs["id"] = schema.StringAttribute{Required: true, MarkdownDescription: "Id of the key to read.", Validators: []validator.String{tfvalue.NotBlank()}}
		attrs["api_id"] = schema.StringAttribute{Optional: true, MarkdownDescription: "API the key should belong to; echoed back (Unkey's getKey does not report it).", Validators: identifier(unkey.APIIDMinLength, unkey.APIIDMaxLength)}
	}
	return attrs
}

// keyData converts a key for the data sources.
func keyData(ctx context.Context, k *unkey.Key, apiID types.String, now time.Time, diags *diag.Diagnostics) keyDataModel {
	m := keyDataModel{
		ID:          types.StringValue(k.KeyID),
		APIID:       apiID,
		Name:        types.StringPointerValue(k.Name),
		Start:       types.StringValue(k.Start),
		Enabled:     types.BoolValue(k.Enabled),
		Status:      types.StringValue(keyStatus(k.Enabled, k.Expires, now)),
		Meta:        tfvalue.JSONOrNull(withoutMarker(k.Meta)),
		ExternalID:  types.StringNull(),
		Identity:    types.ObjectNull(identityAttrTypes),
		Roles:       tfvalue.StringSet(k.Roles),
		Permissions: tfvalue.StringSet(k.Permissions),
		Credits:     types.ObjectNull(creditsAttrTypes),
		ExpiresAt:   optionalTime(k.Expires),
		CreatedAt:   types.StringValue(unkey.FormatTime(k.CreatedAt)),
		UpdatedAt:   optionalTime(k.UpdatedAt),
		LastUsedAt:  optionalTime(k.LastUsedAt),
	}
	if k.Identity != nil {
		m.ExternalID = types.StringValue(k.Identity.ExternalID)
		obj, d := types.ObjectValueFrom(ctx, identityAttrTypes, identityModel{ID: types.StringValue(k.Identity.ID), ExternalID: types.StringValue(k.Identity.ExternalID), Meta: tfvalue.JSONOrNull(k.Identity.Meta)})
		diags.Append(d...)
		m.Identity = obj
	}
	if k.Credits != nil && k.Credits.Remaining != nil {
		obj, d := types.ObjectValue(creditsAttrTypes, map[string]attr.Value{"remaining": types.Int64Value(*k.Credits.Remaining), "refill": refillFromAPI(ctx, k.Credits.Refill, diags)})
		diags.Append(d...)
		m.Credits = obj
	}
	m.Ratelimits = ratelimitsFromAPI(ctx, types.SetNull(ratelimitType), k.Ratelimits, diags)
	if m.Ratelimits.IsNull() {
		m.Ratelimits = types.SetValueMust(ratelimitType, nil)
	}
	return m
}

// NewKeyDataSource is the apikey_unkey_key data source: one key's metadata, never its plaintext.
func NewKeyDataSource() datasource.DataSource { return &keyDataSource{} }

type keyDataSource struct{ svc service }

func (d *keyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_key"
}

func (d *keyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Unkey key's metadata by id (`keys.getKey`). The plaintext is never available here; see the `apikey_unkey_key` ephemeral resource.",
		Attributes:          keyDataAttributes(true),
	}
}

func (d *keyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	var diags diag.Diagnostics
	d.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (d *keyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.svc.Require(&resp.Diagnostics, "data.apikey_unkey_key") {
		return
	}
	var cfg keyDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	key, err := d.svc.Value.Client.GetKey(ctx, cfg.ID.ValueString(), false)
	if keyGone(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Key not found", fmt.Sprintf("Unkey has no key with id %q (or it was deleted).", cfg.ID.ValueString()))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading key", fmt.Sprintf("Could not read key %s: %s", cfg.ID.ValueString(), d.svc.Value.explain(err)))
		return
	}
	out := keyData(ctx, key, cfg.APIID, d.svc.Now(), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

// NewKeysDataSource is the apikey_unkey_keys data source: a filtered listing of an API's keys.
func NewKeysDataSource() datasource.DataSource { return &keysDataSource{} }

type keysDataSource struct{ svc service }

type keysDataModel struct {
	APIID      types.String   `tfsdk:"api_id"`
	ExternalID types.String   `tfsdk:"external_id"`
	NamePrefix types.String   `tfsdk:"name_prefix"`
	Keys       []keyDataModel `tfsdk:"keys"`
}

func (d *keysDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_keys"
}

func (d *keysDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the keys of an Unkey API (`apis.listKeys`), following the pagination to the end. Plaintexts are never listed.",
		Attributes: map[string]schema.Attribute{
			"api_id": schema.StringAttribute{Required: true, MarkdownDescription: "API whose keys to list.", Validators: identifier(unkey.APIIDMinLength, unkey.APIIDMaxLength)},
			"external_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only keys linked to the identity with this external id (filtered by the API).",
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(unkey.ExternalIDMinLength, unkey.ExternalIDMaxLength),
					stringvalidator.RegexMatches(unkey.ExternalIDPattern, "must contain only letters, digits and _ . -"),
				},
			},
			"name_prefix": schema.StringAttribute{Optional: true, MarkdownDescription: "Only keys whose name starts with this string (filtered by the provider)."},
			"keys": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Matching keys, in the API's order.",
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
	if !d.svc.Require(&resp.Diagnostics, "data.apikey_unkey_keys") {
		return
	}
	var cfg keysDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	keys, err := d.svc.Value.Client.ListAllKeys(ctx, cfg.APIID.ValueString(), cfg.ExternalID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error listing keys", fmt.Sprintf("Could not list the keys of API %s: %s", cfg.APIID.ValueString(), d.svc.Value.explain(err)))
		return
	}
	prefix := cfg.NamePrefix.ValueString()
	now := d.svc.Now()
	cfg.Keys = make([]keyDataModel, 0, len(keys))
	for i := range keys {
		k := &keys[i]
		if prefix != "" && (k.Name == nil || !strings.HasPrefix(*k.Name, prefix)) {
			continue
		}
		cfg.Keys = append(cfg.Keys, keyData(ctx, k, cfg.APIID, now, &resp.Diagnostics))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
