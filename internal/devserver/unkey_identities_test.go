package devserver

import (
	"strings"
	"testing"
)

func TestIdentities(t *testing.T) {
	h := newHarness(t)
	var created struct {
		IdentityID string `json:"identityId"`
	}
	h.ok("identities.createIdentity", map[string]any{
		"externalId": "org_1", "meta": map[string]any{"tier": "gold"},
		"ratelimits": []map[string]any{{"name": "org", "limit": 10, "duration": 1000, "autoApply": true}},
	}, &created)
	if !strings.HasPrefix(created.IdentityID, "id_") {
		t.Fatalf("identityId %q", created.IdentityID)
	}
	for _, ref := range []string{"org_1", created.IdentityID} {
		var d identityData
		h.ok("identities.getIdentity", map[string]any{"identity": ref}, &d)
		if d.ID != created.IdentityID || d.ExternalID != "org_1" || string(d.Meta) != `{"tier":"gold"}` ||
			len(d.Ratelimits) != 1 || d.Ratelimits[0].Name != "org" {
			t.Fatalf("getIdentity(%s) = %+v", ref, d)
		}
	}
	h.fail("identities.createIdentity", map[string]any{"externalId": "org_1"}, 409, "unkey/data/identity_already_exists")
	for _, body := range []map[string]any{
		{},
		{"externalId": ""},
		{"externalId": "has space"},
		{"externalId": "x", "meta": []int{1}},
		{"externalId": "x", "ratelimits": []map[string]any{{"name": "x", "limit": 1, "duration": 1000, "autoApply": true}}},
	} {
		h.fail("identities.createIdentity", body, 400, "unkey/application/invalid_input")
	}
	h.fail("identities.getIdentity", map[string]any{"identity": ""}, 400, "unkey/application/invalid_input")
	h.fail("identities.getIdentity", map[string]any{"identity": "nobody"}, 404, "unkey/data/identity_not_found")

	// createKey links the existing identity; updateKey upserts a new one.
	k := h.createKey(map[string]any{"externalId": "org_1"})
	var d keyResponseData
	h.ok("keys.getKey", map[string]any{"keyId": k.KeyID}, &d)
	if d.Identity == nil || d.Identity.ID != created.IdentityID || len(d.Identity.Ratelimits) != 1 || string(d.Identity.Meta) != `{"tier":"gold"}` {
		t.Fatalf("key identity = %+v", d.Identity)
	}
	h.ok("keys.updateKey", map[string]any{"keyId": k.KeyID, "externalId": "org_2"}, nil)
	var other identityData
	h.ok("identities.getIdentity", map[string]any{"identity": "org_2"}, &other)
	if other.ID == created.IdentityID || len(other.Ratelimits) != 0 {
		t.Fatalf("upserted identity = %+v", other)
	}

	// Deleting an identity unlinks its keys and frees the externalId.
	r := h.ok("identities.deleteIdentity", map[string]any{"identity": "org_2"}, nil)
	if r.Data != nil {
		t.Fatalf("deleteIdentity returned data %s", r.Data)
	}
	h.fail("identities.getIdentity", map[string]any{"identity": "org_2"}, 404, "unkey/data/identity_not_found")
	h.fail("identities.deleteIdentity", map[string]any{"identity": "org_2"}, 404, "unkey/data/identity_not_found")
	h.fail("identities.deleteIdentity", map[string]any{}, 400, "unkey/application/invalid_input")
	if _, ok := h.getKey(k.KeyID)["identity"]; ok {
		t.Fatal("key still linked to a deleted identity")
	}
	h.ok("identities.createIdentity", map[string]any{"externalId": "org_2"}, nil)
}
