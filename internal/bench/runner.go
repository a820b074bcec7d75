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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/runstats"
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
	// CLIs are the terraform/tofu binaries measured, interleaved; none means
	// OpenTofu and Terraform as tfcli.FindFlavour finds them.
	CLIs []string
	// ProviderEnv is added to the environment of every provider process
	// (e.g. GOGC or GOMEMLIMIT experiments); it is recorded in the report.
	ProviderEnv []string
	// NoMixpeek skips the apikey_mixpeek_key scenario.
	NoMixpeek bool
	// Subjects, when set, keeps only these subjects (a focused run, e.g. this provider alone at
	// a large N where the floors' phases take longer than its own).
	Subjects []string
	// Variants are further builds of this provider measured beside it on the
	// apikey_unkey_key scenario, interleaved, as subjects "apikey_unkey_key[<name>]".
	Variants []Variant
}

// Variant is a build of the provider with some of its process choices left
// out (main.disabled) and variables added to its environment.
type Variant struct {
	Name    string
	Disable string   // comma-separated: quietlogs, wrap, memlimit
	Env     []string // NAME=value
}

// VariantSubject is the subject name of a variant.
func VariantSubject(name string) string { return SubjectUnkey + "[" + name + "]" }

// Subjects measured in every scenario, in the order they run.
const (
	SubjectFloor   = "terraform_data"     // the CLI alone
	SubjectMinimal = "minimal"            // a one-attribute no-op framework provider: the plugin floor
	SubjectUnkey   = "apikey_unkey_key"   // this provider, Unkey backend
	SubjectMixpeek = "apikey_mixpeek_key" // this provider, Mixpeek backend
)

// Run builds the providers, finds the CLIs, runs every scenario Runs times,
// interleaved (per run and N: each CLI, each subject), and returns the
// report (medians across runs).
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
	subjects := []string{SubjectFloor, SubjectMinimal, SubjectUnkey}
	for _, v := range opts.Variants {
		subjects = append(subjects, VariantSubject(v.Name))
	}
	if !opts.NoMixpeek {
		subjects = append(subjects, SubjectMixpeek)
	}
	if len(opts.Subjects) > 0 {
		for _, want := range opts.Subjects {
			if !slices.Contains(subjects, want) {
				return nil, fmt.Errorf("bench: unknown subject %q (have %s)", want, strings.Join(subjects, ", "))
			}
		}
		subjects = slices.DeleteFunc(subjects, func(s string) bool { return !slices.Contains(opts.Subjects, s) })
	}

	rep := &Report{
		Quick:       opts.Quick,
		Runs:        opts.Runs,
		Command:     opts.Command,
		Date:        time.Now(),
		Machine:     DescribeMachine(),
		Source:      b.source,
		ProviderEnv: opts.ProviderEnv,
		Subjects:    subjects,
		Variants:    opts.Variants,
	}
	for _, c := range b.clis {
		rep.CLIs = append(rep.CLIs, CLIInfo{Version: c.version, Path: c.path, OpenTofu: c.isTofu})
		if c.isTofu {
			rep.Notes = appendOnce(rep.Notes, "With OpenTofu, TF_REATTACH_PROVIDERS carries each provider under its registry.opentofu.org address as well as its registry.terraform.io one.")
		}
	}

	rep.Machine.LoadStart = LoadAverage()
	type key struct {
		cli     string
		subject string
		n       int
	}
	samples := map[key][]scenarioSample{}
	var rlSamples []rateLimitedSample
	var verifySamples []VerifyResult
	for run := 1; run <= opts.Runs; run++ {
		for _, n := range opts.Sizes {
			for _, c := range b.clis {
				for _, subject := range subjects {
					b.logf("run %d/%d: N=%d, %s, %s (load %s)", run, opts.Runs, n, c.version, subject, LoadAverage())
					s, err := b.scenario(ctx, c, subject, run, n)
					if err != nil {
						return nil, fmt.Errorf("run %d, N=%d, %s, %s: %w", run, n, c.version, subject, err)
					}
					k := key{c.version, subject, n}
					samples[k] = append(samples[k], s)
				}
			}
		}
		if opts.RateN > 0 {
			b.logf("run %d/%d: rate-limited apply, N=%d at %d/min (at least %s)", run, opts.Runs, opts.RateN, opts.RatePerMinute,
				time.Duration(float64(2*opts.RateN)/float64(opts.RatePerMinute)*float64(time.Minute)).Round(time.Second))
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

	for _, c := range b.clis {
		for _, n := range opts.Sizes {
			for _, subject := range subjects {
				rep.Scenarios = append(rep.Scenarios, aggregateScenario(c.version, subject, n, samples[key{c.version, subject, n}]))
			}
		}
	}
	rep.Machine.LoadEnd = LoadAverage()
	if cores := float64(rep.Machine.Cores); loadAbove(rep.Machine.LoadStart, cores) || loadAbove(rep.Machine.LoadEnd, cores) {
		rep.Notes = append(rep.Notes, "The load average exceeded the number of cores while measuring: other work shared the machine. Wall times are then unreliable; provider CPU time is the process's own and steadier, though cache and frequency effects of a busy machine still raise it somewhat. Ratios are taken within one interleaved run.")
	}
	if len(opts.ProviderEnv) > 0 {
		rep.Notes = append(rep.Notes, "Every provider process ran with "+strings.Join(opts.ProviderEnv, " ")+" added to its environment.")
	}
	rep.RateLimited = aggregateRateLimited(opts.RateN, opts.RatePerMinute, rlSamples)
	rep.Verify = aggregateVerify(verifySamples)
	return rep, nil
}

func appendOnce(xs []string, s string) []string {
	if slices.Contains(xs, s) {
		return xs
	}
	return append(xs, s)
}

type cli struct {
	path, version string
	isTofu        bool
	config        string // CLI configuration file
}

type bencher struct {
	opts     Options
	log      io.Writer
	tmp      string
	provider string                  // provider binary
	minimal  string                  // the minimal provider's binary
	variants map[string]variantBuild // by subject
	clis     []cli
	source   string // the git state the provider was built from
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
	b.variants = map[string]variantBuild{}
	for _, v := range b.opts.Variants {
		bin := filepath.Join(binDir, "terraform-provider-apikey-"+v.Name)
		build := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version=bench -X main.disabled="+v.Disable, "-o", bin, ".")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("building variant %s: %w\n%s", v.Name, err, out)
		}
		b.variants[VariantSubject(v.Name)] = variantBuild{bin: bin, env: v.Env}
	}
	b.minimal = filepath.Join(binDir, "terraform-provider-minimal")
	build := exec.CommandContext(ctx, "go", "build", "-o", b.minimal, "./internal/bench/minimal")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the minimal provider: %w\n%s", err, out)
	}
	paths := b.opts.CLIs
	if len(paths) == 0 {
		b.logf("locating OpenTofu and Terraform (each is built from source into the cache when not installed)")
		for _, fl := range []tfcli.Flavour{tfcli.OpenTofu, tfcli.Terraform} {
			p, err := tfcli.FindFlavour(ctx, fl)
			if err != nil {
				return fmt.Errorf("locating %s: %w", fl, err)
			}
			paths = append(paths, p)
		}
	}
	seen := map[string]bool{}
	for i, p := range paths {
		if abs, err := filepath.EvalSymlinks(p); err == nil {
			p = abs
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		c := cli{path: p, config: filepath.Join(b.tmp, fmt.Sprintf("cli%d.tfrc", i))}
		// A minimal CLI configuration of our own, so none elsewhere applies.
		if err := tfcli.WriteConfig(c.config, nil); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, c.path, "version")
		cmd.Env = tfcli.Env(c.config)
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s version: %w", c.path, err)
		}
		c.version, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
		c.isTofu = strings.Contains(string(out), "OpenTofu")
		b.logf("%s (%s)", c.version, c.path)
		b.clis = append(b.clis, c)
	}
	return nil
}

type variantBuild struct {
	bin string
	env []string
}

// server is one local backend server with an API.
type server struct {
	dev      *devserver.Server
	endpoint string
	apiID    string
}

func (b *bencher) newServer(ctx context.Context, dir string, ratePerMinute int) (*server, error) {
	dev, err := devserver.New(devserver.Config{DBPath: filepath.Join(dir, "devserver.db"), RateLimitPerMinute: ratePerMinute, MixpeekUsers: []string{"bench@example.com"}})
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
func (b *bencher) providerEnv(s *server, statsFile string, extra []string) []string {
	env := append(os.Environ(), "CHECKPOINT_DISABLE=1", runstats.EnvFile+"="+statsFile)
	if s != nil {
		env = append(env,
			"UNKEY_ENDPOINT="+s.endpoint,
			"UNKEY_ROOT_KEY="+s.dev.RootKey(),
			"MIXPEEK_ENDPOINT="+s.endpoint,
			"MIXPEEK_API_KEY="+s.dev.RootKey(),
		)
	}
	env = append(env, b.opts.ProviderEnv...)
	return append(env, extra...)
}

// cliResult is one CLI command.
type cliResult struct {
	Wall     time.Duration
	ExitCode int
	Output   []byte // stdout and stderr; the CLI redacts sensitive values
}

func (b *bencher) runCLI(ctx context.Context, c cli, dir string, env []string, args ...string) (cliResult, error) {
	cmd := exec.CommandContext(ctx, c.path, args...)
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
		return res, fmt.Errorf("%s %s: %w", filepath.Base(c.path), args[0], err)
	}
	return res, nil
}

// cliFailure describes a failed CLI command with the tail of its output.
func cliFailure(c cli, args []string, res cliResult) error {
	return fmt.Errorf("%s %s exited %d:\n%s", filepath.Base(c.path), strings.Join(args, " "), res.ExitCode, tail(res.Output, 40))
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
	Wall        time.Duration
	Usage       Usage
	Runtime     runstats.Snapshot
	Requests    int64
	RateLimited int64
	Routes      map[string]int64
	ExitCode    int
	Output      []byte
	Load1       float64 // 1-minute load average when the phase started
}

// providerPeakRSS is the provider's own peak RSS: the one it reported where it could, since on
// Linux the kernel's figure for a child starts from this harness's resident set at the fork,
// which holds the local server's data (see runstats).
func providerPeakRSS(u Usage, rt runstats.Snapshot) int64 {
	if rt.PeakRSS > 0 {
		return int64(rt.PeakRSS)
	}
	return u.PeakRSS
}

// providerPhase starts a fresh provider (bin, announcing address), runs one
// CLI command attached to it with the server's counters reset, stops the
// provider and returns the command's wall time, the provider's usage and
// runtime counters and the server's request count. s may be nil.
func (b *bencher) providerPhase(ctx context.Context, c cli, bin, address string, s *server, env []string, dir string, args ...string) (phaseSample, error) {
	statsFile := filepath.Join(dir, args[0]+"-"+strconv.FormatInt(time.Now().UnixNano(), 36)+".stats.json")
	prov, err := StartProvider(ctx, bin, b.providerEnv(s, statsFile, env))
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
	if c.isTofu {
		reattach = reattach.WithAlias(address, OpenTofuAlias(address))
	}
	reattachEnv, err := reattach.Env()
	if err != nil {
		return phaseSample{}, err
	}
	extra := []string{reattachEnv}
	if s != nil {
		extra = append(extra, "TF_VAR_api_id="+s.apiID)
		s.dev.ResetStats()
	}
	load := load1()
	res, err := b.runCLI(ctx, c, dir, tfcli.Env(c.config, extra...), args...)
	var st devserver.Stats
	if s != nil {
		st = s.dev.Stats()
	}
	stopped = true
	usage, uerr := prov.Stop()
	if err != nil {
		return phaseSample{}, err
	}
	if uerr != nil {
		return phaseSample{}, uerr
	}
	rt, rerr := runstats.Read(statsFile)
	if rerr != nil {
		return phaseSample{}, fmt.Errorf("the provider wrote no runtime counters: %w", rerr)
	}
	usage.PeakRSS = providerPeakRSS(usage, rt)
	return phaseSample{
		Wall:        res.Wall,
		Usage:       usage,
		Runtime:     rt,
		Requests:    st.Requests,
		RateLimited: st.RateLimited,
		Routes:      st.ByRoute,
		ExitCode:    res.ExitCode,
		Output:      res.Output,
		Load1:       load,
	}, nil
}

// OpenTofuAlias is the registry.opentofu.org form of a registry.terraform.io
// provider address.
func OpenTofuAlias(address string) string {
	if rest, ok := strings.CutPrefix(address, "registry.terraform.io/"); ok {
		return "registry.opentofu.org/" + rest
	}
	return address
}

const unkeyConfig = `terraform {
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
  count       = %d
  api_id      = var.api_id
  name        = "bench-${count.index}"
  permissions = ["bench.read", "bench.write"]
  ratelimits  = [{ name = "requests", limit = 100, duration = "1m", auto_apply = true }]
}
`

const mixpeekConfig = `terraform {
  required_providers {
    apikey = {
      source = "apikey-provider/apikey"
    }
  }
}

variable "api_id" {
  type = string
}

resource "apikey_mixpeek_key" "bench" {
  count      = %d
  user_email = "bench@example.com"
  name       = "bench-${count.index}"
}
`

const minimalConfig = `terraform {
  required_providers {
    minimal = {
      source = "apikey-bench/minimal"
    }
  }
}

resource "minimal_thing" "bench" {
  count = %d
  input = "bench-${count.index}"
}
`

const floorConfig = `resource "terraform_data" "bench" {
  count = %d
  input = "bench-${count.index}"
}
`

// minimalAddress is where the minimal provider announces itself (its main
// package's Address).
const minimalAddress = "registry.terraform.io/apikey-bench/minimal"

func writeConfig(dir, format string, n int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.tf"), fmt.Appendf(nil, format, n), 0o600)
}

// phaseArgs are the CLI arguments of each phase. "refresh" is a plan of
// unchanged resources (a ReadResource and a PlanResourceChange each);
// "plan" skips the refresh (PlanResourceChange only).
var phaseArgs = map[string][]string{
	"init":    {"init", "-input=false", "-no-color"},
	"apply":   {"apply", "-auto-approve", "-input=false", "-no-color"},
	"settle":  {"plan", "-detailed-exitcode", "-input=false", "-no-color"},
	"refresh": {"plan", "-detailed-exitcode", "-input=false", "-no-color"},
	"plan":    {"plan", "-refresh=false", "-detailed-exitcode", "-input=false", "-no-color"},
	"destroy": {"destroy", "-auto-approve", "-input=false", "-no-color"},
}

// scenarioSample is every phase of one scenario in one run.
type scenarioSample struct {
	Phases map[string]phaseSample
}

func (b *bencher) scenario(ctx context.Context, c cli, subject string, run, n int) (scenarioSample, error) {
	dir := filepath.Join(b.tmp, fmt.Sprintf("run%d", run), fmt.Sprintf("%s-%s-%d", filepath.Base(c.path), subject, n))
	config := map[string]string{SubjectFloor: floorConfig, SubjectMinimal: minimalConfig, SubjectUnkey: unkeyConfig, SubjectMixpeek: mixpeekConfig}[subject]
	variant, isVariant := b.variants[subject]
	if isVariant {
		config = unkeyConfig
	}
	if err := writeConfig(dir, config, n); err != nil {
		return scenarioSample{}, err
	}
	var s *server
	if subject == SubjectUnkey || subject == SubjectMixpeek || isVariant {
		var err error
		if s, err = b.newServer(ctx, dir, 0); err != nil {
			return scenarioSample{}, err
		}
		defer s.dev.Close()
	}

	out := scenarioSample{Phases: map[string]phaseSample{}}
	for _, phase := range Phases {
		args := phaseArgs[phase]
		var ps phaseSample
		var err error
		switch subject {
		case SubjectFloor:
			var res cliResult
			load := load1()
			res, err = b.runCLI(ctx, c, dir, tfcli.Env(c.config), args...)
			ps = phaseSample{Wall: res.Wall, ExitCode: res.ExitCode, Output: res.Output, Load1: load}
		case SubjectMinimal:
			ps, err = b.providerPhase(ctx, c, b.minimal, minimalAddress, nil, nil, dir, args...)
		default:
			bin := b.provider
			if isVariant {
				bin = variant.bin
			}
			ps, err = b.providerPhase(ctx, c, bin, TerraformAddress, s, variant.env, dir, args...)
		}
		if err != nil {
			return out, fmt.Errorf("%s: %w", phase, err)
		}
		planLike := phase == "plan" || phase == "refresh" || phase == "settle"
		if ps.ExitCode != 0 && (!planLike || ps.ExitCode != 2) {
			return out, cliFailure(c, args, cliResult{ExitCode: ps.ExitCode, Output: ps.Output})
		}
		b.logf("  %-7s %7.2f s  provider CPU %6.2f s (%5.2f ms/key)  %7.0f allocs/key  %3d GCs  peak RSS %6.1f MB  heap after GC %5.1f MB  %5d requests%s",
			phase, ps.Wall.Seconds(), ps.Usage.CPU.Seconds(), float64(ps.Usage.CPU)/float64(time.Millisecond)/float64(n),
			float64(ps.Runtime.AllocObjects)/float64(n), ps.Runtime.GCCycles, float64(ps.Usage.PeakRSS)/mb,
			float64(ps.Runtime.LiveHeapAfterGC)/mb, ps.Requests, planNote(phase, ps.ExitCode))
		ps.Output = nil
		out.Phases[phase] = ps
	}
	return out, nil
}

func planNote(phase string, code int) string {
	if (phase == "plan" || phase == "refresh" || phase == "settle") && code == 2 {
		return "  (plan NOT empty: exit code 2)"
	}
	return ""
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
	if err := writeConfig(dir, unkeyConfig, b.opts.RateN); err != nil {
		return rateLimitedSample{}, err
	}
	c := b.clis[0]
	s, err := b.newServer(ctx, dir, b.opts.RatePerMinute)
	if err != nil {
		return rateLimitedSample{}, err
	}
	defer s.dev.Close()

	initRes, err := b.providerPhase(ctx, c, b.provider, TerraformAddress, s, nil, dir, phaseArgs["init"]...)
	if err != nil {
		return rateLimitedSample{}, fmt.Errorf("init: %w", err)
	}
	if initRes.ExitCode != 0 {
		return rateLimitedSample{}, cliFailure(c, phaseArgs["init"], cliResult{ExitCode: initRes.ExitCode, Output: initRes.Output})
	}
	if b.opts.RateN > b.opts.RatePerMinute {
		// The local server's limit is a fixed one-minute window on the clock: an apply that starts
		// late in one spreads its requests over two windows and may never meet the limit. Starting
		// with a window makes the apply exceed it, so the back-off is what is measured.
		wait := untilNextMinute(time.Now())
		b.logf("  waiting %s for the server's next rate-limit window", wait.Round(time.Second))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return rateLimitedSample{}, ctx.Err()
		}
	}
	ps, err := b.providerPhase(ctx, c, b.provider, TerraformAddress, s, nil, dir, phaseArgs["apply"]...)
	if err != nil {
		return rateLimitedSample{}, fmt.Errorf("apply: %w", err)
	}
	created, err := b.stateCount(ctx, c, dir)
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

// untilNextMinute is how long from now until the next whole minute of the clock.
func untilNextMinute(now time.Time) time.Duration {
	return now.Truncate(time.Minute).Add(time.Minute).Sub(now)
}

// stateCount is the number of resource instances in dir's state.
func (b *bencher) stateCount(ctx context.Context, c cli, dir string) (int, error) {
	res, err := b.runCLI(ctx, c, dir, tfcli.Env(c.config), "state", "list")
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

func aggregateScenario(cliVersion, subject string, n int, samples []scenarioSample) ScenarioResult {
	out := ScenarioResult{CLI: cliVersion, Subject: subject, N: n, ExitCodes: map[string][]int{}}
	for _, phase := range Phases {
		var wall, cpu []time.Duration
		var rss, req, allocs, allocBytes, gcs, heap []int64
		var gcShare, load []float64
		for _, s := range samples {
			p := s.Phases[phase]
			wall = append(wall, p.Wall)
			cpu = append(cpu, p.Usage.CPU)
			rss = append(rss, p.Usage.PeakRSS)
			req = append(req, p.Requests)
			allocs = append(allocs, int64(p.Runtime.AllocObjects))
			allocBytes = append(allocBytes, int64(p.Runtime.AllocBytes))
			gcs = append(gcs, int64(p.Runtime.GCCycles))
			heap = append(heap, int64(p.Runtime.LiveHeapAfterGC))
			if p.Runtime.CPUSeconds > 0 {
				gcShare = append(gcShare, p.Runtime.GCCPUSeconds/p.Runtime.CPUSeconds)
			}
			load = append(load, p.Load1)
			out.ExitCodes[phase] = append(out.ExitCodes[phase], p.ExitCode)
		}
		out.Phases = append(out.Phases, PhaseResult{
			Phase:           phase,
			Wall:            MedianDuration(wall),
			CPU:             MedianDuration(cpu),
			PeakRSS:         MedianInt(rss),
			Requests:        MedianInt(req),
			AllocObjects:    MedianInt(allocs),
			AllocBytes:      MedianInt(allocBytes),
			GCCycles:        MedianInt(gcs),
			GCShare:         Median(gcShare),
			LiveHeapAfterGC: MedianInt(heap),
			Load1:           Median(load),
		})
	}
	if len(samples) > 0 {
		out.RefreshRoutes = samples[len(samples)-1].Phases["refresh"].Routes
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

// load1 is the current 1-minute load average, or 0 when unknown.
func load1() float64 {
	f := strings.Fields(LoadAverage())
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
