// Each method forwards one RPC to the framework through call.

package server

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// GetMetadata forwards with a releasable context.
func (s *Server) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return call(ctx, req, s.inner.GetMetadata)
}

// GetProviderSchema forwards with a releasable context.
func (s *Server) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return call(ctx, req, s.inner.GetProviderSchema)
}

// GetResourceIdentitySchemas forwards with a releasable context.
func (s *Server) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return call(ctx, req, s.inner.GetResourceIdentitySchemas)
}

// ValidateProviderConfig forwards with a releasable context.
func (s *Server) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return call(ctx, req, s.inner.ValidateProviderConfig)
}

// ConfigureProvider forwards with a releasable context.
func (s *Server) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return call(ctx, req, s.inner.ConfigureProvider)
}

// ValidateResourceConfig answers itself where a rule allows (see fastValidator), and forwards
// everything else with a releasable context.
func (s *Server) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	if s.validate != nil && req != nil {
		if resp, ok := s.validate.validate(ctx, s.inner, req); ok {
			return resp, nil
		}
	}
	return call(ctx, req, s.inner.ValidateResourceConfig)
}

// UpgradeResourceState answers a state already at the schema's version itself (see
// upgradeCurrent), and forwards everything else with a releasable context.
func (s *Server) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	if s.upgrade && req != nil {
		if resp, ok := s.upgradeCurrent(ctx, req); ok {
			s.upgraded.Add(1)
			return resp, nil
		}
	}
	return call(ctx, req, s.inner.UpgradeResourceState)
}

// ReadResource answers the Read of an unchanged resource itself when its rule allows (see
// fastReader), and forwards everything else with a releasable context.
func (s *Server) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if s.read != nil && req != nil {
		if resp, ok := s.read.read(ctx, s.inner, req); ok {
			return resp, nil
		}
	}
	return call(ctx, req, s.inner.ReadResource)
}

// PlanResourceChange answers the plan of a destroy (see fastDestroyer), of an unchanged resource
// (see fastPlanner) or of a create (see createPlanner) itself when its rule allows, and forwards everything else with a
// releasable context.
func (s *Server) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if s.destroy != nil && req != nil && isDestroyPlan(req) {
		if resp, ok := s.destroy.plan(ctx, s.inner, req); ok {
			return resp, nil
		}
	}
	if s.create != nil && req != nil && isCreate(req) {
		if resp, ok := s.create.plan(ctx, s.inner, req); ok {
			return resp, nil
		}
	} else if s.fast != nil && req != nil {
		if resp, ok := s.fast.plan(ctx, s.inner, req); ok {
			return resp, nil
		}
	}
	return call(ctx, req, s.inner.PlanResourceChange)
}

// ApplyResourceChange applies a create (see fastCreator) or a Delete (see fastDestroyer) itself
// when its rule allows, and forwards everything else with a releasable context.
func (s *Server) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if s.createApply != nil && req != nil && nullMsgPack(req.PriorState) {
		if resp, ok := s.createApply.apply(ctx, s.inner, req); ok {
			return resp, nil
		}
	}
	if s.destroy != nil && req != nil && isDelete(req) {
		if resp, ok := s.destroy.delete(ctx, s.inner, req); ok {
			return resp, nil
		}
	}
	return call(ctx, req, s.inner.ApplyResourceChange)
}

// ImportResourceState forwards with a releasable context.
func (s *Server) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return call(ctx, req, s.inner.ImportResourceState)
}

// MoveResourceState forwards with a releasable context.
func (s *Server) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return call(ctx, req, s.inner.MoveResourceState)
}

// UpgradeResourceIdentity forwards with a releasable context.
func (s *Server) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return call(ctx, req, s.inner.UpgradeResourceIdentity)
}

// GenerateResourceConfig forwards with a releasable context.
func (s *Server) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return call(ctx, req, s.inner.GenerateResourceConfig)
}

// ValidateDataResourceConfig forwards with a releasable context.
func (s *Server) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return call(ctx, req, s.inner.ValidateDataResourceConfig)
}

// ReadDataSource forwards with a releasable context.
func (s *Server) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return call(ctx, req, s.inner.ReadDataSource)
}

// CallFunction forwards with a releasable context.
func (s *Server) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return call(ctx, req, s.inner.CallFunction)
}

// GetFunctions forwards with a releasable context.
func (s *Server) GetFunctions(ctx context.Context, req *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return call(ctx, req, s.inner.GetFunctions)
}

// ValidateEphemeralResourceConfig forwards with a releasable context.
func (s *Server) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return call(ctx, req, s.inner.ValidateEphemeralResourceConfig)
}

// OpenEphemeralResource forwards with a releasable context.
func (s *Server) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return call(ctx, req, s.inner.OpenEphemeralResource)
}

// RenewEphemeralResource forwards with a releasable context.
func (s *Server) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return call(ctx, req, s.inner.RenewEphemeralResource)
}

// CloseEphemeralResource forwards with a releasable context.
func (s *Server) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return call(ctx, req, s.inner.CloseEphemeralResource)
}

// ValidateListResourceConfig forwards with a releasable context.
func (s *Server) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return call(ctx, req, s.inner.ValidateListResourceConfig)
}

// ValidateActionConfig forwards with a releasable context.
func (s *Server) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	return call(ctx, req, s.inner.ValidateActionConfig)
}

// PlanAction forwards with a releasable context.
func (s *Server) PlanAction(ctx context.Context, req *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	return call(ctx, req, s.inner.PlanAction)
}

// ValidateStateStoreConfig forwards with a releasable context.
func (s *Server) ValidateStateStoreConfig(ctx context.Context, req *tfprotov6.ValidateStateStoreConfigRequest) (*tfprotov6.ValidateStateStoreConfigResponse, error) {
	return call(ctx, req, s.inner.ValidateStateStoreConfig)
}

// ConfigureStateStore forwards with a releasable context.
func (s *Server) ConfigureStateStore(ctx context.Context, req *tfprotov6.ConfigureStateStoreRequest) (*tfprotov6.ConfigureStateStoreResponse, error) {
	return call(ctx, req, s.inner.ConfigureStateStore)
}

// GetStates forwards with a releasable context.
func (s *Server) GetStates(ctx context.Context, req *tfprotov6.GetStatesRequest) (*tfprotov6.GetStatesResponse, error) {
	return call(ctx, req, s.inner.GetStates)
}

// DeleteState forwards with a releasable context.
func (s *Server) DeleteState(ctx context.Context, req *tfprotov6.DeleteStateRequest) (*tfprotov6.DeleteStateResponse, error) {
	return call(ctx, req, s.inner.DeleteState)
}

// LockState forwards with a releasable context.
func (s *Server) LockState(ctx context.Context, req *tfprotov6.LockStateRequest) (*tfprotov6.LockStateResponse, error) {
	return call(ctx, req, s.inner.LockState)
}

// UnlockState forwards with a releasable context.
func (s *Server) UnlockState(ctx context.Context, req *tfprotov6.UnlockStateRequest) (*tfprotov6.UnlockStateResponse, error) {
	return call(ctx, req, s.inner.UnlockState)
}
