package devserver

import (
	"fmt"
	"net/http"
)

// apiError is an Unkey error response. code is the part of the type URI after
// "https://unkey.com/docs/errors/", e.g. "unkey/data/key_not_found".
type apiError struct {
	status int
	code   string
	title  string
	detail string
	errors []validationError
	// schema marks a rejection by Unkey's OpenAPI validator, which writes application/json
	// whatever the Accept header says; the error middleware behind it negotiates problem+json.
	schema bool
}

type validationError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.detail) }

// errorBody is the "error" member of the error envelope (BaseError / BadRequestErrorDetails).
type errorBody struct {
	Title  string            `json:"title"`
	Detail string            `json:"detail"`
	Status int               `json:"status"`
	Type   string            `json:"type"`
	Errors []validationError `json:"errors,omitzero"` // nil omits, empty stays
}

func (e *apiError) body() errorBody {
	b := errorBody{
		Title:  e.title,
		Detail: e.detail,
		Status: e.status,
		Type:   "https://unkey.com/docs/errors/" + e.code,
		Errors: e.errors,
	}
	// BadRequestErrorDetails requires errors[], even when the cause was not a schema violation.
	if e.status == http.StatusBadRequest && b.Errors == nil {
		b.Errors = []validationError{}
	}
	return b
}

func invalidInput(detail string, errs ...validationError) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "unkey/application/invalid_input", title: "Bad Request", detail: detail, errors: errs}
}

// schemaError is a 400 of the OpenAPI validator in front of every route.
func schemaError(detail string, errs ...validationError) *apiError {
	e := invalidInput(detail, errs...)
	e.schema = true
	return e
}

// errMissingAuthorization is the validator's answer to a request without an Authorization
// header: an invalid_input whose only error sits at location "security", not an
// authentication error.
func errMissingAuthorization() *apiError {
	return schemaError("The request has no Authorization header.", validationError{
		Location: "security",
		Message:  "Authorization header is missing for the rootKey (bearer) security scheme",
		Fix:      "Send 'Authorization: Bearer <root key>'",
	})
}

// errContentType is the validator's answer to a body that is not declared as application/json.
func errContentType(contentType string) *apiError {
	return schemaError(fmt.Sprintf("POST request content type %q is not defined for this operation", contentType), validationError{
		Location: "requestBody",
		Message:  fmt.Sprintf("content type %q is not accepted; the operation takes application/json", contentType),
		Fix:      "Send the body as JSON with 'Content-Type: application/json'",
	})
}

// errPermissionsQuery is keys.verifyKey's answer to a permissions query it cannot parse; it comes
// from the handler, after authentication, with a type of its own.
func errPermissionsQuery(detail string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "user/bad_request/permissions_query_syntax_error", title: "Bad Request", detail: detail}
}

// badField is a handler-level 400 about one request field (for rules the schema cannot express).
func badField(location, message string) *apiError {
	return invalidInput(message, validationError{Location: location, Message: message})
}

func notFound(what, detail string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "unkey/data/" + what + "_not_found", title: "Not Found", detail: detail}
}

func errKeyNotFound() *apiError {
	return notFound("key", "The specified key was not found.")
}

func errAPINotFound() *apiError {
	return notFound("api", "The requested API does not exist or has been deleted.")
}

func conflict(what, detail string) *apiError {
	return &apiError{status: http.StatusConflict, code: "unkey/data/" + what + "_already_exists", title: "Conflicting Resource", detail: detail}
}

func errEncryptionNotEnabled() *apiError {
	return &apiError{status: http.StatusPreconditionFailed, code: "unkey/application/precondition_failed", title: "Precondition Failed", detail: "This API does not support key encryption."}
}

func errInternal() *apiError {
	return &apiError{status: http.StatusInternalServerError, code: "unkey/application/unexpected_error", title: "Internal Server Error", detail: "An unexpected error occurred."}
}
