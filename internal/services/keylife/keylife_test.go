package keylife

import (
	"context"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// testKey is the smallest model that embeds the lifecycle.
type testKey struct {
	ID        types.String
	CreatedAt types.String
	ExpiresAt timetypes.RFC3339
	Model
	revealable bool
	reroll     bool
}

func (k *testKey) Life() *Model               { return &k.Model }
func (k *testKey) Expiry() *timetypes.RFC3339 { return &k.ExpiresAt }
func (k *testKey) Created() *types.String     { return &k.CreatedAt }
func (k *testKey) KeyID() types.String        { return k.ID }
func (k *testKey) Revealable() bool           { return k.revealable }
func (k *testKey) Rerolls() bool              { return k.reroll }
func (k *testKey) MarkReroll()                { k.ID = types.StringUnknown() }

var testPolicy = Policy{ExpiryPrecision: time.Millisecond, MaxExpiry: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), RevealHint: "Or reveal it."}

func newKey() *testKey {
	return &testKey{
		ID:        types.StringValue("key_1"),
		CreatedAt: types.StringValue("2030-01-01T00:00:00Z"),
		ExpiresAt: timetypes.NewRFC3339Null(),
		Model: Model{
			Plaintext:              types.StringUnknown(),
			StorePlaintext:         types.BoolValue(true),
			PlaintextAgeRecipients: types.SetNull(types.StringType),
			EncryptedPlaintext:     types.StringUnknown(),
			RotationTriggers:       types.MapNull(types.StringType),
			ExpireAfter:            types.StringNull(),
			RotateAfter:            types.StringNull(),
			RevokeGracePeriod:      types.StringNull(),
		},
	}
}

func TestPlanCreate(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name          string
		edit          func(cfg, plan *testKey)
		wantErr       string
		wantWarn      string
		wantExpiry    string // "unknown", "null" or a value
		wantPlainNull bool
	}{
		{name: "defaults", wantExpiry: "null"},
		{name: "expire_after makes the expiry unknown", edit: func(c, p *testKey) {
			c.ExpireAfter, p.ExpireAfter = types.StringValue("720h"), types.StringValue("720h")
		}, wantExpiry: "unknown"},
		{name: "expire_after past the backend's bound", edit: func(c, p *testKey) {
			c.ExpireAfter, p.ExpireAfter = types.StringValue("876000h"), types.StringValue("876000h")
		}, wantErr: "expire_after"},
		{name: "rotate_after not shorter than expire_after", edit: func(c, p *testKey) {
			c.ExpireAfter, p.ExpireAfter = types.StringValue("24h"), types.StringValue("24h")
			p.RotateAfter = types.StringValue("24h")
		}, wantErr: "rotate_after", wantExpiry: "unknown"},
		{name: "no plaintext anywhere warns", edit: func(c, p *testKey) { p.StorePlaintext = types.BoolValue(false) }, wantWarn: "Or reveal it.", wantExpiry: "null", wantPlainNull: true},
		{name: "revealable key does not warn", edit: func(c, p *testKey) { p.StorePlaintext = types.BoolValue(false); p.revealable = true }, wantExpiry: "null", wantPlainNull: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, plan := newKey(), newKey()
			if c.edit != nil {
				c.edit(cfg, plan)
			}
			resp := &resource.ModifyPlanResponse{}
			Plan(testPolicy, now, cfg, plan, nil, resp)
			checkDiags(t, resp.Diagnostics, c.wantErr, c.wantWarn)
			switch c.wantExpiry {
			case "unknown":
				if !plan.ExpiresAt.IsUnknown() {
					t.Errorf("expires_at = %s, want unknown", plan.ExpiresAt)
				}
			case "null":
				if !plan.ExpiresAt.IsNull() {
					t.Errorf("expires_at = %s, want null", plan.ExpiresAt)
				}
			}
			if plan.Plaintext.IsNull() != c.wantPlainNull {
				t.Errorf("plaintext = %s", plan.Plaintext)
			}
		})
	}
}

func checkDiags(t *testing.T, diags diag.Diagnostics, wantErr, wantWarn string) {
	t.Helper()
	if (wantErr != "") != diags.HasError() {
		t.Fatalf("diags = %v, want error mentioning %q", diags, wantErr)
	}
	for _, d := range diags.Errors() {
		if !strings.Contains(d.Detail(), wantErr) {
			t.Errorf("error %q does not mention %q", d.Detail(), wantErr)
		}
	}
	if wantWarn != "" && (len(diags.Warnings()) == 0 || !strings.Contains(diags.Warnings()[0].Detail(), wantWarn)) {
		t.Errorf("warnings = %v, want one mentioning %q", diags.Warnings(), wantWarn)
	}
}

func TestPlanUpdate(t *testing.T) {
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	t.Run("rotation due replaces", func(t *testing.T) {
		cfg, plan, state := newKey(), newKey(), newKey()
		plan.RotateAfter, state.RotateAfter = types.StringValue("1h"), types.StringValue("1h")
		resp := &resource.ModifyPlanResponse{}
		Plan(testPolicy, created.Add(2*time.Hour), cfg, plan, state, resp)
		if !plan.CreatedAt.IsUnknown() || len(resp.RequiresReplace) != 1 {
			t.Errorf("created_at = %s, requires replace %v", plan.CreatedAt, resp.RequiresReplace)
		}
		checkDiags(t, resp.Diagnostics, "", "rotate_after is 1h")
	})
	t.Run("rotation due rerolls in place", func(t *testing.T) {
		cfg, plan, state := newKey(), newKey(), newKey()
		plan.RotateAfter, plan.reroll = types.StringValue("1h"), true
		resp := &resource.ModifyPlanResponse{}
		Plan(testPolicy, created.Add(2*time.Hour), cfg, plan, state, resp)
		if !plan.ID.IsUnknown() || len(resp.RequiresReplace) != 0 {
			t.Errorf("id = %s, requires replace %v", plan.ID, resp.RequiresReplace)
		}
		checkDiags(t, resp.Diagnostics, "", "rerolls it in place")
	})
	t.Run("changed trigger rerolls in place", func(t *testing.T) {
		cfg, plan, state := newKey(), newKey(), newKey()
		plan.reroll = true
		plan.RotationTriggers = types.MapValueMust(types.StringType, map[string]attr.Value{"n": types.StringValue("2")})
		resp := &resource.ModifyPlanResponse{}
		Plan(testPolicy, created, cfg, plan, state, resp)
		if !plan.ID.IsUnknown() {
			t.Errorf("id = %s, want unknown", plan.ID)
		}
	})
	t.Run("rotation not due", func(t *testing.T) {
		cfg, plan, state := newKey(), newKey(), newKey()
		plan.RotateAfter = types.StringValue("1h")
		resp := &resource.ModifyPlanResponse{}
		Plan(testPolicy, created.Add(30*time.Minute), cfg, plan, state, resp)
		if len(resp.RequiresReplace) != 0 {
			t.Errorf("requires replace %v", resp.RequiresReplace)
		}
	})
	t.Run("expire_after keeps an expiry within skew", func(t *testing.T) {
		cfg, plan, state := newKey(), newKey(), newKey()
		cfg.ExpireAfter = types.StringValue("24h")
		state.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-01-02T00:00:02Z")
		resp := &resource.ModifyPlanResponse{}
		Plan(testPolicy, created, cfg, plan, state, resp)
		if plan.ExpiresAt.ValueString() != state.ExpiresAt.ValueString() {
			t.Errorf("expires_at = %s, want the state's %s", plan.ExpiresAt, state.ExpiresAt)
		}
	})
	t.Run("expire_after corrects an expiry moved outside Terraform", func(t *testing.T) {
		cfg, plan, state := newKey(), newKey(), newKey()
		cfg.ExpireAfter = types.StringValue("24h")
		state.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-03-01T00:00:00Z")
		resp := &resource.ModifyPlanResponse{}
		Plan(testPolicy, created, cfg, plan, state, resp)
		if plan.ExpiresAt.ValueString() != "2030-01-02T00:00:00Z" {
			t.Errorf("expires_at = %s", plan.ExpiresAt)
		}
	})
}

func TestValidateExpiry(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := timetypes.NewRFC3339ValueMust
	cases := []struct {
		name           string
		planned, prior timetypes.RFC3339
		wantErr        string
	}{
		{"future", v("2031-01-01T00:00:00Z"), timetypes.NewRFC3339Null(), ""},
		{"past", v("2029-01-01T00:00:00Z"), timetypes.NewRFC3339Null(), "not in the future"},
		{"unchanged past", v("2029-01-01T00:00:00Z"), v("2029-01-01T02:00:00+02:00"), ""},
		{"beyond bound", v("2101-01-01T00:00:00Z"), timetypes.NewRFC3339Null(), "latest expiry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var diags diag.Diagnostics
			ValidateExpiry(testPolicy, c.planned, c.prior, now, &diags)
			checkDiags(t, diags, c.wantErr, "")
		})
	}
}

func TestExpireAfterAtCreate(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	plan := newKey()
	plan.ExpireAfter = types.StringValue("1h")
	plan.ExpiresAt = timetypes.NewRFC3339Unknown()
	StartExpireAfter(testPolicy, plan, now)
	if plan.ExpiresAt.ValueString() != "2030-01-01T01:00:00Z" {
		t.Fatalf("StartExpireAfter = %s", plan.ExpiresAt)
	}
	// The server says the key was created a second later: the expiry follows.
	plan.CreatedAt = types.StringValue("2030-01-01T00:00:01Z")
	var calls int
	var diags diag.Diagnostics
	FinishExpireAfter(testPolicy, plan, &diags, func(next, prior *testKey, d *diag.Diagnostics) {
		calls++
		if prior.ExpiresAt.ValueString() != "2030-01-01T01:00:00Z" {
			t.Errorf("prior expiry %s", prior.ExpiresAt)
		}
	})
	if calls != 1 || plan.ExpiresAt.ValueString() != "2030-01-01T01:00:01Z" || diags.HasError() {
		t.Errorf("calls %d, expiry %s, diags %v", calls, plan.ExpiresAt, diags)
	}
	// A failing update only warns and keeps the expiry the key was created with.
	plan.CreatedAt = types.StringValue("2030-01-01T00:00:05Z")
	diags = nil
	FinishExpireAfter(testPolicy, plan, &diags, func(_, _ *testKey, d *diag.Diagnostics) { d.AddError("boom", "down") })
	if diags.HasError() || len(diags.Warnings()) != 1 || plan.ExpiresAt.ValueString() != "2030-01-01T01:00:01Z" {
		t.Errorf("diags %v, expiry %s", diags, plan.ExpiresAt)
	}
}

func TestGraceExpiry(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &Model{RevokeGracePeriod: types.StringValue("24h")}
	if got, ok := GraceExpiry(m, timetypes.NewRFC3339Null(), now); !ok || !got.Equal(now.Add(24*time.Hour)) {
		t.Errorf("GraceExpiry = %v, %v", got, ok)
	}
	// Never later than the key's own expiry.
	if got, _ := GraceExpiry(m, timetypes.NewRFC3339ValueMust("2030-01-01T01:00:00Z"), now); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("GraceExpiry capped = %v", got)
	}
	if _, ok := GraceExpiry(&Model{RevokeGracePeriod: types.StringNull()}, timetypes.NewRFC3339Null(), now); ok {
		t.Error("no grace period configured")
	}
}

func TestStoreSecret(t *testing.T) {
	ctx := context.Background()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name          string
		m             Model
		wantPlain     bool
		wantEncrypted bool
	}{
		{"stored", Model{StorePlaintext: types.BoolValue(true), PlaintextAgeRecipients: types.SetNull(types.StringType)}, true, false},
		{"not stored", Model{StorePlaintext: types.BoolValue(false), PlaintextAgeRecipients: types.SetNull(types.StringType)}, false, false},
		{"encrypted", Model{StorePlaintext: types.BoolValue(true), PlaintextAgeRecipients: types.SetValueMust(types.StringType, []attr.Value{types.StringValue(id.Recipient().String())})}, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var diags diag.Diagnostics
			m := c.m
			StoreSecret(ctx, &m, "secret-value", &diags)
			if diags.HasError() || m.Plaintext.IsNull() == c.wantPlain || m.EncryptedPlaintext.IsNull() == c.wantEncrypted {
				t.Fatalf("plaintext null %v, encrypted null %v, diags %v", m.Plaintext.IsNull(), m.EncryptedPlaintext.IsNull(), diags)
			}
			if c.wantEncrypted && strings.Contains(m.EncryptedPlaintext.ValueString(), "secret-value") {
				t.Error("the encrypted copy contains the plaintext")
			}
		})
	}
}

func TestAfterImport(t *testing.T) {
	m := &Model{StorePlaintext: types.BoolNull(), Plaintext: types.StringValue("x")}
	if !AfterImport(m) || !m.StorePlaintext.ValueBool() || !m.Plaintext.IsNull() {
		t.Errorf("AfterImport = %+v", m)
	}
	if AfterImport(m) {
		t.Error("a second call is not an import")
	}
}

func TestAttributesValidate(t *testing.T) {
	attrs := Attributes("`key`", true)
	for _, name := range []string{"plaintext", "store_plaintext", "plaintext_age_recipients", "encrypted_plaintext", "rotation_triggers", "expire_after", "rotate_after", "revoke_grace_period"} {
		if _, ok := attrs[name]; !ok {
			t.Errorf("attribute %s missing", name)
		}
	}
}

func TestAgeWarnings(t *testing.T) {
	now := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
	created := types.StringValue("2030-01-01T00:00:00Z")
	cases := []struct {
		name       string
		lastUsed   types.String
		unused     time.Duration
		older      time.Duration
		wantAttrs  []string
		wantDetail string
	}{
		{"used recently", types.StringValue("2030-02-28T00:00:00Z"), 720 * time.Hour, 0, nil, ""},
		{"unused for long", types.StringValue("2030-01-02T00:00:00Z"), 720 * time.Hour, 0, []string{"warn_unused_after"}, "last used at 2030-01-02T00:00:00Z"},
		{"never used", types.StringNull(), 720 * time.Hour, 0, []string{"warn_unused_after"}, "never been used since it was created"},
		{"older than allowed", types.StringValue("2030-02-28T00:00:00Z"), 0, 1000 * time.Hour, []string{"warn_older_than"}, "warn_older_than (1000h0m0s)"},
		{"young enough", types.StringNull(), 0, 2000 * time.Hour, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ageWarnings(now, `Key key_1 ("ci")`, created, c.lastUsed, c.unused, c.unused > 0, c.older, c.older > 0)
			if len(got) != len(c.wantAttrs) {
				t.Fatalf("warnings = %+v, want on %v", got, c.wantAttrs)
			}
			for i, w := range got {
				if w.attr != c.wantAttrs[i] || !strings.Contains(w.detail, c.wantDetail) || !strings.Contains(w.detail, `key_1 ("ci")`) {
					t.Errorf("warning %+v, want on %s mentioning %q and the key", w, c.wantAttrs[i], c.wantDetail)
				}
			}
		})
	}
}
