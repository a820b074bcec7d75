package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Decoding a saved state's JSON. tftypes reads JSON token by token and decodes every nested
// value again from its raw bytes at each level, which makes UpgradeResourceState, sent for
// every resource on every plan, the largest cost of a refresh once the other RPCs are answered
// cheaply. stateFromJSON decodes the document once and builds the value from it, following the
// conversions tftypes.ValueFromJSONWithOpts makes (with IgnoreUndefinedAttributes): strings from
// strings, numbers and booleans; numbers from numbers and strings; booleans from booleans and
// "true", "false", "1", "0", 1, 0; attributes the type lacks ignored, those the document lacks
// null. Tuples and dynamic types are not handled. Any error sends the caller to tftypes, so a
// document this rejects is judged, and worded, by tftypes.

var errStateJSON = errors.New("state JSON not handled here")

func stateFromJSON(data []byte, typ tftypes.Type) (tftypes.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return tftypes.Value{}, err
	}
	return fromJSONValue(doc, typ)
}

func fromJSONValue(doc any, typ tftypes.Type) (tftypes.Value, error) {
	if doc == nil {
		return tftypes.NewValue(typ, nil), nil
	}
	switch {
	case typ.Is(tftypes.String):
		switch v := doc.(type) {
		case string:
			return tftypes.NewValue(tftypes.String, v), nil
		case json.Number:
			return tftypes.NewValue(tftypes.String, string(v)), nil
		case bool:
			return tftypes.NewValue(tftypes.String, fmt.Sprint(v)), nil
		}
	case typ.Is(tftypes.Number):
		var s string
		switch v := doc.(type) {
		case json.Number:
			s = string(v)
		case string:
			s = v
		default:
			return tftypes.Value{}, errStateJSON
		}
		f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
		if err != nil {
			return tftypes.Value{}, err
		}
		return tftypes.NewValue(typ, f), nil
	case typ.Is(tftypes.Bool):
		switch v := doc.(type) {
		case bool:
			return tftypes.NewValue(tftypes.Bool, v), nil
		case string:
			switch v {
			case "true", "1":
				return tftypes.NewValue(tftypes.Bool, true), nil
			case "false", "0":
				return tftypes.NewValue(tftypes.Bool, false), nil
			}
		case json.Number:
			switch v {
			case "1":
				return tftypes.NewValue(tftypes.Bool, true), nil
			case "0":
				return tftypes.NewValue(tftypes.Bool, false), nil
			}
		}
	case typ.Is(tftypes.List{}), typ.Is(tftypes.Set{}):
		var elem tftypes.Type
		if l, ok := typ.(tftypes.List); ok {
			elem = l.ElementType
		} else {
			elem = typ.(tftypes.Set).ElementType
		}
		arr, ok := doc.([]any)
		if !ok || elem.Is(tftypes.DynamicPseudoType) {
			return tftypes.Value{}, errStateJSON
		}
		vals := make([]tftypes.Value, 0, len(arr))
		for _, e := range arr {
			v, err := fromJSONValue(e, elem)
			if err != nil {
				return tftypes.Value{}, err
			}
			vals = append(vals, v)
		}
		return tftypes.NewValue(typ, vals), nil
	case typ.Is(tftypes.Map{}):
		elem := typ.(tftypes.Map).ElementType
		obj, ok := doc.(map[string]any)
		if !ok || elem.Is(tftypes.DynamicPseudoType) {
			return tftypes.Value{}, errStateJSON
		}
		vals := make(map[string]tftypes.Value, len(obj))
		for k, e := range obj {
			v, err := fromJSONValue(e, elem)
			if err != nil {
				return tftypes.Value{}, err
			}
			vals[k] = v
		}
		return tftypes.NewValue(typ, vals), nil
	case typ.Is(tftypes.Object{}):
		ot := typ.(tftypes.Object)
		if len(ot.OptionalAttributes) > 0 {
			return tftypes.Value{}, errStateJSON
		}
		obj, ok := doc.(map[string]any)
		if !ok {
			return tftypes.Value{}, errStateJSON
		}
		vals := make(map[string]tftypes.Value, len(ot.AttributeTypes))
		for name, at := range ot.AttributeTypes {
			e, present := obj[name]
			if !present {
				vals[name] = tftypes.NewValue(at, nil)
				continue
			}
			v, err := fromJSONValue(e, at)
			if err != nil {
				return tftypes.Value{}, err
			}
			vals[name] = v
		}
		return tftypes.NewValue(tftypes.Object{AttributeTypes: ot.AttributeTypes}, vals), nil
	}
	return tftypes.Value{}, errStateJSON
}
