package unkey

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
	return b.String()
}

// IsNotFound reports whether err is an API 404. Unkey answers 404 for deleted and never-existing
// resources alike, and also masks some missing root-key permissions as 404.
func IsNotFound(err error) bool {
	return IsStatus(err, http.StatusNotFound)
}

// IsStatus reports whether err is an API error with the given HTTP status.
func IsStatus(err error, status int) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.HTTPStatus == status
}

// problem holds the RFC 7807 members Unkey uses.
type problem struct {
	Title  string            `json:"title"`
	Detail string            `json:"detail"`
	Status int               `json:"status"`
	Type   string            `json:"type"`
	Errors []ValidationError `json:"errors"`
}

// errorBody accepts both the documented envelope {"meta","error":{...}} and a bare problem
// document at the top level, as a proxy or a future problem+json response may send.
type errorBody struct {
	Meta struct {
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
func decodeError(op string, status int, header http.Header, body []byte) *Error {
	e := &Error{Operation: op, HTTPStatus: status}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		p := eb.Error
		if p == nil && (eb.Title != "" || eb.Detail != "") {
			p = &eb.problem
		}
		if p != nil {
			e.Title, e.Detail, e.Type, e.Errors = p.Title, p.Detail, p.Type, p.Errors
			e.RequestID = eb.Meta.RequestID
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
