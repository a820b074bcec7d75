package server

import (
	"context"
	"sync/atomic"
	"time"
)

// releasableContext stands between the gRPC request context and the
// framework for the duration of one call. terraform-plugin-framework keeps
// the cancel function of every request's context until StopProvider, and
// through it the whole parent chain (the request's loggers, metadata and
// stream, about 12 KB). Once the call has returned, release drops the
// reference to that chain, so what the framework keeps is only this small
// value and its own cancelCtx.
type releasableContext struct {
	parent atomic.Pointer[context.Context]
	done   <-chan struct{}
}

func newReleasableContext(parent context.Context) *releasableContext {
	c := &releasableContext{done: parent.Done()}
	c.parent.Store(&parent)
	return c
}

func (c *releasableContext) release() { c.parent.Store(nil) }

func (c *releasableContext) get() context.Context {
	if p := c.parent.Load(); p != nil {
		return *p
	}
	return nil
}

func (c *releasableContext) Deadline() (time.Time, bool) {
	if p := c.get(); p != nil {
		return p.Deadline()
	}
	return time.Time{}, false
}

// Done is the parent's channel, captured at creation: the context package
// reads it once when the framework derives its cancelable context.
func (c *releasableContext) Done() <-chan struct{} { return c.done }

func (c *releasableContext) Err() error {
	if p := c.get(); p != nil {
		return p.Err()
	}
	if c.done == nil {
		return nil
	}
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

func (c *releasableContext) Value(key any) any {
	if p := c.get(); p != nil {
		return p.Value(key)
	}
	return nil
}

// call runs fn with a releasable view of ctx and releases it when fn returns.
func call[Req, Resp any](ctx context.Context, req *Req, fn func(context.Context, *Req) (*Resp, error)) (*Resp, error) {
	rc := newReleasableContext(ctx)
	defer rc.release()
	return fn(rc, req)
}
