package unkey_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

const actionKeyAddr = "apikey_unkey_key.managed"

// managedKey is one apikey_unkey_key named "managed".
func managedKey(srv *acctest.Server, body string) string {
	return fmt.Sprintf(`
resource "apikey_unkey_key" "managed" {
  api_id = %q
  name   = "tfacc-incident-svc"
  prefix = "inc"
%s
}
`, srv.APIID, body)
}

// invokedOnce is an action block of the given type and configuration, invoked once when the
// trigger resource is created: the first apply that contains it runs the action, later applies do
// not.
func invokedOnce(actionType, config string) string {
	return fmt.Sprintf(`
action %[1]q "now" {
  config {
%[2]s
  }
}

resource "terraform_data" "trigger" {
  input = "incident"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.%[1]s.now]
    }
  }
}
`, actionType, config)
}

// keyCapture remembers a key's id and plaintext from state between steps; neither is printed.
type keyCapture struct{ id, plaintext string }

func (c *keyCapture) from(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		c.id, c.plaintext = rs.Primary.ID, rs.Primary.Attributes["plaintext"]
		if c.id == "" || c.plaintext == "" {
			return errors.New("no id or plaintext in state")
		}
		return nil
	}
}

// verifyOutcome verifies plaintext against the server; the plaintext is never in the result.
func verifyOutcome(srv *acctest.Server, plaintext string) (bool, error) {
	res, err := srv.Unkey.VerifyKey(context.Background(), unkey.VerifyKeyRequest{Key: plaintext})
	if err != nil {
		return false, err
	}
	return res.Valid, nil
}

func TestAccUnkeyKeyRerollAction_resourceAdoptsNewKey(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureActions)
	srv := acctest.NewServer(t)
	var old keyCapture
	var rerolledTo string
	base := srv.ProviderConfig() + managedKey(srv, `  meta = jsonencode({ team = "payments" })`)
	withAction := base + invokedOnce("apikey_unkey_key_reroll", `    key_id  = apikey_unkey_key.managed.id
    overlap = "0s"`)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: base, Check: old.from(actionKeyAddr)},
			{
				// The action rerolls; the refresh before the step's closing plan adopts the new
				// key, so that plan is empty.
				Config: withAction,
				Check: func(*terraform.State) error {
					k, err := srv.Unkey.GetKey(context.Background(), old.id, false)
					if err != nil {
						return fmt.Errorf("reading the old key: %w", err)
					}
					if k.Expires == nil {
						return errors.New("the old key has no expiry after a reroll with overlap 0s")
					}
					if !strings.Contains(string(k.Meta), "_apikey_rerolled_to") {
						return errors.New("the old key carries no link to its replacement")
					}
					valid, err := verifyOutcome(srv, old.plaintext)
					if err != nil {
						return err
					}
					if valid {
						return errors.New("the old plaintext still verifies after a reroll with overlap 0s")
					}
					keys, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
					if err != nil {
						return err
					}
					for _, key := range keys {
						if key.KeyID != old.id {
							rerolledTo = key.KeyID
						}
					}
					if len(keys) != 2 || rerolledTo == "" {
						return fmt.Errorf("want the old key and its replacement in the API, got %d keys", len(keys))
					}
					return nil
				},
			},
			{
				// The adopting refresh records the old key as previous_key and keeps it: it holds
				// the link until a saved state tracks the replacement.
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						got := s.RootModule().Resources[actionKeyAddr].Primary.ID
						if got != rerolledTo {
							return fmt.Errorf("state tracks %s, want the replacement %s", got, rerolledTo)
						}
						if _, err := srv.Unkey.GetKey(context.Background(), old.id, false); err != nil {
							return fmt.Errorf("the old key is gone before a saved state tracked its replacement: %w", err)
						}
						return nil
					},
					resource.TestCheckNoResourceAttr(actionKeyAddr, "plaintext"),
					resource.TestCheckResourceAttrPtr(actionKeyAddr, "previous_key.id", &old.id),
					resource.TestCheckResourceAttr(actionKeyAddr, "name", "tfacc-incident-svc"),
					resource.TestCheckResourceAttr(actionKeyAddr, "status", "active"),
				),
			},
			{
				// Converged: nothing to plan, the action is not invoked again, and the refresh
				// from the saved state deletes the old key, whose deadline has passed.
				Config: withAction,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						if _, err := srv.Unkey.GetKey(context.Background(), old.id, false); !unkey.IsKeyNotFound(err) {
							return fmt.Errorf("the old key: want key_not_found after its deadline, got %v", err)
						}
						keys, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
						if err != nil {
							return err
						}
						if len(keys) != 1 || keys[0].KeyID != rerolledTo {
							return fmt.Errorf("want only the replacement left (no second reroll), got %d keys", len(keys))
						}
						return nil
					},
					resource.TestCheckNoResourceAttr(actionKeyAddr, "previous_key.id"),
				),
			},
		},
	})
}

func TestAccUnkeyKeyRerollAction_overlapKeepsOldKey(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureActions)
	srv := acctest.NewServer(t)
	var old keyCapture
	var deadline string
	base := srv.ProviderConfig() + managedKey(srv, "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: base, Check: old.from(actionKeyAddr)},
			{
				Config: base + invokedOnce("apikey_unkey_key_reroll", `    key_id  = apikey_unkey_key.managed.id
    overlap = "2h"`),
				Check: func(*terraform.State) error {
					valid, err := verifyOutcome(srv, old.plaintext)
					if err != nil {
						return err
					}
					if !valid {
						return errors.New("the old plaintext stopped verifying within its 2h overlap")
					}
					k, err := srv.Unkey.GetKey(context.Background(), old.id, false)
					if err != nil {
						return err
					}
					if k.Expires == nil {
						return errors.New("the old key has no expiry after a reroll with an overlap")
					}
					deadline = time.UnixMilli(*k.Expires).UTC().Format(time.RFC3339Nano)
					return nil
				},
			},
			{
				// Retired until its deadline, as after an in-place reroll.
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(actionKeyAddr, "previous_key.id", &old.id),
					resource.TestCheckResourceAttrPtr(actionKeyAddr, "previous_key.expires_at", &deadline),
				),
			},
			{
				Config: base + invokedOnce("apikey_unkey_key_reroll", `    key_id  = apikey_unkey_key.managed.id
    overlap = "2h"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					if valid, err := verifyOutcome(srv, old.plaintext); err != nil || !valid {
						return fmt.Errorf("the old key stopped verifying before its deadline (%v)", err)
					}
					return nil
				},
			},
		},
	})
}

func TestAccUnkeyKeyRevokeAction(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureActions)
	cases := []struct {
		mode string
		// after is the action the refreshed plan proposes for the managed key.
		after plancheck.ResourceActionType
		check func(srv *acctest.Server, id string) error
	}{
		{
			mode:  "disable",
			after: plancheck.ResourceActionUpdate, // enabled false -> true, as for any out-of-band disable
			check: func(srv *acctest.Server, id string) error {
				k, err := srv.Unkey.GetKey(context.Background(), id, false)
				if err != nil {
					return err
				}
				if k.Enabled {
					return errors.New("the key is still enabled")
				}
				return nil
			},
		},
		{
			mode:  "delete",
			after: plancheck.ResourceActionCreate, // removed from state at refresh, created again
			check: func(srv *acctest.Server, id string) error {
				_, err := srv.Unkey.GetKey(context.Background(), id, false)
				if !unkey.IsKeyNotFound(err) {
					return fmt.Errorf("want key_not_found for the deleted key, got %v", err)
				}
				return nil
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			srv := acctest.NewServer(t)
			var old keyCapture
			base := srv.ProviderConfig() + managedKey(srv, "")
			withAction := base + invokedOnce("apikey_unkey_key_revoke", fmt.Sprintf(`    key_id = apikey_unkey_key.managed.id
    mode   = %q`, tc.mode))
			steps := []resource.TestStep{
				{Config: base, Check: old.from(actionKeyAddr)},
				{
					Config:             withAction,
					ExpectNonEmptyPlan: true,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(actionKeyAddr, tc.after)},
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						func(*terraform.State) error { return tc.check(srv, old.id) },
						func(*terraform.State) error {
							valid, err := verifyOutcome(srv, old.plaintext)
							if err != nil {
								return err
							}
							if valid {
								return errors.New("the revoked key still verifies")
							}
							return nil
						},
					),
				},
			}
			if tc.mode == "disable" {
				// Configuring what the action did converges without a state edit.
				steps = append(steps, resource.TestStep{
					Config: srv.ProviderConfig() + managedKey(srv, "  enabled = false") + strings.TrimPrefix(withAction, base),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: func(s *terraform.State) error {
						if got := s.RootModule().Resources[actionKeyAddr].Primary.ID; got != old.id {
							return fmt.Errorf("state tracks %s, want the disabled key %s", got, old.id)
						}
						return nil
					},
				})
			} else {
				steps = append(steps, resource.TestStep{
					Config: withAction,
					Check: func(s *terraform.State) error {
						if got := s.RootModule().Resources[actionKeyAddr].Primary.ID; got == old.id {
							return errors.New("the deleted key is still in state")
						}
						return nil
					},
				})
			}
			resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProviderFactories(), Steps: steps})
		})
	}
}

func TestAccUnkeyKeyActions_backendNotConfigured(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureActions)
	srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
	for _, typ := range []string{"apikey_unkey_key_reroll", "apikey_unkey_key_revoke"} {
		t.Run(typ, func(t *testing.T) {
			config := `    key_id = "key_123"`
			if typ == "apikey_unkey_key_revoke" {
				config += "\n    mode = \"delete\""
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      srv.ProviderConfigOnly("mixpeek") + invokedOnce(typ, config),
					ExpectError: regexp.MustCompile(`unkey backend is not configured`),
				}},
			})
			for route, n := range srv.Dev.Stats().ByRoute {
				if strings.HasPrefix(route, "/v2/keys.") {
					t.Errorf("the unconfigured backend received %d requests to %s", n, route)
				}
			}
		})
	}
}

// The documented way to run an action on demand, through the CLI: progress is shown, the new
// secret is not, and the next plan is empty.
func TestAccUnkeyKeyRerollAction_invokeFromCLI(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureActions)
	srv := acctest.NewServer(t)
	ctx := context.Background()
	w := acctest.NewWorkspace(t)
	w.Write("main.tf", srv.ProviderConfig()+managedKey(srv, "  recoverable = true")+`
action "apikey_unkey_key_reroll" "now" {
  config {
    key_id = apikey_unkey_key.managed.id
  }
}
`)
	w.Must("init", "-input=false", "-no-color")
	w.Must("apply", "-input=false", "-no-color", "-auto-approve")
	keys, err := srv.Unkey.ListAllKeys(ctx, srv.APIID, "")
	if err != nil || len(keys) != 1 {
		t.Fatalf("after create: %d keys, %v", len(keys), err)
	}
	oldID := keys[0].KeyID

	out := w.Must("apply", "-input=false", "-no-color", "-auto-approve", "-invoke=action.apikey_unkey_key_reroll.now")
	keys, err = srv.Unkey.ListAllKeys(ctx, srv.APIID, "")
	if err != nil || len(keys) != 2 {
		t.Fatalf("after the reroll: %d keys, %v", len(keys), err)
	}
	newID := keys[0].KeyID
	if newID == oldID {
		newID = keys[1].KeyID
	}
	if !strings.Contains(out, "rerolled to "+newID) {
		t.Errorf("the CLI output shows no progress naming %s:\n%s", newID, out)
	}
	replacement, err := srv.Unkey.GetKey(ctx, newID, true)
	if err != nil || replacement.Plaintext == nil || *replacement.Plaintext == "" {
		t.Fatalf("revealing the replacement: %v", err)
	}
	secret := *replacement.Plaintext
	if strings.Contains(out, secret) {
		t.Fatal("the new plaintext appears in the CLI output")
	}

	code, plan := w.Run("plan", "-input=false", "-no-color", "-detailed-exitcode")
	if code != 0 {
		t.Fatalf("the plan after the reroll is not empty (exit %d):\n%s", code, plan)
	}
	if !strings.Contains(plan, "Key was rerolled") {
		t.Errorf("the refresh did not warn about the adoption:\n%s", plan)
	}
	w.Must("apply", "-input=false", "-no-color", "-auto-approve", "-refresh-only")
	state := w.Read("terraform.tfstate")
	if !strings.Contains(state, newID) {
		t.Error("the state does not track the replacement")
	}
	if strings.Contains(state, secret) {
		t.Fatal("the new plaintext is in the state")
	}
}
