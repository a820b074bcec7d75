package unkey_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	unkeyclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

const rerollAddr = "apikey_unkey_key.r"

// In reroll mode a changed trigger or a due rotate_after rotates the key in place: the new key
// takes the resource's id and plaintext, the old one keeps verifying for revoke_grace_period and
// is recorded in previous_key, and the first refresh after its deadline deletes and forgets it.
// Plans in between are empty. Provider and server share one clock.
func TestAccUnkeyKey_rerollInPlace(t *testing.T) {
	clock := acctest.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := acctest.NewServerWithConfig(t, devserver.Config{Now: clock.Now})
	config := func(generation string) string {
		return srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_unkey_key" "r" {
  api_id              = %q
  name                = "tfacc-rerolled"
  prefix              = "rr"
  permissions         = ["tfacc-reports.read"]
  rotation_mode       = "reroll"
  rotate_after        = "720h"
  revoke_grace_period = "1h"
  rotation_triggers   = { generation = %q }
}
`, srv.APIID, generation)
	}
	var first, second, third keySecret
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactoriesWithClock(clock),
		Steps: []resource.TestStep{
			{
				Config: config("1"),
				Check:  first.capture(),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rerollAddr, tfjsonpath.New("previous_key"), knownvalue.Null()),
				},
			},
			{
				Config: config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(rerollAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(rerollAddr, tfjsonpath.New("id")),
						plancheck.ExpectUnknownValue(rerollAddr, tfjsonpath.New("previous_key")),
					},
				},
				Check: resource.ComposeTestCheckFunc(
					second.capture(),
					func(s *terraform.State) error {
						if second.id == first.id || second.plaintext == first.plaintext {
							return fmt.Errorf("the reroll kept the key id or plaintext")
						}
						attrs := s.RootModule().Resources[rerollAddr].Primary.Attributes
						if attrs["previous_key.id"] != first.id || attrs["previous_key.start"] != first.start {
							return fmt.Errorf("previous_key = %s (%s), want %s", attrs["previous_key.id"], attrs["previous_key.start"], first.id)
						}
						// Both keys verify during the overlap; the new one kept the settings.
						if err := expectVerifies(srv, first.plaintext, true); err != nil {
							return err
						}
						if err := expectVerifies(srv, second.plaintext, true); err != nil {
							return err
						}
						k, err := srv.Unkey.GetKey(context.Background(), second.id, false)
						if err != nil {
							return err
						}
						if len(k.Permissions) != 1 || k.Permissions[0] != "tfacc-reports.read" || k.Name == nil || *k.Name != "tfacc-rerolled" {
							return fmt.Errorf("rerolled key lost its settings: permissions %v, name %v", k.Permissions, k.Name)
						}
						return nil
					},
				),
			},
			{
				// During the overlap nothing is planned.
				Config:   config("2"),
				PlanOnly: true,
			},
			{
				// After the deadline the refresh deletes the retired key and forgets it.
				PreConfig: func() { clock.Advance(2 * time.Hour) },
				Config:    config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rerollAddr, tfjsonpath.New("previous_key"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					if err := expectVerifies(srv, first.plaintext, false); err != nil {
						return err
					}
					if _, err := srv.Unkey.GetKey(context.Background(), first.id, false); !unkeyclient.IsKeyNotFound(err) {
						return fmt.Errorf("retired key %s still exists after its deadline (err %v)", first.id, err)
					}
					return expectVerifies(srv, second.plaintext, true)
				},
			},
			{
				// A due rotate_after rerolls in place too.
				PreConfig: func() { clock.Advance(721 * time.Hour) },
				Config:    config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(rerollAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(rerollAddr, tfjsonpath.New("id")),
					},
				},
				Check: func(s *terraform.State) error {
					if err := third.capture()(s); err != nil {
						return err
					}
					attrs := s.RootModule().Resources[rerollAddr].Primary.Attributes
					if attrs["id"] == second.id || attrs["previous_key.id"] != second.id {
						return fmt.Errorf("rotate_after did not reroll: id %s, previous %s", attrs["id"], attrs["previous_key.id"])
					}
					return nil
				},
			},
			{
				Config:   config("2"),
				PlanOnly: true,
			},
		},
		CheckDestroy: func(*terraform.State) error {
			// With revoke_grace_period, destroy leaves the current key expiring within the grace
			// period, and the retiring one keeps its earlier deadline: neither outlives it.
			limit := clock.Now().Add(time.Hour + time.Minute).UnixMilli()
			for _, id := range []string{third.id, second.id} {
				k, err := srv.Unkey.GetKey(context.Background(), id, false)
				if err != nil {
					return fmt.Errorf("reading key %s after destroy: %w", id, err)
				}
				if k.Expires == nil || *k.Expires > limit {
					return fmt.Errorf("key %s outlives the grace period after destroy (expires %v)", id, k.Expires)
				}
			}
			return nil
		},
	})
}

// keySecret is a key captured from state; the plaintext is compared, never printed.
type keySecret struct{ id, start, plaintext string }

func (k *keySecret) capture() resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[rerollAddr]
		if !ok {
			return fmt.Errorf("%s not in state", rerollAddr)
		}
		a := rs.Primary.Attributes
		k.id, k.start, k.plaintext = a["id"], a["start"], a["plaintext"]
		if k.plaintext == "" {
			return fmt.Errorf("no plaintext in state for %s", k.id)
		}
		return nil
	}
}

func expectVerifies(srv *acctest.Server, plaintext string, want bool) error {
	res, err := srv.Unkey.VerifyKey(context.Background(), unkeyclient.VerifyKeyRequest{Key: plaintext})
	if err != nil {
		return err
	}
	if res.Valid != want {
		return fmt.Errorf("key verifies = %v (code %s), want %v", res.Valid, res.Code, want)
	}
	return nil
}
