//go:build unix

package safetensors

import (
	"syscall"
	"testing"
)

// cpuTime is the process's CPU time so far (user + system) in ns: on a
// shared machine the wall time per operation measures the load as much as
// the code.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// reportCPU reports the CPU time per operation since start (a cpuTime
// value), garbage collection and every other goroutine included.
func reportCPU(b *testing.B, start int64) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
