package unkey_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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

const apiAddr = "apikey_unkey_api.test"

func apiConfig(srv *acctest.Server, body string) string {
	return srv.ProviderConfig() + fmt.Sprintf("resource \"apikey_unkey_api\" \"test\" {\n%s\n}\n", body)
}

func checkAPIName(srv *acctest.Server, want string) resource.TestCheckFunc {
	return onServer(apiAddr, func(ctx context.Context, id string) error {
		api, err := srv.Unkey.GetAPI(ctx, id)
		if err != nil {
			return err
		}
		if api.Name != want {
			return fmt.Errorf("name = %q, want %q", api.Name, want)
		}
		return nil
	})
}

// checkAPIsGone is a CheckDestroy: every API the state had is deleted on the server.
func checkAPIsGone(srv *acctest.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "apikey_unkey_api" {
				continue
			}
			if _, err := srv.Unkey.GetAPI(context.Background(), rs.Primary.ID); !unkey.IsAPINotFound(err) {
				return fmt.Errorf("%s (%s) still readable after destroy: %v", addr, rs.Primary.ID, err)
			}
		}
		return nil
	}
}

func TestAccUnkeyAPI_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	var first string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkAPIsGone(srv),
		Steps: []resource.TestStep{
			{
				Config: apiConfig(srv, `  name = "tfacc-payments-production"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkAPIName(srv, "tfacc-payments-production"),
					resource.TestMatchResourceAttr(apiAddr, "id", regexp.MustCompile(`^api_`)),
					resource.TestCheckResourceAttr(apiAddr, "delete_with_keys", "false"),
					captureID(apiAddr, &first),
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				ResourceName:      apiAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// Unkey cannot rename an API.
				Config: apiConfig(srv, `  name = "tfacc-payments-prod"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(apiAddr, plancheck.ResourceActionReplace)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkAPIName(srv, "tfacc-payments-prod"),
					idChanged(apiAddr, &first),
					func(*terraform.State) error {
						if _, err := srv.Unkey.GetAPI(context.Background(), first); !unkey.IsAPINotFound(err) {
							return fmt.Errorf("the replaced API %s is still readable: %v", first, err)
						}
						return nil
					},
				),
			},
			{
				// Provider-side only: no replacement, no request.
				Config: apiConfig(srv, `
  name             = "tfacc-payments-prod"
  delete_with_keys = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(apiAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.TestCheckResourceAttr(apiAddr, "delete_with_keys", "true"),
			},
		},
	})
}

func TestAccUnkeyAPI_identity(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		TerraformVersionChecks:   setupIdentityVersions,
		CheckDestroy:             checkAPIsGone(srv),
		Steps: []resource.TestStep{
			{
				Config: apiConfig(srv, `  name = "tfacc-identified"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(apiAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(regexp.MustCompile(`^api_`))}),
					statecheck.ExpectIdentityValueMatchesState(apiAddr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:    apiAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}

func TestAccUnkeyAPI_deletedOutOfBand(t *testing.T) {
	srv := acctest.NewServer(t)
	var first string
	config := apiConfig(srv, `  name = "tfacc-gone-api"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkAPIsGone(srv),
		Steps: []resource.TestStep{
			{Config: config, Check: captureID(apiAddr, &first)},
			{
				PreConfig: func() {
					if err := srv.Unkey.DeleteAPI(context.Background(), first); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(apiAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(idChanged(apiAddr, &first), checkAPIName(srv, "tfacc-gone-api")),
			},
		},
	})
}

// An API that holds keys the plan does not destroy is refused at plan, before any request that
// changes anything; delete_with_keys lets it go, keys and all.
func TestAccUnkeyAPI_destroyWithKeysRefused(t *testing.T) {
	srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
	var apiID, keyID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkAPIsGone(srv),
		Steps: []resource.TestStep{
			{
				Config: apiConfig(srv, `  name = "tfacc-customer-keys"`),
				Check: resource.ComposeAggregateTestCheckFunc(captureID(apiAddr, &apiID), func(*terraform.State) error {
					created, err := srv.Unkey.CreateKey(context.Background(), unkey.CreateKeyRequest{APIID: apiID, Name: "tfacc-customer"})
					if err != nil {
						return err
					}
					keyID = created.KeyID
					return nil
				}),
			},
			{
				// The API resource removed from the configuration (a typo, a refactor).
				PreConfig:   srv.Dev.ResetStats,
				Config:      srv.ProviderConfig(),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)API still holds keys.*delete_with_keys`),
			},
			{
				PreConfig: func() {
					if n := srv.Dev.Stats().ByRoute["/v2/apis.deleteApi"]; n != 0 {
						t.Fatalf("apis.deleteApi was called %d times after a refused plan", n)
					}
				},
				// Replacement destroys too.
				Config:      apiConfig(srv, `  name = "tfacc-customer-keys-renamed"`),
				ExpectError: regexp.MustCompile(`(?s)API still holds keys.*this\s+plan`),
			},
			{
				Config: apiConfig(srv, `
  name             = "tfacc-customer-keys"
  delete_with_keys = true`),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkAPIName(srv, "tfacc-customer-keys"),
					func(*terraform.State) error {
						if _, err := srv.Unkey.GetKey(context.Background(), keyID, false); err != nil {
							return fmt.Errorf("the customer key is gone although every destroy was refused: %w", err)
						}
						return nil
					},
				),
			},
			{
				Config: srv.ProviderConfig(),
				Check: func(*terraform.State) error {
					if _, err := srv.Unkey.GetAPI(context.Background(), apiID); !unkey.IsAPINotFound(err) {
						return fmt.Errorf("API %s still readable after destroy with delete_with_keys: %v", apiID, err)
					}
					if _, err := srv.Unkey.GetKey(context.Background(), keyID, false); !unkey.IsKeyNotFound(err) {
						return fmt.Errorf("key %s of the deleted API still readable: %v", keyID, err)
					}
					return nil
				},
			},
		},
	})
}

// Delete protection (dashboard-only on Unkey) is an error that keeps the API in state.
func TestAccUnkeyAPI_deleteProtected(t *testing.T) {
	srv := acctest.NewLocalServer(t, "delete protection (Dev.SetAPIDeleteProtection)")
	var apiID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkAPIsGone(srv),
		Steps: []resource.TestStep{
			{
				Config: apiConfig(srv, `  name = "tfacc-protected"`),
				Check: resource.ComposeAggregateTestCheckFunc(captureID(apiAddr, &apiID), func(*terraform.State) error {
					return srv.Dev.SetAPIDeleteProtection(apiID, true)
				}),
			},
			{
				Config:      srv.ProviderConfig(),
				ExpectError: regexp.MustCompile(`(?s)API is delete-protected.*dashboard`),
			},
			{
				PreConfig: func() {
					if _, err := srv.Unkey.GetAPI(context.Background(), apiID); err != nil {
						t.Fatalf("protected API not readable: %v", err)
					}
					if err := srv.Dev.SetAPIDeleteProtection(apiID, false); err != nil {
						t.Fatal(err)
					}
				},
				Config: apiConfig(srv, `  name = "tfacc-protected"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func TestAccUnkeyAPI_invalidConfigurations(t *testing.T) {
	runInvalidCases(t, "apikey_unkey_api", "/v2/apis.createApi", []setupInvalidCase{
		{name: "name too short", config: `name = "ab"`, attr: "name", msg: "between 3 and 256"},
		{name: "name too long", config: fmt.Sprintf("name = %q", strings.Repeat("a", 257)), attr: "name", msg: "between 3 and 256"},
		{name: "name counted in characters", config: `name = "éé"`, attr: "name", msg: "between 3 and 256"},
		{name: "name missing", config: ``, attr: "name", msg: "required"},
		{name: "delete_with_keys not a bool", config: "name = \"abc\"\ndelete_with_keys = \"maybe\"", attr: "delete_with_keys", msg: "bool"},
	})
}
