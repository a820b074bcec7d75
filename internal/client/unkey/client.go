// Package unkey is a client for the Unkey v2 API (keys, APIs, permissions, roles, identities).
// It uses plain Go types that mirror the OpenAPI schemas and knows nothing about Terraform.
package unkey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

// Client calls the Unkey v2 API through the shared transport, which owns authentication,
// retries and logging.
type Client struct {
	hc *transport.Client
}

// New returns a Client that sends its requests through hc.
func New(hc *transport.Client) *Client {
	return &Client{hc: hc}
}

// envelope is the success body {"meta":{"requestId"},"data":...,"pagination"?}; meta is not
// needed once the call succeeded.
type envelope[T any] struct {
	Data       *T          `json:"data"`
	Pagination *pagination `json:"pagination"`
}

type pagination struct {
	Cursor  string `json:"cursor"`
	HasMore *bool  `json:"hasMore"`
}

// decodeEnvelope parses a success body and insists on a data member, so a truncated or foreign
// response is an error rather than a zero value the caller would trust.
func decodeEnvelope[T any](body []byte) (*envelope[T], error) {
	var env envelope[T]
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("decoding response: %w", err)
	}
	if env.Data == nil {
		return nil, errors.New("decoding response: no data in the response")
	}
	return &env, nil
}

// send performs one operation and turns any non-2xx status into *Error. idempotent tells the
// transport whether the request may be repeated after an ambiguous failure.
func (c *Client) send(ctx context.Context, method, op string, idempotent bool, body any) (*transport.Response, error) {
	resp, err := c.hc.Do(ctx, transport.Request{Method: method, Path: "/v2/" + op, Body: body, Idempotent: idempotent})
	if err != nil {
		return nil, fmt.Errorf("unkey: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeError(op, resp.Endpoint, resp.StatusCode, resp.Header, resp.Body)
	}
	return resp, nil
}

// call POSTs body to /v2/<op> and decodes the success envelope.
func call[T any](ctx context.Context, c *Client, op string, idempotent bool, body any) (*envelope[T], error) {
	resp, err := c.send(ctx, http.MethodPost, op, idempotent, body)
	if err != nil {
		return nil, err
	}
	env, err := decodeEnvelope[T](resp.Body)
	if err != nil {
		return nil, fmt.Errorf("unkey %s: %w", op, err)
	}
	return env, nil
}

// callEmpty POSTs body to /v2/<op> for operations whose success carries nothing to read
// (EmptyResponse, or no data member at all for identities.deleteIdentity): the status is the answer.
// All of them (updates and deletes) are safe to repeat.
func callEmpty(ctx context.Context, c *Client, op string, body any) error {
	_, err := c.send(ctx, http.MethodPost, op, true, body)
	return err
}

// requireID guards against a 2xx response whose identifier is empty, which would otherwise put
// an empty id into Terraform state.
func requireID(op, field, value string) error {
	if value == "" {
		return fmt.Errorf("unkey %s: the response has no %s", op, field)
	}
	return nil
}

// Liveness checks that the API is up; it needs no root key. It returns the server's message.
func (c *Client) Liveness(ctx context.Context) (string, error) {
	const op = "liveness"
	resp, err := c.send(ctx, http.MethodGet, op, true, nil)
	if err != nil {
		return "", err
	}
	env, err := decodeEnvelope[struct {
		Message string `json:"message"`
	}](resp.Body)
	if err != nil {
		return "", fmt.Errorf("unkey %s: %w", op, err)
	}
	return env.Data.Message, nil
}
