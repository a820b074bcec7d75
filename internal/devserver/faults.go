package devserver

// Testing aids: a workspace rate limit, injected 5xx faults, responses dropped after the work was
// committed, and added latency. They exist so clients (the provider, its retry policy, demos) can
// be exercised against the failure modes of a real network service. All of them are off in the
// zero Config.
//
// Where each aid applies:
//   - Latency delays every request, liveness and unauthenticated ones included, before anything
//     else happens; a request whose context ends while waiting is abandoned without a response.
//   - The rate limit, the fault rate and the drop rate apply to authenticated requests only, on
//     both protocols: after the Unkey body has been validated and the root key checked (Unkey's
//     middleware order), and right after the root key has been checked on the Mixpeek routes.
//     Liveness, unknown routes and requests refused before authentication are exempt.
//   - The order is: rate limit (429, not charged), then fault (500/503, charged against the rate
//     limit since the request reached the server), then drop (decided up front, applied after
//     the handler has committed its writes).

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Faults are the testing aids that can be changed while the server runs (see SetFaults). The
// fields mean the same as the Config fields of the same names.
type Faults struct {
	RateLimitPerMinute int
	FaultRate          float64
	ThrottleRate       float64
	DropRate           float64
	Latency            time.Duration
}

// validate reports the first out-of-range value.
func (f Faults) validate() error {
	switch {
	case f.RateLimitPerMinute < 0:
		return fmt.Errorf("invalid RateLimitPerMinute %d: negative", f.RateLimitPerMinute)
	case !(f.FaultRate >= 0 && f.FaultRate <= 1): // also catches NaN
		return fmt.Errorf("invalid FaultRate %v: not within 0..1", f.FaultRate)
	case !(f.ThrottleRate >= 0 && f.ThrottleRate <= 1):
		return fmt.Errorf("invalid ThrottleRate %v: not within 0..1", f.ThrottleRate)
	case !(f.DropRate >= 0 && f.DropRate <= 1):
		return fmt.Errorf("invalid DropRate %v: not within 0..1", f.DropRate)
	case f.Latency < 0:
		return fmt.Errorf("invalid Latency %v: negative", f.Latency)
	}
	return nil
}

// clamped brings every value into range (NaN rates become 0).
func (f Faults) clamped() Faults {
	clamp := func(p float64) float64 {
		if math.IsNaN(p) {
			return 0
		}
		return min(max(p, 0), 1)
	}
	f.RateLimitPerMinute = max(f.RateLimitPerMinute, 0)
	f.FaultRate = clamp(f.FaultRate)
	f.ThrottleRate = clamp(f.ThrottleRate)
	f.DropRate = clamp(f.DropRate)
	f.Latency = max(f.Latency, 0)
	return f
}

// faultInjector holds the runtime fault settings, the seeded random source and the workspace
// rate-limit window. One mutex guards everything; each request takes it at most twice.
type faultInjector struct {
	mu     sync.Mutex
	faults Faults
	rng    *rand.Rand
	// window is the start of the current one-minute window in Unix ms; used counts the requests
	// admitted in it.
	window int64
	used   int
}

func newFaultInjector(f Faults, seed int64) *faultInjector {
	//nolint:gosec // G404: a seeded math/rand source is deliberate so fault injection is repeatable; it guards nothing secret.
	return &faultInjector{faults: f, rng: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

// rateLimitWindowMs is the length of the fixed rate-limit windows.
const rateLimitWindowMs = 60_000

// SetFaults replaces the testing aids at runtime, e.g. to turn every fault off before a test
// checks the final state. Out-of-range values are clamped (rates to 0..1, negatives to 0). The
// rate-limit window starts afresh. Requests already past their latency keep the settings they
// started with. Config keeps the initial values.
func (s *Server) SetFaults(f Faults) {
	fi := s.faults
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.faults = f.clamped()
	fi.window, fi.used = 0, 0
}

// Faults returns the testing aids in force.
func (s *Server) Faults() Faults {
	fi := s.faults
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.faults
}

// reqState travels in a request's context from Handler to the protocol endpoints.
type reqState struct {
	faults Faults // snapshot taken when the request arrived
	// drop is set by the gate when the response is to be discarded after processing.
	drop bool
}

type reqStateKey struct{}

func stateOf(r *http.Request) *reqState {
	st, _ := r.Context().Value(reqStateKey{}).(*reqState)
	return st
}

// rejection is the gate's verdict on a request that must not be processed.
type rejection struct {
	status     int   // 429, 500 or 503
	limit      int   // the rate limit, for 429
	retryAfter int64 // seconds, for 429
}

// gate applies the rate limit, the fault rate and the drop decision to an authenticated request.
// It sets the RateLimit-* headers on w when a limit is on and returns a rejection to answer
// instead of processing the request, or nil.
func (s *Server) gate(w http.ResponseWriter, r *http.Request) *rejection {
	st := stateOf(r)
	if st == nil {
		return nil
	}
	f := st.faults
	if f.RateLimitPerMinute == 0 && f.FaultRate == 0 && f.ThrottleRate == 0 && f.DropRate == 0 {
		return nil
	}
	fi := s.faults
	now := s.nowMillis()
	fi.mu.Lock()
	var rej *rejection
	if limit := f.RateLimitPerMinute; limit > 0 {
		start := now - ((now%rateLimitWindowMs)+rateLimitWindowMs)%rateLimitWindowMs
		if fi.window != start {
			fi.window, fi.used = start, 0
		}
		reset := (start + rateLimitWindowMs - now + 999) / 1000 // whole seconds, 1..60
		if fi.used >= limit {
			rej = &rejection{status: http.StatusTooManyRequests, limit: limit, retryAfter: reset}
		} else {
			fi.used++
		}
		h := w.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(max(0, limit-fi.used)))
		h.Set("RateLimit-Reset", strconv.FormatInt(reset, 10))
		if rej != nil {
			h.Set("Retry-After", strconv.FormatInt(reset, 10))
		}
	}
	if rej == nil && f.ThrottleRate > 0 && fi.rng.Float64() < f.ThrottleRate {
		rej = &rejection{status: http.StatusTooManyRequests, retryAfter: 1}
		w.Header().Set("Retry-After", "1")
	}
	if rej == nil && f.FaultRate > 0 && fi.rng.Float64() < f.FaultRate {
		rej = &rejection{status: http.StatusInternalServerError}
		if fi.rng.IntN(2) == 1 {
			rej.status = http.StatusServiceUnavailable
		}
	}
	if rej == nil && f.DropRate > 0 && fi.rng.Float64() < f.DropRate {
		st.drop = true
	}
	fi.mu.Unlock()

	switch {
	case rej == nil:
	case rej.status == http.StatusTooManyRequests:
		s.countStat(func(st *Stats) { st.RateLimited++ })
		s.log.Debug("rate limited", "method", r.Method, "path", r.URL.Path, "limit", rej.limit)
	default:
		s.countStat(func(st *Stats) { st.Faults++ })
		s.log.Debug("fault injected", "method", r.Method, "path", r.URL.Path, "status", rej.status)
	}
	return rej
}

// unkeyError renders a rejection in Unkey's error envelope.
func (rej *rejection) unkeyError() *apiError {
	switch rej.status {
	case http.StatusTooManyRequests:
		detail := fmt.Sprintf("The workspace exceeded its API rate limit of %d/1m0s. Retry after %d seconds.", rej.limit, rej.retryAfter)
		if rej.limit == 0 {
			detail = "Too many requests (throttled at random by the devserver). Retry after 1 second."
		}
		return &apiError{status: rej.status, code: "user/too_many_requests/workspace_rate_limited", title: "Too Many Requests", detail: detail}
	case http.StatusServiceUnavailable:
		return &apiError{status: rej.status, code: "unkey/application/service_unavailable", title: "Service Unavailable",
			detail: "The service is temporarily unavailable (fault injected by the devserver)."}
	default:
		e := errInternal()
		e.detail = "An unexpected error occurred (fault injected by the devserver)."
		return e
	}
}

// mixpeekError renders a rejection in Mixpeek's ErrorResponse envelope.
func (rej *rejection) mixpeekError() *mpError {
	switch rej.status {
	case http.StatusTooManyRequests:
		if rej.limit == 0 {
			return mpErr(rej.status, "TooManyRequestsError", "Too many requests (throttled at random by the devserver). Retry after 1 second.")
		}
		return mpErr(rej.status, "TooManyRequestsError",
			fmt.Sprintf("Rate limit exceeded: %d requests per minute. Retry after %d seconds.", rej.limit, rej.retryAfter))
	case http.StatusServiceUnavailable:
		return mpErr(rej.status, "ServiceUnavailableError", "The service is temporarily unavailable (fault injected by the devserver)")
	default:
		return mpErr(rej.status, "InternalServerError", "An unexpected error occurred (fault injected by the devserver)")
	}
}

// sleep waits d unless ctx ends first, reporting whether the whole delay passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// bufferedWriter records a response so it can be either sent or thrown away once the handler
// has finished.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedWriter() *bufferedWriter { return &bufferedWriter{header: http.Header{}} }

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// sendTo writes the recorded response to w.
func (b *bufferedWriter) sendTo(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

// dropConnection closes the client connection without writing a response. It hijacks the
// connection when the ResponseWriter allows it (HTTP/1.x); otherwise (HTTP/2, or a handler
// driven without a server) it panics with http.ErrAbortHandler, which net/http turns into an
// aborted connection or stream without logging a stack trace.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
