package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

// event is one line of "go test -json" (cmd/test2json, with the build events
// of Go 1.24 and later).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string // build-output, build-fail
	FailedBuild string
	Elapsed     float64
}

type testKey struct{ pkg, test string }

func (k testKey) String() string {
	if k.test == "" {
		return k.pkg
	}
	return path.Base(k.pkg) + "." + k.test
}

// summary counts the results of one go test run and prints, as they happen,
// package results, the log of every failing test and the output of every
// failing package.
type summary struct {
	out      io.Writer
	logs     map[testKey]*strings.Builder
	buildOut map[string]*strings.Builder
	// Top-level tests; subtests are counted in their parent.
	passed, failedTests, skipped []testKey
	// Skip reason of every skipped test or subtest.
	skipReasons  map[testKey]string
	pkgFailures  []string
	skippedOrder []testKey
	failedIn     map[string]bool // packages with a failed test
}

func newSummary(out io.Writer) *summary {
	return &summary{
		out:         out,
		logs:        map[testKey]*strings.Builder{},
		buildOut:    map[string]*strings.Builder{},
		skipReasons: map[testKey]string{},
		failedIn:    map[string]bool{},
	}
}

func (s *summary) consume(r io.Reader) {
	readLines(r, func(line []byte) {
		var ev event
		if err := json.Unmarshal(line, &ev); err != nil || ev.Action == "" {
			// Not an event: the go command's own messages.
			_, _ = s.out.Write(line)
			return
		}
		s.handle(ev)
	})
}

func appendTo(m map[testKey]*strings.Builder, k testKey, text string) {
	b := m[k]
	if b == nil {
		b = &strings.Builder{}
		m[k] = b
	}
	b.WriteString(text)
}

func (s *summary) handle(ev event) {
	key := testKey{ev.Package, ev.Test}
	switch ev.Action {
	case "build-output":
		b := s.buildOut[ev.ImportPath]
		if b == nil {
			b = &strings.Builder{}
			s.buildOut[ev.ImportPath] = b
		}
		b.WriteString(ev.Output)
	case "build-fail":
		if b := s.buildOut[ev.ImportPath]; b != nil {
			fmt.Fprint(s.out, b.String())
		}
	case "output":
		appendTo(s.logs, key, ev.Output)
	case "pass", "fail", "skip":
		if ev.Test == "" {
			s.packageDone(ev)
			return
		}
		s.testDone(key, ev.Action, ev.Elapsed)
	}
}

func (s *summary) testDone(key testKey, action string, elapsed float64) {
	log := ""
	if b := s.logs[key]; b != nil {
		log = b.String()
	}
	delete(s.logs, key)
	topLevel := !strings.Contains(key.test, "/")
	if topLevel && action != "fail" {
		// One line per finished test shows progress on a long run.
		fmt.Fprintf(s.out, "%s %s (%.1fs)\n", strings.ToUpper(action), key, elapsed)
	}
	switch action {
	case "fail":
		fmt.Fprint(s.out, log)
		if topLevel {
			s.failedTests = append(s.failedTests, key)
		}
		s.failedIn[key.pkg] = true
	case "skip":
		s.skipReasons[key] = skipReason(log)
		s.skippedOrder = append(s.skippedOrder, key)
		if topLevel {
			s.skipped = append(s.skipped, key)
		}
	case "pass":
		if topLevel {
			s.passed = append(s.passed, key)
		}
	}
}

func (s *summary) packageDone(ev event) {
	key := testKey{ev.Package, ""}
	log := ""
	if b := s.logs[key]; b != nil {
		log = b.String()
	}
	delete(s.logs, key)
	elapsed := time.Duration(ev.Elapsed * float64(time.Second)).Round(100 * time.Millisecond)
	switch ev.Action {
	case "pass":
		fmt.Fprintf(s.out, "ok   %s %s\n", ev.Package, elapsed)
	case "skip":
		fmt.Fprintf(s.out, "?    %s [no tests]\n", ev.Package)
	case "fail":
		// Tests that never finished (a panic, a timeout) show their log too.
		var unfinished []testKey
		for k := range s.logs {
			if k.pkg == ev.Package {
				unfinished = append(unfinished, k)
			}
		}
		slices.SortFunc(unfinished, func(a, b testKey) int { return strings.Compare(a.test, b.test) })
		for _, k := range unfinished {
			fmt.Fprint(s.out, s.logs[k].String())
			delete(s.logs, k)
		}
		fmt.Fprint(s.out, log)
		why := ""
		switch {
		case ev.FailedBuild != "":
			why = "did not build"
		case !s.failedIn[ev.Package]:
			// No test failed: TestMain, a panic or the timeout did.
			why = "failed outside a finished test"
		}
		if why == "" {
			fmt.Fprintf(s.out, "FAIL %s %s\n", ev.Package, elapsed)
			return
		}
		fmt.Fprintf(s.out, "FAIL %s %s (%s)\n", ev.Package, elapsed, why)
		s.pkgFailures = append(s.pkgFailures, ev.Package+" "+why)
	}
}

func (s *summary) failed() bool {
	return len(s.failedTests) > 0 || len(s.pkgFailures) > 0
}

var sourceLine = regexp.MustCompile(`^\s+[^\s:]+\.go:\d+: ?(.*)$`)

// skipReason is the message of the last t.Skip (or t.Log) in a test's log:
// the text after "file.go:NN: ", with its continuation lines.
func skipReason(log string) string {
	var reason []string
	for line := range strings.SplitSeq(log, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "--- ") || strings.HasPrefix(trimmed, "=== "):
			continue
		case sourceLine.MatchString(line):
			reason = []string{sourceLine.FindStringSubmatch(line)[1]}
		case reason != nil && trimmed != "":
			reason = append(reason, trimmed)
		}
	}
	if reason == nil {
		return "(no reason given)"
	}
	return strings.TrimSpace(strings.Join(reason, " "))
}

// report prints the counts, the failures, and the skip reasons grouped, the
// most common first.
func (s *summary) report(w io.Writer, title string, elapsed time.Duration) {
	fmt.Fprintf(w, "%s: %d passed, %d failed, %d skipped (%s)\n",
		title, len(s.passed), len(s.failedTests), len(s.skipped), elapsed.Round(time.Second))
	for _, k := range s.failedTests {
		fmt.Fprintf(w, "  FAIL %s\n", k)
	}
	for _, p := range s.pkgFailures {
		fmt.Fprintf(w, "  FAIL package %s\n", p)
	}
	groups := map[string][]testKey{}
	var reasons []string
	for _, k := range s.skippedOrder {
		r := s.skipReasons[k]
		if groups[r] == nil {
			reasons = append(reasons, r)
		}
		groups[r] = append(groups[r], k)
	}
	slices.SortStableFunc(reasons, func(a, b string) int { return cmp.Compare(len(groups[b]), len(groups[a])) })
	for _, r := range reasons {
		names := make([]string, len(groups[r]))
		for i, k := range groups[r] {
			names[i] = k.String()
		}
		fmt.Fprintf(w, "  skipped %d: %s\n      %s\n", len(names), r, strings.Join(names, ", "))
	}
}
