package unkey_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"testing"

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
func ephemeralProviderFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	f := acctest.ProviderFactories()
	f["echo"] = echoprovider.NewProviderServer()
	return f
}

const echoAddr = "echo.x"

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

func recoverableKeyConfig(srv *acctest.Server, consumer string) string {
	return keyConfig(srv, fmt.Sprintf(`
  name = "tfacc-ephemeral"
  store_plaintext = false
  api_id          = %q
  recoverable     = true`, srv.APIID)) + fmt.Sprintf(`
ephemeral "apikey_unkey_key" "k" {
  id = apikey_unkey_key.test.id
}

provider "echo" {
  data = %s
}

resource "echo" "x" {}
`, consumer)
}

// A recoverable key's plaintext reaches a consumer through the ephemeral resource and equals
// what the server decrypts.
func TestAccUnkeyKeyEphemeral_revealsPlaintext(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: ephemeralProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{{
			Config: recoverableKeyConfig(srv, "ephemeral.apikey_unkey_key.k.plaintext"),
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
				res, err := verifies(srv, got)
				if err != nil {
					return err
				}
				if !res.Valid {
					return fmt.Errorf("revealed plaintext does not verify: %s", res.Code)
				}
				return nil
			},
		}},
	})
}

// With the managed key keeping nothing in state, opening the ephemeral resource (and handing its
// value, hashed, to a consumer) leaves the plaintext out of every plan and state.
func TestAccUnkeyKeyEphemeral_plaintextNotInPlanOrState(t *testing.T) {
	srv := acctest.NewServer(t)
	// The consumer gets sha256(plaintext): proof that the value was opened and delivered, without
	// the consumer itself persisting the secret (echo writes what it receives to state).
	config := recoverableKeyConfig(srv, "sha256(ephemeral.apikey_unkey_key.k.plaintext)")
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
		if err := scanRawFiles(secret, id); err != nil {
			return err
		}
		return scanLegacyState(s, secret, keyAddr)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: ephemeralProviderFactories(),
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

func ephemeralOnlyConfig(providerBlock, id string) string {
	return providerBlock + fmt.Sprintf(`
ephemeral "apikey_unkey_key" "k" {
  id = %q
}

provider "echo" {
  data = sha256(ephemeral.apikey_unkey_key.k.plaintext)
}

resource "echo" "x" {}
`, id)
}

func TestAccUnkeyKeyEphemeral_errors(t *testing.T) {
	srv := acctest.NewLocalServer(t, "an extra API opted into key encryption (Dev.SetAPIEncryption)")
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
	for _, tc := range []struct {
		name, provider, id string
		want               *regexp.Regexp
	}{
		{name: "not recoverable", provider: srv.ProviderConfig(), id: plain.KeyID, want: errorPattern("Key is not recoverable", "recoverable = true")},
		{name: "API without encryption", provider: srv.ProviderConfig(), id: inNoEnc.KeyID, want: errorPattern("Key encryption not enabled", "does not store encrypted keys")},
		{name: "unknown key", provider: srv.ProviderConfig(), id: "key_doesnotexist123", want: errorPattern("Key not found", "key_doesnotexist123")},
		{name: "unkey backend not configured", provider: srv.ProviderConfigOnly("mixpeek"), id: plain.KeyID, want: errorPattern("unkey backend is not configured", "UNKEY_ROOT_KEY")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: ephemeralProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      ephemeralOnlyConfig(tc.provider, tc.id),
					ExpectError: tc.want,
				}},
			})
		})
	}
}
