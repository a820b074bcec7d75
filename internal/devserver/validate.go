package devserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// nullable is a request field with three states: omitted (Set=false), JSON null (Null=true)
// and a value. Only fields the schema declares nullable use it; a null anywhere else is a 400.
type nullable[T any] struct {
	Set   bool
	Null  bool
	Value T
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	return strictUnmarshal(b, &n.Value)
}

func (nullable[T]) acceptsNull() {}

// nullAccepter marks types whose JSON null is meaningful.
type nullAccepter interface{ acceptsNull() }

// strictUnmarshal decodes exactly one JSON value and rejects fields the target does not declare,
// mirroring additionalProperties: false.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("request body must contain a single JSON object")
	}
	return nil
}

// decodeRequest turns a request body into req, reporting schema-level problems as a 400 with
// errors[] the way Unkey's OpenAPI validator does.
func decodeRequest(body []byte, req any) *apiError {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return badField("body", "request body must be a JSON object")
	}
	if err := strictUnmarshal(trimmed, req); err != nil {
		return decodeError(err)
	}
	// encoding/json maps null onto "no change" for most types; the schema says a null is only
	// allowed where a field is declared nullable.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return decodeError(err)
	}
	var errs []validationError
	for _, name := range nonNullableFields(req) {
		if raw, ok := top[name]; ok && string(bytes.TrimSpace(raw)) == "null" {
			errs = append(errs, validationError{Location: "body." + name, Message: "must not be null"})
		}
	}
	if errs != nil {
		return invalidInput("The request body does not match the schema.", errs...)
	}
	return nil
}

func decodeError(err error) *apiError {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		loc := "body"
		if typeErr.Field != "" {
			loc += "." + typeErr.Field
		}
		return badField(loc, fmt.Sprintf("expected %s, got %s", jsonTypeName(typeErr.Type), typeErr.Value))
	case errors.As(err, &syntaxErr):
		return badField("body", "request body is not valid JSON: "+syntaxErr.Error())
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field = strings.Trim(field, `"`)
		return badField("body."+field, fmt.Sprintf("additional property %q is not allowed", field))
	}
	return badField("body", err.Error())
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "integer"
	case reflect.Slice:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}

// nonNullableFields lists the top-level JSON names of req whose type does not accept null.
func nonNullableFields(req any) []string {
	return structNonNullable(reflect.TypeOf(req).Elem())
}

func structNonNullable(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			names = append(names, structNonNullable(f.Type)...)
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		if f.Type.Implements(reflect.TypeFor[nullAccepter]()) {
			continue
		}
		names = append(names, name)
	}
	return names
}

// validator collects constraint violations so one response lists all of them.
type validator struct {
	errs []validationError
}

func (v *validator) add(loc, format string, args ...any) {
	v.errs = append(v.errs, validationError{Location: loc, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) err() *apiError {
	if len(v.errs) == 0 {
		return nil
	}
	return invalidInput("The request body does not match the schema.", v.errs...)
}

// required reports a missing required field; it returns whether the field is present.
func (v *validator) required(loc string, present bool) bool {
	if !present {
		v.add(loc, "is required")
	}
	return present
}

// str checks length in characters (as JSON Schema counts) and an optional pattern; max < 0
// means unbounded.
func (v *validator) str(loc, s string, minLen, maxLen int, re *regexp.Regexp) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen:
		v.add(loc, "length must be >= %d", minLen)
	case maxLen >= 0 && n > maxLen:
		v.add(loc, "length must be <= %d", maxLen)
	case re != nil && !re.MatchString(s):
		v.add(loc, "must match pattern %s", re.String())
	}
}

func (v *validator) optStr(loc string, s *string, minLen, maxLen int, re *regexp.Regexp) {
	if s != nil {
		v.str(loc, *s, minLen, maxLen, re)
	}
}

func (v *validator) reqStr(loc string, s *string, minLen, maxLen int, re *regexp.Regexp) {
	if v.required(loc, s != nil) {
		v.str(loc, *s, minLen, maxLen, re)
	}
}

func (v *validator) intRange(loc string, n, minVal, maxVal int64) {
	if n < minVal || n > maxVal {
		v.add(loc, "must be between %d and %d", minVal, maxVal)
	}
}

// strs checks an array of strings: item count (maxItems < 0 = unbounded) and every item.
func (v *validator) strs(loc string, items []string, minItems, maxItems, minLen, maxLen int, re *regexp.Regexp) {
	if len(items) < minItems {
		v.add(loc, "must contain at least %d items", minItems)
	}
	if maxItems >= 0 && len(items) > maxItems {
		v.add(loc, "must contain at most %d items", maxItems)
	}
	for i, s := range items {
		v.str(fmt.Sprintf("%s[%d]", loc, i), s, minLen, maxLen, re)
	}
}

func (v *validator) meta(loc string, m map[string]json.RawMessage) {
	if len(m) > ukMetaMaxProperties {
		v.add(loc, "must have at most %d properties", ukMetaMaxProperties)
	}
}

func (v *validator) enum(loc, s string, allowed []string) {
	if !slices.Contains(allowed, s) {
		v.add(loc, "must be one of %s", strings.Join(allowed, ", "))
	}
}

// ratelimitRequest is RatelimitRequest (createKey, updateKey, createIdentity).
type ratelimitRequest struct {
	Name      *string `json:"name"`
	Limit     *int64  `json:"limit"`
	Duration  *int64  `json:"duration"`
	AutoApply *bool   `json:"autoApply"`
}

func (v *validator) ratelimits(loc string, rls []ratelimitRequest) {
	if len(rls) > ukRatelimitsMaxItems {
		v.add(loc, "must contain at most %d items", ukRatelimitsMaxItems)
	}
	for i, rl := range rls {
		at := fmt.Sprintf("%s[%d]", loc, i)
		v.reqStr(at+".name", rl.Name, ukRatelimitNameMinLength, ukRatelimitNameMaxLength, nil)
		if v.required(at+".limit", rl.Limit != nil) {
			v.intRange(at+".limit", *rl.Limit, ukRatelimitLimitMin, 1<<63-1)
		}
		if v.required(at+".duration", rl.Duration != nil) {
			v.intRange(at+".duration", *rl.Duration, ukRatelimitDurationMinMill, 1<<63-1)
		}
		v.required(at+".autoApply", rl.AutoApply != nil)
	}
}

// refillRequest is KeyCreditsRefill / UpdateKeyCreditsRefill.
type refillRequest struct {
	Interval  *string `json:"interval"`
	Amount    *int64  `json:"amount"`
	RefillDay *int64  `json:"refillDay"`
}

func (v *validator) refill(loc string, r *refillRequest) {
	if v.required(loc+".interval", r.Interval != nil) {
		v.enum(loc+".interval", *r.Interval, ukRefillIntervals)
	}
	if v.required(loc+".amount", r.Amount != nil) {
		v.intRange(loc+".amount", *r.Amount, ukRefillAmountMin, 1<<63-1)
	}
	if r.RefillDay != nil {
		v.intRange(loc+".refillDay", *r.RefillDay, ukRefillDayMin, ukRefillDayMax)
	}
}

func (v *validator) keyID(loc string, s *string) {
	v.reqStr(loc, s, ukKeyIDMinLength, ukKeyIDMaxLength, ukIdentifierPattern)
}

func (v *validator) slugs(loc string, items []string, minItems, maxItems int) {
	v.strs(loc, items, minItems, maxItems, ukSlugMinLength, ukSlugMaxLength, ukSlugPattern)
}

func (v *validator) roleNames(loc string, items []string, minItems, maxItems int) {
	v.strs(loc, items, minItems, maxItems, ukRoleNameMinLength, ukRoleNameMaxLength, nil)
}
