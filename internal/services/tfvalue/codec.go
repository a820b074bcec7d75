package tfvalue

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Decoding an object value into a model struct without the framework's reflection. The framework
// re-reads a model's struct tags (compiling a regular expression per field) on every Get; a
// protocol-level shortcut that reads thousands of states per refresh pays that per key. Decode
// computes the field layout once per struct type and builds each field with its schema type's
// ValueFromTerraform, as the framework does. It handles what models here use: fields whose type
// is an attr.Value, and embedded structs of such fields.

// codecField is one tagged field: its index path in the struct and its attribute name.
type codecField struct {
	index []int
	name  string
}

var codecLayouts sync.Map // reflect.Type -> []codecField or error

func layoutOf(t reflect.Type) ([]codecField, error) {
	if l, ok := codecLayouts.Load(t); ok {
		if err, bad := l.(error); bad {
			return nil, err
		}
		return l.([]codecField), nil
	}
	fields, err := buildLayout(t, nil)
	if err != nil {
		codecLayouts.Store(t, err)
		return nil, err
	}
	codecLayouts.Store(t, fields)
	return fields, nil
}

var attrValueType = reflect.TypeFor[attr.Value]()

func buildLayout(t reflect.Type, prefix []int) ([]codecField, error) {
	var out []codecField
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		tag, tagged := f.Tag.Lookup("tfsdk")
		if f.Anonymous && !tagged && f.Type.Kind() == reflect.Struct {
			inner, err := buildLayout(f.Type, index)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		}
		if tag == "-" {
			continue
		}
		if !tagged || tag == "" || !f.IsExported() {
			return nil, fmt.Errorf("%s.%s: no tfsdk tag", t, f.Name)
		}
		if !f.Type.Implements(attrValueType) {
			return nil, fmt.Errorf("%s.%s: %s is not an attr.Value", t, f.Name, f.Type)
		}
		out = append(out, codecField{index: index, name: tag})
	}
	return out, nil
}

// Decode sets the fields of *target from the object value v, each built by its attribute's type
// in types. Every attribute of v must have exactly one field and every field an attribute, as the
// framework requires.
func Decode(ctx context.Context, v tftypes.Value, types map[string]attr.Type, target any) error {
	rv := reflect.ValueOf(target)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("decode target must point to a struct, not %T", target)
	}
	fields, err := layoutOf(rv.Elem().Type())
	if err != nil {
		return err
	}
	var values map[string]tftypes.Value
	if err := v.As(&values); err != nil {
		return err
	}
	if len(values) != len(fields) {
		return fmt.Errorf("value has %d attributes, model %d fields", len(values), len(fields))
	}
	for _, f := range fields {
		raw, ok := values[f.name]
		if !ok {
			return fmt.Errorf("value has no attribute %q", f.name)
		}
		typ, ok := types[f.name]
		if !ok {
			return fmt.Errorf("schema has no attribute %q", f.name)
		}
		val, err := typ.ValueFromTerraform(ctx, raw)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if err := ownValidation(ctx, f.name, val); err != nil {
			return err
		}
		field := rv.Elem().FieldByIndex(f.index)
		got := reflect.ValueOf(val)
		if !got.Type().AssignableTo(field.Type()) {
			return fmt.Errorf("%s: type %s builds %s, the field is %s", f.name, typ, got.Type(), field.Type())
		}
		field.Set(got)
	}
	return nil
}

// SameFields reports whether two models of the same struct type hold equal values (attr.Value
// Equal) in every tagged field. It is false when the type has a layout Decode cannot handle.
func SameFields(a, b any) bool {
	names, ok := DifferingFields(a, b)
	return ok && len(names) == 0
}

// Encode is Decode's inverse: the object value of typ that the tagged fields of source hold.
func Encode(ctx context.Context, typ tftypes.Object, source any) (tftypes.Value, error) {
	rv := reflect.ValueOf(source)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return tftypes.Value{}, fmt.Errorf("encode source must be a struct, not %T", source)
	}
	fields, err := layoutOf(rv.Type())
	if err != nil {
		return tftypes.Value{}, err
	}
	if len(fields) != len(typ.AttributeTypes) {
		return tftypes.Value{}, fmt.Errorf("model has %d fields, type %d attributes", len(fields), len(typ.AttributeTypes))
	}
	values := make(map[string]tftypes.Value, len(fields))
	for _, f := range fields {
		field := rv.FieldByIndex(f.index).Interface().(attr.Value)
		if err := ownValidation(ctx, f.name, field); err != nil {
			return tftypes.Value{}, err
		}
		v, err := field.ToTerraformValue(ctx)
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("%s: %w", f.name, err)
		}
		values[f.name] = v
	}
	if err := tftypes.ValidateValue(typ, values); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(typ, values), nil
}

// DifferingFields names the tagged fields in which two models of the same struct type differ
// (attr.Value Equal); ok is false when the type has a layout Decode cannot handle.
func DifferingFields(a, b any) (names []string, ok bool) {
	ra, rb := reflect.ValueOf(a), reflect.ValueOf(b)
	if ra.Kind() == reflect.Pointer {
		ra, rb = ra.Elem(), rb.Elem()
	}
	if ra.Type() != rb.Type() || ra.Kind() != reflect.Struct {
		return nil, false
	}
	fields, err := layoutOf(ra.Type())
	if err != nil {
		return nil, false
	}
	for _, f := range fields {
		va := ra.FieldByIndex(f.index).Interface().(attr.Value)
		vb := rb.FieldByIndex(f.index).Interface().(attr.Value)
		if !va.Equal(vb) {
			names = append(names, f.name)
		}
	}
	return names, true
}

// PlainType reports whether t is built only from the framework's base types (strings, numbers,
// bools and collections and objects of them): values of such a type have no semantic equality,
// so the framework keeps a new value as it is, never the prior one in its place.
func PlainType(t attr.Type) bool {
	switch t := t.(type) {
	case basetypes.StringType, basetypes.Int64Type, basetypes.Int32Type, basetypes.BoolType,
		basetypes.Float64Type, basetypes.Float32Type, basetypes.NumberType:
		return true
	case basetypes.SetType:
		return PlainType(t.ElemType)
	case basetypes.ListType:
		return PlainType(t.ElemType)
	case basetypes.MapType:
		return PlainType(t.ElemType)
	case basetypes.ObjectType:
		for _, at := range t.AttrTypes {
			if !PlainType(at) {
				return false
			}
		}
		return true
	}
	return false
}

// ownValidation runs the value's own validation (a custom type's ValidateAttribute), as the
// framework's reflection does on every Get and Set; any diagnostic is an error here, so the
// caller lets the framework report it.
func ownValidation(ctx context.Context, name string, v attr.Value) error {
	va, ok := v.(xattr.ValidateableAttribute)
	if !ok {
		return nil
	}
	resp := xattr.ValidateAttributeResponse{}
	va.ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root(name)}, &resp)
	if len(resp.Diagnostics) > 0 {
		return fmt.Errorf("%s: the value's own validation reports %d diagnostics", name, len(resp.Diagnostics))
	}
	return nil
}

// GetModel reads the object value raw into *m with Decode, or, when Decode cannot, with get (the
// framework's Plan, State or Config Get), which then reports why.
func GetModel(ctx context.Context, raw tftypes.Value, types map[string]attr.Type, get func(context.Context, any) diag.Diagnostics, m any) diag.Diagnostics {
	if err := Decode(ctx, raw, types, m); err == nil {
		return nil
	}
	return get(ctx, m)
}

// SetModel writes m with Encode through set (the framework's Plan or State Set, which takes a
// value of its type as it is), or, when Encode cannot, has set reflect m itself.
func SetModel(ctx context.Context, typ tftypes.Object, set func(context.Context, any) diag.Diagnostics, m any) diag.Diagnostics {
	if v, err := Encode(ctx, typ, m); err == nil {
		return set(ctx, v)
	}
	return set(ctx, m)
}
