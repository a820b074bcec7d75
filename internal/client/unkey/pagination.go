package unkey

import (
	"context"
	"fmt"
	"iter"
)

// Page is one page of a cursor-paginated listing; pass Cursor back to get the next one while
// HasMore.
type Page[T any] struct {
	Items   []T
	Cursor  string
	HasMore bool
}

// ListRequest is the body of permissions.listPermissions, permissions.listRoles and
// identities.listIdentities. Limit 0 means the server default (100, also the maximum); Search
// filters by name or externalId (case-insensitive substring).
type ListRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	Search string `json:"search,omitempty"`
}

// ListOption adjusts the request of a List* call that returns every page.
type ListOption func(*ListRequest)

// WithPageSize sets how many items each page request asks for (1 to ListMaxLimit); tests use a
// small size to force several pages.
func WithPageSize(n int) ListOption { return func(r *ListRequest) { r.Limit = n } }

// WithSearch keeps only items whose name (identities: externalId) contains s. It does not apply
// to keys, whose listing has no search.
func WithSearch(s string) ListOption { return func(r *ListRequest) { r.Search = s } }

// ListMaxLimit is the largest page size of every v2 listing.
const ListMaxLimit = 100

func listRequest(opts []ListOption) ListRequest {
	r := ListRequest{Limit: ListMaxLimit}
	for _, o := range opts {
		o(&r)
	}
	return r
}

// listPage fetches one page of a listing whose body is a ListRequest.
func listPage[T any](ctx context.Context, c *Client, op string, req ListRequest) (*Page[T], error) {
	env, err := call[[]T](ctx, c, op, true, req)
	if err != nil {
		return nil, err
	}
	return pageOf(op, env)
}

// pageOf checks the pagination member: every v2 listing sends one, and without it there is no
// telling whether the items are all there is.
func pageOf[T any](op string, env *envelope[[]T]) (*Page[T], error) {
	if env.Pagination == nil || env.Pagination.HasMore == nil {
		return nil, fmt.Errorf("unkey %s: the response has no pagination.hasMore; it cannot show whether the listing is complete", op)
	}
	return &Page[T]{Items: *env.Data, Cursor: env.Pagination.Cursor, HasMore: *env.Pagination.HasMore}, nil
}

// pages walks a listing from the cursor in start. A server that says there is more but repeats a
// cursor (or sends none) would loop forever, so that ends the walk with an error. Breaking out of
// the loop stops fetching.
func pages[T any](op, start string, fetch func(cursor string) (*Page[T], error)) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		seen := map[string]bool{}
		cursor := start
		for {
			page, err := fetch(cursor)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || !page.HasMore {
				return
			}
			if page.Cursor == "" || seen[page.Cursor] || page.Cursor == cursor {
				yield(nil, fmt.Errorf("unkey %s: the server reported more results without a new cursor", op))
				return
			}
			seen[page.Cursor] = true
			cursor = page.Cursor
		}
	}
}

// collect drains a page sequence.
func collect[T any](seq iter.Seq2[*Page[T], error]) ([]T, error) {
	all := []T{}
	for page, err := range seq {
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
	}
	return all, nil
}
