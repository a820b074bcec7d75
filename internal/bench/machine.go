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
