package server

import (
	"context"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// CreateApplyShortcuts is implemented by a provider some of whose creates can be applied without
// the framework.
type CreateApplyShortcuts interface {
	CreateApplyShortcuts() map[string]CreateApplyRule
}

// CreateApplyRule is one resource type's rule. It gets the decoded planned state and
// configuration of an ApplyResourceChange that creates (prior state null, planned identity null
// or absent, no private data) and returns the create to run when it can give the framework's
// exact answer; ok false means nothing was done and the framework gets the request. The create,
// once returned, must be run, and its answer is the response: the new state and identity as the
// framework would send them (nil when it sends none) and the framework's diagnostics. The
// response carries no private data.
type CreateApplyRule = func(ctx context.Context, planned, config tftypes.Value) (create func(ctx context.Context) (state, identity *tftypes.Value, diags []*tfprotov6.Diagnostic), ok bool)

// fastCreator applies creates ahead of the framework. Around a resource's Create the framework
// decodes the request with walks of the whole schema, compares every attribute of the new state
// with the plan through schema lookups that rebuild the attribute map each time, and walks the
// state twice more before encoding it; for a schema of about forty attributes that costs more
// than the create itself.
type fastCreator struct {
	rules   map[string]CreateApplyRule
	schemas *schemaCache
	stop    *stopSignal

	answered, declined atomic.Int64
}

// apply returns the answer for req when a rule applies the create, or false, and then nothing
// was done.
func (f *fastCreator) apply(ctx context.Context, inner Full, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, bool) {
	rule, ok := f.rules[req.TypeName]
	if !ok {
		return nil, false
	}
	planned, config, ok := f.decode(ctx, inner, req)
	var create func(context.Context) (*tftypes.Value, *tftypes.Value, []*tfprotov6.Diagnostic)
	if ok {
		create, ok = rule(ctx, planned, config)
	}
	if !ok {
		f.declined.Add(1)
		return nil, false
	}
	rt := f.schemas.resources[req.TypeName]
	// The framework cancels the contexts of calls in flight on StopProvider; so does this.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(f.stop.context(), cancel)()
	state, identity, diags := create(ctx)
	f.answered.Add(1)
	resp := &tfprotov6.ApplyResourceChangeResponse{Diagnostics: diags}
	if state != nil {
		dv, err := tfprotov6.NewDynamicValue(rt.state, *state)
		if err != nil {
			resp.Diagnostics = append(resp.Diagnostics, conversionError("State", "state", err))
		} else {
			resp.NewState = &dv
		}
	}
	if identity != nil {
		dv, err := tfprotov6.NewDynamicValue(rt.identity, *identity)
		if err != nil {
			resp.Diagnostics = append(resp.Diagnostics, conversionError("Resource Identity", "resource identity", err))
		} else {
			resp.NewIdentity = &tfprotov6.ResourceIdentityData{IdentityData: &dv}
		}
	}
	return resp, true
}

// decode returns the planned state and configuration of req when it is a create the shortcut
// may take: msgpack values only, no prior state, no private data, no planned identity, a
// resource with an identity and without blocks, and no provider_meta schema.
func (f *fastCreator) decode(ctx context.Context, inner Full, req *tfprotov6.ApplyResourceChangeRequest) (planned, config tftypes.Value, ok bool) {
	pl, cf := req.PlannedState, req.Config
	if pl == nil || cf == nil || len(pl.JSON) > 0 || len(cf.JSON) > 0 || len(pl.MsgPack) == 0 || len(cf.MsgPack) == 0 ||
		len(req.PlannedPrivate) > 0 || !nullMsgPack(req.PriorState) {
		return planned, config, false
	}
	schemas := f.schemas.load(ctx, inner)
	rt, ok := schemas.resources[req.TypeName]
	if !ok || rt.identity == nil || rt.blocks || schemas.metaSchema {
		return planned, config, false
	}
	if id := req.PlannedIdentity; id != nil && id.IdentityData != nil {
		if len(id.IdentityData.JSON) > 0 || len(id.IdentityData.MsgPack) == 0 {
			return planned, config, false
		}
		iv, err := id.IdentityData.Unmarshal(rt.identity)
		if err != nil || !iv.IsNull() {
			return planned, config, false
		}
	}
	planned, err := pl.Unmarshal(rt.state)
	if err != nil || planned.IsNull() {
		return planned, config, false
	}
	config, err = cf.Unmarshal(rt.state)
	if err != nil {
		return planned, config, false
	}
	return planned, config, true
}

// nullMsgPack: no value, or msgpack nil (0xc0), the encoding of a null object.
func nullMsgPack(v *tfprotov6.DynamicValue) bool {
	return v == nil || (len(v.JSON) == 0 && len(v.MsgPack) == 1 && v.MsgPack[0] == 0xc0)
}

// conversionError is the framework's diagnostic for a value it cannot encode for the protocol.
func conversionError(title, what string, err error) *tfprotov6.Diagnostic {
	return &tfprotov6.Diagnostic{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "Unable to Convert " + title,
		Detail: "An unexpected error was encountered when converting the " + what + " to the protocol type. " +
			"This is always an issue in terraform-plugin-framework used to implement the provider and should be reported to the provider developers.\n\n" +
			"Please report this to the provider developer:\n\n" +
			"Unable to create DynamicValue: " + err.Error(),
	}
}

// FastCreateStats counts the creates applied without the framework and those a rule sent on.
type FastCreateStats struct{ Answered, Declined int64 }

// FastCreateStats reports what the create shortcut did so far.
func (s *Server) FastCreateStats() FastCreateStats {
	if s.createApply == nil {
		return FastCreateStats{}
	}
	return FastCreateStats{Answered: s.createApply.answered.Load(), Declined: s.createApply.declined.Load()}
}

// withCreateApplyShortcuts adds the creates that shortcuts' rules apply without the framework.
func (s *Server) withCreateApplyShortcuts(shortcuts CreateApplyShortcuts) *Server {
	if shortcuts != nil {
		if rules := shortcuts.CreateApplyShortcuts(); len(rules) > 0 {
			s.createApply = &fastCreator{rules: rules, schemas: s.schemas, stop: s.stop}
		}
	}
	return s
}
