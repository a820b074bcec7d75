package mixpeek

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
)

func TestKeyDisplayName(t *testing.T) {
	prefix := "mxp_ab12"
	cases := []struct {
		key  mixpeek.Key
		want string
	}{
		{mixpeek.Key{KeyID: "key_1", Name: "reporting", KeyPrefix: &prefix, Status: mixpeek.StatusActive}, "reporting (mxp_ab12)"},
		{mixpeek.Key{KeyID: "key_1", Name: "reporting", KeyPrefix: &prefix, Status: mixpeek.StatusRevoked}, "reporting (mxp_ab12, revoked)"},
		{mixpeek.Key{KeyID: "key_1", Name: "reporting", Status: mixpeek.StatusRevoked}, "reporting (revoked)"},
		{mixpeek.Key{KeyID: "key_1"}, "key_1"},
	}
	for _, tc := range cases {
		if got := keyDisplayName(&tc.key); got != tc.want {
			t.Errorf("keyDisplayName(%+v) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestKeyListResource(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	for _, name := range []string{"svc-a", "svc-b", "other"} {
		if _, err := svc.Value.Client.CreateKey(ctx, unitEmail, mixpeek.CreateKeyRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.Value.Client.RevokeKey(ctx, unitEmail, "svc-b"); err != nil {
		t.Fatal(err)
	}
	l := &keyListResource{svc: svc}
	var sr list.ListResourceSchemaResponse
	l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &sr)
	r := &keyResource{}
	var rs resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &rs)
	var is resource.IdentitySchemaResponse
	r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &is)

	cases := []struct {
		name    string
		vals    map[string]tftypes.Value
		include bool
		limit   int64
		want    []string // display names, without the start
	}{
		{name: "live svc keys", vals: map[string]tftypes.Value{"name_prefix": str("svc-")}, include: true, want: []string{"svc-a"}},
		{name: "with revoked", vals: map[string]tftypes.Value{"name_prefix": str("svc-"), "include_revoked": tftypes.NewValue(tftypes.Bool, true)}, want: []string{"svc-a", "svc-b"}},
		{name: "limit", vals: map[string]tftypes.Value{}, limit: 2, want: []string{"", ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vals := map[string]tftypes.Value{"user_email": str(unitEmail)}
			for k, v := range tc.vals {
				vals[k] = v
			}
			var stream list.ListResultsStream
			l.List(ctx, list.ListRequest{
				Config: tfsdk.Config{Schema: sr.Schema, Raw: configFor(t, sr.Schema, vals)}, IncludeResource: tc.include, Limit: tc.limit,
				ResourceSchema: rs.Schema, ResourceIdentitySchema: is.IdentitySchema,
			}, &stream)
			var got []list.ListResult
			for res := range stream.Results {
				if res.Diagnostics.HasError() {
					t.Fatal(diagText(res.Diagnostics))
				}
				got = append(got, res)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d results, want %d", len(got), len(tc.want))
			}
			for i, res := range got {
				if !strings.HasPrefix(res.DisplayName, tc.want[i]) {
					t.Errorf("result %d is %q, want %q", i, res.DisplayName, tc.want[i])
				}
				var ident keyIdentityModel
				if d := res.Identity.Get(ctx, &ident); d.HasError() || ident.UserEmail.ValueString() != unitEmail || ident.ID.ValueString() == "" {
					t.Errorf("identity %v %v", ident, d)
				}
				if tc.include {
					var m keyModel
					if d := res.Resource.Get(ctx, &m); d.HasError() {
						t.Fatal(diagText(d))
					}
					if m.Name.ValueString() != tc.want[i] || m.UserEmail.ValueString() != unitEmail || !m.StorePlaintext.ValueBool() || !m.Scopes.IsNull() {
						t.Errorf("resource object %+v", m)
					}
				}
			}
		})
	}

	t.Run("listing fails", func(t *testing.T) {
		broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "upstream unavailable", http.StatusInternalServerError)
		}))
		defer broken.Close()
		hc, err := transport.New(transport.Config{BaseURL: broken.URL, Token: "t", RequestTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		data := backend.NewData(time.Now)
		data.Register(ServiceName, NewBackend(mixpeek.New(hc), time.Now, 1))
		bad, _ := lookup(data)
		var stream list.ListResultsStream
		(&keyListResource{svc: bad}).List(ctx, list.ListRequest{
			Config:         tfsdk.Config{Schema: sr.Schema, Raw: configFor(t, sr.Schema, map[string]tftypes.Value{"user_email": str(unitEmail)})},
			ResourceSchema: rs.Schema, ResourceIdentitySchema: is.IdentitySchema,
		}, &stream)
		var got []list.ListResult
		for res := range stream.Results {
			got = append(got, res)
		}
		if len(got) != 1 || !strings.Contains(diagText(got[0].Diagnostics), "Could not list the keys of "+unitEmail) {
			t.Fatalf("want one error result naming the user, got %d", len(got))
		}
	})
}
