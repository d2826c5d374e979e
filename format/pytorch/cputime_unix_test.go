//go:build unix

package pytorch_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system time: on a shared machine
// wall time per op says more about the neighbours than about the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
