package tfvalue

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestSameJSON(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1,2]}`, `{ "b": [1, 2], "a": 1 }`, true},
		{`{"a":1}`, `{"a":2}`, false},
		{`{"a":1}`, `not json`, false},
		{`[1,2]`, `[2,1]`, false},
	}
	for _, c := range cases {
		if got := SameJSON(c.a, c.b); got != c.want {
			t.Errorf("SameJSON(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestJSONValueSemanticEquals(t *testing.T) {
	ctx := context.Background()
	eq, _ := JSONString(`{"x":1,"y":2}`).StringSemanticEquals(ctx, JSONString(`{"y":2,"x":1}`))
	if !eq {
		t.Error("reordered object should be semantically equal")
	}
	eq, _ = JSONString(`{"x":1}`).StringSemanticEquals(ctx, JSONNull())
	if eq {
		t.Error("a value and null must not be equal")
	}
	if JSONOrNull(nil).IsNull() != true || JSONOrNull(json.RawMessage("null")).IsNull() != true {
		t.Error("JSONOrNull of nothing or JSON null must be null")
	}
	if !IsEmptyJSONObject(JSONString(" { } ")) || IsEmptyJSONObject(JSONString(`{"a":1}`)) || IsEmptyJSONObject(JSONNull()) {
		t.Error("IsEmptyJSONObject")
	}
	v, err := JSONType{}.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, `{"a":1}`))
	if err != nil || !v.Equal(JSONString(`{"a":1}`)) {
		t.Errorf("ValueFromTerraform = %v, %v", v, err)
	}
}

func TestSetHelpers(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	set := types.SetValueMust(types.StringType, []attr.Value{types.StringValue("b"), types.StringNull(), types.StringValue("a")})
	if got := SetStrings(ctx, set, &diags); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("SetStrings = %v, want sorted [a b] without the null", got)
	}
	if SetStrings(ctx, types.SetNull(types.StringType), &diags) != nil {
		t.Error("a null set has no members")
	}
	if !SameOrNull(types.SetNull(types.StringType), nil).IsNull() {
		t.Error("unset stays unset when the server has none")
	}
	if SameOrNull(types.SetValueMust(types.StringType, nil), nil).IsNull() {
		t.Error("an empty configured set stays empty, not null")
	}
	if got := NonNil[string](nil); got == nil || len(got) != 0 {
		t.Error("NonNil(nil) must be an empty slice")
	}
}

func TestTimes(t *testing.T) {
	if !SameInstant("2030-01-01T05:00:00+05:00", "2030-01-01T00:00:00Z") || SameInstant("2030-01-01T00:00:00Z", "2030-01-01T00:00:01Z") {
		t.Error("SameInstant")
	}
	prior := timetypes.NewRFC3339ValueMust("2030-01-01T05:00:00+05:00")
	if got := KeepSpelling(prior, "2030-01-01T00:00:00Z"); got.ValueString() != prior.ValueString() {
		t.Errorf("KeepSpelling kept %s, want the configured spelling", got.ValueString())
	}
	if got := KeepSpelling(prior, "2031-01-01T00:00:00Z"); got.ValueString() != "2031-01-01T00:00:00Z" {
		t.Errorf("KeepSpelling of another instant = %s", got.ValueString())
	}
	for in, want := range map[string]string{
		"2030-01-01T05:00:00+05:00": "2030-01-01T00:00:00Z",
		"2030-01-01T00:00:00.5":     "2030-01-01T00:00:00.5Z",
		"2030-01-01 00:00:00+00:00": "2030-01-01T00:00:00Z",
		"not a time":                "not a time",
	} {
		s := in
		if got := NormalizedTime(&s).ValueString(); got != want {
			t.Errorf("NormalizedTime(%q) = %q, want %q", in, got, want)
		}
	}
	if !NormalizedTime(nil).IsNull() {
		t.Error("NormalizedTime(nil) must be null")
	}
}

func TestText(t *testing.T) {
	if got := QuoteList([]string{"a", "b", "c"}); got != "`a`, `b` or `c`" {
		t.Errorf("QuoteList = %s", got)
	}
	if got := QuoteList([]string{"a"}); got != "`a`" {
		t.Errorf("QuoteList one = %s", got)
	}
	if FirstNonEmpty("", "x", "y") != "x" || FirstNonEmpty() != "" {
		t.Error("FirstNonEmpty")
	}
	if got := SortedKeys(map[string]int{"b": 1, "a": 2}); got[0] != "a" {
		t.Errorf("SortedKeys = %v", got)
	}
	if Truncate("abcdef", 3) != "abc..." || Truncate("ab", 3) != "ab" {
		t.Error("Truncate")
	}
}

func validateString(v validator.String, value types.String) diag.Diagnostics {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("attr"), ConfigValue: value}, resp)
	return resp.Diagnostics
}

func validateSet(v validator.Set, value types.Set) diag.Diagnostics {
	resp := &validator.SetResponse{}
	v.ValidateSet(context.Background(), validator.SetRequest{Path: path.Root("attr"), ConfigValue: value}, resp)
	return resp.Diagnostics
}

func TestValidators(t *testing.T) {
	d := Duration(time.Second, time.Hour)
	cases := []struct {
		name    string
		diags   diag.Diagnostics
		wantErr bool
	}{
		{"duration ok", validateString(d, types.StringValue("90s")), false},
		{"duration not a duration", validateString(d, types.StringValue("1 day")), true},
		{"duration too long", validateString(d, types.StringValue("2h")), true},
		{"duration null", validateString(d, types.StringNull()), false},
		{"blank", validateString(NotBlank(), types.StringValue(" \t")), true},
		{"not blank", validateString(NotBlank(), types.StringValue("key_1")), false},
		{"null member", validateSet(NoNullElements(), types.SetValueMust(types.StringType, []attr.Value{types.StringNull()})), true},
		{"no null member", validateSet(NoNullElements(), types.SetValueMust(types.StringType, []attr.Value{types.StringValue("a")})), false},
	}
	objType := map[string]attr.Type{"name": types.StringType}
	obj := func(n string) attr.Value {
		return types.ObjectValueMust(objType, map[string]attr.Value{"name": types.StringValue(n)})
	}
	cases = append(cases,
		struct {
			name    string
			diags   diag.Diagnostics
			wantErr bool
		}{"distinct names", validateSet(UniqueNames("name"), types.SetValueMust(types.ObjectType{AttrTypes: objType}, []attr.Value{obj("a"), obj("b")})), false},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.diags.HasError() != c.wantErr {
				t.Errorf("errors = %v, want error %v", c.diags, c.wantErr)
			}
			for _, e := range c.diags.Errors() {
				if !contains(e.Detail(), "attr") {
					t.Errorf("error %q does not name the attribute", e.Detail())
				}
			}
		})
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0))
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestKeepEquivalent(t *testing.T) {
	cases := []struct {
		name      string
		m         planmodifier.String
		cfg, st   string
		wantState bool
	}{
		{"json reordered", KeepEquivalentJSON, `{"b":1,"a":2}`, `{"a":2,"b":1}`, true},
		{"json changed", KeepEquivalentJSON, `{"a":3}`, `{"a":2}`, false},
		{"time other offset", KeepEquivalentTime, "2030-01-01T05:00:00+05:00", "2030-01-01T00:00:00Z", true},
		{"time changed", KeepEquivalentTime, "2030-01-02T00:00:00Z", "2030-01-01T00:00:00Z", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := planmodifier.StringRequest{ConfigValue: types.StringValue(c.cfg), StateValue: types.StringValue(c.st), PlanValue: types.StringValue(c.cfg)}
			resp := &planmodifier.StringResponse{PlanValue: req.PlanValue}
			c.m.PlanModifyString(context.Background(), req, resp)
			if got := resp.PlanValue.ValueString() == c.st; got != c.wantState {
				t.Errorf("plan = %s, want state kept %v", resp.PlanValue, c.wantState)
			}
		})
	}
}

func TestNullUnknowns(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"a": tftypes.String, "b": tftypes.String}}
	v := tftypes.NewValue(typ, map[string]tftypes.Value{"a": tftypes.NewValue(tftypes.String, "x"), "b": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)})
	out := NullUnknowns(v)
	if !out.IsFullyKnown() {
		t.Fatalf("NullUnknowns left an unknown: %v", out)
	}
	var m map[string]tftypes.Value
	if err := out.As(&m); err != nil || !m["b"].IsNull() || m["a"].IsNull() {
		t.Errorf("NullUnknowns = %v", out)
	}
}

func TestTopLevelDefaults(t *testing.T) {
	ctx := context.Background()
	got, err := TopLevelDefaults(ctx, rschema.Schema{Attributes: map[string]rschema.Attribute{
		"b": rschema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true)},
		"s": rschema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("x")},
		"n": rschema.StringAttribute{Optional: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["b"].Equal(tftypes.NewValue(tftypes.Bool, true)) || !got["s"].Equal(tftypes.NewValue(tftypes.String, "x")) {
		t.Errorf("got %v", got)
	}
	_, err = TopLevelDefaults(ctx, rschema.Schema{Attributes: map[string]rschema.Attribute{
		"o": rschema.SingleNestedAttribute{Optional: true, Attributes: map[string]rschema.Attribute{
			"b": rschema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true)},
		}},
	}})
	if err == nil {
		t.Error("a nested default was not refused")
	}
	// Collections of primitives inside a nested object: refused only when they declare a default.
	nested := func(a rschema.Attribute) rschema.Schema {
		return rschema.Schema{Attributes: map[string]rschema.Attribute{
			"o": rschema.SetNestedAttribute{Optional: true, NestedObject: rschema.NestedAttributeObject{Attributes: map[string]rschema.Attribute{"c": a}}},
		}}
	}
	for name, tc := range map[string]struct {
		attr    rschema.Attribute
		refused bool
	}{
		"set":              {rschema.SetAttribute{Optional: true, ElementType: types.StringType}, false},
		"list":             {rschema.ListAttribute{Optional: true, ElementType: types.StringType}, false},
		"map":              {rschema.MapAttribute{Optional: true, ElementType: types.StringType}, false},
		"set with default": {rschema.SetAttribute{Optional: true, Computed: true, ElementType: types.StringType, Default: setdefault.StaticValue(types.SetValueMust(types.StringType, nil))}, true},
	} {
		if _, err := TopLevelDefaults(ctx, nested(tc.attr)); (err != nil) != tc.refused {
			t.Errorf("%s: err = %v, want refused %v", name, err, tc.refused)
		}
	}
}
