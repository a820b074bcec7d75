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
	Logger         Logger        // optional; nil logs nothing, and costs nothing per request

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
	// Endpoint is the URL the request went to, as scheme://host[:port]/path: no query, no
	// credentials, so it is safe to put in error messages.
	Endpoint string
	// Attempts is how many times the request was sent.
	Attempts int
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
	shownBase  string // baseURL without credentials, for messages
	token      string
	userAgent  string
	maxRetries int
	maxElapsed time.Duration
	waitMin    time.Duration
	waitMax    time.Duration
	logger     Logger
	http       *http.Client
	pacer      pacer

	// sleep waits between attempts; tests replace it to observe waits without taking them.
	sleep func(ctx context.Context, d time.Duration) error
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
		sleep:      sleepContext,
	}
	shown := *u
	shown.User = nil
	c.shownBase = strings.TrimRight(shown.String(), "/")
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
// status. The error is non-nil for transport failures (*RequestError, which wraps
// ErrOutcomeUnknown for non-idempotent requests that may have been processed), for a server
// asking to wait longer than the time budget allows (*RetryAfterError), and for ctx.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	body, err := encodeBody(req.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: encoding request body: %w", req.Method, req.Path, err)
	}

	ctx, cancel := context.WithTimeout(ctx, c.maxElapsed)
	defer cancel()

	a := &call{client: c, ctx: ctx, req: req, endpoint: c.endpoint(req.Path)}
	now := time.Now()
	// An earlier response may have told the server's clients to hold off for longer than this
	// request can wait: fail now rather than send against that instruction or sleep in vain.
	if hard := c.pacer.blockedFor(now); hard > 0 && hard > a.remaining(now) {
		return nil, a.retryAfterError(hard, now, nil)
	}
	if d := c.pacer.reserve(now); d > 0 {
		a.debug("waiting for the rate-limit window to reset", map[string]any{"method": req.Method, "path": req.Path, "wait_ms": d.Milliseconds()})
		if err := c.sleep(ctx, d); err != nil {
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
		return nil, fmt.Errorf("%s %s: response body exceeds %d bytes", req.Method, a.endpoint, maxResponseBytes)
	}
	out := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data, Endpoint: a.endpoint, Attempts: a.attempts}
	if a.tooLong != nil {
		a.tooLong.Response = out
		return nil, a.tooLong
	}
	return out, nil
}

// sleepContext waits for d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// endpoint is the request URL as shown in messages: no query, no credentials.
func (c *Client) endpoint(path string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return c.shownBase + path
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
	client   *Client
	ctx      context.Context
	req      Request
	endpoint string
	attempt  int       // 1-based number of the current attempt
	attempts int       // attempts actually started (one after a cancelled wait is not counted)
	started  time.Time // start of the current attempt
	wrote    atomic.Bool
	unknown  bool // the last attempt failed after the request was (possibly) delivered

	nextWait time.Duration // decided by checkRetry, waited for in backoff
	reason   string
	tooLong  *RetryAfterError // set when the server asked for a wait beyond the budget
}

func (a *call) beforeAttempt(_ retryablehttp.Logger, _ *http.Request, retry int) {
	a.attempt = retry + 1
	if a.ctx.Err() == nil {
		a.attempts++
	}
	a.started = time.Now()
	a.wrote.Store(false)
	a.unknown = false
}

// wrap turns a failure without a usable response into *RequestError.
func (a *call) wrap(err error) error {
	return &RequestError{
		Method:         a.req.Method,
		Endpoint:       a.endpoint,
		Attempts:       a.attempts,
		OutcomeUnknown: a.unknown,
		Err:            err,
	}
}

// remaining is what is left of the time budget (MaxElapsed or the caller's deadline).
func (a *call) remaining(now time.Time) time.Duration {
	deadline, ok := a.ctx.Deadline()
	if !ok {
		return a.client.maxElapsed
	}
	return max(deadline.Sub(now), 0)
}

func (a *call) retryAfterError(wait time.Duration, now time.Time, resp *http.Response) *RetryAfterError {
	e := &RetryAfterError{
		Method:    a.req.Method,
		Endpoint:  a.endpoint,
		Wait:      wait,
		Remaining: a.remaining(now),
		Budget:    a.client.maxElapsed,
		Attempts:  a.attempts,
	}
	if resp != nil {
		e.StatusCode = resp.StatusCode
	}
	return e
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
	if a.client.logger == nil {
		return
	}
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

	retry, reason, wait, asked := a.classify(resp, err, now)
	if err != nil && !retry {
		a.unknown = !a.req.Idempotent && a.wrote.Load()
	}
	if !retry || a.attempt > a.client.maxRetries {
		return false, nil
	}
	// What the server demands (Retry-After, or a used-up window) is not capped: retrying sooner
	// goes against its instruction. When it does not fit the budget, say so at once.
	hard := max(asked, a.client.pacer.blockedFor(now))
	if left := a.remaining(now); hard > left {
		a.debug("not retrying: the server asked to wait longer than the time budget allows", map[string]any{
			"method": a.req.Method, "path": a.req.Path, "reason": reason, "wait_ms": hard.Milliseconds(), "remaining_ms": left.Milliseconds(),
		})
		a.tooLong = a.retryAfterError(hard, now, resp)
		return false, nil
	}
	wait = max(min(wait, a.client.waitMax), hard, a.client.pacer.delay(now))
	if deadline, ok := ctx.Deadline(); ok && now.Add(wait).After(deadline) {
		a.debug("not retrying: the wait would exceed the time budget", map[string]any{
			"method": a.req.Method, "path": a.req.Path, "reason": reason, "wait_ms": wait.Milliseconds(),
		})
		return false, nil
	}
	a.nextWait, a.reason = wait, reason
	return true, nil
}

// classify applies the retry rules to one attempt's outcome and proposes a wait; asked is the
// wait the server demanded (Retry-After or RateLimit-Reset on a 429), 0 when it named none.
func (a *call) classify(resp *http.Response, err error, now time.Time) (retry bool, reason string, wait, asked time.Duration) {
	backoff := jitteredBackoff(a.client.waitMin, a.client.waitMax, a.attempt)
	if err != nil {
		if !retryableTransportError(err) {
			return false, "", 0, 0
		}
		// A create that never left the client cannot have been processed; anything later might have been.
		if !a.req.Idempotent && a.wrote.Load() {
			return false, "", 0, 0
		}
		return true, "connection error", backoff, 0
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		// The server rejected the request before processing it, so this is safe even for creates.
		if d, ok := retryAfter(resp.Header, now); ok {
			return true, "rate limited (429)", d, d
		}
		return true, "rate limited (429)", backoff, 0
	case !a.req.Idempotent:
		return false, "", 0, 0
	case resp.StatusCode == http.StatusRequestTimeout:
		return true, "request timeout (408)", backoff, 0
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		if d, ok := retryAfter(resp.Header, now); ok && resp.Header.Get("Retry-After") != "" {
			// A 503 with Retry-After is an instruction too.
			return true, fmt.Sprintf("server error (%d)", resp.StatusCode), max(d, backoff), d
		}
		return true, fmt.Sprintf("server error (%d)", resp.StatusCode), backoff, 0
	default:
		return false, "", 0, 0
	}
}

// backoff is retryablehttp's Backoff; it is only called right after checkRetry chose to retry. It
// waits itself (through Client.sleep) and returns 0, so every wait goes through one function.
func (a *call) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	a.warn("retrying HTTP request", map[string]any{
		"method":  a.req.Method,
		"path":    a.req.Path,
		"attempt": a.attempt,
		"reason":  a.reason,
		"wait_ms": a.nextWait.Milliseconds(),
	})
	// A cancelled wait ends the call: the next attempt fails on the context at once and
	// checkRetry stops there.
	_ = a.client.sleep(a.ctx, a.nextWait)
	return 0
}
