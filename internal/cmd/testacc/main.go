// Command testacc runs the acceptance tests once per CLI (Terraform and
// OpenTofu by default, at the same time unless -parallel=false) and prints,
// per CLI, how many tests passed, failed and were skipped, with the skip
// reasons grouped. With runs in parallel every line is prefixed with its CLI.
//
//	go run ./internal/cmd/testacc                          # every package whose tests use internal/acctest
//	go run ./internal/cmd/testacc -cli tofu ./internal/provider/...
//	go run ./internal/cmd/testacc -- -run TestAccKey -count=1
//
// Each CLI is located or built first (internal/tfcli), then
// "TF_ACC=1 TF_ACC_TERRAFORM_PATH=<cli> go test -json" runs the packages.
// The log of a failing test, and the output of a package that fails to build
// or whose TestMain fails, is printed as soon as it is known. The exit status
// is non-zero when any test or package failed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

const acctestPkg = "github.com/apikey-provider/terraform-provider-apikey/internal/acctest"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testacc:", err)
		os.Exit(1)
	}
}

// cliRun is one CLI's pass over the packages.
type cliRun struct {
	flavour tfcli.Flavour
	bin     string
	version string
	sum     *summary
	elapsed time.Duration
	err     error // go test could not run, or exited non-zero
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("testacc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	clis := fs.String("cli", "terraform,tofu", "comma-separated CLIs to run the tests on: terraform, tofu")
	timeout := fs.String("timeout", "30m", "go test -timeout for each CLI's run")
	// Measured on two cores, the runs overlap well: the tests mostly wait on
	// CLI and provider processes, retries and timeouts.
	parallel := fs.Bool("parallel", true, "run the CLIs at the same time; -parallel=false runs one after the other")
	// The flag package swallows "--", so the go test flags are split off first.
	args, goTestFlags := splitArgs(args)
	if err := fs.Parse(args); err != nil {
		return err
	}
	patterns := fs.Args()
	if len(patterns) == 0 {
		patterns = []string{"./internal/..."}
	}

	var runs []*cliRun
	for _, name := range strings.Split(*clis, ",") {
		fl, err := tfcli.ParseFlavour(strings.TrimSpace(name))
		if err != nil {
			return err
		}
		if fl == tfcli.Any {
			return fmt.Errorf("-cli %q: name terraform or tofu", name)
		}
		runs = append(runs, &cliRun{flavour: fl})
	}
	// Locate (or build) every CLI before any test runs, so a build's progress
	// is shown as it happens and a missing CLI fails fast.
	for _, r := range runs {
		bin, err := tfcli.FindFlavour(ctx, r.flavour)
		if err != nil {
			return fmt.Errorf("locating %s: %w", r.flavour, err)
		}
		_, v, err := tfcli.Identify(ctx, bin)
		if err != nil {
			return err
		}
		r.bin, r.version = bin, v
	}

	pkgs, err := acceptancePackages(ctx, patterns)
	if err != nil {
		return err
	}
	if len(pkgs) == 0 {
		return fmt.Errorf("no package matching %s has tests that use %s", strings.Join(patterns, " "), acctestPkg)
	}

	var mu sync.Mutex // one writer at a time when the runs overlap
	out := &lockedWriter{mu: &mu, w: stdout}
	runOne := func(r *cliRun) {
		prefix := ""
		if *parallel && len(runs) > 1 {
			prefix = "[" + r.flavour.String() + "] "
		}
		w := &prefixWriter{w: out, prefix: prefix}
		fmt.Fprintf(w, "=== %s %s (%s): go test -json -timeout %s %s\n", r.flavour, r.version, r.bin, *timeout, strings.Join(append(slices.Clone(goTestFlags), pkgs...), " "))
		start := time.Now()
		r.sum, r.err = goTest(ctx, r, *timeout, goTestFlags, pkgs, w)
		r.elapsed = time.Since(start)
	}
	if *parallel {
		var wg sync.WaitGroup
		for _, r := range runs {
			wg.Go(func() { runOne(r) })
		}
		wg.Wait()
	} else {
		for _, r := range runs {
			runOne(r)
		}
	}

	fmt.Fprintln(stdout, "\n=== Acceptance test summary")
	failed := false
	for _, r := range runs {
		r.sum.report(stdout, fmt.Sprintf("%s %s", r.flavour, r.version), r.elapsed)
		if r.err != nil && !r.sum.failed() {
			// Nothing in the event stream explains the failure: say how go test ended.
			fmt.Fprintf(stdout, "  go test: %v\n", r.err)
		}
		if r.err != nil || r.sum.failed() {
			failed = true
		}
	}
	if failed {
		return errors.New("acceptance tests failed")
	}
	return nil
}

// splitArgs separates the arguments before "--" from the go test flags after it.
func splitArgs(args []string) (patterns, flags []string) {
	if i := slices.Index(args, "--"); i >= 0 {
		return args[:i], args[i+1:]
	}
	return args, nil
}

// acceptancePackages lists the packages matching patterns whose tests import
// internal/acctest: those are the packages with acceptance tests.
func acceptancePackages(ctx context.Context, patterns []string) ([]string, error) {
	args := append([]string{"list", "-e", "-f", "{{.ImportPath}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w\n%s", err, stderr.Bytes())
	}
	return selectImporters(out, acctestPkg), nil
}

// selectImporters picks, from lines of "<package> <import>...", the packages
// that import pkg.
func selectImporters(list []byte, pkg string) []string {
	var pkgs []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(list)), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && slices.Contains(f[1:], pkg) && !slices.Contains(pkgs, f[0]) {
			pkgs = append(pkgs, f[0])
		}
	}
	return pkgs
}

// goTest runs the packages on one CLI and summarises the JSON event stream.
func goTest(ctx context.Context, r *cliRun, timeout string, flags, pkgs []string, out io.Writer) (*summary, error) {
	args := append([]string{"test", "-json", "-timeout", timeout}, flags...)
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "TF_ACC=1", tfcli.EnvPath+"="+r.bin)
	cmd.Stderr = out
	stream, err := cmd.StdoutPipe()
	if err != nil {
		return newSummary(out), err
	}
	if err := cmd.Start(); err != nil {
		return newSummary(out), err
	}
	sum := newSummary(out)
	sum.consume(stream)
	return sum, cmd.Wait()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// prefixWriter puts prefix before every line; each Write must be whole lines.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if p.prefix == "" {
		return p.w.Write(b)
	}
	var buf bytes.Buffer
	for line := range strings.SplitAfterSeq(string(b), "\n") {
		if line != "" {
			buf.WriteString(p.prefix + line)
		}
	}
	if _, err := p.w.Write(buf.Bytes()); err != nil {
		return 0, err
	}
	return len(b), nil
}

// readLines calls fn for each line of r, however long.
func readLines(r io.Reader, fn func(line []byte)) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			fn(line)
		}
		if err != nil {
			return
		}
	}
}
