// Package unkey is a client for the Unkey v2 API (keys, APIs, permissions, roles, identities).
// It uses plain Go types that mirror the OpenAPI schemas and knows nothing about Terraform.
package unkey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/apikey-provider/terraform-provider-apikey/internal/httpclient"
)

// Client calls the Unkey v2 API through the shared transport, which owns authentication,
// retries and logging.
type Client struct {
	hc *httpclient.Client
}

// New returns a Client that sends its requests through hc.
func New(hc *httpclient.Client) *Client {
	return &Client{hc: hc}
}

// envelope is the success body: {"meta":{"requestId"},"data":...,"pagination"?}.
type envelope[T any] struct {
	Meta struct {
		RequestID string `json:"requestId"`
	} `json:"meta"`
	Data       *T          `json:"data"`
	Pagination *pagination `json:"pagination"`
}

type pagination struct {
	Cursor  string `json:"cursor"`
	HasMore bool   `json:"hasMore"`
}

// emptyData stands for EmptyResponse; its content is never read.
type emptyData struct{}

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

// call POSTs body to /v2/<op> and decodes the success envelope; any non-2xx status becomes *Error.
// idempotent tells the transport whether the request may be repeated after an ambiguous failure.
func call[T any](ctx context.Context, c *Client, op string, idempotent bool, body any) (*envelope[T], error) {
	resp, err := c.hc.Do(ctx, httpclient.Request{
		Method:     http.MethodPost,
		Path:       "/v2/" + op,
		Body:       body,
		Idempotent: idempotent,
	})
	if err != nil {
		return nil, fmt.Errorf("unkey: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeError(op, resp.StatusCode, resp.Header, resp.Body)
	}
	env, err := decodeEnvelope[T](resp.Body)
	if err != nil {
		return nil, fmt.Errorf("unkey %s: %w", op, err)
	}
	return env, nil
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
	resp, err := c.hc.Do(ctx, httpclient.Request{Method: http.MethodGet, Path: "/v2/" + op, Idempotent: true})
	if err != nil {
		return "", fmt.Errorf("unkey: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", decodeError(op, resp.StatusCode, resp.Header, resp.Body)
	}
	env, err := decodeEnvelope[struct {
		Message string `json:"message"`
	}](resp.Body)
	if err != nil {
		return "", fmt.Errorf("unkey %s: %w", op, err)
	}
	return env.Data.Message, nil
}
