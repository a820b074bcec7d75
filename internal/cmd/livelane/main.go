// Command livelane runs the acceptance suites in live mode (APIKEY_ACC_LIVE) against a local
// server started as a separate process and addressed only by its endpoint and credentials, as a
// genuine service would be. It is how the live lane itself is tested ("make testacc-live-local",
// part of "make test"); "make testacc-live" runs the same suites against the services named in
// the environment.
//
//	go run ./internal/cmd/livelane [-cli terraform] [-timeout 20m] [packages] [-- go test flags]
//
// It builds ./internal/cmd/devserver, starts it on a free loopback port with a fresh database and
// root key (every API opted into key encryption, so each test can make its own API, as it
// does when APIKEY_ACC_UNKEY_API_ID is unset), runs
// ./internal/cmd/testacc on one CLI with the APIKEY_ACC_* variables pointing at it, then runs the
// sweepers (-sweep=live) and stops the server. The tests and sweepers reach the server through
// acctest.NameGuard, which refuses, and lists at the end, every name, external id or permission
// slug without acctest.NamePrefix. The root key is passed through the environment
// and never printed.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "livelane:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	args, goTestFlags := splitArgs(args)
	fs := flag.NewFlagSet("livelane", flag.ContinueOnError)
	cli := fs.String("cli", "terraform", "the one CLI to run the suites on: terraform or tofu")
	timeout := fs.String("timeout", "20m", "go test -timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	patterns := fs.Args()
	if len(patterns) == 0 {
		patterns = []string{"./internal/provider", "./internal/services/..."}
	}
	start := time.Now()

	dir, err := os.MkdirTemp("", "apikey-livelane-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "devserver")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./internal/cmd/devserver")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the devserver: %w", err)
	}

	rootKey := newRootKey()
	srvArgs := []string{"-listen", "127.0.0.1:0", "-db", filepath.Join(dir, "live.db"), "-api-name", acctest.NamePrefix + "live", "-encrypt-all-apis"}
	// The users the Mixpeek tests name; the server provisions no other.
	srvArgs = append(srvArgs, "-mixpeek-users", strings.Join(acctest.MixpeekUsers, ","))
	srvCtx, stopSrv := context.WithCancel(ctx)
	defer stopSrv()
	srv := exec.CommandContext(srvCtx, bin, srvArgs...)
	srv.Env = append(os.Environ(), "APIKEY_DEVSERVER_ROOT_KEY="+rootKey)
	srv.Stderr = os.Stderr
	stdout, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("starting the devserver: %w", err)
	}
	defer func() { stopSrv(); _ = srv.Wait() }()
	endpoint, apiID, err := banner(stdout)
	if err != nil {
		return err
	}
	fmt.Printf("livelane: local server process at %s (API %s), ready after %s\n", endpoint, apiID, time.Since(start).Round(time.Second))

	// The tests reach the server through the name guard, which refuses what the sweepers could
	// not find after a failed run against a genuine service.
	target, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("the devserver's endpoint: %w", err)
	}
	guard := acctest.NewNameGuard(target)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	guardSrv := &http.Server{Handler: guard, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = guardSrv.Serve(ln) }()
	defer guardSrv.Close()
	endpoint = "http://" + ln.Addr().String()

	env := append(os.Environ(),
		acctest.EnvLive+"=1",
		acctest.EnvUnkeyEndpoint+"="+endpoint,
		acctest.EnvUnkeyRootKey+"="+rootKey,
		acctest.EnvMixpeekEndpoint+"="+endpoint,
		acctest.EnvMixpeekAPIKey+"="+rootKey,
		acctest.EnvMixpeekUser+"="+acctest.LocalMixpeekUser,
	)
	testArgs := append([]string{"run", "./internal/cmd/testacc", "-cli", *cli, "-timeout", *timeout}, patterns...)
	testArgs = append(testArgs, "--")
	testArgs = append(testArgs, goTestFlags...)
	tests := exec.CommandContext(ctx, "go", testArgs...)
	tests.Env, tests.Stdout, tests.Stderr = env, os.Stdout, os.Stderr
	testErr := tests.Run()

	// The sweepers run whatever the tests did: against a fresh server they prove they work, and
	// what they find is what the tests left behind.
	sweep := exec.CommandContext(ctx, "go", "test", "-count=1", "./internal/services/unkey", "./internal/services/mixpeek", "-sweep=live")
	sweep.Env, sweep.Stdout, sweep.Stderr = env, os.Stdout, os.Stderr
	sweepErr := sweep.Run()
	if sweepErr != nil {
		sweepErr = fmt.Errorf("sweepers: %w", sweepErr)
	}
	violations := guard.Violations()
	fmt.Printf("livelane: name guard: %d creates and renames checked, %d fields refused\n", guard.Checked(), len(violations))
	var guardErr error
	if len(violations) > 0 {
		for _, v := range violations {
			fmt.Println("  " + v)
		}
		guardErr = fmt.Errorf("the tests sent %d names or slugs without %q (listed above); the sweepers would not find those objects", len(violations), acctest.NamePrefix)
	}
	fmt.Printf("livelane: done in %s\n", time.Since(start).Round(time.Second))
	if testErr != nil {
		testErr = fmt.Errorf("acceptance tests in live mode: %w", testErr)
	}
	return errors.Join(testErr, sweepErr, guardErr)
}

// banner reads the devserver's endpoint and api_id lines; the root_key line is skipped.
func banner(r io.Reader) (endpoint, apiID string, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "endpoint: "); ok {
			endpoint = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "api_id: "); ok {
			apiID = strings.TrimSpace(v)
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return endpoint, apiID, nil
		}
	}
	return "", "", errors.New("the devserver exited before printing its endpoint and API")
}

func newRootKey() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "unkey_live" + hex.EncodeToString(b)
}

// splitArgs splits off the arguments after "--", which the flag package would swallow.
func splitArgs(args []string) (own, rest []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}
