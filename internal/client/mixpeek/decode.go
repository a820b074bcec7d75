package mixpeek

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// listKeys are the object members, in order of preference, under which a list of keys is accepted.
// The org-key list envelope is undocumented (a free-form object), so several shapes are tolerated.
var listKeys = []string{"results", "api_keys", "keys", "data"}

// listing is a decoded list response. null is set when the list member was JSON null; total is
// the response's "total" when it has a numeric one.
type listing struct {
	keys  []Key
	null  bool
	total *int64
}

// decodeList parses the list response: a top-level array, or an object with the array under one
// of listKeys. Anything else is an error that names the object's members but never echoes values.
func decodeList(body []byte) ([]Key, error) {
	l, err := decodeListing(body)
	if err != nil {
		return nil, err
	}
	return l.keys, nil
}

func decodeListing(body []byte) (*listing, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("mixpeek: list response shape not recognized: empty body")
	}
	switch trimmed[0] {
	case '[':
		keys, err := decodeKeyArray(trimmed)
		if err != nil {
			return nil, err
		}
		return &listing{keys: keys}, nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &obj); err != nil {
			return nil, fmt.Errorf("mixpeek: list response is not valid JSON: %s", sanitizeJSONError(err))
		}
		var total *int64
		var n int64
		if raw, ok := obj["total"]; ok && json.Unmarshal(raw, &n) == nil {
			total = &n
		}
		for _, k := range listKeys {
			raw, ok := obj[k]
			if !ok {
				continue
			}
			raw = bytes.TrimSpace(raw)
			if bytes.Equal(raw, []byte("null")) {
				return &listing{keys: []Key{}, null: true, total: total}, nil
			}
			if len(raw) > 0 && raw[0] == '[' {
				keys, err := decodeKeyArray(raw)
				if err != nil {
					return nil, err
				}
				return &listing{keys: keys, total: total}, nil
			}
		}
		names := make([]string, 0, len(obj))
		for k := range obj {
			names = append(names, sanitize(k, 40))
		}
		sort.Strings(names)
		if len(names) > 10 {
			names = append(names[:10], "…")
		}
		return nil, fmt.Errorf("mixpeek: list response shape not recognized: object with members [%s], expected an array under one of %s",
			strings.Join(names, ", "), strings.Join(listKeys, ", "))
	default:
		return nil, fmt.Errorf("mixpeek: list response shape not recognized: %s", sanitize(string(trimmed), 40))
	}
}

func decodeKeyArray(raw []byte) ([]Key, error) {
	// One pass over the array in the common case; a listing is decoded once per refresh and
	// once per few writes, and holds every key of the user.
	var keys []Key
	if err := json.Unmarshal(raw, &keys); err == nil && keys != nil {
		return keys, nil
	}
	// The item-by-item pass names the item at fault (and gives a null array its empty list).
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("mixpeek: list response is not valid JSON: %s", sanitizeJSONError(err))
	}
	keys = make([]Key, 0, len(items))
	for i, it := range items {
		var k Key
		if err := json.Unmarshal(it, &k); err != nil {
			return nil, fmt.Errorf("mixpeek: list item %d: %s", i, sanitizeJSONError(err))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// decodeCreated parses a create or rotate response. Rotate's body is loosely typed in some
// published clients, so a CreatedKey nested under "data", "result" or "api_key" is accepted too.
// The plaintext is required: without it the secret would be lost silently.
func decodeCreated(body []byte) (*CreatedKey, error) {
	var ck CreatedKey
	if err := json.Unmarshal(body, &ck); err != nil {
		return nil, fmt.Errorf("mixpeek: decoding key response: %s", sanitizeJSONError(err))
	}
	if ck.Plaintext == "" {
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) == nil {
			for _, k := range []string{"data", "result", "api_key"} {
				var nested CreatedKey
				if raw, ok := obj[k]; ok && json.Unmarshal(raw, &nested) == nil && nested.Plaintext != "" {
					return &nested, nil
				}
			}
		}
		return nil, errors.New("mixpeek: key response carries no plaintext `key`; the key may exist on the server without a recoverable secret")
	}
	return &ck, nil
}

// decodeKey parses an APIKeyModel response (PATCH).
func decodeKey(body []byte) (*Key, error) {
	var k Key
	if err := json.Unmarshal(body, &k); err != nil {
		return nil, fmt.Errorf("mixpeek: decoding key response: %s", sanitizeJSONError(err))
	}
	return &k, nil
}

// sanitizeJSONError keeps encoding/json's message (type and offset) without the raw body, which
// for create/rotate may contain the plaintext.
func sanitizeJSONError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q: cannot decode JSON %s into %s", te.Field, te.Value, te.Type)
	}
	return sanitize(err.Error(), 200)
}
