package unkey_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// The shared lifecycle (internal/services/keylife) on apikey_unkey_key.

// The plaintext stays out of state through create, update and refresh. The key is recoverable
// only so the test can learn the plaintext out of band and look for it.
func TestAccUnkeyKeyLifecycle_storePlaintextFalse(t *testing.T) {
	srv := acctest.NewServer(t)
	body := func(name string) string {
		return keyConfig(srv, fmt.Sprintf(`
  name            = %q
  store_plaintext = false
  api_id          = %q
  recoverable     = true`, acctest.NamePrefix+name, srv.APIID))
	}
	var secret string
	noSecret := secretFree{secret: &secret, what: keyAddr}
	capture := func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		if secret, err = serverPlaintext(srv, id); err != nil {
			return err
		}
		if res, err := verifies(srv, secret); err != nil || !res.Valid {
			return fmt.Errorf("the key does not verify (err=%v)", err)
		}
		if err := scanRawFiles(secret, id); err != nil {
			return err
		}
		return scanLegacyState(s, secret, keyAddr)
	}
	null := statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: body("one"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{noSecret},
				},
				Check:             capture,
				ConfigStateChecks: []statecheck.StateCheck{null, noSecret},
			},
			{
				Config: body("two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
						noSecret,
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{noSecret},
				},
				Check:             capture,
				ConfigStateChecks: []statecheck.StateCheck{null, noSecret},
			},
			{RefreshState: true, Check: capture},
			// A plan-only step fails on any diff after the refresh.
			{Config: body("two"), PlanOnly: true},
		},
	})
}

// Without a way to recover the secret the plan warns (checked in the unit tests: the harness
// does not surface warnings) and apply still succeeds with a null plaintext.
func TestAccUnkeyKeyLifecycle_storePlaintextFalseUnrecoverable(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{{
			Config: keyConfig(srv, fmt.Sprintf(`
  name = "tfacc-lifecycle"
  store_plaintext = false
  api_id          = %q`, srv.APIID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("encrypted_plaintext"), knownvalue.Null()),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
			},
		}},
	})
}

// Turning store_plaintext off on an existing key clears the stored plaintext in place; turning
// it back on replaces the key, since the old plaintext is gone.
func TestAccUnkeyKeyLifecycle_storePlaintextTurnedOff(t *testing.T) {
	srv := acctest.NewServer(t)
	body := func(store bool) string {
		return keyConfig(srv, fmt.Sprintf(`
  name = "tfacc-lifecycle"
  store_plaintext = %t
  api_id          = %q`, store, srv.APIID))
	}
	var old capturedKey
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: body(true),
				Check: resource.ComposeTestCheckFunc(old.capture, func(*terraform.State) error {
					// The raw-file search finds a plaintext that is stored: it is not blind.
					if err := scanRawFiles(old.plaintext, old.id); err == nil || !strings.Contains(err.Error(), "plaintext is in") {
						return fmt.Errorf("searching the working directories for a stored plaintext: %v, want it found", err)
					}
					return nil
				}),
			},
			{
				Config: body(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
					secretFree{secret: &old.plaintext, what: keyAddr},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkSameKey(&old), checkCapturedVerifies(srv, &old, true)),
			},
			{
				Config: body(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkReplaced(&old), checkPlaintextVerifies(srv, keyAddr, true)),
			},
		},
	})
}

func TestAccUnkeyKeyLifecycle_ageRecipients(t *testing.T) {
	srv := acctest.NewServer(t)
	id1, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	id2, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	decrypt := func(identity age.Identity) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			rs := s.RootModule().Resources[keyAddr]
			armored := rs.Primary.Attributes["encrypted_plaintext"]
			if !strings.HasPrefix(armored, "-----BEGIN AGE ENCRYPTED FILE-----") {
				return fmt.Errorf("encrypted_plaintext is not an armored age file")
			}
			r, err := age.Decrypt(armor.NewReader(strings.NewReader(armored)), identity)
			if err != nil {
				return fmt.Errorf("decrypting encrypted_plaintext: %w", err)
			}
			plain, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			res, err := verifies(srv, string(plain))
			if err != nil {
				return err
			}
			if !res.Valid {
				return fmt.Errorf("decrypted plaintext does not verify: %s", res.Code)
			}
			if res.KeyID != "" && res.KeyID != rs.Primary.ID {
				return fmt.Errorf("decrypted plaintext belongs to %s, not %s", res.KeyID, rs.Primary.ID)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{{
			Config: keyConfig(srv, fmt.Sprintf(`
  name = "tfacc-lifecycle"
  plaintext_age_recipients = [%q, %q]
  api_id                   = %q`, id1.Recipient().String(), id2.Recipient().String(), srv.APIID)),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
					plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("encrypted_plaintext")),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
			},
			// Each recipient can decrypt it on its own.
			Check: resource.ComposeAggregateTestCheckFunc(decrypt(id1), decrypt(id2)),
		}},
	})
}

func TestAccUnkeyKeyLifecycle_rotationTriggers(t *testing.T) {
	srv := acctest.NewServer(t)
	config := func(v string) string {
		return keyConfig(srv, fmt.Sprintf(`
  name = "tfacc-lifecycle"
  rotation_triggers = { version = %q }
  api_id            = %q`, v, srv.APIID))
	}
	var old capturedKey
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{Config: config("1"), Check: old.capture},
			{
				Config: config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkReplaced(&old),
					checkPlaintextVerifies(srv, keyAddr, true),
					checkCapturedVerifies(srv, &old, false),
				),
			},
		},
	})
}

// A trigger taken from another resource's value: changing terraform_data's input makes its
// output unknown at plan, which is enough to plan the replacement.
func TestAccUnkeyKeyLifecycle_rotationTriggersFromTerraformData(t *testing.T) {
	srv := acctest.NewServer(t)
	config := func(v string) string {
		return fmt.Sprintf(`
resource "terraform_data" "rotation" {
  input = %q
}
`, v) + keyConfig(srv, fmt.Sprintf(`
  name = "tfacc-lifecycle"
  rotation_triggers = { rotation = terraform_data.rotation.output }
  api_id            = %q`, srv.APIID))
	}
	var old capturedKey
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{Config: config("2026-q1"), Check: old.capture},
			{
				Config: config("2026-q1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: config("2026-q2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkReplaced(&old),
					checkPlaintextVerifies(srv, keyAddr, true),
					checkCapturedVerifies(srv, &old, false),
				),
			},
		},
	})
}

func TestAccUnkeyKeyLifecycle_rotateAfter(t *testing.T) {
	srv := acctest.NewLocalServer(t, "a provider clock ahead of the server (ProviderFactoriesWithClock)")
	clock := acctest.NewClock(time.Now())
	config := keyConfig(srv, fmt.Sprintf(`
  name = "tfacc-lifecycle"
  rotate_after = "720h"
  api_id       = %q`, srv.APIID))
	var old capturedKey
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactoriesWithClock(clock),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{Config: config, Check: old.capture},
			{
				// 719h later: not due yet.
				PreConfig: func() { clock.Advance(719 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkCapturedVerifies(srv, &old, true),
			},
			{
				// 721h after creation: the plan replaces the key.
				PreConfig: func() { clock.Advance(2 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkReplaced(&old),
					checkPlaintextVerifies(srv, keyAddr, true),
					checkCapturedVerifies(srv, &old, false),
					// Back to real time, where the new key is fresh, for the post-apply plans.
					func(*terraform.State) error { clock.Set(time.Now()); return nil },
				),
			},
		},
	})
}

func TestAccUnkeyKeyLifecycle_revokeGracePeriod(t *testing.T) {
	srv := acctest.NewServer(t)
	const grace = 4 * time.Second
	config := func(v string) string {
		return keyConfig(srv, fmt.Sprintf(`
  name = "tfacc-lifecycle"
  rotation_triggers   = { version = %q }
  revoke_grace_period = %q
  api_id              = %q

  lifecycle {
    create_before_destroy = true
  }`, v, grace.String(), srv.APIID))
	}
	var old capturedKey
	var replacedAt time.Time
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		// The last key is left to expire after its grace period rather than deleted.
		CheckDestroy: func(s *terraform.State) error {
			for _, rs := range s.RootModule().Resources {
				if rs.Type != "apikey_unkey_key" {
					continue
				}
				k, err := srv.Unkey.GetKey(context.Background(), rs.Primary.ID, false)
				if unkey.IsNotFound(err) {
					continue
				}
				if err != nil {
					return err
				}
				if k.Expires == nil || time.UnixMilli(*k.Expires).After(time.Now().Add(grace+time.Second)) {
					return fmt.Errorf("key %s neither deleted nor set to expire within its grace period", rs.Primary.ID)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: config("1"), Check: old.capture},
			{
				PreConfig: func() { replacedAt = time.Now() },
				Config:    config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreateBeforeDestroy)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkReplaced(&old),
					checkPlaintextVerifies(srv, keyAddr, true),
					// Within the grace period both keys work.
					checkCapturedVerifies(srv, &old, true),
					func(*terraform.State) error {
						k, err := srv.Unkey.GetKey(context.Background(), old.id, false)
						if err != nil {
							return fmt.Errorf("old key %s: %w", old.id, err)
						}
						if k.Expires == nil {
							return fmt.Errorf("old key %s has no expiry", old.id)
						}
						exp := time.UnixMilli(*k.Expires)
						lo, hi := replacedAt.Add(grace), time.Now().Add(grace)
						if exp.Before(lo.Add(-time.Second)) || exp.After(hi.Add(time.Second)) {
							return fmt.Errorf("old key expires at %s, want between %s and %s", exp.UTC(), lo.UTC(), hi.UTC())
						}
						return nil
					},
					// Once the grace period is over, the old key stops verifying.
					func(*terraform.State) error {
						deadline := time.Now().Add(grace + 5*time.Second)
						for {
							res, err := verifies(srv, old.plaintext)
							if err != nil {
								return err
							}
							if !res.Valid {
								if res.Code != "EXPIRED" {
									return fmt.Errorf("old key stopped verifying with code %s, want EXPIRED", res.Code)
								}
								return nil
							}
							if time.Now().After(deadline) {
								return fmt.Errorf("old key still verifies %s after the replacement", time.Since(replacedAt))
							}
							time.Sleep(250 * time.Millisecond)
						}
					},
					checkPlaintextVerifies(srv, keyAddr, true),
				),
			},
		},
	})
}

func TestAccUnkeyKeyLifecycle_expireAfter(t *testing.T) {
	srv := acctest.NewServer(t)
	const lifetime = 720 * time.Hour
	config := keyConfig(srv, fmt.Sprintf(`
  name = "tfacc-lifecycle"
  expire_after = "720h"
  api_id       = %q`, srv.APIID))
	// Right after create, expires_at is exactly created_at + 720h. A later refresh may replace
	// created_at by the server's own record of it, so later steps allow clock skew (the server's
	// expiry must still match state exactly).
	check := func(exact bool) resource.TestCheckFunc {
		return func(s *terraform.State) error { return checkExpireAfter(srv, s, lifetime, exact) }
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("expires_at"))},
				},
				Check: resource.ComposeAggregateTestCheckFunc(check(true), checkPlaintextVerifies(srv, keyAddr, true)),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: check(false),
			},
		},
	})
}

func checkExpireAfter(srv *acctest.Server, s *terraform.State, lifetime time.Duration, exact bool) error {
	attrs := s.RootModule().Resources[keyAddr].Primary.Attributes
	created, err := time.Parse(time.RFC3339Nano, attrs["created_at"])
	if err != nil {
		return fmt.Errorf("created_at: %w", err)
	}
	expires, err := time.Parse(time.RFC3339Nano, attrs["expires_at"])
	if err != nil {
		return fmt.Errorf("expires_at: %w", err)
	}
	off := expires.Sub(created.Add(lifetime))
	if (exact && off != 0) || off > time.Second || off < -time.Second {
		return fmt.Errorf("expires_at %s is not created_at %s + %s (off by %s)", attrs["expires_at"], attrs["created_at"], lifetime, off)
	}
	k, err := srv.Unkey.GetKey(context.Background(), attrs["id"], false)
	if err != nil {
		return err
	}
	if k.Expires == nil || !time.UnixMilli(*k.Expires).Equal(expires) {
		return fmt.Errorf("server expiry %v differs from expires_at %s", k.Expires, attrs["expires_at"])
	}
	return nil
}
