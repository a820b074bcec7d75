package bench

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The rate limits of apikey_unkey_key are a set of nested objects. These
// benchmarks measure, in isolation and through the framework's protocol
// server, what a set costs against a list of the same objects: a resource
// with a name and the rate limits, whose Read round-trips its state through
// a model as the provider's does.

type nestedProvider struct{}

func (nestedProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "b"
}
func (nestedProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}
func (nestedProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (nestedProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
func (nestedProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		func() resource.Resource { return nestedResource{set: true} },
		func() resource.Resource { return nestedResource{} },
	}
}

type nestedResource struct{ set bool }

type setModel struct {
	Name       types.String `tfsdk:"name"`
	Ratelimits types.Set    `tfsdk:"ratelimits"`
}

type listModel struct {
	Name       types.String `tfsdk:"name"`
	Ratelimits types.List   `tfsdk:"ratelimits"`
}

func (r nestedResource) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = map[bool]string{true: "b_set", false: "b_list"}[r.set]
}

func (r nestedResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	object := schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
		"name":       schema.StringAttribute{Required: true, Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, 128)}},
		"limit":      schema.Int64Attribute{Required: true, Validators: []validator.Int64{int64validator.Between(1, 1_000_000)}},
		"duration":   schema.StringAttribute{Required: true, Validators: []validator.String{stringvalidator.LengthBetween(2, 10)}},
		"auto_apply": schema.BoolAttribute{Optional: true},
	}}
	var rl schema.Attribute = schema.ListNestedAttribute{Optional: true, NestedObject: object, Validators: []validator.List{listvalidator.SizeAtMost(16)}}
	if r.set {
		rl = schema.SetNestedAttribute{Optional: true, NestedObject: object, Validators: []validator.Set{setvalidator.SizeAtMost(16)}}
	}
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"name":       schema.StringAttribute{Required: true},
		"ratelimits": rl,
	}}
}

func (r nestedResource) roundTrip(ctx context.Context, get func(context.Context, any) any, set func(context.Context, any) any) {
	if r.set {
		var m setModel
		get(ctx, &m)
		set(ctx, m)
		return
	}
	var m listModel
	get(ctx, &m)
	set(ctx, m)
}

func (r nestedResource) Create(context.Context, resource.CreateRequest, *resource.CreateResponse) {}
func (r nestedResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {}
func (r nestedResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
func (r nestedResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.roundTrip(ctx,
		func(ctx context.Context, m any) any { resp.Diagnostics.Append(req.State.Get(ctx, m)...); return nil },
		func(ctx context.Context, m any) any { resp.Diagnostics.Append(resp.State.Set(ctx, m)...); return nil })
}

var rlObject = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"name": tftypes.String, "limit": tftypes.Number, "duration": tftypes.String, "auto_apply": tftypes.Bool,
}}

// nestedValue is a resource value with k rate limits.
func nestedValue(set bool, k int) (tftypes.Type, tftypes.Value) {
	var collType tftypes.Type = tftypes.List{ElementType: rlObject}
	if set {
		collType = tftypes.Set{ElementType: rlObject}
	}
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"name": tftypes.String, "ratelimits": collType}}
	var elems []tftypes.Value
	for i := range k {
		elems = append(elems, tftypes.NewValue(rlObject, map[string]tftypes.Value{
			"name":       tftypes.NewValue(tftypes.String, fmt.Sprintf("limit-%d", i)),
			"limit":      tftypes.NewValue(tftypes.Number, 100+i),
			"duration":   tftypes.NewValue(tftypes.String, "1m"),
			"auto_apply": tftypes.NewValue(tftypes.Bool, i == 0),
		}))
	}
	return typ, tftypes.NewValue(typ, map[string]tftypes.Value{
		"name":       tftypes.NewValue(tftypes.String, "bench"),
		"ratelimits": tftypes.NewValue(collType, elems),
	})
}

func BenchmarkNestedSetVsList(b *testing.B) {
	ctx := context.Background()
	srv := providerserver.NewProtocol6(nestedProvider{})()
	if _, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		b.Fatal(err)
	}
	for _, k := range []int{1, 5} {
		for _, kind := range []string{"set", "list"} {
			typ, val := nestedValue(kind == "set", k)
			dv, err := tfprotov6.NewDynamicValue(typ, val)
			if err != nil {
				b.Fatal(err)
			}
			name := "b_" + kind
			rpcs := []struct {
				rpc  string
				call func() []*tfprotov6.Diagnostic
			}{
				{"validate", func() []*tfprotov6.Diagnostic {
					resp, _ := srv.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: name, Config: &dv})
					return resp.Diagnostics
				}},
				{"plan", func() []*tfprotov6.Diagnostic {
					resp, _ := srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: name, PriorState: &dv, ProposedNewState: &dv, Config: &dv})
					return resp.Diagnostics
				}},
				{"read", func() []*tfprotov6.Diagnostic {
					resp, _ := srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: name, CurrentState: &dv})
					return resp.Diagnostics
				}},
			}
			for _, rpc := range rpcs {
				b.Run(fmt.Sprintf("%s/k=%d/%s", rpc.rpc, k, kind), func(b *testing.B) {
					b.ReportAllocs()
					start := processCPU()
					for b.Loop() {
						if d := rpc.call(); len(d) > 0 {
							b.Fatalf("%s: %v", rpc.rpc, d[0].Detail)
						}
					}
					// On a shared machine wall time per op says little; the
					// process's own CPU time does (collector included).
					b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
				})
			}
		}
	}
}

// processCPU is this process's user+system time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
