package unkey

import (
	"context"
	"fmt"
	"sync"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// roleCache remembers each role's permissions for the life of the provider process, so telling
// a key's direct permissions from its roles' costs one getRole per role, not per key. The role
// resource forgets a role it changes.
type roleCache struct {
	mu    sync.Mutex
	perms map[string][]string
}

func (b *Backend) rolePermissions(ctx context.Context, roles []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, role := range roles {
		b.roles.mu.Lock()
		perms, ok := b.roles.perms[role]
		b.roles.mu.Unlock()
		if !ok {
			got, err := b.Client.GetRole(ctx, role)
			if err != nil {
				return nil, err
			}
			perms = make([]string, 0, len(got.Permissions))
			for _, p := range got.Permissions {
				perms = append(perms, p.Slug)
			}
			b.roles.mu.Lock()
			if b.roles.perms == nil {
				b.roles.perms = map[string][]string{}
			}
			b.roles.perms[role] = perms
			b.roles.mu.Unlock()
		}
		for _, p := range perms {
			out[p] = true
		}
	}
	return out, nil
}

// forgetRole drops a role from the cache after it changed.
func (b *Backend) forgetRole(name string) {
	b.roles.mu.Lock()
	delete(b.roles.perms, name)
	b.roles.mu.Unlock()
}

// keyInAPI reports whether apiID lists keyID; getKey does not say which API a key is in.
func (b *Backend) keyInAPI(ctx context.Context, apiID, keyID string) (bool, error) {
	keys, err := b.Client.ListAllKeys(ctx, apiID, "")
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if k.KeyID == keyID {
			return true, nil
		}
	}
	return false, nil
}

// apiChecks remembers, per provider process, which APIs are known to exist.
type apiChecks struct {
	mu sync.Mutex
	ok map[string]bool
}

// vanishedCreate recognises a key that reads as not found right after Unkey created it: Unkey
// creates keys in a deleted API (checkAPI cannot tell when the root key may not read APIs), and
// such a key can never be used, read or deleted. msg names the API for the user.
func vanishedCreate(apiID, keyID string, err error) (msg string, vanished bool) {
	if !unkey.IsKeyNotFound(err) {
		return "", false
	}
	return fmt.Sprintf("Unkey accepted the new key %s but reports it as not found immediately afterwards: API %s was probably deleted outside Terraform (Unkey still accepts keys there, and they never work). Create the API, for example with an apikey_unkey_api resource, or point api_id at an existing API. %s", keyID, apiID, err), true
}

// checkAPI fails when Unkey reports apiID as not found. Creating a key in a deleted API is
// answered with success by Unkey, and the key then reads as not found, so without this check
// every apply would leak one key and plan it again. One getApi per API per provider process;
// a root key that may not read APIs (403) skips the check rather than block creates.
func (b *Backend) checkAPI(ctx context.Context, apiID string) error {
	b.apis.mu.Lock()
	known := b.apis.ok[apiID]
	b.apis.mu.Unlock()
	if known {
		return nil
	}
	_, err := b.Client.GetAPI(ctx, apiID)
	switch {
	case unkey.IsAPINotFound(err):
		return fmt.Errorf("API %s does not exist (it may have been deleted outside Terraform); create it, for example with an apikey_unkey_api resource, or point api_id at an existing API: %w", apiID, err)
	case unkey.IsForbidden(err):
		return nil
	case err != nil:
		return b.explain(err)
	}
	b.apis.mu.Lock()
	if b.apis.ok == nil {
		b.apis.ok = map[string]bool{}
	}
	b.apis.ok[apiID] = true
	b.apis.mu.Unlock()
	return nil
}
