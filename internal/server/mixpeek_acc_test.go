package server_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// capturePlan keeps the plan the CLI made in a step.
type capturePlan struct{ into **tfjson.Plan }

func (c capturePlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, _ *plancheck.CheckPlanResponse) {
	*c.into = req.Plan
}

// planDifferences names the resources (and their attributes, never values: a plan holds
// plaintexts) in which two plans' refreshed prior states or planned changes differ.
func planDifferences(a, b *tfjson.Plan) []string {
	if a == nil || b == nil {
		return []string{"a plan is missing"}
	}
	var out []string
	priors := func(p *tfjson.Plan) map[string]map[string]any {
		m := map[string]map[string]any{}
		if p.PriorState != nil && p.PriorState.Values != nil && p.PriorState.Values.RootModule != nil {
			for _, r := range p.PriorState.Values.RootModule.Resources {
				m[r.Address] = r.AttributeValues
			}
		}
		return m
	}
	attrs := func(what string, x, y map[string]any) {
		for name := range x {
			if !reflect.DeepEqual(x[name], y[name]) {
				out = append(out, what+"."+name)
			}
		}
		for name := range y {
			if _, ok := x[name]; !ok {
				out = append(out, what+"."+name)
			}
		}
	}
	pa, pb := priors(a), priors(b)
	if len(pa) != len(pb) {
		out = append(out, fmt.Sprintf("prior state: %d vs %d resources", len(pa), len(pb)))
	}
	for addr, v := range pa {
		attrs("prior state "+addr, v, pb[addr])
	}
	changes := func(p *tfjson.Plan) map[string]*tfjson.Change {
		m := map[string]*tfjson.Change{}
		for _, rc := range p.ResourceChanges {
			m[rc.Address] = rc.Change
		}
		return m
	}
	ca, cb := changes(a), changes(b)
	if len(ca) != len(cb) {
		out = append(out, fmt.Sprintf("resource changes: %d vs %d", len(ca), len(cb)))
	}
	for addr, x := range ca {
		y := cb[addr]
		if y == nil {
			out = append(out, addr+": missing")
			continue
		}
		if !reflect.DeepEqual(x.Actions, y.Actions) {
			out = append(out, fmt.Sprintf("%s: actions %v vs %v", addr, x.Actions, y.Actions))
		}
		for what, pair := range map[string][2]any{"before": {x.Before, y.Before}, "after": {x.After, y.After}, "after_unknown": {x.AfterUnknown, y.AfterUnknown},
			"before_sensitive": {x.BeforeSensitive, y.BeforeSensitive}, "after_sensitive": {x.AfterSensitive, y.AfterSensitive}, "replace_paths": {x.ReplacePaths, y.ReplacePaths}} {
			xm, okx := pair[0].(map[string]any)
			ym, oky := pair[1].(map[string]any)
			if okx && oky {
				attrs(addr+" "+what, xm, ym)
			} else if !reflect.DeepEqual(pair[0], pair[1]) {
				out = append(out, addr+" "+what)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (c *counted) createStats() server.CreatePlanStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum server.CreatePlanStats
	for _, s := range c.servers {
		st := s.CreatePlanStats()
		sum.Answered += st.Answered
		sum.Declined += st.Declined
	}
	return sum
}

// TestAccFastMixpeek_refreshAndPlan: through the CLI, the creates of Mixpeek keys are planned by
// the create shortcut, and refreshes and plans of settled Mixpeek keys
// (with the private data their creates left) are answered by the read and plan shortcuts; after
// changes made outside Terraform the refreshed state and the plan are those of the framework
// alone (the same step run by a provider with every shortcut off), and the apply corrects them.
func TestAccFastMixpeek_refreshAndPlan(t *testing.T) {
	srv := acctest.NewServer(t)
	c := &counted{}
	frameworkOnlyFactories := map[string]func() (tfprotov6.ProviderServer, error){
		"apikey": func() (tfprotov6.ProviderServer, error) {
			return server.NewProtocol6(provider.New("test")(), frameworkOnly...)(), nil
		},
	}
	config := srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_mixpeek_key" "k" {
  count      = 3
  user_email = %[1]q
  name       = "tfacc-mxfast-${count.index}"
}

resource "apikey_mixpeek_key" "p" {
  user_email          = %[1]q
  name                = "tfacc-mxfast-configured"
  description         = "configured"
  permissions         = ["read", "write"]
  rate_limit_override = 100
  scopes = [{ resource_type = "namespace", resource_id = "ns_tfacc_*", operations = ["read_data"] }]
}`, srv.MixpeekUser)
	var ids [3]string
	var plainID string
	var mark struct {
		plan server.FastPlanStats
		read server.FastReadStats
	}
	reset := func() { mark.plan, mark.read = c.stats(), c.readStats() }
	since := func() (server.FastPlanStats, server.FastReadStats) {
		p, r := c.stats(), c.readStats()
		return server.FastPlanStats{Answered: p.Answered - mark.plan.Answered, Declined: p.Declined - mark.plan.Declined},
			server.FastReadStats{Answered: r.Answered - mark.read.Answered, Declined: r.Declined - mark.read.Declined}
	}
	var viaShortcuts, viaFramework *tfjson.Plan
	captureID := func(i int) resource.TestCheckFunc {
		return resource.TestCheckResourceAttrWith(fmt.Sprintf("apikey_mixpeek_key.k.%d", i), "id", func(v string) error {
			ids[i] = v
			return nil
		})
	}
	shortcuts := c.factories()
	resource.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				ProtoV6ProviderFactories: shortcuts,
				Config:                   config,
				Check: resource.ComposeTestCheckFunc(captureID(0), captureID(1), captureID(2),
					resource.TestCheckResourceAttrWith("apikey_mixpeek_key.p", "id", func(v string) error {
						plainID = v
						return nil
					})),
			},
			{
				// The plan after the apply cleared the creation markers; from now on every key is
				// settled.
				PreConfig: func() {
					if got := c.createStats(); got.Answered < 4 || got.Declined != 0 {
						t.Errorf("creates: %d planned by the create shortcut, %d declined; want at least 4 and 0", got.Answered, got.Declined)
					}
					reset()
				},
				ProtoV6ProviderFactories: shortcuts,
				Config:                   config,
				PlanOnly:                 true,
			},
			{
				PreConfig: func() {
					p, r := since()
					if r.Answered < 4 || r.Declined != 0 || p.Answered < 4 || p.Declined != 0 {
						t.Errorf("refresh of settled keys: Reads %d answered, %d declined; plans %d answered, %d declined; want at least 4 and 0 each", r.Answered, r.Declined, p.Answered, p.Declined)
					}
					ctx := context.Background()
					read := []string{"read"}
					if _, err := srv.Mixpeek.UpdateKeyByID(ctx, srv.MixpeekUser, ids[0], mixpeek.UpdateKeyRequest{Permissions: &read}); err != nil {
						t.Fatal(err)
					}
					if _, err := srv.Mixpeek.UpdateKeyByID(ctx, srv.MixpeekUser, plainID, mixpeek.UpdateKeyRequest{Description: mixpeek.Value("changed outside")}); err != nil {
						t.Fatal(err)
					}
					reset()
				},
				ProtoV6ProviderFactories: shortcuts,
				Config:                   config,
				PlanOnly:                 true,
				ExpectNonEmptyPlan:       true,
				ConfigPlanChecks:         resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{capturePlan{&viaShortcuts}}},
			},
			{
				PreConfig: func() {
					p, r := since()
					// Both changed keys are read by the shortcut (their new states are plain
					// values); their plans are changes, which go to the framework.
					if r.Answered < 4 || r.Declined != 0 || p.Answered < 2 || p.Declined < 2 {
						t.Errorf("refresh after changes outside Terraform: Reads %d answered, %d declined; plans %d answered, %d declined; want at least 4 and 0, 2 and 2", r.Answered, r.Declined, p.Answered, p.Declined)
					}
				},
				ProtoV6ProviderFactories: frameworkOnlyFactories,
				Config:                   config,
				PlanOnly:                 true,
				ExpectNonEmptyPlan:       true,
				ConfigPlanChecks:         resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{capturePlan{&viaFramework}}},
			},
			{
				PreConfig: func() {
					if d := planDifferences(viaShortcuts, viaFramework); len(d) > 0 {
						t.Errorf("the plan through the shortcuts differs from the framework's in %v", d)
					}
				},
				ProtoV6ProviderFactories: shortcuts,
				Config:                   config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("apikey_mixpeek_key.k[0]", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("apikey_mixpeek_key.k[0]", tfjsonpath.New("permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("delete"), knownvalue.StringExact("read"), knownvalue.StringExact("write")})),
					plancheck.ExpectResourceAction("apikey_mixpeek_key.p", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("apikey_mixpeek_key.p", tfjsonpath.New("description"), knownvalue.StringExact("configured")),
					plancheck.ExpectResourceAction("apikey_mixpeek_key.k[1]", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("apikey_mixpeek_key.k[2]", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("apikey_mixpeek_key.k.0", "permissions.#", "3"),
					resource.TestCheckResourceAttr("apikey_mixpeek_key.p", "description", "configured"),
				),
			},
		},
	})
}
