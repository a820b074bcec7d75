package provider_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

// Create, plan, update and destroy keys of both backends with every log at TRACE: neither the
// credential nor any key's plaintext may appear in the CLI's or the in-process provider's log.
//
// TF_ACC_LOG_PATH is read twice by terraform-plugin-testing: the CLI under test gets it as its
// log path (TRACE when no level is set), and the tfsdklog test sink that the in-process provider
// servers log through opens it for appending, at TRACE. Both therefore land in the same file.
//
// This test sets process environment (the log settings, and the credentials, which
// terraform-plugin-testing would otherwise log as part of each step's configuration), which Go
// allows only in tests that are not parallel, so it uses resource.Test.
func TestAccReliability_noSecretsInLogs(t *testing.T) {
	srv := acctest.NewServer(t)
	logDir := t.TempDir()
	t.Setenv("TF_LOG", "trace")
	t.Setenv("TF_ACC_LOG_PATH", filepath.Join(logDir, "terraform-and-provider.log"))
	t.Setenv("UNKEY_ROOT_KEY", srv.RootKey)
	t.Setenv("MIXPEEK_API_KEY", srv.RootKey)
	identity, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	config := func(suffix string) string {
		return fmt.Sprintf(`
provider "apikey" {
  unkey   = { endpoint = %[3]q }
  mixpeek = { endpoint = %[3]q }
}

resource "apikey_unkey_key" "stored" {
  api_id = %[2]q
  name   = "tfacc-stored-%[1]s"
}

resource "apikey_unkey_key" "recoverable" {
  api_id          = %[2]q
  name            = "tfacc-recoverable-%[1]s"
  recoverable     = true
  store_plaintext = false
}

ephemeral "apikey_unkey_key" "k" {
  id = apikey_unkey_key.recoverable.id
}

provider "echo" {
  data = sha256(ephemeral.apikey_unkey_key.k.plaintext)
}

resource "echo" "x" {}

resource "apikey_mixpeek_key" "stored" {
  user_email = "ops@example.com"
  name       = "tfacc-stored"
  description = "stored-%[1]s"
}

resource "apikey_mixpeek_key" "encrypted" {
  user_email               = "ops@example.com"
  name                     = "tfacc-encrypted"
  description              = "encrypted-%[1]s"
  plaintext_age_recipients = [%[4]q]
}
`, suffix, srv.APIID, srv.Endpoint, identity.Recipient().String())
	}

	secrets := map[string]string{"the root key": srv.RootKey}
	var keyIDs []string
	capture := func(s *terraform.State) error {
		keyIDs = keyIDs[:0]
		for addr, rs := range s.RootModule().Resources {
			if !strings.HasPrefix(rs.Type, "apikey_") {
				continue
			}
			keyIDs = append(keyIDs, rs.Primary.ID)
			if p := rs.Primary.Attributes["plaintext"]; p != "" {
				secrets["the plaintext of "+addr+" from state"] = p
			}
			switch addr {
			case "apikey_unkey_key.recoverable":
				k, err := srv.Unkey.GetKey(context.Background(), rs.Primary.ID, true)
				if err != nil {
					return fmt.Errorf("decrypting %s: %w", addr, err)
				}
				if k.Plaintext == nil || *k.Plaintext == "" {
					return fmt.Errorf("the server returned no plaintext for %s", addr)
				}
				secrets["the plaintext of "+addr+" (decrypted by the server)"] = *k.Plaintext
			case "apikey_mixpeek_key.encrypted":
				r, err := age.Decrypt(armor.NewReader(strings.NewReader(rs.Primary.Attributes["encrypted_plaintext"])), identity)
				if err != nil {
					return fmt.Errorf("decrypting %s: %w", addr, err)
				}
				plain, err := io.ReadAll(r)
				if err != nil || len(plain) == 0 {
					return fmt.Errorf("decrypting %s: %v", addr, err)
				}
				secrets["the plaintext of "+addr+" (age-decrypted)"] = string(plain)
			}
		}
		if len(secrets) != 5 || len(keyIDs) != 4 {
			return fmt.Errorf("captured %d secrets and %d key ids, want 5 and 4", len(secrets), len(keyIDs))
		}
		return nil
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"apikey": acctest.ProviderFactories()["apikey"],
			"echo":   echoprovider.NewProviderServer(),
		},
		CheckDestroy: checkBothGone(srv),
		Steps: []resource.TestStep{
			{Config: config("a"), Check: capture},
			{Config: config("a"), PlanOnly: true},
			{
				Config: config("b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("apikey_unkey_key.stored", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("apikey_unkey_key.recoverable", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("apikey_mixpeek_key.stored", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("apikey_mixpeek_key.encrypted", plancheck.ResourceActionUpdate),
					},
				},
				Check: capture,
			},
		},
	})
	if t.Failed() {
		return
	}

	files, err := filepath.Glob(filepath.Join(logDir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no log files were written to the log directory (err %v)", err)
	}
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for what, secret := range secrets {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s appears in the log %s (value redacted): %s", what, filepath.Base(f), leakContext(string(b), secret))
			}
		}
		all.Write(b)
	}
	logs := all.String()
	t.Logf("scanned %d log file(s), %d bytes, for %d secrets", len(files), len(logs), len(secrets))

	// The scan means something only if the logs hold what a leak would sit next to.
	ids := make([]string, len(keyIDs))
	for i, id := range keyIDs {
		ids[i] = regexp.QuoteMeta(id)
	}
	expected := map[string]*regexp.Regexp{
		"the CLI's trace lines":                 regexp.MustCompile(`\[TRACE\] `),
		"the in-process provider's trace lines": regexp.MustCompile(`\[TRACE\] sdk\.(framework|proto)`),
		"the unkey backend configured":          regexp.MustCompile(`configured backend:.*backend=unkey`),
		"the mixpeek backend configured":        regexp.MustCompile(`configured backend:.*backend=mixpeek`),
		"the unkey create request log":          regexp.MustCompile(`HTTP request:.*/v2/keys\.createKey`),
		"the mixpeek create request log":        regexp.MustCompile(`HTTP request:.*method=POST.*/v1/organizations/users/|HTTP request:.*/v1/organizations/users/.*method=POST`),
		"the ephemeral resource's getKey":       regexp.MustCompile(`HTTP request:.*/v2/keys\.getKey`),
		"the destroy's deleteKey request":       regexp.MustCompile(`HTTP request:.*/v2/keys\.deleteKey`),
		"the mixpeek revoke request":            regexp.MustCompile(`HTTP request:.*method=DELETE.*/api-keys/|HTTP request:.*/api-keys/.*method=DELETE`),
		"a key id logged on create":             regexp.MustCompile(`created (unkey|mixpeek) key:.*key_id=(` + strings.Join(ids, "|") + `)`),
	}
	for what, re := range expected {
		if !re.MatchString(logs) {
			t.Errorf("the logs do not contain %s (pattern %s)", what, re)
		}
	}
}

// leakContext shows where secret occurs in log: the first few lines holding it, with every
// occurrence replaced, so a failure can be diagnosed without printing the secret.
func leakContext(log, secret string) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, secret) {
			continue
		}
		line = strings.ReplaceAll(line, secret, "<REDACTED>")
		if len(line) > 400 {
			line = line[:400] + "..."
		}
		out = append(out, line)
		if len(out) == 3 {
			break
		}
	}
	return fmt.Sprintf("%d line(s), first:\n  %s", strings.Count(log, secret), strings.Join(out, "\n  "))
}
