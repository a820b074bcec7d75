package mixpeek

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
)

// VerifyCreated checks that a create/rotate response is self-consistent: key_hash must be the
// lowercase hex SHA-256 of the plaintext, and key_prefix, when present, must be the start of the
// plaintext (either key[:10] or key[:10]+"..."). It catches a server that hashes differently or a
// response mixing two keys. Error messages never contain the plaintext (nor the prefix, which is
// part of it).
func VerifyCreated(c *CreatedKey) error {
	if c == nil {
		return errors.New("mixpeek: no key in response")
	}
	if c.Plaintext == "" {
		return errors.New("mixpeek: response carries no plaintext key")
	}
	sum := sha256.Sum256([]byte(c.Plaintext))
	want := hex.EncodeToString(sum[:])
	got := strings.TrimSpace(c.KeyHash)
	if got == "" {
		return errors.New("mixpeek: response carries no key_hash")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		if strings.EqualFold(got, want) {
			return errors.New("mixpeek: key_hash is not lowercase hex")
		}
		return errors.New("mixpeek: key_hash is not the SHA-256 of the returned key (expected 64 lowercase hex characters of sha256(key))")
	}
	if c.KeyPrefix != nil && *c.KeyPrefix != "" {
		p := strings.TrimSuffix(*c.KeyPrefix, "...")
		if p == "" || len(p) > len(c.Plaintext) || subtle.ConstantTimeCompare([]byte(p), []byte(c.Plaintext[:len(p)])) != 1 {
			return errors.New("mixpeek: key_prefix does not match the start of the returned key")
		}
	}
	return nil
}
