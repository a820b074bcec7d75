// Package transport is the HTTP transport shared by the backend clients: JSON requests with a bearer
// token, narrow retries built on go-retryablehttp, client-side pacing from rate-limit headers, and
// logging that never sees the token or any body.
package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Logger receives request diagnostics. The provider implements it with tflog; ctx is the request's
// context. Fields never contain the token, headers other than a request id, or bodies.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// Config configures a Client. Zero values select the documented defaults.
type Config struct {
	BaseURL        string        // e.g. https://api.unkey.com or http://127.0.0.1:8787; paths are appended
	Token          string        // sent as "Authorization: Bearer <token>" when not empty
	UserAgent      string        // sent as User-Agent when not empty
	MaxRetries     int           // retries after the first attempt; 0 = none
	RequestTimeout time.Duration // per attempt; 0 = 30s
	MaxElapsed     time.Duration // bound on total time across attempts and waits; 0 = 2m
	RetryWaitMin   time.Duration // backoff lower bound; 0 = 200ms
	RetryWaitMax   time.Duration // backoff upper bound; 0 = 10s. Rate-limit waits (Retry-After, pacing) are bounded by MaxElapsed instead
	Logger         Logger        // optional

	// Transport is optional (tests). The default is a clone of http.DefaultTransport, so every
	// Client has its own keep-alive connection pool.
	Transport http.RoundTripper
}

// Request is one API call.
type Request struct {
	Method string
	Path   string // appended to BaseURL
	Query  url.Values
	// Body is nil for no body; json.RawMessage and []byte are sent as is; anything else is
	// encoded with json.Marshal.
	Body any
	// Idempotent marks requests that may be repeated safely. Non-idempotent requests (creates) are
	// retried only when the server provably did not process them.
	Idempotent bool
}

// Response is the final HTTP response, whatever its status.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// ErrOutcomeUnknown is wrapped by Do's error when a non-idempotent request may have reached the
// server but no usable response came back, so the caller has to reconcile (e.g. list and match)
// instead of trying again blindly.
var ErrOutcomeUnknown = errors.New("the request may have been processed, but no response was received")

const (
	defaultRequestTimeout = 30 * time.Second
	defaultMaxElapsed     = 2 * time.Minute
	defaultRetryWaitMin   = 200 * time.Millisecond
	defaultRetryWaitMax   = 10 * time.Second

	// Terraform runs up to 10 operations in parallel; the stdlib default of 2 idle connections per
	// host would make most of them reconnect.
	maxIdleConnsPerHost = 16

	// maxResponseBytes bounds what is buffered from one response; a full listKeys page with large
	// meta objects stays far below it.
	maxResponseBytes = 32 << 20
)

// Client sends requests to one base URL. It is safe for concurrent use.
type Client struct {
	baseURL    string
	token      string
	userAgent  string
	maxRetries int
	maxElapsed time.Duration
	waitMin    time.Duration
	waitMax    time.Duration
	logger     Logger
	http       *http.Client
	pacer      pacer
}

// New validates cfg and builds a Client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("transport: invalid base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("transport: base URL %q must be an absolute http or https URL", cfg.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("transport: base URL %q must not have a query or fragment", cfg.BaseURL)
	}
	if cfg.MaxRetries < 0 || cfg.RequestTimeout < 0 || cfg.MaxElapsed < 0 || cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < 0 {
		return nil, errors.New("transport: retry and timeout settings must not be negative")
	}

	c := &Client{
		baseURL:    strings.TrimRight(u.String(), "/"),
		token:      cfg.Token,
		userAgent:  cfg.UserAgent,
		maxRetries: cfg.MaxRetries,
		maxElapsed: orDefault(cfg.MaxElapsed, defaultMaxElapsed),
		waitMin:    orDefault(cfg.RetryWaitMin, defaultRetryWaitMin),
		waitMax:    orDefault(cfg.RetryWaitMax, defaultRetryWaitMax),
		logger:     cfg.Logger,
	}
	if c.waitMin > c.waitMax {
		return nil, fmt.Errorf("transport: RetryWaitMin (%s) exceeds RetryWaitMax (%s)", c.waitMin, c.waitMax)
	}

	transport := cfg.Transport
	if transport == nil {
		def, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, errors.New("transport: http.DefaultTransport is not an *http.Transport; set Config.Transport")
		}
		t := def.Clone()
		t.MaxIdleConnsPerHost = maxIdleConnsPerHost
		transport = t
	}
	c.http = &http.Client{Transport: transport, Timeout: orDefault(cfg.RequestTimeout, defaultRequestTimeout)}
	return c, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Do sends req, retrying as the package rules allow, and returns the final response for any HTTP
// status. The error is non-nil only for transport failures, an exhausted time budget or ctx; for
// non-idempotent requests that may have been processed it wraps ErrOutcomeUnknown.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	body, err := encodeBody(req.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: encoding request body: %w", req.Method, req.Path, err)
	}

	ctx, cancel := context.WithTimeout(ctx, c.maxElapsed)
	defer cancel()

	a := &call{client: c, ctx: ctx, req: req}
	if d := c.pacer.reserve(time.Now()); d > 0 {
		a.debug("waiting for the rate-limit window to reset", map[string]any{"method": req.Method, "path": req.Path, "wait_ms": d.Milliseconds()})
		if err := a.sleep(d); err != nil {
			return nil, a.wrap(err)
		}
	}

	// WroteHeaders tells whether any part of the request left the client, which decides whether a
	// failed create may be repeated.
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { a.wrote.Store(true) }})
	var raw any // an untyped nil makes retryablehttp send no body at all
	if body != nil {
		raw = body
	}
	hreq, err := retryablehttp.NewRequestWithContext(traced, req.Method, c.url(req.Path, req.Query), raw)
	if err != nil {
		return nil, fmt.Errorf("%s %s: building request: %w", req.Method, req.Path, err)
	}
	if c.token != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.userAgent != "" {
		hreq.Header.Set("User-Agent", c.userAgent)
	}
	hreq.Header.Set("Accept", "application/json")
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}

	rc := &retryablehttp.Client{
		HTTPClient:     c.http,
		Logger:         nil, // diagnostics go through the hooks below, never retryablehttp's printer
		RetryWaitMin:   c.waitMin,
		RetryWaitMax:   c.waitMax,
		RetryMax:       c.maxRetries,
		RequestLogHook: a.beforeAttempt,
		CheckRetry:     a.checkRetry,
		Backoff:        a.backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
	}
	resp, err := rc.Do(hreq)
	if err != nil {
		return nil, a.wrap(err)
	}
	defer func() { _ = resp.Body.Close() }()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		// The status line arrived, so the server did process the request; only the body is lost.
		a.unknown = !req.Idempotent
		return nil, a.wrap(fmt.Errorf("reading response body: %w", err))
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("%s %s: response body exceeds %d bytes", req.Method, req.Path, maxResponseBytes)
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

func encodeBody(b any) ([]byte, error) {
	switch v := b.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return v, nil
	case []byte:
		return v, nil
	default:
		return json.Marshal(v)
	}
}

func (c *Client) url(path string, query url.Values) string {
	var b strings.Builder
	b.WriteString(c.baseURL)
	if !strings.HasPrefix(path, "/") {
		b.WriteByte('/')
	}
	b.WriteString(path)
	if len(query) > 0 {
		b.WriteByte('?')
		b.WriteString(query.Encode())
	}
	return b.String()
}

// call holds the state of one Do across its attempts; retryablehttp invokes the hooks sequentially
// on Do's goroutine, only wrote is touched by the transport's writer goroutine.
type call struct {
	client  *Client
	ctx     context.Context
	req     Request
	attempt int       // 1-based number of the current attempt
	started time.Time // start of the current attempt
	wrote   atomic.Bool
	unknown bool // the last attempt failed after the request was (possibly) delivered

	nextWait time.Duration // decided by checkRetry, returned by backoff
	reason   string
}

func (a *call) beforeAttempt(_ retryablehttp.Logger, _ *http.Request, retry int) {
	a.attempt = retry + 1
	a.started = time.Now()
	a.wrote.Store(false)
	a.unknown = false
}

// wrap adds the request line and, where the outcome is uncertain, ErrOutcomeUnknown.
func (a *call) wrap(err error) error {
	if a.unknown {
		return fmt.Errorf("%s %s: %w: %w", a.req.Method, a.req.Path, ErrOutcomeUnknown, err)
	}
	return fmt.Errorf("%s %s: %w", a.req.Method, a.req.Path, err)
}

// sleep waits for d or until the context ends.
func (a *call) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.ctx.Done():
		return a.ctx.Err()
	case <-t.C:
		return nil
	}
}

func (a *call) debug(msg string, fields map[string]any) {
	if a.client.logger != nil {
		a.client.logger.Debug(a.ctx, msg, fields)
	}
}

func (a *call) warn(msg string, fields map[string]any) {
	if a.client.logger != nil {
		a.client.logger.Warn(a.ctx, msg, fields)
	}
}

// requestIDHeaders are checked in order for a server-side request id worth logging.
var requestIDHeaders = []string{"X-Unkey-Request-Id", "Unkey-Request-Id", "X-Request-Id", "Request-Id"}

func requestID(h http.Header) string {
	for _, name := range requestIDHeaders {
		if v := h.Get(name); v != "" {
			return v
		}
	}
	return ""
}

// logAttempt records one finished attempt. Only the method, path, status and timing are logged:
// headers carry the token and bodies carry key plaintexts.
func (a *call) logAttempt(resp *http.Response, err error) {
	fields := map[string]any{
		"method":      a.req.Method,
		"path":        a.req.Path,
		"attempt":     a.attempt,
		"duration_ms": time.Since(a.started).Milliseconds(),
	}
	if resp != nil {
		fields["status"] = resp.StatusCode
		if id := requestID(resp.Header); id != "" {
			fields["request_id"] = id
		}
	}
	if err != nil {
		fields["error"] = err.Error()
	}
	a.debug("HTTP request", fields)
}

// checkRetry is retryablehttp's CheckRetry: it applies the retry rules, decides the wait and keeps
// the decision inside the attempt and time budgets, so retryablehttp never waits past them.
func (a *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	a.logAttempt(resp, err)
	now := time.Now()
	if resp != nil {
		a.client.pacer.observe(resp, now)
	}
	if ctx.Err() != nil {
		a.unknown = err != nil && !a.req.Idempotent && a.wrote.Load()
		return false, nil
	}

	retry, reason, wait := a.classify(resp, err)
	if err != nil && !retry {
		a.unknown = !a.req.Idempotent && a.wrote.Load()
	}
	if !retry || a.attempt > a.client.maxRetries {
		return false, nil
	}
	wait = max(min(wait, a.client.waitMax), a.client.pacer.delay(now))
	if deadline, ok := ctx.Deadline(); ok && now.Add(wait).After(deadline) {
		a.debug("not retrying: the wait would exceed the time budget", map[string]any{
			"method": a.req.Method, "path": a.req.Path, "reason": reason, "wait_ms": wait.Milliseconds(),
		})
		return false, nil
	}
	a.nextWait, a.reason = wait, reason
	return true, nil
}

// classify applies the retry rules to one attempt's outcome and proposes a wait.
func (a *call) classify(resp *http.Response, err error) (retry bool, reason string, wait time.Duration) {
	backoff := jitteredBackoff(a.client.waitMin, a.client.waitMax, a.attempt)
	if err != nil {
		if !retryableTransportError(err) {
			return false, "", 0
		}
		// A create that never left the client cannot have been processed; anything later might have been.
		if !a.req.Idempotent && a.wrote.Load() {
			return false, "", 0
		}
		return true, "connection error", backoff
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		// The server rejected the request before processing it, so this is safe even for creates.
		if d, ok := retryAfter(resp.Header, time.Now()); ok {
			return true, "rate limited (429)", d
		}
		return true, "rate limited (429)", backoff
	case !a.req.Idempotent:
		return false, "", 0
	case resp.StatusCode == http.StatusRequestTimeout:
		return true, "request timeout (408)", backoff
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true, fmt.Sprintf("server error (%d)", resp.StatusCode), backoff
	default:
		return false, "", 0
	}
}

// backoff is retryablehttp's Backoff; it is only called right after checkRetry chose to retry.
func (a *call) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	a.warn("retrying HTTP request", map[string]any{
		"method":  a.req.Method,
		"path":    a.req.Path,
		"attempt": a.attempt,
		"reason":  a.reason,
		"wait_ms": a.nextWait.Milliseconds(),
	})
	return a.nextWait
}
