package unkey

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// BenchmarkRatelimitsFromAPI is the rate-limit part of every Read of a key with one limit.
func BenchmarkRatelimitsFromAPI(b *testing.B) {
	ctx := context.Background()
	prior, d := types.SetValueFrom(ctx, ratelimitType, []ratelimitModel{rl("requests", 100, "1m", ptr(true))})
	if d.HasError() {
		b.Fatal(d)
	}
	got := []unkey.Ratelimit{{Name: "requests", Limit: 100, Duration: 60000, AutoApply: true}}
	b.ReportAllocs()
	for b.Loop() {
		var diags diag.Diagnostics
		_ = ratelimitsFromAPI(ctx, prior, got, &diags)
	}
}
