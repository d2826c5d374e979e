package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cliBinary builds cmd/tensorcount once per run, and the rusage launcher
// (cmd/rusage) beside it.
var cliBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tensorcount-cli-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "tensorcount")
	// Built in the main module, with its own go.mod, as a user builds it.
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/tensorcount")
	cmd.Dir = ".."
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", err
	}
	cmd = exec.Command("go", "build", "-o", filepath.Join(dir, "rusage"), "./cmd/rusage")
	cmd.Stderr = os.Stderr
	return bin, cmd.Run()
})

// childUsage runs argv through the rusage launcher and returns the
// child's own peak RSS (KiB) and CPU time. Started from this test
// process directly, the child's ru_maxrss would include the test
// process's own high-water mark (vfork shares it until exec), which after
// the fixtures and the other benchmarks is far larger than the CLI.
func childUsage(bin string, argv ...string) (maxrssKiB int64, cpu time.Duration, err error) {
	cmd := exec.Command(filepath.Join(filepath.Dir(bin), "rusage"), argv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	var utime, stime, wall int64
	if _, err := fmt.Sscanf(lines[len(lines)-1], "rusage: maxrss_kib=%d utime_ns=%d stime_ns=%d wall_ns=%d", &maxrssKiB, &utime, &stime, &wall); err != nil {
		return 0, 0, fmt.Errorf("rusage output %q: %v", lines[len(lines)-1], err)
	}
	return maxrssKiB, time.Duration(utime + stime), nil
}

// BenchmarkCLI runs the tensorcount command on the sparse sets as a user
// would, and reports its own peak resident memory (maxrss-MB) and CPU
// time (cpu-ms/op) beside the wall time per run, process start included.
func BenchmarkCLI(b *testing.B) {
	setup(b)
	bin, err := cliBinary()
	if err != nil {
		b.Fatal(err)
	}
	for _, set := range []struct{ name, path string }{
		{"summary/deepseek-163shards", fixtures.ds163},
		{"json/deepseek-163shards", fixtures.ds163},
		{"summary/vocab256k-gguf", fixtures.vocab256},
	} {
		b.Run(set.name, func(b *testing.B) {
			var peak int64
			var cpu time.Duration
			for b.Loop() {
				args := []string{bin, set.path}
				if filepath.Dir(set.name) == "json" {
					args = []string{bin, "--json", set.path}
				}
				rss, c, err := childUsage(bin, args...)
				if err != nil {
					b.Fatal(err)
				}
				peak, cpu = max(peak, rss), cpu+c
			}
			b.ReportMetric(float64(peak)/1024, "maxrss-MB")
			b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}
