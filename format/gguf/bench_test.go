package gguf_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// bigHeader is a Llama-70B-shaped file (80 layers, 724 tensors) with a
// 256,000-token vocabulary and 256,000 merges: a header of several MB.
func bigHeader(b *testing.B) ggufw.File {
	return ggufw.File{
		Metadata: llamaMetadata(80, 256_000, 256_000),
		Tensors:  llamaSpecs(80, 8192, 1024, 28672, 256_000),
	}
}

// BenchmarkNewFileVocab256k parses the header from memory; SetBytes is
// the header length, so MB/s is header throughput.
func BenchmarkNewFileVocab256k(b *testing.B) {
	w := bigHeader(b)
	h, err := w.Header()
	require.NoError(b, err)
	_, dataLen, err := w.Layout()
	require.NoError(b, err)
	r := sparseReader{h, int64(len(h)) + int64(dataLen)}
	c := &countingReader{r: r}
	b.SetBytes(int64(len(h)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := gguf.NewFile(c, r.size)
		if err != nil || len(f.Tensors) != 724 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.calls)/float64(b.N), "readat/op")
	b.ReportMetric(float64(c.bytes)/float64(b.N), "readbytes/op")
}

// BenchmarkOpenVocab256k opens the same model as a sparse file through
// the memory map, as the command does.
func BenchmarkOpenVocab256k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.gguf")
	require.NoError(b, bigHeader(b).Write(path))
	b.ReportAllocs()
	for b.Loop() {
		f, err := gguf.Open(path)
		if err != nil || len(f.Tensors) != 724 {
			b.Fatal(err)
		}
		f.Close()
	}
}

// manyTensors is a file of n small tensors with llama-style names, as a
// million-expert checkpoint would have: the tensor directory is the whole
// header.
func manyTensors(n int) ggufw.File {
	specs := make([]fixture.TensorSpec, n)
	for i := range specs {
		specs[i] = spec(fmt.Sprintf("blk.%d.ffn_up_exps.%d.weight", i/256, i%256), "F16", 64, uint64(16+i%7*16))
	}
	return ggufw.File{Metadata: []ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}}, Tensors: specs}
}

// BenchmarkNewFileTensors parses directories of 100k and 1M tensors from
// memory: the per-tensor cost of the parser.
func BenchmarkNewFileTensors(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		w := manyTensors(n)
		h, err := w.Header()
		require.NoError(b, err)
		_, dataLen, err := w.Layout()
		require.NoError(b, err)
		r := sparseReader{h, int64(len(h)) + int64(dataLen)}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(h)))
			b.ReportAllocs()
			for b.Loop() {
				f, err := gguf.NewFile(r, r.size)
				if err != nil || len(f.Tensors) != n {
					b.Fatal(err)
				}
				_ = f.FormatTensors("x.gguf")
			}
		})
	}
}
