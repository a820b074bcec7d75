package unkey

import (
	"context"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// NewIdentityListResource is the apikey_unkey_identity list resource, for `terraform query`.
func NewIdentityListResource() list.ListResource { return newIdentityList() }

func newIdentityList() *setupList[unkey.Identity, identityResourceModel] {
	return &setupList[unkey.Identity, identityResourceModel]{
		kind:   "identity",
		plural: "identities",
		description: "Finds the identities of the Unkey workspace (`identities.listIdentities`, every page, with their metadata and rate limits) for `terraform query`, to import them into `apikey_unkey_identity`. " +
			"Each result carries the identity's identity (`id`), its external id as the display name and, with `include_resource`, the attributes an import reads. Needs Terraform 1.14 or later.",
		searchOver: "identities whose id or external id contains this text",
		pages: func(ctx context.Context, c *unkey.Client, req unkey.ListRequest) iter.Seq2[*unkey.Page[unkey.Identity], error] {
			return c.IdentityPages(ctx, req)
		},
		id:       func(i *unkey.Identity) string { return i.ID },
		display:  func(i *unkey.Identity) string { return i.ExternalID },
		imported: importedIdentity,
	}
}

func importedIdentity(ctx context.Context, ident *unkey.Identity, diags *diag.Diagnostics) identityResourceModel {
	var m identityResourceModel
	applyIdentity(ctx, &m, ident, diags)
	return m
}
