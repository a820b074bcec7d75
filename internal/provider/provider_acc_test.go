package provider_test

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
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

func TestMain(m *testing.M) { acctest.Main(m) }

const (
	unkeyAddr   = "apikey_unkey_key.u"
	mixpeekAddr = "apikey_mixpeek_key.m"
	email       = "ops@example.com"
)

// errorPattern matches the fragments in order, across the CLI's line wrapping.
func errorPattern(fragments ...string) *regexp.Regexp {
	quoted := make([]string, len(fragments))
	for i, f := range fragments {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(f)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

func bothKeys(srv *acctest.Server, suffix string) string {
	return fmt.Sprintf(`
resource "apikey_unkey_key" "u" {
  api_id = %q
  name   = "tfacc-both-%[2]s"
}

resource "apikey_mixpeek_key" "m" {
  user_email = %[3]q
  name       = "tfacc-both-%[2]s"
}
`, srv.APIID, suffix, email)
}

// checkBothGone is a CheckDestroy for configurations with keys of both backends.
func checkBothGone(srv *acctest.Server) func(*terraform.State) error {
	return func(s *terraform.State) error {
		seen := 0
		for _, rs := range s.RootModule().Resources {
			switch rs.Type {
			case "apikey_unkey_key":
				seen++
				_, err := srv.Unkey.GetKey(context.Background(), rs.Primary.ID, false)
				if err == nil {
					return fmt.Errorf("unkey key %s still exists after destroy", rs.Primary.ID)
				}
				if !unkey.IsNotFound(err) {
					return fmt.Errorf("checking unkey key %s: %w", rs.Primary.ID, err)
				}
			case "apikey_mixpeek_key":
				seen++
				k, err := srv.Mixpeek.FindKey(context.Background(), rs.Primary.Attributes["user_email"], rs.Primary.ID)
				if err != nil {
					return fmt.Errorf("finding mixpeek key %s after destroy: %w", rs.Primary.ID, err)
				}
				if k.Status != mixpeek.StatusRevoked {
					return fmt.Errorf("mixpeek key %s is %q after destroy, want revoked", rs.Primary.ID, k.Status)
				}
			}
		}
		if seen == 0 {
			return fmt.Errorf("no key of either backend in the state before destroy")
		}
		return nil
	}
}

// One provider block, no aliases, both backends: each resource reaches its own backend, a
// change to one touches only it, the plan after apply is empty, and destroy removes both.
func TestAccProvider_bothBackends(t *testing.T) {
	srv := acctest.NewServer(t)
	checkServer := func(name string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			u := s.RootModule().Resources[unkeyAddr]
			m := s.RootModule().Resources[mixpeekAddr]
			if u == nil || m == nil {
				return fmt.Errorf("both keys must be in state")
			}
			uk, err := srv.Unkey.GetKey(context.Background(), u.Primary.ID, false)
			if err != nil {
				return fmt.Errorf("the unkey key is not on the server: %w", err)
			}
			if uk.Name == nil || *uk.Name != name {
				return fmt.Errorf("unkey key name %v, want %s", uk.Name, name)
			}
			mk, err := srv.Mixpeek.FindKey(context.Background(), email, m.Primary.ID)
			if err != nil {
				return fmt.Errorf("the mixpeek key is not on the server: %w", err)
			}
			if mk.Name != name || mk.Status != mixpeek.StatusActive {
				return fmt.Errorf("mixpeek key %q is %q, want %s active", mk.Name, mk.Status, name)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkBothGone(srv),
		Steps: []resource.TestStep{
			{
				Config: srv.ProviderConfig() + bothKeys(srv, "a"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(unkeyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(mixpeekAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(unkeyAddr, tfjsonpath.New("plaintext"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(mixpeekAddr, tfjsonpath.New("plaintext"), knownvalue.NotNull()),
				},
				Check: checkServer("tfacc-both-a"),
			},
			{
				Config:           srv.ProviderConfig() + bothKeys(srv, "a"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: srv.ProviderConfig() + bothKeys(srv, "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(unkeyAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(mixpeekAddr, plancheck.ResourceActionUpdate),
				}},
				Check: checkServer("tfacc-both-b"),
			},
		},
	})
}

// A resource of a backend the provider block does not configure fails at plan, saying what to
// set, and nothing reaches the server; the configured backend's resource would plan fine.
func TestAccProvider_backendNotConfigured(t *testing.T) {
	cases := []struct {
		name, only, resource string
		want                 []string
	}{
		{name: "mixpeek resource, unkey only", only: "unkey", resource: `resource "apikey_mixpeek_key" "m" {
  user_email = "ops@example.com"
  name       = "tfacc-x"
}`, want: []string{"The mixpeek backend is not configured", "mixpeek.api_key", "MIXPEEK_API_KEY"}},
		{name: "unkey resource, mixpeek only", only: "mixpeek", resource: `resource "apikey_unkey_key" "u" {
  api_id = "api_123456"
}`, want: []string{"The unkey backend is not configured", "unkey.root_key", "UNKEY_ROOT_KEY"}},
		{name: "mixpeek data source, unkey only", only: "unkey", resource: `data "apikey_mixpeek_keys" "all" {
  user_email = "ops@example.com"
}`, want: []string{"The mixpeek backend is not configured", "mixpeek.api_key"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      srv.ProviderConfigOnly(tc.only) + tc.resource,
					PlanOnly:    true,
					ExpectError: errorPattern(tc.want...),
				}},
			})
			if n := srv.Dev.Stats().Requests; n != 0 {
				t.Errorf("%d requests reached the server: %v", n, srv.Dev.Stats().ByRoute)
			}
		})
	}
}

// Provider settings rejected at configure name the attribute (the validation of the provider
// block itself cannot see the environment, so these are configure-time errors).
func TestAccProvider_invalidSettings(t *testing.T) {
	mixpeekKey := `
resource "apikey_mixpeek_key" "m" {
  user_email = "ops@example.com"
  name       = "tfacc-x"
}`
	cases := []struct {
		name     string
		provider func(srv *acctest.Server) string
		resource string
		want     []string
	}{
		{name: "unkey endpoint with /v2", provider: func(srv *acctest.Server) string {
			return fmt.Sprintf("provider \"apikey\" {\n unkey = {\n endpoint = \"%s/v2\"\n root_key = %q\n }\n}\n", srv.Endpoint, srv.RootKey)
		}, resource: fmt.Sprintf("resource \"apikey_unkey_key\" \"u\" {\n api_id = %q\n}", "api_123456"), want: []string{"unkey.endpoint", "includes /v2"}},
		{name: "mixpeek endpoint with /v1", provider: func(srv *acctest.Server) string {
			return fmt.Sprintf("provider \"apikey\" {\n mixpeek = {\n endpoint = \"%s/v1\"\n api_key = %q\n }\n}\n", srv.Endpoint, srv.RootKey)
		}, resource: mixpeekKey, want: []string{"mixpeek.endpoint", "includes /v1"}},
		{name: "endpoint with another path", provider: func(srv *acctest.Server) string {
			return fmt.Sprintf("provider \"apikey\" {\n mixpeek = {\n endpoint = \"%s/api\"\n api_key = %q\n }\n}\n", srv.Endpoint, srv.RootKey)
		}, resource: mixpeekKey, want: []string{"mixpeek.endpoint", "has the path /api"}},
		{name: "port 99999", provider: func(srv *acctest.Server) string {
			return fmt.Sprintf("provider \"apikey\" {\n mixpeek = {\n endpoint = \"http://127.0.0.1:99999\"\n api_key = %q\n }\n}\n", srv.RootKey)
		}, resource: mixpeekKey, want: []string{"mixpeek.endpoint", "outside 1 to 65535"}},
		{name: "plain http off loopback", provider: func(srv *acctest.Server) string {
			return fmt.Sprintf("provider \"apikey\" {\n mixpeek = {\n endpoint = \"http://keys.example.com\"\n api_key = %q\n }\n}\n", srv.RootKey)
		}, resource: mixpeekKey, want: []string{"mixpeek.endpoint", "allow_insecure_http"}},
		{name: "credential with CRLF", provider: func(srv *acctest.Server) string {
			return fmt.Sprintf("provider \"apikey\" {\n mixpeek = {\n endpoint = %q\n api_key = \"%s\\r\\n\"\n }\n}\n", srv.Endpoint, srv.RootKey)
		}, resource: mixpeekKey, want: []string{"mixpeek.api_key", "whitespace"}},
		{name: "block without credential", provider: func(srv *acctest.Server) string {
			return fmt.Sprintf("provider \"apikey\" {\n unkey = {\n endpoint = %q\n }\n}\n", srv.Endpoint)
		}, resource: mixpeekKey, want: []string{"unkey.root_key", "UNKEY_ROOT_KEY"}},
		{name: "negative retries", provider: func(srv *acctest.Server) string { return srv.ProviderConfig("max_retries = -1") }, resource: mixpeekKey, want: []string{"max_retries", "between 0 and 20"}},
		{name: "bad request timeout", provider: func(srv *acctest.Server) string { return srv.ProviderConfig(`request_timeout = "soon"`) }, resource: mixpeekKey, want: []string{"request_timeout"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      tc.provider(srv) + tc.resource,
					PlanOnly:    true,
					ExpectError: errorPattern(tc.want...),
				}},
			})
			if n := srv.Dev.Stats().Requests; n != 0 {
				t.Errorf("%d requests reached the server: %v", n, srv.Dev.Stats().ByRoute)
			}
		})
	}
}

// A provider setting that is only known after apply is an error naming the attribute (OpenTofu
// does not support deferred actions, so the framework's deferral does not apply).
func TestAccProvider_unknownConfiguration(t *testing.T) {
	for _, tc := range []struct{ backend, attr, resource string }{
		{backend: "unkey", attr: "root_key", resource: "resource \"apikey_unkey_key\" \"u\" {\n api_id = \"api_123456\"\n}"},
		{backend: "mixpeek", attr: "api_key", resource: "resource \"apikey_mixpeek_key\" \"m\" {\n user_email = \"ops@example.com\"\n name = \"x\"\n}"},
	} {
		t.Run(tc.backend, func(t *testing.T) {
			srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
resource "terraform_data" "credential" {
  input = "not-a-real-credential"
}

provider "apikey" {
  %[1]s = {
    endpoint = %[2]q
    %[3]s = terraform_data.credential.output
  }
}
`, tc.backend, srv.Endpoint, tc.attr) + tc.resource,
					ExpectError: errorPattern("Unknown provider configuration value", tc.backend+"."+tc.attr, "depends on a value"),
				}},
			})
			if n := srv.Dev.Stats().Requests; n != 0 {
				t.Errorf("%d requests reached the server: %v", n, srv.Dev.Stats().ByRoute)
			}
		})
	}
}
