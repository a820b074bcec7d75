package unkey_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

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
	acctest.SkipIfShared(t, "it creates role "+name+" by a fixed name and leaves it")
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

// serverPlaintext returns a recoverable key's plaintext as the server decrypts it.
func serverPlaintext(srv *acctest.Server, id string) (string, error) {
	k, err := srv.Unkey.GetKey(context.Background(), id, true)
	if err != nil {
		return "", fmt.Errorf("reading key %s with decrypt: %w", id, err)
	}
	if k.Plaintext == nil || *k.Plaintext == "" {
		return "", fmt.Errorf("server returned no plaintext for key %s", id)
	}
	return *k.Plaintext, nil
}

// secretFree is a plan and state check asserting that a secret (fetched out of band, held in
// *secret) occurs nowhere in the JSON rendering of the plan or of the state. That rendering
// carries every attribute value in the clear, sensitive ones included, so a value written to the
// plan or state file shows up in it. It fails when the secret was never captured, so it cannot
// pass vacuously.
type secretFree struct {
	secret *string
	what   string
}

func (c secretFree) scan(doc any, kind string) error {
	if c.secret == nil || *c.secret == "" {
		return fmt.Errorf("secretFree(%s): the secret to look for was never captured", c.what)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("marshalling the %s: %w", kind, err)
	}
	if len(b) < 100 {
		return fmt.Errorf("the %s JSON is suspiciously short (%d bytes)", kind, len(b))
	}
	if strings.Contains(string(b), *c.secret) {
		return fmt.Errorf("the plaintext of %s appears in the %s (value not shown)", c.what, kind)
	}
	return nil
}

func (c secretFree) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = c.scan(req.Plan, "plan")
}

func (c secretFree) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c.scan(req.State, "state")
}

// scanLegacyState looks through every attribute of every resource of the shimmed state.
func scanLegacyState(st *terraform.State, secret, what string) error {
	for addr, rs := range st.RootModule().Resources {
		for k, v := range rs.Primary.Attributes {
			if strings.Contains(v, secret) {
				return fmt.Errorf("the plaintext of %s is in state at %s.%s (value not shown)", what, addr, k)
			}
		}
	}
	return nil
}

// scanRawFiles searches the CLI's working directories (the harness makes them under the temporary
// directory, named plugintest*) for secret: state files as written, and saved plans (zip
// archives) entry by entry. Other tests' directories are searched too, which is harmless, and
// files that vanish meanwhile are skipped. It fails unless it found a state file holding keyID,
// so it cannot pass by looking in the wrong place.
func scanRawFiles(secret, keyID string) error {
	if secret == "" || keyID == "" {
		return fmt.Errorf("no plaintext or key id captured to search for")
	}
	tmp := os.TempDir()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	states := 0
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "plugintest") || strings.HasPrefix(e.Name(), "plugintest-terraform") {
			continue
		}
		err := filepath.WalkDir(filepath.Join(tmp, e.Name()), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
					return nil
				}
				return err
			}
			// Sockets and pipes of CLIs running beside this test cannot be read and hold no state.
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
					return nil
				}
				return err
			}
			if strings.HasSuffix(path, ".tfstate") && bytes.Contains(data, []byte(keyID)) {
				states++
			}
			if bytes.Contains(data, []byte(secret)) {
				return fmt.Errorf("the plaintext is in %s", filepath.Base(path))
			}
			return scanZip(data, secret, filepath.Base(path))
		})
		if err != nil {
			return err
		}
	}
	if states == 0 {
		return fmt.Errorf("no state file holding key %s found under the CLI's working directories; the search proves nothing", keyID)
	}
	return nil
}

// scanZip searches the entries of a saved plan (a zip archive); other files pass.
func scanZip(data []byte, secret, name string) error {
	if !bytes.HasPrefix(data, []byte("PK")) {
		return nil
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil // not a zip after all
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil // a plan another run is still writing: its entries are not readable yet
		}
		entry, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			return nil
		}
		if bytes.Contains(entry, []byte(secret)) {
			return fmt.Errorf("the plaintext is in %s inside %s", f.Name, name)
		}
	}
	return nil
}
