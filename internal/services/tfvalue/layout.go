package tfvalue

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Layout is what the protocol shortcuts' rules read from a resource's schema, computed once.
type Layout struct {
	AttrTypes map[string]attr.Type // per top-level attribute
	// Plain marks the attributes whose types have no semantic equality: a new value of one is what
	// the framework answers, never the prior value kept in its place.
	Plain  map[string]bool
	Object tftypes.Object // the state type
	Err    error          // the schema's type is not an object
}

// LayoutOnce returns the layout of the schema s returns, computed on first use.
func LayoutOnce(s func() schema.Schema) func() *Layout {
	return sync.OnceValue(func() *Layout {
		sch := s()
		l := &Layout{AttrTypes: map[string]attr.Type{}, Plain: map[string]bool{}}
		for name, a := range sch.GetAttributes() {
			l.AttrTypes[name] = a.GetType()
			l.Plain[name] = PlainType(a.GetType())
		}
		t, ok := sch.Type().TerraformType(context.Background()).(tftypes.Object)
		if !ok {
			l.Err = fmt.Errorf("the schema's type is not an object")
		}
		l.Object = t
		return l
	})
}
