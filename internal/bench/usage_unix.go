//go:build linux || darwin

package bench

import (
	"os"
	"runtime"
	"syscall"
)

// usageOf reads user+system time and peak RSS from a finished process.
func usageOf(st *os.ProcessState) Usage {
	u := Usage{CPU: st.UserTime() + st.SystemTime()}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok && ru != nil {
		u.PeakRSS = ru.Maxrss // bytes on macOS
		if runtime.GOOS == "linux" {
			u.PeakRSS *= 1024 // KiB on Linux
		}
	}
	return u
}
