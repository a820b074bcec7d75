package unkey

import "context"

// CreateAPI creates an API (a key namespace) and returns its id. Names are not unique, so a
// retried create would make a second API; it is therefore not repeated after ambiguous failures.
func (c *Client) CreateAPI(ctx context.Context, name string) (string, error) {
	const op = "apis.createApi"
	env, err := call[struct {
		APIID string `json:"apiId"`
	}](ctx, c, op, false, struct {
		Name string `json:"name"`
	}{name})
	if err != nil {
		return "", err
	}
	return env.Data.APIID, requireID(op, "apiId", env.Data.APIID)
}

// GetAPI reads an API's id and name.
func (c *Client) GetAPI(ctx context.Context, apiID string) (*API, error) {
	env, err := call[API](ctx, c, "apis.getApi", true, apiRef{apiID})
	if err != nil {
		return nil, err
	}
	return env.Data, nil
}

// DeleteAPI soft-deletes an API; its keys become unreadable. It is a 412 when delete protection
// is on (toggled in the dashboard only).
func (c *Client) DeleteAPI(ctx context.Context, apiID string) error {
	return callEmpty(ctx, c, "apis.deleteApi", apiRef{apiID})
}

type apiRef struct {
	APIID string `json:"apiId"`
}
