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
}

type validationError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
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
