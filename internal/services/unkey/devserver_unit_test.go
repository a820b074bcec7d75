package unkey

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"

	"github.com/apikey-provider/terraform-provider-apikey/internal/testkit"
)

// White-box tests cannot use internal/acctest (it imports the provider, which imports this
// package), so they start the local server themselves.

type devFixture struct {
	dev      *devserver.Server
	endpoint string
	apiID    string
	client   *unkey.Client
}

func newDevFixture(t *testing.T) *devFixture {
	t.Helper()
	dev, err := devserver.New(devserver.Config{DBPath: filepath.Join(t.TempDir(), "unkey.db"), EncryptAllAPIs: true})
	if err != nil {
		t.Fatalf("starting the local server: %v", err)
	}
	t.Cleanup(func() {
		if err := dev.Close(); err != nil {
			t.Errorf("closing the local server: %v", err)
		}
	})
	endpoint, err := dev.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	apiID, err := dev.CreateAPI(context.Background(), "unit")
	if err != nil {
		t.Fatal(err)
	}
	return &devFixture{dev: dev, endpoint: endpoint, apiID: apiID, client: newClient(t, endpoint, dev.RootKey())}
}

func newClient(t *testing.T, endpoint, token string) *unkey.Client {
	t.Helper()
	hc, err := transport.New(transport.Config{BaseURL: endpoint, Token: token, MaxRetries: 0, RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return unkey.New(hc)
}

// newTestClock is the shared adjustable clock at a fixed start.
func newTestClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
}
