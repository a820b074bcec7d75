// Package bench measures the provider end to end through the real CLI
// against the local backend server, and renders BENCHMARKS.md. Its command is
// internal/cmd/bench ("make bench").
package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

// Options selects what Run measures.
type Options struct {
	Runs           int   // repetitions; medians are reported
	Sizes          []int // N of the plan/apply scenarios
	RateN          int   // keys created by the rate-limited apply
	RatePerMinute  int   // the rate-limited server's limit
	VerifyWorkers  int
	VerifyDuration time.Duration
	Quick          bool
	Command        string    // the command line that reproduces the report
	Log            io.Writer // progress; nil discards
}

// Run builds the provider, finds the CLI, runs every scenario Runs times and
// returns the report (medians across runs).
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Runs < 1 {
		return nil, errors.New("bench: Runs must be at least 1")
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	b := &bencher{opts: opts, log: opts.Log}
	defer b.cleanup()
	if err := b.setup(ctx); err != nil {
		return nil, err
	}

	rep := &Report{
		Quick:   opts.Quick,
		Runs:    opts.Runs,
		Command: opts.Command,
		Date:    time.Now(),
		Machine: DescribeMachine(),
		CLI:     b.cliVersion,
		CLIPath: b.cli,
		Source:  b.source,
	}
	if b.isTofu {
		rep.Notes = append(rep.Notes, "The CLI is OpenTofu; TF_REATTACH_PROVIDERS carries the provider under "+OpenTofuAddress+" as well as "+TerraformAddress+".")
	}

	rep.Machine.LoadStart = LoadAverage()
	samples := map[int][]scenarioSample{}
	var rlSamples []rateLimitedSample
	var verifySamples []VerifyResult
	for run := 1; run <= opts.Runs; run++ {
		for _, n := range opts.Sizes {
			b.logf("run %d/%d: N=%d, apikey_unkey_key", run, opts.Runs, n)
			s, err := b.keyScenario(ctx, run, n)
			if err != nil {
				return nil, fmt.Errorf("run %d, N=%d, apikey_unkey_key: %w", run, n, err)
			}
			b.logf("run %d/%d: N=%d, terraform_data floor", run, opts.Runs, n)
			if err := b.floorScenario(ctx, run, n, &s); err != nil {
				return nil, fmt.Errorf("run %d, N=%d, terraform_data: %w", run, n, err)
			}
			samples[n] = append(samples[n], s)
		}
		if opts.RateN > 0 {
			b.logf("run %d/%d: rate-limited apply, N=%d at %d/min (at least %s)", run, opts.Runs, opts.RateN, opts.RatePerMinute,
				time.Duration(float64(opts.RateN)/float64(opts.RatePerMinute)*float64(time.Minute)).Round(time.Second))
			rl, err := b.rateLimited(ctx, run)
			if err != nil {
				return nil, fmt.Errorf("run %d, rate-limited apply: %w", run, err)
			}
			rlSamples = append(rlSamples, rl)
		}
		if opts.VerifyWorkers > 0 {
			b.logf("run %d/%d: keys.verifyKey load, %d goroutines for %s", run, opts.Runs, opts.VerifyWorkers, opts.VerifyDuration)
			v, err := b.verify(ctx, run)
			if err != nil {
				return nil, fmt.Errorf("run %d, verifyKey: %w", run, err)
			}
			b.logf("  %.0f requests/s, p50 %s, p99 %s, %d errors", v.PerSecond, ms(v.P50), ms(v.P99), v.Errors)
			verifySamples = append(verifySamples, v)
		}
	}

	for _, n := range opts.Sizes {
		rep.Scenarios = append(rep.Scenarios, aggregateScenario(n, samples[n]))
	}
	rep.Machine.LoadEnd = LoadAverage()
	if cores := float64(rep.Machine.Cores); loadAbove(rep.Machine.LoadStart, cores) || loadAbove(rep.Machine.LoadEnd, cores) {
		rep.Notes = append(rep.Notes, "The load average exceeded the number of cores while measuring: other work shared the machine, so wall times are noisier and likely higher than on an idle machine.")
	}
	rep.RateLimited = aggregateRateLimited(opts.RateN, opts.RatePerMinute, rlSamples)
	rep.Verify = aggregateVerify(verifySamples)
	return rep, nil
}

type bencher struct {
	opts       Options
	log        io.Writer
	tmp        string
	provider   string // provider binary
	cli        string
	cliVersion string
	isTofu     bool
	cliConfig  string
	source     string // the git state the provider was built from
}

func (b *bencher) logf(format string, args ...any) {
	fmt.Fprintf(b.log, format+"\n", args...)
}

func (b *bencher) cleanup() {
	if b.tmp != "" {
		_ = os.RemoveAll(b.tmp)
	}
}

func (b *bencher) setup(ctx context.Context) error {
	root, err := tfcli.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	if b.tmp, err = os.MkdirTemp("", "apikey-bench-"); err != nil {
		return err
	}
	binDir := filepath.Join(b.tmp, "bin")
	if err := os.Mkdir(binDir, 0o700); err != nil {
		return err
	}
	b.source = describeSource(ctx, root)
	b.logf("building the provider from %s", b.source)
	if b.provider, err = tfcli.BuildProvider(ctx, root, binDir, "bench"); err != nil {
		return err
	}
	b.logf("locating the terraform/tofu CLI")
	if b.cli, err = tfcli.Find(ctx); err != nil {
		return fmt.Errorf("locating the CLI: %w", err)
	}
	// A minimal CLI configuration of our own, so none elsewhere applies.
	b.cliConfig = filepath.Join(b.tmp, "cli.tfrc")
	if err := tfcli.WriteConfig(b.cliConfig, nil); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, b.cli, "version")
	cmd.Env = tfcli.Env(b.cliConfig)
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s version: %w", b.cli, err)
	}
	b.cliVersion, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	b.isTofu = strings.Contains(string(out), "OpenTofu")
	b.logf("%s (%s)", b.cliVersion, b.cli)
	return nil
}

// server is one local backend server with an API.
type server struct {
	dev      *devserver.Server
	endpoint string
	apiID    string
}

func (b *bencher) newServer(ctx context.Context, dir string, ratePerMinute int) (*server, error) {
	dev, err := devserver.New(devserver.Config{DBPath: filepath.Join(dir, "devserver.db"), RateLimitPerMinute: ratePerMinute})
	if err != nil {
		return nil, fmt.Errorf("starting the local server: %w", err)
	}
	endpoint, err := dev.Listen("127.0.0.1:0")
	if err != nil {
		_ = dev.Close()
		return nil, err
	}
	apiID, err := dev.CreateAPI(ctx, "bench")
	if err != nil {
		_ = dev.Close()
		return nil, fmt.Errorf("creating an API: %w", err)
	}
	return &server{dev: dev, endpoint: endpoint, apiID: apiID}, nil
}

// providerEnv is the provider process's environment: in debug mode it does
// not inherit the CLI's, so the backend settings go here.
func (b *bencher) providerEnv(s *server) []string {
	return append(os.Environ(),
		"UNKEY_ENDPOINT="+s.endpoint,
		"UNKEY_ROOT_KEY="+s.dev.RootKey(),
		"CHECKPOINT_DISABLE=1",
	)
}

// cliResult is one CLI command.
type cliResult struct {
	Wall     time.Duration
	ExitCode int
	Output   []byte // stdout and stderr; the CLI redacts sensitive values
}

func (b *bencher) runCLI(ctx context.Context, dir string, env []string, args ...string) (cliResult, error) {
	cmd := exec.CommandContext(ctx, b.cli, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	res := cliResult{Wall: time.Since(start), Output: out.Bytes()}
	if logErr := os.WriteFile(filepath.Join(dir, args[0]+".log"), out.Bytes(), 0o600); logErr != nil {
		return res, logErr
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	default:
		return res, fmt.Errorf("%s %s: %w", filepath.Base(b.cli), args[0], err)
	}
	return res, nil
}

// cliFailure describes a failed CLI command with the tail of its output.
func (b *bencher) cliFailure(args []string, res cliResult) error {
	return fmt.Errorf("%s %s exited %d:\n%s", filepath.Base(b.cli), strings.Join(args, " "), res.ExitCode, tail(res.Output, 40))
}

func tail(out []byte, lines int) string {
	s := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(s) > lines {
		s = s[len(s)-lines:]
	}
	return strings.Join(s, "\n")
}

// phaseSample is one phase of one run.
type phaseSample struct {
	Wall, FloorWall time.Duration
	Usage           Usage
	Requests        int64
	RateLimited     int64
	Routes          map[string]int64
	ExitCode        int
	Output          []byte
}

// providerPhase starts a fresh provider, runs one CLI command attached to it
// with the server's counters reset, stops the provider and returns the
// command's wall time, the provider's usage and the server's request count.
func (b *bencher) providerPhase(ctx context.Context, s *server, dir string, extraEnv []string, args ...string) (phaseSample, error) {
	prov, err := StartProvider(ctx, b.provider, b.providerEnv(s))
	if err != nil {
		return phaseSample{}, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_, _ = prov.Stop()
		}
	}()
	reattach := prov.Reattach()
	if b.isTofu {
		reattach = reattach.WithAlias(TerraformAddress, OpenTofuAddress)
	}
	reattachEnv, err := reattach.Env()
	if err != nil {
		return phaseSample{}, err
	}
	env := tfcli.Env(b.cliConfig, append([]string{reattachEnv, "TF_VAR_api_id=" + s.apiID}, extraEnv...)...)

	s.dev.ResetStats()
	res, err := b.runCLI(ctx, dir, env, args...)
	st := s.dev.Stats()
	stopped = true
	usage, uerr := prov.Stop()
	if err != nil {
		return phaseSample{}, err
	}
	if uerr != nil {
		return phaseSample{}, uerr
	}
	return phaseSample{
		Wall:        res.Wall,
		Usage:       usage,
		Requests:    st.Requests,
		RateLimited: st.RateLimited,
		Routes:      st.ByRoute,
		ExitCode:    res.ExitCode,
		Output:      res.Output,
	}, nil
}

const keysConfig = `terraform {
  required_providers {
    apikey = {
      source = "apikey-provider/apikey"
    }
  }
}

variable "api_id" {
  type = string
}

resource "apikey_unkey_key" "bench" {
  count  = %d
  api_id = var.api_id
  name   = "bench-${count.index}"
}
`

const floorConfig = `resource "terraform_data" "bench" {
  count = %d
  input = "bench-${count.index}"
}
`

func writeConfig(dir, format string, n int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.tf"), fmt.Appendf(nil, format, n), 0o600)
}

// phaseArgs are the CLI arguments of each phase.
var phaseArgs = map[string][]string{
	"init":    {"init", "-input=false", "-no-color"},
	"apply":   {"apply", "-auto-approve", "-input=false", "-no-color"},
	"plan":    {"plan", "-detailed-exitcode", "-input=false", "-no-color"},
	"destroy": {"destroy", "-auto-approve", "-input=false", "-no-color"},
}

// scenarioSample is every phase of one scenario in one run.
type scenarioSample struct {
	Phases map[string]phaseSample
}

func (b *bencher) keyScenario(ctx context.Context, run, n int) (scenarioSample, error) {
	dir := filepath.Join(b.tmp, fmt.Sprintf("run%d", run), fmt.Sprintf("keys-%d", n))
	if err := writeConfig(dir, keysConfig, n); err != nil {
		return scenarioSample{}, err
	}
	s, err := b.newServer(ctx, dir, 0)
	if err != nil {
		return scenarioSample{}, err
	}
	defer s.dev.Close()

	out := scenarioSample{Phases: map[string]phaseSample{}}
	for _, phase := range Phases {
		args := phaseArgs[phase]
		ps, err := b.providerPhase(ctx, s, dir, nil, args...)
		if err != nil {
			return out, fmt.Errorf("%s: %w", phase, err)
		}
		if ps.ExitCode != 0 && (phase != "plan" || ps.ExitCode != 2) {
			return out, b.cliFailure(args, cliResult{ExitCode: ps.ExitCode, Output: ps.Output})
		}
		b.logf("  %-7s %7.2f s  provider CPU %6.2f s  peak RSS %6.1f MB  %5d requests%s", phase, ps.Wall.Seconds(),
			ps.Usage.CPU.Seconds(), float64(ps.Usage.PeakRSS)/mb, ps.Requests, planNote(phase, ps.ExitCode))
		ps.Output = nil
		out.Phases[phase] = ps
	}
	return out, nil
}

func planNote(phase string, code int) string {
	if phase == "plan" && code == 2 {
		return "  (plan NOT empty: exit code 2)"
	}
	return ""
}

func (b *bencher) floorScenario(ctx context.Context, run, n int, into *scenarioSample) error {
	dir := filepath.Join(b.tmp, fmt.Sprintf("run%d", run), fmt.Sprintf("floor-%d", n))
	if err := writeConfig(dir, floorConfig, n); err != nil {
		return err
	}
	env := tfcli.Env(b.cliConfig)
	for _, phase := range Phases {
		args := phaseArgs[phase]
		res, err := b.runCLI(ctx, dir, env, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", phase, err)
		}
		if res.ExitCode != 0 {
			return b.cliFailure(args, res)
		}
		b.logf("  %-7s %7.2f s", phase, res.Wall.Seconds())
		ps := into.Phases[phase]
		ps.FloorWall = res.Wall
		into.Phases[phase] = ps
	}
	return nil
}

type rateLimitedSample struct {
	Wall        time.Duration
	Requests    int64
	RateLimited int64
	Errors      int
	Created     int
	Failed      bool
	Usage       Usage
}

func (b *bencher) rateLimited(ctx context.Context, run int) (rateLimitedSample, error) {
	dir := filepath.Join(b.tmp, fmt.Sprintf("run%d", run), "ratelimited")
	if err := writeConfig(dir, keysConfig, b.opts.RateN); err != nil {
		return rateLimitedSample{}, err
	}
	s, err := b.newServer(ctx, dir, b.opts.RatePerMinute)
	if err != nil {
		return rateLimitedSample{}, err
	}
	defer s.dev.Close()

	initRes, err := b.providerPhase(ctx, s, dir, nil, phaseArgs["init"]...)
	if err != nil {
		return rateLimitedSample{}, fmt.Errorf("init: %w", err)
	}
	if initRes.ExitCode != 0 {
		return rateLimitedSample{}, b.cliFailure(phaseArgs["init"], cliResult{ExitCode: initRes.ExitCode, Output: initRes.Output})
	}
	ps, err := b.providerPhase(ctx, s, dir, nil, phaseArgs["apply"]...)
	if err != nil {
		return rateLimitedSample{}, fmt.Errorf("apply: %w", err)
	}
	created, err := b.stateCount(ctx, dir)
	if err != nil {
		return rateLimitedSample{}, err
	}
	out := rateLimitedSample{
		Wall:        ps.Wall,
		Requests:    ps.Requests,
		RateLimited: ps.RateLimited,
		Errors:      countErrors(ps.Output),
		Created:     created,
		Failed:      ps.ExitCode != 0,
		Usage:       ps.Usage,
	}
	b.logf("  apply   %7.2f s  provider CPU %6.2f s  peak RSS %6.1f MB  %5d requests, %d × 429, %d errors, %d/%d created, exit %d",
		out.Wall.Seconds(), out.Usage.CPU.Seconds(), float64(out.Usage.PeakRSS)/mb, out.Requests, out.RateLimited, out.Errors, created, b.opts.RateN, ps.ExitCode)
	if out.Errors > 0 {
		b.logf("  last lines of the apply output:\n%s", tail(ps.Output, 20))
	}
	// No destroy: the server and its database are thrown away with the run.
	return out, nil
}

// stateCount is the number of resource instances in dir's state.
func (b *bencher) stateCount(ctx context.Context, dir string) (int, error) {
	res, err := b.runCLI(ctx, dir, tfcli.Env(b.cliConfig), "state", "list")
	if err != nil {
		return 0, err
	}
	if res.ExitCode != 0 {
		return 0, nil // no state at all
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(res.Output))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "apikey_unkey_key.") {
			n++
		}
	}
	return n, nil
}

// countErrors counts the error diagnostics in CLI output ("Error: ..." lines,
// boxed or not).
func countErrors(out []byte) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), "│╷ ")
		if strings.HasPrefix(line, "Error: ") {
			n++
		}
	}
	return n
}

func (b *bencher) verify(ctx context.Context, run int) (VerifyResult, error) {
	dir := filepath.Join(b.tmp, fmt.Sprintf("run%d", run), "verify")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return VerifyResult{}, err
	}
	s, err := b.newServer(ctx, dir, 0)
	if err != nil {
		return VerifyResult{}, err
	}
	defer s.dev.Close()
	hc, err := transport.New(transport.Config{BaseURL: s.endpoint, Token: s.dev.RootKey(), UserAgent: "terraform-provider-apikey-bench"})
	if err != nil {
		return VerifyResult{}, err
	}
	created, err := unkey.New(hc).CreateKey(ctx, unkey.CreateKeyRequest{APIID: s.apiID, Name: "bench-verify"})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("creating a key: %w", err)
	}
	return VerifyLoad(ctx, s.endpoint, s.dev.RootKey(), created.Key, b.opts.VerifyWorkers, b.opts.VerifyDuration)
}

func aggregateScenario(n int, samples []scenarioSample) ScenarioResult {
	out := ScenarioResult{N: n}
	for _, phase := range Phases {
		var wall, floor, cpu []time.Duration
		var rss, req []int64
		for _, s := range samples {
			p := s.Phases[phase]
			wall = append(wall, p.Wall)
			floor = append(floor, p.FloorWall)
			cpu = append(cpu, p.Usage.CPU)
			rss = append(rss, p.Usage.PeakRSS)
			req = append(req, p.Requests)
		}
		out.Phases = append(out.Phases, PhaseResult{
			Phase:     phase,
			Wall:      MedianDuration(wall),
			FloorWall: MedianDuration(floor),
			CPU:       MedianDuration(cpu),
			PeakRSS:   MedianInt(rss),
			Requests:  MedianInt(req),
		})
	}
	for _, s := range samples {
		out.PlanExitCodes = append(out.PlanExitCodes, s.Phases["plan"].ExitCode)
	}
	if len(samples) > 0 {
		out.RefreshRoutes = samples[len(samples)-1].Phases["plan"].Routes
	}
	return out
}

func aggregateRateLimited(n, rate int, samples []rateLimitedSample) RateLimitedResult {
	if len(samples) == 0 {
		return RateLimitedResult{}
	}
	out := RateLimitedResult{N: n, RatePerMinute: rate, Created: n}
	var wall, cpu []time.Duration
	var req, limited, rss []int64
	for _, s := range samples {
		wall = append(wall, s.Wall)
		cpu = append(cpu, s.Usage.CPU)
		req = append(req, s.Requests)
		limited = append(limited, s.RateLimited)
		rss = append(rss, s.Usage.PeakRSS)
		out.Errors = max(out.Errors, s.Errors)
		out.Created = min(out.Created, s.Created)
		if s.Failed {
			out.Failed++
		}
	}
	out.Wall = MedianDuration(wall)
	out.CPU = MedianDuration(cpu)
	out.Requests = MedianInt(req)
	out.RateLimited = MedianInt(limited)
	out.PeakRSS = MedianInt(rss)
	return out
}

func aggregateVerify(samples []VerifyResult) VerifyResult {
	if len(samples) == 0 {
		return VerifyResult{}
	}
	var rps []float64
	var dur, p50, p99 []time.Duration
	var req []int64
	var errs int64
	for _, s := range samples {
		rps = append(rps, s.PerSecond)
		dur = append(dur, s.Duration)
		p50 = append(p50, s.P50)
		p99 = append(p99, s.P99)
		req = append(req, s.Requests)
		errs = max(errs, s.Errors)
	}
	return VerifyResult{
		Workers:   samples[0].Workers,
		Duration:  MedianDuration(dur),
		Requests:  MedianInt(req),
		Errors:    errs,
		PerSecond: Median(rps),
		P50:       MedianDuration(p50),
		P99:       MedianDuration(p99),
	}
}

// describeSource names the git state the provider is built from: the commit
// (git describe) and, when the tree is dirty, the non-test Go files that
// differ from it, since those changes are part of what is measured.
func describeSource(ctx context.Context, root string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", root, "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	desc := strings.TrimSpace(string(out))
	out, err = exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output()
	if err != nil {
		return desc
	}
	var changed []string
	for line := range strings.SplitSeq(string(out), "\n") {
		if len(line) < 4 {
			continue
		}
		path := strings.TrimSpace(line[3:])
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			changed = append(changed, path)
		}
	}
	if len(changed) > 0 {
		desc += " with uncommitted changes to " + strings.Join(changed, ", ")
	}
	return desc
}

// loadAbove reports whether any of the load averages in la exceeds cores.
func loadAbove(la string, cores float64) bool {
	for f := range strings.FieldsSeq(la) {
		if v, err := strconv.ParseFloat(f, 64); err == nil && v > cores {
			return true
		}
	}
	return false
}
