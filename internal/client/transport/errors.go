package transport

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// RequestError is a failure of Do before a usable response arrived: the server could not be
// reached, the connection broke, or the time budget or ctx ended. It names the endpoint (never
// the query or credentials) and how often the request was tried.
type RequestError struct {
	Method   string
	Endpoint string // scheme://host[:port]/path
	Attempts int
	// OutcomeUnknown is set when a non-idempotent request may have been processed; errors.Is(err,
	// ErrOutcomeUnknown) reports it too.
	OutcomeUnknown bool
	Err            error
}

func (e *RequestError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Endpoint)
	if e.OutcomeUnknown {
		b.WriteString(ErrOutcomeUnknown.Error() + ": ")
	}
	switch e.Attempts {
	case 0:
		b.WriteString("not sent: ")
	case 1:
		b.WriteString("no response after 1 attempt: ")
	default:
		fmt.Fprintf(&b, "no response after %d attempts: ", e.Attempts)
	}
	b.WriteString(innerMessage(e.Err))
	return b.String()
}

// Unwrap exposes the cause (for errors.Is with syscall errors, context errors, *url.Error) and
// ErrOutcomeUnknown when it applies.
func (e *RequestError) Unwrap() []error {
	if e.OutcomeUnknown {
		return []error{ErrOutcomeUnknown, e.Err}
	}
	return []error{e.Err}
}

// innerMessage drops the *url.Error prefix (method and full URL, query included), since
// RequestError names the endpoint itself.
func innerMessage(err error) string {
	if err == nil {
		return "unknown error"
	}
	if ue, ok := err.(*url.Error); ok && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

// RetryAfterError is returned instead of waiting when the server asks for a wait (Retry-After,
// or RateLimit-Reset on a 429 or on a used-up window) longer than what is left of the time
// budget. Retrying sooner would go against the server, and waiting would end in a timeout.
type RetryAfterError struct {
	Method   string
	Endpoint string // scheme://host[:port]/path
	// StatusCode is the status of the response that asked for the wait; 0 when an earlier
	// response of this client did and the request was not sent.
	StatusCode int
	Wait       time.Duration // what the server asked for
	Remaining  time.Duration // what was left of the budget then
	Budget     time.Duration // the configured time budget per request (Config.MaxElapsed)
	Attempts   int
	// Response is the response that asked for the wait, when there is one.
	Response *Response
}

func (e *RetryAfterError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Endpoint)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "HTTP %d: the server asked to wait %s before retrying", e.StatusCode, roundWait(e.Wait))
	} else {
		fmt.Fprintf(&b, "not sent: the server asked this client to wait %s before sending more requests", roundWait(e.Wait))
	}
	fmt.Fprintf(&b, ", longer than the %s left of the %s time budget; giving up now instead of waiting", roundWait(e.Remaining), roundWait(e.Budget))
	if e.Attempts > 0 {
		fmt.Fprintf(&b, " (%d attempt", e.Attempts)
		if e.Attempts > 1 {
			b.WriteString("s")
		}
		b.WriteString(")")
	}
	return b.String()
}

func roundWait(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
