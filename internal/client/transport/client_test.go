package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const testToken = "unkey_supersecret_token_value"

// newTestClient points a Client at srv with fast retry timings; mutate adjusts the config.
func newTestClient(t *testing.T, baseURL string, mutate func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:      baseURL,
		Token:        testToken,
		UserAgent:    "terraform-provider-apikey/test",
		MaxRetries:   3,
		RetryWaitMin: 5 * time.Millisecond,
		RetryWaitMax: 50 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// scripted serves the given statuses in order (the last one repeats) and counts hits.
type scripted struct {
	hits     atomic.Int32
	statuses []int
	headers  func(hit int, h http.Header)
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	hit := int(s.hits.Add(1))
	status := s.statuses[min(hit, len(s.statuses))-1]
	if s.headers != nil {
		s.headers(hit, w.Header())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"hit":%d}`, hit)
}

func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func post(idempotent bool) Request {
	return Request{Method: http.MethodPost, Path: "/v2/keys.getKey", Body: map[string]string{"keyId": "key_123"}, Idempotent: idempotent}
}

func TestNewValidatesBaseURL(t *testing.T) {
	for _, base := range []string{"", "api.unkey.com", "/v2", "ftp://example.com", "http://", "https://x.test/?a=b", "::"} {
		if _, err := New(Config{BaseURL: base}); err == nil {
			t.Errorf("New(%q) succeeded, want error", base)
		}
	}
	if _, err := New(Config{BaseURL: "http://127.0.0.1:8787", MaxRetries: -1}); err == nil {
		t.Error("negative MaxRetries accepted")
	}
	for _, base := range []string{"https://api.unkey.com", "http://127.0.0.1:8787/", "https://example.com/prefix"} {
		if _, err := New(Config{BaseURL: base}); err != nil {
			t.Errorf("New(%q): %v", base, err)
		}
	}
}

func TestHeadersPathAndBody(t *testing.T) {
	type seen struct {
		method, path, query, auth, ua, accept, contentType, body string
	}
	got := make(chan seen, 2)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("User-Agent"),
			r.Header.Get("Accept"), r.Header.Get("Content-Type"), string(b)}
		w.Header().Set("X-Test", "yes")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	c := newTestClient(t, srv.URL+"/", nil)

	resp, err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/v2/keys.createKey", Body: map[string]int{"a": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(resp.Body) != `{"ok":true}` || resp.Header.Get("X-Test") != "yes" {
		t.Fatalf("unexpected response %+v", resp)
	}
	s := <-got
	want := seen{"POST", "/v2/keys.createKey", "", "Bearer " + testToken, "terraform-provider-apikey/test", "application/json", "application/json", `{"a":1}`}
	if s != want {
		t.Fatalf("request = %+v\nwant      %+v", s, want)
	}

	// No body: no Content-Type; raw JSON is sent untouched; query is encoded.
	if _, err := c.Do(t.Context(), Request{Method: http.MethodGet, Path: "v1/x", Query: url.Values{"a": {"b c"}}}); err != nil {
		t.Fatal(err)
	}
	s = <-got
	if s.path != "/v1/x" || s.query != "a=b+c" || s.contentType != "" || s.body != "" {
		t.Fatalf("request without body = %+v", s)
	}
	if _, err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/p", Body: json.RawMessage(`{"raw" : 1}`)}); err != nil {
		t.Fatal(err)
	}
	if s = <-got; s.body != `{"raw" : 1}` {
		t.Fatalf("raw body = %q", s.body)
	}
}

// A rate-limit hint is waited for in full, beyond RetryWaitMax: retrying earlier would only
// collect another 429.
func TestRetries429HonouringRetryAfter(t *testing.T) {
	for name, header := range map[string][2]string{
		"retry-after seconds": {"Retry-After", "1"},
		"ratelimit-reset":     {"RateLimit-Reset", "1"},
	} {
		t.Run(name, func(t *testing.T) {
			s := &scripted{statuses: []int{429, 200}, headers: func(hit int, h http.Header) {
				if hit == 1 {
					h.Set(header[0], header[1])
				}
			}}
			c := newTestClient(t, serve(t, s).URL, nil)
			start := time.Now()
			resp, err := c.Do(t.Context(), post(true))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || s.hits.Load() != 2 {
				t.Fatalf("status %d after %d hits", resp.StatusCode, s.hits.Load())
			}
			if elapsed := time.Since(start); elapsed < 900*time.Millisecond || elapsed > 5*time.Second {
				t.Fatalf("took %s; want the 1 s hint honoured", elapsed)
			}
		})
	}
}

// sleepRecorder replaces Client.sleep: it records each wait and returns at once.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *sleepRecorder) total() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var t time.Duration
	for _, d := range r.waits {
		t += d
	}
	return t
}

func withRecorder(c *Client) *sleepRecorder {
	r := &sleepRecorder{}
	c.sleep = r.sleep
	return r
}

// A wait the server demands beyond the time budget fails at once, naming the wait and the
// budget, instead of waiting part of it and retrying against the server's instruction.
func TestRetryAfterBeyondBudgetFailsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		header   [2]string
		wantWait time.Duration
		wantText string
	}{
		{"429 retry-after seconds", 429, [2]string{"Retry-After", "600"}, 600 * time.Second, "asked to wait 10m0s"},
		{"429 retry-after date", 429, [2]string{"Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, time.Hour, "asked to wait "},
		{"429 ratelimit-reset", 429, [2]string{"RateLimit-Reset", "300"}, 300 * time.Second, "asked to wait 5m0s"},
		{"503 retry-after", 503, [2]string{"Retry-After", "600"}, 600 * time.Second, "asked to wait 10m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &scripted{statuses: []int{tc.status, 200}, headers: func(_ int, h http.Header) { h.Set(tc.header[0], tc.header[1]) }}
			c := newTestClient(t, serve(t, s).URL, func(c *Config) { c.MaxElapsed = 2 * time.Minute })
			rec := withRecorder(c)
			resp, err := c.Do(t.Context(), post(true))
			var ra *RetryAfterError
			if !errors.As(err, &ra) {
				t.Fatalf("resp %v, err = %v; want *RetryAfterError", resp, err)
			}
			if s.hits.Load() != 1 || rec.total() != 0 {
				t.Fatalf("%d requests, slept %s; want 1 request and no wait", s.hits.Load(), rec.total())
			}
			if ra.StatusCode != tc.status || ra.Budget != 2*time.Minute || ra.Wait < tc.wantWait-2*time.Second || ra.Wait > tc.wantWait ||
				ra.Attempts != 1 || ra.Response == nil || ra.Response.StatusCode != tc.status {
				t.Fatalf("error fields %+v", ra)
			}
			msg := err.Error()
			for _, want := range []string{tc.wantText, "2m0s time budget", "/v2/keys.getKey", "HTTP " + fmt.Sprint(tc.status)} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
		})
	}
}

// A demanded wait that fits the budget is waited in full, even beyond RetryWaitMax and the
// pacing cap: retrying earlier would only collect another 429.
func TestRetryAfterWithinBudgetWaitedInFull(t *testing.T) {
	s := &scripted{statuses: []int{429, 200}, headers: func(hit int, h http.Header) {
		if hit == 1 {
			h.Set("Retry-After", "90")
		}
	}}
	c := newTestClient(t, serve(t, s).URL, func(c *Config) { c.MaxElapsed = 2 * time.Minute })
	rec := withRecorder(c)
	resp, err := c.Do(t.Context(), post(true))
	if err != nil || resp.StatusCode != 200 || s.hits.Load() != 2 || resp.Attempts != 2 {
		t.Fatalf("resp %+v err %v after %d hits", resp, err, s.hits.Load())
	}
	if got := rec.total(); got < 89*time.Second || got > 90*time.Second {
		t.Fatalf("waited %s (%v), want the 90 s asked for", got, rec.waits)
	}
}

// Once a response demanded a wait longer than the budget, the next request is not sent at all.
func TestRetryAfterFromEarlierResponseBlocksNextRequest(t *testing.T) {
	s := &scripted{statuses: []int{429, 200}, headers: func(_ int, h http.Header) { h.Set("Retry-After", "600") }}
	c := newTestClient(t, serve(t, s).URL, func(c *Config) { c.MaxRetries = 0 })
	rec := withRecorder(c)
	resp, err := c.Do(t.Context(), post(true))
	if err != nil || resp.StatusCode != 429 {
		t.Fatalf("first call: resp %v err %v; want the 429 (no retries configured)", resp, err)
	}
	_, err = c.Do(t.Context(), post(true))
	var ra *RetryAfterError
	if !errors.As(err, &ra) || ra.StatusCode != 0 || ra.Attempts != 0 || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("second call: err = %v; want a RetryAfterError without sending", err)
	}
	if s.hits.Load() != 1 || rec.total() != 0 {
		t.Fatalf("%d requests, slept %s", s.hits.Load(), rec.total())
	}
}

func TestRetryAfterZeroRetriesAtOnce(t *testing.T) {
	s := &scripted{statuses: []int{429, 429, 200}, headers: func(_ int, h http.Header) { h.Set("Retry-After", "0") }}
	c := newTestClient(t, serve(t, s).URL, func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = time.Second, 5*time.Second })
	start := time.Now()
	if _, err := c.Do(t.Context(), post(true)); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 500*time.Millisecond || s.hits.Load() != 3 {
		t.Fatalf("%d hits in %s", s.hits.Load(), elapsed)
	}
}

func TestIdempotentRetriesOn5xxAnd408(t *testing.T) {
	s := &scripted{statuses: []int{500, 502, 408, 200}}
	c := newTestClient(t, serve(t, s).URL, nil)
	resp, err := c.Do(t.Context(), post(true))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || s.hits.Load() != 4 || string(resp.Body) != `{"hit":4}` {
		t.Fatalf("status %d body %s after %d hits", resp.StatusCode, resp.Body, s.hits.Load())
	}
}

func TestNoRetryOn501OrClientErrors(t *testing.T) {
	for _, status := range []int{501, 400, 401, 403, 404, 409, 412} {
		s := &scripted{statuses: []int{status, 200}}
		c := newTestClient(t, serve(t, s).URL, nil)
		resp, err := c.Do(t.Context(), post(true))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != status || s.hits.Load() != 1 {
			t.Errorf("status %d: got %d after %d hits", status, resp.StatusCode, s.hits.Load())
		}
	}
}

func TestMaxRetriesBound(t *testing.T) {
	for _, maxRetries := range []int{0, 1, 3} {
		s := &scripted{statuses: []int{503}}
		c := newTestClient(t, serve(t, s).URL, func(c *Config) { c.MaxRetries = maxRetries })
		resp, err := c.Do(t.Context(), post(true))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 503 || int(s.hits.Load()) != maxRetries+1 {
			t.Errorf("MaxRetries=%d: status %d after %d hits", maxRetries, resp.StatusCode, s.hits.Load())
		}
		if string(resp.Body) == "" {
			t.Error("final response body was dropped")
		}
	}
}

func TestCreateNotRetriedOn5xx(t *testing.T) {
	for _, status := range []int{500, 503, 408} {
		s := &scripted{statuses: []int{status, 200}}
		c := newTestClient(t, serve(t, s).URL, nil)
		resp, err := c.Do(t.Context(), post(false))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != status || s.hits.Load() != 1 {
			t.Errorf("status %d: got %d after %d hits", status, resp.StatusCode, s.hits.Load())
		}
	}
}

func TestCreateRetriedOn429(t *testing.T) {
	s := &scripted{statuses: []int{429, 429, 200}, headers: func(_ int, h http.Header) { h.Set("Retry-After", "0") }}
	c := newTestClient(t, serve(t, s).URL, nil)
	resp, err := c.Do(t.Context(), post(false))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || s.hits.Load() != 3 {
		t.Fatalf("status %d after %d hits", resp.StatusCode, s.hits.Load())
	}
}

// resetAfterRead reads the request and then kills the connection with a TCP reset for the first
// `failures` hits, answering 200 afterwards.
func resetAfterRead(failures int32) (*atomic.Int32, http.Handler) {
	var hits atomic.Int32
	return &hits, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if hits.Add(1) > failures {
			_, _ = w.Write([]byte(`{}`))
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
		_ = conn.Close()
	})
}

func TestCreateResetAfterWriteIsOutcomeUnknown(t *testing.T) {
	hits, h := resetAfterRead(1)
	c := newTestClient(t, serve(t, h).URL, nil)
	_, err := c.Do(t.Context(), post(false))
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("%d hits, want 1 (no retry)", hits.Load())
	}
}

func TestIdempotentRetriedAfterReset(t *testing.T) {
	hits, h := resetAfterRead(2)
	c := newTestClient(t, serve(t, h).URL, nil)
	resp, err := c.Do(t.Context(), post(true))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || hits.Load() != 3 {
		t.Fatalf("status %d after %d hits", resp.StatusCode, hits.Load())
	}
}

func TestCreateTimeoutIsOutcomeUnknown(t *testing.T) {
	s := &scripted{statuses: []int{200}}
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hits.Load() == 0 {
			s.hits.Add(1)
			_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		s.ServeHTTP(w, r)
	}))
	c := newTestClient(t, srv.URL, func(c *Config) { c.RequestTimeout = 100 * time.Millisecond })
	_, err := c.Do(t.Context(), post(false))
	if !errors.Is(err, ErrOutcomeUnknown) || s.hits.Load() != 1 {
		t.Fatalf("err = %v after %d hits, want ErrOutcomeUnknown and 1 hit", err, s.hits.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCreateRetriedOnConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now

	var tries atomic.Int32
	inner := http.DefaultTransport.(*http.Transport).Clone()
	c := newTestClient(t, "http://"+addr, func(c *Config) {
		c.MaxRetries = 2
		c.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			tries.Add(1)
			return inner.RoundTrip(r)
		})
	})
	_, err = c.Do(t.Context(), post(false))
	if err == nil || errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want connection refused without ErrOutcomeUnknown", err)
	}
	if tries.Load() != 3 {
		t.Fatalf("%d attempts, want 3", tries.Load())
	}
}

func TestCancelDuringWaitReturnsPromptly(t *testing.T) {
	s := &scripted{statuses: []int{429}, headers: func(_ int, h http.Header) { h.Set("Retry-After", "20") }}
	c := newTestClient(t, serve(t, s).URL, func(c *Config) { c.RetryWaitMax = 20 * time.Second })
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Do(ctx, post(true))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("returned after %s", elapsed)
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Fatal("a rejected (429) request is not of unknown outcome")
	}
}

// A backoff (not demanded by the server) that does not fit the budget returns the last response.
func TestBackoffBeyondBudgetReturnsResponse(t *testing.T) {
	s := &scripted{statuses: []int{503}}
	c := newTestClient(t, serve(t, s).URL, func(c *Config) {
		c.RetryWaitMin, c.RetryWaitMax = 5*time.Second, 10*time.Second
		c.MaxElapsed = 500 * time.Millisecond
	})
	rec := withRecorder(c)
	resp, err := c.Do(t.Context(), post(true))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || s.hits.Load() != 1 || rec.total() != 0 {
		t.Fatalf("status %d after %d hits, slept %s", resp.StatusCode, s.hits.Load(), rec.total())
	}
}

// An unreachable server is reported with the endpoint (no query, no credentials, no token) and
// the number of attempts.
func TestUnreachableEndpointError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()

	c := newTestClient(t, "http://someone:hunter2@"+addr+"/base", func(c *Config) { c.MaxRetries = 2 })
	rec := withRecorder(c)
	_, err = c.Do(t.Context(), Request{Method: http.MethodGet, Path: "/v1/things", Query: url.Values{"q": {"QUERY_MARKER"}}, Idempotent: true})
	var re *RequestError
	if !errors.As(err, &re) || re.Attempts != 3 || re.Endpoint != "http://"+addr+"/base/v1/things" {
		t.Fatalf("err = %#v", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) || len(rec.waits) != 2 {
		t.Fatalf("err = %v, waits %v", err, rec.waits)
	}
	msg := err.Error()
	if !strings.Contains(msg, "GET http://"+addr+"/base/v1/things: no response after 3 attempts: ") {
		t.Errorf("message %q", msg)
	}
	for _, secret := range []string{"hunter2", "someone", "QUERY_MARKER", testToken} {
		if strings.Contains(msg, secret) {
			t.Errorf("message %q contains %q", msg, secret)
		}
	}
}

func TestPacingFromRateLimitHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, remaining, reset string
		minGap, maxGap         time.Duration
	}{
		{"window used up: wait for the reset", "0", "1", 900 * time.Millisecond, 3 * time.Second},
		{"window nearly used up: spread the rest", "3", "2", 400 * time.Millisecond, 1500 * time.Millisecond},
		{"room in the window: no wait", "500", "60", 0, 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var arrivals []time.Time
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				mu.Lock()
				arrivals = append(arrivals, time.Now())
				mu.Unlock()
				w.Header().Set("RateLimit-Limit", "600")
				w.Header().Set("RateLimit-Remaining", tc.remaining)
				w.Header().Set("RateLimit-Reset", tc.reset)
				_, _ = w.Write([]byte(`{}`))
			}))
			c := newTestClient(t, srv.URL, nil)
			for range 3 {
				if _, err := c.Do(t.Context(), post(true)); err != nil {
					t.Fatal(err)
				}
			}
			// The first response sets the pace; the gap between the 2nd and 3rd shows it.
			gap := arrivals[2].Sub(arrivals[1])
			if gap < tc.minGap || gap > tc.maxGap {
				t.Errorf("remaining=%s reset=%ss: gap %s, want between %s and %s", tc.remaining, tc.reset, gap, tc.minGap, tc.maxGap)
			}
		})
	}
}

type captureLogger struct {
	mu    sync.Mutex
	lines []string
	warns int
}

func (l *captureLogger) record(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s %v", level, msg, fields))
	if level == "WARN" {
		l.warns++
	}
}

func (l *captureLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.record("DEBUG", msg, fields)
}

func (l *captureLogger) Warn(_ context.Context, msg string, fields map[string]any) {
	l.record("WARN", msg, fields)
}

func TestLoggerNeverSeesTokenOrBodies(t *testing.T) {
	const reqMarker, respMarker = "REQ_BODY_MARKER_9f2c", "RESP_BODY_MARKER_41ab"
	var hits atomic.Int32
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Unkey-Request-Id", "req_abc")
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = fmt.Fprintf(w, `{"key":%q}`, respMarker)
	}))
	logger := &captureLogger{}
	c := newTestClient(t, srv.URL, func(c *Config) { c.Logger = logger })
	resp, err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/v2/keys.getKey", Body: map[string]string{"key": reqMarker}, Idempotent: true})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("resp %v err %v", resp, err)
	}
	// A failing create adds the error paths.
	hitsReset, h := resetAfterRead(1)
	c2 := newTestClient(t, serve(t, h).URL, func(c *Config) { c.Logger = logger })
	if _, err := c2.Do(t.Context(), Request{Method: http.MethodPost, Path: "/v2/keys.createKey", Body: json.RawMessage(`{"m":"` + reqMarker + `"}`)}); err == nil || hitsReset.Load() != 1 {
		t.Fatalf("expected a failed create, got %v", err)
	}

	all := strings.Join(logger.lines, "\n")
	for _, secret := range []string{testToken, reqMarker, respMarker, "Bearer"} {
		if strings.Contains(all, secret) {
			t.Errorf("log contains %q:\n%s", secret, all)
		}
	}
	if logger.warns != 1 || !strings.Contains(all, "req_abc") || !strings.Contains(all, "/v2/keys.getKey") {
		t.Errorf("expected one retry warning and a request id in:\n%s", all)
	}
}

func TestJitteredBackoffBounds(t *testing.T) {
	minWait, maxWait := 10*time.Millisecond, 200*time.Millisecond
	for attempt := 1; attempt <= 70; attempt++ {
		d := jitteredBackoff(minWait, maxWait, attempt)
		if d < minWait || d > maxWait {
			t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, minWait, maxWait)
		}
	}
}
