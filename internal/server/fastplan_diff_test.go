package server_test

// The differential test of the plan shortcut: every request goes through the framework and
// through the shortcut, and whenever the shortcut answers, its answer must be the framework's
// (planned state, identity, private data, replacement paths, deferral and diagnostics).

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

const keyType = "apikey_unkey_key"

func TestMain(m *testing.M) {
	// The framework's trace logging would otherwise dominate the fuzz target's time.
	if _, err := server.QuietLogsUnlessAsked(os.Environ(), os.Setenv); err != nil {
		panic(err)
	}
	acctest.Main(m)
}

// pair is the framework's server and the same provider behind the shortcut.
type pair struct {
	framework server.Full
	fast      *server.Server
	typeName  string // the resource type the requests are about
	keyType   tftypes.Object
	identity  tftypes.Object
	attrs     map[string]*tfprotov6.SchemaAttribute
	// configure sends both servers ConfigureProvider again, deferred or not (see newPairWith).
	configure func(t testing.TB, deferred bool)
}

// newPair configures one provider instance, with only the named backends' credentials, and
// serves it both ways.
func newPair(t testing.TB, backends ...string) *pair { return newPairWith(t, false, backends...) }

// newPairWith is newPair; with deferred the unkey credential is unknown and the client allows
// deferral, so the provider defers instead of configuring.
func newPairWith(t testing.TB, deferred bool, backends ...string) *pair {
	t.Helper()
	return newPairAt(t, deferred, "http://127.0.0.1:9", "test-credential", backends...)
}

// newPairAt is newPairWith with the backends at endpoint, authenticated with credential.
func newPairAt(t testing.TB, deferred bool, endpoint, credential string, backends ...string) *pair {
	t.Helper()
	return newPairSettings(t, deferred, endpoint, credential, nil, backends...)
}

// newPairSettings is newPairAt with top-level provider settings (e.g. max_retries) added.
func newPairSettings(t testing.TB, deferred bool, endpoint, credential string, settings map[string]any, backends ...string) *pair {
	t.Helper()
	// A fixed clock: the framework's answers must not move between its two runs of a request.
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	return newPairOf(t, pairSpec{typeName: keyType, deferred: deferred, endpoint: endpoint, credential: credential, settings: settings, now: func() time.Time { return now }}, backends...)
}

// pairSpec is what newPairOf varies: the resource type, the provider's clock, deferral, the
// backends' endpoint and credential, and top-level provider settings.
type pairSpec struct {
	typeName             string
	deferred             bool
	endpoint, credential string
	settings             map[string]any
	now                  func() time.Time
}

func newPairOf(t testing.TB, spec pairSpec, backends ...string) *pair {
	t.Helper()
	ctx := context.Background()
	typeName, deferred, endpoint, credential := spec.typeName, spec.deferred, spec.endpoint, spec.credential
	p := provider.NewWithClock("test", spec.now)()
	framework := server.NewProtocol6(p, frameworkOnly...)().(server.Full)
	fast := server.NewProtocol6(p)().(*server.Server)

	sch, err := framework.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(sch.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, sch.Diagnostics)
	}
	ids, err := framework.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || len(ids.Diagnostics) > 0 {
		t.Fatalf("GetResourceIdentitySchemas: %v %v", err, ids.Diagnostics)
	}
	pr := &pair{framework: framework, fast: fast, typeName: typeName, attrs: map[string]*tfprotov6.SchemaAttribute{}}
	pr.keyType = sch.ResourceSchemas[typeName].ValueType().(tftypes.Object)
	for _, a := range sch.ResourceSchemas[typeName].Block.Attributes {
		pr.attrs[a.Name] = a
	}
	idAttrs := map[string]tftypes.Type{}
	for _, a := range ids.IdentitySchemas[typeName].IdentityAttributes {
		idAttrs[a.Name] = a.Type
	}
	pr.identity = tftypes.Object{AttributeTypes: idAttrs}

	provType := sch.Provider.ValueType().(tftypes.Object)
	cfg := map[string]any{}
	for name, v := range spec.settings {
		cfg[name] = v
	}
	for _, b := range backends {
		cred := map[string]string{"unkey": "root_key", "mixpeek": "api_key"}[b]
		cfg[b] = map[string]any{cred: credential, "endpoint": endpoint}
	}
	pr.configure = func(t testing.TB, deferred bool) {
		t.Helper()
		cv := build(t, provType, cfg)
		if deferred {
			var attrs, unkeyAttrs map[string]tftypes.Value
			if err := cv.As(&attrs); err != nil {
				t.Fatal(err)
			}
			if err := attrs["unkey"].As(&unkeyAttrs); err != nil {
				t.Fatal(err)
			}
			unkeyAttrs["root_key"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
			attrs["unkey"] = tftypes.NewValue(provType.AttributeTypes["unkey"], unkeyAttrs)
			cv = tftypes.NewValue(provType, attrs)
		}
		dv := dynamic(t, provType, cv)
		// Each framework server keeps the data Configure hands its resources: configure both.
		for _, srv := range []server.Full{framework, fast} {
			resp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: dv, TerraformVersion: "1.15.0",
				ClientCapabilities: &tfprotov6.ConfigureProviderClientCapabilities{DeferralAllowed: deferred}})
			if err != nil || len(resp.Diagnostics) > 0 {
				t.Fatalf("ConfigureProvider: %v %+v", err, resp.Diagnostics)
			}
		}
	}
	pr.configure(t, deferred)
	return pr
}

// build makes a value of typ from Go values: nil is null, string, int, bool, []any (set or
// list elements), map[string]any (an object's attributes, the rest null; or a map).
func build(t testing.TB, typ tftypes.Type, v any) tftypes.Value {
	t.Helper()
	if v == nil {
		return tftypes.NewValue(typ, nil)
	}
	switch typ := typ.(type) {
	case tftypes.Object:
		m := v.(map[string]any)
		vals := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			vals[name] = build(t, at, m[name])
		}
		for name := range m {
			if _, ok := typ.AttributeTypes[name]; !ok {
				t.Fatalf("no attribute %q in %s", name, typ)
			}
		}
		return tftypes.NewValue(typ, vals)
	case tftypes.Set:
		var elems []tftypes.Value
		for _, e := range v.([]any) {
			elems = append(elems, build(t, typ.ElementType, e))
		}
		return tftypes.NewValue(typ, elems)
	case tftypes.List:
		var elems []tftypes.Value
		for _, e := range v.([]any) {
			elems = append(elems, build(t, typ.ElementType, e))
		}
		return tftypes.NewValue(typ, elems)
	case tftypes.Map:
		vals := map[string]tftypes.Value{}
		for k, e := range v.(map[string]any) {
			vals[k] = build(t, typ.ElementType, e)
		}
		return tftypes.NewValue(typ, vals)
	}
	switch {
	case typ.Is(tftypes.Number):
		return tftypes.NewValue(typ, big.NewFloat(float64(v.(int))))
	default:
		return tftypes.NewValue(typ, v)
	}
}

func dynamic(t testing.TB, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// request is one plan: prior state and configuration (attribute maps, see build), the proposed
// new state derived from them as Terraform does, or given, and the prior identity and private.
type request struct {
	prior, config map[string]any // prior nil: a create
	proposed      map[string]any // nil: derived
	noIdentity    bool
	private       []byte
	unknownName   bool // the configuration's name is unknown
}

// proposedNew is Terraform's proposed new state at the top level: the configuration where it is
// set, the prior value where it is not and the attribute is computed, null otherwise.
func (p *pair) proposedNew(prior, config map[string]any) map[string]any {
	out := map[string]any{}
	for name, a := range p.attrs {
		switch {
		case config[name] != nil:
			out[name] = config[name]
		case a.Computed && prior != nil:
			out[name] = prior[name]
		}
	}
	return out
}

func (p *pair) protoRequest(t testing.TB, r request) *tfprotov6.PlanResourceChangeRequest {
	t.Helper()
	req := &tfprotov6.PlanResourceChangeRequest{TypeName: p.typeName, PriorPrivate: r.private}
	config := build(t, p.keyType, r.config)
	if r.unknownName {
		var attrs map[string]tftypes.Value
		if err := config.As(&attrs); err != nil {
			t.Fatal(err)
		}
		attrs["name"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
		config = tftypes.NewValue(p.keyType, attrs)
	}
	req.Config = dynamic(t, p.keyType, config)
	proposed := r.proposed
	if proposed == nil {
		proposed = p.proposedNew(r.prior, r.config)
	}
	proposedValue := build(t, p.keyType, proposed)
	if r.unknownName {
		var attrs map[string]tftypes.Value
		_ = proposedValue.As(&attrs)
		attrs["name"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
		proposedValue = tftypes.NewValue(p.keyType, attrs)
	}
	req.ProposedNewState = dynamic(t, p.keyType, proposedValue)
	if r.prior == nil {
		req.PriorState = dynamic(t, p.keyType, tftypes.NewValue(p.keyType, nil))
		return req
	}
	req.PriorState = dynamic(t, p.keyType, build(t, p.keyType, r.prior))
	if !r.noIdentity {
		ident := map[string]any{}
		for name := range p.identity.AttributeTypes {
			ident[name] = r.prior[name]
		}
		id := build(t, p.identity, ident)
		req.PriorIdentity = &tfprotov6.ResourceIdentityData{IdentityData: dynamic(t, p.identity, id)}
	}
	return req
}

// differences lists how two answers differ, comparing states and identities both as bytes and
// as decoded values.
func (p *pair) differences(a, b *tfprotov6.PlanResourceChangeResponse) []string {
	var out []string
	value := func(what string, typ tftypes.Type, x, y *tfprotov6.DynamicValue) {
		out = append(out, valueDifferences(what, typ, x, y, true)...)
	}
	value("planned state", p.keyType, a.PlannedState, b.PlannedState)
	ai, bi := a.PlannedIdentity, b.PlannedIdentity
	if (ai == nil) != (bi == nil) {
		out = append(out, fmt.Sprintf("planned identity: %v vs %v", ai, bi))
	} else if ai != nil {
		value("planned identity", p.identity, ai.IdentityData, bi.IdentityData)
	}
	if !bytes.Equal(a.PlannedPrivate, b.PlannedPrivate) || (a.PlannedPrivate == nil) != (b.PlannedPrivate == nil) {
		out = append(out, fmt.Sprintf("planned private: %q vs %q", a.PlannedPrivate, b.PlannedPrivate))
	}
	if !reflect.DeepEqual(a.RequiresReplace, b.RequiresReplace) {
		out = append(out, fmt.Sprintf("requires replace: %v vs %v", a.RequiresReplace, b.RequiresReplace))
	}
	if !reflect.DeepEqual(a.Deferred, b.Deferred) {
		out = append(out, fmt.Sprintf("deferred: %v vs %v", a.Deferred, b.Deferred))
	}
	if !reflect.DeepEqual(a.Diagnostics, b.Diagnostics) {
		out = append(out, fmt.Sprintf("diagnostics: %s vs %s", diagText(a.Diagnostics), diagText(b.Diagnostics)))
	}
	if a.UnsafeToUseLegacyTypeSystem != b.UnsafeToUseLegacyTypeSystem {
		out = append(out, "legacy type system flag differs")
	}
	return out
}

// valueDifferences lists how two encoded values of typ differ: one missing, the decoded values,
// and, with encodings, the bytes.
func valueDifferences(what string, typ tftypes.Type, x, y *tfprotov6.DynamicValue, encodings bool) []string {
	if (x == nil) != (y == nil) {
		return []string{fmt.Sprintf("%s: present %v vs %v", what, x != nil, y != nil)}
	}
	if x == nil {
		return nil
	}
	var out []string
	if encodings && (!bytes.Equal(x.MsgPack, y.MsgPack) || !bytes.Equal(x.JSON, y.JSON)) {
		out = append(out, what+": encodings differ")
	}
	xv, err1 := x.Unmarshal(typ)
	yv, err2 := y.Unmarshal(typ)
	if err1 != nil || err2 != nil || !xv.Equal(yv) {
		out = append(out, fmt.Sprintf("%s: %s (%v, %v)", what, attrDiff(xv, yv), err1, err2))
	}
	return out
}

// sensitiveAttrs are the schemas' sensitive attributes: a difference in them is named, never
// printed, since the applies' tests hold real plaintexts of their local servers.
var sensitiveAttrs = map[string]bool{"plaintext": true, "internal_id": true}

// attrDiff names the top-level attributes in which two objects differ.
func attrDiff(x, y tftypes.Value) string {
	var xm, ym map[string]tftypes.Value
	if x.As(&xm) != nil || y.As(&ym) != nil || xm == nil || ym == nil {
		return fmt.Sprintf("not comparable as objects (types %v and %v)", x.Type(), y.Type())
	}
	var names []string
	for name, v := range xm {
		switch {
		case v.Equal(ym[name]):
		case sensitiveAttrs[name]:
			names = append(names, name+": (sensitive values differ)")
		default:
			names = append(names, fmt.Sprintf("%s: %v vs %v", name, v, ym[name]))
		}
	}
	sort.Strings(names)
	return fmt.Sprint(names)
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var s []string
	for _, d := range diags {
		s = append(s, fmt.Sprintf("[%s %q %q %v]", d.Severity, d.Summary, d.Detail, d.Attribute))
	}
	sort.Strings(s)
	return fmt.Sprint(s)
}

// echo is the answer "nothing changes": the proposed state and the prior identity.
func echo(req *tfprotov6.PlanResourceChangeRequest) *tfprotov6.PlanResourceChangeResponse {
	resp := &tfprotov6.PlanResourceChangeResponse{PlannedState: req.ProposedNewState}
	if req.PriorIdentity != nil {
		resp.PlannedIdentity = &tfprotov6.ResourceIdentityData{IdentityData: req.PriorIdentity.IdentityData}
	}
	return resp
}

// outcome runs req both ways: whether the shortcut answered, and the differences between its
// answer (or, when it declined, the echo) and the framework's.
func (p *pair) outcome(t testing.TB, req *tfprotov6.PlanResourceChangeRequest) (answered bool, diffs []string) {
	t.Helper()
	ctx := context.Background()
	want, err := p.framework.PlanResourceChange(ctx, req)
	if err != nil {
		t.Fatalf("framework: %v", err)
	}
	before, beforeCreate := p.fast.FastPlanStats(), p.fast.CreatePlanStats()
	got, err := p.fast.PlanResourceChange(ctx, req)
	if err != nil {
		t.Fatalf("shortcut: %v", err)
	}
	answered = p.fast.FastPlanStats().Answered > before.Answered || p.fast.CreatePlanStats().Answered > beforeCreate.Answered
	if answered {
		return true, p.differences(got, want)
	}
	// Declined: the wrapper forwarded to the framework, which must give its own answer.
	if d := p.differences(got, want); len(d) > 0 {
		t.Fatalf("declined plan answered unlike the framework: %v", d)
	}
	if r := p.naiveCreate(t, req); r != nil {
		return false, p.differences(r, want)
	}
	return false, p.differences(echo(req), want)
}

// baseKey is a key in state as a create leaves it, with everything the resource can hold that
// does not make a plan depend on the clock.
func baseKey() map[string]any {
	return map[string]any{
		"id": "key_1", "api_id": "api_1", "name": "svc", "prefix": "pk", "byte_length": 16,
		"recoverable": false, "external_id": "acme",
		"identity":              map[string]any{"id": "id_1", "external_id": "acme", "meta": `{"tier":"gold"}`},
		"meta":                  `{"team":"a"}`,
		"roles":                 []any{"reader"},
		"permissions":           []any{"docs.read", "docs.write"},
		"effective_permissions": []any{"docs.read", "docs.write", "reader.x"},
		"credits":               map[string]any{"remaining": 100, "refill": map[string]any{"interval": "daily", "amount": 10}},
		"remaining_credits":     97,
		"ratelimits": []any{
			map[string]any{"name": "requests", "limit": 100, "duration": "1m", "auto_apply": true},
			map[string]any{"name": "burst", "limit": 5, "duration": "1s"},
		},
		"enabled": true, "start": "pk_abcd", "status": "active",
		"created_at": "2020-01-02T03:04:05Z", "updated_at": "2020-01-03T00:00:00Z", "last_used_at": "2020-01-04T00:00:00Z",
		"permanent_delete": false, "rotation_mode": "replace", "plaintext": "secret-plaintext", "store_plaintext": true,
	}
}

// configOf is the configuration that created base: its inputs, defaults left unset.
func configOf(state map[string]any) map[string]any {
	cfg := map[string]any{}
	for _, name := range []string{"api_id", "name", "prefix", "external_id", "meta", "roles", "permissions", "credits", "ratelimits"} {
		cfg[name] = state[name]
	}
	return cfg
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestFastPlanMatchesFramework(t *testing.T) {
	p := newPair(t, "unkey", "mixpeek")
	base := baseKey()
	cfg := configOf(base)
	old := "2020-01-02T03:04:05Z"
	tests := []struct {
		name string
		req  request
		fast bool
		// needed: the framework's answer is not "nothing changes", so declining is required.
		needed bool
	}{
		{name: "unchanged", req: request{prior: base, config: cfg}, fast: true},
		{name: "unchanged minimal key", req: request{
			prior:  map[string]any{"id": "key_2", "api_id": "api_1", "byte_length": 16, "recoverable": false, "enabled": true, "permanent_delete": false, "rotation_mode": "replace", "store_plaintext": true, "status": "active", "start": "x_abcd", "created_at": old},
			config: map[string]any{"api_id": "api_1"}}, fast: true},
		{name: "defaults set explicitly", req: request{prior: with(base, "enabled", false, "status", "disabled", "permanent_delete", true, "rotation_mode", "reroll", "store_plaintext", false, "plaintext", nil),
			config: with(cfg, "enabled", false, "permanent_delete", true, "rotation_mode", "reroll", "store_plaintext", false)}, fast: true},
		{name: "byte_length and recoverable configured", req: request{prior: with(base, "byte_length", 32, "recoverable", true), config: with(cfg, "byte_length", 32, "recoverable", true)}, fast: true},
		{name: "imported: byte_length and recoverable null", req: request{prior: with(base, "byte_length", nil, "recoverable", nil), config: cfg}, fast: true},
		{name: "expires_at configured and unchanged", req: request{prior: with(base, "expires_at", "2099-01-01T00:00:00Z"), config: with(cfg, "expires_at", "2099-01-01T00:00:00Z")}, fast: true},
		{name: "expired key with its expiry configured", req: request{prior: with(base, "expires_at", "2021-01-01T00:00:00Z", "status", "expired"), config: with(cfg, "expires_at", "2021-01-01T00:00:00Z")}, fast: true},
		{name: "revoke_grace_period set", req: request{prior: with(base, "revoke_grace_period", "1h"), config: with(cfg, "revoke_grace_period", "1h")}, fast: true},
		{name: "age recipients", req: request{prior: with(base, "plaintext", nil, "plaintext_age_recipients", []any{"age1xyz"}, "encrypted_plaintext", "-----BEGIN AGE"), config: with(cfg, "plaintext_age_recipients", []any{"age1xyz"})}, fast: true},

		// Defaults the framework plans over a value changed outside Terraform.
		{name: "enabled: disabled outside Terraform", req: request{prior: with(base, "enabled", false, "status", "disabled"), config: cfg}, needed: true},
		{name: "permanent_delete default over true", req: request{prior: with(base, "permanent_delete", true), config: cfg}, needed: true},
		{name: "rotation_mode default over reroll", req: request{prior: with(base, "rotation_mode", "reroll"), config: cfg}, needed: true},
		{name: "store_plaintext default over false", req: request{prior: with(base, "store_plaintext", false, "plaintext", nil), config: cfg}, needed: true},
		{name: "enabled null in state", req: request{prior: with(base, "enabled", nil), config: cfg}, needed: true},
		// The clock.
		{name: "rotate_after due", req: request{prior: with(base, "rotate_after", "1m"), config: with(cfg, "rotate_after", "1m")}, needed: true},
		{name: "rotate_after due, reroll", req: request{prior: with(base, "rotate_after", "1m", "rotation_mode", "reroll"), config: with(cfg, "rotate_after", "1m", "rotation_mode", "reroll")}, needed: true},
		{name: "rotate_after not due", req: request{prior: with(base, "rotate_after", "876000h"), config: with(cfg, "rotate_after", "876000h")}},
		{name: "warn_older_than", req: request{prior: with(base, "warn_older_than", "1m"), config: with(cfg, "warn_older_than", "1m")}, needed: true},
		{name: "warn_unused_after", req: request{prior: with(base, "warn_unused_after", "1m"), config: with(cfg, "warn_unused_after", "1m")}, needed: true},
		{name: "warn_unused_after not reached", req: request{prior: with(base, "warn_unused_after", "876000h"), config: with(cfg, "warn_unused_after", "876000h")}},
		{name: "expire_after", req: request{prior: with(base, "expire_after", "720h", "expires_at", "2020-02-01T03:04:05Z"), config: with(cfg, "expire_after", "720h")}},
		{name: "rotation_triggers", req: request{prior: with(base, "rotation_triggers", map[string]any{"r": "1"}), config: with(cfg, "rotation_triggers", map[string]any{"r": "1"})}},
		// Drift correction.
		{name: "expiry added outside Terraform", req: request{prior: with(base, "expires_at", "2099-01-01T00:00:00Z"), config: cfg}, needed: true},
		{name: "previous_key", req: request{prior: with(base, "previous_key", map[string]any{"id": "key_0", "start": "pk_zzzz", "expires_at": "2099-01-01T00:00:00Z"}), config: cfg}},
		// Not a plan of unchanged state.
		{name: "name changed", req: request{prior: base, config: with(cfg, "name", "other")}, needed: true},
		{name: "meta reformatted", req: request{prior: base, config: with(cfg, "meta", `{ "team": "a" }`)}},
		{name: "name unknown", req: request{prior: base, config: cfg, unknownName: true}, needed: true},
		// The answer is the null proposed state, but ModifyPlan records the destroy for the API's
		// own destroy check, so it must run.
		{name: "destroy", req: request{prior: base, config: cfg, proposed: map[string]any{}}},
		// Private data and identity the framework carries or makes.
		{name: "prior private", req: request{prior: base, config: cfg, private: []byte(`{"k":"dg=="}`)}, needed: true},
		{name: "no prior identity", req: request{prior: base, config: cfg, noIdentity: true}, needed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := p.protoRequest(t, tt.req)
			if tt.name == "destroy" {
				req.ProposedNewState = dynamic(t, p.keyType, tftypes.NewValue(p.keyType, nil))
			}
			answered, diffs := p.outcome(t, req)
			if answered && len(diffs) > 0 {
				t.Fatalf("shortcut differs from the framework: %v", diffs)
			}
			if answered != tt.fast {
				t.Fatalf("shortcut answered = %v, want %v", answered, tt.fast)
			}
			if tt.needed && len(diffs) == 0 {
				t.Fatalf("the framework plans nothing here: this case no longer shows why the shortcut must decline")
			}
		})
	}
}

// TestFastPlanDeferredProvider: a provider that deferred its configuration makes the framework
// defer every plan, so the shortcut must not answer.
func TestFastPlanDeferredProvider(t *testing.T) {
	p := newPairWith(t, true, "unkey")
	base := baseKey()
	req := p.protoRequest(t, request{prior: base, config: configOf(base)})
	req.ClientCapabilities = &tfprotov6.PlanResourceChangeClientCapabilities{DeferralAllowed: true}
	answered, diffs := p.outcome(t, req)
	if answered {
		t.Fatal("shortcut answered for a deferred provider")
	}
	if len(diffs) == 0 {
		t.Fatal("the framework did not defer the plan")
	}
}

// TestFastPlanReconfiguredDeferred: in debug mode one process gets a ConfigureProvider per
// walk; when a later one defers, the framework defers every plan, so the shortcut must not answer
// from the data an earlier Configure left.
func TestFastPlanReconfiguredDeferred(t *testing.T) {
	p := newPairWith(t, false, "unkey")
	base := baseKey()
	req := p.protoRequest(t, request{prior: base, config: configOf(base)})
	req.ClientCapabilities = &tfprotov6.PlanResourceChangeClientCapabilities{DeferralAllowed: true}
	if answered, diffs := p.outcome(t, req); !answered || len(diffs) > 0 {
		t.Fatalf("configured: answered %v, differences %v", answered, diffs)
	}
	p.configure(t, true)
	answered, diffs := p.outcome(t, req)
	if answered {
		t.Fatal("shortcut answered after the provider deferred its configuration")
	}
	if len(diffs) == 0 {
		t.Fatal("the framework did not defer the plan")
	}
}

// TestFastPlanUnconfiguredBackend: with the unkey backend not configured the framework reports
// it, so the shortcut must not answer.
func TestFastPlanUnconfiguredBackend(t *testing.T) {
	p := newPair(t, "mixpeek")
	base := baseKey()
	answered, diffs := p.outcome(t, p.protoRequest(t, request{prior: base, config: configOf(base)}))
	if answered {
		t.Fatal("shortcut answered for an unconfigured backend")
	}
	if len(diffs) == 0 {
		t.Fatal("the framework reported nothing for an unconfigured backend")
	}
}

// fuzzPools are the values each attribute takes in the fuzzed prior states: null, the ordinary
// values and the ones that change a plan (defaults overridden, clock attributes, expiries).
var fuzzPools = map[string][]any{
	"id":                       {"key_1"},
	"api_id":                   {"api_1", "api_2"},
	"name":                     {nil, "svc", "other"},
	"prefix":                   {nil, "pk"},
	"byte_length":              {16, nil, 32},
	"recoverable":              {false, nil, true},
	"external_id":              {nil, "acme"},
	"identity":                 {nil, map[string]any{"id": "id_1", "external_id": "acme", "meta": `{"a":1}`}},
	"meta":                     {nil, `{"team":"a"}`, `{ "team": "a" }`},
	"roles":                    {nil, []any{"reader"}},
	"permissions":              {nil, []any{"docs.read", "docs.write"}, []any{}},
	"effective_permissions":    {nil, []any{"docs.read"}},
	"credits":                  {nil, map[string]any{"remaining": 5}},
	"remaining_credits":        {nil, 5},
	"ratelimits":               {nil, []any{map[string]any{"name": "r", "limit": 10, "duration": "1m"}}, []any{map[string]any{"name": "r", "limit": 10, "duration": "60s", "auto_apply": false}}},
	"enabled":                  {true, false, nil},
	"expires_at":               {nil, "2099-01-01T00:00:00Z", "2021-01-01T00:00:00Z", "2099-01-01T01:00:00+01:00"},
	"start":                    {"pk_abcd", nil},
	"status":                   {"active", "disabled", "expired"},
	"created_at":               {"2020-01-02T03:04:05Z", nil, "2999-01-01T00:00:00Z"},
	"updated_at":               {nil, "2020-01-03T00:00:00Z"},
	"last_used_at":             {nil, "2020-01-04T00:00:00Z"},
	"permanent_delete":         {false, true},
	"rotation_mode":            {"replace", "reroll"},
	"previous_key":             {nil, map[string]any{"id": "key_0", "start": "pk_zzzz", "expires_at": "2099-01-01T00:00:00Z"}},
	"plaintext":                {"secret", nil},
	"store_plaintext":          {true, false},
	"plaintext_age_recipients": {nil, []any{"age1xyz"}},
	"encrypted_plaintext":      {nil, "-----BEGIN AGE"},
	"rotation_triggers":        {nil, map[string]any{"r": "1"}},
	"expire_after":             {nil, "720h"},
	"rotate_after":             {nil, "1m", "876000h"},
	"revoke_grace_period":      {nil, "1h"},
	"warn_unused_after":        {nil, "1m", "876000h"},
	"warn_older_than":          {nil, "1m"},
}

// fuzzRequest turns data into a plan request: per attribute (in name order) one byte picks the
// prior value and how the configuration relates to it (unset, the same, another value); the
// last byte adds prior private data or drops the prior identity.
func (p *pair) fuzzRequest(t testing.TB, data []byte) request {
	r, flags := p.fuzzRequestFrom(t, fuzzPools, data)
	if flags&2 != 0 {
		r.private = []byte(`{"k":"dg=="}`)
	}
	return r
}

// fuzzRequestFrom is fuzzRequest with the attributes' pools; the last byte, returned as flags,
// drops the prior identity (bit 0) and is the caller's to read for private data.
func (p *pair) fuzzRequestFrom(t testing.TB, pools map[string][]any, data []byte) (request, byte) {
	names := make([]string, 0, len(p.attrs))
	for name := range p.attrs {
		names = append(names, name)
	}
	sort.Strings(names)
	at := func(i int) byte {
		if i < len(data) {
			return data[i]
		}
		return 0
	}
	prior, config := map[string]any{}, map[string]any{}
	for i, name := range names {
		pool, ok := pools[name]
		if !ok {
			t.Fatalf("attribute %s has no fuzz pool", name)
		}
		// Mostly the first (plain) value, so that many requests reach the shortcut's rules.
		b := at(i)
		pick := 0
		if v := int(b % 16); v >= 12 && len(pool) > 1 {
			pick = 1 + (v-12)%(len(pool)-1)
		}
		prior[name] = pool[pick]
		a := p.attrs[name]
		how := int(b/16) % 4 // 0, 3: unset (computed-only attributes always), 1: same, 2: another
		switch {
		case a.Computed && !a.Optional:
		case a.Required && how != 2, how == 1:
			config[name] = prior[name]
		case how == 2:
			config[name] = pool[(pick+1)%len(pool)]
			if config[name] == nil && a.Required {
				config[name] = prior[name]
			}
		}
	}
	flags := at(len(names))
	return request{prior: prior, config: config, noIdentity: flags&1 != 0}, flags
}

// FuzzFastPlanMatchesFramework: for any prior state and configuration drawn from the pools,
// whenever the shortcut answers, the framework answers the same.
func FuzzFastPlanMatchesFramework(f *testing.F) {
	p := newPair(f, "unkey")
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0x10}, 40))
	f.Add(bytes.Repeat([]byte{0x01}, 40))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice over"))
	f.Fuzz(func(t *testing.T, data []byte) {
		req := p.protoRequest(t, p.fuzzRequest(t, data))
		if answered, diffs := p.outcome(t, req); answered && len(diffs) > 0 {
			t.Fatalf("shortcut differs from the framework: %v", diffs)
		}
	})
}

// frameworkOnly leaves every shortcut out: the reference side of the differential tests.
var frameworkOnly = []server.Option{server.WithoutFastPlan(), server.WithoutCreatePlan(), server.WithoutFastRead(), server.WithoutFastValidate(), server.WithoutFastCreate(), server.WithoutFastDestroy()}

// TestAttrDiffHidesSensitive: a failing differential test names a differing plaintext but never
// prints it.
func TestAttrDiffHidesSensitive(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"plaintext": tftypes.String, "name": tftypes.String}}
	obj := func(plaintext, name string) tftypes.Value {
		return tftypes.NewValue(typ, map[string]tftypes.Value{
			"plaintext": tftypes.NewValue(tftypes.String, plaintext), "name": tftypes.NewValue(tftypes.String, name)})
	}
	got := attrDiff(obj("sk_first_secret", "a"), obj("sk_second_secret", "b"))
	if strings.Contains(got, "secret") {
		t.Errorf("attrDiff printed a plaintext: %s", got)
	}
	if !strings.Contains(got, "plaintext") || !strings.Contains(got, `"a"`) {
		t.Errorf("attrDiff = %s, want the plaintext named and the name's values shown", got)
	}
}
