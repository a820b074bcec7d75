package mixpeek_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

// Every invalid apikey_mixpeek_key configuration fails before any request, with an error naming
// its attribute. Each case is a subtest so one failure does not hide the others. Schema rules
// are shown to fail at validate: the provider block cannot be configured, so an error from plan
// would be about the endpoint instead. plan marks the rules checked at plan (ModifyPlan).
func TestAccMixpeekKey_invalidConfigurations(t *testing.T) {
	m := func(inner string) string { return "user_email = \"ops@example.com\"\nname = \"svc\"\n" + inner }
	cases := []struct {
		name string
		body string
		want []string
		plan bool
	}{
		{name: "missing name", body: `user_email = "ops@example.com"`, want: []string{`"name" is required`}},
		{name: "missing user_email", body: `name = "svc"`, want: []string{`"user_email" is required`}},
		{name: "name empty", body: "user_email = \"ops@example.com\"\nname = \"\"", want: []string{"name", "character count"}},
		{name: "name too long", body: fmt.Sprintf("user_email = \"ops@example.com\"\nname = %q", strings.Repeat("n", 101)), want: []string{"name", "character count"}},
		{name: "name dot", body: "user_email = \"ops@example.com\"\nname = \".\"", want: []string{"name", "none of", `got: "."`}},
		{name: "name dot dot", body: "user_email = \"ops@example.com\"\nname = \"..\"", want: []string{"name", "none of", `got: ".."`}},
		{name: "name with slash", body: "user_email = \"ops@example.com\"\nname = \"a/b\"", want: []string{"name", "must not contain /"}},
		{name: "name with query", body: "user_email = \"ops@example.com\"\nname = \"a?b\"", want: []string{"name", "must not contain"}},
		{name: "name with percent", body: "user_email = \"ops@example.com\"\nname = \"100%\"", want: []string{"name", "must not contain"}},
		{name: "protected name", body: "user_email = \"ops@example.com\"\nname = \"admin-key\"", want: []string{"name", "none of", `got: "admin-key"`}},
		{name: "bad email", body: "user_email = \"ops.example.com\"\nname = \"svc\"", want: []string{"user_email", "email"}},
		{name: "email with slash", body: "user_email = \"ops/x@example.com\"\nname = \"svc\"", want: []string{"user_email", "email"}},
		{name: "permission outside the enum", body: m(`permissions = ["superuser"]`), want: []string{"permissions", "superuser"}},
		{name: "permission empty set", body: m(`permissions = []`), want: []string{"permissions", "at least 1"}},
		{name: "description too long", body: m(fmt.Sprintf("description = %q", strings.Repeat("d", 501))), want: []string{"description", "character count"}},
		{name: "rate limit zero", body: m("rate_limit_override = 0"), want: []string{"rate_limit_override", "at least 1"}},
		{name: "scope resource type", body: m(`scopes = [{ resource_type = "galaxy", resource_id = "x" }]`), want: []string{"scopes", "galaxy"}},
		{name: "scope resource id too long", body: m(fmt.Sprintf(`scopes = [{ resource_type = "namespace", resource_id = %q }]`, strings.Repeat("i", 101))), want: []string{"scopes", "resource_id", "character count"}},
		{name: "scope operation", body: m(`scopes = [{ resource_type = "namespace", resource_id = "ns_1", operations = ["fly"] }]`), want: []string{"scopes", "fly"}},
		{name: "enabled does not exist", body: m("enabled = false"), want: []string{`"enabled" is not expected`}},
		{name: "expiry not RFC 3339", body: m(`expires_at = "next tuesday"`), want: []string{"expires_at", "RFC3339"}},
		{name: "expire_after with expires_at", body: m("expire_after = \"24h\"\nexpires_at = \"2099-01-01T00:00:00Z\""), want: []string{"expire_after"}},
		{name: "expire_after too short", body: m(`expire_after = "30s"`), want: []string{"expire_after", "outside the accepted range"}},
		{name: "malformed age recipient", body: m(`plaintext_age_recipients = ["age1notarecipient"]`), want: []string{"plaintext_age_recipients"}},
		{name: "grace period too long", body: m(`revoke_grace_period = "2160h1s"`), want: []string{"revoke_grace_period", "outside the accepted range"}},
		{name: "expiry in the past", body: m(`expires_at = "2020-01-01T00:00:00Z"`), want: []string{"expires_at", "not in the future"}, plan: true},
		{name: "rotate_after not shorter than expire_after", body: m("expire_after = \"24h\"\nrotate_after = \"48h\""), want: []string{"rotate_after", "must be shorter than expire_after"}, plan: true},
	}
	// A provider that cannot be configured: an error reported with it came from validation,
	// which runs before the provider is configured, not from plan.
	unconfigurable := func(srv *acctest.Server) string {
		return fmt.Sprintf(`
provider "apikey" {
  mixpeek = {
    endpoint = "%s/v1"
    api_key  = %q
  }
}
`, srv.Endpoint, srv.RootKey)
	}
	cases = append(cases, struct {
		name string
		body string
		want []string
		plan bool
	}{name: "valid body, unconfigurable provider", body: m(""), want: []string{"mixpeek.endpoint", "includes /v1"}})
	cli := acctest.NewCLI(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newLocalServer(t, "request counts (Dev.Stats)")
			provider := unconfigurable(srv)
			if tc.plan {
				provider = srv.ProviderConfig()
			}
			config := provider + fmt.Sprintf("\nresource \"apikey_mixpeek_key\" \"test\" {\n%s\n}\n", tc.body)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      config,
					PlanOnly:    true,
					ExpectError: errorPattern(tc.want...),
				}},
			})
			// The harness has no validate step: run the CLI's own, which never configures the
			// provider. Rules checked at plan pass it.
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(acctest.RequiredProviders+config), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := cli.Run(t, dir, "validate", "-no-color")
			switch {
			case tc.plan && err != nil:
				t.Errorf("validate rejects a rule meant for plan: %v\n%s", err, out)
			case !tc.plan && strings.Contains(tc.name, "unconfigurable") && err != nil:
				t.Errorf("validate fails on a valid body: %v\n%s", err, out)
			case !tc.plan && !strings.Contains(tc.name, "unconfigurable") && (err == nil || !errorPattern(tc.want...).MatchString(out)):
				t.Errorf("validate: err %v, output does not match %v:\n%s", err, tc.want, out)
			}
			if n := srv.Dev.Stats().Requests; n != 0 {
				t.Errorf("%d requests reached the server for an invalid configuration: %v", n, srv.Dev.Stats().ByRoute)
			}
		})
	}
}
