package unkey

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// keyAction is what the key actions share: the service and the plan-time check that the Unkey
// backend is configured, so `terraform plan` fails before anything is invoked.
type keyAction struct {
	svc  service
	what string // the action's type name, for messages
}

func (a *keyAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	var diags diag.Diagnostics
	a.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (a *keyAction) ModifyPlan(_ context.Context, _ action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.svc.ProviderConfigured() {
		a.svc.Require(&resp.Diagnostics, a.what)
	}
}

// progress reports a step of an invocation to the CLI. Messages name keys by id and start only.
func progress(resp *action.InvokeResponse, msg string) {
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{Message: msg})
	}
}
