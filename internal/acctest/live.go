package acctest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// Live mode runs the acceptance suites against the services named in the environment instead
// of a local server per test. EnvLive is the switch; the other variables name the services.
// A local server started as a separate process ("make devserver") can stand in for both.
const (
	EnvLive = "APIKEY_ACC_LIVE"

	EnvUnkeyEndpoint = "APIKEY_ACC_UNKEY_ENDPOINT"
	EnvUnkeyRootKey  = "APIKEY_ACC_UNKEY_ROOT_KEY" //nolint:gosec // the name of a variable
	// EnvUnkeyAPIID is the API the tests create keys in. It must store recoverable keys (on Unkey
	// the switch is in the dashboard). Unset, each test creates an API named NamePrefix... and
	// deletes it when it ends; tests of recoverable keys then fail with 412.
	EnvUnkeyAPIID = "APIKEY_ACC_UNKEY_API_ID"

	EnvMixpeekEndpoint = "APIKEY_ACC_MIXPEEK_ENDPOINT"
	EnvMixpeekAPIKey   = "APIKEY_ACC_MIXPEEK_API_KEY" //nolint:gosec // the name of a variable
	// EnvMixpeekUser is the organization user whose keys the tests create and delete.
	EnvMixpeekUser = "APIKEY_ACC_MIXPEEK_USER"
)

// NamePrefix starts the name of everything a live run creates that the sweepers delete
// (go test ./internal/services/... -sweep=live).
const NamePrefix = "tfacc-"

// Live reports whether the tests run in live mode ($APIKEY_ACC_LIVE non-empty).
func Live() bool { return os.Getenv(EnvLive) != "" }

// SkipIfLive skips the test in live mode: it needs one of the local server's testing aids,
// and why says which.
func SkipIfLive(t testing.TB, why string) {
	t.Helper()
	if Live() {
		t.Skipf("live mode: this test needs the local server's testing aids (%s)", why)
	}
}

// SkipIfShared skips the test in live mode because the live services are shared with other
// tests (and with whatever else uses them), and why says what the test assumes about them.
func SkipIfShared(t testing.TB, why string) {
	t.Helper()
	if Live() {
		t.Skipf("live mode: this test needs services of its own (%s)", why)
	}
}

// LiveConfig is what live mode reads from the environment.
type LiveConfig struct {
	UnkeyEndpoint, UnkeyRootKey, UnkeyAPIID     string
	MixpeekEndpoint, MixpeekAPIKey, MixpeekUser string
}

// LiveFromEnv reads the live services from the environment; the error names every variable
// that is missing.
func LiveFromEnv() (LiveConfig, error) {
	c := LiveConfig{
		UnkeyEndpoint: os.Getenv(EnvUnkeyEndpoint), UnkeyRootKey: os.Getenv(EnvUnkeyRootKey), UnkeyAPIID: os.Getenv(EnvUnkeyAPIID),
		MixpeekEndpoint: os.Getenv(EnvMixpeekEndpoint), MixpeekAPIKey: os.Getenv(EnvMixpeekAPIKey), MixpeekUser: os.Getenv(EnvMixpeekUser),
	}
	var missing []string
	for name, v := range map[string]string{
		EnvUnkeyEndpoint: c.UnkeyEndpoint, EnvUnkeyRootKey: c.UnkeyRootKey,
		EnvMixpeekEndpoint: c.MixpeekEndpoint, EnvMixpeekAPIKey: c.MixpeekAPIKey, EnvMixpeekUser: c.MixpeekUser,
	} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sortStrings(missing)
		return c, fmt.Errorf("%s is set but %s not", EnvLive, strings.Join(missing, ", "))
	}
	return c, nil
}

// Clients returns clients of both live services, authenticated like the provider.
func (c LiveConfig) Clients() (*unkey.Client, *mixpeek.Client, error) {
	uc, err := liveTransport(c.UnkeyEndpoint, c.UnkeyRootKey)
	if err != nil {
		return nil, nil, err
	}
	mc, err := liveTransport(c.MixpeekEndpoint, c.MixpeekAPIKey)
	if err != nil {
		return nil, nil, err
	}
	return unkey.New(uc), mixpeek.New(mc), nil
}

func liveTransport(endpoint, token string) (*transport.Client, error) {
	return transport.New(transport.Config{
		BaseURL:        endpoint,
		Token:          token,
		UserAgent:      "terraform-provider-apikey-acctest",
		RequestTimeout: 30 * time.Second,
	})
}

// newLiveServer is NewServer in live mode.
func newLiveServer(t testing.TB) *Server {
	t.Helper()
	c, err := LiveFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	uc, mc, err := c.Clients()
	if err != nil {
		t.Fatalf("live clients: %v", err)
	}
	apiID, name := c.UnkeyAPIID, ""
	if apiID != "" {
		api, err := uc.GetAPI(context.Background(), apiID)
		if err != nil {
			t.Fatalf("reading the live API %s: %v", apiID, err)
		}
		name = api.Name
	} else {
		name = RandomName("api")
		if apiID, err = uc.CreateAPI(context.Background(), name); err != nil {
			t.Fatalf("creating the live API %s: %v", name, err)
		}
		t.Cleanup(func() {
			if err := uc.DeleteAPI(context.Background(), apiID); err != nil && !unkey.IsNotFound(err) {
				t.Errorf("deleting the live API %s: %v", apiID, err)
			}
		})
	}
	return &Server{
		Endpoint: c.UnkeyEndpoint, RootKey: c.UnkeyRootKey, APIID: apiID, APIName: name, Live: true,
		UnkeyEndpoint: c.UnkeyEndpoint, UnkeyRootKey: c.UnkeyRootKey,
		MixpeekEndpoint: c.MixpeekEndpoint, MixpeekAPIKey: c.MixpeekAPIKey, MixpeekUser: c.MixpeekUser,
		Unkey: uc, Mixpeek: mc,
	}
}

// RandomName is NamePrefix, base and a random suffix: a name the sweepers delete.
func RandomName(base string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return NamePrefix + base + "-" + hex.EncodeToString(b)
}

func sortStrings(s []string) { slices.Sort(s) }
