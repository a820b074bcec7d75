package unkey

import (
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The shortcut's default rule is only as good as this list: every default of the schema, known.
func TestKeyDefaultsKnown(t *testing.T) {
	if keyDefaultsErr != nil {
		t.Fatalf("the key schema has a default the plan shortcut cannot evaluate, so it never answers: %v", keyDefaultsErr)
	}
	want := map[string]tftypes.Value{
		"enabled":          tftypes.NewValue(tftypes.Bool, true),
		"permanent_delete": tftypes.NewValue(tftypes.Bool, false),
		"rotation_mode":    tftypes.NewValue(tftypes.String, "replace"),
		"store_plaintext":  tftypes.NewValue(tftypes.Bool, true),
	}
	var names []string
	for name, v := range keyDefaults {
		names = append(names, name)
		if w, ok := want[name]; !ok || !v.Equal(w) {
			t.Errorf("default of %s = %v, want %v", name, v, w)
		}
	}
	sort.Strings(names)
	if len(names) != len(want) {
		t.Errorf("defaults of %v, want those of %d attributes", names, len(want))
	}
}

func TestKeyPlanUnchangedNeedsConfiguredBackend(t *testing.T) {
	v := tftypes.NewValue(tftypes.Object{}, map[string]tftypes.Value{})
	for _, data := range []any{nil, "not provider data"} {
		if KeyPlanUnchanged(data, v, v) {
			t.Errorf("answered with provider data %v", data)
		}
	}
}
