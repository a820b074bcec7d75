package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/testkit"
)

// Tests in this file never print a key's plaintext or the root key.

// rawCall sends an authenticated Unkey request through the handler and returns the recorder,
// so tests can look at headers.
func (h *harness) rawCall(route, body string) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v2/"+route, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.srv.RootKey())
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec
}

// keyCount lists the harness API's keys.
func (h *harness) keyCount() int {
	h.t.Helper()
	var keys []keyResponseData
	h.ok("apis.listKeys", map[string]any{"apiId": h.apiID, "limit": 100}, &keys)
	return len(keys)
}

func headerInt(t *testing.T, hdr http.Header, name string) int {
	t.Helper()
	v := hdr.Get(name)
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("header %s = %q, want an integer", name, v)
	}
	return n
}

func decodeUnkeyError(t *testing.T, rec *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var r response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || r.Error == nil {
		t.Fatalf("status %d: not an error envelope", rec.Code)
	}
	if r.Error.Status != rec.Code || !strings.HasPrefix(r.Meta.RequestID, "req_") || r.Error.Detail == "" {
		t.Fatalf("bad envelope %+v", r.Error)
	}
	return *r.Error
}

func TestRateLimitUnkey(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{RateLimitPerMinute: 3})
	body := `{"apiId":"` + h.apiID + `"}`

	// The harness clock starts exactly on a minute boundary: 60 s to the reset.
	for i := range 3 {
		rec := h.rawCall("keys.createKey", body)
		if rec.Code != 200 {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
		if got := headerInt(t, rec.Header(), "RateLimit-Limit"); got != 3 {
			t.Fatalf("RateLimit-Limit = %d", got)
		}
		if got := headerInt(t, rec.Header(), "RateLimit-Remaining"); got != 2-i {
			t.Fatalf("request %d: RateLimit-Remaining = %d, want %d", i, got, 2-i)
		}
		if got, want := headerInt(t, rec.Header(), "RateLimit-Reset"), []int{60, 55, 49}[i]; got != want {
			t.Fatalf("request %d: RateLimit-Reset = %d, want %d (whole seconds, rounded up)", i, got, want)
		}
		if rec.Header().Get("Retry-After") != "" {
			t.Fatal("Retry-After on an admitted request")
		}
		h.clock.Advance(5500 * time.Millisecond) // the reset counts down with the clock
	}
	// 16.5 s into the window: the fourth request is refused, unprocessed.
	rec := h.rawCall("keys.createKey", body)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("fourth request: status %d, want 429", rec.Code)
	}
	e := decodeUnkeyError(t, rec)
	if e.Title != "Too Many Requests" || e.Type != "https://unkey.com/docs/errors/user/too_many_requests/workspace_rate_limited" || !strings.Contains(e.Detail, "3/1m0s") {
		t.Fatalf("429 envelope %+v", e)
	}
	if rec.Header().Get("Retry-After") != "44" || rec.Header().Get("RateLimit-Reset") != "44" || rec.Header().Get("RateLimit-Remaining") != "0" || rec.Header().Get("RateLimit-Limit") != "3" {
		t.Fatalf("429 headers: Retry-After %q Reset %q Remaining %q", rec.Header().Get("Retry-After"), rec.Header().Get("RateLimit-Reset"), rec.Header().Get("RateLimit-Remaining"))
	}
	// A rejected request is not charged, and liveness and unauthenticated requests are exempt.
	live := httptest.NewRecorder()
	h.handler.ServeHTTP(live, httptest.NewRequest(http.MethodGet, "/v2/liveness", nil))
	if live.Code != 200 || live.Header().Get("RateLimit-Limit") != "" {
		t.Fatalf("liveness: %d, headers %v", live.Code, live.Header())
	}
	if r := h.do("keys.getKey", `{"keyId":"key_x"}`, "Bearer unkey_wrong"); r.Status != 401 {
		t.Fatalf("wrong root key: %d", r.Status)
	}
	if st := h.srv.Stats(); st.RateLimited != 1 || st.ByStatus[429] != 1 {
		t.Fatalf("stats %+v", st)
	}

	// The next window admits again.
	h.clock.Advance(44 * time.Second)
	rec = h.rawCall("keys.createKey", body)
	if rec.Code != 200 || rec.Header().Get("RateLimit-Remaining") != "2" || rec.Header().Get("RateLimit-Reset") != "60" {
		t.Fatalf("new window: %d remaining %q reset %q", rec.Code, rec.Header().Get("RateLimit-Remaining"), rec.Header().Get("RateLimit-Reset"))
	}

	// Off again: no headers; the refused create did not write.
	h.srv.SetFaults(Faults{})
	if rec := h.rawCall("keys.getKey", `{"keyId":"key_x"}`); rec.Header().Get("RateLimit-Limit") != "" {
		t.Fatal("headers with the limit off")
	}
	if n := h.keyCount(); n != 4 {
		t.Fatalf("%d keys, want 4 (the 429 must not create one)", n)
	}
}

// TestRateLimitErrorResponsesCarryHeaders: every authenticated response, errors included.
func TestRateLimitErrorResponsesCarryHeaders(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{RateLimitPerMinute: 10})
	rec := h.rawCall("keys.getKey", `{"keyId":"key_missing"}`)
	if rec.Code != 404 || rec.Header().Get("RateLimit-Remaining") != "9" {
		t.Fatalf("404: status %d remaining %q", rec.Code, rec.Header().Get("RateLimit-Remaining"))
	}
}

// mpHTTP sends a Mixpeek request to the harness server and returns the response with its body
// read.
func mpHTTP(t *testing.T, h *mpHarness, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+mpRootKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestRateLimitMixpeek(t *testing.T) {
	h := newMPHarness(t)
	h.srv.SetFaults(Faults{RateLimitPerMinute: 2})
	h.clock.Advance(30 * time.Second) // 12:00:30
	for i := range 2 {
		resp, _ := mpHTTP(t, h, "GET", mpPath("a@example.com"), "")
		_ = resp.Body.Close() // mpHTTP has already read and closed it; this satisfies bodyclose
		if resp.StatusCode != 200 || resp.Header.Get("RateLimit-Limit") != "2" || resp.Header.Get("RateLimit-Remaining") != strconv.Itoa(1-i) || resp.Header.Get("RateLimit-Reset") != "30" {
			t.Fatalf("request %d: %d limit %q remaining %q reset %q", i, resp.StatusCode, resp.Header.Get("RateLimit-Limit"), resp.Header.Get("RateLimit-Remaining"), resp.Header.Get("RateLimit-Reset"))
		}
	}
	resp, b := mpHTTP(t, h, "POST", mpPath("a@example.com"), `{"name":"throttled"}`)
	_ = resp.Body.Close() // mpHTTP has already read and closed it; this satisfies bodyclose
	e := h.checkEnvelope("429", resp.StatusCode, b, http.StatusTooManyRequests, "TooManyRequestsError")
	if resp.Header.Get("Retry-After") != "30" || !strings.Contains(e.Error.Message, "2 requests per minute") {
		t.Fatalf("Retry-After %q, message %q", resp.Header.Get("Retry-After"), e.Error.Message)
	}
	h.clock.Advance(30 * time.Second)
	if keys := h.list("a@example.com", true); len(keys) != 1 {
		t.Fatalf("the refused create wrote something: %v", mpNames(keys))
	}
}

func TestFaultRateUnkey(t *testing.T) {
	h := newHarness(t)
	k := h.createKey(map[string]any{"name": "before"})
	h.srv.ResetStats()
	h.srv.SetFaults(Faults{FaultRate: 1})
	seen := map[int]bool{}
	const n = 40
	for i := range n {
		rec := h.rawCall("keys.createKey", `{"apiId":"`+h.apiID+`","name":"k`+strconv.Itoa(i)+`"}`)
		if rec.Code != 500 && rec.Code != 503 {
			t.Fatalf("request %d: status %d, want 500 or 503", i, rec.Code)
		}
		seen[rec.Code] = true
		e := decodeUnkeyError(t, rec)
		want := map[int]string{500: "https://unkey.com/docs/errors/unkey/application/unexpected_error", 503: "https://unkey.com/docs/errors/unkey/application/service_unavailable"}[rec.Code]
		if e.Type != want || e.Title == "" {
			t.Fatalf("%d envelope %+v", rec.Code, e)
		}
	}
	if !seen[500] || !seen[503] {
		t.Fatalf("statuses seen %v, want both 500 and 503", seen)
	}
	if rec := h.rawCall("keys.updateKey", `{"keyId":"`+k.KeyID+`","name":"after"}`); rec.Code < 500 {
		t.Fatalf("updateKey under faults: %d", rec.Code)
	}
	// Validation and authentication still come first.
	if r := h.call("keys.getKey", `{"keyId":""}`); r.Status != 400 {
		t.Fatalf("invalid body under faults: %d", r.Status)
	}
	st := h.srv.Stats()
	if st.Faults != n+1 || st.ByStatus[500]+st.ByStatus[503] != n+1 || st.Requests != n+2 {
		t.Fatalf("stats %+v", st)
	}

	h.srv.SetFaults(Faults{})
	if n := h.keyCount(); n != 1 {
		t.Fatalf("%d keys after injected faults, want only the first", n)
	}
	if name := h.getKey(k.KeyID)["name"]; name != "before" {
		t.Fatalf("updateKey under a fault changed the name to %v", name)
	}
	// Fault rate 0: nothing injected.
	for i := range 20 {
		if rec := h.rawCall("keys.getKey", `{"keyId":"`+k.KeyID+`"}`); rec.Code != 200 {
			t.Fatalf("request %d with faults off: %d", i, rec.Code)
		}
	}
	if st := h.srv.Stats(); st.Faults != n+1 {
		t.Fatalf("faults counted with the rate at 0: %d", st.Faults)
	}
}

func TestFaultRateMixpeek(t *testing.T) {
	h := newMPHarness(t)
	h.list("a@example.com", false) // provision the user
	h.srv.SetFaults(Faults{FaultRate: 1})
	seen := map[int]bool{}
	for i := range 20 {
		resp, b := mpHTTP(t, h, "POST", mpPath("a@example.com"), `{"name":"k`+strconv.Itoa(i)+`"}`)
		_ = resp.Body.Close() // mpHTTP has already read and closed it; this satisfies bodyclose
		typ := map[int]string{500: "InternalServerError", 503: "ServiceUnavailableError"}[resp.StatusCode]
		if typ == "" {
			t.Fatalf("status %d", resp.StatusCode)
		}
		h.checkEnvelope("fault", resp.StatusCode, b, resp.StatusCode, typ)
		seen[resp.StatusCode] = true
	}
	if !seen[500] || !seen[503] {
		t.Fatalf("statuses seen %v", seen)
	}
	h.srv.SetFaults(Faults{})
	if keys := h.list("a@example.com", true); len(keys) != 1 {
		t.Fatalf("faulted creates wrote keys: %v", mpNames(keys))
	}
}

// TestFaultSeedDeterministic: the same seed gives the same fault sequence; the rate is roughly
// honoured.
func TestFaultSeedDeterministic(t *testing.T) {
	run := func(seed int64) string {
		srv, err := New(Config{FaultRate: 0.3, FaultSeed: seed, RootKey: "unkey_seedtest"})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		handler := srv.Handler()
		var sb strings.Builder
		for range 200 {
			req := httptest.NewRequest(http.MethodPost, "/v2/keys.getKey", strings.NewReader(`{"keyId":"key_x"}`))
			req.Header.Set("Authorization", "Bearer unkey_seedtest")
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			sb.WriteString(strconv.Itoa(rec.Code)[:1])
		}
		return sb.String()
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Fatal("same seed, different fault sequences")
	}
	if a == c {
		t.Fatal("different seeds, same fault sequence")
	}
	if faults := strings.Count(a, "5"); faults < 30 || faults > 90 {
		t.Fatalf("%d faults in 200 requests at rate 0.3", faults)
	}
}

// TestDropAfterCommit: the client sees a transport error, yet the create happened.
func TestDropAfterCommit(t *testing.T) {
	h := newHarness(t)
	ts := httptest.NewServer(h.handler)
	t.Cleanup(ts.Close)
	client := &http.Client{Timeout: 10 * time.Second}
	post := func(route, body string) (*http.Response, error) {
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/v2/"+route, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.srv.RootKey())
		req.Header.Set("Content-Type", "application/json")
		return client.Do(req)
	}
	h.srv.ResetStats()
	h.srv.SetFaults(Faults{DropRate: 1})
	resp, err := post("keys.createKey", `{"apiId":"`+h.apiID+`","name":"lost-response"}`)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("createKey answered %d, want a transport error", resp.StatusCode)
	}
	if !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Logf("transport error (neither EOF nor reset): %v", err)
	}
	st := h.srv.Stats()
	if st.Dropped != 1 || len(st.ByStatus) != 0 || st.Requests != 1 {
		t.Fatalf("stats %+v", st)
	}

	// Liveness and unauthenticated requests are never dropped.
	live, err := client.Get(ts.URL + "/v2/liveness")
	if err != nil {
		t.Fatalf("liveness dropped: %v", err)
	}
	live.Body.Close()

	h.srv.SetFaults(Faults{})
	var keys []keyResponseData
	h.ok("apis.listKeys", map[string]any{"apiId": h.apiID}, &keys)
	if len(keys) != 1 || keys[0].Name != "lost-response" {
		t.Fatalf("the dropped create did not commit: %d keys", len(keys))
	}
	// Buffered responses are delivered intact when the drop rate is on but the draw says no.
	h.srv.SetFaults(Faults{DropRate: 1e-9})
	resp, err = post("keys.getKey", `{"keyId":"`+keys[0].KeyID+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") == "" || !bytes.Contains(b, []byte(keys[0].KeyID)) {
		t.Fatalf("buffered response: %d", resp.StatusCode)
	}
}

func TestDropAfterCommitMixpeek(t *testing.T) {
	h := newMPHarness(t)
	h.srv.SetFaults(Faults{DropRate: 1})
	req, err := http.NewRequest("POST", h.url+mpPath("a@example.com"), strings.NewReader(`{"name":"lost"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+mpRootKey)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("create answered %d, want a transport error", resp.StatusCode)
	}
	h.srv.SetFaults(Faults{})
	if names := strings.Join(mpNames(h.list("a@example.com", false)), ","); !strings.Contains(names, "lost:active") {
		t.Fatalf("dropped create not committed: %s", names)
	}
	if st := h.srv.Stats(); st.Dropped != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLatency(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{Latency: 80 * time.Millisecond})
	start := time.Now()
	if rec := h.rawCall("keys.getKey", `{"keyId":"key_x"}`); rec.Code != 404 {
		t.Fatalf("status %d", rec.Code)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("request took %v, want at least the 80ms latency", d)
	}

	// A request whose context ends during the delay is abandoned, unprocessed and unanswered.
	h.srv.SetFaults(Faults{Latency: time.Minute})
	h.srv.ResetStats()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v2/keys.createKey", strings.NewReader(`{"apiId":"`+h.apiID+`"}`))
	req.Header.Set("Authorization", "Bearer "+h.srv.RootKey())
	rec := httptest.NewRecorder()
	start = time.Now()
	h.handler.ServeHTTP(rec, req)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancelled request took %v", d)
	}
	if rec.Body.Len() != 0 || len(rec.Header()) != 0 {
		t.Fatalf("abandoned request got a response (%d bytes)", rec.Body.Len())
	}
	if st := h.srv.Stats(); st.Requests != 1 || len(st.ByStatus) != 0 {
		t.Fatalf("stats %+v", st)
	}
	h.srv.SetFaults(Faults{})
	if n := h.keyCount(); n != 0 {
		t.Fatalf("abandoned create wrote %d keys", n)
	}
}

func TestSetFaultsAndConfig(t *testing.T) {
	for _, cfg := range []Config{
		{RateLimitPerMinute: -1}, {FaultRate: 1.5}, {FaultRate: -0.1}, {FaultRate: math.NaN()},
		{DropRate: 2}, {Latency: -time.Second},
	} {
		if srv, err := New(cfg); err == nil {
			srv.Close()
			t.Errorf("New(%+v) accepted an invalid testing aid", cfg)
		}
	}
	cfg := Config{RateLimitPerMinute: 5, FaultRate: 0.25, DropRate: 0.5, Latency: time.Millisecond, FaultSeed: 3}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if got := srv.Faults(); got != (Faults{RateLimitPerMinute: 5, FaultRate: 0.25, DropRate: 0.5, Latency: time.Millisecond}) {
		t.Fatalf("initial faults %+v", got)
	}
	srv.SetFaults(Faults{RateLimitPerMinute: -3, FaultRate: 7, DropRate: math.NaN(), Latency: -1})
	if got := srv.Faults(); got != (Faults{FaultRate: 1}) {
		t.Fatalf("clamped faults %+v", got)
	}
}

// TestStatsCounters checks the new counters next to the old ones, and that Stats returns copies.
func TestStatsCounters(t *testing.T) {
	h := newHarness(t)
	h.rawCall("keys.getKey", `{"keyId":"key_x"}`)
	h.rawCall("keys.getKey", `{"keyId":""}`)
	h.do("keys.getKey", `{"keyId":"key_x"}`, "")
	st := h.srv.Stats()
	if st.Requests != 3 || st.ByRoute["/v2/keys.getKey"] != 3 || st.ByStatus[404] != 1 || st.ByStatus[400] != 2 || st.Faults != 0 || st.Dropped != 0 || st.RateLimited != 0 {
		t.Fatalf("stats %+v", st)
	}
	st.ByStatus[404] = 99
	st.ByRoute["/x"] = 1
	if again := h.srv.Stats(); again.ByStatus[404] != 1 || again.ByRoute["/x"] != 0 {
		t.Fatal("Stats shares its maps with the server")
	}
	h.srv.ResetStats()
	if st := h.srv.Stats(); st.Requests != 0 || len(st.ByStatus) != 0 || st.ByStatus == nil {
		t.Fatalf("after reset %+v", st)
	}
}

// TestFaultsConcurrent runs requests while the settings change, for the race detector.
func TestFaultsConcurrent(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{RateLimitPerMinute: 1000, FaultRate: 0.2})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 10 {
				rec := h.rawCall("keys.getKey", `{"keyId":"key_x"}`)
				if rec.Code != 404 && rec.Code != 500 && rec.Code != 503 && rec.Code != 429 {
					t.Errorf("worker %d: status %d", i, rec.Code)
				}
				_ = h.srv.Stats()
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			h.srv.SetFaults(Faults{RateLimitPerMinute: 1000 - i, FaultRate: 0.1})
		}
	})
	wg.Wait()
	st := h.srv.Stats()
	var sum int64
	for _, n := range st.ByStatus {
		sum += n
	}
	if st.Requests != 80 || sum != 80 {
		t.Fatalf("stats %+v", st)
	}
}

// TestLogsCarryNoSecrets captures every log line at debug level while keys are created,
// verified, decrypted, rerolled and rotated (also under the testing aids) and checks that no
// root key, plaintext, rejected token or request body shows up.
func TestLogsCarryNoSecrets(t *testing.T) {
	var logs testkit.LockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const rootKey = "unkey_logTestRootKey123"
	srv, err := New(Config{RootKey: rootKey, EncryptAllAPIs: true, Logger: logger, RateLimitPerMinute: 100, FaultSeed: 1, MixpeekUsers: []string{"log@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	apiID, err := srv.CreateAPI(context.Background(), "log-api")
	if err != nil {
		t.Fatal(err)
	}
	const bodyMarker = "bodyMarkerQ7z"
	var secrets []string
	send := func(method, path, body, auth string) []byte {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil // a dropped response
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	plaintext := func(b []byte) string {
		var out struct {
			Data struct {
				Key string `json:"key"`
			} `json:"data"`
			Key string `json:"key"`
		}
		_ = json.Unmarshal(b, &out)
		if out.Data.Key != "" {
			return out.Data.Key
		}
		return out.Key
	}

	created := send("POST", "/v2/keys.createKey", `{"apiId":"`+apiID+`","name":"`+bodyMarker+`","recoverable":true,"meta":{"m":"`+bodyMarker+`"}}`, rootKey)
	key := plaintext(created)
	var keyID string
	{
		var out struct {
			Data struct {
				KeyID string `json:"keyId"`
			} `json:"data"`
		}
		_ = json.Unmarshal(created, &out)
		keyID = out.Data.KeyID
	}
	if key == "" || keyID == "" {
		t.Fatal("createKey failed")
	}
	secrets = append(secrets, key)
	send("POST", "/v2/keys.verifyKey", `{"key":"`+key+`"}`, rootKey)
	send("POST", "/v2/keys.verifyKey", `{"key":"`+key+`x"}`, rootKey)
	send("POST", "/v2/keys.getKey", `{"keyId":"`+keyID+`","decrypt":true}`, rootKey)
	if k := plaintext(send("POST", "/v2/keys.rerollKey", `{"keyId":"`+keyID+`","expiration":0}`, rootKey)); k != "" {
		secrets = append(secrets, k)
	}
	// Rejected tokens, in the header and in the body.
	const wrongToken = "unkey_wrongTokenXYZ987"
	send("POST", "/v2/keys.getKey", `{"keyId":"`+keyID+`"}`, wrongToken)
	send("POST", "/v2/keys.createKey", `{"apiId":"`+apiID+`","bogus":"`+bodyMarker+`"}`, rootKey)
	// Mixpeek create and rotate.
	if k := plaintext(send("POST", mpPath("log@example.com"), `{"name":"svc","description":"`+bodyMarker+`"}`, rootKey)); k != "" {
		secrets = append(secrets, k)
	} else {
		t.Fatal("mixpeek create failed")
	}
	if k := plaintext(send("POST", mpPath("log@example.com", "svc", "rotate"), ``, rootKey)); k != "" {
		secrets = append(secrets, k)
	}
	send("GET", mpPath("log@example.com"), "", wrongToken)
	// The same under every testing aid.
	srv.SetFaults(Faults{RateLimitPerMinute: 2, FaultRate: 0.5, DropRate: 0.3})
	for i := range 8 {
		if k := plaintext(send("POST", "/v2/keys.createKey", `{"apiId":"`+apiID+`","name":"`+bodyMarker+strconv.Itoa(i)+`"}`, rootKey)); k != "" {
			secrets = append(secrets, k)
		}
	}
	srv.SetFaults(Faults{FaultRate: 0.5, DropRate: 0.3})
	for range 8 {
		if k := plaintext(send("POST", "/v2/keys.createKey", `{"apiId":"`+apiID+`"}`, rootKey)); k != "" {
			secrets = append(secrets, k)
		}
	}

	out := logs.String()
	if !strings.Contains(out, `"msg":"request"`) || !strings.Contains(out, `"level":"DEBUG"`) {
		t.Fatal("expected request lines and debug lines in the captured log")
	}
	for i, s := range append(secrets, rootKey, wrongToken, bodyMarker, "Bearer") {
		if strings.Contains(out, s) {
			t.Errorf("the log contains secret or body marker #%d (of %d plaintexts, then root key, wrong token, body marker, \"Bearer\")", i, len(secrets))
		}
	}
	if len(secrets) < 4 {
		t.Fatalf("only %d plaintexts were issued", len(secrets))
	}
}

// ThrottleRate answers 429 with Retry-After: 1 before processing, counted as rate limited.
func TestThrottleRate(t *testing.T) {
	srv, err := New(Config{ThrottleRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	req := httptest.NewRequest(http.MethodPost, "/v2/apis.createApi", strings.NewReader(`{"name":"throttled"}`))
	req.Header.Set("Authorization", "Bearer "+srv.RootKey())
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("status %d Retry-After %q, want 429 and 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	if st := srv.Stats(); st.RateLimited != 1 || st.Faults != 0 {
		t.Fatalf("stats %+v: want one rate-limited request and no faults", st)
	}
	if _, err := New(Config{ThrottleRate: 1.5}); err == nil {
		t.Fatal("ThrottleRate 1.5 accepted")
	}
}
