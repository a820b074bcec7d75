package server

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// ReadShortcuts is implemented by a provider some of whose resources can be refreshed without the
// framework. Each rule gets the decoded prior state and identity of a ReadResource sent without
// private data, reads the object itself, and reports whether it knows the framework's answer
// exactly: then ok, and the new state is next (changed) or the prior state (not changed), with
// the prior identity, no diagnostics and no private data. A rule must answer !ok whenever it is
// not sure.
type ReadShortcuts interface {
	ReadShortcuts() map[string]ReadRule
}

// ReadRule is one resource type's rule (see ReadShortcuts).
type ReadRule = func(ctx context.Context, prior, identity tftypes.Value) (next tftypes.Value, changed, ok bool)

// PrivateReadShortcuts is ReadShortcuts for resources whose Read may be sent private data: each
// rule also gets the provider's private keys as the framework would hand them to Read (nil when
// there are none), and the answer carries the private data on unchanged, as the framework does
// when Read writes none. A private data encoding the framework would not give back byte for byte
// is declined before the rule (see providerPrivate).
type PrivateReadShortcuts interface {
	PrivateReadShortcuts() map[string]PrivateReadRule
}

// PrivateReadRule is one resource type's rule (see PrivateReadShortcuts).
type PrivateReadRule = func(ctx context.Context, prior, identity tftypes.Value, private map[string][]byte) (next tftypes.Value, changed, ok bool)

// fastReader answers ReadResource ahead of the framework where a rule knows its answer. For each
// Read the framework decodes the state, reflects it into the model and back (re-reading the
// model's struct tags each time), checks semantic equality and write-only attributes over every
// attribute, and encodes it again; for a refresh of thousands of keys that is about half the
// provider's work.
type fastReader struct {
	rules   map[string]ReadRule
	private map[string]PrivateReadRule // rules that accept private data; they take precedence
	schemas *schemaCache
	stop    *stopSignal

	answered, declined atomic.Int64
}

// read returns the answer for req when it can be given without the framework, or false. A
// declined Read has cost the rule's read of the object; the framework then reads it again.
func (f *fastReader) read(ctx context.Context, inner Full, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool) {
	rule, ok := f.rules[req.TypeName]
	withPrivate, okPrivate := f.private[req.TypeName]
	if okPrivate {
		private, ok := providerPrivate(req.Private)
		if !ok {
			return nil, false
		}
		rule = func(ctx context.Context, prior, identity tftypes.Value) (tftypes.Value, bool, bool) {
			return withPrivate(ctx, prior, identity, private)
		}
	} else if !ok || len(req.Private) > 0 {
		return nil, false
	}
	st, id := req.CurrentState, req.CurrentIdentity
	if st == nil || len(st.MsgPack) == 0 || len(st.JSON) > 0 ||
		id == nil || id.IdentityData == nil || len(id.IdentityData.MsgPack) == 0 || len(id.IdentityData.JSON) > 0 {
		return nil, false
	}
	schemas := f.schemas.load(ctx, inner)
	rt, ok := schemas.resources[req.TypeName]
	if !ok || rt.identity == nil || schemas.metaSchema {
		return nil, false
	}
	prior, err := st.Unmarshal(rt.state)
	if err != nil || prior.IsNull() || !prior.IsFullyKnown() {
		return nil, false
	}
	identity, err := id.IdentityData.Unmarshal(rt.identity)
	if err != nil || !identity.IsFullyKnown() {
		return nil, false
	}
	// The framework cancels the contexts of calls in flight on StopProvider; a rule's request
	// must stop then too.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(f.stop.context(), cancel)()
	next, changed, ok := rule(ctx, prior, identity)
	newState := &tfprotov6.DynamicValue{MsgPack: st.MsgPack}
	if ok && changed {
		dv, err := tfprotov6.NewDynamicValue(rt.state, next)
		ok, newState = err == nil, &dv
	}
	if !ok {
		f.declined.Add(1)
		return nil, false
	}
	f.answered.Add(1)
	resp := &tfprotov6.ReadResourceResponse{
		NewState:    newState,
		NewIdentity: &tfprotov6.ResourceIdentityData{IdentityData: &tfprotov6.DynamicValue{MsgPack: id.IdentityData.MsgPack}},
	}
	if len(req.Private) > 0 {
		resp.Private = req.Private
	}
	return resp, true
}

// stopSignal is cancelled by StopProvider and then renewed, so calls after a stop still run.
type stopSignal struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
}

func newStopSignal() *stopSignal {
	ctx, cancel := context.WithCancel(context.Background())
	return &stopSignal{ctx: ctx, cancel: cancel}
}

func (s *stopSignal) context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

func (s *stopSignal) fire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancel()
	s.ctx, s.cancel = context.WithCancel(context.Background())
}

// FastReadStats counts the Reads answered without the framework and those a rule sent on.
type FastReadStats struct{ Answered, Declined int64 }

// FastReadStats reports what the read shortcut did so far.
func (s *Server) FastReadStats() FastReadStats {
	if s.read == nil {
		return FastReadStats{}
	}
	return FastReadStats{Answered: s.read.answered.Load(), Declined: s.read.declined.Load()}
}
