package contract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
)

// Violation is an exchange that breaks a document.
type Violation struct {
	Operation string
	Status    int
	Problems  []string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s answered %d: %s", v.Operation, v.Status, joinProblems(v.Problems))
}

func joinProblems(p []string) string {
	var b bytes.Buffer
	for i, s := range p {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(s)
	}
	return b.String()
}

// Middleware records every exchange next serves, checks it against the documents, and hands
// each violation to report. The client sees the response unchanged, as it was written. An
// exchange whose response never completed (a dropped connection, an abandoned request) is not
// checked.
func (c *Checker) Middleware(next http.Handler, report func(Violation)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			// A body that cannot be read is the server's to answer; pass on what arrived.
			body = nil
		}
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		completed := false
		defer func() {
			// Nothing written: the handler abandoned the request (the client had gone).
			if !completed || rec.hijacked || !rec.wroteHeader {
				return
			}
			e := &Exchange{
				Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
				RequestHeader: r.Header.Clone(), RequestBody: body,
				Status: rec.status, ResponseHeader: rec.Header().Clone(), ResponseBody: rec.body.Bytes(),
			}
			res := c.Check(e)
			record(res)
			if len(res.Problems) > 0 {
				report(Violation{Operation: e.Operation(), Status: e.Status, Problems: res.Problems})
			}
		}()
		next.ServeHTTP(rec, r)
		completed = true
	})
}

// recorder copies what a handler writes.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	hijacked    bool
	body        bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes through, so a server that drops a connection on purpose still can.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("contract: the response writer cannot be hijacked")
	}
	r.hijacked = true
	return h.Hijack()
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Wrap returns next with the contract checks of the default documents installed for the test:
// each violation fails t when the test ends, naming the operation, the status and the problem.
// Without the documents it logs why and returns next as it is.
func Wrap(t testing.TB, next http.Handler) http.Handler {
	t.Helper()
	c, reason, err := Default()
	if err != nil {
		t.Fatalf("contract checks: %v", err)
	}
	if c == nil {
		t.Log(reason)
		return next
	}
	var (
		mu         sync.Mutex
		violations []Violation
	)
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, v := range violations {
			t.Errorf("contract violation: %s", v)
		}
	})
	return c.Middleware(next, func(v Violation) {
		mu.Lock()
		violations = append(violations, v)
		mu.Unlock()
	})
}
