//go:build linux

package acctest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Interruption is how ApplyInterrupted stops an apply.
type Interruption int

const (
	// KillProvider sends SIGKILL to the provider plugin process; the CLI sees the plugin crash,
	// saves what it has and exits with errors.
	KillProvider Interruption = iota
	// KillCLI sends SIGKILL to the CLI, which saves nothing more. The provider it leaves behind
	// is given a moment to exit and then killed too, as when a CI runner or container dies.
	KillCLI
	// InterruptCLI sends SIGINT to the CLI's process group, as Ctrl-C in a terminal does.
	InterruptCLI
)

func (i Interruption) String() string {
	switch i {
	case KillProvider:
		return "kill_provider"
	case KillCLI:
		return "kill_cli"
	case InterruptCLI:
		return "sigint"
	}
	return "interruption_" + strconv.Itoa(int(i))
}

// Interruptions lists every Interruption, for table-driven tests.
func Interruptions() []Interruption { return []Interruption{KillProvider, KillCLI, InterruptCLI} }

// providerBinary is the name of the provider binary NewCLI builds.
const providerBinary = "terraform-provider-apikey"

// ApplyInterrupted starts `apply -auto-approve -input=false` in dir, polls ready every 50 ms
// until it reports true (at most 2 minutes), interrupts the run as how says, and waits for the
// CLI to exit. It returns the CLI's combined output and exit error. The test fails if the run
// ends before it could be interrupted or the provider process cannot be found.
func (c *CLI) ApplyInterrupted(t testing.TB, dir string, how Interruption, ready func() bool) (string, error) {
	t.Helper()
	cmd := exec.Command(c.Bin, "apply", "-auto-approve", "-input=false", "-no-color")
	cmd.Dir, cmd.Env = dir, c.env
	// Its own process group, so SIGINT reaches the CLI and its provider, and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s apply: %v", c.Bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})

	deadline := time.Now().Add(2 * time.Minute)
	for !ready() {
		select {
		case err := <-done:
			t.Fatalf("apply ended before it was interrupted (%v):\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("apply was never ready to interrupt:\n%s", out.String())
		}
	}
	provider := descendantNamed(cmd.Process.Pid, providerBinary)
	if provider == 0 && how != InterruptCLI {
		t.Fatalf("no %s process under the CLI (pid %d)", providerBinary, cmd.Process.Pid)
	}
	var err error
	switch how {
	case KillProvider:
		err = syscall.Kill(provider, syscall.SIGKILL)
	case KillCLI:
		err = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	case InterruptCLI:
		err = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	}
	if err != nil {
		t.Fatalf("%s: %v", how, err)
	}
	var exit error
	select {
	case exit = <-done:
	case <-time.After(2 * time.Minute):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("the CLI did not exit after %s:\n%s", how, out.String())
	}
	if how == KillCLI {
		if !waitGone(provider, 3*time.Second) {
			t.Logf("the provider (pid %d) outlived the killed CLI; killing it", provider)
			_ = syscall.Kill(provider, syscall.SIGKILL)
			waitGone(provider, 10*time.Second)
		}
	}
	return out.String(), exit
}

// descendantNamed is the first process below pid whose executable is named name, or 0.
func descendantNamed(pid int, name string) int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(child); ok {
			children[ppid] = append(children[ppid], child)
		}
	}
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			if exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(c), "exe")); err == nil && filepath.Base(exe) == name {
				return c
			}
			queue = append(queue, c)
		}
	}
	return 0
}

// procStat is the state and parent of a process from /proc/<pid>/stat.
func procStat(pid int) (state string, ppid int, err error) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", 0, err
	}
	// The command name is in parentheses and may hold spaces; the fields after it are plain.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return "", 0, errors.New("malformed stat")
	}
	fields := strings.Fields(string(raw[i+1:]))
	if len(fields) < 2 {
		return "", 0, errors.New("malformed stat")
	}
	ppid, err = strconv.Atoi(fields[1])
	return fields[0], ppid, err
}

func parentOf(pid int) (int, bool) {
	_, ppid, err := procStat(pid)
	return ppid, err == nil
}

// waitGone waits until pid has exited (gone or a zombie nobody reaped yet).
func waitGone(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		state, _, err := procStat(pid)
		if err != nil || state == "Z" || state == "X" {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StateResourceIDs reads the local state file in dir and returns the id attribute of every
// instance of resources of type typ; nil without a state file.
func StateResourceIDs(t testing.TB, dir, typ string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(bytes.TrimSpace(raw)) == 0) {
		return nil // a CLI killed before it first wrote state leaves the file empty
	}
	if err != nil {
		t.Fatal(err)
	}
	ids, err := stateIDs(raw, typ)
	if err != nil {
		t.Fatalf("reading the state in %s: %v", dir, err)
	}
	return ids
}

func stateIDs(raw []byte, typ string) ([]string, error) {
	var st struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Type      string `json:"type"`
			Instances []struct {
				Attributes struct {
					ID string `json:"id"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range st.Resources {
		if r.Mode != "managed" || r.Type != typ {
			continue
		}
		for _, in := range r.Instances {
			ids = append(ids, in.Attributes.ID)
		}
	}
	return ids, nil
}

// Convergence describes an apply of many keys for CheckInterruptedApply.
type Convergence struct {
	// Config is the whole configuration (RequiredProviders, the provider block, the resources).
	Config string
	// Type is the resource type of the keys, e.g. "apikey_unkey_key".
	Type string
	// Names are the names the configuration gives its keys, one key each.
	Names []string
	// Ready reports that the first apply is under way: some keys are being made.
	Ready func() bool
	// Live returns the live keys on the server that the configuration could have made (id to
	// name); Marked the ids of live keys still carrying the provider's creation marker.
	Live, Marked func(t testing.TB) map[string]string
	// Untracked, when set, returns the live keys that state does not account for, given the
	// ids in state (e.g. allowing for unconfirmed creates); by default the live keys whose id is
	// not in state.
	Untracked func(t testing.TB, state []string) []string
}

// CheckInterruptedApply runs the configuration's apply, interrupts it as how says once c.Ready,
// applies again, and fails unless the second apply converges: exactly one live key per name,
// each in state, nothing else left on the server, no creation marker after a refresh, and an
// empty plan. After a kill it also requires that the first run left keys that state does not
// track, so the second apply really had something to settle.
func CheckInterruptedApply(t *testing.T, how Interruption, c Convergence) {
	t.Helper()
	cli := NewCLI(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(c.Config), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := cli.ApplyInterrupted(t, dir, how, c.Ready)
	if err == nil {
		t.Fatalf("the apply succeeded although it was interrupted (%s):\n%s", how, out)
	}
	// Requests the run had in flight finish (or are abandoned) on the server.
	time.Sleep(time.Second)
	live, tracked := c.Live(t), StateResourceIDs(t, dir, c.Type)
	var untracked []string
	if c.Untracked != nil {
		untracked = c.Untracked(t, tracked)
	} else {
		for id := range live {
			if !slices.Contains(tracked, id) {
				untracked = append(untracked, id)
			}
		}
	}
	t.Logf("after %s: %d of %d keys on the server, %d resources in state, %d live keys untracked", how, len(live), len(c.Names), len(tracked), len(untracked))
	if len(live) == 0 || len(live) >= len(c.Names) {
		t.Fatalf("the apply was not interrupted midway: %d of %d keys made\n%s", len(live), len(c.Names), out)
	}
	switch {
	case how == KillCLI && len(untracked) == 0:
		// Whether the CLI had saved every key when it died depends on timing (a loaded machine
		// can let it persist them all); the run then checks only that the next apply converges.
		// The removal of untracked keys is covered whenever the kill lands between a create and
		// the state's next save, and by the create's unit tests.
		t.Logf("the killed CLI had saved every key it made; this run checks convergence only")
	case how == InterruptCLI && len(untracked) > 0:
		// Ctrl-C is a graceful stop: every key made so far must be accounted for in state.
		t.Errorf("SIGINT left %d live keys that state does not account for: %v\n%s", len(untracked), untracked, out)
	}

	if out, err := cli.Run(t, dir, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		t.Fatalf("the apply after %s failed: %v\n%s", how, err, out)
	}
	tracked = StateResourceIDs(t, dir, c.Type)
	live = c.Live(t)
	byName := map[string][]string{}
	for id, name := range live {
		byName[name] = append(byName[name], id)
	}
	for _, name := range c.Names {
		if len(byName[name]) != 1 {
			t.Errorf("%d live keys named %q, want 1: %v", len(byName[name]), name, byName[name])
		}
	}
	if len(live) != len(c.Names) {
		t.Errorf("%d live keys on the server, want %d (leftovers or duplicates)", len(live), len(c.Names))
	}
	if len(tracked) != len(c.Names) {
		t.Errorf("%d keys in state, want %d", len(tracked), len(c.Names))
	}
	for _, id := range tracked {
		if _, ok := live[id]; !ok {
			t.Errorf("key %s in state is not live on the server", id)
		}
	}

	plan := exec.CommandContext(t.Context(), cli.Bin, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	plan.Dir, plan.Env = dir, cli.env
	if out, err := plan.CombinedOutput(); err != nil {
		t.Errorf("plan -detailed-exitcode after the converging apply: %v (exit 2 means changes)\n%s", err, out)
	}
	if marked := c.Marked(t); len(marked) > 0 {
		t.Errorf("%d live keys still carry the creation marker after a refresh: %v", len(marked), marked)
	}
}
