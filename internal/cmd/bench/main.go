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
	"encoding/json"
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
	clis := flag.String("cli", "", "comma-separated terraform/tofu binaries to measure (default: OpenTofu and Terraform, as the acceptance tests find them)")
	providerEnv := flag.String("provider-env", "", "space-separated NAME=value pairs added to every provider process's environment (e.g. GOGC=200)")
	noMixpeek := flag.Bool("no-mixpeek", false, "skip the apikey_mixpeek_key scenario")
	subjects := flag.String("subjects", "", "comma-separated subjects to keep (terraform_data, minimal, apikey_unkey_key, apikey_unkey_key[<variant>], apikey_mixpeek_key): a focused run")
	jsonOut := flag.String("json", "", "also write the measurements as JSON to this file")
	render := flag.String("render", "", "measure nothing: render the report from a file written by -json")
	var variants []bench.Variant
	flag.Func("variant", "name:disabled:ENV=v,ENV=v — also measure a build with process choices left out (quietlogs, wrap, memlimit, fastplan, createplan, fastupgrade, fastread, fastvalidate, fastcreate, fastdestroy) and variables added; repeatable", func(s string) error {
		v, err := parseVariant(s)
		if err == nil {
			variants = append(variants, v)
		}
		return err
	})
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
		ProviderEnv:    strings.Fields(*providerEnv),
		NoMixpeek:      *noMixpeek,
		Variants:       variants,
	}
	if *clis != "" {
		opts.CLIs = strings.Split(*clis, ",")
	}
	if *subjects != "" {
		opts.Subjects = strings.Split(*subjects, ",")
	}
	if *quick {
		opts.Quick = true
		opts.Runs = 1
		opts.Sizes = []int{20}
		opts.RateN = 20
		opts.RatePerMinute = 60
		opts.Command = "go run ./internal/cmd/bench -quick"
	}
	if !*quick && (*runs != 3 || *sizes != "100,1000" || *rateN != 1000) {
		opts.Command = fmt.Sprintf("go run ./internal/cmd/bench -runs %d -sizes %s -rate-n %d", *runs, *sizes, *rateN)
	}
	if *noMixpeek {
		opts.Command += " -no-mixpeek"
	}
	for _, v := range variants {
		opts.Command += fmt.Sprintf(" -variant %q", v.Name+":"+v.Disable+":"+strings.Join(v.Env, ","))
	}
	if *providerEnv != "" {
		opts.Command += fmt.Sprintf(" -provider-env %q", *providerEnv)
	}

	start := time.Now()
	var rep *bench.Report
	var err error
	if *render != "" {
		rep = &bench.Report{}
		var data []byte
		if data, err = os.ReadFile(*render); err == nil {
			err = json.Unmarshal(data, rep)
		}
	} else {
		rep, err = bench.Run(ctx, opts)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "\nbench FAILED: %v\n", err)
		os.Exit(1)
	}
	if *jsonOut != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err == nil {
			err = os.WriteFile(*jsonOut, data, 0o600)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(1)
		}
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
	fmt.Fprintf(&b, "\nSummary%s, medians of %d run(s), load %s -> %s:\n", mode, rep.Runs, rep.Machine.LoadStart, rep.Machine.LoadEnd)
	for _, s := range rep.Scenarios {
		if s.Subject == bench.SubjectFloor {
			continue
		}
		for _, p := range s.Phases {
			if p.Phase == "init" {
				continue
			}
			fmt.Fprintf(&b, "  %-20s %-18s N=%-5d %-7s CPU %6.2f ms/key  %7.0f allocs/key  GC %3.0f%%  RSS %6.1f MB  heap after GC %5.1f MB  %5d requests  (load %.1f)\n",
				s.CLI, s.Subject, s.N, p.Phase, float64(p.PerKey(s.N))/float64(time.Millisecond), float64(p.AllocObjects)/float64(s.N),
				100*p.GCShare, float64(p.PeakRSS)/1e6, float64(p.LiveHeapAfterGC)/1e6, p.Requests, p.Load1)
		}
	}
	if rl := rep.RateLimited; rl.N > 0 {
		fmt.Fprintf(&b, "  rate-limited apply N=%d at %d/min: %.2f s (N/rate %.2f s, %.2f×; request bound %.2f s, %.2f×), %d requests, %d × 429, %d errors\n",
			rl.N, rl.RatePerMinute, rl.Wall.Seconds(), rl.Bound().Seconds(), rl.Ratio(), rl.RequestBound().Seconds(), rl.RequestRatio(), rl.Requests, rl.RateLimited, rl.Errors)
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

func parseVariant(s string) (bench.Variant, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || parts[0] == "" || strings.ContainsAny(parts[0], " /[]") {
		return bench.Variant{}, fmt.Errorf("want name:disabled:ENV=v,..., got %q", s)
	}
	v := bench.Variant{Name: parts[0], Disable: parts[1]}
	for _, kv := range strings.Split(parts[2], ",") {
		if kv == "" {
			continue
		}
		if !strings.Contains(kv, "=") {
			return bench.Variant{}, fmt.Errorf("variant %s: %q is not NAME=value", v.Name, kv)
		}
		v.Env = append(v.Env, kv)
	}
	return v, nil
}
