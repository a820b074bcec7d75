// Package mixpeek is the Terraform side of the Mixpeek backend: the organization API key
// resource and its data sources. It speaks to Mixpeek only through internal/client/mixpeek.
package mixpeek

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
)

// ServiceName is the name the provider registers this service under, and the prefix of its
// type names (apikey_mixpeek_...).
const ServiceName = "mixpeek"

// Backend is this service's configured state.
type Backend struct {
	Client         *mixpeek.Client
	createAttempts int
	now            func() time.Time
	// credentialFrom names where the credential came from, for error messages.
	credentialFrom string
}

// NewBackend wraps a configured client. createAttempts is how many creates may be tried when
// their responses are lost.
func NewBackend(client *mixpeek.Client, now func() time.Time, createAttempts int) *Backend {
	if client != nil && now != nil {
		client.SetClock(now)
	}
	return &Backend{Client: client, createAttempts: max(createAttempts, 1), now: now}
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
	return backend.CredentialHint(err, mixpeek.IsUnauthorized, mixpeek.IsForbidden, b.credentialFrom)
}

// Resources lists the service's resources for the provider.
func Resources() []func() resource.Resource {
	return []func() resource.Resource{NewKeyResource}
}

// DataSources lists the service's data sources for the provider.
func DataSources() []func() datasource.DataSource {
	return []func() datasource.DataSource{NewKeyDataSource, NewKeysDataSource}
}

// EphemeralResources is empty: Mixpeek shows a key's plaintext only once, at create.
func EphemeralResources() []func() ephemeral.EphemeralResource { return nil }

// listingTTL bounds how old a shared listing of a user's keys may be when it serves a Read
// (mixpeek.Client.ReadKey): a refresh of N keys of one user costs one listing per listingTTL, not
// one per key. A key deleted or changed outside Terraform within that time reads as it was, as
// if the change had come just after the refresh; keys this process changed never do.
const listingTTL = 30 * time.Second

// keyGone reports Mixpeek's evidence that a key does not exist: the user's listing succeeded
// and does not contain it.
func keyGone(err error) bool { return mixpeek.IsKeyNotListed(err) }

// ListResources lists the service's list resources (terraform query) for the provider.
func ListResources() []func() list.ListResource {
	return []func() list.ListResource{NewKeyListResource}
}

// Actions lists the service's actions for the provider.
func Actions() []func() action.Action {
	return []func() action.Action{NewKeyRevokeAction}
}
