package unkey_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

type invalidCase struct {
	name string
	body string
	// want lists fragments that must appear, in order, in the error; the first names the attribute.
	want []string
	// planOnly marks rules that need the clock or the whole plan: validate accepts them and the
	// plan rejects them.
	planOnly bool
}

func invalidKeyCases(apiID string) []invalidCase {
	// with adds attributes to a valid key.
	with := func(inner string) string { return fmt.Sprintf("api_id = %q\n%s", apiID, inner) }
	longString := strings.Repeat("x", 256)
	meta := func(n int) string {
		props := make([]string, n)
		for i := range props {
			props[i] = fmt.Sprintf("k%d = %d", i, i)
		}
		return "meta = jsonencode({" + strings.Join(props, ", ") + "})"
	}
	manyRatelimits := make([]string, 51)
	for i := range manyRatelimits {
		manyRatelimits[i] = fmt.Sprintf(`{ name = "rl_%03d", limit = 1, duration = "1s" }`, i)
	}
	manyRoles := make([]string, 101)
	for i := range manyRoles {
		manyRoles[i] = fmt.Sprintf("%q", fmt.Sprintf("role_%03d", i))
	}
	return []invalidCase{
		{name: "api_id missing", body: `name = "x"`, want: []string{`"api_id" is required`}},
		{name: "api_id too short", body: `api_id = "ab"`, want: []string{"api_id", "length must be between 3 and 255"}},
		{name: "api_id pattern", body: `api_id = "api-1!"`, want: []string{"api_id", "letters, digits and _"}},
		{name: "prefix too long", body: with(`prefix = "abcdefghijklmnopq"`), want: []string{"prefix", "length must be between 1 and 16"}},
		{name: "prefix pattern", body: with(`prefix = "sk-live"`), want: []string{"prefix", "letters, digits and _"}},
		{name: "byte_length too small", body: with(`byte_length = 8`), want: []string{"byte_length", "between 16 and 255"}},
		{name: "byte_length too large", body: with(`byte_length = 256`), want: []string{"byte_length", "between 16 and 255"}},
		{name: "name empty", body: with(`name = ""`), want: []string{"name", "between 1 and 255"}},
		{name: "name too long", body: with(fmt.Sprintf("name = %q", longString)), want: []string{"name", "between 1 and 255"}},
		{name: "external_id pattern", body: with(`external_id = "a b"`), want: []string{"external_id", "letters, digits and _ . -"}},
		{name: "external_id too long", body: with(fmt.Sprintf("external_id = %q", longString)), want: []string{"external_id", "between 1 and 255"}},
		{name: "meta not JSON", body: with(`meta = "{not json"`), want: []string{"meta", "JSON object"}},
		{name: "meta not an object", body: with(`meta = jsonencode([1, 2])`), want: []string{"meta", "must be a JSON object"}},
		{name: "meta with 100 properties", body: with(meta(100)), want: []string{"meta", "100 top-level properties", "at most 99"}},
		{name: "meta with the reserved marker", body: with(`meta = jsonencode({ _apikey_create = "x" })`), want: []string{"meta", "must not contain", "_apikey_create"}},
		{name: "permission pattern", body: with(`permissions = ["invoices read"]`), want: []string{"permissions", "letters, digits"}},
		{name: "permission too long", body: with(fmt.Sprintf("permissions = [%q]", strings.Repeat("p", 129))), want: []string{"permissions", "between 1 and 128"}},
		{name: "permission null", body: with(`permissions = [null]`), want: []string{"permissions", "must not contain null"}},
		{name: "role name too long", body: with(fmt.Sprintf("roles = [%q]", strings.Repeat("r", 129))), want: []string{"roles", "between 1 and 128"}},
		{name: "more than 100 roles", body: with("roles = [" + strings.Join(manyRoles, ", ") + "]"), want: []string{"roles", "at most 100"}},
		{name: "credits without remaining", body: with(`credits = { refill = { interval = "daily", amount = 1 } }`), want: []string{"remaining", "required"}},
		{name: "negative credits", body: with(`credits = { remaining = -1 }`), want: []string{"credits.remaining", "at least 0"}},
		{name: "refill interval enum", body: with(`credits = { remaining = 1, refill = { interval = "weekly", amount = 1 } }`), want: []string{"credits.refill.interval", "weekly"}},
		{name: "refill amount zero", body: with(`credits = { remaining = 1, refill = { interval = "daily", amount = 0 } }`), want: []string{"credits.refill.amount", "at least 1"}},
		{name: "monthly refill without day", body: with(`credits = { remaining = 1, refill = { interval = "monthly", amount = 1 } }`), want: []string{"credits.refill.refill_day", "required"}},
		{name: "daily refill with day", body: with(`credits = { remaining = 1, refill = { interval = "daily", amount = 1, refill_day = 3 } }`), want: []string{"credits.refill.refill_day", "must not be set"}},
		{name: "refill day out of range", body: with(`credits = { remaining = 1, refill = { interval = "monthly", amount = 1, refill_day = 32 } }`), want: []string{"credits.refill.refill_day", "between 1 and 31"}},
		{name: "ratelimit name too short", body: with(`ratelimits = [{ name = "rl", limit = 1, duration = "1s" }]`), want: []string{"ratelimits", "name", "between 3 and 128"}},
		{name: "ratelimit limit zero", body: with(`ratelimits = [{ name = "requests", limit = 0, duration = "1s" }]`), want: []string{"ratelimits", "limit", "between 1 and 1000000"}},
		{name: "ratelimit duration below 1s", body: with(`ratelimits = [{ name = "requests", limit = 1, duration = "500ms" }]`), want: []string{"ratelimits", "duration", "outside the accepted range"}},
		{name: "ratelimit duration not a duration", body: with(`ratelimits = [{ name = "requests", limit = 1, duration = "1 minute" }]`), want: []string{"ratelimits", "duration", "not a Go duration"}},
		{name: "duplicate ratelimit names", body: with(`ratelimits = [{ name = "requests", limit = 1, duration = "1s" }, { name = "requests", limit = 2, duration = "1s" }]`), want: []string{"ratelimits", "more than one entry with name", "requests"}},
		{name: "more than 50 ratelimits", body: with("ratelimits = [" + strings.Join(manyRatelimits, ", ") + "]"), want: []string{"ratelimits", "at most 50"}},
		{name: "expiry not RFC 3339", body: with(`expires_at = "next tuesday"`), want: []string{"expires_at", "RFC3339"}},
		{name: "expiry in the past", body: with(`expires_at = "2001-01-01T00:00:00Z"`), want: []string{"expires_at", "not in the future"}, planOnly: true},
		{name: "expiry after 2100", body: with(`expires_at = "2100-01-02T00:00:00Z"`), want: []string{"expires_at", "after", "2100-01-01"}, planOnly: true},
		{name: "expire_after with expires_at", body: with("expire_after = \"24h\"\nexpires_at = \"2099-01-01T00:00:00Z\""), want: []string{"expire_after"}},
		{name: "expire_after too short", body: with(`expire_after = "30s"`), want: []string{"expire_after", "outside the accepted range"}},
		{name: "expire_after beyond 2100", body: with(`expire_after = "700000h"`), want: []string{"expire_after", "latest expiry the backend accepts"}, planOnly: true},
		{name: "rotate_after not shorter than expire_after", body: with("expire_after = \"24h\"\nrotate_after = \"48h\""), want: []string{"rotate_after", "must be shorter than expire_after"}, planOnly: true},
		{name: "rotate_after not a duration", body: with(`rotate_after = "monthly"`), want: []string{"rotate_after", "not a Go duration"}},
		{name: "malformed age recipient", body: with(`plaintext_age_recipients = ["age1notarecipient"]`), want: []string{"plaintext_age_recipients"}},
		{name: "no age recipients", body: with(`plaintext_age_recipients = []`), want: []string{"plaintext_age_recipients", "at least 1"}},
		{name: "grace period too long", body: with(`revoke_grace_period = "2160h1s"`), want: []string{"revoke_grace_period", "outside the accepted range"}},
		// Attributes of the other backend's key do not exist here.
		{name: "mixpeek attribute", body: with(`user_email = "ops@example.com"`), want: []string{`"user_email" is not expected`}},
	}
}

// Every invalid configuration is rejected with its attribute named, by validate where the rule is
// a schema rule and by the plan in every case, and no request reaches the server.
func TestAccUnkeyKey_invalidConfigurations(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC")
	}
	t.Parallel()
	srv := acctest.NewLocalServer(t, "request counts (Dev.Stats)")
	cases := invalidKeyCases(srv.APIID)
	if len(cases) < 40 {
		t.Fatalf("only %d invalid cases", len(cases))
	}
	srv.Dev.ResetStats()
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				cfg := keyConfig(srv, tc.body)
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: acctest.ProviderFactories(),
					Steps: []resource.TestStep{{
						Config:      cfg,
						PlanOnly:    true,
						ExpectError: errorPattern(tc.want...),
					}},
				})
				if tc.planOnly {
					return
				}
				res := cliValidate(t, cfg)
				if res.Valid || !errorPattern(tc.want...).MatchString(res.errors()) {
					t.Errorf("validate: valid = %t, errors do not match %q:\n%s", res.Valid, tc.want, res.errors())
				}
			})
		}
	})
	if st := srv.Dev.Stats(); st.Requests != 0 {
		t.Errorf("%d requests reached the server during invalid plans: %v", st.Requests, st.ByRoute)
	}
}
