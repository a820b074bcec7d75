package devserver

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// MixpeekAids are testing aids for the Mixpeek protocol: each one makes the server answer in a
// way the published API allows but the default behaviour does not show, so a client's handling
// of it can be tested. All are off in the zero value; SetMixpeekAids changes them at runtime.
type MixpeekAids struct {
	// VaryWire rotates, from one value to the next, the spelling of every timestamp in a key
	// (RFC 3339 with "Z", Python's isoformat with "+00:00", with and without fractional
	// seconds, and zone-less UTC as a naive datetime prints), and, from one listing to the next,
	// the list envelope: {"results":[...],"total":n}, a bare array, {"api_keys":[...]},
	// {"keys":[...],"total":n}, {"data":[...]} and {"results":[...]} without a total.
	VaryWire bool
	// KeyHashSalt, when set, makes key_hash the hex SHA-256 of KeyHashSalt+plaintext for keys
	// created or rotated from then on: the spec says only "SHA-256 hash of the plaintext key".
	KeyHashSalt string
	// KeepRateLimitOnNull makes PATCH with "rate_limit_override": null leave the override in
	// place; the spec documents null-clears only for expires_at.
	KeepRateLimitOnNull bool
}

type mixpeekAidState struct {
	mu   sync.Mutex
	aids MixpeekAids
	// Positions in the VaryWire rotations, one for timestamps and one for envelopes, so that
	// every envelope comes round whatever the number of timestamps in between.
	timeSeq, listSeq uint64
}

// SetMixpeekAids replaces the Mixpeek testing aids in force.
func (s *Server) SetMixpeekAids(a MixpeekAids) {
	s.mpAids.mu.Lock()
	defer s.mpAids.mu.Unlock()
	s.mpAids.aids = a
}

// MixpeekAids returns the Mixpeek testing aids in force.
func (s *Server) MixpeekAids() MixpeekAids {
	s.mpAids.mu.Lock()
	defer s.mpAids.mu.Unlock()
	return s.mpAids.aids
}

// mpNext returns the next position of a VaryWire rotation.
func (s *Server) mpNext(seq *uint64) uint64 {
	s.mpAids.mu.Lock()
	defer s.mpAids.mu.Unlock()
	n := *seq
	*seq++
	return n
}

// mpKeyHashOf is key_hash for a new key: hex SHA-256 of the plaintext, salted under KeyHashSalt.
func (s *Server) mpKeyHashOf(plaintext string) string {
	if salt := s.MixpeekAids().KeyHashSalt; salt != "" {
		sum := sha256.Sum256([]byte(salt + plaintext))
		return hex.EncodeToString(sum[:])
	}
	return mixpeekKeyHash(plaintext)
}

// mpTimeStyles are the timestamp spellings VaryWire rotates through. Every one names the same
// UTC instant; the zone-less ones are what a naive datetime in UTC prints.
var mpTimeStyles = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.000000-07:00",
	"2006-01-02T15:04:05.000000",
	// Fractional seconds only when there are any, as Python's isoformat prints them.
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999",
}

// TestingAidHeader names, on a response, the testing aid that made it depart from the published
// document on purpose; the genuine services never send it.
const TestingAidHeader = "X-Apikey-Devserver-Testing-Aid"

// mpVary rewrites a handler's result as VaryWire asks; other results pass through.
func (s *Server) mpVary(out any) any {
	if !s.MixpeekAids().VaryWire {
		return out
	}
	switch v := out.(type) {
	case mpKeyModel:
		s.mpVaryTimes(&v)
		return v
	case mpCreatedKey:
		s.mpVaryTimes(&v.mpKeyModel)
		return v
	case mpKeyList:
		for i := range v {
			s.mpVaryTimes(&v[i])
		}
		items := []mpKeyModel(v)
		switch s.mpNext(&s.mpAids.listSeq) % 6 {
		case 0:
			return map[string]any{"results": items, "total": len(items)}
		case 1:
			return items
		case 2:
			return map[string]any{"api_keys": items}
		case 3:
			return map[string]any{"keys": items, "total": len(items)}
		case 4:
			return map[string]any{"data": items}
		default:
			return map[string]any{"results": items}
		}
	}
	return out
}

func (s *Server) mpVaryTimes(m *mpKeyModel) {
	for _, p := range []**string{&m.CreatedAt, &m.ExpiresAt, &m.LastUsedAt, &m.RevokedAt} {
		if *p == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, **p)
		if err != nil {
			continue
		}
		v := t.UTC().Format(mpTimeStyles[s.mpNext(&s.mpAids.timeSeq)%uint64(len(mpTimeStyles))])
		*p = &v
	}
}

// DuplicateMixpeekKey is a testing aid that stores a second live key with the name, owner and
// settings of key keyID (which the API refuses with 409) and returns the new key's id. The
// published API documents no uniqueness of names, so a client must cope with two live keys
// answering to one name; name-addressed routes then act on the older one.
func (s *Server) DuplicateMixpeekKey(ctx context.Context, keyID string) (string, error) {
	var id string
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `SELECT `+mpKeyColumns+` FROM mixpeek_keys WHERE key_id = ?`, keyID)
		k, err := scanMPKey(row)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("devserver: no Mixpeek key %s", keyID)
		}
		if err != nil {
			return err
		}
		k.createdAt = s.nowMillis()
		k.revokedAt, k.revokedBy, k.lastUsedAt = sql.NullInt64{}, sql.NullString{}, sql.NullInt64{}
		if _, err := s.insertMPKey(ctx, tx, &k); err != nil {
			return err
		}
		id = k.keyID
		return nil
	})
	return id, err
}
