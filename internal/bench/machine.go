package bench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strings"
)

// DescribeMachine reports the CPU model (from /proc/cpuinfo where there is
// one), the number of logical CPUs, the Go version and the OS.
func DescribeMachine() Machine {
	m := Machine{CPU: "unknown", Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if model := cpuModel(data); model != "" {
			m.CPU = model
		}
	}
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		if name := osReleaseName(data); name != "" {
			m.OS = name + " (" + m.OS + ")"
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

// cpuModel returns the first "model name" of /proc/cpuinfo contents.
func cpuModel(cpuinfo []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// osReleaseName returns PRETTY_NAME from /etc/os-release contents.
func osReleaseName(data []byte) string {
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// LoadAverage returns the 1, 5 and 15 minute load averages from
// /proc/loadavg, or "" where there is none. Other work on the machine
// (a load above the core count) makes wall times noisy.
func LoadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	return loadAverage(data)
}

func loadAverage(data []byte) string {
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
