package unkey

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a non-2xx answer from the API. It carries the problem details of the error body
// (never the request body) so callers can show what went wrong and quote the request id.
type Error struct {
	Operation  string // e.g. "keys.getKey"
	HTTPStatus int
	Title      string
	Detail     string
	Type       string // documentation URI, e.g. https://unkey.com/docs/errors/unkey/data/key_not_found
	RequestID  string
	Errors     []ValidationError // request validation failures (400)
	// Endpoint is the request URL as scheme://host[:port]/path (no query, no credentials).
	Endpoint string
	// FromUnkey is true when the body is Unkey's documented error envelope: a meta.requestId, and an
	// error object whose title, detail, status and type are present, status equal to HTTPStatus
	// and type under TypePrefix. Only such a body is evidence of what the backend meant; a proxy,
	// a wrong base URL or a plain "404 page not found" never is.
	FromUnkey bool
}

// TypePrefix starts every Unkey error type URI.
const TypePrefix = "https://unkey.com/docs/errors/"

// Kinds of not-found errors, as in the type URI .../unkey/data/<kind>_not_found.
const (
	KindKey        = "key"
	KindAPI        = "api"
	KindRole       = "role"
	KindPermission = "permission"
	KindIdentity   = "identity"
	KindKeyspace   = "keyspace"
	KindWorkspace  = "workspace"
)

// notFoundKinds are the objects Unkey reports as missing with unkey/data/<kind>_not_found. Other
// names (a local server's route_not_found, say) are not about an object and stay plain errors.
var notFoundKinds = map[string]bool{
	KindKey: true, KindAPI: true, KindRole: true, KindPermission: true,
	KindIdentity: true, KindKeyspace: true, KindWorkspace: true,
}

// Code is the type URI without TypePrefix (e.g. "unkey/data/key_not_found"), or "" when the body
// was not an Unkey error envelope.
func (e *Error) Code() string {
	if !e.FromUnkey {
		return ""
	}
	return strings.TrimPrefix(e.Type, TypePrefix)
}

// notFoundKind is the object kind of a well-formed 404 <kind>_not_found envelope.
func (e *Error) notFoundKind() (string, bool) {
	if e.HTTPStatus != http.StatusNotFound {
		return "", false
	}
	kind, ok := strings.CutPrefix(e.Code(), "unkey/data/")
	if !ok {
		return "", false
	}
	kind, ok = strings.CutSuffix(kind, "_not_found")
	if !ok || !notFoundKinds[kind] {
		return "", false
	}
	return kind, true
}

// ValidationError is one entry of a 400's errors array.
type ValidationError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("unkey")
	if e.Operation != "" {
		b.WriteString(" " + e.Operation)
	}
	fmt.Fprintf(&b, ": HTTP %d", e.HTTPStatus)
	if e.Title != "" {
		b.WriteString(" " + e.Title)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for i, v := range e.Errors {
		if i == 0 {
			b.WriteString(" [")
		} else {
			b.WriteString("; ")
		}
		if v.Location != "" {
			b.WriteString(v.Location + ": ")
		}
		b.WriteString(v.Message)
		if v.Fix != "" {
			b.WriteString(" (fix: " + v.Fix + ")")
		}
		if i == len(e.Errors)-1 {
			b.WriteString("]")
		}
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	if hint := e.hint(); hint != "" {
		b.WriteString("; " + hint)
	}
	return b.String()
}

// hint says what to check when the status alone would mislead.
func (e *Error) hint() string {
	where := e.Endpoint
	if where == "" {
		where = "the endpoint"
	}
	if e.HTTPStatus == http.StatusNotFound {
		kind, ok := e.notFoundKind()
		switch {
		case !e.FromUnkey:
			return where + " answered 404 without an Unkey error body, so the endpoint URL is probably wrong (or a proxy answered)"
		case !ok:
			return where + " answered 404 with error type " + e.Code() + ", which names no Unkey object: the endpoint URL is probably wrong"
		case kind == KindAPI && (e.Operation == "keys.createKey" || e.Operation == "apis.listKeys"):
			return "Unkey also answers api_not_found when the root key lacks the permission for this API (create_key / read_key)"
		}
	}
	return ""
}

// NotFoundKind reports the kind of object (KindKey, KindAPI, ...) that err says does not exist.
// It is true only for an Unkey error envelope (see Error.FromUnkey) with HTTP 404 and type
// https://unkey.com/docs/errors/unkey/data/<kind>_not_found for a known kind. Any other 404 (plain
// text, HTML, JSON of another shape or type) is not evidence that anything is gone.
func NotFoundKind(err error) (kind string, ok bool) {
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		return "", false
	}
	return apiErr.notFoundKind()
}

func isNotFoundOf(err error, kind string) bool {
	k, ok := NotFoundKind(err)
	return ok && k == kind
}

// IsKeyNotFound reports Unkey's own key_not_found: the key was deleted, never existed, or its API
// was deleted.
func IsKeyNotFound(err error) bool { return isNotFoundOf(err, KindKey) }

// IsAPINotFound reports Unkey's api_not_found. On keys.createKey and apis.listKeys Unkey also
// answers it when the root key lacks a permission, so it does not prove the API is gone there.
func IsAPINotFound(err error) bool { return isNotFoundOf(err, KindAPI) }

// IsRoleNotFound reports Unkey's role_not_found.
func IsRoleNotFound(err error) bool { return isNotFoundOf(err, KindRole) }

// IsPermissionNotFound reports Unkey's permission_not_found.
func IsPermissionNotFound(err error) bool { return isNotFoundOf(err, KindPermission) }

// IsIdentityNotFound reports Unkey's identity_not_found.
func IsIdentityNotFound(err error) bool { return isNotFoundOf(err, KindIdentity) }

// IsNotFound reports any Unkey not-found envelope (NotFoundKind); a 404 without one is not.
//
// Deprecated: it does not say which object is missing (keys.createKey answers api_not_found for
// a missing permission, keys.updateKey role_not_found for an unknown role). Use IsKeyNotFound,
// IsAPINotFound, IsRoleNotFound, IsPermissionNotFound, IsIdentityNotFound or NotFoundKind.
func IsNotFound(err error) bool {
	_, ok := NotFoundKind(err)
	return ok
}

// IsUnauthorized reports that the token was not accepted: HTTP 401, Unkey's
// unkey/authentication/* errors (a malformed Authorization header is a 400), or the request
// validator's 400 for a missing header, an invalid_input whose errors sit at location "security".
func IsUnauthorized(err error) bool {
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.HTTPStatus == http.StatusUnauthorized || strings.HasPrefix(apiErr.Code(), "unkey/authentication/") || apiErr.securityRejected()
}

// securityRejected is the validator's answer to a request that does not meet the security
// requirement: HTTP 400 invalid_input with an error at location "security".
func (e *Error) securityRejected() bool {
	if e.HTTPStatus != http.StatusBadRequest || e.Code() != "unkey/application/invalid_input" {
		return false
	}
	for _, v := range e.Errors {
		if v.Location == "security" {
			return true
		}
	}
	return false
}

// IsForbidden reports HTTP 403: the token is valid but lacks a permission, or the root key or
// workspace is disabled.
func IsForbidden(err error) bool {
	return IsStatus(err, http.StatusForbidden)
}

// IsStatus reports whether err is an API error with the given HTTP status.
func IsStatus(err error, status int) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.HTTPStatus == status
}

// problem holds the RFC 7807 members Unkey uses. Status is kept raw so a body with an odd status
// still yields its title and detail.
type problem struct {
	Title  *string           `json:"title"`
	Detail *string           `json:"detail"`
	Status json.RawMessage   `json:"status"`
	Type   *string           `json:"type"`
	Errors []ValidationError `json:"errors"`
}

// errorBody accepts both the documented envelope {"meta","error":{...}} and a bare problem
// document at the top level, as a proxy or a future problem+json response may send.
type errorBody struct {
	Meta *struct {
		RequestID string `json:"requestId"`
	} `json:"meta"`
	Error *problem `json:"error"`
	problem
}

// maxSnippet bounds how much of an unparseable error body is quoted.
const maxSnippet = 200

// requestIDHeaders carry the request id when the body does not.
var requestIDHeaders = []string{"X-Unkey-Request-Id", "Unkey-Request-Id", "X-Request-Id"}

// decodeError turns an error response into *Error. It never fails: bodies that are not a
// problem document become a short, sanitized snippet in Detail.
func decodeError(op, endpoint string, status int, header http.Header, body []byte) *Error {
	e := &Error{Operation: op, HTTPStatus: status, Endpoint: endpoint}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		p := eb.Error
		if p == nil && (eb.Title != nil || eb.Detail != nil) {
			p = &eb.problem
		}
		if p != nil {
			e.Title, e.Detail, e.Type, e.Errors = deref(p.Title), deref(p.Detail), deref(p.Type), p.Errors
			if eb.Meta != nil {
				e.RequestID = eb.Meta.RequestID
			}
			e.FromUnkey = eb.Error != nil && eb.Meta != nil && eb.Meta.RequestID != "" &&
				p.Title != nil && *p.Title != "" && p.Detail != nil && p.Type != nil &&
				strings.HasPrefix(*p.Type, TypePrefix) && len(*p.Type) > len(TypePrefix) &&
				statusIs(p.Status, status)
		} else {
			e.Detail = snippet(body)
		}
	} else {
		e.Detail = snippet(body)
	}
	if e.Title == "" {
		e.Title = http.StatusText(status)
	}
	for _, name := range requestIDHeaders {
		if e.RequestID != "" {
			break
		}
		e.RequestID = header.Get(name)
	}
	return e
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// statusIs reports whether raw is the JSON integer status.
func statusIs(raw json.RawMessage, status int) bool {
	var n int
	return len(raw) > 0 && json.Unmarshal(raw, &n) == nil && n == status && strconv.Itoa(n) == strings.TrimSpace(string(raw))
}

// snippet makes a body safe to put in an error message: valid UTF-8, no control characters or
// runs of whitespace, at most maxSnippet bytes.
func snippet(body []byte) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || !unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxSnippet {
		return s
	}
	cut := maxSnippet
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
