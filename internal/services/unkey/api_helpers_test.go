package unkey_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

// Helpers of the setup-resource suites (API, permission, role, identity).

// Resource identity needs Terraform or OpenTofu 1.12; older CLIs skip the identity tests.
var setupIdentityVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

// stateAttr reads one attribute of a resource in state.
func stateAttr(s *terraform.State, addr, name string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.Attributes[name], nil
}

// onServer runs fn with the id of addr in state.
func onServer(addr string, fn func(ctx context.Context, id string) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateAttr(s, addr, "id")
		if err != nil {
			return err
		}
		if err := fn(context.Background(), id); err != nil {
			return fmt.Errorf("%s (%s) on the server: %w", addr, id, err)
		}
		return nil
	}
}

// captureID stores the id of addr in *dst.
func captureID(addr string, dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateAttr(s, addr, "id")
		*dst = id
		return err
	}
}

// idChanged fails unless addr now has an id other than *old (a replacement or a re-create).
func idChanged(addr string, old *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateAttr(s, addr, "id")
		if err != nil {
			return err
		}
		if id == "" || id == *old {
			return fmt.Errorf("%s kept id %q; want a new object", addr, id)
		}
		return nil
	}
}

// setupInvalidCase is a configuration that must fail at plan with a message naming attr.
type setupInvalidCase struct {
	name   string
	config string // resource body
	attr   string // attribute the error must name
	msg    string // further fragment of the message
}

// runInvalidCases plans each case in its own subtest, with no request allowed to create
// anything on the server.
func runInvalidCases(t *testing.T, typeName, createRoute string, cases []setupInvalidCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
			srv.Dev.ResetStats()
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      srv.ProviderConfig() + fmt.Sprintf("resource %q \"bad\" {\n%s\n}\n", typeName, tc.config),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)` + regexp.QuoteMeta(tc.attr) + `.*` + strings.ReplaceAll(tc.msg, " ", `\s+`)),
				}},
			})
			if st := srv.Dev.Stats(); st.ByRoute[createRoute] != 0 || st.Requests != 0 {
				t.Errorf("an invalid configuration sent %d requests (%s: %d)", st.Requests, createRoute, st.ByRoute[createRoute])
			}
		})
	}
}
