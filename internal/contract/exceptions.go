package contract

import (
	"encoding/json"
	"mime"
	"net/http"
	"regexp"
	"strings"

	vErrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// The documents have defects of their own, measured against the genuine services. Each one is
// allowed here by name, as narrowly as it can be told apart, and counted in Totals; nothing else
// is excused.
const (
	// ExErrorMediaType: Unkey serves error bodies as application/problem+json (RFC 9457), or
	// application/json when the client does not accept problem+json, whatever the operation;
	// its document declares most operations' errors as application/json only, and those of
	// identities.deleteIdentity and every 429 as application/problem+json only. An error body in
	// one of the two types is held to the schema the document gives the other.
	ExErrorMediaType = "unkey error body served as application/problem+json or application/json, the document declaring the other"
	// ExBadRequestErrors: Unkey's BadRequestErrorDetails is allOf BaseError plus a required
	// "errors" array, but BaseError has additionalProperties: false, so no 400 body can satisfy
	// the document. The one failure that says "errors" is not allowed in BaseError is dropped;
	// the "errors" array is still checked against ValidationError.
	ExBadRequestErrors = "unkey 400 body has errors, which BaseError forbids"
	// ExRatelimitReset: Unkey's verifyKey answers ratelimits[].reset as an absolute Unix time in
	// milliseconds (measured), where the document bounds it like a duration (at most 30 days).
	ExRatelimitReset = "unkey verifyKey ratelimits[].reset is an absolute time, beyond the document's maximum"
	// ExRatelimitBounds: Unkey accepts rate limits with limit above 1,000,000 or duration above
	// 30 days at create and returns them as they are (measured), breaking the maxima of its own
	// response schemas.
	ExRatelimitBounds = "unkey returns a rate limit beyond the response schema's maximum, as it accepted it"
	// ExNoContentType: Unkey processes a JSON body sent without a Content-Type header (it refuses
	// other media types with 400), where the document requires application/json.
	ExNoContentType = "unkey accepted a JSON body sent without Content-Type"
	// ExMixpeekConflict: Mixpeek answers 409 to creating a key, or renaming one, to a name the
	// user already has; the document lists no 409, so there is no schema for the body.
	ExMixpeekConflict = "mixpeek create or rename answered 409, which the document omits"
	// ExMixpeekNumericExpiry: Mixpeek's SDK models (pydantic datetimes) accept expires_at as a
	// Unix time, which the document types as a string; the local server accepts it as they do
	// (the provider never sends one).
	ExMixpeekNumericExpiry = "mixpeek accepted expires_at as a Unix time, as its SDK's models do"
	// ExMixpeekDeleteUser: DELETE /v1/organizations/users/{user_email} is in Mixpeek's API
	// reference (it revokes the user's keys) but outside the API-keys document.
	ExMixpeekDeleteUser = "mixpeek DELETE user, in Mixpeek's reference but outside the API-keys document"
)

// testingAidHeader is devserver.TestingAidHeader; the checks are independent of the server
// package, so the name is repeated here.
const testingAidHeader = "X-Apikey-Devserver-Testing-Aid"

// excusedAid names the testing aid that made a response depart from the document on purpose.
func excusedAid(e *Exchange) string {
	if aid := e.ResponseHeader.Get(testingAidHeader); aid != "" {
		return "testing aid: " + aid
	}
	return ""
}

// elsewhere lists routes the services document outside the documents checked here.
var elsewhere = []struct {
	service, method string
	path            *regexp.Regexp
	name            string
}{
	{"mixpeek", http.MethodDelete, regexp.MustCompile(`^/v1/organizations/users/[^/]+$`), ExMixpeekDeleteUser},
}

func documentedElsewhere(sp *spec, e *Exchange) string {
	for _, r := range elsewhere {
		if r.service == sp.service && r.method == e.Method && r.path.MatchString(e.Path) {
			return r.name
		}
	}
	return ""
}

// undocumented lists the statuses the services answer that their documents omit. The body of
// such a response has no schema to be held to; each entry says where it comes from.
var undocumented = []struct {
	service string
	status  int
	method  string         // "" any
	path    *regexp.Regexp // nil any
	name    string
}{
	{"mixpeek", http.StatusConflict, http.MethodPost, regexp.MustCompile(`^/v1/organizations/users/[^/]+/api-keys$`), ExMixpeekConflict},
	{"mixpeek", http.StatusConflict, http.MethodPatch, regexp.MustCompile(`^/v1/organizations/users/[^/]+/api-keys/[^/]+$`), ExMixpeekConflict},
	// unkey/application/precondition_failed (a recoverable key in an API not opted into key
	// encryption) and unkey/application/protected_resource (a delete-protected API), measured on
	// the genuine service; the document lists no 412 anywhere.
	{"unkey", http.StatusPreconditionFailed, "", nil, "unkey answered 412 precondition_failed, which the document omits"},
	// A request body over Unkey's 10 MiB limit; the document lists no 413.
	{"unkey", http.StatusRequestEntityTooLarge, "", nil, "unkey answered 413 for a body over its limit, which the document omits"},
	// permissions.deleteRole of a role that does not exist is 404 role_not_found like the other
	// permissions operations; only this one omits 404 in the document.
	{"unkey", http.StatusNotFound, http.MethodPost, regexp.MustCompile(`^/v2/permissions\.deleteRole$`), "unkey permissions.deleteRole answered 404, which the document omits"},
	// 503 on either protocol and 429 on Mixpeek come from the fault and rate-limit testing aids,
	// which imitate the gateways in front of the services; neither document describes those.
	{"unkey", http.StatusServiceUnavailable, "", nil, "testing aid: injected 503"},
	{"mixpeek", http.StatusServiceUnavailable, "", nil, "testing aid: injected 503"},
	{"mixpeek", http.StatusTooManyRequests, "", nil, "testing aid: mixpeek 429"},
	// A key named "." or ".." is redirected to the cleaned path, as a normalising front end does;
	// the document has no redirects.
	{"mixpeek", http.StatusTemporaryRedirect, "", regexp.MustCompile(`/\.\.?(/|$)`), "mixpeek dot segment redirected (307)"},
}

// excusedStatus names the exception for an exchange whose status the document omits.
func excusedStatus(sp *spec, e *Exchange) string {
	for _, u := range undocumented {
		if u.service == sp.service && u.status == e.Status && (u.method == "" || u.method == e.Method) && (u.path == nil || u.path.MatchString(e.Path)) {
			return u.name
		}
	}
	return ""
}

// adjustResponse rewrites what an exception allows before validation, and names it.
func adjustResponse(sp *spec, e *Exchange, resp *http.Response) []string {
	if sp.service != "unkey" || e.Status < 400 {
		return nil
	}
	ct, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return nil
	}
	other := map[string]string{"application/problem+json": "application/json", "application/json": "application/problem+json"}[ct]
	declared := sp.media[key(e.Method, e.Path, e.Status)]
	if other == "" || hasMedia(declared, ct) || !hasMedia(declared, other) {
		return nil
	}
	resp.Header.Set("Content-Type", other)
	return []string{ExErrorMediaType}
}

// excuseFailures drops the schema failures an exception allows from ve; rest is nil when none
// are left.
func excuseFailures(sp *spec, e *Exchange, ve *vErrors.ValidationError) (rest *vErrors.ValidationError, excused string) {
	if sp.service != "unkey" || len(ve.SchemaValidationErrors) == 0 {
		return ve, ""
	}
	var kept []*vErrors.SchemaValidationFailure
	for _, f := range ve.SchemaValidationErrors {
		if ex := excusedFailure(e, f); ex != "" {
			excused = ex
			continue
		}
		kept = append(kept, f)
	}
	if excused == "" {
		return ve, ""
	}
	if len(kept) == 0 {
		return nil, excused
	}
	cp := *ve
	cp.SchemaValidationErrors = kept
	return &cp, excused
}

var (
	ratelimitReset  = regexp.MustCompile(`^\$\.data\.ratelimits\[\d+\]\.reset$`)
	ratelimitBounds = regexp.MustCompile(`ratelimits\[\d+\]\.(limit|duration|remaining)$`)
)

// excusedFailure names the exception one schema failure of an Unkey response falls under.
func excusedFailure(e *Exchange, f *vErrors.SchemaValidationFailure) string {
	maximum := strings.HasSuffix(f.KeywordLocation, "/maximum")
	switch {
	case e.Status == http.StatusBadRequest && isBaseErrorErrors(f):
		return ExBadRequestErrors
	case e.Status == http.StatusOK && maximum && e.Path == "/v2/keys.verifyKey" && ratelimitReset.MatchString(f.FieldPath):
		return ExRatelimitReset
	case e.Status == http.StatusOK && maximum && ratelimitBounds.MatchString(f.FieldPath):
		return ExRatelimitBounds
	}
	return ""
}

// excusedRequest names the exception a request error of an accepted request falls under.
func excusedRequest(sp *spec, e *Exchange, ve *vErrors.ValidationError) string {
	if sp.service == "unkey" && e.RequestHeader.Get("Content-Type") == "" &&
		ve.ValidationSubType == helpers.RequestBodyContentType && json.Valid(e.RequestBody) {
		return ExNoContentType
	}
	if sp.service == "mixpeek" && len(ve.SchemaValidationErrors) > 0 {
		for _, f := range ve.SchemaValidationErrors {
			if f.FieldPath != "$.expires_at" || !strings.Contains(f.Reason, "got number") {
				return ""
			}
		}
		return ExMixpeekNumericExpiry
	}
	return ""
}

// isBaseErrorErrors is the failure "additional property errors" of the error object, raised by
// BaseError's additionalProperties: false.
func isBaseErrorErrors(f *vErrors.SchemaValidationFailure) bool {
	at := strings.Join(f.InstancePath, "/")
	return at == "error" && strings.HasSuffix(f.KeywordLocation, "/additionalProperties") &&
		strings.Contains(f.Reason, "'errors'") && !strings.Contains(strings.ReplaceAll(f.Reason, "'errors'", ""), "'")
}

func key(method, path string, status int) string {
	return method + " " + path + " " + http.StatusText(status)
}

func hasMedia(list []string, m string) bool {
	for _, x := range list {
		if x == m {
			return true
		}
	}
	return false
}

// declaredMedia indexes the response media types of every operation of a document.
func declaredMedia(doc *v3.Document) map[string][]string {
	out := map[string][]string{}
	if doc.Paths == nil || doc.Paths.PathItems == nil {
		return out
	}
	for path, item := range doc.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			if op.Responses == nil || op.Responses.Codes == nil {
				continue
			}
			for code, r := range op.Responses.Codes.FromOldest() {
				var status int
				for _, ch := range code {
					status = status*10 + int(ch-'0')
				}
				k := key(strings.ToUpper(method), path, status)
				if r.Content != nil {
					for mt := range r.Content.KeysFromOldest() {
						out[k] = append(out[k], mt)
					}
				}
			}
		}
	}
	return out
}
