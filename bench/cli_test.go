package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cliBinary builds cmd/tensorcount once per run.
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
	return bin, cmd.Run()
})

// BenchmarkCLI runs the tensorcount command on the sparse sets as a user
// would, and reports its peak resident memory (maxrss-MB) beside the wall
// time per run, process start included.
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
			var wall time.Duration
			for b.Loop() {
				args := []string{set.path}
				if filepath.Dir(set.name) == "json" {
					args = []string{"--json", set.path}
				}
				cmd := exec.Command(bin, args...)
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				wall += time.Since(start)
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					peak = max(peak, ru.Maxrss) // KiB on Linux
				}
			}
			b.ReportMetric(float64(peak)/1024, "maxrss-MB")
		})
	}
}
