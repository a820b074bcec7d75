package unkey_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// Behaviour of the genuine Unkey service that the local server reproduces, as the provider
// meets it.

var (
	shortKeyID = regexp.MustCompile(`^key_[a-zA-Z0-9]{9}$`)
	longKeyID  = regexp.MustCompile(`^key_[1-9A-HJ-NP-Za-km-z]{20,22}$`)
)

// Unkey answers a create in a deleted API with success and a key that then reads as not found;
// the provider refuses the create, naming the API, instead of leaking a key on every apply. A
// root key that may read APIs never sends the create; one that may not (getApi is forbidden)
// sends it, sees the new key read as not found, and saves nothing.
func TestAccUnkeyKey_createInDeletedAPI(t *testing.T) {
	for _, tc := range []struct {
		name    string
		denied  []string
		creates int64
	}{
		{"full root key", nil, 0},
		{"root key without read_api", []string{devserver.PermReadAPI}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := acctest.NewLocalServer(t, "it deletes the API and makes limited root keys on the local server")
			ctx := context.Background()
			apiID, err := srv.Unkey.CreateAPI(ctx, "tfacc-deleted-out-of-band")
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Unkey.DeleteAPI(ctx, apiID); err != nil {
				t.Fatal(err)
			}
			rootKey := srv.RootKey
			if tc.denied != nil {
				if rootKey, err = srv.Dev.NewRootKeyWithout(ctx, tc.denied...); err != nil {
					t.Fatal(err)
				}
			}
			srv.Dev.ResetStats()
			config := fmt.Sprintf(`
provider "apikey" {
  unkey = {
    endpoint = %q
    root_key = %q
  }
}

resource "apikey_unkey_key" "test" {
  api_id = %q
}
`, srv.Endpoint, rootKey, apiID)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      config,
					ExpectError: errorPattern("API not found", apiID),
				}},
				CheckDestroy: func(s *terraform.State) error {
					if n := srv.Dev.Stats().ByRoute["/v2/keys.createKey"]; n != tc.creates {
						return fmt.Errorf("keys.createKey was called %d times for a deleted API, want %d", n, tc.creates)
					}
					if _, ok := s.RootModule().Resources[keyAddr]; ok {
						return fmt.Errorf("%s was saved in state", keyAddr)
					}
					return nil
				},
			})
		})
	}
}

// A key created outside Terraform with expires 0 is expired from the start (verification says
// EXPIRED), but Unkey reads it back without an expiry, exactly like a key that never expires.
// The provider can only show what Unkey reports: expires_at unset and status "active", with an
// empty plan. Setting expires_at in the configuration gives the key a real expiry and it works
// again.
func TestAccUnkeyKey_importExpiresZero(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	zero := int64(0)
	created, err := srv.Unkey.CreateKey(ctx, unkey.CreateKeyRequest{APIID: srv.APIID, Name: "tfacc-epoch", Expires: &zero})
	if err != nil {
		t.Fatal(err)
	}
	checkVerify := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			v, err := verifies(srv, created.Key)
			if err != nil {
				return err
			}
			if v.Code != want {
				return fmt.Errorf("verification of %s: %s, want %s", created.KeyID, v.Code, want)
			}
			return nil
		}
	}
	config := keyConfig(srv, fmt.Sprintf(`
  api_id = %q
  name   = "tfacc-epoch"`, srv.APIID))
	future := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       keyAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateId:      srv.APIID + "/" + created.KeyID,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("%d imported states", len(states))
					}
					a := states[0].Attributes
					if a["expires_at"] != "" || a["status"] != "active" {
						return fmt.Errorf("imported expires_at = %q, status = %q; want unset and active (what getKey reports)", a["expires_at"], a["status"])
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkVerify("EXPIRED"),
			},
			{
				Config: keyConfig(srv, fmt.Sprintf(`
  api_id     = %q
  name       = "tfacc-epoch"
  expires_at = %q`, srv.APIID, future)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("id"), knownvalue.StringExact(created.KeyID)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(future)),
				},
				Check: checkVerify("VALID"),
			},
		},
	})
}

// Unkey accepts rate limits beyond its own response schema (limit above 1,000,000, window longer
// than 30 days). The provider reads them, at import, in a data source and as drift, without
// failing; a configuration that differs updates them in place, never replacing the key.
func TestAccUnkeyKey_ratelimitsBeyondResponseBounds(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	const day = 24 * time.Hour
	imported, err := srv.Unkey.CreateKey(ctx, unkey.CreateKeyRequest{APIID: srv.APIID, Name: "tfacc-big", Ratelimits: []unkey.RatelimitRequest{
		{Name: "burst", Limit: 2_000_000, Duration: time.Minute.Milliseconds(), AutoApply: true},
		{Name: "slow", Limit: 10, Duration: (60 * day).Milliseconds()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	managed := fmt.Sprintf(`
resource "apikey_unkey_key" "managed" {
  api_id     = %q
  name       = "tfacc-managed"
  ratelimits = [{ name = "requests", limit = 10, duration = "1m" }]
}
`, srv.APIID)
	importedConfig := fmt.Sprintf(`
  api_id = %q
  name   = "tfacc-big"`, srv.APIID)
	dataSource := fmt.Sprintf(`
data "apikey_unkey_key" "big" {
  id = %q
}
`, imported.KeyID)
	var managedID string
	raise := func(s *terraform.State) error {
		managedID = s.RootModule().Resources["apikey_unkey_key.managed"].Primary.ID
		rls := []unkey.RatelimitRequest{{Name: "requests", Limit: 5_000_000, Duration: (90 * day).Milliseconds()}}
		return srv.Unkey.UpdateKey(ctx, unkey.UpdateKeyRequest{KeyID: managedID, Ratelimits: &rls})
	}
	bigLimits := knownvalue.SetExact([]knownvalue.Check{
		knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("burst"), "limit": knownvalue.Int64Exact(2_000_000), "duration": knownvalue.StringExact("1m")}),
		knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("slow"), "limit": knownvalue.Int64Exact(10), "duration": knownvalue.StringExact("1440h")}),
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config:             keyConfig(srv, importedConfig) + managed,
				ResourceName:       keyAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateId:      srv.APIID + "/" + imported.KeyID,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					a := states[0].Attributes
					if a["ratelimits.#"] != "2" {
						return fmt.Errorf("imported ratelimits.# = %q, want 2", a["ratelimits.#"])
					}
					limits := map[string]string{}
					for i := range 2 {
						limits[a["ratelimits."+strconv.Itoa(i)+".name"]] = a["ratelimits."+strconv.Itoa(i)+".limit"] + "/" + a["ratelimits."+strconv.Itoa(i)+".duration"]
					}
					if limits["burst"] != "2000000/1m" || limits["slow"] != "10/1440h" {
						return fmt.Errorf("imported ratelimits %v", limits)
					}
					return nil
				},
			},
			{
				// The managed key is created, the imported one read (refresh) and shown by a
				// data source; an unset ratelimits in its configuration is an in-place update.
				Config: keyConfig(srv, importedConfig) + managed + dataSource,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("apikey_unkey_key.managed", plancheck.ResourceActionCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("id"), knownvalue.StringExact(imported.KeyID)),
					// Read during the plan, before the update removed them.
					statecheck.ExpectKnownValue("data.apikey_unkey_key.big", tfjsonpath.New("ratelimits"), bigLimits),
				},
				Check:              raise,
				ExpectNonEmptyPlan: true, // the drift raise makes
			},
			{
				// Drift beyond the bounds: refresh reads it, the plan puts the configured limit
				// back in place.
				Config: keyConfig(srv, importedConfig) + managed,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("apikey_unkey_key.managed", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("apikey_unkey_key.managed", tfjsonpath.New("ratelimits"), knownvalue.SetExact([]knownvalue.Check{
							knownvalue.ObjectPartial(map[string]knownvalue.Check{"limit": knownvalue.Int64Exact(10), "duration": knownvalue.StringExact("1m")}),
						})),
					},
				},
				Check: func(*terraform.State) error {
					k, err := srv.Unkey.GetKey(ctx, managedID, false)
					if err != nil {
						return err
					}
					if len(k.Ratelimits) != 1 || k.Ratelimits[0].Limit != 10 || k.Ratelimits[0].Duration != time.Minute.Milliseconds() {
						return fmt.Errorf("managed key %s ratelimits on the server: %+v", managedID, k.Ratelimits)
					}
					return nil
				},
			},
		},
	})
}

// Key ids of both shapes (the genuine short "key_" + 9 characters and the long base58 one) are
// created, read, listed and imported alike, and the keys data source lists an API in the API's
// own order, which is not byte order.
func TestAccUnkeyKey_bothIDShapesAndListingOrder(t *testing.T) {
	srv := acctest.NewLocalServer(t, "it switches the key id shape (Dev.SetLongKeyIDs)")
	ctx := context.Background()
	const seeded = unkey.ListKeysMaxLimit + 10
	for i := range seeded {
		srv.Dev.SetLongKeyIDs(i%2 == 1)
		mustCreateKey(t, srv, unkey.CreateKeyRequest{Name: fmt.Sprintf("tfacc-seed-%03d", i)})
	}
	srv.Dev.SetLongKeyIDs(false)
	short := fmt.Sprintf(`
resource "apikey_unkey_key" "short" {
  api_id = %q
  name   = "tfacc-short"
}
`, srv.APIID)
	long := fmt.Sprintf(`
resource "apikey_unkey_key" "long" {
  api_id = %q
  name   = "tfacc-long"
}
`, srv.APIID)
	listing := fmt.Sprintf(`
data "apikey_unkey_keys" "all" {
  api_id     = %q
  depends_on = [apikey_unkey_key.short, apikey_unkey_key.long]
}
`, srv.APIID)
	// The data source lists every key in the order the API lists them, and that order is not the
	// byte order of the ids.
	checkListing := func(s *terraform.State) error {
		apiOrder, err := srv.Unkey.ListAllKeys(ctx, srv.APIID, "")
		if err != nil {
			return err
		}
		want := make([]string, len(apiOrder))
		for i, k := range apiOrder {
			want[i] = k.KeyID
		}
		if len(want) != seeded+2 {
			return fmt.Errorf("the API holds %d keys, want %d", len(want), seeded+2)
		}
		if slices.IsSorted(want) {
			return fmt.Errorf("the API listed its keys in byte order; the fixture cannot tell the orders apart")
		}
		a := s.RootModule().Resources["data.apikey_unkey_keys.all"].Primary.Attributes
		if a["keys.#"] != strconv.Itoa(len(want)) {
			return fmt.Errorf("data source keys.# = %s, want %d", a["keys.#"], len(want))
		}
		for i, id := range want {
			if got := a["keys."+strconv.Itoa(i)+".id"]; got != id {
				return fmt.Errorf("data source keys.%d.id = %s, want %s (the API's order)", i, got, id)
			}
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             checkKeyGone(srv),
		Steps: []resource.TestStep{
			{
				Config: srv.ProviderConfig() + short,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("apikey_unkey_key.short", tfjsonpath.New("id"), knownvalue.StringRegexp(shortKeyID)),
				},
			},
			{
				PreConfig: func() { srv.Dev.SetLongKeyIDs(true) },
				Config:    srv.ProviderConfig() + short + long,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("apikey_unkey_key.long", tfjsonpath.New("id"), knownvalue.StringRegexp(longKeyID)),
					statecheck.ExpectKnownValue("apikey_unkey_key.short", tfjsonpath.New("id"), knownvalue.StringRegexp(shortKeyID)),
				},
			},
			{
				PreConfig: func() { srv.Dev.SetLongKeyIDs(false) },
				Config:    srv.ProviderConfig() + short + long + listing,
				Check:     checkListing,
			},
			{
				// Both shapes import by "<api_id>/<key_id>" to what was in state.
				Config:                  srv.ProviderConfig() + short + long,
				ResourceName:            "apikey_unkey_key.long",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"plaintext", "byte_length", "recoverable", "permanent_delete", "store_plaintext"},
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return srv.APIID + "/" + s.RootModule().Resources["apikey_unkey_key.long"].Primary.ID, nil
				},
			},
			{
				Config:                  srv.ProviderConfig() + short + long,
				ResourceName:            "apikey_unkey_key.short",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"plaintext", "byte_length", "recoverable", "permanent_delete", "store_plaintext"},
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return srv.APIID + "/" + s.RootModule().Resources["apikey_unkey_key.short"].Primary.ID, nil
				},
			},
		},
	})
}

// The list resource pages through an API in its own order and yields keys of both id shapes,
// each with its identity, display name and (with include_resource) its state.
func TestAccUnkeyKeyList_bothIDShapes(t *testing.T) {
	skipUnlessCLIHas(t, acctest.FeatureListResources)
	srv := acctest.NewLocalServer(t, "it switches the key id shape (Dev.SetLongKeyIDs)")
	const seeded = unkey.ListKeysMaxLimit + 5
	var shortKey, longKey *unkey.Key
	for i := range seeded {
		srv.Dev.SetLongKeyIDs(i%2 == 1)
		k := mustCreateKey(t, srv, unkey.CreateKeyRequest{Name: fmt.Sprintf("tfacc-shape-%03d", i)})
		if i >= seeded-2 && i%2 == 1 {
			longKey = k
		} else if i >= seeded-2 {
			shortKey = k
		}
	}
	srv.Dev.SetLongKeyIDs(false)
	if !shortKeyID.MatchString(shortKey.KeyID) || !longKeyID.MatchString(longKey.KeyID) {
		t.Fatalf("fixture ids %s and %s do not have the two shapes", shortKey.KeyID, longKey.KeyID)
	}
	query := fmt.Sprintf(`
list "apikey_unkey_key" "all" {
  provider = apikey
  limit    = 1000
  config {
    api_id = %[1]q
  }
}

list "apikey_unkey_key" "last_two" {
  provider         = apikey
  include_resource = true
  config {
    api_id      = %[1]q
    name_prefix = "tfacc-shape-10"
  }
}
`, srv.APIID)
	results := func(k *unkey.Key) []querycheck.QueryResultCheck {
		return []querycheck.QueryResultCheck{
			querycheck.ExpectResourceDisplayName("apikey_unkey_key.all",
				queryfilter.ByResourceIdentity(identityOf(srv.APIID, k.KeyID)),
				knownvalue.StringExact(*k.Name+" ("+k.Start+")")),
			querycheck.ExpectResourceKnownValues("apikey_unkey_key.last_two",
				queryfilter.ByResourceIdentity(identityOf(srv.APIID, k.KeyID)),
				[]querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(k.KeyID)},
					{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact(*k.Name)},
				}),
		}
	}
	checks := []querycheck.QueryResultCheck{
		querycheck.ExpectLength("apikey_unkey_key.all", seeded),
		// shape-100 .. shape-104
		querycheck.ExpectLength("apikey_unkey_key.last_two", 5),
	}
	checks = append(checks, results(shortKey)...)
	checks = append(checks, results(longKey)...)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: srv.ProviderConfig()},
			{Query: true, Config: query, QueryResultChecks: checks},
		},
	})
}
