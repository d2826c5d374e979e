package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// A 64 MiB general.name (within the 256 MiB string limit) is read once
// and kept only as a preview: the summary's JSON and text stay small and
// a whole run allocates well under three times the string.
func TestHugeGGUFStringNotCopied(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 64 MiB file")
	}
	const size = 64 << 20
	path := filepath.Join(t.TempDir(), "big.gguf")
	name := strings.Repeat("n", size)
	require.NoError(t, ggufw.File{
		Metadata: []ggufw.KV{
			{Key: "general.architecture", Value: ggufw.Str("llama")},
			{Key: "general.name", Value: ggufw.Str(name)},
			{Key: "llama.block_count", Value: ggufw.U32(1)},
		},
		Tensors: []fixture.TensorSpec{{Name: "token_embd.weight", Shape: []uint64{16, 64}, DType: "F32"}},
	}.Write(path))
	name = ""

	for _, args := range [][]string{{path, "--json"}, {path}, {"audit", path}, {"audit", path, "--json"}, {"metadata", path}} {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var o, e bytes.Buffer
		status := run(args, &o, &e)
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%v: status %d, %d bytes out, %d MiB allocated", args, status, o.Len(), alloc>>20)
		require.Less(t, o.Len()+e.Len(), 64<<10, "%v: output stays small", args)
		limit := uint64(3 * size / 2) // the string once, read from the file
		if args[0] == "metadata" {
			limit = 3 * size // the model is loaded, then the metadata read again
		}
		require.Less(t, alloc, limit, "%v: total allocation", args)
		if args[len(args)-1] == "--json" {
			require.True(t, json.Valid(o.Bytes()))
		}
	}
}

// One tensor name of 50 MB: no text table is padded to its width, with
// or without --wide, and every line stays short.
func TestHugeTensorNameTables(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 50 MB header")
	}
	dir := t.TempDir()
	long := "model.layers.0." + strings.Repeat("x", 50<<20) + ".weight"
	require.NoError(t, fixture.Safetensors{Tensors: []fixture.TensorSpec{
		{Name: "model.embed_tokens.weight", Shape: []uint64{64, 16}, DType: "F32"},
		{Name: long, Shape: []uint64{16}, DType: "F32"},
	}}.Write(filepath.Join(dir, "model.safetensors")))
	long = ""
	for _, args := range [][]string{{dir, "--wide"}, {"tensors", dir}, {"tensors", dir, "--wide"}, {"layers", dir, "--wide"}, {"scan", dir}} {
		out, errOut, _ := tc(args...)
		require.Less(t, len(out)+len(errOut), 64<<10, "%v", args)
		for _, line := range strings.Split(out, "\n") {
			require.LessOrEqual(t, len([]rune(line)), 300, "%v: %.100q", args, line)
		}
	}
}
