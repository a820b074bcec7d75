//go:build !linux && !darwin

package bench

import "os"

// usageOf reads user+system time; peak RSS is not available here.
func usageOf(st *os.ProcessState) Usage {
	return Usage{CPU: st.UserTime() + st.SystemTime()}
}
