package mixpeek_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

func TestMain(m *testing.M) { acctest.Main(m) }

const (
	email    = "ops@example.com"
	keyAddr  = "apikey_mixpeek_key.test"
	keyType  = "apikey_mixpeek_key"
	ownMark  = "terraform-provider-apikey create in progress "
	dataAddr = "data.apikey_mixpeek_key.read"
)

// Resource identity needs Terraform or OpenTofu 1.12; older CLIs skip these tests.
var identityVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

// variedWireSuite reruns tests with the local server's VaryWire aid on (see variedwire_acc_test.go).
const variedWireSuite = "TestAccMixpeekVariedWire"

// envVaryWire set to 1 turns the VaryWire aid on for every test that starts its server with
// newServer.
const envVaryWire = "APIKEY_ACC_MIXPEEK_VARY_WIRE"

// newServer is acctest.NewServer with the local server's VaryWire aid on (timestamps spelled
// with "Z", "+00:00" or no zone, every list envelope the client accepts) when the test runs under
// TestAccMixpeekVariedWire or with APIKEY_ACC_MIXPEEK_VARY_WIRE=1.
func newServer(t *testing.T) *acctest.Server {
	t.Helper()
	return withAids(t, acctest.NewServer(t))
}

// newLocalServer is newServer for a test that needs the local server's testing aids; it skips
// in live mode, naming why.
func newLocalServer(t *testing.T, why string) *acctest.Server {
	t.Helper()
	return withAids(t, acctest.NewLocalServer(t, why))
}

// withAids switches on the varied wire format for the suite that reruns tests with it, or for
// every test when the environment asks; a live service has no testing aids.
func withAids(t *testing.T, srv *acctest.Server) *acctest.Server {
	if srv.Dev == nil {
		return srv
	}
	if strings.HasPrefix(t.Name(), variedWireSuite+"/") || os.Getenv(envVaryWire) == "1" {
		srv.Dev.SetMixpeekAids(devserver.MixpeekAids{VaryWire: true})
	}
	return srv
}

// keyConfig is srv's provider block (both backends) and one apikey_mixpeek_key.test with body.
func keyConfig(srv *acctest.Server, body string) string {
	return srv.ProviderConfig() + fmt.Sprintf("\nresource \"apikey_mixpeek_key\" \"test\" {\n%s\n}\n", body)
}

func stateAttrs(s *terraform.State, addr string) (map[string]string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return nil, fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.Attributes, nil
}

func stateKeyID(s *terraform.State) (string, error) {
	attrs, err := stateAttrs(s, keyAddr)
	if err != nil {
		return "", err
	}
	return attrs["id"], nil
}

// checkKey runs fn on keyAddr's key as the server lists it (revoked keys included).
func checkKey(srv *acctest.Server, fn func(*mpclient.Key) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs, err := stateAttrs(s, keyAddr)
		if err != nil {
			return err
		}
		k, err := srv.Mixpeek.FindKey(context.Background(), attrs["user_email"], attrs["id"])
		if err != nil {
			return fmt.Errorf("finding key %s on the server: %w", attrs["id"], err)
		}
		return fn(k)
	}
}

// checkRevoked is a CheckDestroy: every Mixpeek key that was in state is revoked (or, for a key
// that had expired, still expired: neither can authenticate again).
func checkRevoked(srv *acctest.Server) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != keyType {
				continue
			}
			k, err := srv.Mixpeek.FindKey(context.Background(), rs.Primary.Attributes["user_email"], rs.Primary.ID)
			if err != nil {
				return fmt.Errorf("finding key %s after destroy: %w", rs.Primary.ID, err)
			}
			if k.Status != mpclient.StatusRevoked && k.Status != mpclient.StatusExpired {
				return fmt.Errorf("key %s is %q after destroy, want revoked", rs.Primary.ID, k.Status)
			}
		}
		return nil
	}
}

// liveNamed lists the user's live keys called name.
func liveNamed(srv *acctest.Server, user, name string) ([]mpclient.Key, error) {
	keys, err := srv.Mixpeek.ListKeys(context.Background(), user, false)
	if err != nil {
		return nil, err
	}
	var out []mpclient.Key
	for _, k := range keys {
		if k.Name == name && (k.Status == "" || k.Status == mpclient.StatusActive) {
			out = append(out, k)
		}
	}
	return out, nil
}

// markedDescription matches a description carrying the create marker; the configured
// description follows it when it fits.
var markedDescription = regexp.MustCompile(`(?s)^` + regexp.QuoteMeta(ownMark) + `[0-9a-f]{16} [0-9a-f]{24}(?: (.*))?$`)

// configuredDescription is a key's description on the server without a create marker: a key
// keeps the marker (followed by its configured description) until its first refresh.
func configuredDescription(k *mpclient.Key) string {
	if m := markedDescription.FindStringSubmatch(k.Description); m != nil {
		return m[1]
	}
	return k.Description
}

// checkNoMarkers fails when a live key of the user carries the create marker and is not
// inState: the marker stays on a created key until its first refresh, and only there.
func checkNoMarkers(srv *acctest.Server, user string, inState ...string) error {
	keys, err := srv.Mixpeek.ListKeys(context.Background(), user, false)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if strings.HasPrefix(k.Description, ownMark) && k.Status == mpclient.StatusActive && !slices.Contains(inState, k.KeyID) {
			return fmt.Errorf("live key %s (%q) is not in state and still carries the create marker", k.KeyID, k.Name)
		}
	}
	return nil
}

func hashOf(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// sameInstant compares two timestamps; a zone-less one (which the server may send) is UTC.
func sameInstant(a, b string) bool {
	parse := func(s string) (time.Time, error) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
		return time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	}
	x, err1 := parse(a)
	y, err2 := parse(b)
	return err1 == nil && err2 == nil && x.Equal(y)
}

// errorPattern matches the fragments in order, across the CLI's line wrapping.
func errorPattern(fragments ...string) *regexp.Regexp {
	quoted := make([]string, len(fragments))
	for i, f := range fragments {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(f)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}
