package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// FuzzEndToEnd writes the fuzzed bytes as a safetensors file and as a GGUF
// file, each in a directory with a fuzzed config.json and README.md, and
// runs every reading command on both. Whatever the bytes, nothing panics,
// every output is valid UTF-8 without a raw control (but newline and tab)
// or bidi character, and a --json run that succeeds prints valid JSON.
//
//	go test ./cmd/tensorcount -run '^$' -fuzz '^FuzzEndToEnd$' -fuzztime 5m -parallel 1
func FuzzEndToEnd(f *testing.F) {
	config, _ := os.ReadFile(filepath.Join(example, "config.json"))
	st, _ := os.ReadFile(filepath.Join(example, "model.safetensors"))
	if len(st) >= 8 {
		// The header and a little data: the seed stays small.
		n := 8 + binary.LittleEndian.Uint64(st)
		if n < uint64(len(st)) {
			st = st[:min(uint64(len(st)), n+64)]
		}
	}
	readme := []byte("---\nlicense: mit\n---\n# tiny-llama 7B\n\nA 15M model (non-embedding: 12M).\n")
	f.Add(st, config, readme)

	small := fixture.Safetensors{Tensors: []fixture.TensorSpec{
		{Name: "model.embed_tokens.weight", Shape: []uint64{8, 4}, DType: "BF16"},
		{Name: "model.layers.0.self_attn.q_proj.weight", Shape: []uint64{4, 4}, DType: "F16"},
		{Name: "lm_head.\x1b[31m\u202eweight", Shape: []uint64{8, 4}, DType: "BF16"},
	}, Metadata: map[string]string{"format": "pt"}}
	h, n, err := small.Header()
	if err == nil {
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		b = append(append(b, h...), make([]byte, n)...)
		f.Add(b, []byte(`{"model_type":"llama","num_hidden_layers":1,"hidden_size":4,"tie_word_embeddings":false}`), []byte("7B"))
	}
	g := ggufw.File{
		Metadata: []ggufw.KV{
			{Key: "general.architecture", Value: ggufw.Str("llama")},
			{Key: "general.name", Value: ggufw.Str("Tiny \x1b[31m7B\u202e")},
			{Key: "llama.block_count", Value: ggufw.U32(1)},
			{Key: "llama.embedding_length", Value: ggufw.U32(4)},
			{Key: "tokenizer.ggml.tokens", Value: ggufw.Strings([]string{"a", "\x00", "\u2066"})},
		},
		Tensors: []fixture.TensorSpec{
			{Name: "token_embd.weight", Shape: []uint64{4, 8}, DType: "F32"},
			{Name: "blk.0.attn_q.weight", Shape: []uint64{4, 4}, DType: "F16"},
		},
	}
	if gh, err := g.Header(); err == nil {
		f.Add(append(gh, make([]byte, 256)...), []byte(`{}`), []byte(""))
	}
	f.Add([]byte("GGUF\x03\x00\x00\x00"), []byte(`{"num_hidden_layers":1e309}`), []byte("\x9b31m"))

	// One directory serves every input, on tmpfs where there is one:
	// creating and removing files for each input on a disk mounted with
	// discard made the fuzzer run a few inputs a minute.
	base, err := os.MkdirTemp("/dev/shm", "tensorcount-fuzz-")
	if err != nil {
		base = f.TempDir()
	} else {
		f.Cleanup(func() { os.RemoveAll(base) })
	}
	var mu sync.Mutex
	f.Fuzz(func(t *testing.T, data, config, readme []byte) {
		mu.Lock()
		defer mu.Unlock()
		// A run that hangs is a failure too: the worker dies with every
		// goroutine's stack, and the input is kept.
		watchdog := time.AfterFunc(30*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("FuzzEndToEnd: an input ran 30 s:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		var dirs []string
		for _, name := range []string{"model.safetensors", "model.gguf"} {
			dir := filepath.Join(base, name+".d")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for file, b := range map[string][]byte{name: data, "config.json": config, "README.md": readme} {
				if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			dirs = append(dirs, dir)
		}
		for _, dir := range dirs {
			for _, args := range [][]string{
				{dir}, {dir, "--json"}, {dir, "--markdown"},
				{"tensors", dir}, {"tensors", dir, "--json"},
				{"layers", dir}, {"layers", dir, "--json"},
				{"audit", dir}, {"audit", dir, "--json"},
				{"metadata", dir}, {"metadata", dir, "--json"},
				{"scan", dir, "--quiet", "--workers", "1"}, {"scan", dir, "--quiet", "--workers", "1", "--json"},
			} {
				var o, e bytes.Buffer
				status := run(args, &o, &e)
				if bad := rawHostile(o.String()); bad != "" {
					t.Fatalf("%v: stdout: %s", args[:len(args)-1], bad)
				}
				if bad := rawHostile(e.String()); bad != "" {
					t.Fatalf("%v: stderr: %s", args, bad)
				}
				if status == exitOK && args[len(args)-1] == "--json" && !json.Valid(o.Bytes()) {
					t.Fatalf("%v: invalid JSON: %.300q", args, o.String())
				}
			}
		}
	})
}
