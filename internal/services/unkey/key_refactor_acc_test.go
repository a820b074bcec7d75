package unkey_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Behaviour introduced by the split into one resource per backend.

// credits chosen by a condition that is unknown when the configuration is validated (a variable
// during the validate walk, a resource output during the first plan) is accepted and applied.
func TestAccUnkeyKey_creditsConditional(t *testing.T) {
	srv := acctest.NewServer(t)
	credits := `cond ? { remaining = 10, refill = null } : { remaining = 20, refill = { interval = "daily", amount = 5 } }`
	fromVariable := srv.ProviderConfig() + fmt.Sprintf(`
variable "cond" {
  type = bool
}

resource "apikey_unkey_key" "test" {
  name    = "tfacc-credits"
  api_id  = %q
  credits = var.%s
}
`, srv.APIID, credits)
	// The output of terraform_data is unknown until it is created, so the key's credits are
	// unknown when the first plan validates the key.
	fromResource := func(cond bool) string {
		return srv.ProviderConfig() + fmt.Sprintf(`
resource "terraform_data" "cond" {
  input = %t
}

resource "apikey_unkey_key" "test" {
  name    = "tfacc-credits"
  api_id  = %q
  credits = terraform_data.cond.output ? { remaining = 10, refill = null } : { remaining = 20, refill = { interval = "daily", amount = 5 } }
}
`, cond, srv.APIID)
	}
	remaining := func(want int64, refill bool) resource.TestCheckFunc {
		return checkServerKey(srv, func(k *unkey.Key) error {
			if k.Credits == nil || k.Credits.Remaining == nil || *k.Credits.Remaining != want || (k.Credits.Refill != nil) != refill {
				return fmt.Errorf("credits on server = %+v, want remaining %d (refill %t)", k.Credits, want, refill)
			}
			return nil
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config:          fromVariable,
				ConfigVariables: config.Variables{"cond": config.BoolVariable(true)},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("credits").AtMapKey("remaining"), knownvalue.Int64Exact(10)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("credits").AtMapKey("refill"), knownvalue.Null()),
				},
				Check: remaining(10, false),
			},
			{
				Config:          fromVariable,
				ConfigVariables: config.Variables{"cond": config.BoolVariable(false)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("credits").AtMapKey("refill").AtMapKey("interval"), knownvalue.StringExact("daily")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("remaining_credits"), knownvalue.Int64Exact(20)),
				},
				Check: remaining(20, true),
			},
			{
				// A new terraform_data makes the condition unknown at plan: the key's credits are
				// planned unknown and applied once known.
				Config: fromResource(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("credits")),
					},
				},
				Check: remaining(10, false),
			},
		},
	})
	// validate sees var.cond as unknown, so credits is unknown when the provider validates it.
	if res := cliValidate(t, fromVariable); !res.Valid {
		t.Errorf("validate rejected credits chosen by an unknown condition:\n%s", res.errors())
	}
}

// Out-of-band grants and expiries on a key whose configuration leaves them unset are planned
// away, and the apply removes them on the server.
func TestAccUnkeyKey_outOfBandChangesPlannedAway(t *testing.T) {
	srv := acctest.NewServer(t)
	config := keyConfig(srv, fmt.Sprintf(`
  api_id = %q
  name   = "tfacc-strict"`, srv.APIID))
	grant := func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		_, err = srv.Unkey.AddPermissions(context.Background(), id, []string{"tfacc-oob.granted"})
		return err
	}
	expire := func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		ms := time.Now().Add(48 * time.Hour).UnixMilli()
		return srv.Unkey.UpdateKey(context.Background(), unkey.UpdateKeyRequest{KeyID: id, Expires: unkey.Value(ms)})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{Config: config, Check: grant, ExpectNonEmptyPlan: true},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.Null()),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("effective_permissions"), knownvalue.SetSizeExact(0)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkServerKey(srv, func(k *unkey.Key) error {
						if len(k.Permissions) != 0 {
							return fmt.Errorf("the out-of-band permission is still granted: %v", k.Permissions)
						}
						return nil
					}),
					expire,
				),
				// The expiry set by Check is the next step's drift.
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
				Check: checkServerKey(srv, func(k *unkey.Key) error {
					if k.Expires != nil {
						return fmt.Errorf("the out-of-band expiry is still set: %s", unkey.FormatTime(*k.Expires))
					}
					return nil
				}),
			},
		},
	})
}

// An expiry written with a non-UTC offset is kept as written: create, update to another offset
// and the plans after each are empty.
func TestAccUnkeyKey_expiresAtOffset(t *testing.T) {
	srv := acctest.NewServer(t)
	body := func(expires string) string {
		return keyConfig(srv, fmt.Sprintf(`
  name       = "tfacc-offset"
  api_id     = %q
  expires_at = %q`, srv.APIID, expires))
	}
	serverExpiry := func(want string) resource.TestCheckFunc {
		return checkServerKey(srv, func(k *unkey.Key) error {
			w, err := time.Parse(time.RFC3339, want)
			if err != nil {
				return err
			}
			if k.Expires == nil || *k.Expires != w.UnixMilli() {
				return fmt.Errorf("expires on server = %v, want %s", k.Expires, w.UTC())
			}
			return nil
		})
	}
	const first, second = "2030-01-01T05:00:00+05:00", "2031-06-30T08:30:00-07:00"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: body(first),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(first)),
				},
				Check: serverExpiry(first),
			},
			{
				Config: body(first),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: body(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(second)),
				},
				Check: serverExpiry(second),
			},
			{
				// The same instant in UTC is not a change either.
				Config: body("2031-06-30T15:30:00Z"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// A key with rate limits, created outside Terraform, imports to a state that the matching
// configuration plans no change against; an import naming another API fails on api_id.
func TestAccUnkeyKey_importRatelimits(t *testing.T) {
	srv := acctest.NewLocalServer(t, "an API made directly in the database (Dev.CreateAPI)")
	ctx := context.Background()
	otherAPI, err := srv.Dev.CreateAPI(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	created, err := srv.Unkey.CreateKey(ctx, unkey.CreateKeyRequest{
		APIID:      srv.APIID,
		Name:       "tfacc-limited",
		Ratelimits: []unkey.RatelimitRequest{{Name: "requests", Limit: 5, Duration: time.Minute.Milliseconds()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	config := keyConfig(srv, fmt.Sprintf(`
  api_id     = %q
  name       = "tfacc-limited"
  ratelimits = [{ name = "requests", limit = 5, duration = "1m" }]`, srv.APIID))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				// The key of the other API's import id exists, but not in that API.
				Config:        config,
				ResourceName:  keyAddr,
				ImportState:   true,
				ImportStateId: otherAPI + "/" + created.KeyID,
				ExpectError:   errorPattern("Key belongs to another API", "api_id"),
			},
			{
				Config:             config,
				ResourceName:       keyAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateId:      srv.APIID + "/" + created.KeyID,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("%d states imported, want 1", len(states))
					}
					a := states[0].Attributes
					switch {
					case a["ratelimits.#"] != "1" || a["ratelimits.0.duration"] != "1m" || a["ratelimits.0.limit"] != "5":
						return fmt.Errorf("imported ratelimits: count %s duration %q limit %s", a["ratelimits.#"], a["ratelimits.0.duration"], a["ratelimits.0.limit"])
					case a["ratelimits.0.auto_apply"] != "":
						return fmt.Errorf("imported auto_apply = %q, want unset", a["ratelimits.0.auto_apply"])
					case a["api_id"] != srv.APIID:
						return fmt.Errorf("imported api_id = %q", a["api_id"])
					}
					return nil
				},
			},
			// A plan-only step fails on any change.
			{Config: config, PlanOnly: true},
			{
				Config:                  config,
				ResourceName:            keyAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateIdFunc:       importID(srv),
				ImportStateVerifyIgnore: []string{"plaintext", "byte_length", "recoverable", "store_plaintext"},
			},
		},
	})
}

// With only Mixpeek configured, an Unkey key fails at plan naming the settings to add, and
// nothing reaches the server.
func TestAccUnkeyKey_backendNotConfigured(t *testing.T) {
	srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
	srv.Dev.ResetStats()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: srv.ProviderConfigOnly("mixpeek") + fmt.Sprintf(`
resource "apikey_unkey_key" "test" {
  api_id = %q
}
`, srv.APIID),
			PlanOnly:    true,
			ExpectError: errorPattern("unkey backend is not configured", "unkey.root_key", "UNKEY_ROOT_KEY"),
		}},
	})
	if st := srv.Dev.Stats(); st.Requests != 0 {
		t.Errorf("%d requests reached the server: %v", st.Requests, st.ByRoute)
	}
}
