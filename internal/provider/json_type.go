package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// jsonType is a string holding JSON, compared by meaning: whitespace and key order never cause a
// diff. Unlike a type with built-in validation, it leaves checks to attribute validators, whose
// errors name the attribute.
type jsonType struct {
	basetypes.StringType
}

var (
	_ basetypes.StringTypable                    = jsonType{}
	_ basetypes.StringValuableWithSemanticEquals = jsonValue{}
)

func (t jsonType) String() string { return "provider.jsonType" }

func (t jsonType) Equal(o attr.Type) bool {
	_, ok := o.(jsonType)
	return ok
}

func (t jsonType) ValueType(context.Context) attr.Value { return jsonValue{} }

func (t jsonType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return jsonValue{StringValue: in}, nil
}

func (t jsonType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return jsonValue{StringValue: s}, nil
}

// jsonValue is a value of jsonType.
type jsonValue struct {
	basetypes.StringValue
}

func (v jsonValue) Type(context.Context) attr.Type { return jsonType{} }

func (v jsonValue) Equal(o attr.Value) bool {
	other, ok := o.(jsonValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals reports whether both strings decode to the same JSON value.
func (v jsonValue) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := newValuable.(jsonValue)
	if !ok || v.IsNull() || v.IsUnknown() || other.IsNull() || other.IsUnknown() {
		return false, nil
	}
	return sameJSON(v.ValueString(), other.ValueString()), nil
}

func jsonNull() jsonValue { return jsonValue{StringValue: basetypes.NewStringNull()} }

func jsonString(s string) jsonValue { return jsonValue{StringValue: basetypes.NewStringValue(s)} }
