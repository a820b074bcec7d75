package unkey_test

import (
	"context"
	"encoding/json"
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
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

func TestAccUnkeyKey_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	body := func(name string) string {
		return keyConfig(srv, fmt.Sprintf(`
  name   = %q
  api_id = %q
  prefix = "sk_test"`, acctest.NamePrefix+name, srv.APIID))
	}
	serverName := func(want string) resource.TestCheckFunc {
		return checkServerKey(srv, func(k *unkey.Key) error {
			if k.Name == nil || *k.Name != acctest.NamePrefix+want {
				return fmt.Errorf("server name = %v, want %s", k.Name, want)
			}
			return nil
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: body("billing-service"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("plaintext")),
						plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("plaintext")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^key_`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("start"), knownvalue.StringRegexp(regexp.MustCompile(`^sk_test_[1-9A-HJ-NP-Za-km-z]{4}$`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.StringRegexp(regexp.MustCompile(`^sk_test_[1-9A-HJ-NP-Za-km-z]{20,}$`))),
					statecheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("plaintext")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("byte_length"), knownvalue.Int64Exact(16)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("api_id"), knownvalue.StringExact(srv.APIID)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(serverName("billing-service"), checkPlaintextVerifies(srv, keyAddr, true)),
			},
			{
				// A rename updates in place and keeps the plaintext and id.
				Config: body("billing-service-v2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.StringExact("tfacc-billing-service-v2")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkPlaintextVerifies(srv, keyAddr, true), serverName("billing-service-v2")),
			},
		},
	})
}

// A key deleted outside Terraform is removed from state on refresh and planned again.
func TestAccUnkeyKey_deletedOutOfBand(t *testing.T) {
	srv := acctest.NewServer(t)
	config := keyConfig(srv, fmt.Sprintf(`name = "tfacc-gone"
  api_id = %q`, srv.APIID))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					id, err := stateKeyID(s)
					if err != nil {
						return err
					}
					return srv.Unkey.DeleteKey(context.Background(), id, false)
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate)},
				},
				Check: checkPlaintextVerifies(srv, keyAddr, true),
			},
		},
	})
}

func fullKeyBody(apiID string) string {
	return fmt.Sprintf(`
  api_id      = %q
  name        = "tfacc-full"
  prefix      = "sk_full"
  byte_length = 24
  recoverable = true
  external_id = "tfacc-customer_42"
  meta        = jsonencode({ team = "billing", tier = 2 })
  roles       = ["tfacc-support"]
  permissions = ["tfacc-invoices.read", "tfacc-invoices.write"]
  expires_at  = "2099-06-30T00:00:00Z"
  enabled     = true
  credits = {
    remaining = 1000
    refill    = { interval = "monthly", amount = 500, refill_day = 1 }
  }
  ratelimits = [
    { name = "requests", limit = 100, duration = "1m", auto_apply = true },
    { name = "burst", limit = 10, duration = "1s" },
  ]
  permanent_delete = true`, apiID)
}

func checkRecoverable(srv *acctest.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs := s.RootModule().Resources[keyAddr]
		k, err := srv.Unkey.GetKey(context.Background(), rs.Primary.ID, true)
		if err != nil {
			return err
		}
		if k.Plaintext == nil || *k.Plaintext != rs.Primary.Attributes["plaintext"] {
			return fmt.Errorf("decrypted plaintext of %s does not match the one in state", rs.Primary.ID)
		}
		return nil
	}
}

func TestAccUnkeyKey_fullLifecycle(t *testing.T) {
	srv := acctest.NewServer(t)
	mustCreateRole(t, srv, "tfacc-support", "tfacc-tickets.read")
	mustCreateRole(t, srv, "tfacc-billing", "tfacc-invoices.read", "tfacc-refunds.write")

	updated := fmt.Sprintf(`
  api_id      = %q
  name        = "tfacc-full-renamed"
  prefix      = "sk_full"
  byte_length = 24
  recoverable = true
  external_id = "tfacc-customer_43"
  meta        = jsonencode({ team = "payments" })
  roles       = ["tfacc-billing"]
  permissions = ["tfacc-invoices.read", "tfacc-exports.run"]
  expires_at  = "2098-01-01T12:00:00Z"
  enabled     = false
  credits = {
    remaining = 50
    refill    = { interval = "daily", amount = 10 }
  }
  ratelimits = [{ name = "requests", limit = 200, duration = "10s", auto_apply = false }]
  permanent_delete = true`, srv.APIID)
	// Everything that can be removed is removed; the server must then hold no value for it.
	cleared := fmt.Sprintf(`
  api_id      = %q
  prefix      = "sk_full"
  byte_length = 24
  recoverable = true
  permanent_delete = true`, srv.APIID)
	reformatted := regexp.MustCompile(`meta\s+= jsonencode\(\{ team = "billing", tier = 2 \}\)`).
		ReplaceAllString(fullKeyBody(srv.APIID), `meta = "{\"tier\": 2,\n \"team\":   \"billing\"}"`)
	if reformatted == fullKeyBody(srv.APIID) {
		t.Fatal("the meta line to reformat was not found")
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: keyConfig(srv, fullKeyBody(srv.APIID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("start"), knownvalue.StringRegexp(regexp.MustCompile(`^sk_full_`))),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("effective_permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("tfacc-invoices.read"), knownvalue.StringExact("tfacc-invoices.write"), knownvalue.StringExact("tfacc-tickets.read")})),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("tfacc-invoices.read"), knownvalue.StringExact("tfacc-invoices.write")})),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("identity").AtMapKey("external_id"), knownvalue.StringExact("tfacc-customer_42")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("remaining_credits"), knownvalue.Int64Exact(1000)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
				// The server is checked before the verification spends a credit.
				Check: resource.ComposeAggregateTestCheckFunc(
					checkServerKey(srv, func(k *unkey.Key) error {
						var meta map[string]any
						if err := json.Unmarshal(k.Meta, &meta); err != nil || meta["team"] != "billing" {
							return fmt.Errorf("meta on server = %s", k.Meta)
						}
						switch {
						case k.Expires == nil || unkey.FormatTime(*k.Expires) != "2099-06-30T00:00:00Z":
							return fmt.Errorf("expires on server = %v", k.Expires)
						case k.Identity == nil || k.Identity.ExternalID != "tfacc-customer_42":
							return fmt.Errorf("identity on server = %+v", k.Identity)
						case !slices.Equal(sorted(k.Roles), []string{"tfacc-support"}):
							return fmt.Errorf("roles on server = %v", k.Roles)
						case k.Credits == nil || k.Credits.Remaining == nil || *k.Credits.Remaining != 1000 || k.Credits.Refill == nil || k.Credits.Refill.Interval != "monthly" || k.Credits.Refill.RefillDay == nil || *k.Credits.Refill.RefillDay != 1:
							return fmt.Errorf("credits on server = %+v", k.Credits)
						case len(k.Ratelimits) != 2:
							return fmt.Errorf("ratelimits on server = %+v", k.Ratelimits)
						}
						return nil
					}),
					checkRecoverable(srv),
					checkPlaintextVerifies(srv, keyAddr, true),
				),
			},
			{
				// Same configuration, meta reformatted and reordered: no diff.
				Config: keyConfig(srv, reformatted),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: keyConfig(srv, updated),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("disabled")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("effective_permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("tfacc-invoices.read"), knownvalue.StringExact("tfacc-exports.run"), knownvalue.StringExact("tfacc-refunds.write")})),
					// invoices.read is also granted by the billing role, and stays direct because it is configured.
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("tfacc-invoices.read"), knownvalue.StringExact("tfacc-exports.run")})),
				},
				Check: checkServerKey(srv, func(k *unkey.Key) error {
					switch {
					case k.Name == nil || *k.Name != "tfacc-full-renamed":
						return fmt.Errorf("name on server = %v", k.Name)
					case k.Enabled:
						return fmt.Errorf("key still enabled on server")
					case k.Expires == nil || unkey.FormatTime(*k.Expires) != "2098-01-01T12:00:00Z":
						return fmt.Errorf("expires on server = %v", k.Expires)
					case k.Identity == nil || k.Identity.ExternalID != "tfacc-customer_43":
						return fmt.Errorf("identity on server = %+v", k.Identity)
					case !slices.Equal(sorted(k.Roles), []string{"tfacc-billing"}):
						return fmt.Errorf("roles on server = %v", k.Roles)
					case k.Credits == nil || *k.Credits.Remaining != 50 || k.Credits.Refill == nil || k.Credits.Refill.Interval != "daily" || k.Credits.Refill.RefillDay != nil:
						return fmt.Errorf("credits on server = %+v", k.Credits)
					case len(k.Ratelimits) != 1 || k.Ratelimits[0].Limit != 200 || k.Ratelimits[0].Duration != 10000 || k.Ratelimits[0].AutoApply:
						return fmt.Errorf("ratelimits on server = %+v", k.Ratelimits)
					case string(k.Meta) == "" || !json.Valid(k.Meta):
						return fmt.Errorf("meta on server = %s", k.Meta)
					}
					return nil
				}),
			},
			{
				Config: keyConfig(srv, cleared),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("credits"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("remaining_credits"), knownvalue.Null()),
				},
				Check: checkServerKey(srv, func(k *unkey.Key) error {
					switch {
					case k.Name != nil:
						return fmt.Errorf("name not cleared: %q", *k.Name)
					case k.Expires != nil:
						return fmt.Errorf("expiry not cleared: %d", *k.Expires)
					case k.Identity != nil:
						return fmt.Errorf("identity not unlinked: %+v", k.Identity)
					case len(k.Meta) != 0:
						return fmt.Errorf("meta not cleared: %s", k.Meta)
					case len(k.Roles) != 0:
						return fmt.Errorf("roles not cleared: %v", k.Roles)
					case len(k.Permissions) != 0:
						return fmt.Errorf("permissions not cleared: %v", k.Permissions)
					case k.Credits != nil:
						return fmt.Errorf("credits not cleared: %+v", k.Credits)
					case len(k.Ratelimits) != 0:
						return fmt.Errorf("ratelimits not cleared: %+v", k.Ratelimits)
					case !k.Enabled:
						return fmt.Errorf("key not re-enabled")
					}
					return nil
				}),
			},
		},
	})
}

// Each input the API cannot change plans a replacement.
func TestAccUnkeyKey_forceNew(t *testing.T) {
	srv := acctest.NewLocalServer(t, "an extra API opted into key encryption (Dev.SetAPIEncryption)")
	otherAPI, err := srv.Dev.CreateAPI(context.Background(), "other")
	if err != nil {
		t.Fatal(err)
	}
	// The last step creates a recoverable key there.
	if err := srv.Dev.SetAPIEncryption(otherAPI, true); err != nil {
		t.Fatal(err)
	}
	body := func(apiID, prefix string, byteLength int, recoverable bool) string {
		return keyConfig(srv, fmt.Sprintf(`
  api_id      = %q
  prefix      = %q
  byte_length = %d
  recoverable = %t`, apiID, prefix, byteLength, recoverable))
	}
	replace := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{Config: body(srv.APIID, "aa", 16, false)},
			{Config: body(srv.APIID, "bb", 16, false), ConfigPlanChecks: replace, Check: checkPlaintextVerifies(srv, keyAddr, true)},
			{Config: body(srv.APIID, "bb", 32, false), ConfigPlanChecks: replace, Check: checkPlaintextVerifies(srv, keyAddr, true)},
			{Config: body(srv.APIID, "bb", 32, true), ConfigPlanChecks: replace, Check: checkPlaintextVerifies(srv, keyAddr, true)},
			{Config: body(otherAPI, "bb", 32, true), ConfigPlanChecks: replace, Check: checkPlaintextVerifies(srv, keyAddr, true)},
		},
	})
}

func importID(srv *acctest.Server) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		id, err := stateKeyID(s)
		return srv.APIID + "/" + id, err
	}
}

func TestAccUnkeyKey_import(t *testing.T) {
	srv := acctest.NewServer(t)
	mustCreateRole(t, srv, "tfacc-support", "tfacc-tickets.read")
	body := func(duration, autoApply string) string {
		return keyConfig(srv, fmt.Sprintf(`
  api_id      = %q
  name        = "tfacc-imported"
  prefix      = "sk_imp"
  external_id = "tfacc-acme"
  meta        = jsonencode({ a = 1 })
  roles       = ["tfacc-support"]
  permissions = ["tfacc-invoices.read"]
  expires_at  = "2099-01-01T00:00:00Z"
  credits     = { remaining = 7 }
  ratelimits  = [{ name = "requests", limit = 5, duration = "%s"%s }]`, srv.APIID, duration, autoApply))
	}
	config := body("1m", "")
	// Inputs the API cannot return are ignored by the comparison, and so is updated_at: the
	// step's plan refreshes the new key, whose creation marker that refresh removes, moving
	// updated_at on the server; a plan saves no state.
	ignore := []string{"plaintext", "byte_length", "recoverable", "permanent_delete", "store_plaintext", "updated_at"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{Config: config},
			{
				ResourceName:            keyAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: ignore,
				ImportStateIdFunc:       importID(srv),
			},
			{
				// Another spelling of the same limit: the import plans no change either.
				Config:                  body("1m0s", ", auto_apply = false"),
				ResourceName:            keyAddr,
				ImportState:             true,
				ImportStateKind:         resource.ImportBlockWithID,
				ImportStateVerifyIgnore: ignore,
				ImportStateIdFunc:       importID(srv),
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
						plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("api_id"), knownvalue.StringExact(srv.APIID)),
					},
				},
			},
		},
	})
}

// Drift: a key disabled outside Terraform is re-enabled; a deleted API plans a new key.
func TestAccUnkeyKey_drift(t *testing.T) {
	srv := acctest.NewLocalServer(t, "an API made directly in the database (Dev.CreateAPI)")
	apiID, err := srv.Dev.CreateAPI(context.Background(), "doomed")
	if err != nil {
		t.Fatal(err)
	}
	config := keyConfig(srv, fmt.Sprintf(`api_id = %q`, apiID))
	disable := func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		off := false
		return srv.Unkey.UpdateKey(context.Background(), unkey.UpdateKeyRequest{KeyID: id, Enabled: &off})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: config, Check: disable, ExpectNonEmptyPlan: true},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkPlaintextVerifies(srv, keyAddr, true),
					func(*terraform.State) error { return srv.Unkey.DeleteAPI(context.Background(), apiID) },
				),
				ExpectNonEmptyPlan: true,
			},
			{
				// The key of a deleted API reads as gone: the refreshed plan creates it again.
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

// Role-derived permissions and consumed credits never cause a diff.
func TestAccUnkeyKey_noPerpetualDiff(t *testing.T) {
	srv := acctest.NewServer(t)
	mustCreateRole(t, srv, "tfacc-reader", "tfacc-docs.read", "tfacc-docs.list")
	config := keyConfig(srv, fmt.Sprintf(`
  api_id      = %q
  permissions = ["tfacc-docs.write"]
  roles       = ["tfacc-reader"]
  credits     = { remaining = 10 }`, srv.APIID))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				// Spend credits, as a consumer of the key would.
				Check: func(s *terraform.State) error {
					plaintext := s.RootModule().Resources[keyAddr].Primary.Attributes["plaintext"]
					for range 3 {
						if _, err := verifies(srv, plaintext); err != nil {
							return err
						}
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("remaining_credits"), knownvalue.Int64Exact(7)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("credits").AtMapKey("remaining"), knownvalue.Int64Exact(10)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("tfacc-docs.write")})),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("effective_permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("tfacc-docs.write"), knownvalue.StringExact("tfacc-docs.read"), knownvalue.StringExact("tfacc-docs.list")})),
				},
			},
		},
	})
}
