package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	"github.com/x448/float16"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// The fixtures, by name, under the fixture directory.
const (
	vocab256   = "vocab256k-Q4_K_M.gguf"
	gguf100k   = "tensors-100k.gguf"
	gguf1M     = "tensors-1M.gguf"
	st100k     = "tensors-100k.safetensors"
	st1M       = "tensors-1M.safetensors"
	deepseek   = "deepseek-163"
	scanPrefix = "scan-"
)

// scanDTypes are the dtypes of the scan files: safetensors for the float
// types, GGUF for the quants.
var scanDTypes = []string{"F32", "F16", "BF16", "Q8_0", "Q4_0"}

func scanFile(dtype string) string {
	if dtype[0] == 'Q' {
		return scanPrefix + dtype + ".gguf"
	}
	return scanPrefix + dtype + ".safetensors"
}

// generate writes every fixture into dir (skipping those already there),
// in its own process so that the launcher's memory stays small.
func generate(dir string, scanMiB int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	exists := func(name string) bool { _, err := os.Stat(filepath.Join(dir, name)); return err == nil }
	if !exists(vocab256) {
		// An 80-layer llama (724 tensors) with a 256,000-token vocabulary
		// and 256,000 merges, as bench/fixtures_test.go writes it.
		m := archs.GGUFLlama(archs.Dims{Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, HeadDim: 128, FFN: 28672, Vocab: 256000}, true)
		f := ggufw.File{Tensors: m.Tensors}
		for _, kv := range m.KV {
			switch v := kv.Value.(type) {
			case string:
				f.Metadata = append(f.Metadata, ggufw.KV{Key: kv.Key, Value: ggufw.Str(v)})
			case uint32:
				f.Metadata = append(f.Metadata, ggufw.KV{Key: kv.Key, Value: ggufw.U32(v)})
			case float32:
				f.Metadata = append(f.Metadata, ggufw.KV{Key: kv.Key, Value: ggufw.F32(v)})
			}
		}
		f.Metadata = append(f.Metadata, ggufw.Vocab(256000, 256000)...)
		if err := f.Write(filepath.Join(dir, vocab256)); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		gguf, st string
		n        int
	}{{gguf100k, st100k, 100_000}, {gguf1M, st1M, 1_000_000}} {
		specs := manyTensors(c.n)
		if !exists(c.gguf) {
			f := ggufw.File{Metadata: []ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}}, Tensors: specs}
			if err := f.Write(filepath.Join(dir, c.gguf)); err != nil {
				return err
			}
		}
		if !exists(c.st) {
			if err := (fixture.Safetensors{Tensors: specs}).Write(filepath.Join(dir, c.st)); err != nil {
				return err
			}
		}
	}
	if !exists(deepseek) {
		tmp := filepath.Join(dir, deepseek+".tmp")
		os.RemoveAll(tmp)
		if err := os.Mkdir(tmp, 0o755); err != nil {
			return err
		}
		ds, shards := archs.DeepSeekV3Bench()
		if _, err := archs.WriteSharded(tmp, ds, shards); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, deepseek)); err != nil {
			return err
		}
	}
	for _, dt := range scanDTypes {
		if !exists(scanFile(dt)) {
			if err := writeScanFile(filepath.Join(dir, scanFile(dt)), dt, int64(scanMiB)<<20); err != nil {
				return err
			}
		}
	}
	return nil
}

// manyTensors is n small tensors with MoE-style names: a directory that
// is the whole header, for the per-tensor cost of parsing. The same specs
// are written as GGUF and as safetensors (F16 in both); names and shapes
// are short enough for a million entries to fit the 100 MB safetensors
// header limit.
func manyTensors(n int) []fixture.TensorSpec {
	specs := make([]fixture.TensorSpec, n)
	for i := range specs {
		specs[i] = fixture.TensorSpec{Name: fmt.Sprintf("blk.%d.exp.%d", i/256, i%256),
			Shape: []uint64{uint64(1 + i%3), 32}, DType: "F16"}
	}
	return specs
}

// writeScanFile writes about size bytes of real random data of a dtype:
// 2048×2048 weights (so that, as in a real model, tensors share shapes
// and are hashed for duplicates) drawn around zero with a spread of 0.02;
// quant blocks with scales of 0.001–0.003 and uniform quants.
func writeScanFile(path, dtype string, size int64) error {
	const rows, cols = 2048, 2048
	perTensor := map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "Q8_0": 34, "Q4_0": 18}[dtype] * rows * cols
	if dtype[0] == 'Q' {
		perTensor /= 32
	}
	n := max(int(size/perTensor), 1)
	specs := make([]fixture.TensorSpec, n)
	data := map[string][]byte{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range specs {
		specs[i] = fixture.TensorSpec{Name: fmt.Sprintf("blk.%d.ffn_up.weight", i), Shape: []uint64{rows, cols}, DType: dtype}
		wg.Go(func() {
			b := randomData(dtype, perTensor, uint64(i))
			mu.Lock()
			data[specs[i].Name] = b
			mu.Unlock()
		})
	}
	wg.Wait()
	if dtype[0] == 'Q' {
		return ggufw.File{Metadata: []ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}}, Tensors: specs, Data: data}.Write(path)
	}
	return fixture.Safetensors{Tensors: specs, Data: data}.Write(path)
}

func randomData(dtype string, n int64, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 17))
	b := make([]byte, 0, n)
	w := func() float32 { return float32(0.02 * rng.NormFloat64()) }
	for int64(len(b)) < n {
		switch dtype {
		case "F32":
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(w()))
		case "F16":
			b = binary.LittleEndian.AppendUint16(b, float16.Fromfloat32(w()).Bits())
		case "BF16":
			b = binary.LittleEndian.AppendUint16(b, uint16(math.Float32bits(w())>>16))
		default:
			b = binary.LittleEndian.AppendUint16(b, float16.Fromfloat32(float32(0.001+0.002*rng.Float64())).Bits())
			k := 32
			if dtype == "Q4_0" {
				k = 16
			}
			for range k / 8 {
				b = binary.LittleEndian.AppendUint64(b, rng.Uint64())
			}
		}
	}
	return b
}
