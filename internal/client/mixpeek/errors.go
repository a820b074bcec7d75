package mixpeek

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNotFound is returned (wrapped) when a lookup finds no matching key. IsNotFound also accepts
// an HTTP 404 *Error.
var ErrNotFound = errors.New("mixpeek: not found")

// ErrKeyNotListed is wrapped by FindKey and FindKeyByName when a complete listing of the user's
// keys succeeded and the key is not in it: the one answer that proves a key is gone. errors.Is
// also matches ErrNotFound for it, for older callers.
var ErrKeyNotListed error = &aliasError{msg: "mixpeek: the key is not in the user's key listing", alias: ErrNotFound}

// aliasError is a sentinel that also matches another sentinel.
type aliasError struct {
	msg   string
	alias error
}

func (e *aliasError) Error() string        { return e.msg }
func (e *aliasError) Is(target error) bool { return target == e.alias }

// IsKeyNotListed reports that a successful, complete listing did not contain the key.
func IsKeyNotListed(err error) bool { return errors.Is(err, ErrKeyNotListed) }

// Error is a non-2xx response from the Mixpeek API.
type Error struct {
	HTTPStatus int
	// Method and Endpoint (scheme://host[:port]/path, no query or credentials) name the request.
	Method   string
	Endpoint string
	// FromMixpeek is true when the body was Mixpeek's ErrorResponse envelope
	// {"success":false,"status":N,"error":{"message","type"}} with N equal to HTTPStatus.
	FromMixpeek bool
	// Type is error.type of the envelope (e.g. NotFoundError); empty for FastAPI's 422 shape.
	Type    string
	Message string
	// Details is error.details of the envelope, verbatim (may be nil).
	Details json.RawMessage
	// Validation lists field problems from either 422 shape.
	Validation []ValidationIssue
}

// ValidationIssue is one field problem. Location is the dotted path, e.g. "body.scopes.0.resource_id".
type ValidationIssue struct {
	Location string
	Message  string
	Type     string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mixpeek API error (HTTP %d", e.HTTPStatus)
	if e.Type != "" {
		b.WriteString(", " + e.Type)
	}
	b.WriteString(")")
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for i, v := range e.Validation {
		if i == 0 && e.Message == "" {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if v.Location != "" {
			b.WriteString(v.Location + ": ")
		}
		b.WriteString(v.Message)
		if v.Type != "" {
			b.WriteString(" (" + v.Type + ")")
		}
	}
	if e.HTTPStatus == http.StatusNotFound && !e.FromMixpeek {
		where := "the endpoint"
		if e.Endpoint != "" {
			where = e.Method + " " + e.Endpoint
		}
		b.WriteString("; " + where + " answered 404 without a Mixpeek error body, so the endpoint URL is probably wrong (or a proxy answered)")
	}
	return b.String()
}

// IsNotFound reports an HTTP 404 from the API or ErrNotFound from a lookup.
//
// Deprecated: a 404 names no object (a missing user, a renamed key and a wrong path all answer
// 404), so it is no evidence that a key is gone. Use FindKey with IsKeyNotListed, ConfirmGone or
// RevokeKeyConfirmed.
func IsNotFound(err error) bool {
	if errors.Is(err, ErrNotFound) {
		return true
	}
	var e *Error
	return errors.As(err, &e) && e.HTTPStatus == http.StatusNotFound
}

// IsUserNotFound reports Mixpeek's answer that the user in the path does not exist: a 404 in
// Mixpeek's error envelope that names a user (details.resource "user"), or any such 404 to the
// listing, whose path names nothing but the user. It says nothing about the user's keys.
func IsUserNotFound(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != http.StatusNotFound || !e.FromMixpeek {
		return false
	}
	var d struct {
		Resource string `json:"resource"`
	}
	if len(e.Details) > 0 && json.Unmarshal(e.Details, &d) == nil && d.Resource != "" {
		return d.Resource == "user"
	}
	return e.Method == http.MethodGet && strings.HasSuffix(e.Endpoint, "/api-keys")
}

// IsUnauthorized reports that the token was not accepted (HTTP 401).
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsForbidden reports an HTTP 403 about the caller's rights (ForbiddenError and the like). The
// plan quota (QuotaExceededError) and disabled features (NotEnabledError) are 403s too, but not
// about the token, so they do not count; the protected admin-key answers ForbiddenError.
func IsForbidden(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.HTTPStatus == http.StatusForbidden && e.Type != "QuotaExceededError" && e.Type != "NotEnabledError"
}

// StatusCode returns the HTTP status of an *Error in err's chain, or 0.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.HTTPStatus
	}
	return 0
}

// decodeError turns a non-2xx response into *Error. It understands the ErrorResponse envelope,
// FastAPI's HTTPValidationError (detail list or string), and otherwise keeps a short sanitized
// snippet of the body.
func decodeError(status int, body []byte) *Error {
	e := &Error{HTTPStatus: status}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil && top != nil {
		if raw, ok := top["error"]; ok && decodeEnvelopeError(raw, e) {
			var env struct {
				Success *bool `json:"success"`
				Status  *int  `json:"status"`
			}
			e.FromMixpeek = json.Unmarshal(body, &env) == nil && env.Success != nil && !*env.Success &&
				env.Status != nil && *env.Status == status && e.Type != "" && e.Message != ""
			return e
		}
		if raw, ok := top["detail"]; ok && decodeFastAPIDetail(raw, e) {
			return e
		}
		// Some proxies answer {"message": "..."}.
		var msg string
		if raw, ok := top["message"]; ok && json.Unmarshal(raw, &msg) == nil && msg != "" {
			e.Message = sanitize(msg, 300)
			return e
		}
	}
	e.Message = bodySnippet(body)
	return e
}

// decodeEnvelopeError reads the "error" member of {"success":false,"status":N,"error":{...}}.
func decodeEnvelopeError(raw json.RawMessage, e *Error) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return false
		}
		e.Message = sanitize(s, 300)
		return true
	}
	var d struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Details json.RawMessage `json:"details"`
	}
	if json.Unmarshal(raw, &d) != nil || (d.Message == "" && d.Type == "") {
		return false
	}
	e.Message = sanitize(d.Message, 300)
	e.Type = sanitize(d.Type, 100)
	if len(d.Details) > 0 && !bytes.Equal(d.Details, []byte("null")) {
		e.Details = d.Details
		var det struct {
			ValidationErrors []struct {
				Type     string          `json:"type"`
				Location json.RawMessage `json:"location"`
				Message  string          `json:"message"`
			} `json:"validation_errors"`
		}
		if json.Unmarshal(d.Details, &det) == nil {
			for _, v := range det.ValidationErrors {
				e.Validation = append(e.Validation, ValidationIssue{
					Location: joinLocation(v.Location),
					Message:  sanitize(v.Message, 300),
					Type:     sanitize(v.Type, 100),
				})
			}
		}
	}
	return true
}

// decodeFastAPIDetail reads {"detail":[{"loc":[...],"msg":...,"type":...}]} or {"detail":"..."}.
func decodeFastAPIDetail(raw json.RawMessage, e *Error) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return false
		}
		e.Message = sanitize(s, 300)
		return true
	}
	var items []struct {
		Loc  json.RawMessage `json:"loc"`
		Msg  string          `json:"msg"`
		Type string          `json:"type"`
	}
	if json.Unmarshal(raw, &items) != nil || len(items) == 0 {
		return false
	}
	for _, it := range items {
		e.Validation = append(e.Validation, ValidationIssue{
			Location: joinLocation(it.Loc),
			Message:  sanitize(it.Msg, 300),
			Type:     sanitize(it.Type, 100),
		})
	}
	return true
}

// joinLocation accepts a loc array of strings and integers, or a plain string.
func joinLocation(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return sanitize(s, 200)
	}
	var parts []any
	if json.Unmarshal(raw, &parts) != nil {
		return ""
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case float64:
			out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
		default:
			out = append(out, fmt.Sprint(v))
		}
	}
	return sanitize(strings.Join(out, "."), 200)
}

// secretLike matches strings shaped like Mixpeek keys so that an echoed key never reaches logs.
var secretLike = regexp.MustCompile(`\b(?:[a-z]+_)*sk_[A-Za-z0-9_\-]{6,}`)

// sanitize removes control characters, redacts key-like tokens and truncates to max bytes.
func sanitize(s string, max int) string {
	s = secretLike.ReplaceAllString(s, "[REDACTED]")
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// bodySnippet describes an unparseable body without echoing much of it.
func bodySnippet(body []byte) string {
	s := sanitize(string(body), 200)
	if s == "" {
		return "empty response body"
	}
	return "unexpected response body: " + s
}
