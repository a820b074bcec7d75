package unkey

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Creating a key in an API deleted outside Terraform fails naming api_id and leaves no key:
// Unkey itself would answer the create with success and a key that then reads as not found.
func TestKeyResource_createInDeletedAPI(t *testing.T) {
	t.Parallel()
	f := newDevFixture(t)
	if err := f.client.DeleteAPI(t.Context(), f.apiID); err != nil {
		t.Fatal(err)
	}
	r := newTestResource(t, providerData(f.client, time.Now, 1))
	f.dev.ResetStats()
	state, diags := createKey(t, r, plannedCreate(f.apiID))
	if !diags.HasError() || !hasSummary(diags, "API not found") {
		t.Fatalf("diags = %v, want an API not found error", diags)
	}
	if !strings.Contains(diags.Errors()[0].Detail(), f.apiID) {
		t.Errorf("error %q does not name the API", diags.Errors()[0].Detail())
	}
	if !state.ID.IsNull() && !state.ID.IsUnknown() && state.ID.ValueString() != "" {
		t.Errorf("a key was saved: %s", state.ID)
	}
	if got := f.dev.Stats().ByRoute["/v2/keys.createKey"]; got != 0 {
		t.Errorf("createKey requests = %d, want 0", got)
	}
}

// The creation marker outlives Create, so an interrupted run's key can be recognised, and the
// key's first refresh removes it, keeping configured meta, with and without configured meta.
func TestKeyResource_firstReadRemovesMarker(t *testing.T) {
	t.Parallel()
	f := newDevFixture(t)
	r := newTestResource(t, providerData(f.client, time.Now, 1))
	for _, meta := range []string{"", `{"team":"billing"}`} {
		plan := plannedCreate(f.apiID)
		if meta != "" {
			plan.Meta = tfvalue.JSONString(meta)
		}
		state, diags := createKey(t, r, plan)
		noErrors(t, diags)
		k, err := f.client.GetKey(t.Context(), state.ID.ValueString(), false)
		if err != nil {
			t.Fatal(err)
		}
		if fingerprintOf(markerOf(k.Meta)) == "" {
			t.Errorf("meta %q: after Create the server holds no fingerprinted marker: %s", meta, k.Meta)
		}
		if strings.Contains(state.Meta.ValueString(), createMarkerKey) {
			t.Errorf("meta %q: the marker shows in state: %s", meta, state.Meta)
		}
		f.dev.ResetStats()
		read, diags := readKey(t, r, state)
		noErrors(t, diags)
		if read == nil {
			t.Fatalf("meta %q: the key was dropped by its first read", meta)
		}
		if got := f.dev.Stats().ByRoute["/v2/keys.updateKey"]; got != 1 {
			t.Errorf("meta %q: first read sent %d updateKey requests, want 1", meta, got)
		}
		if read.UpdatedAt.IsNull() {
			t.Errorf("meta %q: updated_at after the first read is null, want the removal's time", meta)
		}
		k, err = f.client.GetKey(t.Context(), state.ID.ValueString(), false)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(k.Meta), createMarkerKey) {
			t.Errorf("meta %q: the first read left the marker: %s", meta, k.Meta)
		}
		if meta != "" {
			var got map[string]any
			if err := json.Unmarshal(k.Meta, &got); err != nil || got["team"] != "billing" {
				t.Errorf("configured meta lost: %s", k.Meta)
			}
		}
		if meta == "" && !read.Meta.IsNull() {
			t.Errorf("state meta = %s, want null", read.Meta)
		}
		// Settled: later reads send no update.
		f.dev.ResetStats()
		_, diags = readKey(t, r, *read)
		noErrors(t, diags)
		if got := f.dev.Stats().ByRoute["/v2/keys.updateKey"]; got != 0 {
			t.Errorf("meta %q: second read sent %d updateKey requests, want 0", meta, got)
		}
	}
}

// An update of a key never refreshed since its create (apply -refresh=false) removes the marker,
// keeping configured meta.
func TestKeyResource_updateRemovesMarker(t *testing.T) {
	t.Parallel()
	f := newDevFixture(t)
	r := newTestResource(t, providerData(f.client, time.Now, 1))
	plan := plannedCreate(f.apiID)
	plan.Meta = tfvalue.JSONString(`{"team":"billing"}`)
	created, diags := createKey(t, r, plan)
	noErrors(t, diags)
	next := created
	next.Name = types.StringValue("renamed")
	next.Status, next.UpdatedAt, next.EffectivePermissions = types.StringUnknown(), types.StringUnknown(), types.SetUnknown(types.StringType)
	resp := resource.UpdateResponse{State: stateOf(t, created), Identity: nullIdentity(t)}
	r.Update(t.Context(), resource.UpdateRequest{Plan: planOf(t, next), State: stateOf(t, created)}, &resp)
	noErrors(t, resp.Diagnostics)
	k, err := f.client.GetKey(t.Context(), created.ID.ValueString(), false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(k.Meta), createMarkerKey) || !strings.Contains(string(k.Meta), "billing") {
		t.Errorf("meta on the server after the update = %s, want the configured meta without the marker", k.Meta)
	}
	if got := modelOf(t, resp.State); got.Name.ValueString() != "renamed" || got.Meta.ValueString() != `{"team":"billing"}` {
		t.Errorf("state after the update: name %s meta %s", got.Name, got.Meta)
	}
}
