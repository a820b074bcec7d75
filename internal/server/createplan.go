package server

import (
	"context"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// CreatePlanShortcuts is implemented by a provider some of whose creates can be planned without
// the framework. Each rule gets the decoded configuration and proposed new state of a
// PlanResourceChange without prior state, and returns the planned state the framework would
// answer, with no diagnostics, no replacement, no private data and a null identity, or false
// whenever it is not sure.
type CreatePlanShortcuts interface {
	CreatePlanShortcuts() map[string]func(config, proposed tftypes.Value) (tftypes.Value, bool)
}

// createPlanner answers the plans of creates ahead of the framework. For a create the framework
// walks every attribute several times (defaults, unknown marking, each plan modifier, the
// resource's ModifyPlan through reflection) to arrive at a value a rule can compute directly;
// an apply plans each create twice.
type createPlanner struct {
	rules   map[string]func(config, proposed tftypes.Value) (tftypes.Value, bool)
	schemas *schemaCache

	answered, declined atomic.Int64
}

// plan returns the answer for req when it is a create the rule can plan, or false.
func (c *createPlanner) plan(ctx context.Context, inner Full, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	rule, ok := c.rules[req.TypeName]
	if !ok {
		return nil, false
	}
	resp, ok := c.try(ctx, inner, req, rule)
	if !ok {
		c.declined.Add(1)
		return nil, false
	}
	c.answered.Add(1)
	return resp, true
}

func (c *createPlanner) try(ctx context.Context, inner Full, req *tfprotov6.PlanResourceChangeRequest, rule func(config, proposed tftypes.Value) (tftypes.Value, bool)) (*tfprotov6.PlanResourceChangeResponse, bool) {
	prior, proposed, config := req.PriorState, req.ProposedNewState, req.Config
	// A create: prior state null (or absent, which the framework reads as null), something
	// proposed, msgpack only, no private data.
	if proposed == nil || config == nil || len(proposed.JSON) > 0 || len(config.JSON) > 0 ||
		len(proposed.MsgPack) == 0 || len(config.MsgPack) == 0 || len(req.PriorPrivate) > 0 {
		return nil, false
	}
	if prior != nil && (len(prior.JSON) > 0 || len(prior.MsgPack) == 0) {
		return nil, false
	}
	schemas := c.schemas.load(ctx, inner)
	rt, ok := schemas.resources[req.TypeName]
	if !ok || rt.identity == nil || schemas.metaSchema {
		return nil, false
	}
	if prior != nil {
		pv, err := prior.Unmarshal(rt.state)
		if err != nil || !pv.IsNull() {
			return nil, false
		}
	}
	// The framework plans the prior identity, a null one when the request has none.
	if id := req.PriorIdentity; id != nil {
		if id.IdentityData == nil || len(id.IdentityData.JSON) > 0 {
			return nil, false
		}
		iv, err := id.IdentityData.Unmarshal(rt.identity)
		if err != nil || !iv.IsNull() {
			return nil, false
		}
	}
	proposedValue, err := proposed.Unmarshal(rt.state)
	if err != nil || proposedValue.IsNull() {
		return nil, false
	}
	configValue, err := config.Unmarshal(rt.state)
	if err != nil {
		return nil, false
	}
	planned, ok := rule(configValue, proposedValue)
	if !ok {
		return nil, false
	}
	state, err := tfprotov6.NewDynamicValue(rt.state, planned)
	if err != nil {
		return nil, false
	}
	identity, err := tfprotov6.NewDynamicValue(rt.identity, tftypes.NewValue(rt.identity, nil))
	if err != nil {
		return nil, false
	}
	return &tfprotov6.PlanResourceChangeResponse{
		PlannedState:    &state,
		PlannedIdentity: &tfprotov6.ResourceIdentityData{IdentityData: &identity},
	}, true
}

// CreatePlanStats counts the creates planned without the framework and those a rule sent on.
type CreatePlanStats struct{ Answered, Declined int64 }

// CreatePlanStats reports what the create shortcut did so far.
func (s *Server) CreatePlanStats() CreatePlanStats {
	if s.create == nil {
		return CreatePlanStats{}
	}
	return CreatePlanStats{Answered: s.create.answered.Load(), Declined: s.create.declined.Load()}
}

// isCreate is the cheap test that sends a plan to the create shortcut rather than the unchanged
// one: no prior state, or msgpack nil (0xc0), the encoding of a null object.
func isCreate(req *tfprotov6.PlanResourceChangeRequest) bool {
	p := req.PriorState
	return p == nil || (len(p.JSON) == 0 && len(p.MsgPack) == 1 && p.MsgPack[0] == 0xc0)
}
