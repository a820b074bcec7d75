// Package contract checks the local server's HTTP exchanges against the published OpenAPI
// documents of the services it imitates (Unkey v2 keys, Mixpeek organization API keys), so the
// server is held to the services' own descriptions rather than to what the provider's clients
// expect.
//
// The documents are not part of the repository. They are looked for in $APIKEY_CONTRACT_DIR, or
// else in ../shared/reference/ beside the repository root; when they are absent the checks are
// skipped and say so.
//
// The package depends on neither the server nor the clients: it wraps any http.Handler.
package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	vErrors "github.com/pb33f/libopenapi-validator/errors"
)

// EnvDir names a directory holding the documents, overriding the default location.
const EnvDir = "APIKEY_CONTRACT_DIR"

// The documents, by file name, and the path prefix each one describes.
var documents = []struct {
	service, file, prefix string
}{
	{"unkey", "unkey-v2-keys.openapi.yaml", "/v2/"},
	{"mixpeek", "mixpeek-api-keys.openapi.json", "/v1/"},
}

// Checker validates exchanges against the documents.
type Checker struct {
	specs []*spec
}

type spec struct {
	service, prefix string
	mu              sync.Mutex // the validator keeps caches; one exchange at a time
	v               validator.Validator
	// media is the response media types the document declares, by "METHOD path status".
	media map[string][]string
}

var (
	loadOnce   sync.Once
	loaded     *Checker
	skipReason string
	loadErr    error
)

// Default returns the checker for the documents in the default location, loading them once.
// With no documents it returns nil and why the checks are skipped; a document that is present
// but cannot be loaded is an error.
func Default() (*Checker, string, error) {
	loadOnce.Do(func() {
		dir, reason := locate()
		if dir == "" {
			skipReason = reason
			return
		}
		loaded, loadErr = Load(dir)
	})
	return loaded, skipReason, loadErr
}

// locate finds the directory of the documents: $APIKEY_CONTRACT_DIR, or ../shared/reference
// relative to the directory holding go.mod.
func locate() (dir, reason string) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, ""
	}
	root, err := moduleRoot()
	if err != nil {
		return "", "contract checks skipped: " + err.Error()
	}
	d := filepath.Join(filepath.Dir(root), "shared", "reference")
	for _, doc := range documents {
		if _, err := os.Stat(filepath.Join(d, doc.file)); err != nil {
			return "", fmt.Sprintf("contract checks skipped: %s is not in ../shared/reference beside the repository (set %s to its directory)", doc.file, EnvDir)
		}
	}
	return d, ""
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Load reads both documents from dir.
func Load(dir string) (*Checker, error) {
	c := &Checker{}
	for _, doc := range documents {
		raw, err := os.ReadFile(filepath.Join(dir, doc.file))
		if err != nil {
			return nil, fmt.Errorf("contract: %w", err)
		}
		d, err := libopenapi.NewDocument(raw)
		if err != nil {
			return nil, fmt.Errorf("contract: parsing %s: %w", doc.file, err)
		}
		m, err := d.BuildV3Model()
		if err != nil {
			return nil, fmt.Errorf("contract: building the model of %s: %w", doc.file, err)
		}
		v := validator.NewValidatorFromV3Model(&m.Model, config.WithoutSecurityValidation())
		c.specs = append(c.specs, &spec{service: doc.service, prefix: doc.prefix, v: v, media: declaredMedia(&m.Model)})
	}
	return c, nil
}

// Exchange is one request and the response the server sent to it, bodies read in full.
type Exchange struct {
	Method, Path, RawQuery string
	RequestHeader          http.Header
	RequestBody            []byte
	Status                 int
	ResponseHeader         http.Header
	ResponseBody           []byte
}

// Operation is "METHOD path", e.g. "POST /v2/keys.createKey".
func (e *Exchange) Operation() string { return e.Method + " " + e.Path }

// Result is the outcome of checking one exchange.
type Result struct {
	// Checked is false when no document describes the path (liveness of another protocol, a
	// deliberately unknown route).
	Checked bool
	// Problems are the violations, with secrets removed. Empty means the exchange conforms.
	Problems []string
	// Rejected is true when the request itself breaks the document and the server did not
	// accept it (no 2xx), which is the conforming answer; the request's problems are not
	// violations.
	Rejected bool
	// Exceptions names the documented defects (see exceptions.go) that were allowed.
	Exceptions []string
}

// Check validates one exchange.
func (c *Checker) Check(e *Exchange) Result {
	sp := c.specFor(e.Path)
	if sp == nil {
		return Result{}
	}
	var res Result
	req, err := e.request()
	if err != nil {
		return Result{Checked: true, Problems: []string{"rebuilding the request: " + err.Error()}}
	}
	resp := e.response(req)
	if ex := excusedAid(e); ex != "" {
		return Result{Checked: true, Exceptions: []string{ex}}
	}
	if ex := excusedStatus(sp, e); ex != "" {
		// The status is not in the document, so there is no schema to hold the body to.
		return Result{Checked: true, Exceptions: []string{ex}}
	}
	for _, ex := range adjustResponse(sp, e, resp) {
		res.Exceptions = append(res.Exceptions, ex)
	}

	sp.mu.Lock()
	_, reqErrs := sp.v.ValidateHttpRequestSync(req)
	_, respErrs := sp.v.ValidateHttpResponse(req, resp)
	sp.mu.Unlock()

	res.Checked = true
	if len(reqErrs) > 0 && e.Status < 300 && !pathUnknown(reqErrs) {
		// A server that accepts what the document forbids is as wrong as one that answers
		// outside it.
		for _, ve := range reqErrs {
			if ex := excusedRequest(sp, e, ve); ex != "" {
				res.Exceptions = append(res.Exceptions, ex)
				continue
			}
			res.Problems = append(res.Problems, "request accepted with status "+fmt.Sprint(e.Status)+" although "+describe(ve))
		}
	} else if len(reqErrs) > 0 {
		res.Rejected = true
	}
	if pathUnknown(reqErrs) {
		// An undocumented route: the server must not answer it with success.
		res.Rejected = false
		if ex := documentedElsewhere(sp, e); ex != "" {
			res.Exceptions = append(res.Exceptions, ex)
			return redact(res, e)
		}
		if e.Status < 400 {
			res.Problems = append(res.Problems, fmt.Sprintf("undocumented route answered %d", e.Status))
		}
		return redact(res, e)
	}
	for _, ve := range respErrs {
		rest, ex := excuseFailures(sp, e, ve)
		if ex != "" {
			res.Exceptions = append(res.Exceptions, ex)
		}
		if rest != nil {
			res.Problems = append(res.Problems, "response "+describe(rest))
		}
	}
	return redact(res, e)
}

func (c *Checker) specFor(path string) *spec {
	for _, sp := range c.specs {
		if strings.HasPrefix(path, sp.prefix) {
			return sp
		}
	}
	return nil
}

func pathUnknown(errs []*vErrors.ValidationError) bool {
	for _, ve := range errs {
		if ve.IsPathMissingError() || ve.IsOperationMissingError() {
			return true
		}
	}
	return false
}

func (e *Exchange) request() (*http.Request, error) {
	u := "http://contract.invalid" + e.Path
	if e.RawQuery != "" {
		u += "?" + e.RawQuery
	}
	req, err := http.NewRequest(e.Method, u, bytes.NewReader(e.RequestBody))
	if err != nil {
		return nil, err
	}
	req.Header = e.RequestHeader.Clone()
	return req, nil
}

func (e *Exchange) response(req *http.Request) *http.Response {
	return &http.Response{
		StatusCode: e.Status,
		Header:     e.ResponseHeader.Clone(),
		Body:       io.NopCloser(bytes.NewReader(e.ResponseBody)),
		Request:    req,
	}
}

// describe renders a validation error: the message, the reason and each schema failure with
// its location. Values are not quoted from the bodies (see redact).
func describe(ve *vErrors.ValidationError) string {
	var b strings.Builder
	b.WriteString(ve.Message)
	if ve.Reason != "" && ve.Reason != ve.Message {
		b.WriteString(": " + ve.Reason)
	}
	for _, f := range ve.SchemaValidationErrors {
		b.WriteString("; ")
		if f.FieldPath != "" {
			b.WriteString(f.FieldPath + ": ")
		} else if len(f.InstancePath) > 0 {
			b.WriteString("/" + strings.Join(f.InstancePath, "/") + ": ")
		}
		b.WriteString(f.Reason)
		if f.KeywordLocation != "" {
			b.WriteString(" (schema " + f.KeywordLocation + ")")
		}
	}
	return b.String()
}

// Stats counts the exchanges checked in this process.
type Stats struct {
	Checked, Unchecked, Violations, Rejected int64
	Exceptions                               map[string]int64
}

var (
	statChecked, statUnchecked, statViolations, statRejected atomic.Int64
	exMu                                                     sync.Mutex
	exCounts                                                 = map[string]int64{}
)

func record(r Result) {
	if !r.Checked {
		statUnchecked.Add(1)
		return
	}
	statChecked.Add(1)
	if len(r.Problems) > 0 {
		statViolations.Add(1)
	}
	if r.Rejected {
		statRejected.Add(1)
	}
	exMu.Lock()
	for _, ex := range r.Exceptions {
		exCounts[ex]++
	}
	exMu.Unlock()
}

// Totals returns the counters of this process.
func Totals() Stats {
	exMu.Lock()
	defer exMu.Unlock()
	ex := make(map[string]int64, len(exCounts))
	for k, v := range exCounts {
		ex[k] = v
	}
	return Stats{Checked: statChecked.Load(), Unchecked: statUnchecked.Load(), Violations: statViolations.Load(), Rejected: statRejected.Load(), Exceptions: ex}
}

// Summary is one line of Totals for a test binary's output, or "" when nothing was checked.
func Summary() string {
	s := Totals()
	if s.Checked == 0 && s.Unchecked == 0 {
		return ""
	}
	line := fmt.Sprintf("contract: %d exchanges checked, %d with violations, %d invalid requests rejected, %d on routes no document describes",
		s.Checked, s.Violations, s.Rejected, s.Unchecked)
	if len(s.Exceptions) > 0 {
		names := make([]string, 0, len(s.Exceptions))
		for k := range s.Exceptions {
			names = append(names, k)
		}
		sort.Strings(names)
		parts := make([]string, len(names))
		for i, k := range names {
			parts[i] = fmt.Sprintf("%s %d", k, s.Exceptions[k])
		}
		line += "; exceptions: " + strings.Join(parts, ", ")
	}
	return line
}
