package unkey_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// incidentWorkspace is a configuration apart from the one that manages the key, as an incident
// runbook would be: one reroll action whose key and overlap are variables.
func incidentWorkspace(t *testing.T, srv *acctest.Server) *acctest.Workspace {
	t.Helper()
	w := acctest.NewWorkspace(t)
	w.Write("main.tf", srv.ProviderConfig()+`
variable "key_id" {
  type = string
}

variable "overlap" {
  type = string
}

action "apikey_unkey_key_reroll" "now" {
  config {
    key_id  = var.key_id
    overlap = var.overlap
  }
}
`)
	w.Must("init", "-input=false", "-no-color")
	return w
}

// serverKeyIDs lists the ids of the API's keys.
func serverKeyIDs(srv *acctest.Server) ([]string, error) {
	keys, err := srv.Unkey.ListAllKeys(context.Background(), srv.APIID, "")
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.KeyID
	}
	slices.Sort(ids)
	return ids, nil
}

func sortedIDs(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// A key rerolled twice by the action before the managing configuration refreshes: the next plan
// follows the chain to the newest key and is empty; the key the latest reroll retired is
// previous_key, the one before it is kept until its own deadline, and each is deleted by the
// first refresh after its deadline, or all at once when the resource is destroyed. Nothing is
// left on the server that no state accounts for.
func TestAccUnkeyKeyRerollAction_chainConverges(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureActions)
	for _, destroyEarly := range []bool{false, true} {
		name := "deadlines pass"
		if destroyEarly {
			name = "destroyed during the overlaps"
		}
		t.Run(name, func(t *testing.T) {
			srv := acctest.NewServer(t)
			clock := acctest.NewClock(time.Now())
			incident := incidentWorkspace(t, srv)
			ctx := context.Background()
			var k0 keyCapture
			var k1, k2 string
			base := srv.ProviderConfig() + managedKey(srv, `  meta = jsonencode({ team = "payments" })`)

			// reroll invokes the action from the incident configuration and returns the new key.
			reroll := func(id, overlap string) (string, error) {
				before, err := serverKeyIDs(srv)
				if err != nil {
					return "", err
				}
				incident.Must("apply", "-input=false", "-no-color", "-auto-approve", "-invoke=action.apikey_unkey_key_reroll.now",
					"-var=key_id="+id, "-var=overlap="+overlap)
				after, err := serverKeyIDs(srv)
				if err != nil {
					return "", err
				}
				for _, k := range after {
					if !slices.Contains(before, k) {
						return k, nil
					}
				}
				return "", fmt.Errorf("no new key after rerolling %s", id)
			}
			tracks := func(s *terraform.State) error {
				if got := s.RootModule().Resources[actionKeyAddr].Primary.ID; got != k2 {
					return fmt.Errorf("state tracks %s, want the newest key %s", got, k2)
				}
				return nil
			}
			onServer := func(want ...func() string) resource.TestCheckFunc {
				return func(*terraform.State) error {
					ids := make([]string, len(want))
					for i, f := range want {
						ids[i] = f()
					}
					got, err := serverKeyIDs(srv)
					if err != nil {
						return err
					}
					if !slices.Equal(got, sortedIDs(ids...)) {
						return fmt.Errorf("keys on the server %v, want %v", got, sortedIDs(ids...))
					}
					return nil
				}
			}
			id0 := func() string { return k0.id }
			id1 := func() string { return k1 }
			id2 := func() string { return k2 }

			steps := []resource.TestStep{
				{Config: base, Check: k0.from(actionKeyAddr)},
				{
					// Two rerolls, the second of the first one's replacement, while this state
					// still tracks k0.
					PreConfig: func() {
						var err error
						if k1, err = reroll(k0.id, "2h"); err != nil {
							t.Fatal(err)
						}
						if k2, err = reroll(k1, "1h"); err != nil {
							t.Fatal(err)
						}
					},
					Config: base,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						tracks,
						resource.TestCheckResourceAttrPtr(actionKeyAddr, "previous_key.id", &k1),
						resource.TestCheckNoResourceAttr(actionKeyAddr, "plaintext"),
						resource.TestCheckResourceAttr(actionKeyAddr, "name", "tfacc-incident-svc"),
						// Neither refresh of this step (the plan's, not saved, and the apply's)
						// deleted a key of the chain.
						onServer(id0, id1, id2),
						func(*terraform.State) error {
							valid, err := verifyOutcome(srv, k0.plaintext)
							if err != nil {
								return err
							}
							if !valid {
								return errors.New("k0 stopped verifying within the 2h overlap of its reroll")
							}
							return nil
						},
					),
				},
			}
			if !destroyEarly {
				steps = append(steps,
					resource.TestStep{
						// Past k1's deadline (1h, rounded up to the minute), before k0's (2h).
						PreConfig: func() { clock.Advance(90 * time.Minute) },
						Config:    base,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						Check: resource.ComposeAggregateTestCheckFunc(
							tracks,
							resource.TestCheckNoResourceAttr(actionKeyAddr, "previous_key.id"),
							onServer(id0, id2),
						),
					},
					resource.TestStep{
						PreConfig: func() { clock.Advance(2 * time.Hour) },
						Config:    base,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						Check: resource.ComposeAggregateTestCheckFunc(tracks, onServer(id2)),
					},
				)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactoriesWithClock(clock),
				Steps:                    steps,
				CheckDestroy: func(*terraform.State) error {
					ids, err := serverKeyIDs(srv)
					if err != nil {
						return err
					}
					for _, id := range ids {
						if _, err := srv.Unkey.GetKey(ctx, id, false); !unkey.IsKeyNotFound(err) {
							return fmt.Errorf("key %s is left on the server after destroy", id)
						}
					}
					if len(ids) > 0 {
						return fmt.Errorf("keys left on the server after destroy: %v", ids)
					}
					return nil
				},
			})
		})
	}
}
