package mixpeek_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// capturedKey remembers a key's id and hash between steps.
type capturedKey struct{ id, hash string }

func (c *capturedKey) capture(s *terraform.State) error {
	attrs, err := stateAttrs(s, keyAddr)
	if err != nil {
		return err
	}
	c.id, c.hash = attrs["id"], attrs["key_hash"]
	if c.id == "" {
		return fmt.Errorf("%s has no id", keyAddr)
	}
	return nil
}

func checkSameKey(c *capturedKey, same bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		if (id == c.id) != same {
			return fmt.Errorf("key %s after the step, %s before; want same=%t", id, c.id, same)
		}
		return nil
	}
}

// secretFreeState checks that no attribute of any resource in state holds secret.
func secretFreeState(secret *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if *secret == "" {
			return fmt.Errorf("no secret captured to look for")
		}
		for addr, rs := range s.RootModule().Resources {
			for name, v := range rs.Primary.Attributes {
				if strings.Contains(v, *secret) {
					return fmt.Errorf("%s.%s holds the key's plaintext (value redacted)", addr, name)
				}
			}
		}
		return nil
	}
}

// With store_plaintext = false the plaintext stays out of state through create, update and
// refresh, and the plan-only step after a refresh is empty. Mixpeek cannot show a key again, so
// the plan warns (asserted in the unit tests: the harness does not surface warnings).
func TestAccMixpeekLifecycle_storePlaintextFalse(t *testing.T) {
	srv := newServer(t)
	config := func(name string) string {
		return keyConfig(srv, fmt.Sprintf(`
  user_email      = "ops@example.com"
  name            = %q
  store_plaintext = false`, acctest.NamePrefix+name))
	}
	null := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
		statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("encrypted_plaintext"), knownvalue.Null()),
		statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
	}
	var first capturedKey
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config("one"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
					},
				},
				ConfigStateChecks: null,
				Check:             first.capture,
			},
			{
				Config: config("two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
					},
				},
				ConfigStateChecks: null,
				Check:             checkSameKey(&first, true),
			},
			{RefreshState: true, Check: func(s *terraform.State) error {
				attrs, err := stateAttrs(s, keyAddr)
				if err != nil {
					return err
				}
				if attrs["plaintext"] != "" || attrs["encrypted_plaintext"] != "" || attrs["status"] != "active" {
					return fmt.Errorf("after a refresh: plaintext set=%t, encrypted_plaintext set=%t, status %q", attrs["plaintext"] != "", attrs["encrypted_plaintext"] != "", attrs["status"])
				}
				return nil
			}},
			{Config: config("two"), PlanOnly: true},
		},
	})
}

// Turning store_plaintext off clears the stored plaintext in place; turning it back on replaces
// the key, since the old plaintext is gone.
func TestAccMixpeekLifecycle_storePlaintextToggled(t *testing.T) {
	srv := newServer(t)
	config := func(store bool) string {
		return keyConfig(srv, fmt.Sprintf(`
  user_email      = "ops@example.com"
  name            = "tfacc-toggled"
  store_plaintext = %t`, store))
	}
	var old capturedKey
	var secret string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config(true),
				Check: resource.ComposeAggregateTestCheckFunc(old.capture, func(s *terraform.State) error {
					attrs, _ := stateAttrs(s, keyAddr)
					secret = attrs["plaintext"]
					if secret == "" || hashOf(secret) != attrs["key_hash"] {
						return fmt.Errorf("no plaintext of the key in state")
					}
					return nil
				}),
			},
			{
				Config: config(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null())},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkSameKey(&old, true),
					secretFreeState(&secret),
					checkKey(srv, func(k *mpclient.Key) error {
						if k.Status != mpclient.StatusActive {
							return fmt.Errorf("key is %q after clearing its plaintext, want active", k.Status)
						}
						return nil
					}),
				),
			},
			{
				Config: config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.NotNull())},
				Check:             checkSameKey(&old, false),
			},
		},
	})
}

// plaintext_age_recipients: only the armored ciphertext is kept, each recipient can decrypt it,
// and what it decrypts to is the key (its hash is the server's key_hash).
func TestAccMixpeekLifecycle_ageRecipients(t *testing.T) {
	srv := newServer(t)
	id1, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	id2, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	var secret string
	decrypt := func(identity age.Identity) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			attrs, err := stateAttrs(s, keyAddr)
			if err != nil {
				return err
			}
			armored := attrs["encrypted_plaintext"]
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
			k, err := srv.Mixpeek.FindKey(context.Background(), email, attrs["id"])
			if err != nil {
				return err
			}
			if hashOf(string(plain)) != k.KeyHash {
				return fmt.Errorf("the decrypted plaintext is not key %s", attrs["id"])
			}
			secret = string(plain)
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{{
			Config: keyConfig(srv, fmt.Sprintf(`
  user_email               = "ops@example.com"
  name                     = "tfacc-encrypted"
  plaintext_age_recipients = [%q, %q]`, id1.Recipient().String(), id2.Recipient().String())),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
					plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("encrypted_plaintext")),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
			},
			Check: resource.ComposeAggregateTestCheckFunc(decrypt(id1), decrypt(id2), secretFreeState(&secret)),
		}},
	})
}

// expire_after on Mixpeek, whose expiries have whole-second precision: expires_at is created_at
// plus the lifetime to the second, the server holds the same expiry, and the next plan is empty.
func TestAccMixpeekLifecycle_expireAfter(t *testing.T) {
	srv := newServer(t)
	const lifetime = 720 * time.Hour
	config := keyConfig(srv, `
  user_email   = "ops@example.com"
  name         = "tfacc-expiring"
  expire_after = "720h"`)
	check := func(s *terraform.State) error {
		attrs, err := stateAttrs(s, keyAddr)
		if err != nil {
			return err
		}
		created, err := time.Parse(time.RFC3339Nano, attrs["created_at"])
		if err != nil {
			return fmt.Errorf("created_at: %w", err)
		}
		expires, err := time.Parse(time.RFC3339Nano, attrs["expires_at"])
		if err != nil {
			return fmt.Errorf("expires_at: %w", err)
		}
		if off := expires.Sub(created.Add(lifetime)); off > time.Second || off < -time.Second {
			return fmt.Errorf("expires_at %s is not created_at %s + %s (off by %s)", attrs["expires_at"], attrs["created_at"], lifetime, off)
		}
		k, err := srv.Mixpeek.FindKey(context.Background(), email, attrs["id"])
		if err != nil {
			return err
		}
		if k.ExpiresAt == nil || !sameInstant(*k.ExpiresAt, attrs["expires_at"]) {
			return fmt.Errorf("server expiry %v, state %s", k.ExpiresAt, attrs["expires_at"])
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("expires_at"))},
				},
				Check: check,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: check,
			},
		},
	})
}

// revoke_grace_period on a create_before_destroy replacement: the old key is not revoked but set
// to expire after the grace period, so both work in between; once the period is over the old
// key is expired. The provider and the server share a clock, so no waiting is needed.
func TestAccMixpeekLifecycle_revokeGracePeriod(t *testing.T) {
	const grace = 10 * time.Minute
	clock := acctest.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := acctest.NewServerWithConfig(t, devserver.Config{Now: clock.Now})
	// The name follows the version: a live key's name is unique, and with create_before_destroy
	// both keys are live for a moment.
	config := func(v string) string {
		return keyConfig(srv, fmt.Sprintf(`
  user_email          = "ops@example.com"
  name                = "tfacc-graceful-v%[1]s"
  rotation_triggers   = { version = %[1]q }
  revoke_grace_period = %[2]q

  lifecycle {
    create_before_destroy = true
  }`, v, grace.String()))
	}
	var old capturedKey
	var replacedAt time.Time
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactoriesWithClock(clock),
		// The last key is left to expire after its grace period rather than revoked.
		CheckDestroy: func(s *terraform.State) error {
			for _, rs := range s.RootModule().Resources {
				if rs.Type != keyType {
					continue
				}
				k, err := srv.Mixpeek.FindKey(context.Background(), email, rs.Primary.ID)
				if err != nil {
					return err
				}
				if k.Status == mpclient.StatusActive && (k.ExpiresAt == nil || !sameInstant(*k.ExpiresAt, clock.Now().Add(grace).Format(time.RFC3339))) {
					return fmt.Errorf("key %s neither revoked nor set to expire at the end of its grace period (expires_at %v)", rs.Primary.ID, k.ExpiresAt)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: config("1"), Check: old.capture},
			{
				PreConfig: func() { replacedAt = clock.Now() },
				Config:    config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreateBeforeDestroy)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkSameKey(&old, false),
					func(*terraform.State) error {
						k, err := srv.Mixpeek.FindKey(context.Background(), email, old.id)
						if err != nil {
							return fmt.Errorf("old key %s: %w", old.id, err)
						}
						want := replacedAt.Add(grace).Format(time.RFC3339)
						switch {
						case k.Status != mpclient.StatusActive:
							return fmt.Errorf("old key is %q within its grace period, want active", k.Status)
						case k.ExpiresAt == nil || !sameInstant(*k.ExpiresAt, want):
							return fmt.Errorf("old key expires at %v, want %s", k.ExpiresAt, want)
						}
						// Once the grace period is over, the old key is expired.
						clock.Advance(grace + time.Second)
						k, err = srv.Mixpeek.FindKey(context.Background(), email, old.id)
						if err != nil {
							return err
						}
						if k.Status != mpclient.StatusExpired {
							return fmt.Errorf("old key is %q after its grace period, want expired", k.Status)
						}
						return nil
					},
					checkKey(srv, func(k *mpclient.Key) error {
						if k.Status != mpclient.StatusActive || k.ExpiresAt != nil {
							return fmt.Errorf("the new key is %q with expiry %v, want active without one", k.Status, k.ExpiresAt)
						}
						return nil
					}),
				),
			},
		},
	})
}

// The plan warns, naming store_plaintext, when a key's secret would be shown to nobody; with
// age recipients it does not. The harness does not surface warnings, so the CLI's plan output
// is read; nothing is applied.
func TestAccMixpeekLifecycle_unrecoverableWarning(t *testing.T) {
	t.Parallel()
	cli := acctest.NewCLI(t)
	srv := newLocalServer(t, "request counts (Dev.Stats)")
	identity, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, extra string
		warn        bool
	}{
		{name: "store_plaintext false", extra: "store_plaintext = false", warn: true},
		{name: "store_plaintext false with recipients", extra: fmt.Sprintf("store_plaintext = false\n  plaintext_age_recipients = [%q]", identity.Recipient().String())},
		{name: "defaults", extra: ""},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		config := acctest.RequiredProviders + srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_mixpeek_key" "k" {
  user_email = "ops@example.com"
  name       = "tfacc-unseen"
  %s
}
`, tc.extra)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := cli.Run(t, dir, "plan", "-no-color")
		if err != nil {
			t.Fatalf("%s: plan: %v\n%s", tc.name, err, out)
		}
		flat := strings.Join(strings.Fields(out), " ")
		warned := strings.Contains(flat, "Warning: The key's secret will be unrecoverable") && strings.Contains(flat, "store_plaintext")
		if warned != tc.warn {
			t.Errorf("%s: warned = %t, want %t:\n%s", tc.name, warned, tc.warn, out)
		}
	}
	if n := srv.Dev.Stats().ByRoute["/v1/organizations/users/ops@example.com/api-keys"]; n != 0 {
		t.Errorf("a plan sent %d key requests", n)
	}
}

// rotate_after and rotation_triggers replace the key (destroy before create, so the name is free
// again); the old key is revoked. The provider and the server share a clock.
func TestAccMixpeekLifecycle_rotation(t *testing.T) {
	clock := acctest.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := acctest.NewServerWithConfig(t, devserver.Config{Now: clock.Now})
	config := func(v string) string {
		return keyConfig(srv, fmt.Sprintf(`
  user_email        = "ops@example.com"
  name              = "tfacc-rotating"
  rotate_after      = "720h"
  rotation_triggers = { version = %q }`, v))
	}
	checkRevokedOld := func(c *capturedKey) resource.TestCheckFunc {
		return func(*terraform.State) error {
			k, err := srv.Mixpeek.FindKey(context.Background(), email, c.id)
			if err != nil {
				return err
			}
			if k.Status != mpclient.StatusRevoked {
				return fmt.Errorf("replaced key %s is %q, want revoked", c.id, k.Status)
			}
			return nil
		}
	}
	var first, second capturedKey
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactoriesWithClock(clock),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{Config: config("1"), Check: first.capture},
			{
				// 719h later: not due yet.
				PreConfig:        func() { clock.Advance(719 * time.Hour) },
				Config:           config("1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// 721h after creation: the plan replaces the key.
				PreConfig: func() { clock.Advance(2 * time.Hour) },
				Config:    config("1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkSameKey(&first, false), checkRevokedOld(&first), second.capture,
					func(s *terraform.State) error { return checkOnlyLive(srv, s, "tfacc-rotating") }),
			},
			{
				Config: config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkSameKey(&second, false), checkRevokedOld(&second),
					func(s *terraform.State) error { return checkOnlyLive(srv, s, "tfacc-rotating") }),
			},
		},
	})
}
