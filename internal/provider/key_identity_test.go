package provider

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

func TestAccKeyResource_unkeyIdentity(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		TerraformVersionChecks:   identityVersions,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: unkeyKeyConfig(srv, fmt.Sprintf(`
  name = "identified"
  unkey = { api_id = %q, prefix = "idt" }`, srv.APIID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(keyAddr, map[string]knownvalue.Check{
						"api_id":     knownvalue.StringExact(srv.APIID),
						"user_email": knownvalue.Null(),
						"id":         knownvalue.NotNull(),
					}),
					statecheck.ExpectIdentityValueMatchesState(keyAddr, tfjsonpath.New("id")),
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

func TestAccKeyResource_mixpeekIdentity(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		TerraformVersionChecks:   identityVersions,
		CheckDestroy:             checkMixpeekRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: mixpeekKeyConfig(srv, `
  name    = "identified"
  mixpeek = { user_email = "ops@example.com" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(keyAddr, map[string]knownvalue.Check{
						"api_id":     knownvalue.Null(),
						"user_email": knownvalue.StringExact(mixpeekEmail),
						"id":         knownvalue.NotNull(),
					}),
					statecheck.ExpectIdentityValueMatchesState(keyAddr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:            keyAddr,
				ImportState:             true,
				ImportStateKind:         resource.ImportBlockWithResourceIdentity,
				ImportStateVerifyIgnore: []string{"plaintext"},
			},
		},
	})
}

// Imported by bare key id, the key's API is unknown until the configuration names it; the next
// apply fills it in (state and identity) without replacing the key.
func TestAccKeyResource_unkeyImportBareIDThenApply(t *testing.T) {
	srv := acctest.NewServer(t)
	created, err := srv.Unkey.CreateKey(context.Background(), unkey.CreateKeyRequest{APIID: srv.APIID, Name: "bare"})
	if err != nil {
		t.Fatal(err)
	}
	config := unkeyKeyConfig(srv, fmt.Sprintf(`
  name  = "bare"
  unkey = { api_id = %q }`, srv.APIID))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
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
					if len(states) != 1 || states[0].Attributes["unkey.api_id"] != "" {
						return fmt.Errorf("after a bare-id import unkey.api_id = %q, want unset", states[0].Attributes["unkey.api_id"])
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
						"api_id":     knownvalue.StringExact(srv.APIID),
						"user_email": knownvalue.Null(),
						"id":         knownvalue.StringExact(created.KeyID),
					}),
				},
			},
		},
	})
}
