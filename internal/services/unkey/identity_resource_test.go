package unkey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
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

const identAddr = "apikey_unkey_identity.test"

func identConfig(srv *acctest.Server, body string) string {
	return srv.ProviderConfig() + fmt.Sprintf("resource \"apikey_unkey_identity\" \"test\" {\n%s\n}\n", body)
}

// checkServerIdentity compares the identity on the server: external id, meta (as JSON, nil for
// none) and rate limits (any order).
func checkServerIdentity(srv *acctest.Server, externalID string, meta map[string]any, limits ...unkey.RatelimitRequest) resource.TestCheckFunc {
	return onServer(identAddr, func(ctx context.Context, id string) error {
		got, err := srv.Unkey.GetIdentity(ctx, id)
		if err != nil {
			return err
		}
		if got.ExternalID != externalID {
			return fmt.Errorf("externalId = %q, want %q", got.ExternalID, externalID)
		}
		var gotMeta map[string]any
		if len(got.Meta) > 0 {
			if err := json.Unmarshal(got.Meta, &gotMeta); err != nil {
				return err
			}
		}
		if len(gotMeta) == 0 {
			gotMeta = nil
		}
		if !reflect.DeepEqual(gotMeta, meta) {
			return fmt.Errorf("meta = %v, want %v", gotMeta, meta)
		}
		gotLimits := make([]unkey.RatelimitRequest, 0, len(got.Ratelimits))
		for _, rl := range got.Ratelimits {
			gotLimits = append(gotLimits, unkey.RatelimitRequest{Name: rl.Name, Limit: rl.Limit, Duration: rl.Duration, AutoApply: rl.AutoApply})
		}
		byName := func(a, b unkey.RatelimitRequest) int { return strings.Compare(a.Name, b.Name) }
		slices.SortFunc(gotLimits, byName)
		slices.SortFunc(limits, byName)
		if !slices.Equal(gotLimits, limits) && !(len(gotLimits) == 0 && len(limits) == 0) {
			return fmt.Errorf("ratelimits = %+v, want %+v", gotLimits, limits)
		}
		return nil
	})
}

func checkIdentitiesGone(srv *acctest.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "apikey_unkey_identity" {
				continue
			}
			if _, err := srv.Unkey.GetIdentity(context.Background(), rs.Primary.ID); !unkey.IsIdentityNotFound(err) {
				return fmt.Errorf("%s (%s) still readable after destroy: %v", addr, rs.Primary.ID, err)
			}
		}
		return nil
	}
}

func TestAccUnkeyIdentity_basic(t *testing.T) {
	acctest.SkipIfShared(t, "its fixed external ids collide with other tests on a shared workspace")
	srv := acctest.NewServer(t)
	var id string
	step := func(body string, action plancheck.ResourceActionType, check resource.TestCheckFunc) resource.TestStep {
		return resource.TestStep{
			Config: identConfig(srv, body),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(identAddr, action)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: check,
		}
	}
	sameID := func(s *terraform.State) error {
		got, err := stateAttr(s, identAddr, "id")
		if err == nil && got != id {
			err = fmt.Errorf("identity id changed from %s to %s on an in-place update", id, got)
		}
		return err
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkIdentitiesGone(srv),
		Steps: []resource.TestStep{
			step(`
  external_id = "tfacc-org_acme"
  meta        = jsonencode({ plan = "pro", seats = 25 })
  ratelimits = [
    { name = "requests", limit = 1000, duration = "1m", auto_apply = true },
    { name = "tokens", limit = 50000, duration = "24h" },
  ]`, plancheck.ResourceActionCreate, resource.ComposeAggregateTestCheckFunc(
				checkServerIdentity(srv, "tfacc-org_acme", map[string]any{"plan": "pro", "seats": float64(25)},
					unkey.RatelimitRequest{Name: "requests", Limit: 1000, Duration: 60_000, AutoApply: true},
					unkey.RatelimitRequest{Name: "tokens", Limit: 50000, Duration: 86_400_000}),
				captureID(identAddr, &id),
			)),
			{ResourceName: identAddr, ImportState: true, ImportStateVerify: true},
			{ResourceName: identAddr, ImportState: true, ImportStateVerify: true, ImportStateId: "tfacc-org_acme"},
			{
				// Another spelling of the same values plans nothing.
				Config: identConfig(srv, `
  external_id = "tfacc-org_acme"
  meta        = "{\"seats\": 25, \"plan\": \"pro\"}"
  ratelimits = [
    { name = "requests", limit = 1000, duration = "60s", auto_apply = true },
    { name = "tokens", limit = 50000, duration = "1440m", auto_apply = false },
  ]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			step(`
  external_id = "tfacc-org_acme"
  meta        = jsonencode({ plan = "enterprise" })
  ratelimits = [
    { name = "requests", limit = 5000, duration = "1m", auto_apply = true },
  ]`, plancheck.ResourceActionUpdate, resource.ComposeAggregateTestCheckFunc(sameID,
				checkServerIdentity(srv, "tfacc-org_acme", map[string]any{"plan": "enterprise"},
					unkey.RatelimitRequest{Name: "requests", Limit: 5000, Duration: 60_000, AutoApply: true}))),
			step(`
  external_id = "tfacc-org_acme"
  ratelimits = [
    { name = "requests", limit = 5000, duration = "1m", auto_apply = true },
  ]`, plancheck.ResourceActionUpdate, resource.ComposeAggregateTestCheckFunc(sameID,
				resource.TestCheckNoResourceAttr(identAddr, "meta"),
				checkServerIdentity(srv, "tfacc-org_acme", nil, unkey.RatelimitRequest{Name: "requests", Limit: 5000, Duration: 60_000, AutoApply: true}))),
			step(`
  external_id = "tfacc-org_acme"`, plancheck.ResourceActionUpdate, resource.ComposeAggregateTestCheckFunc(sameID,
				resource.TestCheckNoResourceAttr(identAddr, "ratelimits"),
				checkServerIdentity(srv, "tfacc-org_acme", nil))),
			step(`
  external_id = "tfacc-org_acme"
  meta        = jsonencode({})`, plancheck.ResourceActionUpdate, resource.ComposeAggregateTestCheckFunc(sameID,
				resource.TestCheckResourceAttr(identAddr, "meta", "{}"),
				checkServerIdentity(srv, "tfacc-org_acme", nil))),
			step(`
  external_id = "tfacc-org_globex"`, plancheck.ResourceActionReplace, resource.ComposeAggregateTestCheckFunc(
				idChanged(identAddr, &id),
				checkServerIdentity(srv, "tfacc-org_globex", nil))),
		},
	})
}

func TestAccUnkeyIdentity_identity(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		TerraformVersionChecks:   setupIdentityVersions,
		CheckDestroy:             checkIdentitiesGone(srv),
		Steps: []resource.TestStep{
			{
				Config: identConfig(srv, `  external_id = "tfacc-identified"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(identAddr, map[string]knownvalue.Check{"id": knownvalue.NotNull()}),
					statecheck.ExpectIdentityValueMatchesState(identAddr, tfjsonpath.New("id")),
				},
			},
			{ResourceName: identAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
		},
	})
}

// Metadata and rate limits changed outside Terraform are planned back; an identity deleted
// outside Terraform is re-created.
func TestAccUnkeyIdentity_outOfBand(t *testing.T) {
	srv := acctest.NewServer(t)
	var id string
	config := identConfig(srv, `
  external_id = "tfacc-org_drift"
  meta        = jsonencode({ tier = "gold" })
  ratelimits  = [{ name = "requests", limit = 10, duration = "1s" }]`)
	want := checkServerIdentity(srv, "tfacc-org_drift", map[string]any{"tier": "gold"}, unkey.RatelimitRequest{Name: "requests", Limit: 10, Duration: 1000})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkIdentitiesGone(srv),
		Steps: []resource.TestStep{
			{Config: config, Check: resource.ComposeAggregateTestCheckFunc(want, captureID(identAddr, &id))},
			{
				PreConfig: func() {
					limits := []unkey.RatelimitRequest{{Name: "burst", Limit: 99, Duration: 5000}}
					if _, err := srv.Unkey.UpdateIdentity(context.Background(), unkey.UpdateIdentityRequest{Identity: id, Meta: json.RawMessage(`{"tier":"free","extra":1}`), Ratelimits: &limits}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identAddr, plancheck.ResourceActionUpdate)},
				},
				Check: want,
			},
			{
				PreConfig: func() {
					if err := srv.Unkey.DeleteIdentity(context.Background(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(idChanged(identAddr, &id), want),
			},
		},
	})
}

func TestAccUnkeyIdentity_conflict(t *testing.T) {
	srv := acctest.NewServer(t)
	if _, err := srv.Unkey.CreateIdentity(context.Background(), "tfacc-taken", nil, nil); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:      identConfig(srv, `  external_id = "tfacc-taken"`),
			ExpectError: regexp.MustCompile(`(?s)409.*terraform\s+import\s+apikey_unkey_identity`),
		}},
	})
}

func TestAccUnkeyIdentity_invalidConfigurations(t *testing.T) {
	props := make([]string, 101)
	for i := range props {
		props[i] = fmt.Sprintf("k%d = %d", i, i)
	}
	limits := make([]string, 51)
	for i := range limits {
		limits[i] = fmt.Sprintf(`{ name = "limit%d", limit = 1, duration = "1s" }`, i)
	}
	runInvalidCases(t, "apikey_unkey_identity", "/v2/identities.createIdentity", []setupInvalidCase{
		{name: "external_id pattern", config: `external_id = "org acme"`, attr: "external_id", msg: "letters, digits"},
		{name: "external_id empty", config: `external_id = ""`, attr: "external_id", msg: "between 1 and 255"},
		{name: "external_id too long", config: fmt.Sprintf("external_id = %q", strings.Repeat("x", 256)), attr: "external_id", msg: "between 1 and 255"},
		{name: "meta not an object", config: "external_id = \"x\"\nmeta = jsonencode([1, 2])", attr: "meta", msg: "JSON object"},
		{name: "meta not JSON", config: "external_id = \"x\"\nmeta = \"plan=pro\"", attr: "meta", msg: "JSON object"},
		{name: "meta too many properties", config: fmt.Sprintf("external_id = \"x\"\nmeta = jsonencode({ %s })", strings.Join(props, ", ")), attr: "meta", msg: "at most 100"},
		{name: "ratelimit names unique", config: "external_id = \"x\"\nratelimits = [{ name = \"dup\", limit = 1, duration = \"1s\" }, { name = \"dup\", limit = 2, duration = \"1s\" }]", attr: "ratelimits", msg: "dup"},
		{name: "ratelimit duration too short", config: "external_id = \"x\"\nratelimits = [{ name = \"req\", limit = 1, duration = \"500ms\" }]", attr: "duration", msg: "1s"},
		{name: "ratelimit duration not a duration", config: "external_id = \"x\"\nratelimits = [{ name = \"req\", limit = 1, duration = \"soon\" }]", attr: "duration", msg: "duration"},
		{name: "ratelimit limit zero", config: "external_id = \"x\"\nratelimits = [{ name = \"req\", limit = 0, duration = \"1s\" }]", attr: "limit", msg: "between 1 and 1000000"},
		{name: "ratelimit name too short", config: "external_id = \"x\"\nratelimits = [{ name = \"ab\", limit = 1, duration = \"1s\" }]", attr: "name", msg: "between 3 and 128"},
		{name: "too many ratelimits", config: fmt.Sprintf("external_id = \"x\"\nratelimits = [%s]", strings.Join(limits, ", ")), attr: "ratelimits", msg: "at most 50"},
	})
}
