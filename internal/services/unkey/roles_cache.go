package unkey

import (
	"context"
	"sync"
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
