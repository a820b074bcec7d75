package unkey_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

func TestMain(m *testing.M) { acctest.Main(m) }

const keyAddr = "apikey_unkey_key.test"

var compareSame = compare.ValuesSame()

// keyConfig is the provider block (both backends) and one apikey_unkey_key named "test".
func keyConfig(srv *acctest.Server, body string) string {
	return srv.ProviderConfig() + fmt.Sprintf(`
resource "apikey_unkey_key" "test" {
%s
}
`, body)
}

func mustCreateRole(t *testing.T, srv *acctest.Server, name string, perms ...string) {
	t.Helper()
	if _, err := srv.Unkey.CreateRole(context.Background(), name, "", perms); err != nil {
		t.Fatalf("creating role %s: %v", name, err)
	}
}

func stateKeyID(s *terraform.State) (string, error) {
	rs, ok := s.RootModule().Resources[keyAddr]
	if !ok {
		return "", fmt.Errorf("%s not in state", keyAddr)
	}
	return rs.Primary.ID, nil
}

// checkServerKey runs fn on the key as the server has it.
func checkServerKey(srv *acctest.Server, fn func(*unkey.Key) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		key, err := srv.Unkey.GetKey(context.Background(), id, false)
		if err != nil {
			return fmt.Errorf("reading key %s on the server: %w", id, err)
		}
		return fn(key)
	}
}

// checkPlaintextVerifies proves the plaintext in state authenticates (or, with want=false, that
// it no longer does). The plaintext never appears in a message.
func checkPlaintextVerifies(srv *acctest.Server, addr string, want bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		plaintext := rs.Primary.Attributes["plaintext"]
		if plaintext == "" {
			return fmt.Errorf("%s has no plaintext in state", addr)
		}
		res, err := srv.Unkey.VerifyKey(context.Background(), unkey.VerifyKeyRequest{Key: plaintext})
		if err != nil {
			return fmt.Errorf("verifying the plaintext of %s: %w", rs.Primary.ID, err)
		}
		if res.Valid != want {
			return fmt.Errorf("verification of %s: valid=%t code=%s, want valid=%t", rs.Primary.ID, res.Valid, res.Code, want)
		}
		return nil
	}
}

// checkKeyGone is a CheckDestroy: every apikey_unkey_key of the state is deleted on the server.
func checkKeyGone(srv *acctest.Server) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "apikey_unkey_key" {
				continue
			}
			_, err := srv.Unkey.GetKey(context.Background(), rs.Primary.ID, false)
			if err == nil {
				return fmt.Errorf("key %s still exists after destroy", rs.Primary.ID)
			}
			if !unkey.IsNotFound(err) {
				return fmt.Errorf("checking key %s: %w", rs.Primary.ID, err)
			}
		}
		return nil
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// errorPattern matches the fragments in order, across the CLI's line wrapping.
func errorPattern(fragments ...string) *regexp.Regexp {
	quoted := make([]string, len(fragments))
	for i, f := range fragments {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(f)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

// capturedKey remembers a key's id and plaintext from state between steps. Never printed.
type capturedKey struct {
	id, plaintext string
}

func (c *capturedKey) capture(s *terraform.State) error {
	rs, ok := s.RootModule().Resources[keyAddr]
	if !ok {
		return fmt.Errorf("%s not in state", keyAddr)
	}
	c.id, c.plaintext = rs.Primary.ID, rs.Primary.Attributes["plaintext"]
	if c.id == "" || c.plaintext == "" {
		return fmt.Errorf("%s: no id or plaintext to capture", keyAddr)
	}
	return nil
}

func verifies(srv *acctest.Server, plaintext string) (*unkey.VerifyResult, error) {
	if plaintext == "" {
		return nil, fmt.Errorf("no plaintext to verify")
	}
	return srv.Unkey.VerifyKey(context.Background(), unkey.VerifyKeyRequest{Key: plaintext})
}

// checkCapturedVerifies checks whether a previously captured key still authenticates.
func checkCapturedVerifies(srv *acctest.Server, c *capturedKey, want bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		res, err := verifies(srv, c.plaintext)
		if err != nil {
			return err
		}
		if res.Valid != want {
			return fmt.Errorf("old key %s: valid=%t code=%s, want valid=%t", c.id, res.Valid, res.Code, want)
		}
		return nil
	}
}

func checkReplaced(c *capturedKey) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		if id == c.id {
			return fmt.Errorf("key %s was not replaced", id)
		}
		return nil
	}
}

func checkSameKey(c *capturedKey) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err == nil && id != c.id {
			err = fmt.Errorf("key replaced (%s -> %s), want an in-place update", c.id, id)
		}
		return err
	}
}
