package gguf_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
)

// corpusDir holds real GGUF files written by other tools, with reference
// numbers in its MANIFEST.md.
const corpusDir = "../../../shared/corpus"

func corpusFile(t testing.TB, rel string) string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not present:", corpusDir)
	}
	return filepath.Join(corpusDir, rel)
}

type typeCount struct{ tensors, elements uint64 }

func TestCorpus(t *testing.T) {
	tests := []struct {
		file        string
		version     uint32
		tensors     int
		kvs         int
		elements    uint64
		perType     map[string]typeCount
		bytes       uint64
		dataOffset  int64
		arch        string
		vocabTokens uint64
	}{
		{"llama-2-tiny-random-gguf/llama-2-tiny-random.gguf", 3, 12, 18, 513048,
			map[string]typeCount{"F16": {9, 513024}, "F32": {3, 24}}, 1026144, 724416, "llama", 32000},
		{"stories260k-f32-gguf/tinyllamas-stories-260k-f32.gguf", 1, 48, 18, 292800,
			map[string]typeCount{"F32": {48, 292800}}, 1171200, 11456, "llama", 512},
		{"stories260k-q8_0-gguf/tinyllamas-stories-260k-q8_0.gguf", 2, 48, 20, 292800,
			map[string]typeCount{"Q8_0": {37, 292096}, "F32": {11, 704}}, 313168, 14240, "llama", 512},
		{"llamacpp-vocab/ggml-vocab-llama-spm.gguf", 3, 0, 22, 0, map[string]typeCount{}, 0, 723872, "llama", 32000},
		{"llamacpp-vocab/ggml-vocab-phi-3.gguf", 3, 0, 26, 0, map[string]typeCount{}, 0, 726048, "phi3", 32064},
		{"llamacpp-vocab/ggml-vocab-bert-bge.gguf", 3, 0, 20, 0, map[string]typeCount{}, 0, 627552, "bert", 30522},
		{"llamacpp-vocab/ggml-vocab-gpt-2.gguf", 3, 0, 16, 0, map[string]typeCount{}, 0, 1766816, "gpt2", 50257},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			path := corpusFile(t, tt.file)
			f, err := gguf.Open(path)
			require.NoError(t, err)
			defer f.Close()
			require.Equal(t, tt.version, f.Version)
			require.Len(t, f.Tensors, tt.tensors)
			require.Len(t, f.Metadata, tt.kvs)
			require.Equal(t, tt.dataOffset, f.DataOffset)
			require.Equal(t, uint64(32), f.Alignment)
			require.Equal(t, tt.arch, f.Architecture())
			if strings.Contains(tt.file, "q8_0") {
				// Five ffn_down tensors with ne[0] = 172, blocked flat.
				require.Len(t, f.Warnings, 5)
				require.Contains(t, f.Warnings[0], `tensor "blk.0.ffn_down.weight": ne[0] = 172 is not a multiple of the Q8_0 block size 32`)
			} else {
				require.Empty(t, f.Warnings)
			}

			var elements, bytes uint64
			perType := map[string]typeCount{}
			for _, ti := range f.Infos() {
				elements += ti.Elements
				bytes += ti.Bytes
				c := perType[ti.Type.String()]
				perType[ti.Type.String()] = typeCount{c.tensors + 1, c.elements + ti.Elements}
			}
			require.Equal(t, tt.elements, elements)
			require.Equal(t, tt.bytes, bytes)
			require.Equal(t, tt.perType, perType)

			// Open names its path as every tensor's File.
			for _, ft := range f.Tensors {
				require.Equal(t, path, ft.File, ft.Name)
			}
			// The shared form agrees and carries absolute offsets.
			var fe uint64
			for _, ft := range f.FormatTensors(path) {
				fe += ft.Elements()
				require.Equal(t, path, ft.File)
				require.GreaterOrEqual(t, ft.Offset, f.DataOffset)
				require.LessOrEqual(t, ft.Offset+ft.Size, f.Size)
			}
			require.Equal(t, tt.elements, fe)

			tokens, ok := f.Lookup("tokenizer.ggml.tokens")
			require.True(t, ok)
			n, err := tokens.ArrayLen()
			require.NoError(t, err)
			require.Equal(t, tt.vocabTokens, n)
			seen := 0
			require.NoError(t, f.EachArrayString(tokens, func(i int, s []byte) error {
				require.Equal(t, seen, i)
				seen++
				return nil
			}))
			require.Equal(t, int(n), seen)
		})
	}
}

// The llama-2-tiny-random tensors, checked one by one against the
// reference walker: names, shapes in PyTorch order, types.
func TestCorpusTinyLlamaShapes(t *testing.T) {
	f, err := gguf.Open(corpusFile(t, "llama-2-tiny-random-gguf/llama-2-tiny-random.gguf"))
	require.NoError(t, err)
	defer f.Close()
	emb, ok := f.Tensor("token_embd.weight")
	require.True(t, ok)
	require.Equal(t, []uint64{8, 32000}, emb.Dims)
	require.Equal(t, []uint64{32000, 8}, emb.Shape())
	require.Equal(t, gguf.TypeF16, emb.Type)
	blocks, ok := f.Lookup("llama.block_count")
	require.True(t, ok)
	n, err := blocks.Uint()
	require.NoError(t, err)
	require.Equal(t, uint64(1), n)
}

func TestCorpusStoriesV1Metadata(t *testing.T) {
	f, err := gguf.Open(corpusFile(t, "stories260k-f32-gguf/tinyllamas-stories-260k-f32.gguf"))
	require.NoError(t, err)
	defer f.Close()
	kv, ok := f.Lookup("llama.tensor_data_layout")
	require.True(t, ok)
	s, err := kv.String()
	require.NoError(t, err)
	require.Equal(t, "Meta AI original pth", s)
	_, ok = f.Lookup("general.file_type")
	require.False(t, ok)

	q8, err := gguf.Open(corpusFile(t, "stories260k-q8_0-gguf/tinyllamas-stories-260k-q8_0.gguf"))
	require.NoError(t, err)
	defer q8.Close()
	ft, ok := q8.Lookup("general.file_type")
	require.True(t, ok)
	v, err := ft.Uint()
	require.NoError(t, err)
	require.Equal(t, uint64(7), v)
}

// The mangled copy of the llama-spm vocabulary: U+FFFD replacement bytes
// shifted everything after the epsilon float, so the ninth key's length
// reads as 73,939,795,391. The error must say where and which key.
func TestCorpusMangled(t *testing.T) {
	path := corpusFile(t, "negative-utf8-mangled-gguf/ggml-vocab-llama-spm.uShure-mangled.gguf")
	f, err := gguf.Open(path)
	require.Nil(t, f)
	var fe *format.Error
	require.True(t, errors.As(err, &fe), "%T %v", err, err)
	require.Equal(t, path, fe.File)
	require.Equal(t, int64(399), fe.Offset)
	require.Equal(t, "key #9", fe.Field)
	require.Equal(t, uint64(73939795391), fe.Value)
	require.Contains(t, fe.Msg, "string length exceeds the bytes remaining")
	require.Contains(t, fe.Msg, `"llama.attention.layer_norm_rms_epsilon"`)
	require.Contains(t, err.Error(), "byte 399")
}
