package acctest

import (
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
	"github.com/apikey-provider/terraform-provider-apikey/internal/testkit"
)

// ProviderFactories serves the provider in-process to the CLI under test, as the provider binary
// does: behind internal/server, so every acceptance test also checks its plan shortcut.
func ProviderFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"apikey": server.NewProtocol6WithError(provider.New("test")()),
	}
}

// ProviderFactoriesWithClock is ProviderFactories with the provider's clock replaced.
func ProviderFactoriesWithClock(clock *Clock) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"apikey": server.NewProtocol6WithError(provider.NewWithClock("test", clock.Now)()),
	}
}

// Clock is the shared adjustable clock (testkit.Clock).
type Clock = testkit.Clock

// NewClock returns a clock standing at t.
var NewClock = testkit.NewClock

// LockedBuffer is the shared concurrency-safe buffer (testkit.LockedBuffer).
type LockedBuffer = testkit.LockedBuffer
