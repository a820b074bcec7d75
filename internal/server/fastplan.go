package server

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// PlanShortcuts is implemented by a provider some of whose resources can be planned without the
// framework when nothing changes. Each rule gets the decoded configuration and prior state of a
// PlanResourceChange whose proposed new state equals the prior state, and reports whether the
// framework would plan exactly that prior state (no diagnostics, no replacement, the prior
// identity, no private data). A rule must answer false whenever it is not sure.
type PlanShortcuts interface {
	PlanShortcuts() map[string]func(config, prior tftypes.Value) bool
}

// PrivatePlanShortcuts is PlanShortcuts for resources whose ModifyPlan reads the prior private
// data: each rule also gets the provider's private keys as the framework would hand them to
// ModifyPlan (nil when there are none), and the answer carries the private data on unchanged, as
// the framework does when ModifyPlan writes none. A private data encoding the framework would
// not give back byte for byte is declined before the rule (see providerPrivate). A rule may
// also answer a planned state that differs from the prior one only in its encoding (changed),
// such as a set whose elements ModifyPlan writes in another order: the framework encodes the
// value ModifyPlan sets, so the answer must too.
type PrivatePlanShortcuts interface {
	PrivatePlanShortcuts() map[string]PrivatePlanRule
}

// PrivatePlanRule is one resource type's rule (see PrivatePlanShortcuts): planned is the
// framework's planned state when changed, otherwise the prior state is.
type PrivatePlanRule = func(config, prior tftypes.Value, private map[string][]byte) (planned tftypes.Value, changed, ok bool)

// fastPlanner answers PlanResourceChange for unchanged resources ahead of the framework. The
// framework walks every attribute of such a plan (defaults, unknown marking, every plan
// modifier, the resource's ModifyPlan) to end where it started; for a refresh of thousands of
// unchanged keys that walk is most of the provider's work.
type fastPlanner struct {
	rules   map[string]func(config, prior tftypes.Value) bool
	private map[string]PrivatePlanRule // rules that read private data; they take precedence
	schemas *schemaCache

	answered, declined atomic.Int64
}

// resourceTypes is what the shortcuts need of a resource type's schema.
type resourceTypes struct {
	state    tftypes.Type
	identity tftypes.Type // nil: the resource has no identity
	version  int64
	blocks   bool // the schema has nested blocks
}

// schemaCache holds the resource types the framework reports, read once.
type schemaCache struct {
	once       sync.Once
	resources  map[string]resourceTypes
	metaSchema bool // the provider has a provider_meta schema
}

func (c *schemaCache) load(ctx context.Context, inner Full) *schemaCache {
	c.once.Do(func() {
		c.resources = map[string]resourceTypes{}
		sch, err := call(ctx, &tfprotov6.GetProviderSchemaRequest{}, inner.GetProviderSchema)
		if err != nil || sch == nil || hasError(sch.Diagnostics) {
			return
		}
		ids, err := call(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{}, inner.GetResourceIdentitySchemas)
		if err != nil || ids == nil || hasError(ids.Diagnostics) {
			return
		}
		c.metaSchema = sch.ProviderMeta != nil && sch.ProviderMeta.Block != nil &&
			(len(sch.ProviderMeta.Block.Attributes) > 0 || len(sch.ProviderMeta.Block.BlockTypes) > 0)
		for name, rs := range sch.ResourceSchemas {
			if rs == nil || rs.Block == nil {
				continue
			}
			rt := resourceTypes{state: rs.ValueType(), version: rs.Version, blocks: len(rs.Block.BlockTypes) > 0}
			if is := ids.IdentitySchemas[name]; is != nil {
				attrs := map[string]tftypes.Type{}
				for _, a := range is.IdentityAttributes {
					attrs[a.Name] = a.Type
				}
				rt.identity = tftypes.Object{AttributeTypes: attrs}
			}
			c.resources[name] = rt
		}
	})
	return c
}

func hasError(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

// plan returns the answer for req when it can be given without the framework, or false.
func (f *fastPlanner) plan(ctx context.Context, inner Full, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	rule, ok := f.rules[req.TypeName]
	withPrivate, okPrivate := f.private[req.TypeName]
	if !ok && !okPrivate {
		return nil, false
	}
	eligible := false
	planned := *req.ProposedNewState
	if okPrivate {
		if private, ok := providerPrivate(req.PriorPrivate); ok {
			var value tftypes.Value
			var changed bool
			eligible = f.eligible(ctx, inner, req, func(config, prior tftypes.Value) bool {
				var ok bool
				value, changed, ok = withPrivate(config, prior, private)
				return ok
			})
			if eligible && changed {
				dv, err := tfprotov6.NewDynamicValue(f.schemas.resources[req.TypeName].state, value)
				eligible, planned = err == nil, dv
			}
		}
	} else {
		eligible = len(req.PriorPrivate) == 0 && f.eligible(ctx, inner, req, rule)
	}
	if !eligible {
		f.declined.Add(1)
		return nil, false
	}
	f.answered.Add(1)
	resp := &tfprotov6.PlanResourceChangeResponse{
		PlannedState:    &planned,
		PlannedIdentity: &tfprotov6.ResourceIdentityData{IdentityData: &tfprotov6.DynamicValue{MsgPack: req.PriorIdentity.IdentityData.MsgPack}},
	}
	if len(req.PriorPrivate) > 0 {
		resp.PlannedPrivate = req.PriorPrivate
	}
	return resp, true
}

func (f *fastPlanner) eligible(ctx context.Context, inner Full, req *tfprotov6.PlanResourceChangeRequest, rule func(config, prior tftypes.Value) bool) bool {
	// The cheap tests first: a change, private data or a missing identity sends the plan on.
	prior, proposed, config := req.PriorState, req.ProposedNewState, req.Config
	if prior == nil || proposed == nil || config == nil || len(prior.JSON) > 0 || len(proposed.JSON) > 0 || len(config.JSON) > 0 ||
		len(prior.MsgPack) == 0 || !bytes.Equal(prior.MsgPack, proposed.MsgPack) || len(config.MsgPack) == 0 {
		return false
	}
	if req.PriorIdentity == nil || req.PriorIdentity.IdentityData == nil ||
		len(req.PriorIdentity.IdentityData.MsgPack) == 0 || len(req.PriorIdentity.IdentityData.JSON) > 0 {
		return false
	}
	schemas := f.schemas.load(ctx, inner)
	rt, ok := schemas.resources[req.TypeName]
	if !ok || rt.identity == nil || schemas.metaSchema {
		return false
	}
	typ := rt.state
	// Decoding is what the framework does first; a value it would reject goes to it.
	priorValue, err := prior.Unmarshal(typ)
	if err != nil || priorValue.IsNull() || !priorValue.IsFullyKnown() {
		return false
	}
	configValue, err := config.Unmarshal(typ)
	if err != nil {
		return false
	}
	identity, err := req.PriorIdentity.IdentityData.Unmarshal(rt.identity)
	if err != nil || !identity.IsFullyKnown() {
		return false
	}
	return rule(configValue, priorValue)
}

// FastPlanStats counts the plans answered without the framework and those a rule sent on.
type FastPlanStats struct{ Answered, Declined int64 }

// FastPlanStats reports what the fast path did so far.
func (s *Server) FastPlanStats() FastPlanStats {
	if s.fast == nil {
		return FastPlanStats{}
	}
	return FastPlanStats{Answered: s.fast.answered.Load(), Declined: s.fast.declined.Load()}
}
