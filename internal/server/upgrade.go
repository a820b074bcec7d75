package server

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// upgradeCurrent answers UpgradeResourceState for a state saved at the resource schema's current
// version, which Terraform asks for every resource in state on every plan. The framework calls
// no provider code then: it decodes the saved JSON with the schema's type (ignoring attributes
// the schema no longer has) and encodes it again, spending most of that time rebuilding the
// schema's type and walking the value. This does the same decode (stateFromJSON, proven against
// tftypes) and encode with the type read once. Anything else (another version, a flatmap state,
// a state the type cannot decode, a schema with nested blocks, whose null blocks the framework
// rewrites) goes to the framework.
func (s *Server) upgradeCurrent(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, bool) {
	if req.RawState == nil || len(req.RawState.JSON) == 0 || len(req.RawState.Flatmap) > 0 {
		return nil, false
	}
	rt, ok := s.schemas.load(ctx, s.inner).resources[req.TypeName]
	if !ok || rt.blocks || req.Version != rt.version {
		return nil, false
	}
	v, err := stateFromJSON(req.RawState.JSON, rt.state)
	if err != nil {
		// What this decoding does not handle, tftypes (as the framework uses it) decides.
		v, err = req.RawState.UnmarshalWithOpts(rt.state, tfprotov6.UnmarshalOpts{
			ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
		})
		if err != nil {
			return nil, false
		}
	}
	dv, err := tfprotov6.NewDynamicValue(rt.state, v)
	if err != nil {
		return nil, false
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, true
}

// UpgradeStats counts the UpgradeResourceState calls answered without the framework.
func (s *Server) UpgradeStats() int64 { return s.upgraded.Load() }
