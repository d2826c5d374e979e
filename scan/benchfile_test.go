package scan

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/x448/float16"

	"github.com/tensorcount/tensorcount/internal/fixture"
)

// TestWriteBenchFile writes the safetensors file that
// bench/numpy/README.md times tensorcount and NumPy on: the shapes of a
// 0.65B-parameter llama-style model (1.29 GB in BF16), filled with real
// random weights. It runs only when TENSORCOUNT_SCAN_BENCH_FILE names the
// file to write; TENSORCOUNT_SCAN_BENCH_DTYPE picks BF16 (the default),
// F16 or F32:
//
//	TENSORCOUNT_SCAN_BENCH_FILE=/tmp/bench.safetensors go test ./scan -run TestWriteBenchFile -v
func TestWriteBenchFile(t *testing.T) {
	path := os.Getenv("TENSORCOUNT_SCAN_BENCH_FILE")
	if path == "" {
		t.Skip("set TENSORCOUNT_SCAN_BENCH_FILE to the path of the benchmark file to write")
	}
	dtype := cmp.Or(os.Getenv("TENSORCOUNT_SCAN_BENCH_DTYPE"), "BF16")
	width := map[string]int{"BF16": 2, "F16": 2, "F32": 4}[dtype]
	if width == 0 {
		t.Fatalf("TENSORCOUNT_SCAN_BENCH_DTYPE=%s: want BF16, F16 or F32", dtype)
	}
	const layers, hidden, ffn, vocab = 10, 2048, 5632, 32000
	type spec struct {
		fixture.TensorSpec
		center, spread float64
	}
	var specs []spec
	add := func(name string, center, spread float64, shape ...uint64) {
		specs = append(specs, spec{fixture.TensorSpec{Name: name, Shape: shape, DType: dtype}, center, spread})
	}
	add("model.embed_tokens.weight", 0, 0.02, vocab, hidden)
	for i := range layers {
		p := fmt.Sprintf("model.layers.%d.", i)
		add(p+"input_layernorm.weight", 1, 0.05, hidden)
		for _, m := range []string{"q_proj", "k_proj", "v_proj", "o_proj"} {
			add(p+"self_attn."+m+".weight", 0, 0.02, hidden, hidden)
		}
		add(p+"post_attention_layernorm.weight", 1, 0.05, hidden)
		add(p+"mlp.gate_proj.weight", 0, 0.02, ffn, hidden)
		add(p+"mlp.up_proj.weight", 0, 0.02, ffn, hidden)
		add(p+"mlp.down_proj.weight", 0, 0.02, hidden, ffn)
	}
	add("model.norm.weight", 1, 0.05, hidden)
	add("lm_head.weight", 0, 0.02, vocab, hidden)

	st := fixture.Safetensors{Metadata: map[string]string{"format": "pt"}}
	for _, s := range specs {
		st.Tensors = append(st.Tensors, s.TensorSpec)
	}
	header, dataLen, err := st.Header()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 4<<20)
	binary.Write(w, binary.LittleEndian, uint64(len(header)))
	w.Write(header)
	for k, s := range specs {
		n := int(s.Elements())
		data := make([]byte, width*n)
		// Normal draws are the slow part: split them over the cores.
		const parts = 8
		var wg sync.WaitGroup
		for p := range parts {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(k), uint64(p)))
				for i := p * n / parts; i < (p+1)*n/parts; i++ {
					v := float32(s.center + s.spread*rng.NormFloat64())
					switch dtype {
					case "BF16":
						binary.LittleEndian.PutUint16(data[2*i:], uint16(math.Float32bits(v)>>16))
					case "F16":
						binary.LittleEndian.PutUint16(data[2*i:], float16.Fromfloat32(v).Bits())
					default:
						binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
					}
				}
			})
		}
		wg.Wait()
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d tensors, %d data bytes", path, len(specs), dataLen)
}
