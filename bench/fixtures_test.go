package bench

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tensorcount/tensorcount/internal/corpus"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// fixtures are written once per run, on first use.
var fixtures struct {
	once     sync.Once
	dir      string
	err      error
	vocab256 string // GGUF: 256,000-entry vocabulary and merges, ~700 tensors
	llama8b  string // 4-shard Llama-3.1-8B safetensors set
	ds163    string // 163-shard, 91,991-tensor DeepSeek-V3-shaped set
}

func setup(b testing.TB) {
	b.Helper()
	fixtures.once.Do(func() {
		// TENSORCOUNT_BENCH_DIR keeps the fixtures (and reuses them) so
		// that the CLI can be timed on them by hand.
		if dir := os.Getenv("TENSORCOUNT_BENCH_DIR"); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, "deepseek-163")); err == nil {
				fixtures.vocab256 = filepath.Join(dir, "vocab256k-Q4_K_M.gguf")
				fixtures.llama8b = filepath.Join(dir, "llama-3.1-8b")
				fixtures.ds163 = filepath.Join(dir, "deepseek-163")
				return
			}
			fixtures.err = os.MkdirAll(dir, 0o755)
			if fixtures.err == nil {
				fixtures.err = writeFixtures(dir)
			}
			return
		}
		dir, err := os.MkdirTemp("", "tensorcount-bench-")
		if err != nil {
			fixtures.err = err
			return
		}
		fixtures.dir = dir
		fixtures.err = writeFixtures(dir)
	})
	if fixtures.err != nil {
		b.Fatal(fixtures.err)
	}
}

func writeFixtures(dir string) error {
	// An 80-layer llama (724 tensors) in a Q4_K_M-style mix with a
	// 256,000-token vocabulary and 256,000 merges: the tokenizer arrays
	// put the tensor table about 10 MB into the file.
	m := archs.GGUFLlama(archs.Dims{Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, HeadDim: 128, FFN: 28672, Vocab: 256000}, true)
	f := ggufw.File{Tensors: m.Tensors}
	for _, kv := range m.KV {
		if s, ok := kv.Value.(string); ok {
			f.Metadata = append(f.Metadata, ggufw.KV{Key: kv.Key, Value: ggufw.Str(s)})
		} else if u, ok := kv.Value.(uint32); ok {
			f.Metadata = append(f.Metadata, ggufw.KV{Key: kv.Key, Value: ggufw.U32(u)})
		} else if x, ok := kv.Value.(float32); ok {
			f.Metadata = append(f.Metadata, ggufw.KV{Key: kv.Key, Value: ggufw.F32(x)})
		}
	}
	f.Metadata = append(f.Metadata, ggufw.Vocab(256000, 256000)...)
	fixtures.vocab256 = filepath.Join(dir, "vocab256k-Q4_K_M.gguf")
	if err := f.Write(fixtures.vocab256); err != nil {
		return err
	}

	fixtures.llama8b = filepath.Join(dir, "llama-3.1-8b")
	if err := os.Mkdir(fixtures.llama8b, 0o755); err != nil {
		return err
	}
	if _, err := archs.WriteSharded(fixtures.llama8b, archs.Llama31_8B(), archs.Llama31_8BShards()); err != nil {
		return err
	}

	fixtures.ds163 = filepath.Join(dir, "deepseek-163")
	if err := os.Mkdir(fixtures.ds163, 0o755); err != nil {
		return err
	}
	ds, shards := archs.DeepSeekV3Bench()
	_, err := archs.WriteSharded(fixtures.ds163, ds, shards)
	return err
}

// corpusGGUF lists the corpus GGUF files with tensors, when the corpus is
// present.
func corpusGGUF() map[string]string {
	dir, ok := corpus.Find()
	if !ok {
		return nil
	}
	return map[string]string{
		"llama-2-tiny-random": filepath.Join(dir, "llama-2-tiny-random-gguf", "llama-2-tiny-random.gguf"),
		"stories260k-f32-v1":  filepath.Join(dir, "stories260k-f32-gguf", "tinyllamas-stories-260k-f32.gguf"),
		"stories260k-q8_0-v2": filepath.Join(dir, "stories260k-q8_0-gguf", "tinyllamas-stories-260k-q8_0.gguf"),
		"vocab-gpt-2":         filepath.Join(dir, "llamacpp-vocab", "ggml-vocab-gpt-2.gguf"),
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtures.dir != "" {
		os.RemoveAll(fixtures.dir)
	}
	os.Exit(code)
}
