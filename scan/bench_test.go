package scan

import (
	"context"
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/x448/float16"

	"github.com/tensorcount/tensorcount/format/safetensors"
)

// benchBytes is the size of the tensor each benchmark scans: far larger
// than any cache, so the figure is a streaming rate.
const benchBytes = 64 << 20

// benchData fills benchBytes of a dtype with realistic values: weights
// drawn around zero with a spread of 0.02, quant blocks with random
// quants. One MiB is generated and repeated, which keeps the setup fast
// without making the data cache-resident.
func benchData(dtype string) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	const tile = 1 << 20
	var b []byte
	w := func() float64 { return 0.02 * rng.NormFloat64() }
	for len(b) < tile {
		switch dtype {
		case "F32":
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(w())))
		case "F16":
			b = binary.LittleEndian.AppendUint16(b, float16.Fromfloat32(float32(w())).Bits())
		case "BF16":
			b = binary.LittleEndian.AppendUint16(b, uint16(math.Float32bits(float32(w()))>>16))
		case "F8_E4M3":
			x := byte(rng.Uint32())
			if x&0x7F == 0x7F {
				x = 0 // no NaN in real weights
			}
			b = append(b, x)
		case "I8":
			b = append(b, byte(rng.Uint32()))
		case "Q8_0", "Q4_0":
			b = append(b, f16bits(float32(0.001+0.002*rng.Float64()))...)
			n := 32
			if dtype == "Q4_0" {
				n = 16
			}
			for range n {
				b = append(b, byte(rng.Uint32()))
			}
		}
	}
	bb := int(testDTypes[dtype].BlockBytes)
	b = b[:len(b)/bb*bb]
	out := make([]byte, 0, benchBytes)
	for len(out)+len(b) <= benchBytes {
		out = append(out, b...)
	}
	return out
}

// BenchmarkScan reports the scan rate per dtype (MB/s in the output is
// 10⁶ bytes of stored tensor data per second).
func BenchmarkScan(b *testing.B) {
	for _, dtype := range []string{"F32", "F16", "BF16", "F8_E4M3", "I8", "Q8_0", "Q4_0"} {
		b.Run(dtype, func(b *testing.B) {
			var m memFile
			data := benchData(dtype)
			d := testDTypes[dtype]
			m.add("w", dtype, data, uint64(len(data)/int(d.BlockBytes)*int(d.BlockSize)))
			opt := Options{Open: m.open}
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := Scan(context.Background(), m.tensors, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScanFile scans the file TENSORCOUNT_SCAN_BENCH_FILE names (see
// TestWriteBenchFile) through the default memory map and, for
// comparison, through pread (an *os.File as Options.Open): warm the page
// cache first.
func BenchmarkScanFile(b *testing.B) {
	path := os.Getenv("TENSORCOUNT_SCAN_BENCH_FILE")
	if path == "" {
		b.Skip("set TENSORCOUNT_SCAN_BENCH_FILE to a safetensors file")
	}
	f, err := safetensors.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var size int64
	for _, t := range f.Tensors {
		size += t.Size
	}
	fh, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	for _, c := range []struct {
		name string
		opt  Options
	}{
		{"default", Options{}},
		{"pread", Options{Open: func(string) (io.ReaderAt, error) { return fh, nil }}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if _, err := Scan(context.Background(), f.Tensors, c.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKernel times the per-dtype inner loops on one 256 KiB piece
// (the scan's read size, so it stays in L2): the compute cost without the
// reads. cpu-ns/op is the thread's CPU time, the figure to trust on a
// machine shared with other work.
func BenchmarkKernel(b *testing.B) {
	for _, dtype := range []string{"F32", "F16", "BF16", "Q8_0", "Q4_0"} {
		b.Run(dtype, func(b *testing.B) {
			if c := codecs[dtype]; c.kind == count16 {
				b.Skip("counted on this CPU or build: see BenchmarkScan")
			}
			piece := benchData(dtype)[:pieceBytes/34*34]
			if dtype == "Q4_0" {
				piece = piece[:pieceBytes/18*18]
			}
			if dtype[0] != 'Q' {
				piece = piece[:pieceBytes]
			}
			vals := make([]float64, blockElems)
			b.SetBytes(int64(len(piece)))
			cpuPerOp(b, func() {
				var s Stats
				switch dtype {
				case "F32":
					for p := piece; len(p) > 0; {
						q := p[:min(4*blockElems, len(p))]
						s.addF32(q, vals)
						p = p[len(q):]
					}
				case "F16", "BF16":
					add := (*Stats).addF16
					if dtype == "BF16" {
						add = (*Stats).addBF16
					}
					for p := piece; len(p) > 0; {
						q := p[:min(2*blockElems, len(p))]
						add(&s, q, vals)
						p = p[len(q):]
					}
				case "Q8_0":
					s.addQ8_0(piece, vals)
				case "Q4_0":
					s.addQ4_0(piece, vals)
				}
			})
		})
	}
}
