package bench

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Phases of a scenario, in the order they run.
var Phases = []string{"init", "apply", "settle", "refresh", "plan", "destroy"}

// Targets from the project, checked at N = TargetN (or the largest N
// measured when TargetN was not).
const (
	TargetN                = 1000 // the N the targets are stated for
	TargetRefreshPerKey    = 2 * time.Millisecond
	TargetRefreshVsMinimal = 2.5 // refresh CPU per key / the minimal provider's, same CLI and run
	TargetApplyPerKey      = 4 * time.Millisecond
	TargetDestroyPerKey    = 4 * time.Millisecond
	TargetFlatness         = 1.2              // largest / smallest CPU per key across N, plan and refresh
	TargetPeakRSSBytes     = 60 * 1000 * 1000 // provider peak RSS (60 MB)
	TargetMixpeekVsUnkey   = 1.2              // Mixpeek CPU per key / Unkey's, every phase
	TargetRateLimitedRatio = 1.05             // rate-limited apply wall time / N/rate
	mb                     = 1000.0 * 1000.0  // bytes per MB as reported
	targetRequestsDivisor  = 100              // refresh requests <= N/100 + targetRequestsSlack
	targetRequestsSlack    = 10               //
	requestsPerUnkeyCreate = 1                // createKey; the creation marker goes with the key's first refresh
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
	Phase           string
	Wall            time.Duration // CLI command wall time
	CPU             time.Duration // provider process user+system time (rusage)
	PeakRSS         int64         // provider process peak RSS, bytes
	Requests        int64         // HTTP requests the local server received
	AllocObjects    int64         // heap objects the provider allocated
	AllocBytes      int64
	GCCycles        int64
	GCShare         float64 // the Go runtime's estimate of the provider's CPU spent collecting, 0..1
	LiveHeapAfterGC int64   // provider heap still live after a collection at exit
	Load1           float64 // 1-minute load average when the phase started
}

// PerKey is CPU / n.
func (p PhaseResult) PerKey(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return p.CPU / time.Duration(n)
}

// ScenarioResult is every phase of one subject at one N on one CLI.
type ScenarioResult struct {
	CLI     string // CLI version line
	Subject string
	N       int
	Phases  []PhaseResult
	// ExitCodes are each phase's exit codes across runs (plan and refresh run
	// with -detailed-exitcode: 0 = no changes, the expected outcome).
	ExitCodes map[string][]int
	// RefreshRoutes counts the refresh requests by route, from the last run.
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

// Clean reports whether every run of phase exited 0.
func (s ScenarioResult) Clean(phase string) bool {
	for _, c := range s.ExitCodes[phase] {
		if c != 0 {
			return false
		}
	}
	return true
}

// CLIInfo is one CLI measured.
type CLIInfo struct {
	Version  string // first line of "<cli> version"
	Path     string
	OpenTofu bool
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

// NeededRequests is the least number of requests N creates take: each
// Unkey create is a createKey, plus, per API and process, one getApi and one
// listKeys page (the check for keys an interrupted run left; the API is empty).
func (r RateLimitedResult) NeededRequests() int {
	return requestsPerUnkeyCreate*r.N + 2
}

// RequestBound is NeededRequests at the rate.
func (r RateLimitedResult) RequestBound() time.Duration {
	if r.RatePerMinute <= 0 {
		return 0
	}
	return time.Duration(float64(r.NeededRequests()) / float64(r.RatePerMinute) * float64(time.Minute))
}

// RequestRatio is Wall / RequestBound.
func (r RateLimitedResult) RequestRatio() float64 {
	if b := r.RequestBound(); b > 0 {
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
	CLIs        []CLIInfo
	Subjects    []string
	Source      string // git state the provider was built from
	ProviderEnv []string
	Variants    []Variant
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

// Scenario returns the scenario of subject at n on cli.
func (r *Report) Scenario(cli, subject string, n int) (ScenarioResult, bool) {
	for _, s := range r.Scenarios {
		if s.CLI == cli && s.Subject == subject && s.N == n {
			return s, true
		}
	}
	return ScenarioResult{}, false
}

// Sizes are the N measured, ascending.
func (r *Report) Sizes() []int {
	var ns []int
	for _, s := range r.Scenarios {
		if !slices.Contains(ns, s.N) {
			ns = append(ns, s.N)
		}
	}
	slices.Sort(ns)
	return ns
}

// TargetSize is TargetN when measured, else the largest N.
func (r *Report) TargetSize() int {
	ns := r.Sizes()
	if len(ns) == 0 {
		return 0
	}
	if slices.Contains(ns, TargetN) {
		return TargetN
	}
	return ns[len(ns)-1]
}

// Targets evaluates the project's targets on every CLI at TargetSize.
func (r *Report) Targets() []Target {
	var out []Target
	n := r.TargetSize()
	for _, c := range r.CLIs {
		cv := c.Version
		u, ok := r.Scenario(cv, SubjectUnkey, n)
		if !ok {
			continue
		}
		m, hasMin := r.Scenario(cv, SubjectMinimal, n)
		perKey := func(s ScenarioResult, phase string) time.Duration {
			p, _ := s.Phase(phase)
			return p.PerKey(s.N)
		}
		ref := perKey(u, "refresh")
		out = append(out, Target{
			Name:     fmt.Sprintf("%s, N=%d: refresh, provider CPU per key", cv, n),
			Goal:     "≤ " + msPerKey(TargetRefreshPerKey),
			Measured: msPerKey(ref) + map[bool]string{true: "", false: "; plan was not empty"}[u.Clean("refresh")],
			Met:      ref > 0 && ref <= TargetRefreshPerKey && u.Clean("refresh"),
		})
		if hasMin {
			mref := perKey(m, "refresh")
			ratio := ratioOf(ref, mref)
			out = append(out, Target{
				Name:     fmt.Sprintf("%s, N=%d: refresh CPU per key vs the minimal provider", cv, n),
				Goal:     fmt.Sprintf("≤ %.1f×", TargetRefreshVsMinimal),
				Measured: fmt.Sprintf("%.2f× (%s vs %s)", ratio, msPerKey(ref), msPerKey(mref)),
				Met:      mref > 0 && ratio <= TargetRefreshVsMinimal,
			})
		}
		for _, t := range []struct {
			phase string
			goal  time.Duration
		}{{"apply", TargetApplyPerKey}, {"destroy", TargetDestroyPerKey}} {
			v := perKey(u, t.phase)
			out = append(out, Target{
				Name:     fmt.Sprintf("%s, N=%d: %s, provider CPU per key", cv, n, t.phase),
				Goal:     "≤ " + msPerKey(t.goal),
				Measured: msPerKey(v),
				Met:      v > 0 && v <= t.goal,
			})
		}
		if sizes := r.Sizes(); len(sizes) > 1 {
			for _, phase := range []string{"plan", "refresh"} {
				var lo, hi time.Duration
				var parts []string
				for _, sn := range sizes {
					s, ok := r.Scenario(cv, SubjectUnkey, sn)
					if !ok {
						continue
					}
					v := perKey(s, phase)
					parts = append(parts, fmt.Sprintf("N=%d %s", sn, msPerKey(v)))
					if lo == 0 || v < lo {
						lo = v
					}
					hi = max(hi, v)
				}
				ratio := ratioOf(hi, lo)
				out = append(out, Target{
					Name:     fmt.Sprintf("%s: %s CPU per key flat in N", cv, phase),
					Goal:     fmt.Sprintf("largest/smallest ≤ %.1f×", TargetFlatness),
					Measured: fmt.Sprintf("%.2f× (%s)", ratio, strings.Join(parts, ", ")),
					Met:      lo > 0 && ratio <= TargetFlatness,
				})
			}
		}
		var peak int64
		var peakPhase string
		for _, p := range u.Phases {
			if p.PeakRSS > peak {
				peak, peakPhase = p.PeakRSS, p.Phase
			}
		}
		out = append(out, Target{
			Name:     fmt.Sprintf("%s, N=%d: provider peak RSS (largest phase median)", cv, n),
			Goal:     fmt.Sprintf("≤ %d MB", TargetPeakRSSBytes/int64(mb)),
			Measured: fmt.Sprintf("%.1f MB (%s)", float64(peak)/mb, peakPhase),
			Met:      peak > 0 && peak <= TargetPeakRSSBytes,
		})
		if p, ok := u.Phase("refresh"); ok {
			limit := int64(n/targetRequestsDivisor + targetRequestsSlack)
			out = append(out, Target{
				Name:     fmt.Sprintf("%s, N=%d: refresh API requests", cv, n),
				Goal:     fmt.Sprintf("≤ N/100+10 = %d", limit),
				Measured: fmt.Sprintf("%d", p.Requests),
				Met:      p.Requests <= limit,
			})
		}
		if mp, ok := r.Scenario(cv, SubjectMixpeek, n); ok {
			worst, worstPhase := 0.0, ""
			var parts []string
			for _, phase := range []string{"apply", "refresh", "plan", "destroy"} {
				ratio := ratioOf(perKey(mp, phase), perKey(u, phase))
				parts = append(parts, fmt.Sprintf("%s %.2f×", phase, ratio))
				if ratio > worst {
					worst, worstPhase = ratio, phase
				}
			}
			out = append(out, Target{
				Name:     fmt.Sprintf("%s, N=%d: apikey_mixpeek_key CPU per key vs apikey_unkey_key", cv, n),
				Goal:     fmt.Sprintf("≤ %.1f× in every phase", TargetMixpeekVsUnkey),
				Measured: fmt.Sprintf("worst %s %.2f× (%s)", worstPhase, worst, strings.Join(parts, ", ")),
				Met:      worst > 0 && worst <= TargetMixpeekVsUnkey,
			})
		}
	}
	if rl := r.RateLimited; rl.N > 0 {
		out = append(out, Target{
			Name:     fmt.Sprintf("Rate-limited apply of %d keys at %d/min: wall time vs N/rate, errors", rl.N, rl.RatePerMinute),
			Goal:     fmt.Sprintf("≤ %.2f× and 0 errors", TargetRateLimitedRatio),
			Measured: fmt.Sprintf("%.2f× (%s vs %s; %.2f× the bound of the %d requests the creates need), %d errors, %d/%d created", rl.Ratio(), secs(rl.Wall), secs(rl.Bound()), rl.RequestRatio(), rl.NeededRequests(), rl.Errors, rl.Created, rl.N),
			Met:      rl.Ratio() <= TargetRateLimitedRatio && rl.Errors == 0 && rl.Failed == 0 && rl.Created == rl.N,
		})
	}
	return out
}

func ratioOf(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func msPerKey(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
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
		w("> **Quick mode** (`-quick`): N=%s, %d run. These numbers are a smoke test of the harness, not\n", joinInts(r.Sizes()), r.Runs)
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
	for _, c := range r.CLIs {
		w("| CLI | %s |\n", mdEscape(c.Version))
	}
	if len(r.ProviderEnv) > 0 {
		w("| Provider environment added | `%s` |\n", mdEscape(strings.Join(r.ProviderEnv, " ")))
	}
	w("| Runs | %d (medians reported) |\n\n", r.Runs)

	w("## Targets\n\n")
	w("| target | goal | measured | status |\n|---|---|---|---|\n")
	for _, t := range r.Targets() {
		w("| %s | %s | %s | %s |\n", mdEscape(t.Name), t.Goal, mdEscape(t.Measured), metText(t.Met))
	}
	w("\n")

	w("## Plan/apply scenarios\n\n")
	w("Each phase is one CLI command in a fresh working directory per CLI, subject and N. The subjects\n")
	w("run interleaved (for every run and N: each CLI, and on it `terraform_data`, then the minimal\n")
	w("provider, then this provider), so their ratios come from the same conditions:\n\n")
	w("- `floor`: N `terraform_data` resources, the CLI alone (its wall time only).\n")
	w("- `minimal`: N resources of a framework provider with one resource of one attribute and no-op CRUD\n")
	w("  (`internal/bench/minimal`), served by the same process setup as this provider (`internal/server`):\n")
	w("  the plugin floor.\n")
	w("- `unkey`: N `apikey_unkey_key` (name, api_id, two permissions, one rate limit) against a fresh\n")
	w("  local server; `mixpeek`: N `apikey_mixpeek_key` (user_email, name).\n\n")
	w("Every provider runs as its own process in debug mode (`-debug`, attached through\n")
	w("`TF_REATTACH_PROVIDERS`), a fresh one per phase, so its CPU time (user+system, from the kernel)\n")
	w("and peak RSS are that phase's alone. Peak RSS is the process's own high-water mark (`VmHWM`, read\n")
	w("at exit): on Linux the kernel's rusage figure for a child starts from the harness's resident set\n")
	w("at the fork, which holds the local server. Allocations, collections, the collector's share of CPU\n")
	w("(the Go runtime's estimate) and the heap still live after a collection at exit are the provider's\n")
	w("own counters, written on exit. `settle` is the first `plan` after the apply: each new key's first\n")
	w("refresh, which removes its creation marker (an Unkey updateKey and getKey, a Mixpeek PATCH, per key).\n")
	w("`refresh` is the next `plan`, of unchanged resources (ReadResource and\n")
	w("PlanResourceChange for each); `plan` is `plan -refresh=false`. Requests are those the local server\n")
	w("received. Per-key figures divide by N, so they include the process's fixed start-up cost. Load is\n")
	w("the 1-minute load average when the phase started (median over runs).\n\n")
	for _, c := range r.CLIs {
		w("### %s\n\n", mdEscape(c.Version))
		for _, n := range r.Sizes() {
			u, ok := r.Scenario(c.Version, SubjectUnkey, n)
			if !ok {
				continue
			}
			f, _ := r.Scenario(c.Version, SubjectFloor, n)
			m, _ := r.Scenario(c.Version, SubjectMinimal, n)
			w("#### N = %d\n\n", n)
			w("| phase | floor wall | minimal CPU/key | unkey CPU/key | unkey/minimal | minimal allocs/key | unkey allocs/key | unkey GC share | unkey GCs | minimal peak RSS | unkey peak RSS | unkey heap after GC | requests | unkey wall | load |\n")
			w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
			for _, p := range u.Phases {
				fp, _ := f.Phase(p.Phase)
				mp, _ := m.Phase(p.Phase)
				ratio := "–"
				if mp.CPU > 0 {
					ratio = fmt.Sprintf("%.2f×", ratioOf(p.PerKey(n), mp.PerKey(n)))
				}
				w("| %s | %s | %s | %s | %s | %.0f | %.0f | %.0f%% | %d | %.1f MB | %.1f MB | %.1f MB | %d | %s | %.1f |\n",
					p.Phase, secs(fp.Wall), msPerKey(mp.PerKey(n)), msPerKey(p.PerKey(n)), ratio,
					float64(mp.AllocObjects)/float64(n), float64(p.AllocObjects)/float64(n), 100*p.GCShare, p.GCCycles,
					float64(mp.PeakRSS)/mb, float64(p.PeakRSS)/mb, float64(p.LiveHeapAfterGC)/mb, p.Requests, secs(p.Wall), p.Load1)
			}
			w("\nExit codes of `refresh`: %s; of `plan`: %s (0 = no changes).\n", joinInts(u.ExitCodes["refresh"]), joinInts(u.ExitCodes["plan"]))
			if len(u.RefreshRoutes) > 0 {
				w("Refresh requests by route (last run): %s.\n", routes(u.RefreshRoutes))
			}
			w("\n")
			if mx, ok := r.Scenario(c.Version, SubjectMixpeek, n); ok {
				w("`apikey_mixpeek_key`, same N:\n\n")
				w("| phase | mixpeek CPU/key | mixpeek/unkey | allocs/key | GC share | peak RSS | heap after GC | requests | wall | load |\n")
				w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
				for _, p := range mx.Phases {
					up, _ := u.Phase(p.Phase)
					ratio := "–"
					if up.CPU > 0 {
						ratio = fmt.Sprintf("%.2f×", ratioOf(p.PerKey(n), up.PerKey(n)))
					}
					w("| %s | %s | %s | %.0f | %.0f%% | %.1f MB | %.1f MB | %d | %s | %.1f |\n", p.Phase, msPerKey(p.PerKey(n)), ratio,
						float64(p.AllocObjects)/float64(n), 100*p.GCShare, float64(p.PeakRSS)/mb, float64(p.LiveHeapAfterGC)/mb, p.Requests, secs(p.Wall), p.Load1)
				}
				w("\nExit codes of `refresh`: %s; of `plan`: %s.\n\n", joinInts(mx.ExitCodes["refresh"]), joinInts(mx.ExitCodes["plan"]))
			}
			r.variantTable(w, c.Version, u)
		}
	}

	if rl := r.RateLimited; rl.N > 0 {
		w("## Rate-limited apply\n\n")
		w("A separate local server limits authenticated requests to %d per minute (429 with `Retry-After`\n", rl.RatePerMinute)
		w("above it). `apply` creates N = %d keys with the first CLI. The target's bound is N/rate = %s; but\n", rl.N, secs(rl.Bound()))
		w("every Unkey create is one request (createKey) plus, per API and process, one getApi and one page\n")
		w("of apis.listKeys (the check for keys an interrupted run left), so the least the creates can take\n")
		w("is %d requests / rate = %s, %.2f× N/rate. The creation marker each key carries costs one\n", rl.NeededRequests(), secs(rl.RequestBound()), ratioOf(rl.RequestBound(), rl.Bound()))
		w("updateKey per key at its first refresh, outside this apply. The server's windows are fixed and aligned to the clock minute, so a\n")
		w("client that bursts can finish below a bound. Wall, requests and 429s are medians across runs;\n")
		w("errors (error diagnostics printed by the CLI), failed runs and created keys are the worst run.\n\n")
		w("| N | rate | wall | N/rate | wall/(N/rate) | request bound | wall/request bound | requests | 429s | errors | failed runs | created | provider CPU | provider peak RSS |\n")
		w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		w("| %d | %d/min | %s | %s | %.2f× | %s | %.2f× | %d | %d | %d | %d | %d | %s | %.1f MB |\n\n",
			rl.N, rl.RatePerMinute, secs(rl.Wall), secs(rl.Bound()), rl.Ratio(), secs(rl.RequestBound()), rl.RequestRatio(), rl.Requests, rl.RateLimited, rl.Errors, rl.Failed, rl.Created, secs(rl.CPU), float64(rl.PeakRSS)/mb)
		if rl.NeededRequests() <= rl.RatePerMinute {
			w("Here the requests fit in one window of the limit, so this run does not exercise rate limiting\n")
			w("and its ratio says nothing about the target.\n\n")
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

	if len(r.Variants) > 0 {
		w("## Variants\n\n")
		w("| variant | choices left out (`main.disabled`) | environment added |\n|---|---|---|\n")
		for _, v := range r.Variants {
			w("| %s | %s | `%s` |\n", mdEscape(v.Name), mdEscape(v.Disable), mdEscape(strings.Join(v.Env, " ")))
		}
		w("\n")
	}

	w("%s\n", findings)

	if len(r.Notes) > 0 {
		w("## Notes\n\n")
		for _, n := range r.Notes {
			w("- %s\n", n)
		}
		w("\n")
	}
	return b.String()
}

// variantTable compares the variants with the provider as built, phase by
// phase, at u's N.
func (r *Report) variantTable(w func(string, ...any), cliVersion string, u ScenarioResult) {
	if len(r.Variants) == 0 {
		return
	}
	w("Variants of `apikey_unkey_key`, same N (see Variants below):\n\n")
	w("| variant | phase | CPU/key | vs as built | allocs/key | GC share | GCs | peak RSS | heap after GC | load |\n")
	w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	row := func(name string, s ScenarioResult) {
		for _, p := range s.Phases {
			if p.Phase == "init" {
				continue
			}
			up, _ := u.Phase(p.Phase)
			w("| %s | %s | %s | %.2f× | %.0f | %.0f%% | %d | %.1f MB | %.1f MB | %.1f |\n", name, p.Phase, msPerKey(p.PerKey(s.N)),
				ratioOf(p.PerKey(s.N), up.PerKey(u.N)), float64(p.AllocObjects)/float64(s.N), 100*p.GCShare, p.GCCycles,
				float64(p.PeakRSS)/mb, float64(p.LiveHeapAfterGC)/mb, p.Load1)
		}
	}
	row("as built", u)
	for _, v := range r.Variants {
		if s, ok := r.Scenario(cliVersion, VariantSubject(v.Name), u.N); ok {
			row(mdEscape(v.Name), s)
		}
	}
	w("\n")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

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
