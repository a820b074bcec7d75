package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
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
