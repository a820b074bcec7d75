package tfvalue

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// JSONType is a string holding JSON, compared by meaning: whitespace and key order never cause a
// diff. Unlike a type with built-in validation, it leaves checks to attribute validators, whose
// errors name the attribute.
type JSONType struct {
	basetypes.StringType
}

var (
	_ basetypes.StringTypable                    = JSONType{}
	_ basetypes.StringValuableWithSemanticEquals = JSONValue{}
)

func (t JSONType) String() string { return "tfvalue.JSONType" }

func (t JSONType) Equal(o attr.Type) bool {
	_, ok := o.(JSONType)
	return ok
}

func (t JSONType) ValueType(context.Context) attr.Value { return JSONValue{} }

func (t JSONType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return JSONValue{StringValue: in}, nil
}

func (t JSONType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return JSONValue{StringValue: s}, nil
}

// JSONValue is a value of JSONType.
type JSONValue struct {
	basetypes.StringValue
}

func (v JSONValue) Type(context.Context) attr.Type { return JSONType{} }

func (v JSONValue) Equal(o attr.Value) bool {
	other, ok := o.(JSONValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals reports whether both strings decode to the same JSON value.
func (v JSONValue) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := newValuable.(JSONValue)
	if !ok || v.IsNull() || v.IsUnknown() || other.IsNull() || other.IsUnknown() {
		return false, nil
	}
	return SameJSON(v.ValueString(), other.ValueString()), nil
}

// JSONNull is a null JSON string.
func JSONNull() JSONValue { return JSONValue{StringValue: basetypes.NewStringNull()} }

// JSONString wraps a JSON document.
func JSONString(s string) JSONValue { return JSONValue{StringValue: basetypes.NewStringValue(s)} }

// JSONOrNull is raw as a JSON string, or null when the API sent nothing (or JSON null).
func JSONOrNull(raw json.RawMessage) JSONValue {
	if len(raw) == 0 || string(raw) == "null" {
		return JSONNull()
	}
	return JSONString(string(raw))
}

// SameJSON reports whether a and b are JSON documents with the same meaning.
func SameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// IsEmptyJSONObject reports whether v holds "{}" in any spelling.
func IsEmptyJSONObject(v JSONValue) bool {
	if v.IsNull() || v.IsUnknown() {
		return false
	}
	var m map[string]any
	return json.Unmarshal([]byte(v.ValueString()), &m) == nil && len(m) == 0
}
