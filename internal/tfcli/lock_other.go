//go:build !unix

package tfcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// staleLock is how old a lock file may get before it is presumed to belong to
// a build that died; a cold build takes well under this.
const staleLock = 30 * time.Minute

// lock creates path exclusively, waiting while another process holds it.
func lock(ctx context.Context, path, what string, log io.Writer) (unlock func(), err error) {
	told := false
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			_ = f.Close()
			return func() { _ = os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("creating lock file: %w", err)
		}
		if info, serr := os.Stat(path); serr == nil && time.Since(info.ModTime()) > staleLock {
			_ = os.Remove(path)
			continue
		}
		if !told {
			fmt.Fprintln(log, "Another process is building", what+"; waiting for it to finish.")
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
