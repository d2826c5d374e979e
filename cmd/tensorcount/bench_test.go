package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// writeMillionTensors writes a safetensors file of n one-byte tensors to
// path, streaming the header (about 70 bytes a tensor) instead of holding
// it in memory: a first pass measures it, a second writes it.
func writeMillionTensors(path string, n int) error {
	entry := func(w io.Writer, i int) (int, error) {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		return fmt.Fprintf(w, `%s"model.layers.%d.%d":{"dtype":"U8","shape":[1],"data_offsets":[%d,%d]}`,
			sep, i/1024, i%1024, i, i+1)
	}
	size := 1 // the closing brace
	for i := range n {
		k, _ := entry(io.Discard, i)
		size += k
	}
	pad := (8 - size%8) % 8
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	w := bufio.NewWriterSize(out, 1<<20)
	binary.Write(w, binary.LittleEndian, uint64(size+pad))
	for i := range n {
		if _, err := entry(w, i); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "}%*s", pad, "")
	if err := w.Flush(); err != nil {
		return err
	}
	if err := out.Truncate(int64(8+size+pad) + int64(n)); err != nil {
		return err
	}
	return out.Close()
}

// BenchmarkSummaryMillionTensors is the summary of 2^20 one-byte tensors
// in one safetensors file (a 77 MB header). Besides ns/op and B/op it
// reports peak-MiB, the largest heap in use sampled during the runs.
//
//	go test ./cmd/tensorcount -run '^$' -bench MillionTensors -benchtime 3x -benchmem
func BenchmarkSummaryMillionTensors(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := writeMillionTensors(path, 1<<20); err != nil {
		b.Fatal(err)
	}
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		// Each run starts from a collected heap, so that peak-MiB is
		// one run's and not the garbage of the one before.
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
		var errOut bytesCounter
		if status := run([]string{path}, io.Discard, &errOut); status != exitOK {
			b.Fatalf("status %d: %s", status, errOut.s)
		}
	}
	b.StopTimer()
	close(done)
	<-sampled
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-MiB")
}

type bytesCounter struct {
	n int
	s string
}

func (c *bytesCounter) Write(p []byte) (int, error) {
	c.n += len(p)
	if len(c.s) < 1000 {
		c.s += string(p[:min(len(p), 1000)])
	}
	return len(p), nil
}
