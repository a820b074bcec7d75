// Package unkey is the Terraform side of the Unkey backend: the key resource, its data sources,
// ephemeral resource and the setup resources keys refer to. It speaks to Unkey only through
// internal/client/unkey and knows nothing about HTTP.
package unkey

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
)

// ServiceName is the name the provider registers this service under, and the prefix of its
// type names (apikey_unkey_...).
const ServiceName = "unkey"

// Backend is this service's configured state, shared by all its resources in one provider
// process.
type Backend struct {
	Client *unkey.Client
	// createAttempts bounds creates whose responses were lost (see key_reconcile.go).
	createAttempts int
	reader         *unkeyReader
	orphans        orphanScans // keys left by interrupted runs, listed once per API (key_orphans.go)
	roles          roleCache
	apis           apiChecks
	now            func() time.Time
	// credentialFrom names where the credential came from, for error messages.
	credentialFrom string
}

// NewBackend wraps a configured client. createAttempts is how many creates may be tried when
// their responses are lost.
func NewBackend(client *unkey.Client, now func() time.Time, createAttempts int) *Backend {
	return &Backend{Client: client, createAttempts: max(createAttempts, 1), reader: newUnkeyReader(client, now), now: now}
}

type service = backend.Service[*Backend]

func lookup(providerData any) (service, diag.Diagnostics) {
	return backend.Lookup[*Backend](providerData, ServiceName)
}

// SetCredentialSource records where the credential came from (an attribute path or an
// environment variable), so authentication errors can name it.
func (b *Backend) SetCredentialSource(from string) { b.credentialFrom = from }

// explain adds the credential's source to an authentication error.
func (b *Backend) explain(err error) error {
	return backend.CredentialHint(err, unkey.IsUnauthorized, unkey.IsForbidden, b.credentialFrom)
}

// Resources lists the service's resources for the provider.
func Resources() []func() resource.Resource {
	return []func() resource.Resource{NewKeyResource, NewAPIResource, NewPermissionResource, NewRoleResource, NewIdentityResource}
}

// DataSources lists the service's data sources for the provider.
func DataSources() []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewKeyDataSource, NewKeysDataSource, NewAPIDataSource, NewRolesDataSource, NewPermissionsDataSource,
		NewIdentityDataSource, NewIdentitiesDataSource,
	}
}

// EphemeralResources lists the service's ephemeral resources for the provider.
func EphemeralResources() []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{NewKeyEphemeralResource}
}

// ListResources lists the service's list resources (terraform query) for the provider.
func ListResources() []func() list.ListResource {
	return []func() list.ListResource{NewKeyListResource, NewRoleListResource, NewPermissionListResource, NewIdentityListResource}
}

// Actions lists the service's actions for the provider.
func Actions() []func() action.Action {
	return []func() action.Action{NewKeyRerollAction, NewKeyRevokeAction}
}
