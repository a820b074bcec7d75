package unkey

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// localUnkey starts the local server behind a hook that may rewrite each request before the
// server sees it, and returns a client for it (token "" sends no Authorization header) and the
// server's root key.
func localUnkey(t *testing.T, rewrite func(r *http.Request)) (base string, root string, client func(path, token string) *Client) {
	t.Helper()
	dev, err := devserver.New(devserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Close() })
	h := dev.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rewrite(r)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, dev.RootKey(), func(path, token string) *Client {
		hc, err := transport.New(transport.Config{BaseURL: srv.URL + path, Token: token, MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return New(hc)
	}
}

// The error shapes of the genuine service, as the local server now answers them, are classified
// precisely: only key_not_found says a key is gone, a missing Authorization header is an
// authentication failure, and plain-text 404 and 405 answers (a wrong path or method) say
// nothing about any object.
func TestErrorShapesOfTheLocalServer(t *testing.T) {
	var mode string
	_, root, client := localUnkey(t, func(r *http.Request) {
		switch mode {
		case "get":
			r.Method = http.MethodGet
		case "text":
			r.Header.Set("Content-Type", "text/plain")
		}
	})
	ctx := context.Background()
	good := client("", root)
	apiID, err := good.CreateAPI(ctx, "shapes")
	if err != nil {
		t.Fatal(err)
	}
	created, err := good.CreateKey(ctx, CreateKeyRequest{APIID: apiID})
	if err != nil {
		t.Fatal(err)
	}

	type verdict struct{ keyGone, unauthorized, fromUnkey bool }
	for _, tc := range []struct {
		name   string
		mode   string
		call   func() error
		status int
		code   string
		want   verdict
		text   string
	}{
		{
			name: "a key that does not exist", call: func() error { _, err := good.GetKey(ctx, "key_missing1", false); return err },
			status: 404, code: "unkey/data/key_not_found", want: verdict{keyGone: true, fromUnkey: true},
		},
		{
			name: "no Authorization header", call: func() error { _, err := client("", "").GetKey(ctx, created.KeyID, false); return err },
			status: 400, code: "unkey/application/invalid_input", want: verdict{unauthorized: true, fromUnkey: true},
		},
		{
			name: "an unknown root key", call: func() error { _, err := client("", "unkey_wrong").GetKey(ctx, created.KeyID, false); return err },
			status: 401, code: "unkey/authentication/key_not_found", want: verdict{unauthorized: true, fromUnkey: true},
		},
		{
			name: "a wrong base path", call: func() error { _, err := client("/typo", root).GetKey(ctx, created.KeyID, false); return err },
			status: 404, text: "endpoint URL is probably wrong",
		},
		{
			name: "GET on a route", mode: "get", call: func() error { _, err := good.GetKey(ctx, created.KeyID, false); return err },
			status: 405, text: "Method Not Allowed",
		},
		{
			name: "a text/plain body", mode: "text", call: func() error { _, err := good.GetKey(ctx, created.KeyID, false); return err },
			status: 400, code: "unkey/application/invalid_input", want: verdict{fromUnkey: true}, text: "requestBody",
		},
		{
			name: "a permissions query that does not parse", call: func() error {
				_, err := good.VerifyKey(ctx, VerifyKeyRequest{Key: created.Key, Permissions: "a AND"})
				return err
			},
			status: 400, code: "user/bad_request/permissions_query_syntax_error", want: verdict{fromUnkey: true},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mode = tc.mode
			defer func() { mode = "" }()
			err := tc.call()
			if err == nil {
				t.Fatal("no error")
			}
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %T: %v", err, err)
			}
			if apiErr.HTTPStatus != tc.status || apiErr.Code() != tc.code {
				t.Errorf("status %d code %q, want %d %q", apiErr.HTTPStatus, apiErr.Code(), tc.status, tc.code)
			}
			got := verdict{IsKeyNotFound(err), IsUnauthorized(err), apiErr.FromUnkey}
			if got != tc.want {
				t.Errorf("verdict %+v, want %+v", got, tc.want)
			}
			if _, gone := NotFoundKind(err); gone != tc.want.keyGone {
				t.Errorf("NotFoundKind says gone = %v", gone)
			}
			msg := err.Error()
			if tc.text != "" && !strings.Contains(msg, tc.text) {
				t.Errorf("error %q does not contain %q", msg, tc.text)
			}
			if strings.Contains(msg, root) || strings.Contains(msg, created.Key) {
				t.Error("the error quotes a secret")
			}
		})
	}
}

// A key created in an API deleted out of band is created (as on the genuine service) and then
// reads as not found, which is why the provider checks the API before creating.
func TestCreateKeyInDeletedAPI(t *testing.T) {
	_, root, client := localUnkey(t, func(*http.Request) {})
	ctx := context.Background()
	c := client("", root)
	apiID, err := c.CreateAPI(ctx, "doomed")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAPI(ctx, apiID); err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateKey(ctx, CreateKeyRequest{APIID: apiID})
	if err != nil {
		t.Fatalf("create in a deleted API: %v, want success", err)
	}
	if _, err := c.GetKey(ctx, created.KeyID, false); !IsKeyNotFound(err) {
		t.Fatalf("getKey of %s: %v, want key_not_found", created.KeyID, err)
	}
	if _, err := c.GetAPI(ctx, apiID); !IsAPINotFound(err) {
		t.Fatalf("getApi: %v, want api_not_found", err)
	}
}

// Keys with rate limits beyond the response schema's bounds, which the genuine service accepts,
// decode without error.
func TestOversizedRatelimitsDecode(t *testing.T) {
	_, root, client := localUnkey(t, func(*http.Request) {})
	ctx := context.Background()
	c := client("", root)
	apiID, err := c.CreateAPI(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	const sixtyDays = 60 * 86_400_000
	created, err := c.CreateKey(ctx, CreateKeyRequest{APIID: apiID, Ratelimits: []RatelimitRequest{{Name: "huge", Limit: 2_000_000, Duration: sixtyDays}}})
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.GetKey(ctx, created.KeyID, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Ratelimits) != 1 || k.Ratelimits[0].Limit != 2_000_000 || k.Ratelimits[0].Duration != sixtyDays {
		t.Fatalf("ratelimits = %+v", k.Ratelimits)
	}
	v, err := c.VerifyKey(ctx, VerifyKeyRequest{Key: created.Key, Ratelimits: []VerifyRatelimit{{Name: "huge"}}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	if len(v.Ratelimits) != 1 || v.Ratelimits[0].Reset <= now || v.Ratelimits[0].Reset > now+sixtyDays {
		t.Fatalf("verify ratelimits = %+v, want reset as an absolute time within the window", v.Ratelimits)
	}
}
