package transport

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

// paceLowWater is the RateLimit-Remaining value below which requests are spread evenly over the
// rest of the window instead of sent as fast as they come: parallel callers then use up the
// window without running into 429s.
const paceLowWater = 20

// maxPaceWait bounds a single rate-limit wait (a window is one minute on the services this client
// talks to); the request's own time budget still applies.
const maxPaceWait = 65 * time.Second

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

// pacer schedules the start of requests of one Client from the rate-limit headers it has seen,
// shared by all goroutines: when a window is nearly used up, each request reserves the next slot
// of an even spacing over the time left; when it is used up (or a 429 says so), requests wait for
// the reset.
type pacer struct {
	mu       sync.Mutex
	next     time.Time     // earliest start of the next request
	interval time.Duration // spacing between consecutive starts; 0 when the window has room
	// blocked is the end of a wait the server demanded (a 429's Retry-After, or a window reported
	// used up). Unlike the spacing it is an instruction, so it is never shortened.
	blocked time.Time
}

// observe updates the schedule from a response.
func (p *pacer) observe(resp *http.Response, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if resp.StatusCode == http.StatusTooManyRequests {
		if d, ok := retryAfter(resp.Header, now); ok {
			p.block(now.Add(d))
		}
		return
	}
	remaining, err := strconv.ParseInt(strings.TrimSpace(resp.Header.Get("RateLimit-Remaining")), 10, 64)
	if err != nil {
		return
	}
	reset, ok := rateLimitReset(resp.Header)
	if !ok {
		return
	}
	switch {
	case remaining <= 0:
		p.block(now.Add(reset))
		p.interval = 0
	case remaining < paceLowWater:
		p.interval = reset / time.Duration(remaining+1)
	default:
		p.interval = 0
	}
}

func (p *pacer) push(t time.Time) {
	if t.After(p.next) {
		p.next = t
	}
}

func (p *pacer) block(t time.Time) {
	p.push(t)
	if t.After(p.blocked) {
		p.blocked = t
	}
}

// blockedFor is how much longer the server's last demand to wait lasts, uncapped.
func (p *pacer) blockedFor(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(p.blocked.Sub(now), 0)
}

// reserve returns how long a request starting now must wait, and books its slot.
func (p *pacer) reserve(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	slot := now
	if p.next.After(slot) {
		slot = p.next
	}
	p.next = slot.Add(p.interval)
	return min(slot.Sub(now), maxPaceWait)
}

// delay is how long a retry starting now must wait for the window, without booking a slot.
func (p *pacer) delay(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return min(max(p.next.Sub(now), 0), maxPaceWait)
}
