package provider

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// fakeClock is the provider's clock in rotation tests; the local server keeps real time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func clockProviderFactories(clock *fakeClock) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"apikey": providerserver.NewProtocol6WithError(&apikeyProvider{version: "test", now: clock.Now}),
	}
}

// capturedKey remembers a key's id and plaintext from state between steps. Never printed.
type capturedKey struct {
	id, plaintext string
}

func (c *capturedKey) capture(s *terraform.State) error {
	rs, ok := s.RootModule().Resources[keyAddr]
	if !ok {
		return fmt.Errorf("%s not in state", keyAddr)
	}
	c.id, c.plaintext = rs.Primary.ID, rs.Primary.Attributes["plaintext"]
	if c.id == "" || c.plaintext == "" {
		return fmt.Errorf("%s: no id or plaintext to capture", keyAddr)
	}
	return nil
}

func verifies(srv *acctest.Server, plaintext string) (*unkey.VerifyResult, error) {
	if plaintext == "" {
		return nil, fmt.Errorf("no plaintext to verify")
	}
	return srv.Unkey.VerifyKey(context.Background(), unkey.VerifyKeyRequest{Key: plaintext})
}

// checkCapturedVerifies checks whether a previously captured key still authenticates.
func checkCapturedVerifies(srv *acctest.Server, c *capturedKey, want bool) tfresource.TestCheckFunc {
	return func(*terraform.State) error {
		res, err := verifies(srv, c.plaintext)
		if err != nil {
			return err
		}
		if res.Valid != want {
			return fmt.Errorf("old key %s: valid=%t code=%s, want valid=%t", c.id, res.Valid, res.Code, want)
		}
		return nil
	}
}

func checkReplaced(c *capturedKey) tfresource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		if id == c.id {
			return fmt.Errorf("key %s was not replaced", id)
		}
		return nil
	}
}

// --- store_plaintext = false -----------------------------------------------------------------

// The plaintext stays out of state through create, update and refresh. The key is recoverable
// only so the test can learn the plaintext out of band and look for it.
func TestAccKeyLifecycle_storePlaintextFalse(t *testing.T) {
	srv := acctest.NewServer(t)
	workDir := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", workDir)
	body := func(name string) string {
		return unkeyKeyConfig(srv, fmt.Sprintf(`
  name            = %q
  store_plaintext = false
  unkey = {
    api_id      = %q
    recoverable = true
  }`, name, srv.APIID))
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
			return fmt.Errorf("the key does not verify (err=%w)", err)
		}
		if err := scanRawFiles(workDir, secret); err != nil {
			return err
		}
		return scanLegacyState(s, secret, keyAddr)
	}
	null := statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null())
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []tfresource.TestStep{
			{
				Config: body("one"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
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
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
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
			// A plan-only step also fails on any diff after the refresh.
			{Config: body("two"), PlanOnly: true},
		},
	})
}

// Without a way to recover the secret the plan warns (checked directly on planLifecycle, since
// the test harness does not surface warnings) and apply still succeeds with a null plaintext.
func TestAccKeyLifecycle_storePlaintextFalseUnrecoverable(t *testing.T) {
	srv := acctest.NewServer(t)
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []tfresource.TestStep{{
			Config: unkeyKeyConfig(srv, fmt.Sprintf(`
  store_plaintext = false
  unkey = { api_id = %q }`, srv.APIID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("encrypted_plaintext"), knownvalue.Null()),
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
			},
		}},
	})
}

func TestPlanLifecycle_unrecoverableWarning(t *testing.T) {
	r := &keyResource{data: &providerData{backend: backendUnkey, now: time.Now}}
	recipients := types.SetValueMust(types.StringType, []attr.Value{types.StringValue("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")})
	cases := []struct {
		name        string
		store       bool
		recoverable bool
		recipients  types.Set
		warn        bool
	}{
		{name: "store false, nothing else", store: false, recipients: types.SetNull(types.StringType), warn: true},
		{name: "store false, recoverable", store: false, recoverable: true, recipients: types.SetNull(types.StringType)},
		{name: "store false, recipients", store: false, recipients: recipients},
		{name: "store true", store: true, recipients: types.SetNull(types.StringType)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := keyResourceModel{
				StorePlaintext:         types.BoolValue(tc.store),
				PlaintextAgeRecipients: tc.recipients,
				ExpireAfter:            types.StringNull(),
				RotateAfter:            types.StringNull(),
				Plaintext:              types.StringUnknown(),
				EncryptedPlaintext:     types.StringUnknown(),
				Unkey:                  &unkeyModel{Recoverable: types.BoolValue(tc.recoverable)},
			}
			cfg := m
			var resp resource.ModifyPlanResponse
			r.planLifecycle(context.Background(), &cfg, &m, nil, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("unexpected errors: %v", resp.Diagnostics)
			}
			warned := false
			for _, d := range resp.Diagnostics.Warnings() {
				if strings.Contains(d.Summary(), "unrecoverable") {
					warned = true
				}
			}
			if warned != tc.warn {
				t.Errorf("warning = %t, want %t (%v)", warned, tc.warn, resp.Diagnostics)
			}
			if !tc.store && !m.Plaintext.IsNull() {
				t.Errorf("planned plaintext = %v, want null", m.Plaintext)
			}
		})
	}
}

// Turning store_plaintext off on an existing key clears the stored plaintext in place.
func TestAccKeyLifecycle_storePlaintextTurnedOff(t *testing.T) {
	srv := acctest.NewServer(t)
	body := func(store bool) string {
		return unkeyKeyConfig(srv, fmt.Sprintf(`
  store_plaintext = %t
  unkey = { api_id = %q }`, store, srv.APIID))
	}
	var old capturedKey
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []tfresource.TestStep{
			{Config: body(true), Check: old.capture},
			{
				Config: body(false),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
					secretFree{secret: &old.plaintext, what: keyAddr},
				},
				Check: tfresource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						id, err := stateKeyID(s)
						if err == nil && id != old.id {
							err = fmt.Errorf("key replaced (%s -> %s), want an in-place update", old.id, id)
						}
						return err
					},
					checkCapturedVerifies(srv, &old, true),
				),
			},
		},
	})
}

// --- plaintext_age_recipients ----------------------------------------------------------------

func TestAccKeyLifecycle_ageRecipients(t *testing.T) {
	srv := acctest.NewServer(t)
	id1, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	id2, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	decrypt := func(identity age.Identity) tfresource.TestCheckFunc {
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
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []tfresource.TestStep{{
			Config: unkeyKeyConfig(srv, fmt.Sprintf(`
  plaintext_age_recipients = [%q, %q]
  unkey = { api_id = %q }`, id1.Recipient().String(), id2.Recipient().String(), srv.APIID)),
			ConfigPlanChecks: tfresource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
					plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("encrypted_plaintext")),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
			},
			// Each recipient can decrypt it on its own.
			Check: tfresource.ComposeAggregateTestCheckFunc(decrypt(id1), decrypt(id2)),
		}},
	})
}

// --- rotation_triggers -----------------------------------------------------------------------

func TestAccKeyLifecycle_rotationTriggers(t *testing.T) {
	srv := acctest.NewServer(t)
	config := func(v string) string {
		return unkeyKeyConfig(srv, fmt.Sprintf(`
  rotation_triggers = { version = %q }
  unkey = { api_id = %q }`, v, srv.APIID))
	}
	var old capturedKey
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []tfresource.TestStep{
			{Config: config("1"), Check: old.capture},
			{
				Config: config("2"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: tfresource.ComposeAggregateTestCheckFunc(
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
func TestAccKeyLifecycle_rotationTriggersFromTerraformData(t *testing.T) {
	srv := acctest.NewServer(t)
	config := func(v string) string {
		return fmt.Sprintf(`
resource "terraform_data" "rotation" {
  input = %q
}
`, v) + unkeyKeyConfig(srv, fmt.Sprintf(`
  rotation_triggers = { rotation = terraform_data.rotation.output }
  unkey = { api_id = %q }`, srv.APIID))
	}
	var old capturedKey
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []tfresource.TestStep{
			{Config: config("2026-q1"), Check: old.capture},
			{
				Config: config("2026-q1"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: config("2026-q2"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: tfresource.ComposeAggregateTestCheckFunc(
					checkReplaced(&old),
					checkPlaintextVerifies(srv, keyAddr, true),
					checkCapturedVerifies(srv, &old, false),
				),
			},
		},
	})
}

// --- rotate_after ----------------------------------------------------------------------------

func TestAccKeyLifecycle_rotateAfter(t *testing.T) {
	srv := acctest.NewServer(t)
	clock := &fakeClock{t: time.Now()}
	config := unkeyKeyConfig(srv, fmt.Sprintf(`
  rotate_after = "720h"
  unkey = { api_id = %q }`, srv.APIID))
	var old capturedKey
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: clockProviderFactories(clock),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []tfresource.TestStep{
			{Config: config, Check: old.capture},
			{
				// 719h later: not due yet.
				PreConfig: func() { clock.Advance(719 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkCapturedVerifies(srv, &old, true),
			},
			{
				// 721h after creation: the plan replaces the key.
				PreConfig: func() { clock.Advance(2 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: tfresource.ComposeAggregateTestCheckFunc(
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

// --- revoke_grace_period ---------------------------------------------------------------------

func TestAccKeyLifecycle_revokeGracePeriod(t *testing.T) {
	srv := acctest.NewServer(t)
	const grace = 4 * time.Second
	config := func(v string) string {
		return unkeyKeyConfig(srv, fmt.Sprintf(`
  rotation_triggers   = { version = %q }
  revoke_grace_period = %q
  unkey = { api_id = %q }

  lifecycle {
    create_before_destroy = true
  }`, v, grace.String(), srv.APIID))
	}
	var old capturedKey
	var replacedAt time.Time
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// The last key is left to expire after its grace period rather than deleted.
		CheckDestroy: func(s *terraform.State) error {
			for _, rs := range s.RootModule().Resources {
				if rs.Type != "apikey_key" {
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
		Steps: []tfresource.TestStep{
			{Config: config("1"), Check: old.capture},
			{
				PreConfig: func() { replacedAt = time.Now() },
				Config:    config("2"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreateBeforeDestroy)},
				},
				Check: tfresource.ComposeAggregateTestCheckFunc(
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

// --- expire_after ----------------------------------------------------------------------------

func TestAccKeyLifecycle_expireAfter(t *testing.T) {
	srv := acctest.NewServer(t)
	const lifetime = 720 * time.Hour
	config := unkeyKeyConfig(srv, fmt.Sprintf(`
  expire_after = "720h"
  unkey = { api_id = %q }`, srv.APIID))
	// Right after create, expires_at is exactly created_at + 720h. A later refresh may replace
	// created_at by the server's own record of it, so later steps allow clock skew (the server's
	// expiry must still match state exactly).
	check := func(exact bool) tfresource.TestCheckFunc {
		return func(s *terraform.State) error {
			return checkExpireAfter(srv, s, lifetime, exact)
		}
	}
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []tfresource.TestStep{
			{
				Config: config,
				Check:  tfresource.ComposeAggregateTestCheckFunc(check(true), checkPlaintextVerifies(srv, keyAddr, true)),
			},
			{
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: check(false),
			},
		},
	})
}

func checkExpireAfter(srv *acctest.Server, s *terraform.State, lifetime time.Duration, exact bool) error {
	{
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
}

// expire_after on Mixpeek, whose expiries have whole-second precision: expires_at is created_at
// plus the lifetime to the second, the server holds the same expiry, and the next plan is empty.
func TestAccKeyLifecycle_expireAfterMixpeek(t *testing.T) {
	srv := acctest.NewServer(t)
	const lifetime = 720 * time.Hour
	config := mixpeekKeyConfig(srv, `
  name         = "expiring"
  expire_after = "720h"
  mixpeek      = { user_email = "ops@example.com" }`)
	check := func(s *terraform.State) error {
		attrs := s.RootModule().Resources[keyAddr].Primary.Attributes
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
		k, err := srv.Mixpeek.FindKey(context.Background(), mixpeekEmail, attrs["id"])
		if err != nil {
			return err
		}
		if k.ExpiresAt == nil || !sameInstant(*k.ExpiresAt, attrs["expires_at"]) {
			return fmt.Errorf("server expiry %v, state %s", k.ExpiresAt, attrs["expires_at"])
		}
		return nil
	}
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMixpeekRevoked(srv),
		Steps: []tfresource.TestStep{
			{Config: config, Check: check},
			{
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: check,
			},
		},
	})
}
