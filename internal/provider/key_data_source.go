package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

var (
	_ datasource.DataSourceWithConfigure = (*keyDataSource)(nil)
)

// NewKeyDataSource is the apikey_key data source: one key's metadata, never its plaintext.
func NewKeyDataSource() datasource.DataSource { return &keyDataSource{} }

type keyDataSource struct {
	data *providerData
}

// keyDataModel is one key as the data sources report it.
type keyDataModel struct {
	ID          types.String      `tfsdk:"id"`
	Name        types.String      `tfsdk:"name"`
	Permissions types.Set         `tfsdk:"permissions"`
	ExpiresAt   types.String      `tfsdk:"expires_at"`
	Enabled     types.Bool        `tfsdk:"enabled"`
	Start       types.String      `tfsdk:"start"`
	Status      types.String      `tfsdk:"status"`
	CreatedAt   types.String      `tfsdk:"created_at"`
	UpdatedAt   types.String      `tfsdk:"updated_at"`
	LastUsedAt  types.String      `tfsdk:"last_used_at"`
	Unkey       *unkeyDataModel   `tfsdk:"unkey"`
	Mixpeek     *mixpeekDataModel `tfsdk:"mixpeek"`
}

type mixpeekDataModel struct {
	UserEmail         types.String `tfsdk:"user_email"`
	Description       types.String `tfsdk:"description"`
	Scopes            types.Set    `tfsdk:"scopes"`
	RateLimitOverride types.Int64  `tfsdk:"rate_limit_override"`
	KeyHash           types.String `tfsdk:"key_hash"`
	KeyType           types.String `tfsdk:"key_type"`
	OrganizationID    types.String `tfsdk:"organization_id"`
	UserID            types.String `tfsdk:"user_id"`
	CreatedBy         types.String `tfsdk:"created_by"`
	RevokedAt         types.String `tfsdk:"revoked_at"`
	RevokedBy         types.String `tfsdk:"revoked_by"`
	AllowedOrigins    types.List   `tfsdk:"allowed_origins"`
}

type unkeyDataModel struct {
	APIID      types.String `tfsdk:"api_id"`
	ExternalID types.String `tfsdk:"external_id"`
	Identity   types.Object `tfsdk:"identity"`
	Meta       jsonValue    `tfsdk:"meta"`
	Roles      types.Set    `tfsdk:"roles"`
	Credits    types.Object `tfsdk:"credits"`
	Ratelimits types.Set    `tfsdk:"ratelimits"`
}

var refillAttrTypes = map[string]attr.Type{"interval": types.StringType, "amount": types.Int64Type, "refill_day": types.Int64Type}

var dataCreditsAttrTypes = map[string]attr.Type{
	"remaining": types.Int64Type,
	"refill":    types.ObjectType{AttrTypes: refillAttrTypes},
}

func (d *keyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_key"
}

func (d *keyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := keyDataAttributes(true)
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one API key's metadata by id. The plaintext is never available here.",
		Attributes:          attrs,
	}
}

// keyDataAttributes describes a key for both data sources. With lookup, `id` is an input and
// `unkey.api_id` may be given; otherwise every attribute is computed.
func keyDataAttributes(lookup bool) map[string]schema.Attribute {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	attrs := map[string]schema.Attribute{
		"id":           computedString("Key id."),
		"name":         computedString("Name of the key."),
		"permissions":  schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Every permission the key has, direct and role-derived."},
		"expires_at":   computedString("Expiry, RFC 3339; null if the key never expires."),
		"enabled":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the key is enabled."},
		"start":        computedString("First characters of the key, safe to display."),
		"status":       computedString(fmt.Sprintf("Derived state: %s.", quoteList(keyStatuses))),
		"created_at":   computedString("Creation time, RFC 3339."),
		"updated_at":   computedString("Last update time, RFC 3339; null until the first update."),
		"last_used_at": computedString("Last verification time, RFC 3339; null if never used."),
		"unkey": schema.SingleNestedAttribute{
			Computed:            !lookup,
			Optional:            lookup,
			MarkdownDescription: "Unkey-specific metadata.",
			Attributes: map[string]schema.Attribute{
				"api_id": schema.StringAttribute{
					Computed: !lookup, Optional: lookup,
					MarkdownDescription: "API the key belongs to. Unkey's getKey does not report it: as a lookup input it is echoed back; in listings it is the listed API.",
				},
				"external_id": computedString("External id of the linked identity."),
				"identity": schema.SingleNestedAttribute{
					Computed: true, MarkdownDescription: "Linked identity.",
					Attributes: map[string]schema.Attribute{
						"id":          computedString("Identity id."),
						"external_id": computedString("External id."),
						"meta":        schema.StringAttribute{Computed: true, CustomType: jsonType{}, MarkdownDescription: "Identity metadata, JSON."},
					},
				},
				"meta":  schema.StringAttribute{Computed: true, CustomType: jsonType{}, MarkdownDescription: "Key metadata, JSON object string."},
				"roles": schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Roles attached to the key."},
				"credits": schema.SingleNestedAttribute{
					Computed: true, MarkdownDescription: "Credits; null when usage is unlimited.",
					Attributes: map[string]schema.Attribute{
						"remaining": schema.Int64Attribute{Computed: true, MarkdownDescription: "Credits left now."},
						"refill": schema.SingleNestedAttribute{
							Computed: true, MarkdownDescription: "Refill settings.",
							Attributes: map[string]schema.Attribute{
								"interval":   computedString("`daily` or `monthly`."),
								"amount":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Credits per refill."},
								"refill_day": schema.Int64Attribute{Computed: true, MarkdownDescription: "Day of month for monthly refills."},
							},
						},
					},
				},
				"ratelimits": schema.SetNestedAttribute{
					Computed: true, MarkdownDescription: "Key-level rate limits.",
					NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
						"name":       computedString("Limit name."),
						"limit":      schema.Int64Attribute{Computed: true, MarkdownDescription: "Requests per window."},
						"duration":   computedString("Window, Go duration."),
						"auto_apply": schema.BoolAttribute{Computed: true, MarkdownDescription: "Applied on every verification."},
					}},
				},
			},
		},
	}
	attrs["mixpeek"] = schema.SingleNestedAttribute{
		Computed:            !lookup,
		Optional:            lookup,
		MarkdownDescription: "Mixpeek-specific metadata. As a lookup input, `user_email` is required with the mixpeek backend.",
		Attributes: map[string]schema.Attribute{
			"user_email": schema.StringAttribute{
				Computed: !lookup, Required: lookup,
				MarkdownDescription: "Owner of the key.",
			},
			"description":         computedString("Description."),
			"rate_limit_override": schema.Int64Attribute{Computed: true, MarkdownDescription: "Requests per minute override; null means the plan's limit."},
			"scopes": schema.SetNestedAttribute{
				Computed: true, MarkdownDescription: "Resource scopes.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"resource_type": computedString("Kind of resource."),
					"resource_id":   computedString("Resource id or wildcard."),
					"operations":    schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Allowed operations; null allows all."},
				}},
			},
			"key_hash":        computedString("SHA-256 of the key, hex."),
			"key_type":        computedString("Kind of key."),
			"organization_id": computedString("Organization id."),
			"user_id":         computedString("Owner's user id."),
			"created_by":      computedString("Creator's user id."),
			"revoked_at":      computedString("Revocation time; null while active."),
			"revoked_by":      computedString("Who revoked the key."),
			"allowed_origins": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Browser origins the key is limited to."},
		},
	}
	if lookup {
		attrs["id"] = schema.StringAttribute{Required: true, MarkdownDescription: "Id of the key to read."}
	}
	return attrs
}

func (d *keyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = dataSourceProviderData(req, resp)
}

func dataSourceProviderData(req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) *providerData {
	if req.ProviderData == nil {
		return nil
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Data Source Configure Type",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider.", req.ProviderData))
	}
	return data
}

func (d *keyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg keyDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.data.backend == backendMixpeek {
		if cfg.Mixpeek == nil {
			resp.Diagnostics.AddAttributeError(path.Root("mixpeek"), "Missing mixpeek lookup", "With backend \"mixpeek\" set mixpeek = { user_email = \"...\" }: Mixpeek finds keys through their owner.")
			return
		}
		email := cfg.Mixpeek.UserEmail.ValueString()
		key, err := d.data.mixpeek.FindKey(ctx, email, cfg.ID.ValueString())
		if mixpeek.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Key not found", fmt.Sprintf("%s has no key with id %q.", email, cfg.ID.ValueString()))
			return
		}
		if err != nil {
			resp.Diagnostics.AddError("Error reading key", fmt.Sprintf("Could not read key %s of %s: %s", cfg.ID.ValueString(), email, err))
			return
		}
		out := mixpeekKeyData(ctx, key, email, &resp.Diagnostics)
		resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
		return
	}
	key, err := d.data.unkey.GetKey(ctx, cfg.ID.ValueString(), false)
	if unkey.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Key not found", fmt.Sprintf("No key with id %q exists (or it was deleted).", cfg.ID.ValueString()))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading key", fmt.Sprintf("Could not read key %s: %s", cfg.ID.ValueString(), err))
		return
	}
	apiID := types.StringNull()
	if cfg.Unkey != nil {
		apiID = cfg.Unkey.APIID
	}
	out := unkeyKeyData(ctx, key, apiID, d.data.now(), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

// unkeyKeyData converts a key for the data sources.
func unkeyKeyData(ctx context.Context, k *unkey.Key, apiID types.String, now time.Time, diags *diag.Diagnostics) keyDataModel {
	m := keyDataModel{
		ID:          types.StringValue(k.KeyID),
		Name:        types.StringPointerValue(k.Name),
		Permissions: stringSet(k.Permissions),
		ExpiresAt:   optionalTime(k.Expires),
		Enabled:     types.BoolValue(k.Enabled),
		Start:       types.StringValue(k.Start),
		CreatedAt:   types.StringValue(unkey.FormatTime(k.CreatedAt)),
		UpdatedAt:   optionalTime(k.UpdatedAt),
		LastUsedAt:  optionalTime(k.LastUsedAt),
	}
	m.Status = types.StringValue(keyStatus(k.Enabled, k.Expires, now))

	u := &unkeyDataModel{
		APIID:      apiID,
		ExternalID: types.StringNull(),
		Identity:   types.ObjectNull(identityAttrTypes),
		Meta:       jsonOrNull(withoutMarker(k.Meta)),
		Roles:      stringSet(k.Roles),
		Credits:    types.ObjectNull(dataCreditsAttrTypes),
	}
	if k.Identity != nil {
		u.ExternalID = types.StringValue(k.Identity.ExternalID)
		obj, d := types.ObjectValueFrom(ctx, identityAttrTypes, identityModel{ID: types.StringValue(k.Identity.ID), ExternalID: types.StringValue(k.Identity.ExternalID), Meta: jsonOrNull(k.Identity.Meta)})
		diags.Append(d...)
		u.Identity = obj
	}
	if k.Credits != nil && k.Credits.Remaining != nil {
		refill := types.ObjectNull(refillAttrTypes)
		if r := refillFromAPI(k.Credits.Refill); r != nil {
			obj, d := types.ObjectValueFrom(ctx, refillAttrTypes, r)
			diags.Append(d...)
			refill = obj
		}
		obj, d := types.ObjectValue(dataCreditsAttrTypes, map[string]attr.Value{"remaining": types.Int64Value(*k.Credits.Remaining), "refill": refill})
		diags.Append(d...)
		u.Credits = obj
	}
	u.Ratelimits = ratelimitsFromAPI(ctx, types.SetNull(types.ObjectType{AttrTypes: ratelimitAttrTypes}), k.Ratelimits, diags)
	if u.Ratelimits.IsNull() {
		u.Ratelimits = types.SetValueMust(types.ObjectType{AttrTypes: ratelimitAttrTypes}, nil)
	}
	m.Unkey = u
	return m
}

// mixpeekKeyData converts a Mixpeek key for the data sources; revoked keys report "revoked".
func mixpeekKeyData(ctx context.Context, k *mixpeek.Key, email string, diags *diag.Diagnostics) keyDataModel {
	var res keyResourceModel
	applyMixpeekKey(ctx, &res, k, diags)
	x := res.Mixpeek
	return keyDataModel{
		ID: res.ID, Name: res.Name, Permissions: stringSet(k.Permissions), ExpiresAt: normalizedTime(k.ExpiresAt),
		Enabled: res.Enabled, Start: res.Start, Status: res.Status, CreatedAt: res.CreatedAt, UpdatedAt: res.UpdatedAt, LastUsedAt: res.LastUsedAt,
		Mixpeek: &mixpeekDataModel{
			UserEmail: types.StringValue(email), Description: types.StringValue(k.Description), Scopes: x.Scopes, RateLimitOverride: x.RateLimitOverride,
			KeyHash: x.KeyHash, KeyType: x.KeyType, OrganizationID: x.OrganizationID, UserID: x.UserID, CreatedBy: x.CreatedBy,
			RevokedAt: x.RevokedAt, RevokedBy: x.RevokedBy, AllowedOrigins: x.AllowedOrigins,
		},
	}
}
