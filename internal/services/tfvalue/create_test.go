package tfvalue

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The differential test of CreateResource: a resource whose Create does each of the things the
// framework reacts to (values it compares for semantic equality, no state, no identity, errors,
// warnings, a failing Configure) is applied through the framework's protocol server and through
// CreateResource, and the answers must be the same.

type toyModel struct {
	ID   types.String      `tfsdk:"id"`
	Name types.String      `tfsdk:"name"`
	Meta JSONValue         `tfsdk:"meta"`
	At   timetypes.RFC3339 `tfsdk:"at"`
	Tags types.Set         `tfsdk:"tags"`
}

type toyIdentity struct {
	ID types.String `tfsdk:"id"`
}

var toySchema = rschema.Schema{Attributes: map[string]rschema.Attribute{
	"id":   rschema.StringAttribute{Computed: true},
	"name": rschema.StringAttribute{Optional: true},
	"meta": rschema.StringAttribute{Optional: true, CustomType: JSONType{}},
	"at":   rschema.StringAttribute{Optional: true, Computed: true, CustomType: timetypes.RFC3339Type{}},
	"tags": rschema.SetAttribute{Optional: true, ElementType: types.StringType},
}}

var toyIdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
	"id": identityschema.StringAttribute{RequiredForImport: true},
}}

// toy is the resource; mode says what its Create does.
type toy struct{ mode string }

func (r *toy) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "toy_thing"
}
func (r *toy) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = toySchema
}
func (r *toy) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = toyIdentitySchema
}
func (r *toy) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == "refuse" {
		resp.Diagnostics.AddError("Refused", "the provider data says no")
	}
}
func (r *toy) ImportState(context.Context, resource.ImportStateRequest, *resource.ImportStateResponse) {
}
func (r *toy) Read(context.Context, resource.ReadRequest, *resource.ReadResponse)       {}
func (r *toy) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {}
func (r *toy) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func (r *toy) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m toyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue("t_1")
	if m.At.IsUnknown() {
		m.At = timetypes.NewRFC3339ValueMust("2030-01-01T00:00:00Z")
	}
	switch r.mode {
	case "respell":
		m.Meta = JSONString(`{"b":[1,2],"a":1}`)
		m.At = timetypes.NewRFC3339ValueMust("2030-01-01T00:00:00.000Z")
	case "change":
		m.Meta = JSONString(`{"a":2}`)
		m.At = timetypes.NewRFC3339ValueMust("2031-01-01T00:00:00Z")
	case "no state":
		return
	case "error, no state":
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Failed", "nothing was made")
		return
	case "error, partial state":
		resp.Diagnostics.AddError("Failed", "made, then failed")
	case "warning":
		resp.Diagnostics.AddAttributeWarning(path.Root("tags").AtSetValue(types.StringValue("x")), "Careful", "a warning on a set element")
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	if r.mode != "no identity" {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, &toyIdentity{ID: m.ID})...)
	}
}

type toyProvider struct {
	mode string
	data any
}

func (p *toyProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "toy"
}
func (p *toyProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = pschema.Schema{}
}
func (p *toyProvider) Configure(_ context.Context, _ provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	resp.ResourceData = p.data
}
func (p *toyProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return &toy{mode: p.mode} }}
}
func (p *toyProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

func TestCreateResourceMatchesFramework(t *testing.T) {
	ctx := context.Background()
	typ := toySchema.Type().TerraformType(ctx)
	idType := toyIdentitySchema.Type().TerraformType(ctx)
	obj := func(meta, at any) tftypes.Value {
		str := func(v any) tftypes.Value {
			if u, ok := v.(tftypes.Value); ok {
				return u
			}
			return tftypes.NewValue(tftypes.String, v)
		}
		return tftypes.NewValue(typ, map[string]tftypes.Value{
			"id": tftypes.NewValue(tftypes.String, tftypes.UnknownValue), "name": tftypes.NewValue(tftypes.String, "n"),
			"meta": str(meta), "at": str(at),
			"tags": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "x")}),
		})
	}
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	spelled := obj(`{ "a": 1, "b": [1, 2] }`, "2030-01-01T00:00:00Z")
	tests := []struct {
		name, mode string
		data       any
		planned    tftypes.Value
		// settled: the framework's answer holds a planned value Create replaced.
		settled bool
	}{
		{name: "semantically equal values keep the plan's spelling", mode: "respell", planned: spelled, settled: true},
		{name: "changed values", mode: "change", planned: spelled},
		{name: "unknown in the plan", mode: "respell", planned: obj(`{"a":1}`, unknown)},
		{name: "null in the plan", mode: "respell", planned: obj(nil, unknown)},
		{name: "as planned", mode: "", planned: spelled},
		{name: "no state", mode: "no state", planned: spelled},
		{name: "error, no state", mode: "error, no state", planned: spelled},
		{name: "error, partial state", mode: "error, partial state", planned: spelled},
		{name: "no identity", mode: "no identity", planned: spelled},
		{name: "warning on a set element", mode: "warning", planned: spelled},
		{name: "configure fails", mode: "", data: "refuse", planned: spelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !CreateSupported(ctx, toySchema, tt.planned) {
				t.Fatal("CreateSupported refuses the toy's plan")
			}
			config := tt.planned
			p := &toyProvider{mode: tt.mode, data: tt.data}
			fw := providerserver.NewProtocol6(p)()
			if _, err := fw.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: dv(t, tftypes.Object{AttributeTypes: map[string]tftypes.Type{}}, tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{}}, map[string]tftypes.Value{}))}); err != nil {
				t.Fatal(err)
			}
			want, err := fw.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
				TypeName: "toy_thing", PriorState: dv(t, typ, tftypes.NewValue(typ, nil)),
				PlannedState: dv(t, typ, tt.planned), Config: dv(t, typ, config),
				PlannedIdentity: &tfprotov6.ResourceIdentityData{IdentityData: dv(t, idType, tftypes.NewValue(idType, nil))},
			})
			if err != nil {
				t.Fatal(err)
			}
			res := CreateResource(ctx, &toy{mode: tt.mode}, toySchema, toyIdentitySchema, typ, idType, tt.data, tt.planned, config)
			got := &tfprotov6.ApplyResourceChangeResponse{Diagnostics: FrameworkDiagnostics(ctx, res.Diagnostics)}
			if res.State != nil {
				got.NewState = dv(t, typ, *res.State)
			}
			if res.Identity != nil {
				got.NewIdentity = &tfprotov6.ResourceIdentityData{IdentityData: dv(t, idType, *res.Identity)}
			}
			if d := responseDiff(got, want); d != "" {
				t.Fatalf("CreateResource differs from the framework: %s", d)
			}
			if tt.settled {
				// The case must show semantic equality at work: Create's own value is not the answer.
				var m map[string]tftypes.Value
				if v, err := want.NewState.Unmarshal(typ); err != nil || v.As(&m) != nil || !m["meta"].Equal(tftypes.NewValue(tftypes.String, `{ "a": 1, "b": [1, 2] }`)) {
					t.Fatalf("the framework's answer does not keep the planned meta: %v", m["meta"])
				}
			}
		})
	}
}

func dv(t *testing.T, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	d, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &d
}

func responseDiff(a, b *tfprotov6.ApplyResourceChangeResponse) string {
	enc := func(d *tfprotov6.DynamicValue) []byte {
		if d == nil {
			return nil
		}
		return d.MsgPack
	}
	id := func(r *tfprotov6.ApplyResourceChangeResponse) []byte {
		if r.NewIdentity == nil {
			return nil
		}
		return enc(r.NewIdentity.IdentityData)
	}
	switch {
	case (a.NewState == nil) != (b.NewState == nil) || !bytes.Equal(enc(a.NewState), enc(b.NewState)):
		return fmt.Sprintf("state %x vs %x", enc(a.NewState), enc(b.NewState))
	case (a.NewIdentity == nil) != (b.NewIdentity == nil) || !bytes.Equal(id(a), id(b)):
		return fmt.Sprintf("identity %x vs %x", id(a), id(b))
	case !bytes.Equal(a.Private, b.Private):
		return fmt.Sprintf("private %q vs %q", a.Private, b.Private)
	case !reflect.DeepEqual(a.Diagnostics, b.Diagnostics):
		var s string
		for _, d := range append(append([]*tfprotov6.Diagnostic(nil), a.Diagnostics...), b.Diagnostics...) {
			s += fmt.Sprintf("[%s %q %q %v] ", d.Severity, d.Summary, d.Detail, d.Attribute)
		}
		return fmt.Sprintf("diagnostics %d vs %d: %s", len(a.Diagnostics), len(b.Diagnostics), s)
	}
	return ""
}

func TestCreateSupported(t *testing.T) {
	ctx := context.Background()
	typ := toySchema.Type().TerraformType(ctx).(tftypes.Object)
	plain := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		plain[name] = tftypes.NewValue(at, nil)
	}
	withAttr := func(s rschema.Schema, name string, a rschema.Attribute) rschema.Schema {
		attrs := map[string]rschema.Attribute{}
		for k, v := range s.Attributes {
			attrs[k] = v
		}
		attrs[name] = a
		return rschema.Schema{Attributes: attrs}
	}
	tests := []struct {
		name   string
		schema rschema.Schema
		values map[string]tftypes.Value
		want   bool
	}{
		{name: "toy", schema: toySchema, values: plain, want: true},
		{name: "write-only attribute", schema: withAttr(toySchema, "name", rschema.StringAttribute{Optional: true, WriteOnly: true}), values: plain},
		{name: "nested write-only attribute", schema: withAttr(toySchema, "name", rschema.SingleNestedAttribute{Optional: true, Attributes: map[string]rschema.Attribute{
			"x": rschema.StringAttribute{Optional: true, WriteOnly: true}}}), values: with(plain, "name", tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"x": tftypes.String}}, nil))},
		{name: "object with semantic equality inside, null", schema: withAttr(toySchema, "name", rschema.SingleNestedAttribute{Optional: true, Attributes: map[string]rschema.Attribute{
			"m": rschema.StringAttribute{Optional: true, CustomType: JSONType{}}}}), values: with(plain, "name", tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"m": tftypes.String}}, nil)), want: true},
		{name: "object with semantic equality inside, known", schema: withAttr(toySchema, "name", rschema.SingleNestedAttribute{Optional: true, Attributes: map[string]rschema.Attribute{
			"m": rschema.StringAttribute{Optional: true, CustomType: JSONType{}}}}), values: with(plain, "name", tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"m": tftypes.String}}, map[string]tftypes.Value{"m": tftypes.NewValue(tftypes.String, "{}")}))},
		{name: "blocks", schema: rschema.Schema{Attributes: toySchema.Attributes, Blocks: map[string]rschema.Block{"b": rschema.SingleNestedBlock{}}}, values: with(plain, "b", tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{}}, nil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.schema.Type().TerraformType(ctx)
			if got := CreateSupported(ctx, tt.schema, tftypes.NewValue(st, tt.values)); got != tt.want {
				t.Errorf("CreateSupported = %v, want %v", got, tt.want)
			}
		})
	}
}

func with(m map[string]tftypes.Value, name string, v tftypes.Value) map[string]tftypes.Value {
	out := map[string]tftypes.Value{}
	for k, x := range m {
		out[k] = x
	}
	out[name] = v
	return out
}
