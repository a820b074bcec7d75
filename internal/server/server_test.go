package server

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestQuietLogsUnlessAsked(t *testing.T) {
	all := []string{"TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_APIKEY"}
	tests := []struct {
		name    string
		environ []string
		want    []string
	}{
		{name: "nothing set", environ: []string{"HOME=/home/u", "PATH=/bin"}, want: all},
		{name: "empty TF_LOG counts as unset", environ: []string{"TF_LOG="}, want: all},
		{name: "unrelated TF_ variable", environ: []string{"TF_CLI_CONFIG_FILE=x", "TF_LOGGING=", "XTF_LOG=trace"}, want: all},
		{name: "TF_LOG", environ: []string{"TF_LOG=trace"}},
		{name: "TF_LOG lower-case level", environ: []string{"TF_LOG=debug"}},
		{name: "TF_LOG_PROVIDER", environ: []string{"TF_LOG_PROVIDER=info"}},
		{name: "TF_LOG_PROVIDER for this provider", environ: []string{"TF_LOG_PROVIDER_APIKEY=trace"}},
		{name: "TF_LOG_SDK", environ: []string{"TF_LOG_SDK=trace"}},
		{name: "TF_LOG_SDK_FRAMEWORK", environ: []string{"TF_LOG_SDK_FRAMEWORK=debug"}},
		{name: "TF_LOG_SDK_PROTO", environ: []string{"TF_LOG_SDK_PROTO=trace"}},
		{name: "TF_LOG_SDK_PROTO_DATA_DIR", environ: []string{"TF_LOG_SDK_PROTO_DATA_DIR=/tmp/x"}},
		{name: "TF_LOG_CORE", environ: []string{"TF_LOG_CORE=trace"}},
		{name: "TF_LOG_PATH alone", environ: []string{"TF_LOG_PATH=/tmp/tf.log"}},
		{name: "TF_ACC_LOG_PATH", environ: []string{"TF_ACC_LOG_PATH=/tmp/acc.log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			set, err := QuietLogsUnlessAsked(tt.environ, func(k, v string) error { got[k] = v; return nil }, "TF_LOG_PROVIDER_APIKEY")
			if err != nil {
				t.Fatal(err)
			}
			if len(set) != len(tt.want) || len(got) != len(tt.want) {
				t.Fatalf("set %v (environment %v), want %v", set, got, tt.want)
			}
			for i, name := range tt.want {
				if set[i] != name || got[name] != "off" {
					t.Errorf("%s: set %v, value %q; want it set to off", name, set, got[name])
				}
			}
		})
	}
}

func TestQuietLogsUnlessAskedSetenvError(t *testing.T) {
	boom := errors.New("boom")
	if _, err := QuietLogsUnlessAsked(nil, func(string, string) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}

// testProvider has one resource whose Read waits for its context to end (or
// returns at once when the prior state's id is "fast").
type testProvider struct{ readDone chan error }

func (p *testProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "t"
}
func (p *testProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}
func (p *testProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (p *testProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
func (p *testProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return &testResource{p: p} }}
}

type testResource struct{ p *testProvider }

func (r *testResource) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "t_r"
}
func (r *testResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{"id": schema.StringAttribute{Required: true}}}
}
func (r *testResource) Create(context.Context, resource.CreateRequest, *resource.CreateResponse) {}
func (r *testResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {}
func (r *testResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
func (r *testResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var id string
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, pathID, &id)...)
	if id == "fast" {
		return
	}
	select {
	case <-ctx.Done():
		r.p.readDone <- ctx.Err()
	case <-time.After(10 * time.Second):
		r.p.readDone <- errors.New("not cancelled")
	}
}

var pathID = path.Root("id")

var objType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String}}

func readRequest(t *testing.T, id string) *tfprotov6.ReadResourceRequest {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(objType, tftypes.NewValue(objType, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, id)}))
	if err != nil {
		t.Fatal(err)
	}
	return &tfprotov6.ReadResourceRequest{TypeName: "t_r", CurrentState: &dv}
}

func newServers(p *testProvider) (framework Full, wrapped Full) {
	framework = providerserver.NewProtocol6(p)().(Full)
	return framework, Wrap(providerserver.NewProtocol6(p)().(Full))
}

type ballastKey struct{}

// retainedPerCall runs calls ReadResource requests, each under its own
// request context carrying 64 KiB that is cancelled when the call returns,
// as gRPC does, and returns the live heap growth per call after a collection.
func retainedPerCall(t *testing.T, srv Full, calls int) float64 {
	t.Helper()
	req := readRequest(t, "fast")
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for range calls {
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ballastKey{}, make([]byte, 64<<10)))
		resp, err := srv.ReadResource(ctx, req)
		cancel()
		if err != nil || len(resp.Diagnostics) > 0 {
			t.Fatalf("ReadResource: %v %v", err, resp.Diagnostics)
		}
	}
	after := heap()
	runtime.KeepAlive(srv)
	return (float64(after) - float64(before)) / float64(calls)
}

// TestWrapReleasesRequestContexts shows the framework keeping every request
// context (with what it carries) and the wrapper keeping almost nothing.
func TestWrapReleasesRequestContexts(t *testing.T) {
	framework, wrapped := newServers(&testProvider{})
	const calls = 300
	fw := retainedPerCall(t, framework, calls)
	wr := retainedPerCall(t, wrapped, calls)
	t.Logf("live heap growth per call: framework %.0f B, wrapped %.0f B", fw, wr)
	if fw < 60<<10 {
		t.Fatalf("the framework alone retained %.0f B per call; this test no longer shows the leak it guards against", fw)
	}
	if wr > 1<<10 {
		t.Errorf("wrapped server retained %.0f B per call, want under 1 KiB", wr)
	}
}

// TestWrapKeepsCancellation: the framework's context still ends when the
// request's context does, and when StopProvider is called mid-request.
func TestWrapKeepsCancellation(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc, srv Full)
	}{
		{name: "request cancelled", stop: func(cancel context.CancelFunc, _ Full) { cancel() }},
		{name: "StopProvider", stop: func(_ context.CancelFunc, srv Full) {
			if _, err := srv.StopProvider(context.Background(), &tfprotov6.StopProviderRequest{}); err != nil {
				panic(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &testProvider{readDone: make(chan error, 1)}
			_, srv := newServers(p)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			returned := make(chan struct{})
			go func() {
				defer close(returned)
				_, _ = srv.ReadResource(ctx, readRequest(t, "slow"))
			}()
			time.Sleep(50 * time.Millisecond)
			tt.stop(cancel, srv)
			if err := <-p.readDone; !errors.Is(err, context.Canceled) {
				t.Fatalf("Read saw %v, want context.Canceled", err)
			}
			<-returned
		})
	}
}

type valueKey struct{}

func TestReleasableContext(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), valueKey{}, "v"))
	rc := newReleasableContext(parent)
	child, childCancel := context.WithCancel(rc)
	defer childCancel()
	if child.Value(valueKey{}) != "v" || rc.Err() != nil {
		t.Fatalf("before release: value %v, err %v", child.Value(valueKey{}), rc.Err())
	}
	rc.release()
	if child.Value(valueKey{}) != nil {
		t.Error("value still reachable after release")
	}
	if rc.Err() != nil {
		t.Errorf("err before the parent ended = %v", rc.Err())
	}
	cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("child not cancelled with the parent after release")
	}
	if !errors.Is(rc.Err(), context.Canceled) {
		t.Errorf("err after the parent ended = %v", rc.Err())
	}
	if _, ok := rc.Deadline(); ok {
		t.Error("deadline after release")
	}
}

func TestProviderLogVariable(t *testing.T) {
	tests := []struct{ address, want string }{
		{"registry.terraform.io/apikey-provider/apikey", "TF_LOG_PROVIDER_APIKEY"},
		{"registry.opentofu.org/acme/my-thing", "TF_LOG_PROVIDER_MY_THING"},
		{"example.com/x/y_z", "TF_LOG_PROVIDER_Y_Z"},
	}
	for _, tt := range tests {
		if got := ProviderLogVariable(tt.address); got != tt.want {
			t.Errorf("ProviderLogVariable(%q) = %q, want %q", tt.address, got, tt.want)
		}
	}
}
