package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

var compareSame = compare.ValuesSame()

type invalidCase struct {
	name    string
	backend string
	// provider replaces the provider block when set (for invalid provider settings).
	provider string
	body     string
	// want lists fragments that must appear, in order, in the error; the first names the attribute.
	want []string
}

// errorPattern matches the fragments in order, across the CLI's line wrapping.
func errorPattern(fragments []string) *regexp.Regexp {
	quoted := make([]string, len(fragments))
	for i, f := range fragments {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(f)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

func invalidCases(apiID string) []invalidCase {
	u := func(inner string) string { return fmt.Sprintf("unkey = {\n api_id = %q\n %s\n}", apiID, inner) }
	m := func(inner string) string {
		return fmt.Sprintf("name = \"svc\"\nmixpeek = {\n user_email = \"ops@example.com\"\n %s\n}", inner)
	}
	longString := strings.Repeat("x", 256)
	manyMeta := make([]string, 101)
	for i := range manyMeta {
		manyMeta[i] = fmt.Sprintf("k%d = %d", i, i)
	}
	manyRatelimits := make([]string, 51)
	for i := range manyRatelimits {
		manyRatelimits[i] = fmt.Sprintf(`{ name = "rl_%03d", limit = 1, duration = "1s" }`, i)
	}
	return []invalidCase{
		// Unkey: every constraint of the spec.
		{name: "api_id too short", backend: "unkey", body: `unkey = { api_id = "ab" }`, want: []string{"unkey.api_id", "length"}},
		{name: "api_id pattern", backend: "unkey", body: `unkey = { api_id = "api-1!" }`, want: []string{"unkey.api_id", "letters, digits and _"}},
		{name: "missing unkey object", backend: "unkey", body: `name = "x"`, want: []string{"unkey", "api_id"}},
		{name: "prefix too long", backend: "unkey", body: u(`prefix = "abcdefghijklmnopq"`), want: []string{"unkey.prefix", "length"}},
		{name: "prefix pattern", backend: "unkey", body: u(`prefix = "sk-live"`), want: []string{"unkey.prefix", "letters, digits and _"}},
		{name: "byte_length too small", backend: "unkey", body: u(`byte_length = 8`), want: []string{"unkey.byte_length", "between 16 and 255"}},
		{name: "byte_length too large", backend: "unkey", body: u(`byte_length = 256`), want: []string{"unkey.byte_length", "between 16 and 255"}},
		{name: "name empty", backend: "unkey", body: `name = ""` + "\n" + u(""), want: []string{"name", "length"}},
		{name: "name too long", backend: "unkey", body: fmt.Sprintf("name = %q\n", longString) + u(""), want: []string{"name", "length"}},
		{name: "external_id pattern", backend: "unkey", body: u(`external_id = "a b"`), want: []string{"unkey.external_id", "letters, digits and _ . -"}},
		{name: "external_id too long", backend: "unkey", body: u(fmt.Sprintf("external_id = %q", longString)), want: []string{"unkey.external_id", "length"}},
		{name: "meta not JSON", backend: "unkey", body: u(`meta = "{not json"`), want: []string{"unkey.meta"}},
		{name: "meta not an object", backend: "unkey", body: u(`meta = jsonencode([1, 2])`), want: []string{"unkey.meta", "must be a JSON object"}},
		{name: "meta too many properties", backend: "unkey", body: u("meta = jsonencode({" + strings.Join(manyMeta, ", ") + "})"), want: []string{"unkey.meta", "101 top-level properties"}},
		{name: "meta with the reserved marker", backend: "unkey", body: u(`meta = jsonencode({ _apikey_create = "x" })`), want: []string{"unkey.meta", "must not contain"}},
		{name: "permission pattern", backend: "unkey", body: `permissions = ["invoices read"]` + "\n" + u(""), want: []string{"permissions", "letters, digits"}},
		{name: "permission too long", backend: "unkey", body: fmt.Sprintf("permissions = [%q]\n", strings.Repeat("p", 129)) + u(""), want: []string{"permissions", "length"}},
		{name: "role name too long", backend: "unkey", body: u(fmt.Sprintf("roles = [%q]", strings.Repeat("r", 129))), want: []string{"unkey.roles", "length"}},
		{name: "negative credits", backend: "unkey", body: u(`credits = { remaining = -1 }`), want: []string{"unkey.credits.remaining", "at least 0"}},
		{name: "refill interval enum", backend: "unkey", body: u(`credits = { remaining = 1, refill = { interval = "weekly", amount = 1 } }`), want: []string{"unkey.credits.refill.interval", "weekly"}},
		{name: "refill amount zero", backend: "unkey", body: u(`credits = { remaining = 1, refill = { interval = "daily", amount = 0 } }`), want: []string{"unkey.credits.refill.amount", "at least 1"}},
		{name: "monthly refill without day", backend: "unkey", body: u(`credits = { remaining = 1, refill = { interval = "monthly", amount = 1 } }`), want: []string{"unkey.credits.refill.refill_day", "required"}},
		{name: "daily refill with day", backend: "unkey", body: u(`credits = { remaining = 1, refill = { interval = "daily", amount = 1, refill_day = 3 } }`), want: []string{"unkey.credits.refill.refill_day", "must not be set"}},
		{name: "refill day out of range", backend: "unkey", body: u(`credits = { remaining = 1, refill = { interval = "monthly", amount = 1, refill_day = 32 } }`), want: []string{"unkey.credits.refill.refill_day", "between 1 and 31"}},
		{name: "ratelimit name too short", backend: "unkey", body: u(`ratelimits = [{ name = "rl", limit = 1, duration = "1s" }]`), want: []string{"unkey.ratelimits", "name", "length"}},
		{name: "ratelimit limit zero", backend: "unkey", body: u(`ratelimits = [{ name = "requests", limit = 0, duration = "1s" }]`), want: []string{"unkey.ratelimits", "limit", "between"}},
		{name: "ratelimit duration below 1s", backend: "unkey", body: u(`ratelimits = [{ name = "requests", limit = 1, duration = "500ms" }]`), want: []string{"unkey.ratelimits", "duration", "outside the accepted range"}},
		{name: "ratelimit duration not a duration", backend: "unkey", body: u(`ratelimits = [{ name = "requests", limit = 1, duration = "1 minute" }]`), want: []string{"unkey.ratelimits", "duration", "not a Go duration"}},
		{name: "duplicate ratelimit names", backend: "unkey", body: u(`ratelimits = [{ name = "requests", limit = 1, duration = "1s" }, { name = "requests", limit = 2, duration = "1s" }]`), want: []string{"unkey.ratelimits", "more than one limit named"}},
		{name: "more than 50 ratelimits", backend: "unkey", body: u("ratelimits = [" + strings.Join(manyRatelimits, ", ") + "]"), want: []string{"unkey.ratelimits", "at most 50"}},
		{name: "expiry not RFC 3339", backend: "unkey", body: `expires_at = "next tuesday"` + "\n" + u(""), want: []string{"expires_at", "RFC3339"}},
		{name: "expiry in the past", backend: "unkey", body: `expires_at = "2001-01-01T00:00:00Z"` + "\n" + u(""), want: []string{"expires_at", "not in the future"}},
		{name: "expiry after 2100", backend: "unkey", body: `expires_at = "2100-01-02T00:00:00Z"` + "\n" + u(""), want: []string{"expires_at", "after"}},
		{name: "mixpeek object on unkey backend", backend: "unkey", body: u("") + "\nmixpeek = { user_email = \"ops@example.com\" }", want: []string{"mixpeek", "applies only to backend"}},
		{name: "expire_after with expires_at", backend: "unkey", body: "expire_after = \"24h\"\nexpires_at = \"2099-01-01T00:00:00Z\"\n" + u(""), want: []string{"expire_after"}},
		{name: "rotate_after not shorter than expire_after", backend: "unkey", body: "expire_after = \"24h\"\nrotate_after = \"48h\"\n" + u(""), want: []string{"rotate_after", "must be shorter than expire_after"}},
		{name: "malformed age recipient", backend: "unkey", body: "plaintext_age_recipients = [\"age1notarecipient\"]\n" + u(""), want: []string{"plaintext_age_recipients"}},
		{name: "grace period too long", backend: "unkey", body: "revoke_grace_period = \"2160h1s\"\n" + u(""), want: []string{"revoke_grace_period", "outside the accepted range"}},

		// Mixpeek.
		{name: "mixpeek missing object", backend: "mixpeek", body: `name = "svc"`, want: []string{"mixpeek", "user_email"}},
		{name: "mixpeek missing name", backend: "mixpeek", body: `mixpeek = { user_email = "ops@example.com" }`, want: []string{"name", "addressed by name"}},
		{name: "mixpeek name too long", backend: "mixpeek", body: fmt.Sprintf("name = %q\nmixpeek = { user_email = \"ops@example.com\" }", strings.Repeat("n", 101)), want: []string{"name", "at most 100"}},
		{name: "mixpeek protected name", backend: "mixpeek", body: "name = \"admin-key\"\nmixpeek = { user_email = \"ops@example.com\" }", want: []string{"name", "protected"}},
		{name: "mixpeek name with slash", backend: "mixpeek", body: "name = \"a/b\"\nmixpeek = { user_email = \"ops@example.com\" }", want: []string{"name", "must not contain"}},
		{name: "mixpeek bad email", backend: "mixpeek", body: "name = \"svc\"\nmixpeek = { user_email = \"ops.example.com\" }", want: []string{"mixpeek.user_email", "email"}},
		{name: "mixpeek permission enum", backend: "mixpeek", body: "permissions = [\"superuser\"]\n" + m(""), want: []string{"permissions", "superuser"}},
		{name: "mixpeek disabled", backend: "mixpeek", body: "enabled = false\n" + m(""), want: []string{"enabled", "cannot be disabled"}},
		{name: "mixpeek description too long", backend: "mixpeek", body: m(fmt.Sprintf("description = %q", strings.Repeat("d", 501))), want: []string{"mixpeek.description", "length"}},
		{name: "mixpeek rate limit zero", backend: "mixpeek", body: m("rate_limit_override = 0"), want: []string{"mixpeek.rate_limit_override", "at least 1"}},
		{name: "mixpeek scope resource type", backend: "mixpeek", body: m(`scopes = [{ resource_type = "galaxy", resource_id = "x" }]`), want: []string{"mixpeek.scopes", "galaxy"}},
		{name: "mixpeek scope resource id too long", backend: "mixpeek", body: m(fmt.Sprintf(`scopes = [{ resource_type = "namespace", resource_id = %q }]`, strings.Repeat("i", 101))), want: []string{"mixpeek.scopes", "length"}},
		{name: "mixpeek scope operation", backend: "mixpeek", body: m(`scopes = [{ resource_type = "namespace", resource_id = "ns_1", operations = ["fly"] }]`), want: []string{"mixpeek.scopes", "fly"}},
		{name: "unkey object on mixpeek backend", backend: "mixpeek", body: m("") + "\nunkey = { api_id = \"api_123\" }", want: []string{"unkey", "applies only to backend"}},
		{name: "mixpeek expiry in the past", backend: "mixpeek", body: "expires_at = \"2020-01-01T00:00:00Z\"\n" + m(""), want: []string{"expires_at", "not in the future"}},

		// Provider settings.
		{name: "unknown backend", provider: `backend = "vault"`, body: `name = "x"`, want: []string{"backend", "vault"}},
		{name: "endpoint not a URL", provider: `endpoint = "not a url"`, body: u(""), want: []string{"endpoint", "absolute http:// or https:// URL"}},
		{name: "insecure remote endpoint", provider: `endpoint = "http://keys.example.com"`, body: u(""), want: []string{"endpoint", "allow_insecure_http"}},
		{name: "negative retries", provider: `max_retries = -1`, body: u(""), want: []string{"max_retries", "between 0 and 20"}},
		{name: "bad request timeout", provider: `request_timeout = "soon"`, body: u(""), want: []string{"request_timeout", "not a Go duration"}},
	}
}

// Every invalid configuration fails at plan time, names its attribute, and sends nothing to the
// server.
func TestAccKeyResource_invalidConfigurations(t *testing.T) {
	srv := acctest.NewServer(t)
	cases := invalidCases(srv.APIID)
	if len(cases) < 40 {
		t.Fatalf("only %d invalid cases", len(cases))
	}
	steps := make([]resource.TestStep, 0, len(cases)+1)
	for _, tc := range cases {
		providerBlock := srv.ProviderConfig(tc.backend)
		if tc.provider != "" {
			providerBlock = fmt.Sprintf("provider \"apikey\" {\n endpoint = %q\n token = %q\n %s\n}\n", srv.Endpoint, srv.RootKey, tc.provider)
			if strings.HasPrefix(tc.provider, "endpoint") {
				providerBlock = fmt.Sprintf("provider \"apikey\" {\n token = %q\n %s\n}\n", srv.RootKey, tc.provider)
			}
		}
		steps = append(steps, resource.TestStep{
			Config:      providerBlock + fmt.Sprintf("resource \"apikey_key\" \"test\" {\n%s\n}\n", tc.body),
			PlanOnly:    true,
			ExpectError: errorPattern(tc.want),
		})
	}
	// The last step fails if any request reached the server during the invalid plans.
	steps = append(steps, resource.TestStep{
		Config:   srv.ProviderConfig(backendUnkey),
		PlanOnly: true,
		Check: func(*terraform.State) error {
			if n := srv.Dev.Stats().Requests; n != 0 {
				return fmt.Errorf("%d requests reached the server during invalid plans: %v", n, srv.Dev.Stats().ByRoute)
			}
			return nil
		},
	})
	srv.Dev.ResetStats()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps:                    steps,
	})
	if n := srv.Dev.Stats().Requests; n != 0 {
		t.Fatalf("%d requests reached the server during invalid plans: %v", n, srv.Dev.Stats().ByRoute)
	}
}
