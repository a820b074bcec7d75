package acctest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/contract"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

// MixpeekUsers are the Mixpeek organization users a test server knows when its Config names none
// (NewServer, StartDevserver without -mixpeek-users); the Mixpeek routes answer 404 for any
// other address. A test that needs another user provisions it with Dev.AddMixpeekUser.
var MixpeekUsers = []string{"ops@example.com", "dev@example.com", "discovery@example.com"}

// NewServerWithConfig is NewServer with the server's Config given, e.g. to turn on the testing
// aids (FaultRate, DropRate, FaultSeed, ...). An empty DBPath gets a file in a temporary
// directory, and a nil MixpeekUsers is MixpeekUsers. The test's API is opted into key encryption (devserver.SetAPIEncryption), as with
// NewServer; APIs made through apis.createApi are not, unless cfg.EncryptAllAPIs is set. The API
// is created directly in the database, so injected faults cannot make the setup fail. The returned clients do not retry:
// turn the faults off (Dev.SetFaults) before checking the server through them.
func NewServerWithConfig(t testing.TB, cfg devserver.Config) *Server {
	t.Helper()
	if cfg.DBPath == "" {
		cfg.DBPath = filepath.Join(t.TempDir(), "apikey.db")
	}
	SkipIfLive(t, "it configures the local server (devserver.Config)")
	if cfg.MixpeekUsers == nil {
		cfg.MixpeekUsers = MixpeekUsers
	}
	dev, err := devserver.New(cfg)
	if err != nil {
		t.Fatalf("starting the local backend server: %v", err)
	}
	t.Cleanup(func() {
		if err := dev.Close(); err != nil {
			t.Errorf("closing the local backend server: %v", err)
		}
	})
	// The contract checks report when the test ends, after the listener below has closed.
	ts := httptest.NewServer(contract.Wrap(t, dev.Handler()))
	t.Cleanup(ts.Close)
	endpoint := ts.URL
	apiID, err := dev.CreateAPI(context.Background(), "acctest")
	if err != nil {
		t.Fatalf("creating an API: %v", err)
	}
	if err := dev.SetAPIEncryption(apiID, true); err != nil {
		t.Fatalf("opting the API into key encryption: %v", err)
	}
	return newServer(t, endpoint, dev.RootKey(), apiID, "acctest", dev)
}

func newServer(t testing.TB, endpoint, rootKey, apiID, apiName string, dev *devserver.Server) *Server {
	t.Helper()
	hc, err := transport.New(transport.Config{
		BaseURL:        endpoint,
		Token:          rootKey,
		UserAgent:      "terraform-provider-apikey-acctest",
		RequestTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("creating the HTTP client: %v", err)
	}
	return &Server{
		Endpoint: endpoint, RootKey: rootKey, APIID: apiID, APIName: apiName, Dev: dev,
		UnkeyEndpoint: endpoint, UnkeyRootKey: rootKey, MixpeekEndpoint: endpoint, MixpeekAPIKey: rootKey,
		MixpeekUser: LocalMixpeekUser,
		Unkey:       unkey.New(hc), Mixpeek: mixpeek.New(hc),
	}
}

// BuildDevserver compiles ./internal/cmd/devserver into a temporary directory and returns the
// binary's path.
func BuildDevserver(t testing.TB) string {
	t.Helper()
	SkipIfLive(t, "it runs a local server process of its own")
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("locating the module root: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "devserver")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./internal/cmd/devserver")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the devserver: %v\n%s", err, out)
	}
	return bin
}

// moduleRoot walks up from the working directory to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// FreeLoopbackAddr returns a loopback address with a port that was free a moment ago.
func FreeLoopbackAddr(t testing.TB) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// NewRootKey returns a random root key for a devserver process. Never log it.
func NewRootKey() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "unkey_acc" + hex.EncodeToString(b)
}

// ProcessConfig describes a devserver process.
type ProcessConfig struct {
	Listen  string // host:port
	DB      string // SQLite file
	RootKey string // passed through APIKEY_DEVSERVER_ROOT_KEY, so it is not on the command line
	APIName string // default "acctest"
	Args    []string
}

// Process is a devserver running as a separate process.
type Process struct {
	*Server // Dev is nil: the server's counters are not reachable across processes

	cmd    *exec.Cmd
	done   chan struct{}
	stderr *LockedBuffer
	mu     sync.Mutex
	exited bool
}

// StartDevserver runs the devserver binary bin with cfg and waits until it prints its endpoint
// and API id. The process is killed when the test ends. The root_key line it prints is read and
// discarded, never logged.
func StartDevserver(t testing.TB, bin string, cfg ProcessConfig) *Process {
	t.Helper()
	if cfg.APIName == "" {
		cfg.APIName = "acctest"
	}
	args := []string{"-listen", cfg.Listen, "-db", cfg.DB, "-api-name", cfg.APIName}
	if !slices.Contains(cfg.Args, "-mixpeek-users") {
		args = append(args, "-mixpeek-users", strings.Join(MixpeekUsers, ","))
	}
	args = append(args, cfg.Args...)
	// The test's context ends just before its cleanups run, which kills the process at the latest.
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Env = append(os.Environ(), "APIKEY_DEVSERVER_ROOT_KEY="+cfg.RootKey)
	stderr := &LockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("devserver stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the devserver: %v", err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{}), stderr: stderr}
	go func() {
		_ = cmd.Wait()
		p.mu.Lock()
		p.exited = true
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() { p.Kill() })

	type banner struct{ endpoint, apiID string }
	got := make(chan banner, 1)
	go func() {
		var b banner
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "endpoint: "); ok {
				b.endpoint = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "api_id: "); ok {
				b.apiID = strings.TrimSpace(v)
				got <- b
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case b := <-got:
		p.Server = newServer(t, b.endpoint, cfg.RootKey, b.apiID, cfg.APIName, nil)
		return p
	case <-p.done:
		t.Fatalf("the devserver exited before it was ready; stderr:\n%s", p.stderr.String())
	case <-time.After(30 * time.Second):
		p.Kill()
		t.Fatalf("timed out waiting for the devserver to start; stderr:\n%s", p.stderr.String())
	}
	return nil
}

// Kill sends SIGKILL (no graceful shutdown: in-flight requests are cut off) and waits for the
// process to exit. Killing an exited process does nothing.
func (p *Process) Kill() {
	p.mu.Lock()
	exited := p.exited
	p.mu.Unlock()
	if !exited {
		_ = p.cmd.Process.Kill() // SIGKILL on Unix
	}
	<-p.done
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exited
}

// Stderr returns what the process wrote to stderr so far.
func (p *Process) Stderr() string { return p.stderr.String() }
