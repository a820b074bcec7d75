package mixpeek

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// minHashHexPrefix is the shortest leading part of the hex digest accepted as key_hash: the
// published example is the first 32 hex characters of a SHA-256.
const minHashHexPrefix = 32

// CheckCreated compares a create/rotate response with its own plaintext and returns what does not
// match, for the caller to report. The published API promises only that key_hash is "SHA-256 hash
// of the plaintext key" and that key_prefix "shows the first 10 characters", so nothing here is
// grounds for refusing or revoking the key: the findings are hints that the endpoint may not be
// Mixpeek or that the response mixes two keys.
//
// key_hash matches when it is the SHA-256 digest of the plaintext in hex (any case, or a leading
// part of at least 32 characters) or in base64 (standard or URL alphabet, padded or not).
// key_prefix, when present, matches when it is the start of the plaintext, with or without a
// trailing "...". Findings never contain the plaintext, the prefix or the hash.
func CheckCreated(c *CreatedKey) []string {
	if c == nil || c.Plaintext == "" {
		return []string{"the response carries no plaintext key to check key_hash and key_prefix against"}
	}
	var out []string
	switch got := strings.TrimSpace(c.KeyHash); {
	case got == "":
		out = append(out, "the response carries no key_hash")
	case !hashMatches(got, c.Plaintext):
		out = append(out, "key_hash is not the SHA-256 of the returned key in any encoding the provider recognises (hex, a hex prefix of at least 32 characters, base64); Mixpeek may salt or encode its hashes differently")
	}
	if c.KeyPrefix != nil && *c.KeyPrefix != "" {
		p := strings.TrimSuffix(*c.KeyPrefix, "...")
		if p == "" || len(p) > len(c.Plaintext) || subtle.ConstantTimeCompare([]byte(p), []byte(c.Plaintext[:len(p)])) != 1 {
			out = append(out, "key_prefix is not the start of the returned key")
		}
	}
	return out
}

func hashMatches(got, plaintext string) bool {
	sum := sha256.Sum256([]byte(plaintext))
	full := hex.EncodeToString(sum[:])
	lower := strings.ToLower(got)
	if len(lower) >= minHashHexPrefix && len(lower) <= len(full) &&
		subtle.ConstantTimeCompare([]byte(lower), []byte(full[:len(lower)])) == 1 {
		return true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if subtle.ConstantTimeCompare([]byte(got), []byte(enc.EncodeToString(sum[:]))) == 1 {
			return true
		}
	}
	return false
}
