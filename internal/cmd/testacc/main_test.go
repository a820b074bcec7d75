package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func summarise(t *testing.T, fixture string) (*summary, string, string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var live, report bytes.Buffer
	s := newSummary(&live)
	s.consume(f)
	s.report(&report, "OpenTofu 1.12.6", 90*time.Second)
	return s, live.String(), report.String()
}

func TestSummary(t *testing.T) {
	tests := []struct {
		fixture    string
		wantFailed bool
		wantLive   []string // printed while the tests ran
		wantReport []string
		notLive    []string
	}{
		{
			// fx/a: TestPass, TestSkip, TestFail (logs "the log line"), TestSub
			// with a skipped subtest; fx/b does not compile.
			fixture:    "mixed.jsonl",
			wantFailed: true,
			wantLive: []string{
				"a_test.go:5: the log line", "a_test.go:5: boom", "--- FAIL: TestFail",
				"b/b_test.go:3:33: undefined: undefined", "FAIL fx/b 0s (did not build)",
				"PASS a.TestPass (0.0s)\n", "SKIP a.TestSkip (0.0s)\n", "PASS a.TestSub (0.0s)\n",
			},
			notLive: []string{"=== RUN   TestPass", "a_test.go:4: list resources"},
			wantReport: []string{
				"OpenTofu 1.12.6: 2 passed, 1 failed, 1 skipped (1m30s)",
				"  FAIL a.TestFail\n",
				"  FAIL package fx/b did not build\n",
				"  skipped 1: list resources (query) is not available in OpenTofu (this run uses OpenTofu 1.12.6)\n      a.TestSkip\n",
				"  skipped 1: multi line\n      a.TestSub/x\n",
			},
		},
		{
			// fx/c: TestHang runs into the -timeout; no test event ends it.
			fixture:    "timeout.jsonl",
			wantFailed: true,
			wantLive:   []string{"c_test.go:3: before the hang", "panic: test timed out after 1s", "FAIL fx/c 1s (failed outside a finished test)"},
			wantReport: []string{"0 passed, 0 failed, 0 skipped", "FAIL package fx/c failed outside a finished test"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			s, live, report := summarise(t, tt.fixture)
			if s.failed() != tt.wantFailed {
				t.Errorf("failed() = %t, want %t", s.failed(), tt.wantFailed)
			}
			for _, w := range tt.wantLive {
				if !strings.Contains(live, w) {
					t.Errorf("live output lacks %q:\n%s", w, live)
				}
			}
			for _, w := range tt.notLive {
				if strings.Contains(live, w) {
					t.Errorf("live output has %q, the log of a test that did not fail:\n%s", w, live)
				}
			}
			for _, w := range tt.wantReport {
				if !strings.Contains(report, w) {
					t.Errorf("report lacks %q:\n%s", w, report)
				}
			}
		})
	}
}

func TestSummaryPassing(t *testing.T) {
	stream := `{"Action":"run","Package":"m/p","Test":"TestA"}
{"Action":"output","Package":"m/p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"m/p","Test":"TestA","Elapsed":0.5}
{"Action":"output","Package":"m/p","Output":"ok  \tm/p\t0.6s\n"}
{"Action":"pass","Package":"m/p","Elapsed":0.6}
go: some message from the go command
`
	var live, report bytes.Buffer
	s := newSummary(&live)
	s.consume(strings.NewReader(stream))
	s.report(&report, "Terraform 1.15.9", time.Second)
	if s.failed() {
		t.Error("a passing run failed")
	}
	if want := "PASS p.TestA (0.5s)\nok   m/p 600ms\ngo: some message from the go command\n"; live.String() != want {
		t.Errorf("live output = %q, want %q", live.String(), want)
	}
	if want := "Terraform 1.15.9: 1 passed, 0 failed, 0 skipped (1s)\n"; report.String() != want {
		t.Errorf("report = %q, want %q", report.String(), want)
	}
}

func TestSkipReasonGrouping(t *testing.T) {
	var stream strings.Builder
	for i, reason := range []string{"needs X", "needs Y", "needs X", ""} {
		name := "TestS" + string(rune('a'+i))
		stream.WriteString(`{"Action":"output","Package":"m/p","Test":"` + name + `","Output":"=== RUN   ` + name + `\n"}` + "\n")
		if reason != "" {
			stream.WriteString(`{"Action":"output","Package":"m/p","Test":"` + name + `","Output":"    x_test.go:9: ` + reason + `\n"}` + "\n")
		}
		stream.WriteString(`{"Action":"skip","Package":"m/p","Test":"` + name + `"}` + "\n")
	}
	var report bytes.Buffer
	s := newSummary(&bytes.Buffer{})
	s.consume(strings.NewReader(stream.String()))
	s.report(&report, "T", 0)
	got := report.String()
	// The most common reason first, test names listed under each.
	want := "T: 0 passed, 0 failed, 4 skipped (0s)\n" +
		"  skipped 2: needs X\n      p.TestSa, p.TestSc\n" +
		"  skipped 1: needs Y\n      p.TestSb\n" +
		"  skipped 1: (no reason given)\n      p.TestSd\n"
	if got != want {
		t.Errorf("report =\n%s\nwant\n%s", got, want)
	}
}

func TestSelectImporters(t *testing.T) {
	list := "m/internal/acctest m/internal/tfcli testing\n" +
		"m/internal/provider m/internal/acctest testing\n" +
		"m/internal/services/keys testing m/internal/acctest\n" +
		"m/internal/devserver testing m/internal/acctestutil\n" +
		"m/internal/nothing\n"
	got := selectImporters([]byte(list), "m/internal/acctest")
	if want := []string{"m/internal/provider", "m/internal/services/keys"}; !slices.Equal(got, want) {
		t.Errorf("selectImporters() = %q, want %q", got, want)
	}
}

func TestSplitArgs(t *testing.T) {
	p, f := splitArgs([]string{"./a/...", "--", "-run", "TestX", "-count=1"})
	if !slices.Equal(p, []string{"./a/..."}) || !slices.Equal(f, []string{"-run", "TestX", "-count=1"}) {
		t.Errorf("splitArgs = %q, %q", p, f)
	}
	if p, f := splitArgs(nil); p != nil || f != nil {
		t.Errorf("splitArgs(nil) = %q, %q", p, f)
	}
}

func TestPrefixWriter(t *testing.T) {
	var b bytes.Buffer
	w := &prefixWriter{w: &b, prefix: "[OpenTofu] "}
	if _, err := w.Write([]byte("one\ntwo\n")); err != nil {
		t.Fatal(err)
	}
	if want := "[OpenTofu] one\n[OpenTofu] two\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{args: []string{"-cli", "any"}, want: "name terraform or tofu"},
		{args: []string{"-cli", "terraform,pulumi"}, want: `unknown CLI "pulumi"`},
		{args: []string{"-bogus"}, want: "flag provided but not defined"},
	} {
		err := run(t.Context(), tt.args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) error = %v, want one containing %q", tt.args, err, tt.want)
		}
	}
}
