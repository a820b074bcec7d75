package mixpeek_test

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
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
)

// Create with every attribute, update each in place (a rename included), clear them, replace on
// a new owner, and import.
func TestAccMixpeekKey_lifecycle(t *testing.T) {
	srv := newServer(t)
	full := `
  user_email          = "ops@example.com"
  name                = "tfacc-backend-service"
  description         = "Backend service key"
  permissions         = ["read", "write"]
  expires_at          = "2099-01-01T00:00:00Z"
  rate_limit_override = 120
  scopes = [
    { resource_type = "namespace", resource_id = "ns_reporting", operations = ["read_data"] },
    { resource_type = "collection", resource_id = "col_*" },
  ]`
	updated := `
  user_email          = "ops@example.com"
  name                = "tfacc-backend-service-v2"
  description         = "Renamed"
  permissions         = ["read"]
  expires_at          = "2098-06-30T12:00:00Z"
  rate_limit_override = 60
  scopes = [{ resource_type = "namespace", resource_id = "ns_other", operations = ["read_data", "write_data"] }]`
	cleared := `
  user_email  = "ops@example.com"
  name        = "tfacc-backend-service-v2"
  permissions = ["read"]`
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: keyConfig(srv, full),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("plaintext")),
						plancheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("plaintext")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^key_`))),
					statecheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("plaintext")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.StringRegexp(regexp.MustCompile(`^sk_`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("start"), knownvalue.StringRegexp(regexp.MustCompile(`^sk_.{7}\.\.\.$`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("description"), knownvalue.StringExact("Backend service key")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("key_hash"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("key_type"), knownvalue.StringExact("standard")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("user_id"), knownvalue.StringRegexp(regexp.MustCompile(`^usr_`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT.*Z$`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("revoked_at"), knownvalue.Null()),
					statecheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("internal_id")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("scopes"), knownvalue.SetSizeExact(2)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact("2099-01-01T00:00:00Z")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkKey(srv, func(k *mpclient.Key) error {
						firstID = k.KeyID
						switch {
						case k.Name != "tfacc-backend-service" || configuredDescription(k) != "Backend service key":
							return fmt.Errorf("name/description on server = %q/%q (want the configured description, after the create marker until the first refresh)", k.Name, k.Description)
						case !slices.Equal(sorted(k.Permissions), []string{"read", "write"}):
							return fmt.Errorf("permissions on server = %v", k.Permissions)
						case k.RateLimitOverride == nil || *k.RateLimitOverride != 120:
							return fmt.Errorf("rate_limit_override on server = %v", k.RateLimitOverride)
						case len(k.Scopes) != 2:
							return fmt.Errorf("scopes on server = %+v", k.Scopes)
						case k.ExpiresAt == nil || !sameInstant(*k.ExpiresAt, "2099-01-01T00:00:00Z"):
							return fmt.Errorf("expiry on server = %v", k.ExpiresAt)
						}
						return nil
					}),
					// The plaintext in state is the key's: its hash is the server's key_hash.
					func(s *terraform.State) error {
						attrs, err := stateAttrs(s, keyAddr)
						if err != nil {
							return err
						}
						if hashOf(attrs["plaintext"]) != attrs["key_hash"] {
							return fmt.Errorf("the plaintext in state does not hash to key_hash")
						}
						return nil
					},
				),
			},
			{
				// A rename addresses the key by its old name; the id is unchanged.
				Config: keyConfig(srv, updated),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				Check: checkKey(srv, func(k *mpclient.Key) error {
					switch {
					case k.KeyID != firstID:
						return fmt.Errorf("id changed from %s to %s", firstID, k.KeyID)
					case k.Name != "tfacc-backend-service-v2" || k.Description != "Renamed":
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
				Config: keyConfig(srv, cleared),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("scopes"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("rate_limit_override"), knownvalue.Null()),
				},
				Check: checkKey(srv, func(k *mpclient.Key) error {
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
				// Another owner replaces the key; the old one is revoked.
				Config: keyConfig(srv, `
  user_email  = "dev@example.com"
  name        = "tfacc-backend-service-v2"
  permissions = ["read"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("user_email"), knownvalue.StringExact("dev@example.com")),
				},
				Check: func(*terraform.State) error {
					old, err := srv.Mixpeek.FindKey(context.Background(), email, firstID)
					if err != nil {
						return err
					}
					if old.Status != mpclient.StatusRevoked {
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
func TestAccMixpeekKey_drift(t *testing.T) {
	srv := newLocalServer(t, "a key lost on the server (Dev.ForgetMixpeekKey)")
	config := keyConfig(srv, `
  user_email = "ops@example.com"
  name       = "tfacc-drifting"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					return srv.Mixpeek.RevokeKey(context.Background(), email, "tfacc-drifting")
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

// Unset permissions are Mixpeek's default, recorded at create; a permission granted outside
// Terraform is planned away, and the next plan is empty.
func TestAccMixpeekKey_defaultPermissionsDrift(t *testing.T) {
	srv := newServer(t)
	config := keyConfig(srv, `
  user_email = "ops@example.com"
  name       = "tfacc-defaulted"`)
	var defaults []string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("permissions"))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.NotNull()),
				},
				Check: checkKey(srv, func(k *mpclient.Key) error {
					defaults = sorted(k.Permissions)
					if len(defaults) == 0 {
						return fmt.Errorf("the server gave the key no permissions")
					}
					perms := append(append([]string(nil), k.Permissions...), "admin")
					_, err := srv.Mixpeek.UpdateKey(context.Background(), email, k.Name, mpclient.UpdateKeyRequest{Permissions: &perms})
					return err
				}),
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				Check: checkKey(srv, func(k *mpclient.Key) error {
					if !slices.Equal(sorted(k.Permissions), defaults) {
						return fmt.Errorf("permissions on server = %v, want the default %v back", k.Permissions, defaults)
					}
					return nil
				}),
			},
			{Config: config, PlanOnly: true},
		},
	})
}

// expires_at written with a non-UTC offset converges: state keeps the spelling, the server holds
// the same instant, and neither create nor update leaves a diff.
func TestAccMixpeekKey_expiresAtOffset(t *testing.T) {
	srv := newServer(t)
	config := func(expiry string) string {
		return keyConfig(srv, fmt.Sprintf(`
  user_email = "ops@example.com"
  name       = "tfacc-offset"
  expires_at = %q`, expiry))
	}
	checkServer := func(want string) resource.TestCheckFunc {
		return checkKey(srv, func(k *mpclient.Key) error {
			if k.ExpiresAt == nil || !sameInstant(*k.ExpiresAt, want) {
				return fmt.Errorf("server expiry %v, want the instant %s", k.ExpiresAt, want)
			}
			return nil
		})
	}
	const first, second = "2099-01-01T09:00:00+09:00", "2098-06-30T07:00:00-05:00"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config(first),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(first)),
				},
				Check: checkServer(first),
			},
			{Config: config(first), PlanOnly: true},
			{
				Config: config(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(second)),
				},
				Check: checkServer(second),
			},
			{Config: config(second), PlanOnly: true},
			{
				// The same instant in UTC is no change.
				Config: config("2098-06-30T12:00:00Z"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func TestAccMixpeekKey_identity(t *testing.T) {
	srv := newServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		TerraformVersionChecks:   identityVersions,
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: keyConfig(srv, `
  user_email = "ops@example.com"
  name       = "tfacc-identified"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(keyAddr, map[string]knownvalue.Check{
						"user_email": knownvalue.StringExact(email),
						"id":         knownvalue.StringRegexp(regexp.MustCompile(`^key_`)),
					}),
					statecheck.ExpectIdentityValueMatchesState(keyAddr, tfjsonpath.New("id")),
					statecheck.ExpectIdentityValueMatchesState(keyAddr, tfjsonpath.New("user_email")),
				},
			},
			{
				ResourceName:    keyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				ResourceName:    keyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					id, err := stateKeyID(s)
					return email + "/" + id, err
				},
			},
		},
	})
}

// Malformed import ids are refused with the expected form, before any request.
func TestAccMixpeekKey_importInvalidID(t *testing.T) {
	for _, id := range []string{"key_only", "/key_abc", "ops@example.com/", "not-an-email/key_abc"} {
		t.Run(id, func(t *testing.T) {
			srv := newLocalServer(t, "request counts (Dev.Stats)")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config: keyConfig(srv, `
  user_email = "ops@example.com"
  name       = "tfacc-imported"`),
					ResourceName:  keyAddr,
					ImportState:   true,
					ImportStateId: id,
					ExpectError:   errorPattern("Invalid import id", "<user_email>/<key_id>"),
				}},
			})
			if n := srv.Dev.Stats().Requests; n != 0 {
				t.Errorf("%d requests reached the server for a malformed import id: %v", n, srv.Dev.Stats().ByRoute)
			}
		})
	}
}
