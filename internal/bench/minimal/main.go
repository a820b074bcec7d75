// Command minimal is the benchmark's plugin floor: a terraform-plugin-framework
// provider with one resource of one attribute whose CRUD does nothing,
// served by the same process setup as the real provider (internal/server),
// so the difference between the two is this provider's own work.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/runstats"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// Address is where the benchmark's configurations find this provider.
const Address = "registry.terraform.io/apikey-bench/minimal"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "serve in debug mode (print a TF_REATTACH_PROVIDERS value)")
	flag.Parse()
	if _, err := server.QuietLogsUnlessAsked(os.Environ(), os.Setenv); err != nil {
		log.Fatal(err)
	}
	stopProfile, err := runstats.StartCPUProfileIfRequested(os.Getenv)
	if err != nil {
		log.Print(err)
	}
	err = server.Serve(func() provider.Provider { return minimalProvider{} }, Address, debug)
	stopProfile()
	if serr := runstats.WriteIfRequested(os.Getenv); serr != nil {
		log.Print(serr)
	}
	if err != nil {
		log.Fatal(err)
	}
}

type minimalProvider struct{}

func (minimalProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "minimal"
}
func (minimalProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}
func (minimalProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (minimalProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
func (minimalProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return thing{} }}
}

// thing is minimal_thing: one required string, stored as given.
type thing struct{}

type thingModel struct {
	Input types.String `tfsdk:"input"`
}

func (thing) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "minimal_thing"
}

func (thing) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{"input": schema.StringAttribute{Required: true}}}
}

func (thing) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (thing) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (thing) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (thing) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
