package mixpeek_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	mpclient "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// Tests of what the published Mixpeek API leaves open: how key_hash is encoded, whether names
// are unique, whether null clears rate_limit_override, and users that do not (or no longer)
// exist.

// flat joins the CLI's output into one line, so wrapped messages can be matched.
func flat(out string) string { return strings.Join(strings.Fields(out), " ") }

// workspaceProvider names the provider by the address it is served under in a Workspace, which
// OpenTofu would otherwise resolve against its own registry.
const workspaceProvider = `
terraform {
  required_providers {
    apikey = { source = "registry.terraform.io/hashicorp/apikey" }
  }
}
`

// skipUnlessAcc skips a test that drives the CLI itself (to read its warnings) without TF_ACC.
func skipUnlessAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
}

// A key_hash in an encoding the provider does not recognise (here salted) is a warning: the
// apply succeeds, the key is live and in state with its plaintext, and the next plan is empty.
func TestAccMixpeekKey_keyHashMismatchWarns(t *testing.T) {
	skipUnlessAcc(t)
	srv := newLocalServer(t, "it salts key_hash (Dev.SetMixpeekAids)")
	aids := srv.Dev.MixpeekAids()
	aids.KeyHashSalt = "pepper"
	srv.Dev.SetMixpeekAids(aids)
	w := acctest.NewWorkspace(t)
	w.Write("main.tf", workspaceProvider+keyConfig(srv, `
  user_email = "ops@example.com"
  name       = "tfacc-salted"`))
	w.Must("init", "-input=false", "-no-color")
	out := flat(w.Must("apply", "-auto-approve", "-input=false", "-no-color"))
	if !strings.Contains(out, "Warning: Created key does not match its own hash or prefix") || !strings.Contains(out, "key_hash is not the SHA-256") {
		t.Fatalf("the apply did not warn about key_hash:\n%s", out)
	}
	keys, err := liveNamed(srv, email, "tfacc-salted")
	if err != nil || len(keys) != 1 {
		t.Fatalf("live keys named salted: %v, %v; want the created key kept", keys, err)
	}
	state := w.Must("state", "show", "-no-color", keyAddr)
	if !strings.Contains(state, keys[0].KeyID) {
		t.Fatalf("state does not hold key %s", keys[0].KeyID)
	}
	if code, out := w.Run("plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("plan after the apply exited %d, want 0 (no changes):\n%s", code, out)
	}
	// The plan's refresh settled the create: its marker is gone from the description.
	if keys, err = liveNamed(srv, email, "tfacc-salted"); err != nil || len(keys) != 1 || strings.HasPrefix(keys[0].Description, ownMark) {
		t.Fatalf("live keys named salted after the plan: %+v, %v; want one, settled", keys, err)
	}
	w.Must("destroy", "-auto-approve", "-input=false", "-no-color")
}

// Mixpeek documents no uniqueness of names and addresses keys by name: when another live key
// shares the managed key's name, neither an update nor a destroy touches either key.
func TestAccMixpeekKey_duplicateNameNeverModified(t *testing.T) {
	srv := newLocalServer(t, "it makes a duplicate name (Dev.DuplicateMixpeekKey)")
	config := func(desc string) string {
		return keyConfig(srv, fmt.Sprintf(`
  user_email  = "ops@example.com"
  name        = "tfacc-twin"
  description = %q`, desc))
	}
	var id, twin string
	bothUntouched := func(*terraform.State) error {
		for _, k := range []string{id, twin} {
			got, err := srv.Mixpeek.FindKey(context.Background(), email, k)
			if err != nil {
				return err
			}
			if got.Status != mpclient.StatusActive || got.Description != "one" || got.Name != "tfacc-twin" {
				return fmt.Errorf("key %s is %s, %q, %q; want active, untouched", k, got.Status, got.Name, got.Description)
			}
		}
		return nil
	}
	refused := errorPattern("shares its name \"tfacc-twin\" with 1 other live key", "none was sent")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config("one"),
				Check: func(s *terraform.State) (err error) {
					id, err = stateKeyID(s)
					return err
				},
			},
			{
				PreConfig: func() {
					var err error
					if twin, err = srv.Dev.DuplicateMixpeekKey(context.Background(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config:      config("two"),
				ExpectError: refused,
			},
			{Config: config("one"), Destroy: true, ExpectError: refused},
			{
				PreConfig: func() {
					if err := bothUntouched(nil); err != nil {
						t.Fatal(err)
					}
					// The other key goes away outside Terraform; the managed key is addressable again.
					if err := srv.Dev.ForgetMixpeekKey(context.Background(), twin); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("two"),
				Check: checkKey(srv, func(k *mpclient.Key) error {
					if k.KeyID != id || k.Description != "two" {
						return fmt.Errorf("key %s description %q, want %s updated", k.KeyID, k.Description, id)
					}
					return nil
				}),
			},
		},
	})
}

// Mixpeek documents null-clears for expires_at only. When it keeps rate_limit_override after the
// configuration drops it, the apply says so, state records what Mixpeek keeps, and later plans
// are empty (with a warning) instead of asking again; a new value starts over.
func TestAccMixpeekKey_keptRateLimitOverride(t *testing.T) {
	skipUnlessAcc(t)
	srv := newLocalServer(t, "it keeps a removed rate limit (Dev.SetMixpeekAids)")
	w := acctest.NewWorkspace(t)
	config := func(extra string) string {
		return workspaceProvider + keyConfig(srv, `
  user_email = "ops@example.com"
  name       = "tfacc-limited"
  `+extra)
	}
	override := func() *int64 {
		keys, err := liveNamed(srv, email, "tfacc-limited")
		if err != nil || len(keys) != 1 {
			t.Fatalf("live keys named limited: %v, %v", keys, err)
		}
		return keys[0].RateLimitOverride
	}
	w.Write("main.tf", config("rate_limit_override = 5"))
	w.Must("init", "-input=false", "-no-color")
	w.Must("apply", "-auto-approve", "-input=false", "-no-color")

	aids := srv.Dev.MixpeekAids()
	aids.KeepRateLimitOnNull = true
	srv.Dev.SetMixpeekAids(aids)
	w.Write("main.tf", config(""))
	out := flat(w.Must("apply", "-auto-approve", "-input=false", "-no-color"))
	if !strings.Contains(out, "Warning: Mixpeek kept the rate limit override") || !strings.Contains(out, "still reports 5") {
		t.Fatalf("the apply did not report the kept override:\n%s", out)
	}
	if got := override(); got == nil || *got != 5 {
		t.Fatalf("server override %v, want 5 kept", got)
	}
	code, out := w.Run("plan", "-detailed-exitcode", "-input=false", "-no-color")
	if code != 0 || !strings.Contains(flat(out), "Warning: Mixpeek keeps the rate limit override") {
		t.Fatalf("plan exited %d, want 0 with a warning about the kept override:\n%s", code, out)
	}
	if state := flat(w.Must("state", "show", "-no-color", keyAddr)); !strings.Contains(state, "rate_limit_override = 5") {
		t.Fatalf("state does not record the kept override:\n%s", state)
	}

	// A value set again and removed again is asked for again.
	w.Write("main.tf", config("rate_limit_override = 7"))
	w.Must("apply", "-auto-approve", "-input=false", "-no-color")
	if got := override(); got == nil || *got != 7 {
		t.Fatalf("server override %v, want 7", got)
	}
	w.Write("main.tf", config(""))
	if code, out := w.Run("plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 2 {
		t.Fatalf("plan exited %d, want 2 (the removal of 7 planned):\n%s", code, out)
	}
	// With Mixpeek clearing on null, the removal goes through without a warning.
	srv.Dev.SetMixpeekAids(devserver.MixpeekAids{VaryWire: aids.VaryWire})
	if out := flat(w.Must("apply", "-auto-approve", "-input=false", "-no-color")); strings.Contains(out, "kept the rate limit override") {
		t.Fatalf("a cleared override was reported as kept:\n%s", out)
	}
	if got := override(); got != nil {
		t.Fatalf("server override %d, want none", *got)
	}
	if code, out := w.Run("plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("plan after clearing exited %d:\n%s", code, out)
	}
	w.Must("destroy", "-auto-approve", "-input=false", "-no-color")
}

// deleteUser deletes a Mixpeek user (which revokes its keys) through the API.
func deleteUser(t *testing.T, srv *acctest.Server, user string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, srv.Endpoint+"/v1/organizations/users/"+url.PathEscape(user), http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.RootKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("deleting user %s: HTTP %d", user, resp.StatusCode)
	}
}

// A user Mixpeek does not know is an error that leaves state alone: it proves nothing about the
// key. Only a listing of the user that lacks the key removes it from state.
func TestAccMixpeekKey_missingUserLeavesStateAlone(t *testing.T) {
	srv := newLocalServer(t, "it deletes a user on the local server")
	const user = "leaving@example.com"
	if _, err := srv.Dev.AddMixpeekUser(context.Background(), user); err != nil {
		t.Fatal(err)
	}
	config := keyConfig(srv, fmt.Sprintf(`
  user_email = %q
  name       = "tfacc-orphan"`, user))
	var first string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) (err error) {
					first, err = stateKeyID(s)
					return err
				},
			},
			{
				PreConfig:   func() { deleteUser(t, srv, user) },
				Config:      config,
				ExpectError: errorPattern("Mixpeek user not found", user, "State is left unchanged"),
			},
			{
				// The state still holds the key: the refresh fails the same way.
				RefreshState: true,
				ExpectError:  errorPattern("Mixpeek user not found", user),
			},
			{
				// The user is back (a new one, without the revoked keys): its listing lacks the
				// key, which is the evidence that it is gone, and the plan creates a new one.
				PreConfig: func() {
					if _, err := srv.Dev.AddMixpeekUser(context.Background(), user); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
				Check: func(s *terraform.State) error {
					id, err := stateKeyID(s)
					if err == nil && id == first {
						err = fmt.Errorf("key %s kept, want a new key", id)
					}
					return err
				},
			},
		},
	})
}
