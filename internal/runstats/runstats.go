// Package runstats lets a provider process report its own garbage collector
// and allocation counters when it exits, for the benchmark harness: the
// kernel's rusage gives CPU time and peak RSS, but not allocations, the share
// of CPU spent collecting, or the heap still live after a collection. Nor,
// on Linux, the process's own peak RSS: a child's rusage maxrss starts from
// its parent's resident set at the fork (exec records the old address space's
// high-water mark), so a harness holding a large server in memory would be
// charged to every provider it starts.
package runstats

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
)

// EnvFile names the file a process writes its Snapshot to on exit. Unset, it
// writes nothing.
const EnvFile = "APIKEY_PROVIDER_RUNTIME_STATS"

// Snapshot is one process's counters over its lifetime.
type Snapshot struct {
	AllocObjects uint64  // heap objects allocated
	AllocBytes   uint64  // heap bytes allocated
	GCCycles     uint64  // completed collections
	GCCPUSeconds float64 // runtime's estimate of CPU time spent collecting
	CPUSeconds   float64 // runtime's estimate of all CPU time available to Go
	// LiveHeapAfterGC is the live heap after a collection forced at exit:
	// what the process still retains once its work is done.
	LiveHeapAfterGC uint64
	// HeapGoalAtExit is the collector's heap goal before the forced
	// collection: the heap size it was allowing.
	HeapGoalAtExit uint64
	// PeakRSS is the process's own resident high-water mark (VmHWM), in
	// bytes; 0 where /proc is unavailable.
	PeakRSS uint64
}

var names = []string{
	"/gc/heap/allocs:objects",
	"/gc/heap/allocs:bytes",
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/gc/heap/goal:bytes",
	"/gc/heap/live:bytes",
}

// Take reads the counters. It forces a collection first, so LiveHeapAfterGC
// is current; call it only when the process is done.
func Take() Snapshot {
	goal := read("/gc/heap/goal:bytes")
	runtime.GC()
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	get := func(i int) metrics.Value { return s[i].Value }
	snap := Snapshot{
		AllocObjects:    uint64Of(get(0)),
		AllocBytes:      uint64Of(get(1)),
		GCCycles:        uint64Of(get(2)),
		GCCPUSeconds:    floatOf(get(3)),
		CPUSeconds:      floatOf(get(4)),
		HeapGoalAtExit:  goal,
		LiveHeapAfterGC: uint64Of(get(6)),
		PeakRSS:         selfPeakRSS(),
	}
	// The forced collection is the harness's, not the workload's.
	if snap.GCCycles > 0 {
		snap.GCCycles--
	}
	return snap
}

// selfPeakRSS reads VmHWM from /proc/self/status. The high-water mark
// belongs to the address space exec created, so it is this program's alone.
func selfPeakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	return parseVmHWM(string(b))
}

// parseVmHWM returns the VmHWM line of a /proc/<pid>/status text in bytes.
func parseVmHWM(status string) uint64 {
	for line := range strings.Lines(status) {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}

func read(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return uint64Of(s[0].Value)
}

func uint64Of(v metrics.Value) uint64 {
	if v.Kind() == metrics.KindUint64 {
		return v.Uint64()
	}
	return 0
}

func floatOf(v metrics.Value) float64 {
	if v.Kind() == metrics.KindFloat64 {
		return v.Float64()
	}
	return 0
}

// WriteIfRequested writes Take() to the file named by EnvFile, if set.
func WriteIfRequested(getenv func(string) string) error {
	path := getenv(EnvFile)
	if path == "" {
		return nil
	}
	b, err := json.Marshal(Take())
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("writing runtime stats: %w", err)
	}
	return nil
}

// Read reads a Snapshot written by WriteIfRequested.
func Read(path string) (Snapshot, error) {
	var s Snapshot
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// EnvCPUProfile names a file prefix: when set, the process writes a CPU
// profile of its whole life to <prefix>.<pid>, for finding where a phase's
// time goes. Unset, nothing is profiled.
const EnvCPUProfile = "APIKEY_PROVIDER_CPU_PROFILE"

// StartCPUProfileIfRequested starts the profile EnvCPUProfile asks for and
// returns the function that stops it and closes the file (a no-op when none
// was asked for).
func StartCPUProfileIfRequested(getenv func(string) string) (stop func(), err error) {
	prefix := getenv(EnvCPUProfile)
	if prefix == "" {
		return func() {}, nil
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", prefix, os.Getpid()))
	if err != nil {
		return func() {}, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return func() {}, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
