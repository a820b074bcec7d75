package devserver

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

type verifyCredits struct {
	Cost *int64 `json:"cost"`
}

type verifyRatelimit struct {
	Name     *string `json:"name"`
	Cost     *int64  `json:"cost"`
	Limit    *int64  `json:"limit"`
	Duration *int64  `json:"duration"`
}

type verifyKeyRequest struct {
	Key         *string           `json:"key"`
	Tags        []string          `json:"tags"`
	Permissions *string           `json:"permissions"`
	Credits     *verifyCredits    `json:"credits"`
	Ratelimits  []verifyRatelimit `json:"ratelimits"`
	MigrationID *string           `json:"migrationId"`
}

func (r *verifyKeyRequest) validate(v *validator) {
	v.reqStr("body.key", r.Key, 1, ukVerifyKeyMaxLength, nil)
	v.strs("body.tags", r.Tags, 0, 20, 1, 512, nil)
	// The query's syntax is the handler's to check (permissions_query_syntax_error), not the
	// schema's.
	v.optStr("body.permissions", r.Permissions, 1, 1000, nil)
	if r.Credits != nil && v.required("body.credits.cost", r.Credits.Cost != nil) {
		v.intRange("body.credits.cost", *r.Credits.Cost, 0, 1_000_000_000_000)
	}
	for i, rl := range r.Ratelimits {
		at := fmt.Sprintf("body.ratelimits[%d]", i)
		v.reqStr(at+".name", rl.Name, 3, 255, nil)
		for _, f := range []struct {
			name string
			n    *int64
		}{{"cost", rl.Cost}, {"limit", rl.Limit}, {"duration", rl.Duration}} {
			if f.n != nil && *f.n < 0 {
				v.add(at+"."+f.name, "must be >= 0")
			}
		}
	}
	v.optStr("body.migrationId", r.MigrationID, 0, 256, nil)
}

type verifyRatelimitData struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Limit     int64  `json:"limit"`
	Duration  int64  `json:"duration"`
	Reset     int64  `json:"reset"`
	Remaining int64  `json:"remaining"`
	Exceeded  bool   `json:"exceeded"`
	AutoApply bool   `json:"autoApply"`
}

type verifyKeyResponse struct {
	Valid       bool                  `json:"valid"`
	Code        string                `json:"code"`
	KeyID       string                `json:"keyId,omitempty"`
	Name        string                `json:"name,omitempty"`
	Meta        json.RawMessage       `json:"meta,omitempty"`
	Expires     int64                 `json:"expires,omitempty"`
	Credits     *int64                `json:"credits,omitempty"`
	Enabled     *bool                 `json:"enabled,omitempty"`
	Permissions []string              `json:"permissions,omitempty"`
	Roles       []string              `json:"roles,omitempty"`
	Identity    *identityData         `json:"identity,omitempty"`
	Ratelimits  []verifyRatelimitData `json:"ratelimits,omitempty"`
}

// handleVerifyKey checks, in Unkey's order, disabled → expired → permissions → credits → rate
// limits. Outcomes are 200s; credits are only spent by a verification that passes everything.
func (s *Server) handleVerifyKey(ctx context.Context, req *verifyKeyRequest) (any, error) {
	if err := require(ctx, PermVerifyKey); err != nil {
		return nil, err
	}
	var query permQuery
	if req.Permissions != nil {
		var err error
		if query, err = parsePermissionQuery(*req.Permissions); err != nil {
			return nil, errPermissionsQuery(err.Error())
		}
	}
	out := verifyKeyResponse{Code: "NOT_FOUND"}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		k, ok, err := loadKeyByPlaintext(ctx, tx, *req.Key)
		if err != nil || !ok {
			return err
		}
		kd, err := s.keyResponse(ctx, tx, k, false)
		if err != nil {
			return err
		}
		now := s.nowMillis()
		out = verifyKeyResponse{
			Code: "VALID", KeyID: kd.KeyID, Name: kd.Name, Meta: kd.Meta, Expires: kd.Expires,
			Enabled: &kd.Enabled, Permissions: kd.Permissions, Roles: kd.Roles, Identity: kd.Identity,
		}
		if k.remaining.Valid {
			out.Credits = &k.remaining.Int64
		}
		cost := int64(1)
		if req.Credits != nil {
			cost = *req.Credits.Cost
		}
		switch {
		case !k.enabled:
			out.Code = "DISABLED"
		// An expiry of 0 is 1970: stored and enforced, though getKey leaves it out.
		case k.expires.Valid && k.expires.Int64 <= now:
			out.Code = "EXPIRED"
		case query != nil && !query.eval(kd.Permissions):
			out.Code = "INSUFFICIENT_PERMISSIONS"
		case k.remaining.Valid && k.remaining.Int64 < cost:
			out.Code = "USAGE_EXCEEDED"
		default:
			out.Ratelimits = s.applyRatelimits(kd, req.Ratelimits, now)
			for _, rl := range out.Ratelimits {
				if rl.Exceeded {
					out.Code = "RATE_LIMITED"
				}
			}
		}
		if out.Code == "VALID" && k.remaining.Valid {
			left := k.remaining.Int64 - cost
			out.Credits = &left
			if _, err := tx.ExecContext(ctx, `UPDATE keys SET remaining = ? WHERE id = ?`, left, k.id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE keys SET last_used_at = ? WHERE id = ?`, now, k.id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Valid = out.Code == "VALID"
	return out, nil
}

// applyRatelimits charges the key's auto-applied limits and the ones the request names (key
// limits take precedence over identity limits of the same name). Names that match no limit are
// ignored.
func (s *Server) applyRatelimits(kd keyResponseData, requested []verifyRatelimit, now int64) []verifyRatelimitData {
	type use struct {
		rl   ratelimitResponse
		cost int64
	}
	var uses []use
	byName := map[string]int{}
	add := func(rl ratelimitResponse, cost int64) {
		if i, ok := byName[rl.Name]; ok {
			uses[i] = use{rl, cost}
			return
		}
		byName[rl.Name] = len(uses)
		uses = append(uses, use{rl, cost})
	}
	var identityLimits []ratelimitResponse
	if kd.Identity != nil {
		identityLimits = kd.Identity.Ratelimits
	}
	for _, rl := range identityLimits {
		if rl.AutoApply {
			add(rl, 1)
		}
	}
	for _, rl := range kd.Ratelimits {
		if rl.AutoApply {
			add(rl, 1)
		}
	}
	for _, r := range requested {
		var found *ratelimitResponse
		for _, list := range [][]ratelimitResponse{kd.Ratelimits, identityLimits} {
			for i := range list {
				if found == nil && list[i].Name == *r.Name {
					found = &list[i]
				}
			}
		}
		if found == nil {
			continue
		}
		rl := *found
		if r.Limit != nil && *r.Limit > 0 {
			rl.Limit = *r.Limit
		}
		if r.Duration != nil && *r.Duration > 0 {
			rl.Duration = *r.Duration
		}
		cost := int64(1)
		if r.Cost != nil {
			cost = *r.Cost
		}
		add(rl, cost)
	}
	out := make([]verifyRatelimitData, 0, len(uses))
	for _, u := range uses {
		remaining, reset, ok := s.limiter.take(u.rl.ID, u.rl.Limit, u.rl.Duration, u.cost, now)
		out = append(out, verifyRatelimitData{
			ID: u.rl.ID, Name: u.rl.Name, Limit: u.rl.Limit, Duration: u.rl.Duration,
			Reset: reset, Remaining: remaining, Exceeded: !ok, AutoApply: u.rl.AutoApply,
		})
	}
	return out
}

// rateLimiter keeps fixed windows in memory: a local server needs no more, and restarting it
// resets the counters.
type rateLimiter struct {
	mu      sync.Mutex
	windows map[string]rlWindow
}

type rlWindow struct {
	start int64
	used  int64
}

// take charges cost against the window of length duration that contains now; it refuses
// (without charging) when the limit would be exceeded. reset is when the window ends, in Unix
// ms, as Unkey reports it (not the time left).
func (l *rateLimiter) take(id string, limit, duration, cost, now int64) (remaining, reset int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := now - now%duration
	w := l.windows[id]
	if w.start != start {
		w = rlWindow{start: start}
	}
	ok = w.used+cost <= limit
	if ok {
		w.used += cost
	}
	l.windows[id] = w
	return max(0, limit-w.used), start + duration, ok
}

// permQuery is a parsed verifyKey permissions query.
type permQuery interface {
	eval(have []string) bool
}

type permSlug string

func (p permSlug) eval(have []string) bool {
	for _, h := range have {
		if h == string(p) {
			return true
		}
	}
	return false
}

type permAnd []permQuery

func (a permAnd) eval(have []string) bool {
	for _, q := range a {
		if !q.eval(have) {
			return false
		}
	}
	return true
}

type permOr []permQuery

func (o permOr) eval(have []string) bool {
	for _, q := range o {
		if q.eval(have) {
			return true
		}
	}
	return false
}

// parsePermissionQuery parses slugs combined with AND / OR (AND binds tighter) and parentheses,
// e.g. "documents.read AND (documents.write OR admin)".
func parsePermissionQuery(s string) (permQuery, error) {
	p := &permParser{tokens: tokenizePermissions(s)}
	q, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.tokens) {
		return nil, fmt.Errorf("unexpected %q in permissions query", p.tokens[p.pos])
	}
	return q, nil
}

func tokenizePermissions(s string) []string {
	var tokens []string
	for _, field := range strings.Fields(s) {
		for field != "" {
			switch i := strings.IndexAny(field, "()"); {
			case i < 0:
				tokens, field = append(tokens, field), ""
			case i == 0:
				tokens, field = append(tokens, field[:1]), field[1:]
			default:
				tokens, field = append(tokens, field[:i]), field[i:]
			}
		}
	}
	return tokens
}

type permParser struct {
	tokens []string
	pos    int
}

func (p *permParser) peek() string {
	if p.pos < len(p.tokens) {
		return p.tokens[p.pos]
	}
	return ""
}

func (p *permParser) or() (permQuery, error) {
	return p.list("OR", p.and, func(qs []permQuery) permQuery { return permOr(qs) })
}

func (p *permParser) and() (permQuery, error) {
	return p.list("AND", p.operand, func(qs []permQuery) permQuery { return permAnd(qs) })
}

// list parses operand (op operand)*.
func (p *permParser) list(op string, operand func() (permQuery, error), join func([]permQuery) permQuery) (permQuery, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	qs := []permQuery{first}
	for strings.EqualFold(p.peek(), op) {
		p.pos++
		next, err := operand()
		if err != nil {
			return nil, err
		}
		qs = append(qs, next)
	}
	if len(qs) == 1 {
		return first, nil
	}
	return join(qs), nil
}

func (p *permParser) operand() (permQuery, error) {
	tok := p.peek()
	switch {
	case tok == "":
		return nil, errors.New("permissions query ends unexpectedly")
	case tok == "(":
		p.pos++
		q, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, errors.New("missing ) in permissions query")
		}
		p.pos++
		return q, nil
	case tok == ")" || strings.EqualFold(tok, "AND") || strings.EqualFold(tok, "OR"):
		return nil, fmt.Errorf("unexpected %q in permissions query", tok)
	case !ukSlugPattern.MatchString(tok):
		return nil, fmt.Errorf("invalid permission %q in permissions query", tok)
	}
	p.pos++
	return permSlug(tok), nil
}
