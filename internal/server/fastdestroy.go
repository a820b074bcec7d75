package server

import (
	"bytes"
	"context"
	"encoding/json"
	"sync/atomic"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// DestroyShortcuts is implemented by a provider some of whose resources can be destroyed without
// the framework: the plan of the destroy (PlanResourceChange with a null proposed new state) and
// the Delete (ApplyResourceChange with a null planned state). Each rule gets the request's
// decoded prior state.
type DestroyShortcuts interface {
	DestroyPlanShortcuts() map[string]DestroyPlanRule
	DeleteShortcuts() map[string]DeleteRule
}

// DestroyPlanRule reports whether the framework plans the destroy of prior with no diagnostics
// and no change to the private data, having done whatever the resource's plan of a destroy does
// besides; when it answers true it has done that too. It is false whenever it is not sure, and
// has done nothing then.
type DestroyPlanRule = func(ctx context.Context, prior tftypes.Value) bool

// DeleteRule returns the resource's delete of prior, reporting the diagnostics the resource's
// Delete would, or false whenever it is not sure; nothing has run then. A returned delete is run
// and its outcome answered: there is no falling back after it.
type DeleteRule = func(ctx context.Context, prior tftypes.Value) (run func(context.Context) []*tfprotov6.Diagnostic, ok bool)

// fastDestroyer answers the destroy plan and the Delete ahead of the framework. For each the
// framework decodes the prior state into its own types (rebuilding the schema's type on the
// way), walks it for blocks to nullify and encodes every value again, to plan a null state or
// to run the resource's Delete; for a destroy of thousands of keys that is most of the
// provider's work besides the requests.
type fastDestroyer struct {
	plans   map[string]DestroyPlanRule
	deletes map[string]DeleteRule
	schemas *schemaCache
	stop    *stopSignal

	planned, planDeclined   atomic.Int64
	deleted, deleteDeclined atomic.Int64
}

// msgpackNull is the msgpack encoding of a null value.
var msgpackNull = []byte{0xc0}

// isNullMsgpack reports a value sent as msgpack null, the encoding of a null object.
func isNullMsgpack(v *tfprotov6.DynamicValue) bool {
	return v != nil && len(v.JSON) == 0 && bytes.Equal(v.MsgPack, msgpackNull)
}

// isDestroyPlan is the cheap test for a plan of a destroy: a null proposed new state.
func isDestroyPlan(req *tfprotov6.PlanResourceChangeRequest) bool {
	return isNullMsgpack(req.ProposedNewState)
}

// isDelete is the cheap test for a Delete: a null planned state.
func isDelete(req *tfprotov6.ApplyResourceChangeRequest) bool {
	return isNullMsgpack(req.PlannedState)
}

// destroyInputs is what both answers decode from a request the way the framework does.
type destroyInputs struct {
	rt       resourceTypes
	prior    tftypes.Value
	identity *tfprotov6.DynamicValue // the prior identity re-encoded, or a null one when absent
}

// decode decodes the prior state, configuration and identity of a destroy, or reports false
// where the framework would answer with a diagnostic or do anything but destroy.
func (f *fastDestroyer) decode(ctx context.Context, inner Full, typeName string, prior, config *tfprotov6.DynamicValue, id *tfprotov6.ResourceIdentityData) (destroyInputs, bool) {
	var in destroyInputs
	if prior == nil || len(prior.JSON) > 0 || len(prior.MsgPack) == 0 || (config != nil && (len(config.JSON) > 0 || len(config.MsgPack) == 0)) {
		return in, false
	}
	schemas := f.schemas.load(ctx, inner)
	rt, ok := schemas.resources[typeName]
	// The framework nullifies collection blocks while decoding; with none there is nothing to do.
	if !ok || rt.identity == nil || rt.blocks || schemas.metaSchema {
		return in, false
	}
	in.rt = rt
	pv, err := prior.Unmarshal(rt.state)
	// A null prior state is a create to the framework.
	if err != nil || pv.IsNull() || !pv.IsFullyKnown() {
		return in, false
	}
	in.prior = pv
	if config != nil {
		if _, err := config.Unmarshal(rt.state); err != nil {
			return in, false
		}
	}
	// The framework answers the prior identity as it decoded it, a null one when there is none.
	idValue := tftypes.NewValue(rt.identity, nil)
	if id != nil {
		if id.IdentityData == nil || len(id.IdentityData.JSON) > 0 || len(id.IdentityData.MsgPack) == 0 {
			return in, false
		}
		if idValue, err = id.IdentityData.Unmarshal(rt.identity); err != nil {
			return in, false
		}
	}
	dv, err := tfprotov6.NewDynamicValue(rt.identity, idValue)
	if err != nil {
		return in, false
	}
	in.identity = &dv
	return in, true
}

// plan returns the answer for a destroy plan a rule accepts, or false.
func (f *fastDestroyer) plan(ctx context.Context, inner Full, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	rule, ok := f.plans[req.TypeName]
	if !ok {
		return nil, false
	}
	resp, ok := f.tryPlan(ctx, inner, req, rule)
	if !ok {
		f.planDeclined.Add(1)
		return nil, false
	}
	f.planned.Add(1)
	return resp, true
}

func (f *fastDestroyer) tryPlan(ctx context.Context, inner Full, req *tfprotov6.PlanResourceChangeRequest, rule DestroyPlanRule) (*tfprotov6.PlanResourceChangeResponse, bool) {
	in, ok := f.decode(ctx, inner, req.TypeName, req.PriorState, req.Config, req.PriorIdentity)
	if !ok {
		return nil, false
	}
	private, ok := passPrivate(req.PriorPrivate)
	if !ok {
		return nil, false
	}
	planned, err := tfprotov6.NewDynamicValue(in.rt.state, tftypes.NewValue(in.rt.state, nil))
	if err != nil {
		return nil, false
	}
	// Last: once the rule accepts, it has done its side effect and the answer must be given.
	if !rule(ctx, in.prior) {
		return nil, false
	}
	return &tfprotov6.PlanResourceChangeResponse{
		PlannedState:    &planned,
		PlannedIdentity: &tfprotov6.ResourceIdentityData{IdentityData: in.identity},
		PlannedPrivate:  private,
	}, true
}

// passPrivate is the framework's round trip of private data it does not change: decoded as a
// map of JSON values and encoded again, nil when empty. False where the framework reports an
// error or discards the data (values that are not JSON, or data that is not such a map).
func passPrivate(raw []byte) ([]byte, bool) {
	if len(raw) == 0 {
		return nil, true
	}
	var m map[string][]byte
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false
	}
	for _, v := range m {
		if !utf8.Valid(v) || !json.Valid(v) {
			return nil, false
		}
	}
	if len(m) == 0 {
		return nil, true
	}
	out, err := json.Marshal(m)
	return out, err == nil
}

// delete returns the answer for a Delete a rule accepts, or false.
func (f *fastDestroyer) delete(ctx context.Context, inner Full, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, bool) {
	rule, ok := f.deletes[req.TypeName]
	if !ok {
		return nil, false
	}
	resp, ok := f.tryDelete(ctx, inner, req, rule)
	if !ok {
		f.deleteDeclined.Add(1)
		return nil, false
	}
	f.deleted.Add(1)
	return resp, true
}

func (f *fastDestroyer) tryDelete(ctx context.Context, inner Full, req *tfprotov6.ApplyResourceChangeRequest, rule DeleteRule) (*tfprotov6.ApplyResourceChangeResponse, bool) {
	// Private data goes to the framework: the resource's Delete may read it.
	if len(req.PlannedPrivate) > 0 {
		return nil, false
	}
	in, ok := f.decode(ctx, inner, req.TypeName, req.PriorState, req.Config, req.PlannedIdentity)
	if !ok {
		return nil, false
	}
	// What can fail is encoded before anything runs. The prior state, kept after an error, is
	// encoded afterwards, as the framework does: it decoded with this type, so it encodes.
	gone, err := tfprotov6.NewDynamicValue(in.rt.state, tftypes.NewValue(in.rt.state, nil))
	if err != nil {
		return nil, false
	}
	noIdentity, err := tfprotov6.NewDynamicValue(in.rt.identity, tftypes.NewValue(in.rt.identity, nil))
	if err != nil {
		return nil, false
	}
	run, ok := rule(ctx, in.prior)
	if !ok || run == nil {
		return nil, false
	}
	// The framework cancels the contexts of calls in flight on StopProvider; the delete's
	// requests must stop then too.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(f.stop.context(), cancel)()
	diags := run(ctx)
	// As the framework's DeleteResource: an error keeps the prior state and identity, otherwise
	// both are null; the private data (none was sent) is none either way.
	if hasError(diags) {
		kept, err := tfprotov6.NewDynamicValue(in.rt.state, in.prior)
		if err != nil {
			kept = tfprotov6.DynamicValue{MsgPack: req.PriorState.MsgPack}
		}
		return &tfprotov6.ApplyResourceChangeResponse{
			NewState:    &kept,
			NewIdentity: &tfprotov6.ResourceIdentityData{IdentityData: in.identity},
			Diagnostics: diags,
		}, true
	}
	return &tfprotov6.ApplyResourceChangeResponse{
		NewState:    &gone,
		NewIdentity: &tfprotov6.ResourceIdentityData{IdentityData: &noIdentity},
		Diagnostics: diags,
	}, true
}

// FastDestroyStats counts the destroy plans and Deletes answered without the framework and those
// a rule sent on.
type FastDestroyStats struct{ Planned, PlanDeclined, Deleted, DeleteDeclined int64 }

// FastDestroyStats reports what the destroy shortcut did so far.
func (s *Server) FastDestroyStats() FastDestroyStats {
	if s.destroy == nil {
		return FastDestroyStats{}
	}
	d := s.destroy
	return FastDestroyStats{Planned: d.planned.Load(), PlanDeclined: d.planDeclined.Load(), Deleted: d.deleted.Load(), DeleteDeclined: d.deleteDeclined.Load()}
}
