package provider

import (
	"context"
	"fmt"
	"regexp"
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

const keyAddr = "apikey_key.test"

func unkeyKeyConfig(srv *acctest.Server, body string) string {
	return srv.ProviderConfig(backendUnkey) + fmt.Sprintf(`
resource "apikey_key" "test" {
%s
}
`, body)
}

// stateKeyID returns the id of keyAddr from state.
func stateKeyID(s *terraform.State) (string, error) {
	rs, ok := s.RootModule().Resources[keyAddr]
	if !ok {
		return "", fmt.Errorf("%s not in state", keyAddr)
	}
	return rs.Primary.ID, nil
}

// checkServerKey runs fn on the key as the server has it.
func checkServerKey(srv *acctest.Server, fn func(*unkey.Key) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		key, err := srv.Unkey.GetKey(context.Background(), id, false)
		if err != nil {
			return fmt.Errorf("reading key %s on the server: %w", id, err)
		}
		return fn(key)
	}
}

// checkPlaintextVerifies proves the plaintext in state authenticates (or, with want=false, that
// it no longer does). The plaintext itself never appears in a message.
func checkPlaintextVerifies(srv *acctest.Server, addr string, want bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		plaintext := rs.Primary.Attributes["plaintext"]
		if plaintext == "" {
			return fmt.Errorf("%s has no plaintext in state", addr)
		}
		res, err := srv.Unkey.VerifyKey(context.Background(), unkey.VerifyKeyRequest{Key: plaintext})
		if err != nil {
			return fmt.Errorf("verifying the plaintext of %s: %w", rs.Primary.ID, err)
		}
		if res.Valid != want {
			return fmt.Errorf("verification of %s: valid=%t code=%s, want valid=%t", rs.Primary.ID, res.Valid, res.Code, want)
		}
		return nil
	}
}

func checkKeyGone(srv *acctest.Server) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "apikey_key" {
				continue
			}
			_, err := srv.Unkey.GetKey(context.Background(), rs.Primary.ID, false)
			if err == nil {
				return fmt.Errorf("key %s still exists after destroy", rs.Primary.ID)
			}
			if !unkey.IsNotFound(err) {
				return fmt.Errorf("checking key %s: %w", rs.Primary.ID, err)
			}
		}
		return nil
	}
}

func TestAccKeyResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: unkeyKeyConfig(srv, fmt.Sprintf(`
  name = "billing-service"
  unkey = {
    api_id = %q
    prefix = "sk_test"
  }`, srv.APIID)),
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
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("unkey").AtMapKey("byte_length"), knownvalue.Int64Exact(16)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkServerKey(srv, func(k *unkey.Key) error {
						if k.Name == nil || *k.Name != "billing-service" {
							return fmt.Errorf("server name = %v, want billing-service", k.Name)
						}
						return nil
					}),
					checkPlaintextVerifies(srv, keyAddr, true),
				),
			},
			{
				// A rename updates in place and keeps the plaintext and id.
				Config: unkeyKeyConfig(srv, fmt.Sprintf(`
  name = "billing-service-v2"
  unkey = {
    api_id = %q
    prefix = "sk_test"
  }`, srv.APIID)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("name"), knownvalue.StringExact("billing-service-v2")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkPlaintextVerifies(srv, keyAddr, true),
					checkServerKey(srv, func(k *unkey.Key) error {
						if k.Name == nil || *k.Name != "billing-service-v2" {
							return fmt.Errorf("server name = %v, want billing-service-v2", k.Name)
						}
						return nil
					}),
				),
			},
		},
	})
}

// A key deleted outside Terraform is removed from state on refresh and planned again.
func TestAccKeyResource_deletedOutOfBand(t *testing.T) {
	srv := acctest.NewServer(t)
	config := unkeyKeyConfig(srv, fmt.Sprintf(`unkey = { api_id = %q }`, srv.APIID))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
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
