package bench

import (
	"bufio"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// providerOutput is what a debug-mode provider prints on Unix
// (terraform-plugin-go's managed debug mode).
const providerOutput = `Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:

	TF_REATTACH_PROVIDERS='{"registry.terraform.io/apikey-provider/apikey":{"Protocol":"grpc","ProtocolVersion":6,"Pid":4242,"Test":true,"Addr":{"Network":"unix","String":"/tmp/plugin123"}}}'

`

func TestReadReattach(t *testing.T) {
	r, err := ReadReattach(bufio.NewReader(strings.NewReader(providerOutput)))
	if err != nil {
		t.Fatal(err)
	}
	c, ok := r[TerraformAddress]
	if !ok || len(r) != 1 {
		t.Fatalf("got %v, want one entry for %s", r, TerraformAddress)
	}
	if c.Protocol != "grpc" || c.ProtocolVersion != 6 || c.Pid != 4242 || !c.Test || c.Addr.Network != "unix" || c.Addr.String != "/tmp/plugin123" {
		t.Errorf("unexpected config %+v", c)
	}
}

func TestParseReattachLine(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		ok      bool
		wantErr bool
		addr    string
	}{
		{name: "unrelated", line: "Provider started.", ok: false},
		{name: "blank", line: "", ok: false},
		{
			name: "shell quoted with an escaped quote",
			line: `	TF_REATTACH_PROVIDERS='{"a/b/c":{"Protocol":"grpc","ProtocolVersion":6,"Pid":1,"Test":true,"Addr":{"Network":"unix","String":"/tmp/it'"'"'s"}}}'`,
			ok:   true, addr: "/tmp/it's",
		},
		{
			name: "windows command prompt",
			line: `	Command Prompt:	set "TF_REATTACH_PROVIDERS={"a/b/c":{"Protocol":"grpc","ProtocolVersion":6,"Pid":1,"Test":true,"Addr":{"Network":"tcp","String":"127.0.0.1:1234"}}}"`,
			ok:   true, addr: "127.0.0.1:1234",
		},
		{name: "not JSON", line: `TF_REATTACH_PROVIDERS='nope'`, ok: true, wantErr: true},
		{name: "empty map", line: `TF_REATTACH_PROVIDERS='{}'`, ok: true, wantErr: true},
		{name: "no address", line: `TF_REATTACH_PROVIDERS='{"a/b/c":{"Protocol":"grpc"}}'`, ok: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok, err := ParseReattachLine(tt.line)
			if ok != tt.ok || (err != nil) != tt.wantErr {
				t.Fatalf("ok=%v err=%v, want ok=%v wantErr=%v", ok, err, tt.ok, tt.wantErr)
			}
			if tt.addr != "" && r["a/b/c"].Addr.String != tt.addr {
				t.Errorf("address %q, want %q", r["a/b/c"].Addr.String, tt.addr)
			}
		})
	}
}

func TestReadReattachEOF(t *testing.T) {
	if _, err := ReadReattach(bufio.NewReader(strings.NewReader("Provider started.\n"))); err == nil {
		t.Fatal("want an error when the output ends without the variable")
	}
}

func TestReattachAliasAndEnv(t *testing.T) {
	r, err := ReadReattach(bufio.NewReader(strings.NewReader(providerOutput)))
	if err != nil {
		t.Fatal(err)
	}
	a := r.WithAlias(TerraformAddress, OpenTofuAddress)
	if len(r) != 1 {
		t.Error("WithAlias modified the receiver")
	}
	env, err := a.Env()
	if err != nil {
		t.Fatal(err)
	}
	v, ok := strings.CutPrefix(env, EnvReattach+"=")
	if !ok {
		t.Fatalf("env %q lacks the variable name", env)
	}
	var back Reattach
	if err := json.Unmarshal([]byte(v), &back); err != nil {
		t.Fatal(err)
	}
	if back[OpenTofuAddress] != back[TerraformAddress] || back[OpenTofuAddress].Pid != 4242 {
		t.Errorf("alias not carried: %+v", back)
	}
	if len(r.WithAlias("missing", OpenTofuAddress)) != 1 {
		t.Error("an alias of a missing address was added")
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{5, 5, 1}, 5},
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.in...)
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.in[i] {
				t.Errorf("Median modified its input")
			}
		}
	}
	if got := MedianDuration([]time.Duration{3 * time.Second, time.Second, 2 * time.Second}); got != 2*time.Second {
		t.Errorf("MedianDuration = %s", got)
	}
	if got := MedianInt([]int64{1, 2}); got != 2 { // 1.5 rounds half away from zero
		t.Errorf("MedianInt = %d", got)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{50, 50 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{100, 100 * time.Millisecond},
		{0.1, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Percentile(ds, tt.p); got != tt.want {
			t.Errorf("Percentile(%v) = %s, want %s", tt.p, got, tt.want)
		}
	}
	if got := Percentile(nil, 99); got != 0 {
		t.Errorf("Percentile(nil) = %s", got)
	}
	if got := Percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("Percentile of one = %s", got)
	}
}

func TestCountErrors(t *testing.T) {
	out := "apikey_unkey_key.bench[0]: Creating...\n╷\n│ Error: creating key\n│ \n│ HTTP 429\n╵\n╷\n│ Error: creating key\n╵\nError: plain\n"
	if got := countErrors([]byte(out)); got != 3 {
		t.Errorf("countErrors = %d, want 3", got)
	}
}

func TestMachineParsing(t *testing.T) {
	if got := cpuModel([]byte("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: x\nmodel name\t: other\n")); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := osReleaseName([]byte("NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")); got != "Debian GNU/Linux 12 (bookworm)" {
		t.Errorf("osReleaseName = %q", got)
	}
	if got := loadAverage([]byte("0.52 1.10 2.00 1/234 5678\n")); got != "0.52 1.10 2.00" {
		t.Errorf("loadAverage = %q", got)
	}
	if !loadAbove("0.5 3.1 1.0", 2) || loadAbove("0.5 1.9 2.0", 2) {
		t.Error("loadAbove")
	}
}

const (
	tofu = "OpenTofu v1.12.6"
	tf   = "Terraform v1.15.9"
)

// sampleScenario has every phase with cpu ms per key (init, apply, refresh, plan, destroy; the
// settle phase costs what refresh does) and the given peak RSS.
func sampleScenario(cli, subject string, n int, perKeyMs [5]float64, rss int64, refreshRequests int64) ScenarioResult {
	s := ScenarioResult{CLI: cli, Subject: subject, N: n, ExitCodes: map[string][]int{"refresh": {0, 0, 0}, "plan": {0, 0, 0}}}
	ms := map[string]float64{"init": perKeyMs[0], "apply": perKeyMs[1], "settle": perKeyMs[2], "refresh": perKeyMs[2], "plan": perKeyMs[3], "destroy": perKeyMs[4]}
	for _, phase := range Phases {
		p := PhaseResult{
			Phase: phase, Wall: time.Duration(float64(n) * ms[phase] * 2 * float64(time.Millisecond)),
			CPU:     time.Duration(float64(n) * ms[phase] * float64(time.Millisecond)),
			PeakRSS: rss, AllocObjects: int64(n) * 1000, GCCycles: 3, GCShare: 0.25, LiveHeapAfterGC: 5e6, Load1: 1.5,
		}
		if phase == "refresh" {
			p.Requests = refreshRequests
		}
		s.Phases = append(s.Phases, p)
	}
	if subject == SubjectUnkey {
		s.RefreshRoutes = map[string]int64{"/v2/apis.listKeys": 10, "/v2/keys.getKey": 10}
	}
	return s
}

func sampleReport(quick bool) *Report {
	r := &Report{
		Quick:       quick,
		Runs:        3,
		Command:     "make bench",
		Date:        time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC),
		Machine:     Machine{CPU: "Test CPU", Cores: 8, Go: "go1.26", OS: "linux/amd64", LoadStart: "1.00 1.00 1.00", LoadEnd: "2.00 1.00 1.00"},
		CLIs:        []CLIInfo{{Version: tofu, OpenTofu: true}, {Version: tf}},
		Subjects:    []string{SubjectFloor, SubjectMinimal, SubjectUnkey, VariantSubject("before"), SubjectMixpeek},
		Variants:    []Variant{{Name: "before", Disable: "quietlogs,wrap", Env: []string{"GOGC=200"}}},
		Source:      "abc1234-dirty with uncommitted changes to a.go",
		RateLimited: RateLimitedResult{N: 1000, RatePerMinute: 600, Wall: 210 * time.Second, Requests: 2001, RateLimited: 100, Created: 1000},
		Verify:      VerifyResult{Workers: 16, Duration: 5 * time.Second, Requests: 5000, PerSecond: 1000, P50: 5 * time.Millisecond, P99: 20 * time.Millisecond},
	}
	for _, cli := range []string{tofu, tf} {
		for _, n := range []int{100, 1000} {
			r.Scenarios = append(r.Scenarios,
				sampleScenario(cli, SubjectFloor, n, [5]float64{}, 0, 0),
				sampleScenario(cli, SubjectMinimal, n, [5]float64{0, 1, 0.8, 0.5, 1}, 20e6, 0),
				//               init apply refresh plan destroy
				sampleScenario(cli, SubjectUnkey, n, [5]float64{0.1, 3.5, 1.9, 1.2, 3.9}, 59e6, 20),
				sampleScenario(cli, VariantSubject("before"), n, [5]float64{0.1, 30, 13, 7, 30}, 150e6, 20),
				sampleScenario(cli, SubjectMixpeek, n, [5]float64{0.1, 4, 2.2, 1.4, 4.5}, 50e6, 20),
			)
		}
	}
	return r
}

func targetMap(r *Report) map[string]bool {
	got := map[string]bool{}
	for _, tg := range r.Targets() {
		got[tg.Name] = tg.Met
	}
	return got
}

func TestTargets(t *testing.T) {
	r := sampleReport(false)
	got := targetMap(r)
	want := map[string]bool{
		tofu + ", N=1000: refresh, provider CPU per key":                          true,  // 1.9 ms
		tofu + ", N=1000: refresh CPU per key vs the minimal provider":            true,  // 2.375×
		tofu + ", N=1000: apply, provider CPU per key":                            true,  // 3.5 ms
		tofu + ", N=1000: destroy, provider CPU per key":                          true,  // 3.9 ms
		tofu + ": plan CPU per key flat in N":                                     true,  // identical
		tofu + ": refresh CPU per key flat in N":                                  true,  //
		tofu + ", N=1000: provider peak RSS (largest phase median)":               true,  // 59 MB
		tofu + ", N=1000: refresh API requests":                                   true,  // 20
		tofu + ", N=1000: apikey_mixpeek_key CPU per key vs apikey_unkey_key":     true,  // worst 1.17×
		tf + ", N=1000: refresh, provider CPU per key":                            true,  //
		"Rate-limited apply of 1000 keys at 600/min: wall time vs N/rate, errors": false, // 210 s vs 100 s
	}
	for k, v := range want {
		if m, ok := got[k]; !ok || m != v {
			t.Errorf("target %q: got met=%v (present %v), want %v; all: %v", k, m, ok, v, got)
		}
	}
	if len(got) != 2*9+1 {
		t.Errorf("%d targets, want 9 per CLI and the rate-limited one: %v", len(got), got)
	}

	tests := []struct {
		name   string
		change func(r *Report)
		target string
	}{
		{"refresh too slow", func(r *Report) { setPerKey(r, tofu, SubjectUnkey, 1000, "refresh", 2.1) }, tofu + ", N=1000: refresh, provider CPU per key"},
		{"refresh not empty", func(r *Report) { sc(r, tofu, SubjectUnkey, 1000).ExitCodes["refresh"][1] = 2 }, tofu + ", N=1000: refresh, provider CPU per key"},
		{"minimal much cheaper", func(r *Report) { setPerKey(r, tofu, SubjectMinimal, 1000, "refresh", 0.7) }, tofu + ", N=1000: refresh CPU per key vs the minimal provider"},
		{"apply too slow", func(r *Report) { setPerKey(r, tofu, SubjectUnkey, 1000, "apply", 4.1) }, tofu + ", N=1000: apply, provider CPU per key"},
		{"destroy too slow", func(r *Report) { setPerKey(r, tf, SubjectUnkey, 1000, "destroy", 4.1) }, tf + ", N=1000: destroy, provider CPU per key"},
		{"plan grows with N", func(r *Report) { setPerKey(r, tofu, SubjectUnkey, 100, "plan", 1.45) }, tofu + ": plan CPU per key flat in N"},
		{"RSS too high", func(r *Report) { sc(r, tofu, SubjectUnkey, 1000).Phases[4].PeakRSS = 61e6 }, tofu + ", N=1000: provider peak RSS (largest phase median)"},
		{"too many requests", func(r *Report) { sc(r, tofu, SubjectUnkey, 1000).Phases[slices.Index(Phases, "refresh")].Requests = 21 }, tofu + ", N=1000: refresh API requests"},
		{"mixpeek slower", func(r *Report) { setPerKey(r, tofu, SubjectMixpeek, 1000, "plan", 1.5) }, tofu + ", N=1000: apikey_mixpeek_key CPU per key vs apikey_unkey_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleReport(false)
			tt.change(r)
			got := targetMap(r)
			if m, ok := got[tt.target]; !ok || m {
				t.Errorf("target %q: met=%v present=%v, want not met", tt.target, m, ok)
			}
		})
	}

	r.RateLimited.Wall = 90 * time.Second
	r.RateLimited.Errors = 1
	if targetMap(r)["Rate-limited apply of 1000 keys at 600/min: wall time vs N/rate, errors"] {
		t.Error("errors must fail the rate-limited target")
	}
	r.RateLimited.Errors = 0
	if !targetMap(r)["Rate-limited apply of 1000 keys at 600/min: wall time vs N/rate, errors"] {
		t.Error("90 s for 1000 keys at 600/min without errors meets the target")
	}
}

func sc(r *Report, cli, subject string, n int) *ScenarioResult {
	for i := range r.Scenarios {
		if s := &r.Scenarios[i]; s.CLI == cli && s.Subject == subject && s.N == n {
			return s
		}
	}
	panic("no such scenario")
}

func setPerKey(r *Report, cli, subject string, n int, phase string, msPerKey float64) {
	s := sc(r, cli, subject, n)
	for i := range s.Phases {
		if s.Phases[i].Phase == phase {
			s.Phases[i].CPU = time.Duration(float64(n) * msPerKey * float64(time.Millisecond))
		}
	}
}

func TestRateLimitedBounds(t *testing.T) {
	rl := RateLimitedResult{N: 1000, RatePerMinute: 600, Wall: 105 * time.Second}
	if rl.Bound() != 100*time.Second || rl.NeededRequests() != 1002 || rl.RequestBound() != 100200*time.Millisecond {
		t.Errorf("bounds %s, %d requests, %s", rl.Bound(), rl.NeededRequests(), rl.RequestBound())
	}
	if r := rl.RequestRatio(); r < 1.04 || r > 1.05 {
		t.Errorf("RequestRatio = %.3f", r)
	}
}

func TestMarkdown(t *testing.T) {
	md := sampleReport(false).Markdown()
	for _, want := range []string{
		"# Benchmarks",
		"make bench",
		"| CPU | Test CPU |",
		"| CLI | OpenTofu v1.12.6 |",
		"| CLI | Terraform v1.15.9 |",
		"| Load average (1/5/15 min), start → end | 1.00 1.00 1.00 → 2.00 1.00 1.00 |",
		"| Provider built from | abc1234-dirty with uncommitted changes to a.go |",
		"### OpenTofu v1.12.6",
		"### Terraform v1.15.9",
		"#### N = 100",
		"#### N = 1000",
		// phase | floor wall | minimal CPU/key | unkey CPU/key | ratio | allocs | allocs | GC | GCs | RSS | RSS | heap | requests | wall | load
		"| refresh | 0.00 s | 0.80 ms | 1.90 ms | 2.38× | 1000 | 1000 | 25% | 3 | 20.0 MB | 59.0 MB | 5.0 MB | 20 | 3.80 s | 1.5 |",
		"| plan | 1.40 ms | 1.17× |",
		"| before | refresh | 13.00 ms | 6.84× |",
		"| before | quietlogs,wrap | `GOGC=200` |",
		"| 1000 | 600/min | 210.00 s | 100.00 s | 2.10× | 100.20 s | 2.10× | 2001 | 100 | 0 | 0 | 1000 |",
		"| 16 | 1000 | 5.00 ms | 20.00 ms | 0 |",
		"**not met**",
		"**met**",
		"`/v2/apis.listKeys` 10, `/v2/keys.getKey` 10",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "Quick mode") {
		t.Error("a full report is labeled quick")
	}
	if q := sampleReport(true).Markdown(); !strings.Contains(q, "**Quick mode**") {
		t.Error("a quick report is not labeled")
	}
	// Every table row has as many cells as its header.
	var cols int
	for line := range strings.SplitSeq(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row %q has %d separators, header %d", line, n, cols)
		}
	}
}

func TestOpenTofuAlias(t *testing.T) {
	tests := map[string]string{
		"registry.terraform.io/apikey-bench/minimal": "registry.opentofu.org/apikey-bench/minimal",
		"example.com/a/b": "example.com/a/b",
	}
	for in, want := range tests {
		if got := OpenTofuAlias(in); got != want {
			t.Errorf("OpenTofuAlias(%q) = %q, want %q", in, got, want)
		}
	}
}
