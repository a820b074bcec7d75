package acctest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// The sweepers delete what carries NamePrefix and nothing else, through the API only.
func TestSweepers(t *testing.T) {
	SkipIfLive(t, "it creates and sweeps objects on a server of its own")
	srv := NewServer(t)
	ctx := context.Background()
	for _, name := range []string{NamePrefix + "left", "keep"} {
		if _, err := srv.Unkey.CreateKey(ctx, unkey.CreateKeyRequest{APIID: srv.APIID, Name: name}); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Unkey.CreateRole(ctx, name, "", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Unkey.CreateIdentity(ctx, name, nil, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Mixpeek.CreateKey(ctx, srv.MixpeekUser, mixpeek.CreateKeyRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	// A key without a name is matched by its identity's external id.
	nameless := map[string]bool{}
	for _, ext := range []string{NamePrefix + "owner", "keep-owner"} {
		k, err := srv.Unkey.CreateKey(ctx, unkey.CreateKeyRequest{APIID: srv.APIID, ExternalID: ext})
		if err != nil {
			t.Fatal(err)
		}
		nameless[k.KeyID] = strings.HasPrefix(ext, NamePrefix)
	}
	// Permissions are matched by name or by slug; the slug alone is all an auto-created one has
	// that a test chose.
	perms := []struct {
		name, slug string
		swept      bool
	}{
		{name: "keep", slug: "keep", swept: false},
		{name: NamePrefix + "named", slug: "keep.named", swept: true},
		{name: "Read documents", slug: NamePrefix + "docs.read", swept: true},
		{name: "keep.prefix-inside", slug: "keep." + NamePrefix + "inside", swept: false},
	}
	for _, p := range perms {
		if _, err := srv.Unkey.CreatePermission(ctx, p.name, p.slug, ""); err != nil {
			t.Fatal(err)
		}
	}
	// Created by Unkey for a key that names missing slugs.
	autoSlugs := map[string]bool{NamePrefix + "auto.write": true, "keep.auto": false}
	auto := unkey.CreateKeyRequest{APIID: srv.APIID, Name: "keep-with-permissions"}
	for slug := range autoSlugs {
		auto.Permissions = append(auto.Permissions, slug)
	}
	if _, err := srv.Unkey.CreateKey(ctx, auto); err != nil {
		t.Fatal(err)
	}

	for k, v := range map[string]string{
		EnvLive: "1", EnvUnkeyEndpoint: srv.Endpoint, EnvUnkeyRootKey: srv.RootKey, EnvUnkeyAPIID: srv.APIID,
		EnvMixpeekEndpoint: srv.Endpoint, EnvMixpeekAPIKey: srv.RootKey, EnvMixpeekUser: srv.MixpeekUser,
	} {
		t.Setenv(k, v)
	}
	// In the order the sweepers' registrations ask for: keys first, since a key of a swept
	// identity no longer names it.
	for _, s := range []struct {
		name  string
		sweep func(string) error
	}{{"unkey keys", SweepUnkeyKeys}, {"unkey setup", SweepUnkeySetup}, {"mixpeek keys", SweepMixpeekKeys}} {
		if err := s.sweep("live"); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}

	keys, err := srv.Unkey.ListAllKeys(ctx, srv.APIID, "")
	if err != nil {
		t.Fatal(err)
	}
	var keyNames []string
	for _, k := range keys {
		if k.Name != nil {
			keyNames = append(keyNames, *k.Name)
		}
		if swept, ok := nameless[k.KeyID]; ok {
			if swept {
				t.Errorf("key %s without a name, of identity %sowner, was not swept", k.KeyID, NamePrefix)
			}
			delete(nameless, k.KeyID)
		}
	}
	for id, swept := range nameless {
		if !swept {
			t.Errorf("key %s without a name, of an unprefixed identity, was swept", id)
		}
	}
	roles, err := srv.Unkey.ListRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var roleNames []string
	for _, r := range roles {
		roleNames = append(roleNames, r.Name)
	}
	ids, err := srv.Unkey.ListIdentities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var idNames []string
	for _, i := range ids {
		idNames = append(idNames, i.ExternalID)
	}
	mkeys, err := srv.Mixpeek.ListKeys(ctx, srv.MixpeekUser, false)
	if err != nil {
		t.Fatal(err)
	}
	var mNames []string
	for _, k := range mkeys {
		mNames = append(mNames, k.Name)
	}
	for what, names := range map[string][]string{"unkey keys": keyNames, "roles": roleNames, "identities": idNames, "mixpeek keys": mNames} {
		if slices.Contains(names, NamePrefix+"left") || !slices.Contains(names, "keep") {
			t.Errorf("%s after sweeping: %q, want keep and not %sleft", what, names, NamePrefix)
		}
	}

	left, err := srv.Unkey.ListPermissions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, p := range left {
		slugs = append(slugs, p.Slug)
	}
	for _, p := range perms {
		if got := slices.Contains(slugs, p.slug); got == p.swept {
			t.Errorf("permission %q (slug %q) still there: %v, want %v", p.name, p.slug, got, !p.swept)
		}
	}
	for slug, swept := range autoSlugs {
		if got := slices.Contains(slugs, slug); got == swept {
			t.Errorf("auto-created permission %q still there: %v, want %v", slug, got, !swept)
		}
	}
}
