package server

import (
	"context"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// ValidateShortcuts is implemented by a provider that can validate some resource types'
// configurations as the framework does, without its walk. Each rule gets the decoded
// configuration of a ValidateResourceConfig and returns the framework's diagnostics (in any
// order), or !ok when it is not sure.
type ValidateShortcuts interface {
	ValidateShortcuts() map[string]ValidateRule
}

// ValidateRule is one resource type's rule (see ValidateShortcuts).
type ValidateRule = func(ctx context.Context, config tftypes.Value, writeOnlyAllowed bool) (diags []*tfprotov6.Diagnostic, ok bool)

// fastValidator answers ValidateResourceConfig ahead of the framework where a rule allows. The
// CLI validates every resource's configuration on every plan and apply; the framework's
// validation looks every attribute up from the configuration's root, rebuilding the schema's
// attribute map at each step, which for a large schema costs more than the validators.
type fastValidator struct {
	rules   map[string]ValidateRule
	schemas *schemaCache

	answered, declined atomic.Int64
}

func (f *fastValidator) validate(ctx context.Context, inner Full, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, bool) {
	rule, ok := f.rules[req.TypeName]
	if !ok || req.Config == nil || len(req.Config.MsgPack) == 0 || len(req.Config.JSON) > 0 {
		return nil, false
	}
	rt, ok := f.schemas.load(ctx, inner).resources[req.TypeName]
	if !ok || rt.blocks {
		return nil, false
	}
	config, err := req.Config.Unmarshal(rt.state)
	if err != nil {
		return nil, false
	}
	writeOnly := req.ClientCapabilities != nil && req.ClientCapabilities.WriteOnlyAttributesAllowed
	diags, ok := rule(ctx, config, writeOnly)
	if !ok {
		f.declined.Add(1)
		return nil, false
	}
	f.answered.Add(1)
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: diags}, true
}

// FastValidateStats counts the validations answered without the framework and those a rule sent
// on.
type FastValidateStats struct{ Answered, Declined int64 }

// FastValidateStats reports what the validation shortcut did so far.
func (s *Server) FastValidateStats() FastValidateStats {
	if s.validate == nil {
		return FastValidateStats{}
	}
	return FastValidateStats{Answered: s.validate.answered.Load(), Declined: s.validate.declined.Load()}
}
