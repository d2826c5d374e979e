package scan

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/corpus"
)

// testdata/ggml-q4_0 holds a GGUF file that ggml, llama.cpp's tensor
// library, quantized to Q4_0 and wrote, with the statistics of what
// ggml's own dequantizer reads back from it (make.sh). The scan must find
// the same: counts, zeros and extremes exactly, the moments to the last
// bits, by the vector kernels and the Go ones alike.
func TestGGMLQ4_0(t *testing.T) {
	const dir = "testdata/ggml-q4_0/"
	var expected struct {
		Tensors map[string]struct {
			Type                string
			Values, Zeros       uint64
			Min, Max, Mean, Std float64
		}
	}
	b, err := os.ReadFile(dir + "expected.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &expected))

	f, err := gguf.Open(dir + "model-q4_0.gguf")
	require.NoError(t, err)
	defer f.Close()
	scan := func() *Result {
		res, err := Scan(context.Background(), f.Tensors, Options{Role: role})
		require.NoError(t, err)
		require.Zero(t, res.Skipped)
		return res
	}
	res := scan()
	if hasAVX2 {
		// The same file through the Go kernels: the same figures, to the bit.
		defer func() { vector = true }()
		vector = false
		require.Equal(t, res.Tensors, scan().Tensors, "the Go kernels")
	}

	require.Len(t, res.Tensors, len(expected.Tensors))
	quantized := 0
	for _, ts := range res.Tensors {
		want, ok := expected.Tensors[ts.Name]
		require.True(t, ok, ts.Name)
		s := ts.Stats
		if want.Type == "q4_0" {
			quantized++
		}
		require.Equal(t, want.Values, s.Finite, ts.Name)
		require.Zero(t, s.NonFinite(), ts.Name)
		require.Equal(t, want.Zeros, s.Zeros, ts.Name)
		require.Equal(t, want.Min, s.Min, ts.Name)
		require.Equal(t, want.Max, s.Max, ts.Name)
		require.InDelta(t, want.Mean, s.Mean, 1e-12*want.Std, ts.Name)
		require.InEpsilon(t, want.Std, s.Std(), 1e-12, ts.Name)
	}
	require.Equal(t, 6, quantized)
	require.Len(t, res.Findings.Identical, 1, "output.weight stores token_embd.weight again")
}

// llama.cpp's Q8_0 conversion of stories260k, scanned by the vector
// kernels and by the Go ones: the same figures, to the bit.
func TestCorpusQ8_0KernelsAgree(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no vector kernel on this CPU or build")
	}
	path := corpus.Path(t, "stories260k-q8_0-gguf/tinyllamas-stories-260k-q8_0.gguf")
	f, err := gguf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	scan := func() []TensorStats {
		res, err := Scan(context.Background(), f.Tensors, Options{Role: role})
		require.NoError(t, err)
		return res.Tensors
	}
	fast := scan()
	defer func() { vector = true }()
	vector = false
	require.Equal(t, fast, scan())
	q8 := 0
	for _, ts := range fast {
		if ts.DType == "Q8_0" {
			q8++
		}
	}
	require.NotZero(t, q8)
}
