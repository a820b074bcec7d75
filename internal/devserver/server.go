// Package devserver is a local backend that speaks the Unkey API v2 (and, through the Mixpeek
// files of this package, the Mixpeek API-key protocol) on top of an embedded SQLite database.
// It exists so the provider can be developed, demoed and tested without network access.
package devserver

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server.
//
// Encryption opt-in: the genuine Unkey stores recoverable keys only for APIs whose keyspace has
// "store_encrypted_keys" switched on in its dashboard, and an API made through apis.createApi
// never has it, so keys.createKey with recoverable=true answers 412 there. The local server
// behaves the same. Opting an API in is an explicit testing aid: SetAPIEncryption for one API,
// or EncryptAllAPIs for every API created afterwards, apis.createApi included.
type Config struct {
	// DBPath is the SQLite file, created 0600 (its -wal and -shm files too); "" or ":memory:"
	// keeps everything in memory.
	DBPath string
	// RootKey is the primary root key clients must send. It replaces the root key a database
	// already had. "" keeps the database's root key (only its SHA-256 digest is stored), or
	// generates "unkey_" + base58 of 24 random bytes when there is none; see RootKeySource.
	RootKey string
	// MasterKey is the 32-byte AES-256 key sealing recoverable keys. nil reads MasterKeyFile.
	MasterKey []byte
	// MasterKeyFile holds the master key outside the database: read when it exists, created
	// 0600 with a new random key otherwise. "" means DBPath + ".masterkey" for a file database
	// and a random key kept in memory for an in-memory one. The key is never written to the
	// database, and a database that still holds one (made by an older devserver) is refused.
	MasterKeyFile string
	// MixpeekUsers are the Mixpeek organization users provisioned at start (each with its
	// protected admin-key); users provisioned before, in the same database, are kept. The
	// Mixpeek routes answer 404 for any other address (see AddMixpeekUser).
	MixpeekUsers []string
	// EncryptAllAPIs is a testing aid that opts every API created afterwards into key
	// encryption, apis.createApi included (see above). Off, new APIs answer 412 to recoverable
	// keys as the genuine service does.
	EncryptAllAPIs bool
	// LongKeyIDs is a testing aid: key ids of the long base58 shape instead of the genuine
	// service's short "key_" + 9 characters (see SetLongKeyIDs).
	LongKeyIDs bool
	// Now is the clock for timestamps, expiry checks and rate-limit windows; nil is time.Now.
	Now func() time.Time
	// Logger receives one line per request (method, path, status, duration, request id); nil
	// discards. Keys, root keys, Authorization headers and bodies are never logged.
	Logger *slog.Logger

	// The fields below are testing aids (see faults.go), all off when zero. They simulate the
	// failure modes a client of a real service must handle. SetFaults changes them at runtime;
	// Config keeps the initial values. New rejects out-of-range values.

	// RateLimitPerMinute is a testing aid: a workspace-wide limit on authenticated requests per
	// fixed one-minute window of the Now clock (0 = off). While on, every authenticated response
	// on both protocols carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (seconds
	// until the window resets), and a request over the limit is answered 429 with Retry-After in
	// the protocol's error envelope, without being processed. Liveness is exempt.
	RateLimitPerMinute int
	// FaultRate is a testing aid: the fraction (0..1) of authenticated requests answered with an
	// injected 500 or 503 (about half each) in the protocol's error envelope before any
	// processing, so nothing is written.
	FaultRate float64
	// ThrottleRate is a testing aid: the fraction (0..1) of authenticated requests answered 429
	// with Retry-After: 1 before any processing, as a busy service throttles at random
	// regardless of any per-minute limit.
	ThrottleRate float64
	// DropRate is a testing aid: the fraction (0..1) of authenticated requests that are fully
	// processed (writes committed) and then answered by closing the connection without a
	// response, which is how a client experiences a lost response to a create that succeeded.
	DropRate float64
	// Latency is a testing aid: a delay added before handling every request (liveness included).
	// A request whose context ends during the delay is abandoned unprocessed.
	Latency time.Duration
	// FaultSeed is a testing aid: it seeds the random source of the FaultRate and DropRate
	// decisions, so a sequential test sees the same faults on every run (every value, 0
	// included, is a fixed seed).
	FaultSeed int64
}

// Stats counts HTTP requests received, whatever their outcome.
type Stats struct {
	Requests int64
	// ByRoute is keyed by URL path, e.g. "/v2/keys.createKey".
	ByRoute map[string]int64
	// ByStatus counts the responses sent, by HTTP status. Dropped responses and requests
	// abandoned during the added latency are not in it.
	ByStatus map[int]int64
	// Faults counts injected 5xx responses (Config.FaultRate).
	Faults int64
	// Dropped counts responses thrown away after processing (Config.DropRate).
	Dropped int64
	// RateLimited counts 429 responses from Config.RateLimitPerMinute.
	RateLimited int64
}

// Server is the local backend. Create it with New and release it with Close.
type Server struct {
	// db has a single connection (see openDB): inside withTx use only the transaction.
	db             *sql.DB
	now            func() time.Time
	log            *slog.Logger
	encryptAllAPIs bool
	longKeyIDs     atomic.Bool
	rootKey        string
	rootKeySource  RootKeySource
	rootKeyDigest  [32]byte // of the primary root key, the only one the Mixpeek protocol accepts
	aead           cipher.AEAD

	statsMu sync.Mutex
	stats   Stats

	limiter rateLimiter

	// faults holds the testing aids (see faults.go).
	faults *faultInjector
	// mpAids holds the Mixpeek testing aids (see mixpeek_aids.go).
	mpAids mixpeekAidState

	httpMu  sync.Mutex
	httpSrv *http.Server
}

// maxBodyBytes is Unkey's request body limit (larger bodies are a 413).
const maxBodyBytes = 10 << 20

// New opens (or creates) the database and prepares a server; it does not listen yet.
func New(cfg Config) (*Server, error) {
	faults := Faults{RateLimitPerMinute: cfg.RateLimitPerMinute, FaultRate: cfg.FaultRate, ThrottleRate: cfg.ThrottleRate, DropRate: cfg.DropRate, Latency: cfg.Latency}
	if err := faults.validate(); err != nil {
		return nil, err
	}
	db, err := openDB(cfg.DBPath)
	if err != nil {
		return nil, err
	}
	keyFile := cfg.MasterKeyFile
	if keyFile == "" && !isMemoryDB(cfg.DBPath) {
		keyFile = cfg.DBPath + ".masterkey"
	}
	mk, err := loadMasterKey(context.Background(), db, cfg.MasterKey, keyFile)
	if err != nil {
		_ = db.Close() // already failing; the original error is the one worth reporting
		return nil, err
	}
	aead, err := newAEAD(mk)
	if err != nil {
		_ = db.Close() // already failing; the original error is the one worth reporting
		return nil, err
	}
	s := &Server{
		db:             db,
		now:            cfg.Now,
		log:            cfg.Logger,
		encryptAllAPIs: cfg.EncryptAllAPIs,
		aead:           aead,
		stats:          newStats(),
		limiter:        rateLimiter{windows: map[string]rlWindow{}},
		faults:         newFaultInjector(faults, cfg.FaultSeed),
	}
	s.longKeyIDs.Store(cfg.LongKeyIDs)
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.setupRootKey(context.Background(), cfg.RootKey); err != nil {
		_ = db.Close() // already failing; the original error is the one worth reporting
		return nil, fmt.Errorf("root key: %w", err)
	}
	for _, email := range cfg.MixpeekUsers {
		if _, err := s.AddMixpeekUser(context.Background(), email); err != nil {
			_ = db.Close() // already failing; the original error is the one worth reporting
			return nil, fmt.Errorf("mixpeek user: %w", err)
		}
	}
	return s, nil
}

// nowMillis is the current time in Unix ms, the unit of every stored timestamp.
func (s *Server) nowMillis() int64 { return s.now().UnixMilli() }

// Handler returns the HTTP handler serving the Unkey routes, the Mixpeek routes and liveness.
// Anything else is a plain-text 404 (a known path with the wrong method: 405).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.registerUnkey(mux)
	s.registerMixpeek(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count(r.URL.Path)
		start := time.Now()
		st := &reqState{faults: s.Faults()}
		if !sleep(r.Context(), st.faults.Latency) {
			s.log.Info("request abandoned", "method", r.Method, "path", r.URL.Path, "duration", time.Since(start), "err", r.Context().Err())
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), reqStateKey{}, st))
		// With a drop rate the response is buffered, so it can be thrown away after the handler
		// has committed its work.
		var buf *bufferedWriter
		out := w
		if st.faults.DropRate > 0 {
			buf = newBufferedWriter()
			out = buf
		}
		sw := &statusWriter{ResponseWriter: out, status: http.StatusOK}
		// Unknown paths get the mux's plain-text "404 page not found": no envelope, so a client
		// cannot mistake a wrong endpoint path for a missing resource.
		if clean, ok := dotSegmentsRemoved(r.URL.Path); ok {
			// The mux redirects literal "." and ".." segments itself but routes escaped ones
			// (%2E) as names; normalising servers and proxies treat both alike, so they do too.
			http.Redirect(sw, r, clean, http.StatusTemporaryRedirect)
		} else {
			mux.ServeHTTP(sw, r)
		}
		if st.drop {
			s.countStat(func(c *Stats) { c.Dropped++ })
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "dropped", true,
				"duration", time.Since(start), "requestId", sw.Header().Get("X-Request-Id"))
			dropConnection(w)
			return
		}
		if buf != nil {
			buf.sendTo(w)
		}
		s.countStat(func(c *Stats) { c.ByStatus[sw.status]++ })
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration", time.Since(start), "requestId", sw.Header().Get("X-Request-Id"))
	})
}

// dotSegmentsRemoved returns the path without "." and ".." segments (as path.Clean does,
// keeping a trailing slash); ok is false when there were none. p is the decoded path, so escaped
// dots count.
func dotSegmentsRemoved(p string) (string, bool) {
	found := false
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			found = true
			break
		}
	}
	if !found {
		return "", false
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return (&url.URL{Path: clean}).EscapedPath(), true
}

// Listen serves Handler on addr in a background goroutine and returns the base URL.
func (s *Server) Listen(addr string) (string, error) {
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	if s.httpSrv != nil {
		return "", errors.New("devserver: already listening")
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.httpSrv = srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops the listener, letting in-flight requests finish, then closes the database.
func (s *Server) Close() error {
	s.httpMu.Lock()
	srv := s.httpSrv
	s.httpSrv = nil
	s.httpMu.Unlock()
	var errs []error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		// A client may hold a connection on which it never sends a request (a dial the HTTP
		// transport made speculatively); Shutdown waits for those, so past the grace time they
		// are closed rather than reported as a failure to stop.
		if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			errs = append(errs, srv.Close())
		} else {
			errs = append(errs, err)
		}
	}
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

func newStats() Stats {
	return Stats{ByRoute: map[string]int64{}, ByStatus: map[int]int64{}}
}

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := s.stats
	out.ByRoute = maps.Clone(s.stats.ByRoute)
	out.ByStatus = maps.Clone(s.stats.ByStatus)
	return out
}

// ResetStats zeroes the request counters (the rate-limit window is not affected).
func (s *Server) ResetStats() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats = newStats()
}

func (s *Server) count(path string) {
	s.countStat(func(st *Stats) {
		st.Requests++
		st.ByRoute[path]++
	})
}

// countStat applies fn to the counters under their lock.
func (s *Server) countStat(fn func(st *Stats)) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	fn(&s.stats)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// authenticate checks the bearer root key. Unkey answers a missing or malformed header with 400
// and an unknown key with 401.
func (s *Server) authenticate(r *http.Request) (rootKeyInfo, *apiError) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return rootKeyInfo{}, errMissingAuthorization()
	}
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return rootKeyInfo{}, &apiError{status: http.StatusBadRequest, code: "unkey/authentication/malformed", title: "Bad Request", detail: "Authorization header must have the form 'Bearer <root key>'."}
	}
	info, found, err := s.lookupRootKey(r.Context(), sha256.Sum256([]byte(token)))
	if err != nil {
		s.log.Error("root key lookup", "path", r.URL.Path, "err", err)
		return rootKeyInfo{}, errInternal()
	}
	if !found {
		return rootKeyInfo{}, &apiError{status: http.StatusUnauthorized, code: "unkey/authentication/key_not_found", title: "Unauthorized", detail: "The provided root key is invalid."}
	}
	return info, nil
}

type responseMeta struct {
	RequestID string `json:"requestId"`
}

type pagination struct {
	Cursor  string `json:"cursor,omitempty"`
	HasMore bool   `json:"hasMore"`
}

// listResult makes an endpoint answer with the list envelope.
type listResult struct {
	data       any
	pagination pagination
}

// noData makes an endpoint answer with an envelope holding only meta.
type noData struct{}

// validatable is implemented by every request body type.
type validatable interface {
	validate(v *validator)
}

// endpoint adapts a typed handler to HTTP in Unkey's middleware order: body schema validation
// (400), then authentication (400/401), then the handler.
func endpoint[T any, P interface {
	*T
	validatable
}](s *Server, fn func(ctx context.Context, req P) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reqID := newID("req")
		// The validator checks the security requirement first, then the content type, then
		// the body; the root key itself is looked up after all of them.
		if r.Header.Get("Authorization") == "" {
			s.writeError(w, r, reqID, errMissingAuthorization())
			return
		}
		if apiErr := checkContentType(r.Header.Get("Content-Type")); apiErr != nil {
			s.writeError(w, r, reqID, apiErr)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				s.writeError(w, r, reqID, &apiError{status: http.StatusRequestEntityTooLarge, code: "user/unprocessable_entity/request_body_too_large", title: "Request Entity Too Large", detail: "The request body exceeds 10 MiB."})
				return
			}
			s.writeError(w, r, reqID, badField("body", "could not read the request body"))
			return
		}
		req := P(new(T))
		if apiErr := decodeRequest(body, req); apiErr != nil {
			apiErr.schema = true
			s.writeError(w, r, reqID, apiErr)
			return
		}
		var v validator
		req.validate(&v)
		if apiErr := v.err(); apiErr != nil {
			apiErr.schema = true
			s.writeError(w, r, reqID, apiErr)
			return
		}
		caller, apiErr := s.authenticate(r)
		if apiErr != nil {
			s.writeError(w, r, reqID, apiErr)
			return
		}
		if rej := s.gate(w, r); rej != nil {
			s.writeError(w, r, reqID, rej.unkeyError())
			return
		}
		data, err := fn(context.WithValue(r.Context(), rootKeyCtx{}, caller), req)
		if err != nil {
			var apiErr *apiError
			if !errors.As(err, &apiErr) {
				s.log.Error("handler failed", "path", r.URL.Path, "requestId", reqID, "err", err)
				apiErr = errInternal()
			}
			s.writeError(w, r, reqID, apiErr)
			return
		}
		s.writeData(w, reqID, data)
	}
}

func (s *Server) writeData(w http.ResponseWriter, reqID string, data any) {
	m := responseMeta{RequestID: reqID}
	switch d := data.(type) {
	case listResult:
		s.writeJSON(w, "application/json", http.StatusOK, reqID, struct {
			Meta       responseMeta `json:"meta"`
			Data       any          `json:"data"`
			Pagination pagination   `json:"pagination"`
		}{m, d.data, d.pagination})
	case noData:
		s.writeJSON(w, "application/json", http.StatusOK, reqID, struct {
			Meta responseMeta `json:"meta"`
		}{m})
	default:
		s.writeJSON(w, "application/json", http.StatusOK, reqID, struct {
			Meta responseMeta `json:"meta"`
			Data any          `json:"data"`
		}{m, d})
	}
}

// checkContentType accepts a body declared as JSON (application/json, with parameters such as
// charset) or not declared at all; anything else, text/plain included, is refused before the
// body is read.
func checkContentType(header string) *apiError {
	if header == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(header)
	if err == nil && mt == "application/json" {
		return nil
	}
	return errContentType(header)
}

// writeError writes the error envelope. Like Unkey, the validator's 400s are application/json
// and every other error is application/problem+json when the client accepts it.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, reqID string, e *apiError) {
	ct := "application/json"
	accept := r.Header.Get("Accept")
	if !e.schema && (strings.Contains(accept, "application/problem+json") || strings.Contains(accept, "application/*") || strings.Contains(accept, "*/*")) {
		ct = "application/problem+json"
	}
	s.writeJSON(w, ct, e.status, reqID, struct {
		Meta  responseMeta `json:"meta"`
		Error errorBody    `json:"error"`
	}{responseMeta{RequestID: reqID}, e.body()})
}

func (s *Server) writeJSON(w http.ResponseWriter, contentType string, status int, reqID string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // details quote things like "Bearer <root key>"
	err := enc.Encode(v)
	b := buf.Bytes()
	if err != nil {
		s.log.Error("encode response", "requestId", reqID, "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"meta":{"requestId":"` + reqID + `"},"error":{"title":"Internal Server Error","detail":"could not encode the response","status":500,"type":"https://unkey.com/docs/errors/unkey/application/unexpected_error"}}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Request-Id", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// registerUnkey mounts every Unkey v2 route on mux.
func (s *Server) registerUnkey(mux *http.ServeMux) {
	liveness := func(w http.ResponseWriter, r *http.Request) {
		s.writeData(w, newID("req"), map[string]string{"message": "OK"})
	}
	// GET only: the document has no POST liveness, and a known path with another method is 405.
	mux.HandleFunc("GET /v2/liveness", liveness)

	routes := map[string]http.HandlerFunc{
		"apis.createApi": endpoint(s, s.handleCreateAPI),
		"apis.getApi":    endpoint(s, s.handleGetAPI),
		"apis.deleteApi": endpoint(s, s.handleDeleteAPI),
		"apis.listKeys":  endpoint(s, s.handleListKeys),

		"keys.createKey":     endpoint(s, s.handleCreateKey),
		"keys.getKey":        endpoint(s, s.handleGetKey),
		"keys.updateKey":     endpoint(s, s.handleUpdateKey),
		"keys.deleteKey":     endpoint(s, s.handleDeleteKey),
		"keys.verifyKey":     endpoint(s, s.handleVerifyKey),
		"keys.whoami":        endpoint(s, s.handleWhoami),
		"keys.rerollKey":     endpoint(s, s.handleRerollKey),
		"keys.updateCredits": endpoint(s, s.handleUpdateCredits),

		"keys.addPermissions":    endpoint(s, s.handleAddPermissions),
		"keys.setPermissions":    endpoint(s, s.handleSetPermissions),
		"keys.removePermissions": endpoint(s, s.handleRemovePermissions),
		"keys.addRoles":          endpoint(s, s.handleAddRoles),
		"keys.setRoles":          endpoint(s, s.handleSetRoles),
		"keys.removeRoles":       endpoint(s, s.handleRemoveRoles),

		"permissions.createPermission": endpoint(s, s.handleCreatePermission),
		"permissions.getPermission":    endpoint(s, s.handleGetPermission),
		"permissions.listPermissions":  endpoint(s, s.handleListPermissions),
		"permissions.deletePermission": endpoint(s, s.handleDeletePermission),
		"permissions.createRole":       endpoint(s, s.handleCreateRole),
		"permissions.getRole":          endpoint(s, s.handleGetRole),
		"permissions.listRoles":        endpoint(s, s.handleListRoles),
		"permissions.deleteRole":       endpoint(s, s.handleDeleteRole),

		"permissions.setRolePermissions": endpoint(s, s.handleSetRolePermissions),

		"identities.createIdentity": endpoint(s, s.handleCreateIdentity),
		"identities.getIdentity":    endpoint(s, s.handleGetIdentity),
		"identities.deleteIdentity": endpoint(s, s.handleDeleteIdentity),
		"identities.updateIdentity": endpoint(s, s.handleUpdateIdentity),
		"identities.listIdentities": endpoint(s, s.handleListIdentities),
	}
	for name, h := range routes {
		mux.HandleFunc("POST /v2/"+name, h)
	}
}
