package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// Usage is what the kernel accounted to one process over its lifetime.
type Usage struct {
	CPU     time.Duration // user + system time
	PeakRSS int64         // bytes
}

// Provider is a provider process started in debug mode.
type Provider struct {
	cmd      *exec.Cmd
	reattach Reattach
	done     chan struct{}
}

// StartProvider runs "<bin> -debug" with env and waits for the
// TF_REATTACH_PROVIDERS line it prints. The process's output after that line
// is discarded.
func StartProvider(ctx context.Context, bin string, env []string) (*Provider, error) {
	cmd := exec.CommandContext(ctx, bin, "-debug")
	cmd.Env = env
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the provider: %w", err)
	}
	p := &Provider{cmd: cmd, done: make(chan struct{})}

	type result struct {
		r   Reattach
		err error
	}
	got := make(chan result, 1)
	go func() {
		br := bufio.NewReader(stdout)
		r, err := ReadReattach(br)
		got <- result{r, err}
		_, _ = io.Copy(io.Discard, br) // keep draining so the provider never blocks on stdout
		close(p.done)
	}()

	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case res := <-got:
		if res.err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, res.err
		}
		p.reattach = res.r
		return p, nil
	case <-timeout.C:
		err = errors.New("timed out waiting for the provider's reattach configuration")
	case <-ctx.Done():
		err = ctx.Err()
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, err
}

// Reattach returns the configuration the provider printed.
func (p *Provider) Reattach() Reattach { return p.reattach }

// Stop sends SIGINT, waits for the process to exit (killing it after 15 s)
// and returns its resource usage.
func (p *Provider) Stop() (Usage, error) {
	_ = p.cmd.Process.Signal(os.Interrupt)
	exited := make(chan struct{})
	go func() {
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
		}
	}()
	<-p.done // stdout reaches EOF when the process exits
	err := p.cmd.Wait()
	close(exited)
	st := p.cmd.ProcessState
	if st == nil {
		return Usage{}, fmt.Errorf("provider: no process state: %w", err)
	}
	// The exit status after SIGINT is not interesting; only the accounting is.
	u := usageOf(st)
	if u.CPU == 0 && u.PeakRSS == 0 {
		return u, errors.New("provider: no resource usage available on this platform")
	}
	return u, nil
}
