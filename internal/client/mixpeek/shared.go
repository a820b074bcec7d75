package mixpeek

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Shared listings. Mixpeek has no get-one endpoint: every read and every name resolution lists
// all of the user's keys. One client serves one provider process, whose Reads and writes run
// about ten at a time, so listings of a user are shared between calls under two rules:
//
//   - fresh (every FindKey, ResolveKey, ConfirmGone and by-id change): a listing requested after
//     the call began. Calls that arrive while a listing is in flight wait for the next one, which
//     is sent when the current one ends, so each call sees the server as it was after the call
//     began, exactly as a listing of its own would; sharing changes how many requests are made,
//     not what any call may observe. The name check of the by-id changes (another live key with
//     the name: refuse) therefore holds as before.
//   - shared (ReadKey, the resource's Read): the newest listing not older than maxAge, unless
//     this process changed the key since that listing was requested.
type sharedListings struct {
	mu    sync.Mutex
	now   func() time.Time
	users map[string]*userListings
}

type userListings struct {
	sent     uint64            // listings requested so far; a listing's seq is its number
	latest   *listingCall      // the newest listing that succeeded
	inflight *listingCall      // sent, not answered
	next     *listingCall      // waiting for inflight to end before it is sent
	written  map[string]uint64 // key id -> sent when this process's last change of it ended
}

type listingCall struct {
	seq  uint64
	at   time.Time
	done chan struct{}
	keys []Key
	err  error
}

func newSharedListings() *sharedListings {
	return &sharedListings{now: time.Now, users: map[string]*userListings{}}
}

func (s *sharedListings) user(email string) *userListings {
	u := s.users[email]
	if u == nil {
		u = &userListings{written: map[string]uint64{}}
		s.users[email] = u
	}
	return u
}

// wrote records that this process changed (or tried to change) keyID, so no listing requested
// before now serves it.
func (s *sharedListings) wrote(email, keyID string) {
	if keyID == "" {
		return
	}
	s.mu.Lock()
	u := s.user(email)
	u.written[keyID] = u.sent
	s.mu.Unlock()
}

// fresh returns a complete listing requested after this call.
func (s *sharedListings) fresh(ctx context.Context, c *Client, email string) (*listingCall, error) {
	s.mu.Lock()
	u := s.user(email)
	var call *listingCall
	if u.inflight == nil {
		call = s.send(ctx, c, email, u, &listingCall{done: make(chan struct{})})
	} else {
		if u.next == nil {
			u.next = &listingCall{done: make(chan struct{})}
		}
		call = u.next
	}
	s.mu.Unlock()
	return wait(ctx, call)
}

// shared returns the newest listing requested within maxAge and after this process's last change
// of keyID, or a fresh one.
func (s *sharedListings) shared(ctx context.Context, c *Client, email, keyID string, maxAge time.Duration) (*listingCall, error) {
	s.mu.Lock()
	u := s.user(email)
	after := u.written[keyID]
	switch {
	case u.latest != nil && u.latest.seq > after && s.now().Sub(u.latest.at) <= maxAge:
		l := u.latest
		s.mu.Unlock()
		return l, nil
	case u.inflight != nil && u.inflight.seq > after:
		call := u.inflight
		s.mu.Unlock()
		return wait(ctx, call)
	}
	s.mu.Unlock()
	return s.fresh(ctx, c, email)
}

// send starts call; s.mu is held.
func (s *sharedListings) send(ctx context.Context, c *Client, email string, u *userListings, call *listingCall) *listingCall {
	u.sent++
	call.seq, call.at = u.sent, s.now()
	u.inflight = call
	// The listing outlives the context of the call that sent it: others wait for it.
	go s.run(context.WithoutCancel(ctx), c, email, u, call)
	return call
}

func (s *sharedListings) run(ctx context.Context, c *Client, email string, u *userListings, call *listingCall) {
	keys, err := c.listComplete(ctx, email)
	s.mu.Lock()
	call.keys, call.err = keys, err
	if err == nil && (u.latest == nil || u.latest.seq < call.seq) {
		u.latest = call
	}
	u.inflight = nil
	if n := u.next; n != nil {
		u.next = nil
		s.send(ctx, c, email, u, n)
	}
	s.mu.Unlock()
	close(call.done)
}

func wait(ctx context.Context, call *listingCall) (*listingCall, error) {
	select {
	case <-call.done:
		if call.err != nil {
			return nil, call.err
		}
		return call, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("mixpeek: waiting for the key listing: %w", ctx.Err())
	}
}
