// Package server serves a terraform-plugin-framework provider over protocol 6
// with the process-level choices that keep its cost per resource low: SDK log
// levels when the user asked for no logs, the garbage collector's settings,
// a protocol server wrapper that keeps the framework from retaining every
// request's context, and shortcuts in front of the framework, each proven
// against it by a differential test: plans of unchanged resources that the
// provider's rules accept (fastplan.go), plans of creates those rules can
// compute (createplan.go), Reads and validations they answer (fastread.go,
// fastvalidate.go), the apply of creates through the resource's own Create
// (fastapply.go), destroy plans and Deletes (fastdestroy.go), and
// UpgradeResourceState of states at the current schema version (upgrade.go).
package server

import (
	"context"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// Full is everything the framework's protocol 6 server implements. The
// optional interfaces matter: tf6server offers list resources, actions and
// state stores only when its server implements them.
type Full interface {
	tfprotov6.ProviderServerWithListResource
	tfprotov6.ProviderServerWithActions
	tfprotov6.ProviderServerWithStateStores
}

// Server forwards every RPC to the framework's server. Unary calls get a
// context that lets go of the request's context when the call returns (see
// releasableContext); streaming calls, whose context must outlive the call,
// are forwarded unchanged.
type Server struct {
	inner   Full
	schemas *schemaCache
	fast    *fastPlanner   // nil: every plan goes to the framework
	create  *createPlanner // nil: every create's plan goes to the framework
	read    *fastReader    // nil: every Read goes to the framework
	// validate: nil, every ValidateResourceConfig goes to the framework
	validate *fastValidator
	// createApply: nil, every ApplyResourceChange goes to the framework (see fastapply.go)
	createApply *fastCreator
	// destroy: nil, every destroy plan and Delete goes to the framework
	destroy *fastDestroyer
	stop    *stopSignal
	// upgrade answers UpgradeResourceState of a current-version state itself (see upgrade.go).
	upgrade bool

	upgraded atomic.Int64
}

var _ Full = (*Server)(nil)

// Wrap returns the wrapper for inner, with the framework-identical passthrough of
// UpgradeResourceState for states already at the schema's version.
func Wrap(inner Full) *Server {
	return &Server{inner: inner, schemas: &schemaCache{}, upgrade: true, stop: newStopSignal()}
}

// WrapWithShortcuts is Wrap with the plans of unchanged resources that shortcuts' rules accept
// answered without the framework (see fastPlanner).
func WrapWithShortcuts(inner Full, shortcuts PlanShortcuts) *Server {
	s := Wrap(inner)
	if shortcuts != nil {
		if rules := shortcuts.PlanShortcuts(); len(rules) > 0 {
			s.fast = &fastPlanner{rules: rules, schemas: s.schemas}
		}
	}
	return s
}

// withPrivatePlanShortcuts adds the plan rules that read private data (see PrivatePlanShortcuts).
func (s *Server) withPrivatePlanShortcuts(shortcuts PrivatePlanShortcuts) *Server {
	if shortcuts == nil {
		return s
	}
	rules := shortcuts.PrivatePlanShortcuts()
	if len(rules) == 0 {
		return s
	}
	if s.fast == nil {
		s.fast = &fastPlanner{schemas: s.schemas}
	}
	s.fast.private = rules
	return s
}

// withPrivateReadShortcuts adds the read rules that accept private data (see
// PrivateReadShortcuts).
func (s *Server) withPrivateReadShortcuts(shortcuts PrivateReadShortcuts) *Server {
	if shortcuts == nil {
		return s
	}
	rules := shortcuts.PrivateReadShortcuts()
	if len(rules) == 0 {
		return s
	}
	if s.read == nil {
		s.read = &fastReader{schemas: s.schemas, stop: s.stop}
	}
	s.read.private = rules
	return s
}

// WithCreateShortcuts makes s answer the plans of creates that shortcuts' rules can compute
// (see createPlanner); nil leaves every create to the framework.
func (s *Server) WithCreateShortcuts(shortcuts CreatePlanShortcuts) *Server {
	s.create = nil
	if shortcuts != nil {
		if rules := shortcuts.CreatePlanShortcuts(); len(rules) > 0 {
			s.create = &createPlanner{rules: rules, schemas: s.schemas}
		}
	}
	return s
}

// withReadShortcuts adds the Reads of unchanged resources that shortcuts' rules accept, answered
// without the framework (see fastReader).
func (s *Server) withReadShortcuts(shortcuts ReadShortcuts) *Server {
	if shortcuts != nil {
		if rules := shortcuts.ReadShortcuts(); len(rules) > 0 {
			s.read = &fastReader{rules: rules, schemas: s.schemas, stop: s.stop}
		}
	}
	return s
}

// withValidateShortcuts adds the validations that shortcuts' rules answer without the framework
// (see fastValidator).
func (s *Server) withValidateShortcuts(shortcuts ValidateShortcuts) *Server {
	if shortcuts != nil {
		if rules := shortcuts.ValidateShortcuts(); len(rules) > 0 {
			s.validate = &fastValidator{rules: rules, schemas: s.schemas}
		}
	}
	return s
}

// withDestroyShortcuts adds the destroy plans and Deletes that shortcuts' rules answer without
// the framework (see fastDestroyer).
func (s *Server) withDestroyShortcuts(shortcuts DestroyShortcuts) *Server {
	if shortcuts != nil {
		plans, deletes := shortcuts.DestroyPlanShortcuts(), shortcuts.DeleteShortcuts()
		if len(plans) > 0 || len(deletes) > 0 {
			s.destroy = &fastDestroyer{plans: plans, deletes: deletes, schemas: s.schemas, stop: s.stop}
		}
	}
	return s
}

// StopProvider is forwarded unchanged: it cancels every context the framework
// registered, including those of calls in flight.
func (s *Server) StopProvider(ctx context.Context, req *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	s.stop.fire()
	return s.inner.StopProvider(ctx, req)
}

// ListResource streams results after it returns, so its context stays.
func (s *Server) ListResource(ctx context.Context, req *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	return s.inner.ListResource(ctx, req)
}

// InvokeAction streams events after it returns, so its context stays.
func (s *Server) InvokeAction(ctx context.Context, req *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error) {
	return s.inner.InvokeAction(ctx, req)
}

// ReadStateBytes streams chunks after it returns, so its context stays.
func (s *Server) ReadStateBytes(ctx context.Context, req *tfprotov6.ReadStateBytesRequest) (*tfprotov6.ReadStateBytesStream, error) {
	return s.inner.ReadStateBytes(ctx, req)
}

// WriteStateBytes reads its stream during the call but is rare; unchanged.
func (s *Server) WriteStateBytes(ctx context.Context, req *tfprotov6.WriteStateBytesStream) (*tfprotov6.WriteStateBytesResponse, error) {
	return s.inner.WriteStateBytes(ctx, req)
}
