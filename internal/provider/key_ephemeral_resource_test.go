package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// The ephemeral resource needs a consumer that shows what it received. The echo provider copies
// its provider-level `data` (which may be ephemeral) into the `data` of its `echo` resource.
var ephemeralProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"apikey": providerserver.NewProtocol6WithError(New("test")()),
	"echo":   echoprovider.NewProviderServer(),
}

const echoAddr = "echo.x"

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

// echoData reads the string the echo resource holds in state. Never printed.
func echoData(st *terraform.State) (string, error) {
	rs, ok := st.RootModule().Resources[echoAddr]
	if !ok {
		return "", fmt.Errorf("%s not in state", echoAddr)
	}
	v, ok := rs.Primary.Attributes["data"]
	if !ok {
		return "", fmt.Errorf("%s has no data attribute", echoAddr)
	}
	return v, nil
}

// secretFree is a plan and state check asserting that a secret (fetched out of band, held in
// *secret) occurs nowhere in the JSON rendering of the plan or of the state.
//
// Soundness: plancheck and statecheck receive `terraform show -json` of the saved plan file and
// of the state. That rendering carries every attribute value in the clear, sensitive ones
// included (they are only flagged in sensitive_values / after_sensitive), plus prior_state,
// resource_changes, planned_values and the configuration. A value that was written to the plan
// file or the state file therefore shows up as a substring of this JSON; JSON string escaping
// does not alter the key alphabet (prefix, "_", base58). The check fails if the secret is
// unset, so it can never pass vacuously.
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

// A recoverable key's plaintext reaches a consumer through the ephemeral resource and equals
// what the server decrypts.
func TestAccKeyEphemeral_revealsPlaintext(t *testing.T) {
	srv := acctest.NewServer(t)
	config := unkeyKeyConfig(srv, fmt.Sprintf(`
  store_plaintext = false
  unkey = {
    api_id      = %q
    recoverable = true
  }`, srv.APIID)) + `
ephemeral "apikey_key" "k" {
  id = apikey_key.test.id
}

provider "echo" {
  data = ephemeral.apikey_key.k.plaintext
}

resource "echo" "x" {}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: ephemeralProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					id, err := stateKeyID(s)
					if err != nil {
						return err
					}
					want, err := serverPlaintext(srv, id)
					if err != nil {
						return err
					}
					got, err := echoData(s)
					if err != nil {
						return err
					}
					if got != want {
						return fmt.Errorf("the consumer received a value (%d characters) that is not the key's plaintext (%d characters)", len(got), len(want))
					}
					res, err := srv.Unkey.VerifyKey(context.Background(), unkey.VerifyKeyRequest{Key: got})
					if err != nil {
						return err
					}
					if !res.Valid {
						return fmt.Errorf("revealed plaintext does not verify: %s", res.Code)
					}
					return nil
				},
			},
		},
	})
}

// With the managed key keeping nothing in state, opening the ephemeral resource (and handing
// its value, hashed, to a consumer) leaves the plaintext out of every plan and state.
func TestAccKeyEphemeral_plaintextNotInPlanOrState(t *testing.T) {
	srv := acctest.NewServer(t)
	// The CLI's working directories (state files, saved plans) live here, so the raw files can be
	// searched too.
	workDir := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", workDir)
	// The consumer gets sha256(plaintext): proof that the value was opened and delivered, without
	// the consumer itself persisting the secret (echo writes what it receives to state).
	config := unkeyKeyConfig(srv, fmt.Sprintf(`
  store_plaintext = false
  unkey = {
    api_id      = %q
    recoverable = true
  }`, srv.APIID)) + `
ephemeral "apikey_key" "k" {
  id = apikey_key.test.id
}

provider "echo" {
  data = sha256(ephemeral.apikey_key.k.plaintext)
}

resource "echo" "x" {}
`
	var secret string
	noSecret := secretFree{secret: &secret, what: keyAddr}
	capture := func(s *terraform.State) error {
		id, err := stateKeyID(s)
		if err != nil {
			return err
		}
		if secret, err = serverPlaintext(srv, id); err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(secret))
		got, err := echoData(s)
		if err != nil {
			return err
		}
		if got != hex.EncodeToString(sum[:]) {
			return fmt.Errorf("the consumer did not receive sha256 of the key's plaintext")
		}
		if err := scanRawFiles(workDir, secret); err != nil {
			return err
		}
		return scanLegacyState(s, secret, keyAddr)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: ephemeralProviderFactories,
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				// Create. Check (run before the state checks and the post-apply plans) captures
				// the plaintext from the server; then state and both post-apply plans are scanned.
				Config: config,
				Check:  capture,
				ConfigStateChecks: []statecheck.StateCheck{
					noSecret,
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{noSecret, plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{noSecret, plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Same configuration again: the ephemeral resource is opened at plan and apply;
				// the plan that is saved and applied holds no plaintext either.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{noSecret, plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{noSecret},
				Check:             capture,
			},
			{
				// Refresh: the shimmed state is scanned attribute by attribute.
				RefreshState: true,
				Check:        capture,
			},
		},
	})
}

func ephemeralOnlyConfig(srv *acctest.Server, backend, id string) string {
	return srv.ProviderConfig(backend) + fmt.Sprintf(`
ephemeral "apikey_key" "k" {
  id = %q
}

provider "echo" {
  data = sha256(ephemeral.apikey_key.k.plaintext)
}

resource "echo" "x" {}
`, id)
}

func TestAccKeyEphemeral_errors(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	plain, err := srv.Unkey.CreateKey(ctx, unkey.CreateKeyRequest{APIID: srv.APIID})
	if err != nil {
		t.Fatal(err)
	}
	noEncAPI, err := srv.Dev.CreateAPI(ctx, "no-encryption")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Dev.SetAPIEncryption(noEncAPI, false); err != nil {
		t.Fatal(err)
	}
	// A recoverable key cannot be created in such an API (412), so the key is a plain one.
	inNoEnc, err := srv.Unkey.CreateKey(ctx, unkey.CreateKeyRequest{APIID: noEncAPI})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: ephemeralProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      ephemeralOnlyConfig(srv, backendUnkey, plain.KeyID),
				ExpectError: regexp.MustCompile(`Key is not recoverable(.|\n)*unkey.recoverable = true`),
			},
			{
				Config:      ephemeralOnlyConfig(srv, backendUnkey, inNoEnc.KeyID),
				ExpectError: regexp.MustCompile(`Key encryption not enabled(.|\n)*does not store encrypted keys`),
			},
			{
				Config:      ephemeralOnlyConfig(srv, backendUnkey, "key_doesnotexist123"),
				ExpectError: regexp.MustCompile(`Key not found`),
			},
			{
				Config:      ephemeralOnlyConfig(srv, backendMixpeek, "key_abc123"),
				ExpectError: regexp.MustCompile(`Plaintext cannot be revealed on this backend(.|\n)*returns a key's plaintext only once`),
			},
		},
	})
}

// scanRawFiles searches every file under dir for secret: state files as written, and saved plans
// (zip archives) entry by entry after decompression. It fails when it found no state file at all,
// so it cannot pass by looking in the wrong place.
func scanRawFiles(dir, secret string) error {
	if secret == "" {
		return fmt.Errorf("no plaintext captured to search for")
	}
	var states, plans int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".tfstate") {
			states++
		}
		if bytes.Contains(data, []byte(secret)) {
			return fmt.Errorf("the plaintext is in %s", filepath.Base(path))
		}
		if !bytes.HasPrefix(data, []byte("PK")) {
			return nil
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil // not a zip after all
		}
		plans++
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			entry, err := io.ReadAll(rc)
			_ = rc.Close()
			if err != nil {
				return err
			}
			if bytes.Contains(entry, []byte(secret)) {
				return fmt.Errorf("the plaintext is in %s inside %s", f.Name, filepath.Base(path))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if states == 0 {
		return fmt.Errorf("no state file found under the CLI's working directory; the search proves nothing")
	}
	return nil
}
