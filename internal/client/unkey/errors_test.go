package unkey

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func notFoundBody(kind string) string {
	return `{"meta":{"requestId":"req_nf"},"error":{"title":"Not Found","detail":"not here","status":404,"type":"https://unkey.com/docs/errors/unkey/data/` + kind + `_not_found"}}`
}

// Only Unkey's own not-found envelope says an object is gone; every other 404 is an error that
// points at the endpoint.
func TestNotFoundClassification(t *testing.T) {
	type verdict struct{ key, api, role, permission, identity bool }
	for _, tc := range []struct {
		name   string
		op     string
		reply  reply
		kind   string // expected NotFoundKind, "" for none
		want   verdict
		text   []string
		noText []string
	}{
		{
			name: "key_not_found on getKey", op: "keys.getKey",
			reply: reply{status: 404, body: notFoundBody("key")}, kind: KindKey, want: verdict{key: true},
		},
		{
			name: "api_not_found on getKey", op: "keys.getKey",
			reply: reply{status: 404, body: notFoundBody("api")}, kind: KindAPI, want: verdict{api: true},
			noText: []string{"lacks the permission"},
		},
		{
			name: "api_not_found on createKey may be a missing permission", op: "keys.createKey",
			reply: reply{status: 404, body: notFoundBody("api")}, kind: KindAPI, want: verdict{api: true},
			text: []string{"lacks the permission"},
		},
		{name: "role_not_found", op: "keys.getKey", reply: reply{status: 404, body: notFoundBody("role")}, kind: KindRole, want: verdict{role: true}},
		{name: "permission_not_found", op: "keys.getKey", reply: reply{status: 404, body: notFoundBody("permission")}, kind: KindPermission, want: verdict{permission: true}},
		{name: "identity_not_found", op: "keys.getKey", reply: reply{status: 404, body: notFoundBody("identity")}, kind: KindIdentity, want: verdict{identity: true}},
		{
			name: "plain text 404", op: "keys.getKey",
			reply: reply{status: 404, contentType: "text/plain", body: "404 page not found"},
			text:  []string{"404 page not found", "/v2/keys.getKey answered 404 without an Unkey error body", "endpoint URL is probably wrong"},
		},
		{
			name: "HTML 404", op: "keys.getKey",
			reply: reply{status: 404, contentType: "text/html", body: "<html><body><h1>Not Found</h1></body></html>"},
			text:  []string{"without an Unkey error body"},
		},
		{
			name: "JSON 404 of another type", op: "keys.getKey",
			reply: reply{status: 404, body: notFoundBody("route")},
			text:  []string{"unkey/data/route_not_found, which names no Unkey object"},
		},
		{
			name: "JSON 404 about:blank", op: "keys.getKey",
			reply: reply{status: 404, body: `{"meta":{"requestId":"r"},"error":{"title":"Not Found","detail":"x","status":404,"type":"about:blank"}}`},
			text:  []string{"without an Unkey error body"},
		},
		{
			name: "key_not_found without meta", op: "keys.getKey",
			reply: reply{status: 404, body: `{"error":{"title":"Not Found","detail":"x","status":404,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`},
		},
		{
			name: "key_not_found with another status in the body", op: "keys.getKey",
			reply: reply{status: 404, body: `{"meta":{"requestId":"r"},"error":{"title":"Not Found","detail":"x","status":500,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`},
		},
		{
			name: "key_not_found type on a 500", op: "keys.getKey",
			reply: reply{status: 500, body: `{"meta":{"requestId":"r"},"error":{"title":"x","detail":"x","status":500,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`},
		},
		{
			name: "bare problem document", op: "keys.getKey",
			reply: reply{status: 404, body: `{"title":"Not Found","detail":"x","status":404,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}`},
		},
		{
			name: "key_not_found on another host's type", op: "keys.getKey",
			reply: reply{status: 404, body: `{"meta":{"requestId":"r"},"error":{"title":"Not Found","detail":"x","status":404,"type":"https://example.com/docs/errors/unkey/data/key_not_found"}}`},
		},
		{name: "empty 404", op: "keys.getKey", reply: reply{status: 404, body: ""}, text: []string{"without an Unkey error body"}},
		{name: "plain text 405", op: "keys.getKey", reply: reply{status: 405, contentType: "text/plain", body: "Method Not Allowed"}, text: []string{"HTTP 405", "Method Not Allowed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			f.on(tc.op, tc.reply)
			var err error
			switch tc.op {
			case "keys.getKey":
				_, err = c.GetKey(t.Context(), "key_1", false)
			case "keys.createKey":
				_, err = c.CreateKey(t.Context(), CreateKeyRequest{APIID: "api_1"})
			}
			if err == nil {
				t.Fatal("no error")
			}
			kind, ok := NotFoundKind(err)
			if kind != tc.kind || ok != (tc.kind != "") {
				t.Errorf("NotFoundKind = %q, %v; want %q", kind, ok, tc.kind)
			}
			got := verdict{IsKeyNotFound(err), IsAPINotFound(err), IsRoleNotFound(err), IsPermissionNotFound(err), IsIdentityNotFound(err)}
			if got != tc.want {
				t.Errorf("predicates = %+v, want %+v", got, tc.want)
			}
			if IsNotFound(err) != (tc.kind != "") {
				t.Errorf("IsNotFound = %v", IsNotFound(err))
			}
			msg := err.Error()
			for _, s := range tc.text {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not contain %q", msg, s)
				}
			}
			for _, s := range append(tc.noText, testRootKey, "Bearer") {
				if strings.Contains(msg, s) {
					t.Errorf("error %q contains %q", msg, s)
				}
			}
		})
	}
}

func TestAuthPredicates(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		reply                   reply
		unauthorized, forbidden bool
	}{
		{"401 envelope", reply{status: 401, body: `{"meta":{"requestId":"r"},"error":{"title":"Unauthorized","detail":"The provided root key is invalid.","status":401,"type":"https://unkey.com/docs/errors/unkey/authentication/key_not_found"}}`}, true, false},
		{"401 from a proxy", reply{status: 401, contentType: "text/plain", body: "unauthorized"}, true, false},
		{"400 missing Authorization", reply{status: 400, body: `{"meta":{"requestId":"r"},"error":{"title":"Bad Request","detail":"Authorization header is missing","status":400,"type":"https://unkey.com/docs/errors/unkey/authentication/missing","errors":[]}}`}, true, false},
		{"403 insufficient permissions", reply{status: 403, body: `{"meta":{"requestId":"r"},"error":{"title":"Insufficient Permissions","detail":"missing api.*.read_key","status":403,"type":"https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions"}}`}, false, true},
		{"400 missing Authorization from the validator", reply{status: 400, body: `{"meta":{"requestId":"r"},"error":{"title":"Bad Request","detail":"Authorization header for 'rootKey' is missing","status":400,"type":"https://unkey.com/docs/errors/unkey/application/invalid_input","errors":[{"location":"security","message":"missing","fix":"send it"}]}}`}, true, false},
		{"400 at security from something else", reply{status: 400, contentType: "text/plain", body: `{"errors":[{"location":"security","message":"missing"}]}`}, false, false},
		{"400 invalid input at the body", reply{status: 400, body: `{"meta":{"requestId":"r"},"error":{"title":"Bad Request","detail":"x","status":400,"type":"https://unkey.com/docs/errors/unkey/application/invalid_input","errors":[{"location":"body.keyId","message":"x"}]}}`}, false, false},
		{"400 invalid input", reply{status: 400, body: `{"meta":{"requestId":"r"},"error":{"title":"Bad Request","detail":"x","status":400,"type":"https://unkey.com/docs/errors/unkey/application/invalid_input","errors":[]}}`}, false, false},
		{"401 key_not_found is not a missing key", reply{status: 401, body: `{"meta":{"requestId":"r"},"error":{"title":"Unauthorized","detail":"x","status":401,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			f.on("keys.getKey", tc.reply)
			_, err := c.GetKey(t.Context(), "key_1", false)
			if IsUnauthorized(err) != tc.unauthorized || IsForbidden(err) != tc.forbidden {
				t.Errorf("IsUnauthorized = %v, IsForbidden = %v", IsUnauthorized(err), IsForbidden(err))
			}
			if IsKeyNotFound(err) {
				t.Error("an auth failure must never read as a missing key")
			}
		})
	}
	if IsUnauthorized(context.Canceled) || IsForbidden(errors.New("403")) {
		t.Error("non-API errors must not match")
	}
}
