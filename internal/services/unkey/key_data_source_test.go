package unkey

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// The data sources and the ephemeral resource, called directly against the local server.

func dataSourceSchema(t *testing.T, d datasource.DataSource) datasource.SchemaResponse {
	t.Helper()
	var resp datasource.SchemaResponse
	d.Schema(context.Background(), datasource.SchemaRequest{}, &resp)
	noErrors(t, resp.Diagnostics)
	noErrors(t, resp.Schema.ValidateImplementation(context.Background()))
	return resp
}

func configureDataSource(t *testing.T, d datasource.DataSource, data any) {
	t.Helper()
	var resp datasource.ConfigureResponse
	d.(datasource.DataSourceWithConfigure).Configure(context.Background(), datasource.ConfigureRequest{ProviderData: data}, &resp)
	noErrors(t, resp.Diagnostics)
}

func nullKeyData() keyDataModel {
	return keyDataModel{
		Identity: types.ObjectNull(identityAttrTypes), Roles: types.SetNull(types.StringType), Permissions: types.SetNull(types.StringType),
		Credits: types.ObjectNull(creditsAttrTypes), Ratelimits: types.SetNull(ratelimitType),
	}
}

// readDataSource reads d with the configuration cfg (a model) and returns the state.
func readDataSource(t *testing.T, d datasource.DataSource, cfg any) (tfsdk.State, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	s := dataSourceSchema(t, d).Schema
	st := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
	noErrors(t, st.Set(ctx, cfg))
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}}
	d.Read(ctx, datasource.ReadRequest{Config: tfsdk.Config{Schema: s, Raw: st.Raw}}, &resp)
	return resp.State, resp.Diagnostics
}

func TestKeyDataSources(t *testing.T) {
	f := newDevFixture(t)
	ctx := context.Background()
	if _, err := f.client.CreateRole(ctx, "support", "", []string{"tickets.read"}); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, 5)
	for i := range 5 {
		req := unkey.CreateKeyRequest{APIID: f.apiID, Name: fmt.Sprintf("svc-%d", i)}
		if i == 0 {
			req.Name, req.ExternalID, req.Roles, req.Meta = "first", "acme", []string{"support"}, []byte(`{"a":1,"_apikey_create":"m"}`)
			req.Credits = &unkey.Credits{Remaining: ptr(int64(3)), Refill: &unkey.Refill{Interval: "daily", Amount: 1}}
			req.Ratelimits = []unkey.RatelimitRequest{{Name: "requests", Limit: 2, Duration: 1000, AutoApply: true}}
			req.Expires = ptr(time.Now().Add(time.Hour).UnixMilli())
		}
		if i == 4 {
			req.Enabled = ptr(false)
		}
		created, err := f.client.CreateKey(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, created.KeyID)
	}
	data := providerData(f.client, time.Now, 1)

	one := NewKeyDataSource()
	configureDataSource(t, one, data)
	cfg := nullKeyData()
	cfg.ID = types.StringValue(ids[0])
	st, diags := readDataSource(t, one, &cfg)
	noErrors(t, diags)
	var got keyDataModel
	noErrors(t, st.Get(ctx, &got))
	switch {
	case got.Name.ValueString() != "first" || got.ExternalID.ValueString() != "acme" || got.Status.ValueString() != statusActive || !got.APIID.IsNull():
		t.Errorf("name %s external_id %s status %s api_id %s", got.Name, got.ExternalID, got.Status, got.APIID)
	case got.Meta.ValueString() != `{"a":1}`:
		t.Errorf("meta %s: the creation marker must be hidden", got.Meta)
	case !got.Roles.Equal(strSet("support")) || !got.Permissions.Equal(strSet("tickets.read")):
		t.Errorf("roles %s permissions %s", got.Roles, got.Permissions)
	case got.Credits.IsNull() || got.ExpiresAt.IsNull():
		t.Errorf("credits %s expires_at %s", got.Credits, got.ExpiresAt)
	case !got.Ratelimits.Equal(ratelimits(t, rl("requests", 2, "1s", ptr(true)))):
		t.Errorf("ratelimits %s", got.Ratelimits)
	}

	cfg.ID = types.StringValue("key_missing123")
	if _, diags := readDataSource(t, one, &cfg); !hasSummary(diags, "Key not found") {
		t.Errorf("unknown key: %v", diags)
	}

	list := NewKeysDataSource()
	configureDataSource(t, list, data)
	for _, tc := range []struct {
		name               string
		externalID, prefix string
		want               int
	}{
		{name: "all", want: 5},
		{name: "by identity", externalID: "acme", want: 1},
		{name: "by name prefix", prefix: "svc-", want: 4},
		{name: "nothing matches", prefix: "zzz", want: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := keysDataModel{APIID: types.StringValue(f.apiID), ExternalID: types.StringNull(), NamePrefix: types.StringNull()}
			if tc.externalID != "" {
				cfg.ExternalID = types.StringValue(tc.externalID)
			}
			if tc.prefix != "" {
				cfg.NamePrefix = types.StringValue(tc.prefix)
			}
			st, diags := readDataSource(t, list, &cfg)
			noErrors(t, diags)
			var out keysDataModel
			noErrors(t, st.Get(ctx, &out))
			if len(out.Keys) != tc.want {
				t.Fatalf("%d keys, want %d", len(out.Keys), tc.want)
			}
			for _, k := range out.Keys {
				if k.APIID.ValueString() != f.apiID || k.Ratelimits.IsNull() {
					t.Errorf("key %s: api_id %s ratelimits %s", k.ID, k.APIID, k.Ratelimits)
				}
				if k.ID.ValueString() == ids[4] && k.Status.ValueString() != statusDisabled {
					t.Errorf("disabled key has status %s", k.Status)
				}
			}
		})
	}
}

func TestKeyDataSources_notConfigured(t *testing.T) {
	missing := providerData(nil, time.Now, 1)
	one := NewKeyDataSource()
	configureDataSource(t, one, missing)
	cfg := nullKeyData()
	cfg.ID = types.StringValue("key_1")
	if _, diags := readDataSource(t, one, &cfg); !hasSummary(diags, "unkey backend is not configured") {
		t.Errorf("apikey_unkey_key: %v", diags)
	}
	list := NewKeysDataSource()
	configureDataSource(t, list, missing)
	if _, diags := readDataSource(t, list, &keysDataModel{APIID: types.StringValue("api_1"), ExternalID: types.StringNull(), NamePrefix: types.StringNull()}); !hasSummary(diags, "unkey backend is not configured") {
		t.Errorf("apikey_unkey_keys: %v", diags)
	}
	var md datasource.MetadataResponse
	list.Metadata(context.Background(), datasource.MetadataRequest{ProviderTypeName: "apikey"}, &md)
	if md.TypeName != "apikey_unkey_keys" {
		t.Errorf("type name %s", md.TypeName)
	}
}

func openEphemeral(t *testing.T, data any, id string) (keyEphemeralModel, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	e := NewKeyEphemeralResource()
	var cresp ephemeral.ConfigureResponse
	e.(ephemeral.EphemeralResourceWithConfigure).Configure(ctx, ephemeral.ConfigureRequest{ProviderData: data}, &cresp)
	noErrors(t, cresp.Diagnostics)
	var sresp ephemeral.SchemaResponse
	e.Schema(ctx, ephemeral.SchemaRequest{}, &sresp)
	s := sresp.Schema
	typ := s.Type().TerraformType(ctx)
	st := tfsdk.State{Schema: s, Raw: tftypes.NewValue(typ, nil)}
	noErrors(t, st.Set(ctx, &keyEphemeralModel{ID: types.StringValue(id)}))
	resp := ephemeral.OpenResponse{Result: tfsdk.EphemeralResultData{Schema: s, Raw: tftypes.NewValue(typ, nil)}}
	e.Open(ctx, ephemeral.OpenRequest{Config: tfsdk.Config{Schema: s, Raw: st.Raw}}, &resp)
	var m keyEphemeralModel
	if !resp.Diagnostics.HasError() {
		noErrors(t, resp.Result.Get(ctx, &m))
	}
	return m, resp.Diagnostics
}

func TestKeyEphemeralResource(t *testing.T) {
	f := newDevFixture(t)
	ctx := context.Background()
	recoverable, err := f.client.CreateKey(ctx, unkey.CreateKeyRequest{APIID: f.apiID, Name: "r", Recoverable: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := f.client.CreateKey(ctx, unkey.CreateKeyRequest{APIID: f.apiID})
	if err != nil {
		t.Fatal(err)
	}
	noEnc, err := f.dev.CreateAPI(ctx, "plain")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.dev.SetAPIEncryption(noEnc, false); err != nil {
		t.Fatal(err)
	}
	inNoEnc, err := f.client.CreateKey(ctx, unkey.CreateKeyRequest{APIID: noEnc})
	if err != nil {
		t.Fatal(err)
	}
	data := providerData(f.client, time.Now, 1)
	m, diags := openEphemeral(t, data, recoverable.KeyID)
	noErrors(t, diags)
	if m.Plaintext.ValueString() != recoverable.Key || m.Name.ValueString() != "r" || m.Status.ValueString() != statusActive || !m.ExpiresAt.IsNull() {
		t.Errorf("revealed plaintext matches %t, name %s status %s", m.Plaintext.ValueString() == recoverable.Key, m.Name, m.Status)
	}
	for _, tc := range []struct {
		name, id, want string
		data           any
	}{
		{name: "not recoverable", id: plain.KeyID, want: "Key is not recoverable", data: data},
		{name: "API without encryption", id: inNoEnc.KeyID, want: "Key encryption not enabled", data: data},
		{name: "unknown key", id: "key_missing123", want: "Key not found", data: data},
		{name: "backend not configured", id: plain.KeyID, want: "unkey backend is not configured", data: providerData(nil, time.Now, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, diags := openEphemeral(t, tc.data, tc.id); !hasSummary(diags, tc.want) {
				t.Errorf("diags %v, want %q", diags, tc.want)
			}
		})
	}
}
