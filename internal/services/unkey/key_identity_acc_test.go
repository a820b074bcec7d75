package unkey_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Resource identity needs Terraform or OpenTofu 1.12; older CLIs skip these tests.
var identityVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

func TestAccUnkeyKey_identity(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		TerraformVersionChecks:   identityVersions,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: keyConfig(srv, fmt.Sprintf(`
  name   = "tfacc-identified"
  api_id = %q
  prefix = "idt"`, srv.APIID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(keyAddr, map[string]knownvalue.Check{
						"api_id": knownvalue.StringExact(srv.APIID),
						"id":     knownvalue.NotNull(),
					}),
					statecheck.ExpectIdentityValueMatchesState(keyAddr, tfjsonpath.New("id")),
					statecheck.ExpectIdentityValueMatchesState(keyAddr, tfjsonpath.New("api_id")),
				},
			},
			{
				ResourceName:    keyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}

// Imported by bare key id, the key's API is unknown until the configuration names it; the next
// apply fills it in (state and identity) without replacing the key.
func TestAccUnkeyKey_importBareIDThenApply(t *testing.T) {
	srv := acctest.NewServer(t)
	created, err := srv.Unkey.CreateKey(context.Background(), unkey.CreateKeyRequest{APIID: srv.APIID, Name: "tfacc-bare"})
	if err != nil {
		t.Fatal(err)
	}
	config := keyConfig(srv, fmt.Sprintf(`
  name   = "tfacc-bare"
  api_id = %q`, srv.APIID))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		TerraformVersionChecks:   identityVersions,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       keyAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateId:      created.KeyID,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["api_id"] != "" {
						return fmt.Errorf("after a bare-id import api_id = %q, want unset", states[0].Attributes["api_id"])
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("id"), knownvalue.StringExact(created.KeyID)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
					statecheck.ExpectIdentity(keyAddr, map[string]knownvalue.Check{
						"api_id": knownvalue.StringExact(srv.APIID),
						"id":     knownvalue.StringExact(created.KeyID),
					}),
				},
			},
		},
	})
}
