package server_test

// The differential test of the create shortcut: the plans of creates go through the framework and
// through the shortcut, and whenever the shortcut answers, its answer must be the framework's.
// Each case where the shortcut must decline shows that the framework's answer then differs from
// the plain create plan (naiveCreate) that the rule computes otherwise.

import (
	"bytes"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// createDefaults are the values the key's schema plans for unset attributes on create.
var createDefaults = map[string]any{
	"enabled": true, "permanent_delete": false, "rotation_mode": "replace", "store_plaintext": true,
	"byte_length": 16, "recoverable": false,
}

// naiveCreate is the create plan without ModifyPlan's conditional rules: configured values as
// proposed, defaults for unset defaulted attributes, unknown computed-only ones, no expiry, a
// plaintext but no encrypted copy, no diagnostics, a null identity. nil for a request that is
// not a create.
func (p *pair) naiveCreate(t testing.TB, req *tfprotov6.PlanResourceChangeRequest) *tfprotov6.PlanResourceChangeResponse {
	t.Helper()
	if req.PriorState != nil && !bytes.Equal(req.PriorState.MsgPack, []byte{0xc0}) {
		return nil
	}
	config, err := req.Config.Unmarshal(p.keyType)
	if err != nil {
		t.Fatal(err)
	}
	proposed, err := req.ProposedNewState.Unmarshal(p.keyType)
	if err != nil {
		t.Fatal(err)
	}
	var cfg, prop map[string]tftypes.Value
	if config.As(&cfg) != nil || proposed.As(&prop) != nil || prop == nil {
		return nil
	}
	out := map[string]tftypes.Value{}
	for name, a := range p.attrs {
		typ := p.keyType.AttributeTypes[name]
		switch {
		case !cfg[name].IsNull():
			out[name] = prop[name]
		case createDefaults[name] != nil:
			out[name] = build(t, typ, createDefaults[name])
		case a.Computed && !a.Optional && name != "encrypted_plaintext":
			out[name] = tftypes.NewValue(typ, tftypes.UnknownValue)
		default:
			out[name] = tftypes.NewValue(typ, nil)
		}
	}
	return &tfprotov6.PlanResourceChangeResponse{
		PlannedState:    dynamic(t, p.keyType, tftypes.NewValue(p.keyType, out)),
		PlannedIdentity: &tfprotov6.ResourceIdentityData{IdentityData: dynamic(t, p.identity, tftypes.NewValue(p.identity, nil))},
	}
}

// unknownIn replaces the named attributes of a configuration and of the proposed state derived
// from it with unknown values, as the first plan of a create sees references to other resources.
func (p *pair) unknownIn(t testing.TB, req *tfprotov6.PlanResourceChangeRequest, names ...string) {
	t.Helper()
	for _, dv := range []**tfprotov6.DynamicValue{&req.Config, &req.ProposedNewState} {
		v, err := (*dv).Unmarshal(p.keyType)
		if err != nil {
			t.Fatal(err)
		}
		var attrs map[string]tftypes.Value
		if err := v.As(&attrs); err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			attrs[name] = tftypes.NewValue(p.keyType.AttributeTypes[name], tftypes.UnknownValue)
		}
		*dv = dynamic(t, p.keyType, tftypes.NewValue(p.keyType, attrs))
	}
}

// benchConfig is the benchmark's key: a name, an API, two permissions and one rate limit.
func benchConfig() map[string]any {
	return map[string]any{
		"api_id": "api_1", "name": "bench-1", "permissions": []any{"docs.read", "docs.write"},
		"ratelimits": []any{map[string]any{"name": "requests", "limit": 100, "duration": "1m"}},
	}
}

func TestCreatePlanMatchesFramework(t *testing.T) {
	p := newPair(t, "unkey", "mixpeek")
	full := configOf(baseKey())
	bench := benchConfig()
	tests := []struct {
		name    string
		config  map[string]any
		unknown []string // attributes unknown in the configuration and the proposed state
		mutate  func(*tfprotov6.PlanResourceChangeRequest)
		fast    bool
		// needed: the framework's answer is not naiveCreate's, so declining is required.
		needed bool
	}{
		{name: "benchmark key", config: bench, fast: true},
		{name: "minimal key", config: map[string]any{"api_id": "api_1"}, fast: true},
		{name: "every input", config: full, fast: true},
		{name: "api_id and name unknown (first plan)", config: bench, unknown: []string{"api_id", "name"}, fast: true},
		{name: "collections unknown", config: full, unknown: []string{"permissions", "ratelimits", "roles", "meta", "credits"}, fast: true},
		{name: "defaults unknown", config: bench, unknown: []string{"enabled", "byte_length", "rotation_mode", "permanent_delete"}, fast: true},
		{name: "expires_at unknown", config: bench, unknown: []string{"expires_at"}, fast: true},
		{name: "expire_after unknown", config: bench, unknown: []string{"expire_after"}, fast: true},
		{name: "defaults set explicitly", config: with(bench, "enabled", false, "permanent_delete", true, "rotation_mode", "reroll", "byte_length", 32, "recoverable", true), fast: true},
		{name: "expires_at in the future", config: with(bench, "expires_at", "2030-01-01T00:00:00+02:00"), fast: true},
		{name: "age recipients", config: with(bench, "plaintext_age_recipients", []any{"age1xyz"}), fast: true},
		{name: "age recipients, no plaintext", config: with(bench, "plaintext_age_recipients", []any{"age1xyz"}, "store_plaintext", false), fast: true},
		{name: "store_plaintext false, recoverable", config: with(bench, "store_plaintext", false, "recoverable", true), fast: true},
		{name: "store_plaintext false, recoverable unknown, recipients", config: with(bench, "store_plaintext", false, "plaintext_age_recipients", []any{"age1xyz"}), unknown: []string{"recoverable"}, fast: true},
		{name: "recoverable unknown, plaintext kept", config: bench, unknown: []string{"recoverable"}, fast: true},
		{name: "rotation and warnings configured", config: with(bench, "rotate_after", "720h", "warn_unused_after", "1h", "warn_older_than", "1h", "rotation_triggers", map[string]any{"r": "1"}, "revoke_grace_period", "1h"), fast: true},
		{name: "computed-only attribute proposed", config: bench, mutate: func(req *tfprotov6.PlanResourceChangeRequest) {
			prop := with(p.proposedNew(nil, bench), "id", "key_x", "status", "active")
			req.ProposedNewState = dynamic(t, p.keyType, build(t, p.keyType, prop))
		}, fast: true},
		{name: "prior state absent", config: bench, mutate: func(req *tfprotov6.PlanResourceChangeRequest) { req.PriorState = nil }, fast: true},
		{name: "prior identity null", config: bench, mutate: func(req *tfprotov6.PlanResourceChangeRequest) {
			req.PriorIdentity = &tfprotov6.ResourceIdentityData{IdentityData: dynamic(t, p.identity, tftypes.NewValue(p.identity, nil))}
		}, fast: true},

		// The clock.
		{name: "expire_after", config: with(bench, "expire_after", "720h"), needed: true},
		{name: "expire_after beyond the backend's bound", config: with(bench, "expire_after", "876000h"), needed: true},
		{name: "expires_at in the past", config: with(bench, "expires_at", "2020-01-01T00:00:00Z"), needed: true},
		{name: "expires_at beyond the backend's bound", config: with(bench, "expires_at", "2101-01-01T00:00:00Z"), needed: true},
		{name: "expires_at not a time", config: with(bench, "expires_at", "tomorrow"), needed: true},
		// The secret.
		{name: "unrecoverable secret warning", config: with(bench, "store_plaintext", false), needed: true},
		{name: "store_plaintext unknown", config: bench, unknown: []string{"store_plaintext"}, needed: true},
		{name: "recipients unknown", config: bench, unknown: []string{"plaintext_age_recipients"}, needed: true},
		{name: "recoverable unknown decides the warning", config: with(bench, "store_plaintext", false), unknown: []string{"recoverable"}, needed: true},
		// Not from Terraform, but answered by the framework all the same.
		{name: "computed-only object configured", config: with(bench, "identity", map[string]any{"id": "id_1"}), needed: true},
		{name: "prior private", config: bench, mutate: func(req *tfprotov6.PlanResourceChangeRequest) { req.PriorPrivate = []byte(`{"k":"dg=="}`) }, needed: true},
		{name: "prior identity set", config: bench, mutate: func(req *tfprotov6.PlanResourceChangeRequest) {
			id := build(t, p.identity, map[string]any{"api_id": "api_1", "id": "key_1"})
			req.PriorIdentity = &tfprotov6.ResourceIdentityData{IdentityData: dynamic(t, p.identity, id)}
		}, needed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := p.protoRequest(t, request{config: tt.config})
			if len(tt.unknown) > 0 {
				p.unknownIn(t, req, tt.unknown...)
			}
			if tt.mutate != nil {
				tt.mutate(req)
			}
			answered, diffs := p.outcome(t, req)
			if answered && len(diffs) > 0 {
				t.Fatalf("shortcut differs from the framework: %v", diffs)
			}
			if answered != tt.fast {
				t.Fatalf("shortcut answered = %v, want %v (differences from the plain create plan: %v)", answered, tt.fast, diffs)
			}
			if tt.needed && len(diffs) == 0 {
				t.Fatalf("the framework plans the plain create here: this case no longer shows why the shortcut must decline")
			}
		})
	}
}

// TestCreatePlanDeferredProvider: a provider that deferred its configuration makes the framework
// defer every create, so the shortcut must not answer.
func TestCreatePlanDeferredProvider(t *testing.T) {
	p := newPairWith(t, true, "unkey")
	req := p.protoRequest(t, request{config: benchConfig()})
	req.ClientCapabilities = &tfprotov6.PlanResourceChangeClientCapabilities{DeferralAllowed: true}
	answered, diffs := p.outcome(t, req)
	if answered {
		t.Fatal("shortcut answered for a deferred provider")
	}
	if len(diffs) == 0 {
		t.Fatal("the framework did not defer the create")
	}
}

// TestCreatePlanUnconfiguredBackend: with the unkey backend not configured the framework reports
// it, so the shortcut must not answer.
func TestCreatePlanUnconfiguredBackend(t *testing.T) {
	p := newPair(t, "mixpeek")
	answered, diffs := p.outcome(t, p.protoRequest(t, request{config: benchConfig()}))
	if answered {
		t.Fatal("shortcut answered for an unconfigured backend")
	}
	if len(diffs) == 0 {
		t.Fatal("the framework reported nothing for an unconfigured backend")
	}
}

// fuzzCreateRequest turns data into a create: per attribute (in name order) one byte picks
// whether the configuration sets it (to which pool value) or leaves it unset, or makes it
// unknown; computed-only attributes stay unset.
func (p *pair) fuzzCreateRequest(t testing.TB, data []byte) (*tfprotov6.PlanResourceChangeRequest, bool) {
	return p.fuzzCreateRequestFrom(t, fuzzPools, data)
}

// fuzzCreateRequestFrom is fuzzCreateRequest with the attributes' pools.
func (p *pair) fuzzCreateRequestFrom(t testing.TB, pools map[string][]any, data []byte) (*tfprotov6.PlanResourceChangeRequest, bool) {
	names := sortedNames(p.attrs)
	config := map[string]any{}
	var unknown []string
	for i, name := range names {
		var b byte
		if i < len(data) {
			b = data[i]
		}
		a := p.attrs[name]
		if a.Computed && !a.Optional {
			continue
		}
		pool := pools[name]
		switch how := b % 8; {
		case how == 7:
			unknown = append(unknown, name)
			config[name] = pool[0]
			if config[name] == nil {
				config[name] = pool[len(pool)-1]
			}
		case how >= 4 || a.Required:
			config[name] = pool[int(b/8)%len(pool)]
		}
		if a.Required && config[name] == nil {
			config[name] = pool[0]
		}
	}
	// Conflicting or invalid combinations are the validator's business, not the plan's, but the
	// framework still plans them; they stay in.
	req := p.protoRequest(t, request{config: config})
	if len(unknown) > 0 {
		p.unknownIn(t, req, unknown...)
	}
	return req, len(unknown) > 0
}

func sortedNames(attrs map[string]*tfprotov6.SchemaAttribute) []string {
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return names
}

// FuzzCreatePlanMatchesFramework: for any create drawn from the pools, with any attributes
// unknown, whenever the shortcut answers, the framework answers the same.
func FuzzCreatePlanMatchesFramework(f *testing.F) {
	p := newPair(f, "unkey")
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0x04}, 40))
	f.Add(bytes.Repeat([]byte{0x07}, 40))
	f.Add(bytes.Repeat([]byte{0x0c, 0x05, 0x17}, 14))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice over"))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, _ := p.fuzzCreateRequest(t, data)
		if answered, diffs := p.outcome(t, req); answered && len(diffs) > 0 {
			t.Fatalf("shortcut differs from the framework: %v", diffs)
		}
	})
}
