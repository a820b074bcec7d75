package unkey

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

func TestKeyDisplayName(t *testing.T) {
	name, empty := "billing", ""
	cases := []struct {
		key  unkey.Key
		want string
	}{
		{unkey.Key{KeyID: "key_1", Name: &name, Start: "bill_Ab3d"}, "billing (bill_Ab3d)"},
		{unkey.Key{KeyID: "key_1", Name: &name}, "billing"},
		{unkey.Key{KeyID: "key_1", Start: "Ab3d"}, "key_1 (Ab3d)"},
		{unkey.Key{KeyID: "key_1", Name: &empty}, "key_1"},
	}
	for _, tc := range cases {
		if got := keyDisplayName(&tc.key); got != tc.want {
			t.Errorf("keyDisplayName(%+v) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

// listed runs the list resource with the given configuration.
func listed(t *testing.T, svc service, vals map[string]tftypes.Value, includeResource bool, limit int64) []list.ListResult {
	t.Helper()
	ctx := context.Background()
	l := &keyListResource{svc: svc}
	var sr list.ListResourceSchemaResponse
	l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &sr)
	r := &keyResource{}
	var rs resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &rs)
	var is resource.IdentitySchemaResponse
	r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &is)
	req := list.ListRequest{
		Config:                 tfsdk.Config{Schema: sr.Schema, Raw: configFor(t, sr.Schema, vals)},
		IncludeResource:        includeResource,
		Limit:                  limit,
		ResourceSchema:         rs.Schema,
		ResourceIdentitySchema: is.IdentitySchema,
	}
	var stream list.ListResultsStream
	l.List(ctx, req, &stream)
	var out []list.ListResult
	for res := range stream.Results {
		out = append(out, res)
	}
	return out
}

func TestKeyListResource(t *testing.T) {
	tb := newTestBackend(t)
	ctx := context.Background()
	for i := range 12 {
		tb.createKey(t, unkey.CreateKeyRequest{Name: fmt.Sprintf("bulk-%02d", i)})
	}
	svcKey := tb.createKey(t, unkey.CreateKeyRequest{Name: "svc-a", Prefix: "svc", ExternalID: "acme"})
	api := map[string]tftypes.Value{"api_id": str(tb.apiID)}
	with := func(extra map[string]tftypes.Value) map[string]tftypes.Value {
		out := map[string]tftypes.Value{"api_id": str(tb.apiID)}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}

	cases := []struct {
		name    string
		vals    map[string]tftypes.Value
		include bool
		limit   int64
		want    int
	}{
		{name: "all", vals: api, want: 13},
		{name: "limit", vals: api, limit: 5, want: 5},
		{name: "name prefix", vals: with(map[string]tftypes.Value{"name_prefix": str("svc-")}), include: true, want: 1},
		{name: "external id", vals: with(map[string]tftypes.Value{"external_id": str("acme")}), want: 1},
		{name: "no match", vals: with(map[string]tftypes.Value{"name_prefix": str("nothing")}), want: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			results := listed(t, tb.svc, tc.vals, tc.include, tc.limit)
			if len(results) != tc.want {
				t.Fatalf("%d results, want %d", len(results), tc.want)
			}
			for _, res := range results {
				if res.Diagnostics.HasError() {
					t.Fatal(diagText(res.Diagnostics))
				}
				var ident keyIdentityModel
				if d := res.Identity.Get(ctx, &ident); d.HasError() {
					t.Fatal(diagText(d))
				}
				if ident.APIID.ValueString() != tb.apiID || ident.ID.ValueString() == "" {
					t.Errorf("identity %v", ident)
				}
				if !tc.include {
					if !res.Resource.Raw.IsNull() {
						t.Error("a resource object without include_resource")
					}
					continue
				}
				var m keyModel
				if d := res.Resource.Get(ctx, &m); d.HasError() {
					t.Fatal(diagText(d))
				}
				if m.ID.ValueString() != svcKey.KeyID || m.APIID.ValueString() != tb.apiID || m.Name.ValueString() != "svc-a" ||
					m.ExternalID.ValueString() != "acme" || m.Prefix.ValueString() != "svc" || !m.StorePlaintext.ValueBool() || !m.Plaintext.IsNull() {
					t.Errorf("resource object %+v", m)
				}
				if !strings.HasPrefix(res.DisplayName, "svc-a (svc_") {
					t.Errorf("display name %q", res.DisplayName)
				}
			}
		})
	}

	t.Run("listing fails", func(t *testing.T) {
		results := listed(t, tb.svc, map[string]tftypes.Value{"api_id": str("api_missing")}, false, 0)
		if len(results) != 1 || !strings.Contains(diagText(results[0].Diagnostics), "Could not list the keys of API api_missing") {
			t.Fatalf("want one error result naming the API, got %d: %v", len(results), results)
		}
	})
	t.Run("backend not configured", func(t *testing.T) {
		unconfigured, _ := lookup(nil)
		results := listed(t, unconfigured, api, false, 0)
		if len(results) != 1 || !results[0].Diagnostics.HasError() {
			t.Fatalf("want one error result, got %v", results)
		}
	})
}
