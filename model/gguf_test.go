package model

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/corpus"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// tinyGGUF is a two-layer llama-style GGUF with the given extra metadata.
func tinyGGUF(extra ...ggufw.KV) ggufw.File {
	md := []ggufw.KV{
		{Key: "general.architecture", Value: ggufw.Str("llama")},
		{Key: "general.name", Value: ggufw.Str("Tiny Llama 2.1M")},
		{Key: "general.size_label", Value: ggufw.Str("2.1M")},
		{Key: "general.file_type", Value: ggufw.U32(7)},
		{Key: "llama.block_count", Value: ggufw.U32(2)},
		{Key: "llama.embedding_length", Value: ggufw.U32(64)},
		{Key: "llama.feed_forward_length", Value: ggufw.U32(176)},
		{Key: "llama.attention.head_count", Value: ggufw.U32(4)},
		{Key: "llama.attention.head_count_kv", Value: ggufw.U32(2)},
		{Key: "llama.context_length", Value: ggufw.U32(2048)},
	}
	md = append(md, extra...)
	md = append(md, ggufw.Vocab(512, 100)...)
	var ts []fixture.TensorSpec
	ts = append(ts, fixture.TensorSpec{Name: "token_embd.weight", Shape: []uint64{512, 64}, DType: "Q8_0"})
	for i := range 2 {
		p := fmt.Sprintf("blk.%d.", i)
		ts = append(ts,
			fixture.TensorSpec{Name: p + "attn_norm.weight", Shape: []uint64{64}, DType: "F32"},
			fixture.TensorSpec{Name: p + "attn_q.weight", Shape: []uint64{64, 64}, DType: "Q8_0"},
			fixture.TensorSpec{Name: p + "attn_k.weight", Shape: []uint64{32, 64}, DType: "Q8_0"},
			fixture.TensorSpec{Name: p + "attn_v.weight", Shape: []uint64{32, 64}, DType: "Q8_0"},
			fixture.TensorSpec{Name: p + "attn_output.weight", Shape: []uint64{64, 64}, DType: "Q8_0"},
			fixture.TensorSpec{Name: p + "ffn_norm.weight", Shape: []uint64{64}, DType: "F32"},
			fixture.TensorSpec{Name: p + "ffn_gate.weight", Shape: []uint64{176, 64}, DType: "Q8_0"},
			fixture.TensorSpec{Name: p + "ffn_up.weight", Shape: []uint64{176, 64}, DType: "Q8_0"},
			fixture.TensorSpec{Name: p + "ffn_down.weight", Shape: []uint64{64, 192}, DType: "Q8_0"},
		)
	}
	ts = append(ts, fixture.TensorSpec{Name: "output_norm.weight", Shape: []uint64{64}, DType: "F32"})
	return ggufw.File{Metadata: md, Tensors: ts}
}

func TestLoadGGUF(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny-Q8_0.gguf")
	require.NoError(t, tinyGGUF().Write(path))
	m, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, GGUF, m.Format)
	require.Len(t, m.Tensors, 20)
	a := m.Arch
	require.Equal(t, "llama", a.Architecture)
	require.Equal(t, 2, a.Layers)
	require.Equal(t, 64, a.HiddenSize)
	require.Equal(t, 176, a.FFNSize)
	require.Equal(t, 4, a.Heads)
	require.Equal(t, 2, a.KVHeads)
	require.Equal(t, 16, a.HeadDim)
	require.Equal(t, 512, a.VocabSize, "from the tokenizer array's length")
	require.Equal(t, 2048, a.ContextLength)
	require.Equal(t, "Tiny Llama 2.1M", a.Name)
	require.Equal(t, "2.1M", a.SizeLabel)
	require.Equal(t, 7, *a.FileType)
	require.Equal(t, "gguf", a.Source)
	// Tensor bytes exclude alignment padding.
	var bytes int64
	for _, tn := range m.Tensors {
		bytes += tn.Size
	}
	require.Equal(t, bytes, m.Files[0].Bytes)
	require.Less(t, m.Files[0].Bytes+m.Files[0].HeaderBytes, m.Files[0].Size+1)

	// A directory with the file, and an mmproj beside it, picks the model.
	require.NoError(t, tinyGGUF().Write(filepath.Join(dir, "mmproj-tiny-F16.gguf")))
	m, err = Load(dir)
	require.NoError(t, err)
	require.Equal(t, path, m.Files[0].Path)
	require.Contains(t, noteWith(t, m, "not counted"), "mmproj-tiny-F16.gguf")

	// Two quantizations are not guessed between.
	require.NoError(t, tinyGGUF().Write(filepath.Join(dir, "tiny-Q4_0.gguf")))
	_, err = Load(dir)
	require.ErrorContains(t, err, "2 GGUF files (tiny-Q4_0.gguf and tiny-Q8_0.gguf); pass the one to count")
}

// An Ollama blob has no extension; GGUF is recognised by its magic.
func TestLoadOllamaBlob(t *testing.T) {
	blobs := filepath.Join(t.TempDir(), "models", "blobs")
	require.NoError(t, os.MkdirAll(blobs, 0o755))
	path := filepath.Join(blobs, "sha256-6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa")
	require.NoError(t, tinyGGUF().Write(path))
	m, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, GGUF, m.Format)
	require.Len(t, m.Tensors, 20)
}

func TestLoadGGUFSplit(t *testing.T) {
	dir := t.TempDir()
	whole := tinyGGUF()
	parts := [][]fixture.TensorSpec{whole.Tensors[:7], whole.Tensors[7:14], whole.Tensors[14:]}
	for i, ts := range parts {
		f := ggufw.File{Tensors: ts, Metadata: []ggufw.KV{
			{Key: "split.no", Value: ggufw.U16(uint16(i))},
			{Key: "split.count", Value: ggufw.U16(3)},
			{Key: "split.tensors.count", Value: ggufw.I32(20)},
		}}
		if i == 0 {
			f.Metadata = append(whole.Metadata, f.Metadata...)
		}
		require.NoError(t, f.Write(filepath.Join(dir, fmt.Sprintf("tiny-Q8_0-%05d-of-00003.gguf", i+1))))
	}
	for _, path := range []string{dir, filepath.Join(dir, "tiny-Q8_0-00002-of-00003.gguf")} {
		m, err := Load(path)
		require.NoError(t, err, path)
		require.Len(t, m.Files, 3)
		require.Len(t, m.Tensors, 20)
		require.Equal(t, 2, m.Arch.Layers, "metadata from the first part")
		noteWith(t, m, "split GGUF: 3 parts")
	}
	require.NoError(t, os.Remove(filepath.Join(dir, "tiny-Q8_0-00003-of-00003.gguf")))
	_, err := Load(dir)
	require.ErrorContains(t, err, "00003")
}

func TestGGUFArchOddities(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "odd.gguf")
	f := tinyGGUF()
	// Per-layer FFN widths (as hybrid models write them), a block count
	// of the wrong type, MTP layers and MLA ranks.
	for i, kv := range f.Metadata {
		switch kv.Key {
		case "llama.feed_forward_length":
			f.Metadata[i].Value = ggufw.Uint32s(176, 0)
		case "llama.embedding_length":
			f.Metadata[i].Value = ggufw.Str("64")
		}
	}
	f.Metadata = append(f.Metadata,
		ggufw.KV{Key: "llama.expert_count", Value: ggufw.U32(4)},
		ggufw.KV{Key: "llama.expert_used_count", Value: ggufw.U32(8)},
	)
	require.NoError(t, f.Write(path))
	m, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, 176, m.Arch.FFNSize)
	require.Zero(t, m.Arch.HiddenSize)
	require.Zero(t, m.Arch.ExpertsPerToken)
	noteWith(t, m, "llama.feed_forward_length varies by layer (2 distinct values); the largest, 176, is shown")
	noteWith(t, m, "gguf llama.embedding_length:")
	noteWith(t, m, "gguf llama.expert_used_count is 8 but llama.expert_count is 4")
}

func TestLoadCorpusGGUF(t *testing.T) {
	m, err := Load(corpus.Path(t, "llama-2-tiny-random-gguf"))
	require.NoError(t, err)
	require.Len(t, m.Tensors, 12)
	require.Equal(t, "llama", m.Arch.Architecture)

	// Vocabulary-only files load with no tensors.
	m, err = Load(corpus.Path(t, "llamacpp-vocab/ggml-vocab-phi-3.gguf"))
	require.NoError(t, err)
	require.Empty(t, m.Tensors)
	require.Equal(t, "phi3", m.Arch.Architecture)

	_, err = Load(corpus.Path(t, "negative-utf8-mangled-gguf"))
	require.ErrorContains(t, err, `byte 399: key #9: string length exceeds the bytes remaining in the file`)
	require.ErrorContains(t, err, `"llama.attention.layer_norm_rms_epsilon"`)
}
