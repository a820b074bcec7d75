package mixpeek

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// An update of a key never refreshed since its create (apply -refresh=false) removes the marker,
// whether or not the update changes the description.
func TestKeyResourceUpdateSettlesMarker(t *testing.T) {
	for _, tc := range []struct{ name, before, after string }{
		{name: "description unchanged", before: "configured", after: "configured"},
		{name: "description changed", before: "configured", after: "renamed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			r, b := configured(t, ts.url, ts.dev.RootKey(), time.Now, 1)
			ctx := context.Background()
			plan := plannedModel("svc")
			plan.Description = types.StringValue(tc.before)
			m, cresp := create(t, r, plan)

			next := m
			next.Description = types.StringValue(tc.after)
			next.RateLimitOverride = types.Int64Value(5)
			uresp := resource.UpdateResponse{State: cresp.State, Identity: identityOf(t, r)}
			withPrivate(&uresp)
			r.Update(ctx, resource.UpdateRequest{Plan: planOf(t, next), State: cresp.State}, &uresp)
			if uresp.Diagnostics.HasError() {
				t.Fatalf("update: %v", uresp.Diagnostics)
			}
			if got := modelOf(t, uresp.State).Description.ValueString(); got != tc.after {
				t.Errorf("description in state = %q, want %q", got, tc.after)
			}
			k, err := b.Client.FindKey(ctx, testEmail, m.ID.ValueString())
			if err != nil || k.Description != tc.after {
				t.Fatalf("server key %+v, %v: want description %q without the marker", k, err, tc.after)
			}
		})
	}
}
