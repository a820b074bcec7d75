package mixpeek_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// firstCreate says what a faultProxy does with the first key create it sees.
type firstCreate int

const (
	passThrough firstCreate = iota
	// foreignThen500: someone else creates the key's name, then the create is answered 500
	// without reaching the server.
	foreignThen500
	// foreignThenDrop: someone else creates the key's name, then the create is forwarded (and
	// refused with a 409 by the server) and its response is lost.
	foreignThenDrop
	// commitThenDrop: the create is forwarded and committed, and its response is lost.
	commitThenDrop
	// fail500: the create is answered 500 without reaching the server.
	fail500
)

// faultProxy sits between the provider and the server and interferes with the first key
// create only, which the server's own fault aids (random over every request) cannot target.
type faultProxy struct {
	srv     *acctest.Server
	mode    firstCreate
	foreign string // name of the key someone else creates, for the foreign* modes
	creates atomic.Int64
	url     string
}

func newFaultProxy(t *testing.T, srv *acctest.Server, mode firstCreate, foreign string) *faultProxy {
	t.Helper()
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{srv: srv, mode: mode, foreign: foreign}
	rp := httputil.NewSingleHostReverseProxy(target)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isCreate := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api-keys")
		if !isCreate || p.creates.Add(1) != 1 {
			rp.ServeHTTP(w, r)
			return
		}
		if p.mode == foreignThen500 || p.mode == foreignThenDrop {
			if _, err := srv.Mixpeek.CreateKey(context.Background(), email, mpclient.CreateKeyRequest{Name: p.foreign}); err != nil {
				http.Error(w, "proxy: creating the foreign key: "+err.Error(), http.StatusBadGateway)
				return
			}
		}
		switch p.mode {
		case fail500, foreignThen500:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"success":false,"status":500,"error":{"message":"injected by the test proxy","type":"InternalServerError"}}`))
		case commitThenDrop, foreignThenDrop:
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(http.ErrAbortHandler)
			}
			_ = conn.Close()
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	p.url = ts.URL
	return p
}

// providerConfig points the Mixpeek backend at the proxy.
func (p *faultProxy) providerConfig(extra string) string {
	return fmt.Sprintf(`
provider "apikey" {
  mixpeek = {
    endpoint = %q
    api_key  = %q
  }
  %s
}
`, p.url, p.srv.RootKey, extra)
}

// A live key with the configured name that Terraform did not make is someone else's: the create
// fails and says so, and that key is left active, whatever the network does to the create.
func TestAccMixpeekKey_ownership(t *testing.T) {
	cases := []struct {
		name string
		// preexisting creates the foreign key before the apply; otherwise the proxy creates it
		// while the create is in flight.
		preexisting bool
		mode        firstCreate
		faults      struct {
			devserver.Faults
			seed int64
		}
		maxRetries int
		wantErr    []string
		// noCreate: the ownership check must come before any create request.
		noCreate bool
	}{
		{name: "existing foreign key", preexisting: true, wantErr: []string{`"tfacc-shared"`, "Terraform did not create", "left untouched"}, noCreate: true},
		{name: "existing foreign key, first create would fail", preexisting: true, mode: fail500, wantErr: []string{`"tfacc-shared"`, "Terraform did not create"}, noCreate: true},
		{name: "existing foreign key, first create would be dropped", preexisting: true, mode: commitThenDrop, wantErr: []string{`"tfacc-shared"`, "Terraform did not create"}, noCreate: true},
		{name: "foreign key made during a create answered 500", mode: foreignThen500, wantErr: []string{`"tfacc-shared"`, "Terraform did not create"}},
		{name: "foreign key made during a create whose response is lost", mode: foreignThenDrop, wantErr: []string{`"tfacc-shared"`, "Terraform did not create"}},
		{
			name: "existing foreign key, random faults and lost responses", preexisting: true, maxRetries: 10,
			faults: struct {
				devserver.Faults
				seed int64
			}{devserver.Faults{FaultRate: 0.3, DropRate: 0.3}, 11},
			wantErr: []string{"Error creating key", `"tfacc-shared"`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The faults are turned on once the foreign key exists: the test's client does not retry.
			srv := acctest.NewServerWithConfig(t, devserver.Config{FaultSeed: tc.faults.seed})
			var foreignID string
			if tc.preexisting {
				created, err := srv.Mixpeek.CreateKey(context.Background(), email, mpclient.CreateKeyRequest{Name: "tfacc-shared", Description: ptr("made by hand")})
				if err != nil {
					t.Fatal(err)
				}
				foreignID = created.KeyID
			}
			srv.Dev.SetFaults(tc.faults.Faults)
			proxy := newFaultProxy(t, srv, tc.mode, "tfacc-shared")
			extra := ""
			if tc.maxRetries > 0 {
				extra = fmt.Sprintf("max_retries = %d", tc.maxRetries)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config: proxy.providerConfig(extra) + `
resource "apikey_mixpeek_key" "test" {
  user_email  = "ops@example.com"
  name        = "tfacc-shared"
  description = "managed"
}
`,
					ExpectError: errorPattern(tc.wantErr...),
				}},
			})
			srv.Dev.SetFaults(devserver.Faults{})
			if tc.noCreate && proxy.creates.Load() != 0 {
				t.Errorf("%d create requests were sent although the name was taken", proxy.creates.Load())
			}
			keys, err := srv.Mixpeek.ListKeys(context.Background(), email, true)
			if err != nil {
				t.Fatal(err)
			}
			var foreign []mpclient.Key
			for _, k := range keys {
				if k.Name != "tfacc-shared" {
					continue
				}
				if strings.HasPrefix(k.Description, ownMark) {
					if k.Status == mpclient.StatusActive {
						t.Errorf("key %s made by the provider is still live with its marker", k.KeyID)
					}
					continue
				}
				foreign = append(foreign, k)
			}
			if len(foreign) != 1 {
				t.Fatalf("%d keys named shared without the marker, want the one foreign key: %+v", len(foreign), foreign)
			}
			if foreignID != "" && foreign[0].KeyID != foreignID {
				t.Errorf("the foreign key is %s, want %s", foreign[0].KeyID, foreignID)
			}
			if foreign[0].Status != mpclient.StatusActive || foreign[0].Description == "managed" {
				t.Errorf("the foreign key was touched: status %q, description %q", foreign[0].Status, foreign[0].Description)
			}
		})
	}
}

// Lost create responses of our own: the key the create committed carries our marker, so it is
// revoked and the create made again; exactly one live key remains, the one in state.
func TestAccMixpeekKey_lostCreateResponse(t *testing.T) {
	acctest.SkipIfShared(t, "it checks every key of the user for a create marker")
	srv := newServer(t)
	proxy := newFaultProxy(t, srv, commitThenDrop, "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{{
			Config: proxy.providerConfig("max_retries = 2") + `
resource "apikey_mixpeek_key" "test" {
  user_email  = "ops@example.com"
  name        = "tfacc-lost"
  description = "managed"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("description"), knownvalue.StringExact("managed")),
			},
			Check: func(s *terraform.State) error {
				if n := proxy.creates.Load(); n != 2 {
					return fmt.Errorf("%d create requests, want 2 (the lost one and its replacement)", n)
				}
				return checkOnlyLive(srv, s, "tfacc-lost")
			},
		}},
	})
}

// checkOnlyLive checks that keyAddr's key is the user's only live key called name, settled.
func checkOnlyLive(srv *acctest.Server, s *terraform.State, name string) error {
	id, err := stateKeyID(s)
	if err != nil {
		return err
	}
	live, err := liveNamed(srv, email, name)
	if err != nil {
		return err
	}
	if len(live) != 1 || live[0].KeyID != id {
		ids := make([]string, len(live))
		for i, k := range live {
			ids[i] = k.KeyID
		}
		return fmt.Errorf("live keys named %q: %v, want only %s", name, ids, id)
	}
	return checkNoMarkers(srv, email, id)
}

// A live key carrying the marker of another create request (another configuration's key not yet
// refreshed, or an interrupted run's before the configuration changed) is left untouched: the
// create fails naming it. Keys of the configuration's own interrupted runs are covered by the
// kill tests (kill_acc_test.go).
func TestAccMixpeekKey_otherCreatesMarkerUntouched(t *testing.T) {
	srv := newServer(t)
	marker := ownMark + "0123456789abcdef 0123456789abcdef01234567"
	left, err := srv.Mixpeek.CreateKey(context.Background(), email, mpclient.CreateKeyRequest{Name: "tfacc-left", Description: ptr(marker)})
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: keyConfig(srv, `
  user_email = "ops@example.com"
  name       = "tfacc-left"`),
			ExpectError: regexp.MustCompile(`(?s)named\s+"tfacc-left"\s+\(key_id\s+` + left.KeyID + `.*left\s+untouched`),
		}},
	})
	k, err := srv.Mixpeek.FindKey(context.Background(), email, left.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	if k.Status != mpclient.StatusActive || k.Description != marker {
		t.Errorf("the other create's key is %q with description %q, want active and unchanged", k.Status, k.Description)
	}
	if live, err := liveNamed(srv, email, "tfacc-left"); err != nil || len(live) != 1 {
		t.Errorf("live keys named left: %v %v, want only the other create's", live, err)
	}
}

// A key that reaches its expiry stays in state with status "expired", plans nothing, and can be
// destroyed. The provider and the server share a clock, so no waiting is needed.
func TestAccMixpeekKey_expiredStays(t *testing.T) {
	clock := acctest.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := acctest.NewServerWithConfig(t, devserver.Config{Now: clock.Now})
	expiry := clock.Now().Add(time.Hour).Format(time.RFC3339)
	config := keyConfig(srv, fmt.Sprintf(`
  user_email = "ops@example.com"
  name       = "tfacc-short-lived"
  expires_at = %q`, expiry))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactoriesWithClock(clock),
		CheckDestroy:             checkRevoked(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
			},
			{
				PreConfig: func() { clock.Advance(2 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("status"), knownvalue.StringExact("expired")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(expiry)),
				},
				Check: checkKey(srv, func(k *mpclient.Key) error {
					if k.Status != mpclient.StatusExpired {
						return fmt.Errorf("server status %q, want expired", k.Status)
					}
					return nil
				}),
			},
			{Config: config, PlanOnly: true},
		},
	})
}

// Keys made outside Terraform with explicit permissions import with those permissions, plan
// nothing against a configuration with or without permissions, and generated configuration
// writes the permissions rather than null.
func TestAccMixpeekKey_importPermissions(t *testing.T) {
	for _, perms := range [][]string{{"read"}, {"read", "write"}} {
		t.Run(strings.Join(perms, "+"), func(t *testing.T) {
			srv := newServer(t)
			wantPerms := make([]knownvalue.Check, len(perms))
			for i, p := range perms {
				wantPerms[i] = knownvalue.StringExact(p)
			}
			mustCreate := func(name string) string {
				created, err := srv.Mixpeek.CreateKey(context.Background(), email, mpclient.CreateKeyRequest{Name: name, Permissions: perms})
				if err != nil {
					t.Fatal(err)
				}
				return email + "/" + created.KeyID
			}
			generatedID, importID := mustCreate(acctest.NamePrefix+"generated-"+strings.Join(perms, "-")), mustCreate(acctest.NamePrefix+"imported-"+strings.Join(perms, "-"))

			t.Run("generated configuration", func(t *testing.T) {
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: acctest.ProviderFactories(),
					Steps: []resource.TestStep{{
						// The import plan is a no-op only if the generated permissions are the key's.
						Config:          srv.ProviderConfig(),
						ResourceName:    keyAddr,
						ImportState:     true,
						ImportStateKind: resource.ImportBlockWithID,
						ImportStateId:   generatedID,
						GenerateConfig:  true,
						ImportPlanChecks: resource.ImportPlanChecks{
							PreApply: []plancheck.PlanCheck{
								plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.SetExact(wantPerms)),
							},
						},
					}},
				})
				// The harness does not show the generated configuration: have the CLI write it.
				cli := acctest.NewCLI(t)
				dir := t.TempDir()
				config := acctest.RequiredProviders + srv.ProviderConfig() + fmt.Sprintf("\nimport {\n  to = apikey_mixpeek_key.generated\n  id = %q\n}\n", generatedID)
				if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
					t.Fatal(err)
				}
				if out, err := cli.Run(t, dir, "plan", "-no-color", "-generate-config-out=generated.tf"); err != nil {
					t.Fatalf("plan -generate-config-out: %v\n%s", err, out)
				}
				generated, err := os.ReadFile(filepath.Join(dir, "generated.tf"))
				if err != nil {
					t.Fatal(err)
				}
				if err := checkGeneratedPermissions(string(generated), perms); err != nil {
					t.Error(err)
				}
			})

			t.Run("import then plan", func(t *testing.T) {
				name := acctest.NamePrefix + "imported-" + strings.Join(perms, "-")
				withPerms := keyConfig(srv, fmt.Sprintf(`
  user_email  = "ops@example.com"
  name        = %q
  permissions = [%s]`, name, quoteJoin(perms)))
				withoutPerms := keyConfig(srv, fmt.Sprintf(`
  user_email = "ops@example.com"
  name       = %q`, name))
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: acctest.ProviderFactories(),
					CheckDestroy:             checkRevoked(srv),
					Steps: []resource.TestStep{
						{
							Config:             withoutPerms,
							ResourceName:       keyAddr,
							ImportState:        true,
							ImportStateId:      importID,
							ImportStatePersist: true,
							ImportStateCheck: func(states []*terraform.InstanceState) error {
								if len(states) != 1 || states[0].Attributes["permissions.#"] != fmt.Sprint(len(perms)) {
									return fmt.Errorf("imported %d instances; permissions.# = %q, want %d", len(states), states[0].Attributes["permissions.#"], len(perms))
								}
								return nil
							},
						},
						{
							Config:           withoutPerms,
							ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
						},
						{
							Config:           withPerms,
							ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
							ConfigStateChecks: []statecheck.StateCheck{
								statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.SetExact(wantPerms)),
								statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("plaintext"), knownvalue.Null()),
							},
						},
						{
							// An import block into a configuration that states the permissions.
							Config:          withPerms,
							ResourceName:    keyAddr,
							ImportState:     true,
							ImportStateKind: resource.ImportBlockWithID,
							ImportStateId:   importID,
							ImportPlanChecks: resource.ImportPlanChecks{
								PreApply: []plancheck.PlanCheck{plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("permissions"), knownvalue.SetExact(wantPerms))},
							},
						},
					},
				})
			})
		})
	}
}

func quoteJoin(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

func ptr[T any](v T) *T { return &v }

// checkGeneratedPermissions checks that configuration generated for an import sets
// permissions to want, not null.
func checkGeneratedPermissions(generated string, want []string) error {
	m := regexp.MustCompile(`(?m)^\s*permissions\s*=\s*(.*)$`).FindStringSubmatch(generated)
	if m == nil {
		return fmt.Errorf("the generated configuration does not set permissions:\n%s", generated)
	}
	var got []string
	for _, g := range regexp.MustCompile(`"([a-z]+)"`).FindAllStringSubmatch(m[1], -1) {
		got = append(got, g[1])
	}
	if !slices.Equal(sorted(got), sorted(want)) {
		return fmt.Errorf("generated permissions = %s, want %v", m[1], want)
	}
	return nil
}
