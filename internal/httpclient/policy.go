package httpclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// paceThreshold is the RateLimit-Remaining value at or below which the next request waits for the
// window to reset. Zero keeps single requests at full speed; parallel callers that still hit a 429
// are retried, which is safe for every request.
const paceThreshold = 0

// retryableTransportError reports whether err is a connection-level failure worth another attempt.
// Certificate and protocol mismatches fail the same way every time.
func retryableTransportError(err error) bool {
	var (
		verifyErr    *tls.CertificateVerificationError
		recordErr    tls.RecordHeaderError
		unknownAuth  x509.UnknownAuthorityError
		hostnameErr  x509.HostnameError
		invalidCert  x509.CertificateInvalidError
		insecureAlgo x509.InsecureAlgorithmError
	)
	switch {
	case errors.As(err, &verifyErr), errors.As(err, &recordErr), errors.As(err, &unknownAuth),
		errors.As(err, &hostnameErr), errors.As(err, &invalidCert), errors.As(err, &insecureAlgo):
		return false
	default:
		return true
	}
}

// jitteredBackoff returns an exponential wait for the given 1-based attempt: waitMin doubled per
// attempt, plus up to 50% jitter so parallel callers spread out, capped at waitMax.
func jitteredBackoff(waitMin, waitMax time.Duration, attempt int) time.Duration {
	d := waitMax
	if shift := attempt - 1; shift < 32 {
		if exp := waitMin << shift; exp > 0 && exp < waitMax {
			d = exp
		}
	}
	if half := int64(d / 2); half > 0 {
		d += time.Duration(rand.Int64N(half + 1)) //nolint:gosec // jitter needs no cryptographic randomness
	}
	return min(d, waitMax)
}

// retryAfter reads how long the server asks us to wait: Retry-After (delay-seconds or HTTP-date),
// else RateLimit-Reset (seconds until the window resets).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			return seconds(secs), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	return rateLimitReset(h)
}

func rateLimitReset(h http.Header) (time.Duration, bool) {
	secs, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64)
	if err != nil || secs < 0 {
		return 0, false
	}
	return seconds(secs), true
}

// seconds converts without overflowing on absurd header values.
func seconds(s int64) time.Duration {
	const maxSecs = int64(24 * time.Hour / time.Second)
	return time.Duration(min(s, maxSecs)) * time.Second
}

// pacer holds the earliest time the next request of a Client may start, shared by all goroutines,
// so a Client that has used up its rate-limit window waits for the reset instead of collecting 429s.
type pacer struct {
	mu        sync.Mutex
	notBefore time.Time
}

// observe pushes the pacing time out when a response says the window is exhausted.
func (p *pacer) observe(resp *http.Response, now time.Time) {
	var wait time.Duration
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		d, ok := retryAfter(resp.Header, now)
		if !ok {
			return
		}
		wait = d
	default:
		remaining, err := strconv.ParseInt(strings.TrimSpace(resp.Header.Get("RateLimit-Remaining")), 10, 64)
		if err != nil || remaining > paceThreshold {
			return
		}
		d, ok := rateLimitReset(resp.Header)
		if !ok {
			return
		}
		wait = d
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := now.Add(wait); t.After(p.notBefore) {
		p.notBefore = t
	}
}

// delay is how long a request starting now must wait, capped so a long window cannot stall
// a caller beyond the configured maximum wait.
func (p *pacer) delay(now time.Time, limit time.Duration) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return min(max(p.notBefore.Sub(now), 0), limit)
}
