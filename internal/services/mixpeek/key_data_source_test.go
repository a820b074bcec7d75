package mixpeek

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
)

// readDataSource configures d against data and reads it with the configuration cfg.
func readDataSource(t *testing.T, d datasource.DataSourceWithConfigure, data any, cfg map[string]tftypes.Value) datasource.ReadResponse {
	t.Helper()
	ctx := context.Background()
	var cresp datasource.ConfigureResponse
	d.Configure(ctx, datasource.ConfigureRequest{ProviderData: data}, &cresp)
	if cresp.Diagnostics.HasError() {
		t.Fatal(cresp.Diagnostics)
	}
	var sresp datasource.SchemaResponse
	d.Schema(ctx, datasource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := cfg[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	raw := tftypes.NewValue(typ, vals)
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, nil)}}
	d.Read(ctx, datasource.ReadRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: raw}}, &resp)
	return resp
}

func TestKeyDataSources(t *testing.T) {
	ts := newTestServer(t, nil)
	c := newClient(t, ts.url, ts.dev.RootKey())
	ctx := context.Background()
	var ids []string
	for _, name := range []string{"listed-a", "listed-b", "other"} {
		k, err := c.CreateKey(ctx, testEmail, mixpeek.CreateKeyRequest{Name: name, Description: ptr("d " + name)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, k.KeyID)
	}
	if err := c.RevokeKey(ctx, testEmail, "listed-a"); err != nil {
		t.Fatal(err)
	}
	data := providerData(NewBackend(c, time.Now, 1), time.Now)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

	t.Run("one key, revoked", func(t *testing.T) {
		resp := readDataSource(t, &keyDataSource{}, data, map[string]tftypes.Value{"user_email": str(testEmail), "id": str(ids[0])})
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		var m keyDataModel
		resp.State.Get(ctx, &m)
		if m.Name.ValueString() != "listed-a" || m.Status.ValueString() != "revoked" || m.Description.ValueString() != "d listed-a" || m.RevokedAt.IsNull() || m.UserEmail.ValueString() != testEmail {
			t.Errorf("read %+v", m)
		}
	})
	t.Run("one key, missing", func(t *testing.T) {
		resp := readDataSource(t, &keyDataSource{}, data, map[string]tftypes.Value{"user_email": str(testEmail), "id": str("key_missing")})
		if !hasSummary(resp.Diagnostics, diag.SeverityError, "Key not found") {
			t.Fatal(resp.Diagnostics)
		}
	})
	t.Run("listing", func(t *testing.T) {
		cases := []struct {
			prefix         string
			includeRevoked bool
			want           int
		}{
			{prefix: "listed-", want: 1},
			{prefix: "listed-", includeRevoked: true, want: 2},
			{prefix: "", want: 3}, // listed-b, other and the user's admin-key
			{prefix: "none", want: 0},
		}
		for _, tc := range cases {
			resp := readDataSource(t, &keysDataSource{}, data, map[string]tftypes.Value{
				"user_email": str(testEmail), "name_prefix": str(tc.prefix), "include_revoked": tftypes.NewValue(tftypes.Bool, tc.includeRevoked),
			})
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			var m keysDataModel
			resp.State.Get(ctx, &m)
			if len(m.Keys) != tc.want {
				t.Errorf("prefix %q, include_revoked %t: %d keys, want %d", tc.prefix, tc.includeRevoked, len(m.Keys), tc.want)
			}
			for _, k := range m.Keys {
				if k.ID.IsNull() || k.KeyHash.IsNull() || !types.StringValue(testEmail).Equal(k.UserEmail) {
					t.Errorf("incomplete listed key %+v", k)
				}
			}
		}
	})
	t.Run("listing fails", func(t *testing.T) {
		ls := &listServer{status: 500, body: "down"}
		d := providerData(NewBackend(newClient(t, ls.start(t), "token"), time.Now, 1), time.Now)
		resp := readDataSource(t, &keysDataSource{}, d, map[string]tftypes.Value{"user_email": str(testEmail)})
		if !hasSummary(resp.Diagnostics, diag.SeverityError, "Could not list the keys") {
			t.Fatal(resp.Diagnostics)
		}
		resp = readDataSource(t, &keyDataSource{}, d, map[string]tftypes.Value{"user_email": str(testEmail), "id": str("key_1")})
		if !hasSummary(resp.Diagnostics, diag.SeverityError, "Could not read key") {
			t.Fatal(resp.Diagnostics)
		}
	})
	t.Run("backend not configured", func(t *testing.T) {
		d := backend.NewData(time.Now)
		d.Unconfigured(ServiceName, "set mixpeek.api_key.")
		resp := readDataSource(t, &keysDataSource{}, d, map[string]tftypes.Value{"user_email": str(testEmail)})
		if !hasSummary(resp.Diagnostics, diag.SeverityError, "mixpeek backend is not configured") {
			t.Fatal("no error without the backend")
		}
	})
	t.Run("metadata", func(t *testing.T) {
		for want, d := range map[string]datasource.DataSource{"apikey_mixpeek_key": NewKeyDataSource(), "apikey_mixpeek_keys": NewKeysDataSource()} {
			var resp datasource.MetadataResponse
			d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "apikey"}, &resp)
			if resp.TypeName != want {
				t.Errorf("type name %q, want %q", resp.TypeName, want)
			}
		}
	})
}
