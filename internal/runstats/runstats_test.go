package runstats

import (
	"os"
	"path/filepath"
	"testing"
)

var sink [][]byte

func TestWriteIfRequested(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stats.json")
	tests := []struct {
		name  string
		env   map[string]string
		wrote bool
	}{
		{name: "unset", env: map[string]string{}},
		{name: "set", env: map[string]string{EnvFile: path}, wrote: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = os.Remove(path)
			before := Take()
			for range 1000 {
				sink = append(sink, make([]byte, 1024))
			}
			if err := WriteIfRequested(func(k string) string { return tt.env[k] }); err != nil {
				t.Fatal(err)
			}
			got, err := Read(path)
			if !tt.wrote {
				if err == nil {
					t.Fatal("a file was written without the variable")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.AllocObjects < before.AllocObjects+1000 || got.AllocBytes < before.AllocBytes+1000*1024 {
				t.Errorf("allocations %d objects / %d bytes, want at least 1000 / 1 MiB more than %d / %d",
					got.AllocObjects, got.AllocBytes, before.AllocObjects, before.AllocBytes)
			}
			if got.LiveHeapAfterGC < 1000*1024 {
				t.Errorf("live heap after GC %d, want at least the 1 MiB still referenced", got.LiveHeapAfterGC)
			}
			if got.CPUSeconds <= 0 {
				t.Errorf("CPU seconds %v", got.CPUSeconds)
			}
			sink = nil
		})
	}
}

func TestReadRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil {
		t.Fatal("want an error")
	}
}

func TestStartCPUProfileIfRequested(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "cpu")
	for _, tt := range []struct {
		name  string
		value string
		files int
	}{{"unset", "", 0}, {"set", prefix, 1}} {
		t.Run(tt.name, func(t *testing.T) {
			stop, err := StartCPUProfileIfRequested(func(k string) string {
				if k == EnvCPUProfile {
					return tt.value
				}
				return ""
			})
			if err != nil {
				t.Fatal(err)
			}
			stop()
			got, _ := filepath.Glob(prefix + ".*")
			if len(got) != tt.files {
				t.Fatalf("profiles %v, want %d", got, tt.files)
			}
			if tt.files == 1 {
				if info, err := os.Stat(got[0]); err != nil || info.Size() == 0 {
					t.Errorf("profile %s empty or missing: %v", got[0], err)
				}
			}
		})
	}
}

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		name, status string
		want         uint64
	}{
		{"present", "Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t 4000 kB\n", 5120 * 1024},
		{"absent", "Name:\tx\nVmRSS:\t 4000 kB\n", 0},
		{"other unit", "VmHWM:\t 5 MB\n", 0},
		{"garbage", "VmHWM:\t lots kB\n", 0},
		{"empty", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseVmHWM(tt.status); got != tt.want {
				t.Errorf("parseVmHWM = %d, want %d", got, tt.want)
			}
		})
	}
}
