package safetensors

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tensorcount/tensorcount/internal/fixture"
)

// manyTensorsImage is a safetensors file image of n small tensors (data
// left out: the reader never touches it) and the size of the whole file.
func manyTensorsImage(b testing.TB, n int) ([]byte, int64) {
	specs := make([]fixture.TensorSpec, n)
	for i := range specs {
		specs[i] = fixture.TensorSpec{Name: fmt.Sprintf("blk.%d.exp.%d", i/256, i%256), Shape: []uint64{uint64(1 + i%3), 32}, DType: "F16"}
	}
	h, dataLen, err := fixture.Safetensors{Tensors: specs}.Header()
	if err != nil {
		b.Fatal(err)
	}
	img := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	img = append(img, h...)
	return img, int64(len(img)) + int64(dataLen)
}

// sparse serves an image and zeros after it.
type sparse struct{ img []byte }

func (s sparse) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	if off < int64(len(s.img)) {
		n = copy(p, s.img[off:])
	}
	clear(p[n:])
	return len(p), nil
}

// BenchmarkNewFileTensors parses headers of 100k and 1M tensors from
// memory: the per-tensor cost of the reader.
func BenchmarkNewFileTensors(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		img, size := manyTensorsImage(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(img)))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				f, err := NewFile(sparse{img}, size)
				if err != nil || len(f.Tensors) != n {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}

// BenchmarkOpenSet opens the sharded set in TENSORCOUNT_BENCH_SET (a
// directory with model.safetensors.index.json, such as the 163 shards
// bench/cmd/speedtable writes).
func BenchmarkOpenSet(b *testing.B) {
	dir := os.Getenv("TENSORCOUNT_BENCH_SET")
	if dir == "" {
		b.Skip("set TENSORCOUNT_BENCH_SET to a sharded checkpoint's directory")
	}
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		s, err := OpenSet(filepath.Join(dir, "model.safetensors.index.json"))
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	reportCPU(b, start)
}
