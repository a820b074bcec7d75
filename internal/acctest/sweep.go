package acctest

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// The sweepers delete what a failed live run left behind: everything whose name starts with
// NamePrefix, in the live services of the environment (LiveFromEnv). A service package
// registers them with resource.AddTestSweepers; run them with
//
//	APIKEY_ACC_LIVE=1 ... go test ./internal/services/unkey -sweep=live
//
// The region argument of terraform-plugin-testing has no meaning here; any value runs them.

func sweepConfig() (LiveConfig, error) {
	if !Live() {
		return LiveConfig{}, fmt.Errorf("the sweepers clean up live services: set %s and the variables of the services", EnvLive)
	}
	return LiveFromEnv()
}

// SweepUnkeyKeys deletes, permanently, the keys of the live API ($APIKEY_ACC_UNKEY_API_ID)
// whose name, or the external id of whose identity, starts with NamePrefix. Without that variable there is no API to sweep (Unkey
// cannot list APIs), and it does nothing.
func SweepUnkeyKeys(string) error {
	c, err := sweepConfig()
	if err != nil {
		return err
	}
	if c.UnkeyAPIID == "" {
		log.Printf("[INFO] %s is not set: no Unkey API to sweep", EnvUnkeyAPIID)
		return nil
	}
	uc, _, err := c.Clients()
	if err != nil {
		return err
	}
	ctx := context.Background()
	keys, err := uc.AllKeys(ctx, unkey.ListKeysRequest{APIID: c.UnkeyAPIID})
	if err != nil {
		return fmt.Errorf("listing the keys of %s: %w", c.UnkeyAPIID, err)
	}
	var errs []error
	n := 0
	for _, k := range keys {
		if !sweepableKey(k) {
			continue
		}
		if err := uc.DeleteKey(ctx, k.KeyID, true); err != nil && !unkey.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting key %s: %w", k.KeyID, err))
			continue
		}
		n++
	}
	log.Printf("[INFO] swept %d Unkey keys", n)
	return errors.Join(errs...)
}

// SweepUnkeySetup deletes the identities (by external id), roles (by name) and permissions (by
// name or slug) that start with NamePrefix. The slug counts on its own: Unkey creates a
// permission when a key or role names a slug that does not exist, and a test may give a
// permission a free-form name.
func SweepUnkeySetup(string) error {
	c, err := sweepConfig()
	if err != nil {
		return err
	}
	uc, _, err := c.Clients()
	if err != nil {
		return err
	}
	ctx := context.Background()
	var errs []error
	ids, err := uc.ListIdentities(ctx)
	errs = append(errs, err)
	for _, id := range ids {
		if strings.HasPrefix(id.ExternalID, NamePrefix) {
			if err := uc.DeleteIdentity(ctx, id.ID); err != nil && !unkey.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("deleting identity %s: %w", id.ID, err))
			}
		}
	}
	roles, err := uc.ListRoles(ctx)
	errs = append(errs, err)
	for _, r := range roles {
		if strings.HasPrefix(r.Name, NamePrefix) {
			if err := uc.DeleteRole(ctx, r.ID); err != nil && !unkey.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("deleting role %s: %w", r.ID, err))
			}
		}
	}
	perms, err := uc.ListPermissions(ctx)
	errs = append(errs, err)
	for _, p := range perms {
		if strings.HasPrefix(p.Name, NamePrefix) || strings.HasPrefix(p.Slug, NamePrefix) {
			if err := uc.DeletePermission(ctx, p.ID); err != nil && !unkey.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("deleting permission %s: %w", p.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}

// SweepMixpeekKeys revokes the live user's keys ($APIKEY_ACC_MIXPEEK_USER) whose name starts
// with NamePrefix.
func SweepMixpeekKeys(string) error {
	c, err := sweepConfig()
	if err != nil {
		return err
	}
	_, mc, err := c.Clients()
	if err != nil {
		return err
	}
	ctx := context.Background()
	keys, err := mc.ListKeys(ctx, c.MixpeekUser, false)
	if err != nil {
		return fmt.Errorf("listing the keys of %s: %w", c.MixpeekUser, err)
	}
	var errs []error
	n := 0
	for _, k := range keys {
		if !strings.HasPrefix(k.Name, NamePrefix) {
			continue
		}
		if err := mc.RevokeKeyConfirmed(ctx, c.MixpeekUser, k.Name, k.KeyID); err != nil {
			errs = append(errs, fmt.Errorf("revoking key %s: %w", k.KeyID, err))
			continue
		}
		n++
	}
	log.Printf("[INFO] swept %d Mixpeek keys", n)
	return errors.Join(errs...)
}

// sweepableKey: the external id counts for keys a test leaves without a name on purpose.
func sweepableKey(k unkey.Key) bool {
	if k.Name != nil {
		return strings.HasPrefix(*k.Name, NamePrefix)
	}
	return k.Identity != nil && strings.HasPrefix(k.Identity.ExternalID, NamePrefix)
}
