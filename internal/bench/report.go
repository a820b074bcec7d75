package bench

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Phases of a scenario, in the order they run.
var Phases = []string{"init", "apply", "plan", "destroy"}

// Targets from the project, checked against the largest N measured.
const (
	TargetRefreshRatio     = 1.8              // refresh wall time / terraform_data floor
	TargetRateLimitedRatio = 1.15             // rate-limited apply wall time / N/rate bound
	TargetPeakRSSBytes     = 80 * 1000 * 1000 // provider peak RSS at N=1000 (80 MB)
	TargetN                = 1000             // the N the targets are stated for
	mb                     = 1000.0 * 1000.0  // bytes per MB as reported
	targetRequestsDivisor  = 100              // refresh requests <= N/100 + targetRequestsSlack
	targetRequestsSlack    = 10               //
)

// Machine describes where the numbers were taken.
type Machine struct {
	CPU    string
	Cores  int
	Go     string
	OS     string
	Kernel string
	// LoadStart and LoadEnd are the 1/5/15-minute load averages when the
	// measurements started and ended.
	LoadStart, LoadEnd string
}

// PhaseResult is one phase of one scenario: medians across runs.
type PhaseResult struct {
	Phase     string
	Wall      time.Duration // apikey_unkey_key scenario, CLI command wall time
	FloorWall time.Duration // terraform_data scenario, same phase
	CPU       time.Duration // provider process user+system time
	PeakRSS   int64         // provider process peak RSS, bytes
	Requests  int64         // HTTP requests the local server received
}

// Ratio is Wall / FloorWall, or 0 without a floor.
func (p PhaseResult) Ratio() float64 {
	if p.FloorWall <= 0 {
		return 0
	}
	return p.Wall.Seconds() / p.FloorWall.Seconds()
}

// ScenarioResult is every phase at one N.
type ScenarioResult struct {
	N      int
	Phases []PhaseResult
	// PlanExitCodes are the "plan -detailed-exitcode" exit codes of every run
	// (0 = no changes, the expected outcome).
	PlanExitCodes []int
	// RefreshRoutes counts the refresh (plan) requests by route, from the last run.
	RefreshRoutes map[string]int64
}

// Phase returns the named phase, if measured.
func (s ScenarioResult) Phase(name string) (PhaseResult, bool) {
	for _, p := range s.Phases {
		if p.Phase == name {
			return p, true
		}
	}
	return PhaseResult{}, false
}

// RateLimitedResult is the apply against a rate-limited server: medians
// across runs, except Errors, Failed and Created, which are the worst run.
type RateLimitedResult struct {
	N             int
	RatePerMinute int
	Wall          time.Duration
	Requests      int64
	RateLimited   int64 // 429 responses
	Errors        int   // error diagnostics printed by the CLI
	Created       int   // resources in the state afterwards
	Failed        int   // runs whose apply exited non-zero
	CPU           time.Duration
	PeakRSS       int64
}

// Bound is the least time N creates can take at the rate: N/rate minutes.
func (r RateLimitedResult) Bound() time.Duration {
	if r.RatePerMinute <= 0 {
		return 0
	}
	return time.Duration(float64(r.N) / float64(r.RatePerMinute) * float64(time.Minute))
}

// Ratio is Wall / Bound.
func (r RateLimitedResult) Ratio() float64 {
	if b := r.Bound(); b > 0 {
		return r.Wall.Seconds() / b.Seconds()
	}
	return 0
}

// VerifyResult is the local server's keys.verifyKey throughput.
type VerifyResult struct {
	Workers   int
	Duration  time.Duration
	Requests  int64
	Errors    int64
	PerSecond float64
	P50, P99  time.Duration
}

// Report is everything BENCHMARKS.md shows.
type Report struct {
	Quick       bool
	Runs        int
	Command     string
	Date        time.Time
	Machine     Machine
	CLI         string // first line of "<cli> version"
	CLIPath     string
	Source      string // git state the provider was built from
	Scenarios   []ScenarioResult
	RateLimited RateLimitedResult
	Verify      VerifyResult
	Notes       []string
}

// Target is one of the project's goals with the measured value.
type Target struct {
	Name     string
	Goal     string
	Measured string
	Met      bool
}

// Largest returns the scenario with the largest N.
func (r *Report) Largest() (ScenarioResult, bool) {
	if len(r.Scenarios) == 0 {
		return ScenarioResult{}, false
	}
	best := r.Scenarios[0]
	for _, s := range r.Scenarios[1:] {
		if s.N > best.N {
			best = s
		}
	}
	return best, true
}

// Targets evaluates the project's targets against the largest N measured.
func (r *Report) Targets() []Target {
	var out []Target
	if s, ok := r.Largest(); ok {
		if p, ok := s.Phase("plan"); ok {
			clean := true
			for _, c := range s.PlanExitCodes {
				clean = clean && c == 0
			}
			out = append(out, Target{
				Name:     fmt.Sprintf("Refresh of %d unchanged keys: wall time vs terraform_data floor", s.N),
				Goal:     fmt.Sprintf("≤ %.1f×", TargetRefreshRatio),
				Measured: fmt.Sprintf("%.2f× (%s vs %s)%s", p.Ratio(), secs(p.Wall), secs(p.FloorWall), map[bool]string{true: "", false: "; plan was not empty"}[clean]),
				Met:      p.FloorWall > 0 && p.Ratio() <= TargetRefreshRatio && clean,
			})
			limit := int64(s.N/targetRequestsDivisor + targetRequestsSlack)
			out = append(out, Target{
				Name:     fmt.Sprintf("Refresh of %d unchanged keys: API requests", s.N),
				Goal:     fmt.Sprintf("≤ N/100+10 = %d", limit),
				Measured: fmt.Sprintf("%d", p.Requests),
				Met:      p.Requests <= limit,
			})
		}
		var peak int64
		for _, p := range s.Phases {
			peak = max(peak, p.PeakRSS)
		}
		out = append(out, Target{
			Name:     fmt.Sprintf("Provider peak RSS at N=%d (largest phase median)", s.N),
			Goal:     fmt.Sprintf("≤ %d MB", TargetPeakRSSBytes/int64(mb)),
			Measured: fmt.Sprintf("%.1f MB", float64(peak)/mb),
			Met:      peak > 0 && peak <= TargetPeakRSSBytes,
		})
	}
	if rl := r.RateLimited; rl.N > 0 {
		out = append(out, Target{
			Name:     fmt.Sprintf("Rate-limited apply of %d keys at %d/min: wall time vs bound, errors", rl.N, rl.RatePerMinute),
			Goal:     fmt.Sprintf("≤ %.2f× and 0 errors", TargetRateLimitedRatio),
			Measured: fmt.Sprintf("%.2f× (%s vs %s), %d errors, %d/%d created", rl.Ratio(), secs(rl.Wall), secs(rl.Bound()), rl.Errors, rl.Created, rl.N),
			Met:      rl.Ratio() <= TargetRateLimitedRatio && rl.Errors == 0 && rl.Failed == 0 && rl.Created == rl.N,
		})
	}
	return out
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func metText(m bool) string {
	if m {
		return "**met**"
	}
	return "**not met**"
}

// Markdown renders the report as BENCHMARKS.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Benchmarks\n\n")
	w("<!-- Generated by %s; do not edit by hand. -->\n\n", "internal/cmd/bench")
	if r.Quick {
		w("> **Quick mode** (`-quick`): N=%s, %d run. These numbers are a smoke test of the harness, not\n", joinSizes(r.Scenarios), r.Runs)
		w("> the project's measurements; the targets below are evaluated at the small N measured here,\n")
		w("> not at N=%d. Run `make bench` for the real numbers.\n\n", TargetN)
	}
	w("Reproduce with:\n\n```sh\n%s\n```\n\n", r.Command)

	w("## Environment\n\n")
	w("| | |\n|---|---|\n")
	w("| Date | %s |\n", r.Date.UTC().Format("2006-01-02 15:04 MST"))
	w("| CPU | %s |\n", mdEscape(r.Machine.CPU))
	w("| Cores | %d |\n", r.Machine.Cores)
	w("| OS | %s |\n", mdEscape(r.Machine.OS))
	if r.Machine.Kernel != "" {
		w("| Kernel | %s |\n", mdEscape(r.Machine.Kernel))
	}
	w("| Go | %s |\n", r.Machine.Go)
	if r.Machine.LoadStart != "" || r.Machine.LoadEnd != "" {
		w("| Load average (1/5/15 min), start → end | %s → %s |\n", r.Machine.LoadStart, r.Machine.LoadEnd)
	}
	if r.Source != "" {
		w("| Provider built from | %s |\n", mdEscape(r.Source))
	}
	w("| CLI | %s |\n", mdEscape(r.CLI))
	w("| Runs | %d (medians reported) |\n\n", r.Runs)

	w("## Targets\n\n")
	w("| target | goal | measured | status |\n|---|---|---|---|\n")
	for _, t := range r.Targets() {
		w("| %s | %s | %s | %s |\n", mdEscape(t.Name), t.Goal, mdEscape(t.Measured), metText(t.Met))
	}
	w("\n")

	w("## Plan/apply scenarios\n\n")
	w("Each phase is one CLI command in a fresh working directory per N, against a fresh local server.\n")
	w("`apikey` is N `apikey_unkey_key` resources (Unkey backend); `floor` is the same phases with N\n")
	w("`terraform_data` resources, which measures the CLI's own cost. The provider runs as its own\n")
	w("process in debug mode (`-debug`, attached through `TF_REATTACH_PROVIDERS`), a fresh one per\n")
	w("phase, so its CPU time and peak RSS are that phase's alone. Requests are those the local\n")
	w("server received during the phase. All values are medians across runs.\n\n")
	for _, s := range r.Scenarios {
		w("### N = %d\n\n", s.N)
		w("| phase | apikey wall | floor wall | ratio | provider CPU | provider peak RSS | API requests |\n")
		w("|---|---:|---:|---:|---:|---:|---:|\n")
		for _, p := range s.Phases {
			ratio := "–"
			if p.FloorWall > 0 {
				ratio = fmt.Sprintf("%.2f×", p.Ratio())
			}
			w("| %s | %s | %s | %s | %s | %.1f MB | %d |\n", p.Phase, secs(p.Wall), secs(p.FloorWall), ratio, secs(p.CPU), float64(p.PeakRSS)/mb, p.Requests)
		}
		w("\n`plan -detailed-exitcode` exit codes: %s (0 = no changes).\n", joinInts(s.PlanExitCodes))
		if len(s.RefreshRoutes) > 0 {
			w("Refresh requests by route (last run): %s.\n", routes(s.RefreshRoutes))
		}
		w("\n")
	}

	if rl := r.RateLimited; rl.N > 0 {
		w("## Rate-limited apply\n\n")
		w("A separate local server limits authenticated requests to %d per minute (429 with `Retry-After`\n", rl.RatePerMinute)
		w("above it). `apply` creates N = %d keys; the bound is N/rate = %s, the time N requests take at\n", rl.N, secs(rl.Bound()))
		w("the limit's average rate. The server's windows are fixed and aligned to the clock minute, so a\n")
		w("client that bursts can finish below the bound (up to the limit in each window, and the first\n")
		w("window may be partly over when the apply starts); wall/bound therefore also depends on where in\n")
		w("the minute the apply started. The target is a ceiling. Wall, requests and 429s are medians\n")
		w("across runs; errors (error diagnostics printed by the CLI), failed runs and created keys are\n")
		w("the worst run.\n\n")
		w("| N | rate | wall | bound | wall/bound | requests | 429s | errors | failed runs | created | provider CPU | provider peak RSS |\n")
		w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		w("| %d | %d/min | %s | %s | %.2f× | %d | %d | %d | %d | %d | %s | %.1f MB |\n\n",
			rl.N, rl.RatePerMinute, secs(rl.Wall), secs(rl.Bound()), rl.Ratio(), rl.Requests, rl.RateLimited, rl.Errors, rl.Failed, rl.Created, secs(rl.CPU), float64(rl.PeakRSS)/mb)
		if rl.N <= rl.RatePerMinute {
			w("Here N ≤ the per-minute limit, so the limiter can let every request through in one window: this\n")
			w("run does not exercise rate limiting and its ratio says nothing about the target.\n\n")
		}
	}

	if v := r.Verify; v.Workers > 0 {
		w("## Local server: keys.verifyKey\n\n")
		w("One key, %d goroutines calling keys.verifyKey back to back for %s over keep-alive\n", v.Workers, v.Duration.Round(time.Second))
		w("connections, in the same process as the server (so they share its CPUs). Medians across runs;\n")
		w("errors (non-200 responses or failed requests) are the worst run.\n\n")
		w("| goroutines | requests/s | p50 | p99 | errors |\n|---:|---:|---:|---:|---:|\n")
		w("| %d | %.0f | %s | %s | %d |\n\n", v.Workers, v.PerSecond, ms(v.P50), ms(v.P99), v.Errors)
	}

	if len(r.Notes) > 0 {
		w("## Notes\n\n")
		for _, n := range r.Notes {
			w("- %s\n", n)
		}
		w("\n")
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func joinSizes(ss []ScenarioResult) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmt.Sprint(s.N)
	}
	return strings.Join(parts, ", ")
}

func joinInts(xs []int) string {
	if len(xs) == 0 {
		return "none"
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}

func routes(m map[string]int64) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("`%s` %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
