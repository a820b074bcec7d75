package bench

import (
	"bufio"
	"encoding/json"
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

func sampleReport(quick bool) *Report {
	phase := func(name string, wall, floor float64, rss, req int64) PhaseResult {
		return PhaseResult{Phase: name, Wall: time.Duration(wall * float64(time.Second)), FloorWall: time.Duration(floor * float64(time.Second)),
			CPU: time.Second, PeakRSS: rss, Requests: req}
	}
	return &Report{
		Quick:   quick,
		Runs:    3,
		Command: "make bench",
		Date:    time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC),
		Machine: Machine{CPU: "Test CPU", Cores: 8, Go: "go1.26", OS: "linux/amd64"},
		CLI:     "Terraform v1.11.4",
		Source:  "abc1234-dirty with uncommitted changes to a.go",
		Scenarios: []ScenarioResult{
			{N: 100, Phases: []PhaseResult{phase("plan", 1, 1, 40e6, 500)}, PlanExitCodes: []int{0, 0, 0}},
			{N: 1000, Phases: []PhaseResult{
				phase("init", 0.1, 0.1, 18e6, 0),
				phase("apply", 30, 5, 60e6, 1000),
				phase("plan", 3, 2, 50e6, 20),
				phase("destroy", 20, 4, 79e6, 1000),
			}, PlanExitCodes: []int{0, 0, 0}, RefreshRoutes: map[string]int64{"/v2/apis.listKeys": 10, "/v2/keys.getKey": 10}},
		},
		RateLimited: RateLimitedResult{N: 1000, RatePerMinute: 600, Wall: 120 * time.Second, Requests: 1100, RateLimited: 100, Created: 1000},
		Verify:      VerifyResult{Workers: 16, Duration: 5 * time.Second, Requests: 5000, PerSecond: 1000, P50: 5 * time.Millisecond, P99: 20 * time.Millisecond},
	}
}

func TestTargets(t *testing.T) {
	r := sampleReport(false)
	got := map[string]bool{}
	for _, tg := range r.Targets() {
		got[strings.SplitN(tg.Name, ":", 2)[0]+"|"+tg.Goal] = tg.Met
	}
	want := map[string]bool{
		"Refresh of 1000 unchanged keys|≤ 1.8×":                           true,  // 3 s vs 2 s = 1.5×
		"Refresh of 1000 unchanged keys|≤ N/100+10 = 20":                  true,  // 20 requests
		"Provider peak RSS at N=1000 (largest phase median)|≤ 80 MB":      true,  // 79 MB
		"Rate-limited apply of 1000 keys at 600/min|≤ 1.15× and 0 errors": false, // 120 s vs 100 s
	}
	for k, v := range want {
		if m, ok := got[k]; !ok || m != v {
			t.Errorf("target %q: got met=%v (present %v), want %v; all: %v", k, m, ok, v, got)
		}
	}

	r.Scenarios[1].PlanExitCodes = []int{0, 2, 0}
	for _, tg := range r.Targets() {
		if strings.Contains(tg.Name, "wall time vs terraform_data") && tg.Met {
			t.Error("a non-empty plan must fail the refresh target")
		}
	}
	r.RateLimited.Wall = 90 * time.Second
	r.RateLimited.Errors = 1
	for _, tg := range r.Targets() {
		if strings.HasPrefix(tg.Name, "Rate-limited") && tg.Met {
			t.Error("errors must fail the rate-limited target")
		}
	}
}

func TestMarkdown(t *testing.T) {
	md := sampleReport(false).Markdown()
	for _, want := range []string{
		"# Benchmarks",
		"make bench",
		"| CPU | Test CPU |",
		"| CLI | Terraform v1.11.4 |",
		"| Provider built from | abc1234-dirty with uncommitted changes to a.go |",
		"### N = 100",
		"### N = 1000",
		"| plan | 3.00 s | 2.00 s | 1.50× | 1.00 s | 50.0 MB | 20 |",
		"| 1000 | 600/min | 120.00 s | 100.00 s | 1.20× | 1100 | 100 | 0 | 0 | 1000 |",
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
