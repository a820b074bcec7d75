// Command bench measures the provider end to end and writes BENCHMARKS.md:
//
//   - N apikey_unkey_key resources (N = 100 and 1000) through init, apply, a
//     refresh-only-changes plan and destroy, with the provider in its own
//     debug-mode process so its CPU time and peak RSS can be read, and the
//     local server's request counts; beside them the same phases with N
//     terraform_data resources, the CLI's own floor;
//   - an apply of 1000 keys against a server limited to 600 requests a
//     minute, against the bound N/rate;
//   - the local server's keys.verifyKey throughput and latency.
//
// Run it with "make bench"; -quick is a smoke test (N=20, one run).
// Tokens and key plaintexts are never printed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/bench"
	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

func main() {
	quick := flag.Bool("quick", false, "smoke test: N=20, one run, a 20-key rate-limited apply at 60/min")
	runs := flag.Int("runs", 3, "repetitions of every scenario; medians are reported (-quick sets 1)")
	out := flag.String("o", "", "where to write the report (default BENCHMARKS.md at the module root; - for none)")
	verifyFor := flag.Duration("verify-duration", 5*time.Second, "how long the keys.verifyKey load runs")
	sizes := flag.String("sizes", "100,1000", "comma-separated N for the plan/apply scenarios (a focused run; the report then covers only these)")
	rateN := flag.Int("rate-n", 1000, "keys in the rate-limited apply; 0 skips it")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	opts := bench.Options{
		Runs:           *runs,
		Sizes:          parseSizes(*sizes),
		RateN:          *rateN,
		RatePerMinute:  600,
		VerifyWorkers:  16,
		VerifyDuration: *verifyFor,
		Command:        "make bench",
		Log:            os.Stderr,
	}
	if *quick {
		opts.Quick = true
		opts.Runs = 1
		opts.Sizes = []int{20}
		opts.RateN = 20
		opts.RatePerMinute = 60
		opts.Command = "go run ./internal/cmd/bench -quick"
	} else if *runs != 3 || *sizes != "100,1000" || *rateN != 1000 {
		opts.Command = fmt.Sprintf("go run ./internal/cmd/bench -runs %d -sizes %s -rate-n %d", *runs, *sizes, *rateN)
	}

	start := time.Now()
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "\nbench FAILED: %v\n", err)
		os.Exit(1)
	}
	md := rep.Markdown()

	path := *out
	if path == "" {
		root, err := tfcli.ModuleRoot(ctx)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(1)
		}
		path = filepath.Join(root, "BENCHMARKS.md")
	}
	if path != "-" {
		if err := os.WriteFile(path, []byte(md), 0o644); err != nil { //nolint:gosec // a document meant to be committed
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(1)
		}
	}

	fmt.Println(summary(rep))
	if path != "-" {
		fmt.Printf("\nWrote %s in %s.\n", path, time.Since(start).Round(time.Second))
	}
}

// summary is the targets and the headline numbers, for the terminal.
func summary(rep *bench.Report) string {
	var b strings.Builder
	mode := ""
	if rep.Quick {
		mode = " (QUICK MODE: small N, not the project's measurements)"
	}
	fmt.Fprintf(&b, "\nSummary%s, medians of %d run(s), %s:\n", mode, rep.Runs, rep.CLI)
	for _, s := range rep.Scenarios {
		for _, p := range s.Phases {
			fmt.Fprintf(&b, "  N=%-5d %-7s %7.2f s (floor %6.2f s, %5.2f×)  CPU %6.2f s  RSS %6.1f MB  %5d requests\n",
				s.N, p.Phase, p.Wall.Seconds(), p.FloorWall.Seconds(), p.Ratio(), p.CPU.Seconds(), float64(p.PeakRSS)/1e6, p.Requests)
		}
	}
	if rl := rep.RateLimited; rl.N > 0 {
		fmt.Fprintf(&b, "  rate-limited apply N=%d at %d/min: %.2f s (bound %.2f s, %.2f×), %d requests, %d × 429, %d errors\n",
			rl.N, rl.RatePerMinute, rl.Wall.Seconds(), rl.Bound().Seconds(), rl.Ratio(), rl.Requests, rl.RateLimited, rl.Errors)
	}
	if v := rep.Verify; v.Workers > 0 {
		fmt.Fprintf(&b, "  verifyKey: %.0f requests/s, p50 %.2f ms, p99 %.2f ms (%d goroutines)\n",
			v.PerSecond, float64(v.P50)/1e6, float64(v.P99)/1e6, v.Workers)
	}
	b.WriteString("Targets:\n")
	for _, t := range rep.Targets() {
		status := "met"
		if !t.Met {
			status = "NOT MET"
		}
		fmt.Fprintf(&b, "  [%s] %s: goal %s, measured %s\n", status, t.Name, t.Goal, t.Measured)
	}
	return b.String()
}

func parseSizes(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bench: invalid -sizes entry %q\n", f)
			os.Exit(2)
		}
		out = append(out, n)
	}
	return out
}
