package server_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// upgradePair is the framework's own server and the wrapper, for UpgradeResourceState.
type upgradePair struct {
	framework tfprotov6.ProviderServer
	fast      *server.Server
	types     []string // every resource type of the provider
}

func newUpgradePair(t testing.TB) *upgradePair {
	t.Helper()
	p := provider.New("test")()
	up := &upgradePair{framework: providerserver.NewProtocol6(p)(), fast: server.NewProtocol6(p)().(*server.Server)}
	sch, err := up.framework.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(sch.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, sch.Diagnostics)
	}
	for name := range sch.ResourceSchemas {
		up.types = append(up.types, name)
	}
	return up
}

// outcome runs req both ways and reports whether the wrapper answered itself and how its answer
// differs from the framework's (state as bytes and decoded, diagnostics).
func (up *upgradePair) outcome(t testing.TB, req *tfprotov6.UpgradeResourceStateRequest) (bool, []string) {
	t.Helper()
	ctx := context.Background()
	want, err := up.framework.UpgradeResourceState(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	before := up.fast.UpgradeStats()
	got, err := up.fast.UpgradeResourceState(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	answered := up.fast.UpgradeStats() > before
	var diffs []string
	switch {
	case (got.UpgradedState == nil) != (want.UpgradedState == nil):
		diffs = append(diffs, "one answer has no state")
	case got.UpgradedState != nil && string(got.UpgradedState.MsgPack) != string(want.UpgradedState.MsgPack):
		diffs = append(diffs, "upgraded states differ")
	}
	if diagText(got.Diagnostics) != diagText(want.Diagnostics) || (got.Diagnostics == nil) != (want.Diagnostics == nil) {
		diffs = append(diffs, "diagnostics: "+diagText(got.Diagnostics)+" vs "+diagText(want.Diagnostics))
	}
	return answered, diffs
}

func TestUpgradePassthroughMatchesFramework(t *testing.T) {
	up := newUpgradePair(t)
	state := func(m map[string]any) []byte {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	full := baseKey()
	tests := []struct {
		name     string
		req      tfprotov6.UpgradeResourceStateRequest
		answered bool
	}{
		{name: "current key state", req: tfprotov6.UpgradeResourceStateRequest{TypeName: keyType, RawState: &tfprotov6.RawState{JSON: state(full)}}, answered: true},
		{name: "attribute the schema no longer has", req: tfprotov6.UpgradeResourceStateRequest{TypeName: keyType, RawState: &tfprotov6.RawState{JSON: state(with(full, "retired_attribute", "x"))}}, answered: true},
		{name: "attributes missing", req: tfprotov6.UpgradeResourceStateRequest{TypeName: keyType, RawState: &tfprotov6.RawState{JSON: []byte(`{"id":"key_1","api_id":"api_1"}`)}}, answered: true},
		{name: "mixpeek key", req: tfprotov6.UpgradeResourceStateRequest{TypeName: "apikey_mixpeek_key", RawState: &tfprotov6.RawState{JSON: []byte(`{"id":"k","user_email":"a@b.c","name":"n"}`)}}, answered: true},
		{name: "wrong type", req: tfprotov6.UpgradeResourceStateRequest{TypeName: keyType, RawState: &tfprotov6.RawState{JSON: []byte(`{"byte_length":"sixteen"}`)}}},
		{name: "not JSON", req: tfprotov6.UpgradeResourceStateRequest{TypeName: keyType, RawState: &tfprotov6.RawState{JSON: []byte(`{"id":`)}}},
		{name: "other version", req: tfprotov6.UpgradeResourceStateRequest{TypeName: keyType, Version: 1, RawState: &tfprotov6.RawState{JSON: state(full)}}},
		{name: "flatmap", req: tfprotov6.UpgradeResourceStateRequest{TypeName: keyType, RawState: &tfprotov6.RawState{Flatmap: map[string]string{"id": "key_1"}}}},
		{name: "no raw state", req: tfprotov6.UpgradeResourceStateRequest{TypeName: keyType}},
		{name: "unknown resource type", req: tfprotov6.UpgradeResourceStateRequest{TypeName: "apikey_nothing", RawState: &tfprotov6.RawState{JSON: state(full)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answered, diffs := up.outcome(t, &tt.req)
			if len(diffs) > 0 {
				t.Fatalf("the wrapper's answer differs from the framework's: %v", diffs)
			}
			if answered != tt.answered {
				t.Fatalf("answered = %v, want %v", answered, tt.answered)
			}
		})
	}
}

// FuzzUpgradePassthroughMatchesFramework: for any saved JSON of any resource type, the wrapper's
// UpgradeResourceState answer is the framework's.
func FuzzUpgradePassthroughMatchesFramework(f *testing.F) {
	up := newUpgradePair(f)
	base, err := json.Marshal(baseKey())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), int64(0), base)
	f.Add(uint8(1), int64(0), []byte(`{"id":"x","name":null,"extra":[1,2]}`))
	f.Add(uint8(2), int64(0), []byte(`{"id":"x","permissions":["a","a"]}`))
	f.Add(uint8(3), int64(1), []byte(`{}`))
	f.Fuzz(func(t *testing.T, typeIndex uint8, version int64, raw []byte) {
		types := append([]string{keyType}, up.types...)
		req := &tfprotov6.UpgradeResourceStateRequest{
			TypeName: types[int(typeIndex)%len(types)],
			Version:  version,
			RawState: &tfprotov6.RawState{JSON: raw},
		}
		if answered, diffs := up.outcome(t, req); answered && len(diffs) > 0 {
			t.Fatalf("the wrapper's answer differs from the framework's: %v", diffs)
		}
	})
}
