package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
)

const mixpeekEmail = "ops@example.com"

func mixpeekKeyConfig(srv *acctest.Server, body string) string {
	return srv.ProviderConfig(backendMixpeek) + fmt.Sprintf("\nresource \"apikey_key\" \"test\" {\n%s\n}\n", body)
}

// checkMixpeekKey runs fn on the key as the server lists it (revoked keys included).
func checkMixpeekKey(srv *acctest.Server, fn func(*mixpeek.Key) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		email := s.RootModule().Resources[keyAddr].Primary.Attributes["mixpeek.user_email"]
		k, err := srv.Mixpeek.FindKey(context.Background(), email, id)
		if err != nil {
			return fmt.Errorf("finding key %s on the server: %w", id, err)
		}
		return fn(k)
	}
}

func checkMixpeekRevoked(srv *acctest.Server) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "apikey_key" {
				continue
			}
			k, err := srv.Mixpeek.FindKey(context.Background(), rs.Primary.Attributes["mixpeek.user_email"], rs.Primary.ID)
			if err != nil {
				return fmt.Errorf("finding key %s after destroy: %w", rs.Primary.ID, err)
			}
			if k.Status != mixpeek.StatusRevoked {
				return fmt.Errorf("key %s is %q after destroy, want revoked", rs.Primary.ID, k.Status)
			}
		}
		return nil
	}
}

func TestAccKeyResource_mixpeekLifecycle(t *testing.T) {
	srv := acctest.NewServer(t)
	full := `
  name        = "backend-service"
  permissions = ["read", "write"]
  expires_at  = "2099-01-01T00:00:00Z"
  mixpeek = {
    user_email          = "ops@example.com"
    description         = "Backend service key"
    rate_limit_override = 120
    scopes = [
      { resource_type = "namespace", resource_id = "ns_reporting", operations = ["read_data"] },
      { resource_type = "collection", resource_id = "col_*" },
    ]
  }`
	updated := `
  name        = "backend-service-v2"
  permissions = ["read"]
  expires_at  = "2098-06-30T12:00:00Z"
  mixpeek = {
    user_email          = "ops@example.com"
    description         = "Renamed"
    rate_limit_override = 60
    scopes = [{ resource_type = "namespace", resource_id = "ns_other", operations = ["read_data", "write_data"] }]
  }`
	cleared := `
  name = "backend-service-v2"
  mixpeek = {
    user_email = "ops@example.com"
  }`
	var firstID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMixpeekRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: mixpeekKeyConfig(srv, full),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^key_`))),
					statecheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("plaintext")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.StringRegexp(regexp.MustCompile(`^sk_`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("start"), knownvalue.StringRegexp(regexp.MustCompile(`^sk_.{7}\.\.\.$`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("mixpeek").AtMapKey("key_hash"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("mixpeek").AtMapKey("key_type"), knownvalue.StringExact("standard")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("mixpeek").AtMapKey("user_id"), knownvalue.StringRegexp(regexp.MustCompile(`^usr_`))),
					statecheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("mixpeek").AtMapKey("internal_id")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("mixpeek").AtMapKey("scopes"), knownvalue.SetSizeExact(2)),
				},
				Check: checkMixpeekKey(srv, func(k *mixpeek.Key) error {
					firstID = k.KeyID
					switch {
					case k.Name != "backend-service" || k.Description != "Backend service key":
						return fmt.Errorf("name/description on server = %q/%q", k.Name, k.Description)
					case !slices.Equal(sorted(k.Permissions), []string{"read", "write"}):
						return fmt.Errorf("permissions on server = %v", k.Permissions)
					case k.RateLimitOverride == nil || *k.RateLimitOverride != 120:
						return fmt.Errorf("rate_limit_override on server = %v", k.RateLimitOverride)
					case len(k.Scopes) != 2:
						return fmt.Errorf("scopes on server = %+v", k.Scopes)
					case k.ExpiresAt == nil:
						return fmt.Errorf("no expiry on server")
					}
					return nil
				}),
			},
			{
				// A rename addresses the key by its old name; the id is unchanged.
				Config: mixpeekKeyConfig(srv, updated),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				Check: checkMixpeekKey(srv, func(k *mixpeek.Key) error {
					switch {
					case k.KeyID != firstID:
						return fmt.Errorf("id changed from %s to %s", firstID, k.KeyID)
					case k.Name != "backend-service-v2" || k.Description != "Renamed":
						return fmt.Errorf("name/description on server = %q/%q", k.Name, k.Description)
					case !slices.Equal(k.Permissions, []string{"read"}):
						return fmt.Errorf("permissions on server = %v", k.Permissions)
					case k.RateLimitOverride == nil || *k.RateLimitOverride != 60:
						return fmt.Errorf("rate_limit_override on server = %v", k.RateLimitOverride)
					case len(k.Scopes) != 1 || k.Scopes[0].ResourceID != "ns_other":
						return fmt.Errorf("scopes on server = %+v", k.Scopes)
					case k.ExpiresAt == nil || !sameInstant(*k.ExpiresAt, "2098-06-30T12:00:00Z"):
						return fmt.Errorf("expiry on server = %v", k.ExpiresAt)
					}
					return nil
				}),
			},
			{
				// Removing each in-place attribute clears it on the server.
				Config: mixpeekKeyConfig(srv, cleared),
				Check: checkMixpeekKey(srv, func(k *mixpeek.Key) error {
					switch {
					case k.Description != "":
						return fmt.Errorf("description not cleared: %q", k.Description)
					case k.RateLimitOverride != nil:
						return fmt.Errorf("rate_limit_override not cleared: %d", *k.RateLimitOverride)
					case len(k.Scopes) != 0:
						return fmt.Errorf("scopes not cleared: %+v", k.Scopes)
					case k.ExpiresAt != nil:
						return fmt.Errorf("expiry not cleared: %s", *k.ExpiresAt)
					}
					return nil
				}),
			},
			{
				// Another owner replaces the key.
				Config: mixpeekKeyConfig(srv, `
  name    = "backend-service-v2"
  mixpeek = { user_email = "dev@example.com" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("mixpeek").AtMapKey("user_email"), knownvalue.StringExact("dev@example.com")),
				},
				Check: func(s *terraform.State) error {
					old, err := srv.Mixpeek.FindKey(context.Background(), mixpeekEmail, firstID)
					if err != nil {
						return err
					}
					if old.Status != mixpeek.StatusRevoked {
						return fmt.Errorf("replaced key %s is %q, want revoked", firstID, old.Status)
					}
					return nil
				},
			},
			{
				ResourceName:            keyAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"plaintext"},
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					id, err := stateKeyID(s)
					return "dev@example.com/" + id, err
				},
			},
		},
	})
}

// Revoked and missing out of band: both are removed from state and planned again.
func TestAccKeyResource_mixpeekDrift(t *testing.T) {
	srv := acctest.NewServer(t)
	config := mixpeekKeyConfig(srv, `
  name    = "drifting"
  mixpeek = { user_email = "ops@example.com" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMixpeekRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					return srv.Mixpeek.RevokeKey(context.Background(), mixpeekEmail, "drifting")
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
				// Now the record vanishes from the listing altogether.
				Check: func(s *terraform.State) error {
					id, err := stateKeyID(s)
					if err != nil {
						return err
					}
					return srv.Dev.ForgetMixpeekKey(context.Background(), id)
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
			},
		},
	})
}

func TestAccKeysDataSource_mixpeek(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	var revokedID string
	for i := range 3 {
		created, err := srv.Mixpeek.CreateKey(ctx, mixpeekEmail, mixpeek.CreateKeyRequest{Name: fmt.Sprintf("listed-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			revokedID = created.KeyID
		}
	}
	if err := srv.Mixpeek.RevokeKey(ctx, mixpeekEmail, "listed-0"); err != nil {
		t.Fatal(err)
	}
	config := srv.ProviderConfig(backendMixpeek) + fmt.Sprintf(`
data "apikey_keys" "active" {
  name_prefix = "listed-"
  mixpeek     = { user_email = %[1]q }
}

data "apikey_keys" "all" {
  name_prefix = "listed-"
  mixpeek     = { user_email = %[1]q, include_revoked = true }
}

data "apikey_key" "revoked" {
  id      = %[2]q
  mixpeek = { user_email = %[1]q }
}
`, mixpeekEmail, revokedID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.apikey_keys.active", tfjsonpath.New("keys"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue("data.apikey_keys.all", tfjsonpath.New("keys"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("data.apikey_key.revoked", tfjsonpath.New("status"), knownvalue.StringExact("revoked")),
					statecheck.ExpectKnownValue("data.apikey_key.revoked", tfjsonpath.New("name"), knownvalue.StringExact("listed-0")),
				},
			},
		},
	})
}
