package devserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Request validation mimics FastAPI + pydantic v2: every problem is collected and answered as a
// 422 {"detail":[{"loc":[...],"msg":...,"type":...}]} with pydantic's error types and messages.
// Unknown members are ignored (pydantic's default, extra="ignore"): the published schemas do not
// set additionalProperties to false, and the published ResourceScope-Input examples carry a
// "description" that is no field of the model.

// mpIssue is one FastAPI validation error.
type mpIssue struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// mpValidationError is answered as HTTP 422 in FastAPI's HTTPValidationError shape.
type mpValidationError struct{ issues []mpIssue }

func (e *mpValidationError) Error() string { return fmt.Sprintf("%d validation issues", len(e.issues)) }

// mpChecker collects issues.
type mpChecker struct{ issues []mpIssue }

func (c *mpChecker) add(typ, msg string, loc ...any) {
	c.issues = append(c.issues, mpIssue{Loc: loc, Msg: msg, Type: typ})
}

func (c *mpChecker) err() error {
	if len(c.issues) == 0 {
		return nil
	}
	return &mpValidationError{issues: c.issues}
}

func mpAt(loc []any, more ...any) []any { return append(slices.Clip(loc), more...) }

func mpIsNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// mpObject parses a body that must be a JSON object.
func (c *mpChecker) mpObject(body []byte, loc []any) (map[string]json.RawMessage, bool) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		c.add("missing", "Field required", loc...)
		return nil, false
	}
	if !json.Valid(trimmed) {
		c.add("json_invalid", "JSON decode error", mpAt(loc, 0)...)
		return nil, false
	}
	return c.object(trimmed, loc)
}

// object decodes raw as an object, reporting a non-object.
func (c *mpChecker) object(raw json.RawMessage, loc []any) (map[string]json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		c.add("model_attributes_type", "Input should be a valid dictionary or object to extract fields from", loc...)
		return nil, false
	}
	return obj, true
}

// str decodes a string and checks its length in code points, as pydantic counts.
func (c *mpChecker) str(raw json.RawMessage, loc []any, minLen, maxLen int) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || mpIsNull(raw) {
		c.add("string_type", "Input should be a valid string", loc...)
		return "", false
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen:
		c.add("string_too_short", fmt.Sprintf("String should have at least %d character%s", minLen, mpPlural(minLen)), loc...)
		return s, false
	case maxLen >= 0 && n > maxLen:
		c.add("string_too_long", fmt.Sprintf("String should have at most %d character%s", maxLen, mpPlural(maxLen)), loc...)
		return s, false
	}
	return s, true
}

func mpPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// name checks a key name: 1..100 characters and no '/', which could not be addressed in a path.
func (c *mpChecker) name(raw json.RawMessage, loc []any) (string, bool) {
	s, ok := c.str(raw, loc, mpNameMinLength, mpNameMaxLength)
	if ok && strings.Contains(s, "/") {
		c.add("value_error", "Value error, name must not contain '/'", loc...)
		return s, false
	}
	return s, ok
}

// enumMsg renders pydantic's enum message: "Input should be 'a', 'b' or 'c'".
func mpEnumMsg(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "'" + v + "'"
	}
	if len(q) == 1 {
		return "Input should be " + q[0]
	}
	return "Input should be " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func (c *mpChecker) enum(raw json.RawMessage, loc []any, values []string) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || mpIsNull(raw) || !slices.Contains(values, s) {
		c.add("enum", mpEnumMsg(values), loc...)
		return "", false
	}
	return s, true
}

// enumList decodes an array of enum strings, dropping duplicates (the values form a set).
func (c *mpChecker) enumList(raw json.RawMessage, loc []any, values []string) ([]string, bool) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || mpIsNull(raw) {
		c.add("list_type", "Input should be a valid list", loc...)
		return nil, false
	}
	out := make([]string, 0, len(items))
	ok := true
	for i, it := range items {
		s, good := c.enum(it, mpAt(loc, i), values)
		if !good {
			ok = false
			continue
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, ok
}

// integer decodes a JSON integer (an integral float is accepted, as pydantic's lax mode does) and
// checks minimum.
func (c *mpChecker) integer(raw json.RawMessage, loc []any, minimum int64) (int64, bool) {
	var num json.Number
	trimmed := bytes.TrimSpace(raw)
	// json.Number also accepts a quoted number; pydantic's JSON mode rejects strings for ints.
	if len(trimmed) == 0 || trimmed[0] == '"' || json.Unmarshal(trimmed, &num) != nil || num == "" {
		c.add("int_type", "Input should be a valid integer", loc...)
		return 0, false
	}
	n, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(num.String(), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			c.add("int_from_float", "Input should be a valid integer, got a number with a fractional part", loc...)
			return 0, false
		}
		n = int64(f)
	}
	if n < minimum {
		c.add("greater_than_equal", fmt.Sprintf("Input should be greater than or equal to %d", minimum), loc...)
		return n, false
	}
	return n, true
}

// mpNaiveLayouts are the zone-less and date-only spellings a pydantic datetime accepts; they are
// read as UTC, as the SDK's own zone-less datetimes mean.
var mpNaiveLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"}

// mpUnixMillisThreshold is where pydantic reads a number as milliseconds rather than seconds.
const mpUnixMillisThreshold = 2e10

// datetime decodes what a pydantic datetime accepts: an RFC 3339 string (also with a space for
// the "T"), a zone-less or date-only string (UTC), or a Unix time in seconds, or milliseconds
// above 2e10. It returns Unix ms; a past time is accepted (the key is then expired).
func (c *mpChecker) datetime(raw json.RawMessage, loc []any) (int64, bool) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && (trimmed[0] == '-' || (trimmed[0] >= '0' && trimmed[0] <= '9')) {
		var f float64
		if json.Unmarshal(trimmed, &f) != nil || math.IsInf(f, 0) || math.Abs(f) > 1e16 {
			c.add("datetime_from_date_parsing", "Input should be a valid datetime or date, invalid number", loc...)
			return 0, false
		}
		if math.Abs(f) > mpUnixMillisThreshold {
			return int64(f), true
		}
		return int64(f * 1000), true
	}
	var s string
	if err := json.Unmarshal(trimmed, &s); err != nil || mpIsNull(trimmed) {
		c.add("datetime_type", "Input should be a valid datetime", loc...)
		return 0, false
	}
	if t, err := time.Parse(time.RFC3339Nano, strings.Replace(s, " ", "T", 1)); err == nil {
		return t.UnixMilli(), true
	}
	for _, layout := range mpNaiveLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UnixMilli(), true
		}
	}
	c.add("datetime_from_date_parsing", "Input should be a valid datetime or date, invalid character in year", loc...)
	return 0, false
}

// scopes decodes a list of ResourceScope-Input. operations keeps nil (absent/null) apart from [].
func (c *mpChecker) scopes(raw json.RawMessage, loc []any) ([]mpScope, bool) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || mpIsNull(raw) {
		c.add("list_type", "Input should be a valid list", loc...)
		return nil, false
	}
	before := len(c.issues)
	out := make([]mpScope, 0, len(items))
	for i, it := range items {
		sloc := mpAt(loc, i)
		obj, ok := c.object(it, sloc)
		if !ok {
			continue
		}
		var sc mpScope
		if r, ok := obj["resource_type"]; !ok {
			c.add("missing", "Field required", mpAt(sloc, "resource_type")...)
		} else {
			sc.ResourceType, _ = c.enum(r, mpAt(sloc, "resource_type"), mpResourceTypes)
		}
		if r, ok := obj["resource_id"]; !ok {
			c.add("missing", "Field required", mpAt(sloc, "resource_id")...)
		} else {
			sc.ResourceID, _ = c.str(r, mpAt(sloc, "resource_id"), mpResourceIDMinLength, mpResourceIDMaxLength)
		}
		if r, ok := obj["operations"]; ok && !mpIsNull(r) {
			sc.Operations, _ = c.enumList(r, mpAt(sloc, "operations"), mpNamespaceOperations)
		}
		out = append(out, sc)
	}
	return out, len(c.issues) == before
}

// mpCreateInput is a validated APIKeyCreateRequest.
type mpCreateInput struct {
	name        string
	description *string
	permissions []string // nil = server default
	scopes      []mpScope
	rateLimit   *int64
	expiresAt   *int64
	principalID *string
}

// principal_id is accepted on create because API 0.82 documents it; it cannot be updated.
func parseMPCreate(body []byte) (mpCreateInput, error) {
	var c mpChecker
	var in mpCreateInput
	body0 := []any{"body"}
	obj, ok := c.mpObject(body, body0)
	if !ok {
		return in, c.err()
	}
	if r, ok := obj["name"]; !ok {
		c.add("missing", "Field required", "body", "name")
	} else {
		in.name, _ = c.name(r, mpAt(body0, "name"))
	}
	if r, ok := obj["description"]; ok && !mpIsNull(r) {
		if s, ok := c.str(r, mpAt(body0, "description"), 0, mpDescriptionMaxLength); ok {
			in.description = &s
		}
	}
	// permissions is not nullable in APIKeyCreateRequest, so null is a list_type error.
	if r, ok := obj["permissions"]; ok {
		in.permissions, _ = c.enumList(r, mpAt(body0, "permissions"), mpPermissions)
	}
	if r, ok := obj["scopes"]; ok && !mpIsNull(r) {
		in.scopes, _ = c.scopes(r, mpAt(body0, "scopes"))
	}
	if r, ok := obj["rate_limit_override"]; ok && !mpIsNull(r) {
		if n, ok := c.integer(r, mpAt(body0, "rate_limit_override"), mpRateLimitOverrideMin); ok {
			in.rateLimit = &n
		}
	}
	if r, ok := obj["expires_at"]; ok && !mpIsNull(r) {
		if ms, ok := c.datetime(r, mpAt(body0, "expires_at")); ok {
			in.expiresAt = &ms
		}
	}
	if r, ok := obj["principal_id"]; ok && !mpIsNull(r) {
		if s, ok := c.str(r, mpAt(body0, "principal_id"), 1, 255); ok {
			in.principalID = &s
		}
	}
	return in, c.err()
}

// mpUpdateInput is a validated APIKeyUpdateRequest. A nil pointer means "leave unchanged"; JSON
// null also means unchanged, except for the two fields whose null has a meaning in the model:
// expires_at (null = never expires, clearExpiry) and rate_limit_override (null = the plan's
// limit, clearRateLimit).
type mpUpdateInput struct {
	name           *string
	description    *string
	permissions    *[]string
	scopes         *[]mpScope
	rateLimit      *int64
	clearRateLimit bool
	expiresAt      *int64
	clearExpiry    bool
	status         *string
}

func parseMPUpdate(body []byte) (mpUpdateInput, error) {
	var c mpChecker
	var in mpUpdateInput
	body0 := []any{"body"}
	obj, ok := c.mpObject(body, body0)
	if !ok {
		return in, c.err()
	}
	present := func(k string) (json.RawMessage, bool) {
		r, ok := obj[k]
		return r, ok && !mpIsNull(r)
	}
	if r, ok := present("name"); ok {
		if s, ok := c.name(r, mpAt(body0, "name")); ok {
			in.name = &s
		}
	}
	if r, ok := present("description"); ok {
		if s, ok := c.str(r, mpAt(body0, "description"), 0, mpDescriptionMaxLength); ok {
			in.description = &s
		}
	}
	if r, ok := present("permissions"); ok {
		if p, ok := c.enumList(r, mpAt(body0, "permissions"), mpPermissions); ok {
			in.permissions = &p
		}
	}
	if r, ok := present("scopes"); ok {
		if sc, ok := c.scopes(r, mpAt(body0, "scopes")); ok {
			in.scopes = &sc
		}
	}
	if r, ok := obj["rate_limit_override"]; ok {
		if mpIsNull(r) {
			in.clearRateLimit = true
		} else if n, ok := c.integer(r, mpAt(body0, "rate_limit_override"), mpRateLimitOverrideMin); ok {
			in.rateLimit = &n
		}
	}
	if r, ok := obj["expires_at"]; ok {
		if mpIsNull(r) {
			in.clearExpiry = true
		} else if ms, ok := c.datetime(r, mpAt(body0, "expires_at")); ok {
			in.expiresAt = &ms
		}
	}
	if r, ok := present("status"); ok {
		if s, ok := c.enum(r, mpAt(body0, "status"), mpKeyStatuses); ok {
			in.status = &s
		}
	}
	return in, c.err()
}

// parseMPBool parses a query boolean the way pydantic does.
func parseMPBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "true", "t", "yes", "y", "on":
		return true, true
	case "0", "false", "f", "no", "n", "off":
		return false, true
	}
	return false, false
}
