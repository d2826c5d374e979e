package gguf_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// llamaSpecs returns a Llama-architecture tensor list in gguf-py's order
// with a Q4_K_M-style type mix: Q6_K for the output head and, as
// llama.cpp's use_more_bits does, for attn_v and ffn_down in the first and
// last eighth of the layers and every third layer between; Q4_K for the
// other matrices; F32 for norms and rope_freqs.
func llamaSpecs(layers int, hidden, kvDim, ffn, vocab uint64) []fixture.TensorSpec {
	moreBits := func(i int) bool {
		return i < layers/8 || i >= 7*layers/8 || (i-layers/8)%3 == 2
	}
	specs := []fixture.TensorSpec{
		spec("token_embd.weight", "Q4_K", vocab, hidden),
		spec("rope_freqs.weight", "F32", 64),
	}
	for i := range layers {
		vType := "Q4_K"
		if moreBits(i) {
			vType = "Q6_K"
		}
		b := fmt.Sprintf("blk.%d.", i)
		specs = append(specs,
			spec(b+"attn_norm.weight", "F32", hidden),
			spec(b+"attn_q.weight", "Q4_K", hidden, hidden),
			spec(b+"attn_k.weight", "Q4_K", kvDim, hidden),
			spec(b+"attn_v.weight", vType, kvDim, hidden),
			spec(b+"attn_output.weight", "Q4_K", hidden, hidden),
			spec(b+"ffn_norm.weight", "F32", hidden),
			spec(b+"ffn_gate.weight", "Q4_K", ffn, hidden),
			spec(b+"ffn_up.weight", "Q4_K", ffn, hidden),
			spec(b+"ffn_down.weight", vType, hidden, ffn),
		)
	}
	return append(specs,
		spec("output_norm.weight", "F32", hidden),
		spec("output.weight", "Q6_K", vocab, hidden),
	)
}

func llamaMetadata(layers int, vocab, merges int) []ggufw.KV {
	kvs := []ggufw.KV{
		{Key: "general.architecture", Value: ggufw.Str("llama")},
		{Key: "general.name", Value: ggufw.Str("Meta Llama 3.1 8B Instruct")},
		{Key: "general.file_type", Value: ggufw.U32(15)},
		{Key: "general.quantization_version", Value: ggufw.U32(2)},
		{Key: "llama.block_count", Value: ggufw.U32(uint32(layers))},
		{Key: "llama.context_length", Value: ggufw.U32(131072)},
		{Key: "llama.embedding_length", Value: ggufw.U32(4096)},
		{Key: "llama.feed_forward_length", Value: ggufw.U32(14336)},
		{Key: "llama.attention.head_count", Value: ggufw.U32(32)},
		{Key: "llama.attention.head_count_kv", Value: ggufw.U32(8)},
		{Key: "llama.rope.freq_base", Value: ggufw.F32(500000)},
		{Key: "llama.attention.layer_norm_rms_epsilon", Value: ggufw.F32(1e-5)},
		{Key: "llama.vocab_size", Value: ggufw.U32(uint32(vocab))},
		{Key: "llama.rope.dimension_count", Value: ggufw.U32(128)},
	}
	return append(kvs, ggufw.Vocab(vocab, merges)...)
}

// Llama-3.1-8B's real shapes, Q4_K_M-style, 128,256-token vocabulary with
// Llama 3's 280,147 merges, written sparse: the header is real, the 4.9 GB
// of data is a hole.
func TestLlama31_8BSparse(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 4.9 GB sparse file")
	}
	specs := llamaSpecs(32, 4096, 1024, 14336, 128256)
	w := ggufw.File{Metadata: llamaMetadata(32, 128256, 280147), Tensors: specs}
	path := writeFixture(t, "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", w)
	f, err := gguf.Open(path)
	require.NoError(t, err)
	defer f.Close()

	require.Len(t, f.Tensors, 292)
	require.Equal(t, uint64(8_030_261_312), elementsOf(f))
	require.Empty(t, f.Warnings)

	// Bytes, from the block layouts by hand: Q4_K 144 per 256, Q6_K 210
	// per 256, F32 4 per element.
	perType := map[string]uint64{}
	var wantBytes uint64
	for _, s := range specs {
		perType[s.DType] += s.Elements()
		switch s.DType {
		case "Q4_K":
			wantBytes += s.Elements() / 256 * 144
		case "Q6_K":
			wantBytes += s.Elements() / 256 * 210
		case "F32":
			wantBytes += s.Elements() * 4
		}
	}
	var gotBytes uint64
	gotPerType := map[string]uint64{}
	for _, x := range f.FormatTensors(path) {
		gotBytes += uint64(x.Size)
		gotPerType[x.DType.Name] += x.Elements()
	}
	require.Equal(t, wantBytes, gotBytes)
	require.Equal(t, perType, gotPerType)
	require.Equal(t, uint64(4096+64+32*2*4096), perType["F32"])

	emb, ok := f.Tensor("token_embd.weight")
	require.True(t, ok)
	require.Equal(t, []uint64{4096, 128256}, emb.Dims)
	require.Equal(t, []uint64{128256, 4096}, emb.Shape())
	out, _ := f.Tensor("output.weight")
	require.Equal(t, gguf.TypeQ6_K, out.Type)
	k, _ := f.Tensor("blk.31.attn_k.weight")
	require.Equal(t, []uint64{1024, 4096}, k.Shape())

	kv, _ := f.Lookup("tokenizer.ggml.tokens")
	n, err := kv.ArrayLen()
	require.NoError(t, err)
	require.Equal(t, uint64(128256), n)
	kv, _ = f.Lookup("tokenizer.ggml.merges")
	n, _ = kv.ArrayLen()
	require.Equal(t, uint64(280147), n)

	// The file is as long as the real one but occupies only its header.
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Greater(t, fi.Size(), int64(4_500_000_000))
	require.Equal(t, fi.Size(), f.DataOffset+int64(out.Offset)+int64((out.Bytes+31)/32*32))
	if used, ok := fixture.DiskUsage(fi); ok {
		require.Less(t, used, int64(32<<20), "file is not sparse")
	}
}

// Hostile counts and lengths in a 1 KiB file are rejected at once, with
// allocations that do not depend on the numbers claimed.
func TestHostileCountsAllocateLittle(t *testing.T) {
	pad := make([]byte, 1024-24)
	cases := map[string][]byte{
		"2^60 tensors":     le3().Header("GGUF", 1<<60, 0).Raw(pad...).Bytes(),
		"10^9 KVs":         le3().Header("GGUF", 0, 1e9).Raw(pad...).Bytes(),
		"2^40-byte key":    le3().Header("GGUF", 0, 1).U64(1 << 40).Raw(pad[8:]...).Bytes(),
		"2^40-byte string": le3().Header("GGUF", 0, 1).Str("k").U32(8).U64(1 << 40).Raw(pad[21:]...).Bytes(),
		"2^40 elements":    le3().Header("GGUF", 0, 1).Str("k").U32(9).U32(4).U64(1 << 40).Raw(pad[25:]...).Bytes(),
		"2^40 dims":        le3().Header("GGUF", 1, 0).Str("t").U32(2).U64(1 << 40).U64(1 << 40).U32(0).U64(0).Raw(pad[41:]...).Bytes(),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			require.Len(t, b, 1024)
			allocs := testing.AllocsPerRun(20, func() {
				_, err := parseBytes(b)
				require.Error(t, err)
			})
			require.LessOrEqual(t, allocs, 32.0)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 10 {
				_, _ = parseBytes(b)
			}
			runtime.ReadMemStats(&after)
			require.Less(t, (after.TotalAlloc-before.TotalAlloc)/10, uint64(16<<10))
		})
	}
}

// Counting tensors costs the same allocations whatever the vocabulary
// size: arrays are walked, never loaded.
func TestAllocationsIndependentOfVocabulary(t *testing.T) {
	specs := llamaSpecs(4, 4096, 1024, 14336, 32000)
	headers := map[int]*gguf.File{}
	allocs := map[int]float64{}
	for _, vocab := range []int{20_000, 256_000} {
		w := ggufw.File{Metadata: llamaMetadata(4, vocab, vocab), Tensors: specs}
		h, err := w.Header()
		require.NoError(t, err)
		_, dataLen, err := w.Layout()
		require.NoError(t, err)
		r := sparseReader{h, int64(len(h)) + int64(dataLen)}
		allocs[vocab] = testing.AllocsPerRun(5, func() {
			f, err := gguf.NewFile(r, r.size)
			require.NoError(t, err)
			headers[vocab] = f
		})
	}
	if raceEnabled {
		require.InDelta(t, allocs[20_000], allocs[256_000], 16)
	} else {
		require.Equal(t, allocs[20_000], allocs[256_000])
	}
	require.Len(t, headers[256_000].Tensors, len(specs))
	t.Logf("allocations per parse: %v", allocs)
}

// The header is read once, front to back, through the window: the bytes
// read are the header plus at most a window, in few calls.
func TestReadsOnlyTheHeader(t *testing.T) {
	w := ggufw.File{Metadata: llamaMetadata(32, 128256, 280147), Tensors: llamaSpecs(32, 4096, 1024, 14336, 128256)}
	h, err := w.Header()
	require.NoError(t, err)
	_, dataLen, err := w.Layout()
	require.NoError(t, err)
	c := &countingReader{r: sparseReader{h, int64(len(h)) + int64(dataLen)}}
	f, err := gguf.NewFile(c, int64(len(h))+int64(dataLen))
	require.NoError(t, err)
	require.Len(t, f.Tensors, 292)
	require.Greater(t, len(h), 4<<20)
	require.LessOrEqual(t, c.bytes, int64(len(h))+64<<10)
	require.LessOrEqual(t, c.calls, int64(len(h)/(64<<10)+4))
	t.Logf("header %d bytes: %d ReadAt calls, %d bytes read", len(h), c.calls, c.bytes)
}
