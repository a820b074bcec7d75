package unkey

import (
	"bytes"
	"encoding/json"
)

// Nullable is a request field with three states, which keys.updateKey needs to tell "leave
// unchanged" from "clear": unset (the zero value; omitted through the omitzero tag), null, or a
// value. Pointers and omitempty cannot express an explicit null.
type Nullable[T any] struct {
	Value T
	Set   bool // the field is sent
	Null  bool // the field is sent as JSON null
}

// Value returns a Nullable that sends v.
func Value[T any](v T) Nullable[T] {
	return Nullable[T]{Value: v, Set: true}
}

// Null returns a Nullable that sends JSON null.
func Null[T any]() Nullable[T] {
	return Nullable[T]{Set: true, Null: true}
}

// IsZero reports an unset field; encoding/json's omitzero option calls it.
func (n Nullable[T]) IsZero() bool {
	return !n.Set
}

// MarshalJSON emits null or the value. An unset field only reaches here without omitzero and is
// then sent as null too, the closest JSON has to "nothing".
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.Set || n.Null {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// UnmarshalJSON reads null as Null and anything else as a value, so request bodies round-trip
// (tests and servers decode them).
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*n = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = Value(v)
	return nil
}
