package unkey

import (
	"fmt"

	"context"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// ModifyPlan and ValidateConfig with framework values; no request is made.

// stateKey is a key as a refresh leaves it in state, configured with only api_id.
func stateKey() keyModel {
	m := plannedCreate("api_1")
	m.ID = types.StringValue("key_1")
	m.Start, m.Status = types.StringValue("abcd"), types.StringValue(statusActive)
	m.CreatedAt, m.UpdatedAt, m.LastUsedAt = types.StringValue("2030-01-01T00:00:00Z"), types.StringNull(), types.StringNull()
	m.Plaintext, m.EncryptedPlaintext = types.StringValue("plain"), types.StringNull()
	m.Identity, m.EffectivePermissions, m.RemainingCredits = types.ObjectNull(identityAttrTypes), strSet(), types.Int64Null()
	return m
}

// configKey is the configuration of stateKey: only api_id, everything else null.
func configKey() keyModel {
	m := nullModel()
	m.APIID = types.StringValue("api_1")
	return m
}

func modifyPlan(t *testing.T, r *keyResource, cfg keyModel, plan keyModel, state *keyModel) (keyModel, resource.ModifyPlanResponse) {
	t.Helper()
	req := resource.ModifyPlanRequest{Config: configOf(t, cfg), Plan: planOf(t, plan), State: emptyState()}
	if state != nil {
		req.State = stateOf(t, *state)
	}
	resp := resource.ModifyPlanResponse{Plan: req.Plan}
	r.ModifyPlan(context.Background(), req, &resp)
	if resp.Diagnostics.HasError() {
		return keyModel{}, resp
	}
	var out keyModel
	noErrors(t, resp.Plan.Get(context.Background(), &out))
	return out, resp
}

func TestKeyResource_modifyPlan(t *testing.T) {
	now := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	r := newTestResource(t, providerData(newClient(t, "http://127.0.0.1:9", "unkey_root"), func() time.Time { return now }, 1))
	state := stateKey()
	for _, tc := range []struct {
		name    string
		state   func(*keyModel) // the prior state, which the proposed plan starts from
		cfg     func(*keyModel)
		plan    func(*keyModel) // the framework's proposed plan
		create  bool
		wantErr string
		check   func(t *testing.T, plan keyModel, resp resource.ModifyPlanResponse)
	}{
		{
			name: "unchanged key plans nothing", cfg: func(*keyModel) {}, plan: func(*keyModel) {},
			check: func(t *testing.T, p keyModel, _ resource.ModifyPlanResponse) {
				if !stateOf(t, p).Raw.Equal(stateOf(t, state).Raw) {
					t.Error("the plan differs from state")
				}
			},
		},
		{
			name:  "an expiry set outside Terraform is planned away",
			state: func(s *keyModel) { s.ExpiresAt = timetypes.NewRFC3339ValueMust("2031-01-01T00:00:00Z") },
			cfg:   func(*keyModel) {},
			plan:  func(*keyModel) {},
			check: func(t *testing.T, p keyModel, _ resource.ModifyPlanResponse) {
				if !p.ExpiresAt.IsNull() || !p.UpdatedAt.IsUnknown() || !p.Status.IsUnknown() {
					t.Errorf("expires_at %s updated_at %s status %s; want null, unknown, unknown", p.ExpiresAt, p.UpdatedAt, p.Status)
				}
			},
		},
		{
			name: "a rename marks only what it changes as unknown",
			cfg:  func(c *keyModel) { c.Name = types.StringValue("new") },
			plan: func(p *keyModel) { p.Name = types.StringValue("new"); p.UpdatedAt = types.StringUnknown() },
			check: func(t *testing.T, p keyModel, _ resource.ModifyPlanResponse) {
				if !p.UpdatedAt.IsUnknown() || !p.Status.Equal(types.StringValue(statusActive)) || !p.EffectivePermissions.Equal(state.EffectivePermissions) {
					t.Errorf("updated_at %s status %s effective_permissions %s", p.UpdatedAt, p.Status, p.EffectivePermissions)
				}
			},
		},
		{
			name:  "dropped permissions make effective_permissions unknown",
			state: func(s *keyModel) { s.Permissions, s.EffectivePermissions = strSet("p"), strSet("p") },
			cfg:   func(*keyModel) {},
			plan:  func(p *keyModel) { p.Permissions = types.SetNull(types.StringType) },
			check: func(t *testing.T, p keyModel, _ resource.ModifyPlanResponse) {
				if !p.EffectivePermissions.IsUnknown() {
					t.Errorf("effective_permissions = %s", p.EffectivePermissions)
				}
			},
		},
		{
			name:  "another spelling of the same rate limits and expiry is no change",
			state: func(s *keyModel) { s.Ratelimits = ratelimits(t, rl("requests", 1, "1m", nil)) },
			cfg: func(c *keyModel) {
				c.Ratelimits = ratelimits(t, rl("requests", 1, "60s", ptr(false)))
			},
			plan: func(p *keyModel) {
				p.Ratelimits = ratelimits(t, rl("requests", 1, "60s", ptr(false)))
				p.UpdatedAt, p.Status = types.StringUnknown(), types.StringUnknown()
			},
			check: func(t *testing.T, p keyModel, _ resource.ModifyPlanResponse) {
				if !p.UpdatedAt.IsNull() || !p.Status.Equal(types.StringValue(statusActive)) || !p.Ratelimits.Equal(ratelimits(t, rl("requests", 1, "1m", nil))) {
					t.Errorf("updated_at %s status %s ratelimits %s; want the state's", p.UpdatedAt, p.Status, p.Ratelimits)
				}
			},
		},
		{
			name:    "a new expiry must be in the future",
			cfg:     func(c *keyModel) { c.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-01-01T00:00:00Z") },
			plan:    func(p *keyModel) { p.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-01-01T00:00:00Z") },
			wantErr: "Expiry in the past",
		},
		{
			name:  "an unchanged passed expiry is not checked",
			state: func(s *keyModel) { s.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-01-01T00:00:00Z") },
			cfg:   func(c *keyModel) { c.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-01-01T00:00:00Z") },
			plan:  func(p *keyModel) { p.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-01-01T00:00:00+00:00") },
			check: func(t *testing.T, p keyModel, _ resource.ModifyPlanResponse) {
				if p.ExpiresAt.ValueString() != "2030-01-01T00:00:00+00:00" {
					t.Errorf("expires_at = %s", p.ExpiresAt)
				}
			},
		},
		{
			name:    "create: expiry after 2100",
			create:  true,
			cfg:     func(c *keyModel) { c.ExpiresAt = timetypes.NewRFC3339ValueMust("2100-01-02T00:00:00Z") },
			plan:    func(p *keyModel) { p.ExpiresAt = timetypes.NewRFC3339ValueMust("2100-01-02T00:00:00Z") },
			wantErr: "Expiry too far in the future",
		},
		{
			name:   "create: store_plaintext = false plans a null plaintext and warns",
			create: true,
			cfg:    func(c *keyModel) { c.StorePlaintext = types.BoolValue(false) },
			plan:   func(p *keyModel) { p.StorePlaintext = types.BoolValue(false) },
			check: func(t *testing.T, p keyModel, resp resource.ModifyPlanResponse) {
				if !p.Plaintext.IsNull() || !p.ExpiresAt.IsNull() || !hasSummary(resp.Diagnostics, "unrecoverable") {
					t.Errorf("plaintext %s expires_at %s diags %v", p.Plaintext, p.ExpiresAt, resp.Diagnostics)
				}
			},
		},
		{
			name:   "create: a recoverable key does not warn",
			create: true,
			cfg:    func(c *keyModel) { c.StorePlaintext = types.BoolValue(false); c.Recoverable = types.BoolValue(true) },
			plan:   func(p *keyModel) { p.StorePlaintext = types.BoolValue(false); p.Recoverable = types.BoolValue(true) },
			check: func(t *testing.T, p keyModel, resp resource.ModifyPlanResponse) {
				if len(resp.Diagnostics) != 0 || !p.Plaintext.IsNull() {
					t.Errorf("plaintext %s diags %v", p.Plaintext, resp.Diagnostics)
				}
			},
		},
		{
			name:   "create: age recipients do not warn",
			create: true,
			cfg: func(c *keyModel) {
				c.StorePlaintext = types.BoolValue(false)
				c.PlaintextAgeRecipients = strSet("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
			},
			plan: func(p *keyModel) {
				p.StorePlaintext = types.BoolValue(false)
				p.PlaintextAgeRecipients = strSet("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
			},
			check: func(t *testing.T, p keyModel, resp resource.ModifyPlanResponse) {
				if len(resp.Diagnostics) != 0 || !p.Plaintext.IsNull() || !p.EncryptedPlaintext.IsUnknown() {
					t.Errorf("plaintext %s encrypted %s diags %v", p.Plaintext, p.EncryptedPlaintext, resp.Diagnostics)
				}
			},
		},
		{
			name:   "create: a stored plaintext does not warn",
			create: true,
			cfg:    func(c *keyModel) { c.StorePlaintext = types.BoolValue(true) },
			plan:   func(*keyModel) {},
			check: func(t *testing.T, p keyModel, resp resource.ModifyPlanResponse) {
				if len(resp.Diagnostics) != 0 || !p.Plaintext.IsUnknown() || !p.EncryptedPlaintext.IsNull() {
					t.Errorf("plaintext %s encrypted %s diags %v", p.Plaintext, p.EncryptedPlaintext, resp.Diagnostics)
				}
			},
		},
		{
			name:    "rotate_after must be shorter than expire_after",
			cfg:     func(c *keyModel) { c.ExpireAfter = types.StringValue("24h"); c.RotateAfter = types.StringValue("48h") },
			plan:    func(p *keyModel) { p.ExpireAfter = types.StringValue("24h"); p.RotateAfter = types.StringValue("48h") },
			wantErr: "Rotation after expiry",
		},
		{
			name:  "rotation due on an otherwise unchanged key",
			state: func(s *keyModel) { s.RotateAfter = types.StringValue("720h") },
			cfg:   func(c *keyModel) { c.RotateAfter = types.StringValue("720h") },
			plan:  func(*keyModel) {},
			check: func(t *testing.T, p keyModel, resp resource.ModifyPlanResponse) {
				if !p.CreatedAt.IsUnknown() || len(resp.RequiresReplace) != 1 || !hasSummary(resp.Diagnostics, "due for rotation") {
					t.Errorf("created_at %s requires replace %v diags %v", p.CreatedAt, resp.RequiresReplace, resp.Diagnostics)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := configKey()
			tc.cfg(&cfg)
			var prior *keyModel
			plan := plannedCreate("api_1")
			if !tc.create {
				s := state
				if tc.state != nil {
					tc.state(&s)
				}
				prior, plan = &s, s
			}
			tc.plan(&plan)
			out, resp := modifyPlan(t, r, cfg, plan, prior)
			if tc.wantErr != "" {
				if !hasSummary(resp.Diagnostics, tc.wantErr) {
					t.Fatalf("diags %v, want %q", resp.Diagnostics, tc.wantErr)
				}
				return
			}
			noErrors(t, resp.Diagnostics)
			tc.check(t, out, resp)
		})
	}
}

// Plans outside a configured provider: destroy and validation walks pass, a missing backend fails.
func TestKeyResource_modifyPlanWithoutBackend(t *testing.T) {
	ctx := context.Background()
	st := stateKey()
	cfg := configKey()

	unconfigured := newTestResource(t, nil)
	resp := resource.ModifyPlanResponse{Plan: planOf(t, st)}
	unconfigured.ModifyPlan(ctx, resource.ModifyPlanRequest{Config: configOf(t, cfg), Plan: planOf(t, st), State: stateOf(t, st)}, &resp)
	noErrors(t, resp.Diagnostics)

	missing := newTestResource(t, providerData(nil, time.Now, 1))
	destroy := tfsdk.Plan{Schema: testKeySchema, Raw: tftypes.NewValue(testKeySchema.Type().TerraformType(ctx), nil)}
	resp = resource.ModifyPlanResponse{Plan: destroy}
	missing.ModifyPlan(ctx, resource.ModifyPlanRequest{Config: configOf(t, cfg), Plan: destroy, State: stateOf(t, st)}, &resp)
	noErrors(t, resp.Diagnostics)

	resp = resource.ModifyPlanResponse{Plan: planOf(t, plannedCreate("api_1"))}
	missing.ModifyPlan(ctx, resource.ModifyPlanRequest{Config: configOf(t, cfg), Plan: planOf(t, plannedCreate("api_1")), State: emptyState()}, &resp)
	if !hasSummary(resp.Diagnostics, "unkey backend is not configured") || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "UNKEY_ROOT_KEY") {
		t.Errorf("diags %v, want the backend named with UNKEY_ROOT_KEY", resp.Diagnostics)
	}
}

func TestKeyResource_validateConfig(t *testing.T) {
	r := &keyResource{}
	monthlyNoDay := credits(t, 1, &refillModel{Interval: types.StringValue("monthly"), Amount: types.Int64Value(1), RefillDay: types.Int64Null()})
	unknownRefill := creditsObject(context.Background(), &creditsModel{Remaining: types.Int64Value(1), Refill: types.ObjectUnknown(refillAttrTypes)}, &diag.Diagnostics{})
	unknownInterval, d := types.ObjectValueFrom(context.Background(), refillAttrTypes, refillModel{Interval: types.StringUnknown(), Amount: types.Int64Value(1), RefillDay: types.Int64Value(3)})
	noErrors(t, d)
	for _, tc := range []struct {
		name    string
		credits types.Object
		wantErr string
	}{
		{name: "no credits", credits: types.ObjectNull(creditsAttrTypes)},
		// An unknown condition (var.cond ? {...} : {...}) at validate.
		{name: "credits unknown", credits: types.ObjectUnknown(creditsAttrTypes)},
		{name: "refill unknown", credits: unknownRefill},
		{name: "interval unknown", credits: creditsObject(context.Background(), &creditsModel{Remaining: types.Int64Unknown(), Refill: unknownInterval}, &diag.Diagnostics{})},
		{name: "monthly without a day", credits: monthlyNoDay, wantErr: "Missing refill day"},
		{name: "daily with a day", credits: credits(t, 1, &refillModel{Interval: types.StringValue("daily"), Amount: types.Int64Value(1), RefillDay: types.Int64Value(2)}), wantErr: "Refill day not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := configKey()
			cfg.Credits = tc.credits
			resp := resource.ValidateConfigResponse{}
			r.ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: configOf(t, cfg)}, &resp)
			if tc.wantErr == "" {
				noErrors(t, resp.Diagnostics)
				return
			}
			if !hasSummary(resp.Diagnostics, tc.wantErr) {
				t.Errorf("diags %v, want %q", resp.Diagnostics, tc.wantErr)
			}
		})
	}
}

func TestMetaValidator(t *testing.T) {
	many := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = `"k` + strings.Repeat("x", i) + `":1`
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	for _, tc := range []struct {
		name, value string
		null        bool
		wantErr     string
	}{
		{name: "null", null: true},
		{name: "object", value: `{"a":1}`},
		{name: "99 properties", value: many(99)},
		{name: "100 properties", value: many(100), wantErr: "Too many meta properties"},
		{name: "array", value: `[1]`, wantErr: "Invalid meta"},
		{name: "JSON null", value: `null`, wantErr: "Invalid meta"},
		{name: "not JSON", value: `{`, wantErr: "Invalid meta"},
		{name: "marker", value: `{"_apikey_create":"x"}`, wantErr: "Reserved meta property"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := types.StringValue(tc.value)
			if tc.null {
				v = types.StringNull()
			}
			var resp validator.StringResponse
			metaValidator{}.ValidateString(context.Background(), validator.StringRequest{ConfigValue: v}, &resp)
			if tc.wantErr == "" {
				noErrors(t, resp.Diagnostics)
			} else if !hasSummary(resp.Diagnostics, tc.wantErr) {
				t.Errorf("diags %v, want %q", resp.Diagnostics, tc.wantErr)
			}
		})
	}
	if d := (metaValidator{}).MarkdownDescription(context.Background()); !strings.Contains(d, "99") {
		t.Errorf("description %q does not give the limit", d)
	}
}

func TestMetaValidatorReservedProperties(t *testing.T) {
	for _, key := range []string{createMarkerKey, rerolledToKey} {
		resp := &validator.StringResponse{}
		metaValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path:        path.Root("meta"),
			ConfigValue: types.StringValue(fmt.Sprintf(`{%q: "x"}`, key)),
		}, resp)
		if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), key) {
			t.Errorf("meta with %q: diags %v, want an error naming it", key, resp.Diagnostics)
		}
	}
}
