// Command rusage runs a command and prints, on its last line of stderr,
// that command's own resource use as wait4 reports it:
//
//	rusage: maxrss_kib=N utime_ns=N stime_ns=N wall_ns=N
//
// It exists because on Linux a child's ru_maxrss is at least the peak RSS
// of the process that started it (vfork shares the parent's memory until
// exec, and exec counts that memory's high-water mark), so a benchmark
// process that has grown to hundreds of megabytes cannot measure a small
// child directly. This launcher stays at a few MiB, which is then the
// floor of what it reports.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rusage COMMAND [ARG...]")
		os.Exit(2)
	}
	path, err := exec.LookPath(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(2)
	}
	start := time.Now()
	pid, err := syscall.ForkExec(path, os.Args[1:], &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(2)
	}
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		if _, err = syscall.Wait4(pid, &ws, 0, &ru); err != syscall.EINTR {
			break
		}
	}
	wall := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "rusage: maxrss_kib=%d utime_ns=%d stime_ns=%d wall_ns=%d\n", ru.Maxrss, ru.Utime.Nano(), ru.Stime.Nano(), wall.Nanoseconds())
	os.Exit(ws.ExitStatus())
}
