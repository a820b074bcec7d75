package server

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// stateTestType has every kind stateFromJSON handles, nested.
var stateTestType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"s": tftypes.String, "n": tftypes.Number, "b": tftypes.Bool,
	"l":  tftypes.List{ElementType: tftypes.String},
	"m":  tftypes.Map{ElementType: tftypes.Number},
	"o":  tftypes.Object{AttributeTypes: map[string]tftypes.Type{"x": tftypes.String, "y": tftypes.Bool}},
	"so": tftypes.Set{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{"name": tftypes.String, "limit": tftypes.Number}}},
	"ss": tftypes.Set{ElementType: tftypes.String},
}}

// checkStateJSON fails when stateFromJSON accepts data and tftypes does not, or both accept it
// with different values.
func checkStateJSON(t *testing.T, data []byte) {
	t.Helper()
	got, err := stateFromJSON(data, stateTestType)
	want, werr := tftypes.ValueFromJSONWithOpts(data, stateTestType, tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true})
	switch {
	case err != nil:
		return // the caller asks tftypes then
	case werr != nil:
		t.Fatalf("%q: accepted, but tftypes says %v", data, werr)
	case !got.Equal(want):
		t.Fatalf("%q:\n got %v\nwant %v", data, got, want)
	}
}

var stateJSONCorpus = []string{
	`{}`, `null`, `{"s":"a","n":1,"b":true}`, `{"s":1.50,"n":"2e3","b":"1"}`, `{"s":true,"b":0,"n":-0}`,
	`{"l":["a","b"],"m":{"k":1,"j":"2"},"o":{"x":"v","y":false},"so":[{"name":"r","limit":10},{"name":"q"}],"ss":["a","a"]}`,
	`{"o":null,"l":null,"so":[],"m":{},"extra":{"deep":[1,2]}}`, `{"n":123456789012345678901234567890.5}`,
	`{"b":"TRUE"}`, `{"b":2}`, `{"s":{}}`, `{"l":"x"}`, `{"n":true}`, `{"s":"a"} trailing`, `{"s":"a","s":"b"}`,
	`[]`, `"x"`, `{"o":{"x":1,"z":2}}`, `{"so":[null]}`, `{"l":[null,"a"]}`, `{"n":"nope"}`, `{"m":{"k":null}}`,
}

func TestStateFromJSONMatchesTftypes(t *testing.T) {
	for _, c := range stateJSONCorpus {
		checkStateJSON(t, []byte(c))
	}
	// It must decode the usual documents itself, or it saves nothing.
	for _, c := range stateJSONCorpus[:8] {
		if _, err := stateFromJSON([]byte(c), stateTestType); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
}

func FuzzStateFromJSONMatchesTftypes(f *testing.F) {
	for _, c := range stateJSONCorpus {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkStateJSON(t, data) })
}
