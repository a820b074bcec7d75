package server_test

// The differential test of the validation shortcut: every configuration is validated by the
// framework and by the shortcut, and whenever the shortcut answers, its diagnostics must be the
// framework's (compared as sets: the framework's own order follows Go map iteration).

import (
	"bytes"
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// validateText is diagnostics as a sorted list, each with its attribute path.
func validateText(diags []*tfprotov6.Diagnostic) []string {
	out := make([]string, 0, len(diags))
	for _, d := range diags {
		p := ""
		if d.Attribute != nil {
			p = d.Attribute.String()
		}
		out = append(out, d.Severity.String()+"|"+d.Summary+"|"+d.Detail+"|"+p)
	}
	sort.Strings(out)
	return out
}

// validateOutcome validates config both ways: whether the shortcut answered, and whether its
// diagnostics differ from the framework's (and the framework's, for the caller's checks).
func validateOutcome(t testing.TB, framework server.Full, fast *server.Server, typ tftypes.Type, config tftypes.Value) (answered bool, differ bool, want []string) {
	return validateOutcomeOf(t, keyType, framework, fast, typ, config)
}

// validateOutcomeOf is validateOutcome for a resource of typeName.
func validateOutcomeOf(t testing.TB, typeName string, framework server.Full, fast *server.Server, typ tftypes.Type, config tftypes.Value) (answered bool, differ bool, want []string) {
	answered, want, got := validateBoth(t, typeName, framework, fast, typ, config)
	differ = strings.Join(want, "\n") != strings.Join(got, "\n")
	if answered && differ {
		t.Logf("shortcut: %v", got)
	}
	return answered, differ, want
}

// validateBoth returns whether the shortcut answered, and both sides' diagnostics.
func validateBoth(t testing.TB, typeName string, framework server.Full, fast *server.Server, typ tftypes.Type, config tftypes.Value) (answered bool, want, got []string) {
	t.Helper()
	ctx := context.Background()
	req := &tfprotov6.ValidateResourceConfigRequest{TypeName: typeName, Config: dynamic(t, typ, config)}
	w, err := framework.ValidateResourceConfig(ctx, req)
	if err != nil {
		t.Fatalf("framework: %v", err)
	}
	before := fast.FastValidateStats()
	g, err := fast.ValidateResourceConfig(ctx, req)
	if err != nil {
		t.Fatalf("shortcut: %v", err)
	}
	answered = fast.FastValidateStats().Answered > before.Answered
	return answered, validateText(w.Diagnostics), validateText(g.Diagnostics)
}

// unconfiguredPair is the provider served both ways before ConfigureProvider, as the CLI
// validates configurations.
func unconfiguredPair(t testing.TB) (server.Full, *server.Server) {
	p := provider.New("test")()
	return server.NewProtocol6(p, frameworkOnly...)().(server.Full), server.NewProtocol6(p)().(*server.Server)
}

// invalidPools are values validation refuses (or that reach other rules: unknowns, conflicts).
var invalidPools = map[string][]any{
	"id":          {"key_1"}, // read-only
	"api_id":      {"api 1", "a", strings.Repeat("a", 300)},
	"name":        {strings.Repeat("n", 300), ""},
	"prefix":      {"p-k", "pk_x", strings.Repeat("p", 20)},
	"byte_length": {1, 100000},
	"external_id": {"a b", ""},
	"meta":        {`[1]`, `{`, `"x"`},
	"roles":       {[]any{""}, []any{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "r32", "r33", "r34", "r35", "r36", "r37", "r38", "r39", "r40", "r41", "r42", "r43", "r44", "r45", "r46", "r47", "r48", "r49", "r50", "r51"}},
	"permissions": {[]any{"bad slug!"}, []any{nil}, []any{""}},
	"credits": {
		map[string]any{"remaining": -1},
		map[string]any{"remaining": 5, "refill": map[string]any{"interval": "hourly", "amount": 1}},
		map[string]any{"remaining": 5, "refill": map[string]any{"interval": "monthly", "amount": 0, "refill_day": 40}},
		map[string]any{"refill": map[string]any{"interval": "daily", "amount": 1}},
	},
	"ratelimits": {
		[]any{map[string]any{"name": "r", "limit": 10, "duration": "1m"}, map[string]any{"name": "r", "limit": 20, "duration": "1m"}},
		[]any{map[string]any{"name": "", "limit": 0, "duration": "1ms"}},
		[]any{map[string]any{"name": "r", "limit": 10, "duration": "soon"}},
	},
	"enabled":             {nil},
	"expires_at":          {"tomorrow", "2099-01-01"},
	"status":              {"active"}, // read-only
	"rotation_mode":       {"sometimes", "reroll"},
	"store_plaintext":     {false},
	"rotation_triggers":   {map[string]any{}},
	"expire_after":        {"forever", "1s"},
	"rotate_after":        {"-1h", "0s"},
	"revoke_grace_period": {"x"},
	"warn_unused_after":   {"1"},
	"warn_older_than":     {"1y"},
}

// withUnknown is config with the named attributes unknown.
func withUnknown(t testing.TB, typ tftypes.Object, config tftypes.Value, names ...string) tftypes.Value {
	t.Helper()
	var attrs map[string]tftypes.Value
	if err := config.As(&attrs); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		attrs[n] = tftypes.NewValue(typ.AttributeTypes[n], tftypes.UnknownValue)
	}
	return tftypes.NewValue(typ, attrs)
}

func TestFastValidateMatchesFramework(t *testing.T) {
	configured := newPair(t, "unkey", "mixpeek")
	fw, fast := unconfiguredPair(t)
	servers := []struct {
		name      string
		framework server.Full
		fast      *server.Server
	}{{"before Configure", fw, fast}, {"configured", configured.framework, configured.fast}}
	typ := configured.keyType
	cfg := configOf(baseKey())
	type tc struct {
		name   string
		config tftypes.Value
		fast   bool
		errors bool // the framework reports an error
	}
	var tests []tc
	tests = append(tests,
		tc{name: "valid", config: build(t, typ, cfg), fast: true},
		tc{name: "minimal", config: build(t, typ, map[string]any{"api_id": "api_1"}), fast: true},
		tc{name: "api_id unknown", config: withUnknown(t, typ, build(t, typ, cfg), "api_id"), fast: true},
		tc{name: "permissions and meta unknown", config: withUnknown(t, typ, build(t, typ, cfg), "permissions", "meta", "credits"), fast: true},
		tc{name: "ratelimits unknown", config: withUnknown(t, typ, build(t, typ, cfg), "ratelimits"), fast: true},
		tc{name: "expires_at with expire_after", config: build(t, typ, with(cfg, "expires_at", "2099-01-01T00:00:00Z", "expire_after", "720h")), fast: true, errors: true},
		tc{name: "reroll with a prefix and a byte length", config: build(t, typ, with(cfg, "rotation_mode", "reroll", "prefix", "pk_x", "byte_length", 16)), fast: true, errors: true},
		tc{name: "api_id missing", config: build(t, typ, with(cfg, "api_id", nil)), fast: true, errors: true},
	)
	names := make([]string, 0, len(invalidPools))
	for name := range invalidPools {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for i, v := range invalidPools[name] {
			tests = append(tests, tc{name: name + "/" + string(rune('a'+i)), config: build(t, typ, with(cfg, name, v)), fast: true})
		}
	}
	// A rate limit with an unknown member is found by value in the framework's walk.
	var attrs map[string]tftypes.Value
	_ = build(t, typ, cfg).As(&attrs)
	rlType := typ.AttributeTypes["ratelimits"].(tftypes.Set).ElementType.(tftypes.Object)
	rl := tftypes.NewValue(rlType, map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "r"), "limit": tftypes.NewValue(tftypes.Number, tftypes.UnknownValue),
		"duration": tftypes.NewValue(tftypes.String, "1m"), "auto_apply": tftypes.NewValue(tftypes.Bool, nil),
	})
	attrs["ratelimits"] = tftypes.NewValue(typ.AttributeTypes["ratelimits"], []tftypes.Value{rl})
	tests = append(tests, tc{name: "rate limit with an unknown limit", config: tftypes.NewValue(typ, attrs)})

	sawErrors := 0
	for _, s := range servers {
		for _, tt := range tests {
			t.Run(s.name+"/"+tt.name, func(t *testing.T) {
				answered, differ, want := validateOutcome(t, s.framework, s.fast, typ, tt.config)
				if answered && differ {
					t.Fatalf("shortcut's diagnostics differ from the framework's %v", want)
				}
				if answered != tt.fast {
					t.Fatalf("shortcut answered = %v, want %v", answered, tt.fast)
				}
				hasErr := false
				for _, d := range want {
					hasErr = hasErr || strings.HasPrefix(d, tfprotov6.DiagnosticSeverityError.String())
				}
				if tt.errors && !hasErr {
					t.Fatalf("the framework reports no error: %v", want)
				}
				if hasErr {
					sawErrors++
				}
			})
		}
	}
	// Most invalid values must be refused, or the corpus does not test the validators.
	if sawErrors < len(tests) {
		t.Errorf("only %d of %d validations reported an error", sawErrors, 2*len(tests))
	}
}

// FuzzFastValidateMatchesFramework: for any configuration drawn from the plan pools and the
// invalid pools, whenever the shortcut answers, its diagnostics are the framework's.
func FuzzFastValidateMatchesFramework(f *testing.F) {
	p := newPair(f, "unkey")
	names := make([]string, 0, len(p.attrs))
	for name := range p.attrs {
		names = append(names, name)
	}
	sort.Strings(names)
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Add(bytes.Repeat([]byte{0x81}, 40))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice over"))
	f.Fuzz(func(t *testing.T, data []byte) {
		at := func(i int) byte {
			if i < len(data) {
				return data[i]
			}
			return 0
		}
		config := map[string]any{"api_id": "api_1"}
		var unknown []string
		for i, name := range names {
			b := at(i)
			a := p.attrs[name]
			switch {
			case b >= 0xf0 && (a.Optional || a.Required):
				unknown = append(unknown, name)
			case b >= 0xc0 && len(invalidPools[name]) > 0:
				config[name] = invalidPools[name][int(b)%len(invalidPools[name])]
			case b >= 0x80 && (a.Optional || a.Required):
				pool := fuzzPools[name]
				config[name] = pool[int(b)%len(pool)]
			}
		}
		v := build(t, p.keyType, config)
		if len(unknown) > 0 {
			v = withUnknown(t, p.keyType, v, unknown...)
		}
		if answered, differ, want := validateOutcome(t, p.framework, p.fast, p.keyType, v); answered && differ {
			t.Fatalf("shortcut's diagnostics differ from the framework's %v", want)
		}
	})
}

// mixpeekPools are values of apikey_mixpeek_key attributes, valid and not, for the validation
// tests.
var mixpeekPools = map[string][]any{
	"id":                  {"mk_1"}, // read-only
	"user_email":          {"ops@example.com", "not-an-email", ""},
	"name":                {"tfacc-svc", "", "bad name/with/slashes"},
	"description":         {"a key", strings.Repeat("d", 600)},
	"permissions":         {[]any{"read"}, []any{}, []any{"fly"}, []any{nil}},
	"scopes":              {[]any{map[string]any{"resource_type": "namespace", "resource_id": "ns_1", "operations": []any{"read"}}}, []any{map[string]any{"resource_type": "planet", "resource_id": ""}}},
	"rate_limit_override": {100, -5},
	"expires_at":          {"2099-01-01T00:00:00Z", "soon"},
	"expire_after":        {"720h", "x"},
	"status":              {"active"}, // read-only
	"allowed_origins":     {[]any{"https://app.example.com"}, []any{"not a url"}, []any{}},
	"store_plaintext":     {false},
	"rotate_after":        {"1h", "-1h"},
	"warn_older_than":     {"1y"},
}

func TestFastValidateMatchesFrameworkMixpeek(t *testing.T) {
	const typeName = "apikey_mixpeek_key"
	ctx := context.Background()
	configured := newPair(t, "unkey", "mixpeek")
	fw, fast := unconfiguredPair(t)
	sch, err := fw.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := sch.ResourceSchemas[typeName].ValueType().(tftypes.Object)
	base := map[string]any{"user_email": "ops@example.com", "name": "tfacc-svc"}
	configs := map[string]tftypes.Value{"valid": build(t, typ, base), "user unknown": withUnknown(t, typ, build(t, typ, base), "user_email")}
	for name, pool := range mixpeekPools {
		for i, v := range pool {
			configs[name+"/"+string(rune('a'+i))] = build(t, typ, with(base, name, v))
		}
	}
	errors := 0
	for _, s := range []struct {
		name      string
		framework server.Full
		fast      *server.Server
	}{{"before Configure", fw, fast}, {"configured", configured.framework, configured.fast}} {
		for name, config := range configs {
			answered, differ, want := validateOutcomeOf(t, typeName, s.framework, s.fast, typ, config)
			if !answered {
				t.Errorf("%s/%s: the shortcut declined", s.name, name)
			}
			if differ {
				t.Errorf("%s/%s: shortcut's diagnostics differ from the framework's %v", s.name, name, want)
			}
			for _, d := range want {
				if strings.HasPrefix(d, tfprotov6.DiagnosticSeverityError.String()) {
					errors++
					break
				}
			}
		}
	}
	if errors < len(configs)/2 {
		t.Errorf("only %d of %d validations reported an error: the corpus does not reach the validators", errors, 2*len(configs))
	}
}
