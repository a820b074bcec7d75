package unkey

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The create rule is only as good as its reading of the schema: every attribute known, and the
// create defaults the schema declares.
func TestKeyCreateAttrsKnown(t *testing.T) {
	if keyCreateErr != nil {
		t.Fatalf("the key schema has something the create shortcut cannot plan, so it never answers: %v", keyCreateErr)
	}
	tests := []struct {
		name string
		want createAttr
	}{
		{"byte_length", createAttr{whenNull: tftypes.NewValue(tftypes.Number, 16)}},
		{"recoverable", createAttr{whenNull: tftypes.NewValue(tftypes.Bool, false)}},
		{"enabled", createAttr{whenNull: tftypes.NewValue(tftypes.Bool, true)}},
		{"rotation_mode", createAttr{whenNull: tftypes.NewValue(tftypes.String, "replace")}},
		{"expires_at", createAttr{whenNull: tftypes.NewValue(tftypes.String, nil)}},
		{"id", createAttr{computedOnly: true, whenNull: tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}},
		{"name", createAttr{fromProposed: true}},
		{"ratelimits", createAttr{fromProposed: true}},
	}
	for _, tt := range tests {
		got, ok := keyCreateAttrs[tt.name]
		if !ok || got.fromProposed != tt.want.fromProposed || got.computedOnly != tt.want.computedOnly ||
			(!tt.want.fromProposed && !got.whenNull.Equal(tt.want.whenNull)) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if len(keyCreateAttrs) != len(keySchema().Attributes) {
		t.Errorf("%d attributes described, the schema has %d", len(keyCreateAttrs), len(keySchema().Attributes))
	}
}

func TestKeyPlanCreateNeedsConfiguredBackend(t *testing.T) {
	v := tftypes.NewValue(tftypes.Object{}, map[string]tftypes.Value{})
	for _, data := range []any{nil, "not provider data"} {
		if _, ok := KeyPlanCreate(data, v, v); ok {
			t.Errorf("answered with provider data %v", data)
		}
	}
}
