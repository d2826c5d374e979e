package pytorch_test

import (
	"fmt"
	"testing"

	"github.com/tensorcount/tensorcount/format/pickle"
	"github.com/tensorcount/tensorcount/format/pytorch"
)

// specs100k is a state dict of 100,000 small F32 tensors, each on its own
// storage, as torch writes one.
func specs100k() []spec {
	s := make([]spec, 100_000)
	for i := range s {
		s[i] = spec{name: fmt.Sprintf("model.layers.%d.block.%d.weight", i/100, i%100), shape: []uint64{64, 32},
			storage: "FloatStorage", key: fmt.Sprint(i)}
	}
	return s
}

// BenchmarkPickle100k parses the data.pkl of 100,000 tensors.
func BenchmarkPickle100k(b *testing.B) {
	pkl := stateDict(specs100k())
	b.SetBytes(int64(len(pkl)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := pickle.Parse(pkl, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkNewFile100k opens a zip checkpoint of 100,000 tensors held in
// memory (sparse storages): central directory, data.pkl, tensors and the
// local header of every storage record.
func BenchmarkNewFile100k(b *testing.B) {
	s := checkpoint(b, specs100k(), 4)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		f, err := pytorch.NewFile(s, s.size)
		if err != nil || len(f.Tensors) != 100_000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkNewFileLlama8B opens the sparse Llama-3.1-8B zip checkpoint.
func BenchmarkNewFileLlama8B(b *testing.B) {
	s := checkpoint(b, llamaSpecs(32, 4096, 1024, 14336, 128256), 2)
	c := &counting{r: s}
	b.ReportAllocs()
	for b.Loop() {
		f, err := pytorch.NewFile(c, s.size)
		if err != nil || len(f.Tensors) != 291 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.bytes)/float64(b.N), "readbytes/op")
	b.ReportMetric(float64(c.calls)/float64(b.N), "readat/op")
}
