package mixpeek_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
)

// Listings by prefix with and without revoked keys, and a revoked key read by id.
func TestAccMixpeekKeysDataSource_listing(t *testing.T) {
	acctest.SkipIfShared(t, "it counts every key of the user")
	srv := newServer(t)
	ctx := context.Background()
	var revokedID string
	for i := range 3 {
		created, err := srv.Mixpeek.CreateKey(ctx, email, mpclient.CreateKeyRequest{Name: fmt.Sprintf("tfacc-listed-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			revokedID = created.KeyID
		}
	}
	if _, err := srv.Mixpeek.CreateKey(ctx, email, mpclient.CreateKeyRequest{Name: "tfacc-other"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Mixpeek.CreateKey(ctx, "dev@example.com", mpclient.CreateKeyRequest{Name: "tfacc-listed-dev"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Mixpeek.RevokeKey(ctx, email, "tfacc-listed-0"); err != nil {
		t.Fatal(err)
	}
	config := srv.ProviderConfig() + fmt.Sprintf(`
data "apikey_mixpeek_keys" "active" {
  user_email  = %[1]q
  name_prefix = "tfacc-listed-"
}

data "apikey_mixpeek_keys" "all" {
  user_email      = %[1]q
  name_prefix     = "tfacc-listed-"
  include_revoked = true
}

data "apikey_mixpeek_keys" "everything" {
  user_email = %[1]q
}

data "apikey_mixpeek_key" "revoked" {
  user_email = %[1]q
  id         = %[2]q
}
`, email, revokedID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.apikey_mixpeek_keys.active", tfjsonpath.New("keys"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue("data.apikey_mixpeek_keys.all", tfjsonpath.New("keys"), knownvalue.ListSizeExact(3)),
				// tfacc-listed-1, tfacc-listed-2, tfacc-other and the user's protected admin-key.
				statecheck.ExpectKnownValue("data.apikey_mixpeek_keys.everything", tfjsonpath.New("keys"), knownvalue.ListSizeExact(4)),
				statecheck.ExpectKnownValue("data.apikey_mixpeek_keys.active", tfjsonpath.New("keys").AtSliceIndex(0).AtMapKey("user_email"), knownvalue.StringExact(email)),
				statecheck.ExpectKnownValue("data.apikey_mixpeek_keys.active", tfjsonpath.New("keys").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("active")),
				statecheck.ExpectKnownValue("data.apikey_mixpeek_key.revoked", tfjsonpath.New("status"), knownvalue.StringExact("revoked")),
				statecheck.ExpectKnownValue("data.apikey_mixpeek_key.revoked", tfjsonpath.New("name"), knownvalue.StringExact("tfacc-listed-0")),
				statecheck.ExpectKnownValue("data.apikey_mixpeek_key.revoked", tfjsonpath.New("revoked_at"), knownvalue.NotNull()),
			},
		}},
	})
}

// The single-key data source reads every non-secret field of a managed key as the resource has it.
func TestAccMixpeekKeyDataSource_managedKey(t *testing.T) {
	srv := newServer(t)
	config := keyConfig(srv, `
  user_email          = "ops@example.com"
  name                = "tfacc-read-back"
  description         = "read by the data source"
  permissions         = ["read", "write"]
  expires_at          = "2099-01-01T00:00:00Z"
  rate_limit_override = 30
  scopes = [{ resource_type = "namespace", resource_id = "ns_a", operations = ["read_data"] }]`) + `
data "apikey_mixpeek_key" "read" {
  user_email = apikey_mixpeek_key.test.user_email
  id         = apikey_mixpeek_key.test.id
}
`
	same := compare.ValuesSame()
	pairs := []string{"id", "name", "description", "permissions", "scopes", "rate_limit_override", "expires_at", "start", "status", "created_at", "key_hash", "key_type", "organization_id", "user_id", "created_by", "allowed_origins"}
	checks := make([]statecheck.StateCheck, 0, len(pairs)+1)
	for _, a := range pairs {
		checks = append(checks, statecheck.CompareValuePairs(dataAddr, tfjsonpath.New(a), keyAddr, tfjsonpath.New(a), same))
	}
	checks = append(checks, statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("key_hash"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps:                    []resource.TestStep{{Config: config, ConfigStateChecks: checks}},
	})
}

// Lookups of a missing key, and with a malformed email, fail naming the attribute.
func TestAccMixpeekKeyDataSource_errors(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
		requests   bool
	}{
		{name: "unknown id", body: `user_email = "ops@example.com"` + "\nid = \"key_missing\"", want: []string{"Key not found", "key_missing"}, requests: true},
		{name: "bad email", body: `user_email = "ops"` + "\nid = \"key_x\"", want: []string{"user_email", "email"}},
		{name: "blank id", body: `user_email = "ops@example.com"` + "\nid = \"\"", want: []string{"id", "must not be empty"}},
		{name: "list with bad email", body: "", want: []string{"user_email", "email"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newLocalServer(t, "request counts (Dev.Stats)")
			ds := fmt.Sprintf("data \"apikey_mixpeek_key\" \"x\" {\n%s\n}\n", tc.body)
			if tc.body == "" {
				ds = "data \"apikey_mixpeek_keys\" \"x\" {\n user_email = \"not-an-email\"\n}\n"
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps:                    []resource.TestStep{{Config: srv.ProviderConfig() + ds, ExpectError: errorPattern(tc.want...)}},
			})
			if n := srv.Dev.Stats().Requests; (n != 0) != tc.requests {
				t.Errorf("%d requests reached the server, want requests=%t", n, tc.requests)
			}
		})
	}
}
