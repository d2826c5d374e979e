package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/internal/corpus"
)

// The minicpm3 test model is a randomly initialised skeleton: its weight
// matrices were never filled (all zeros) and its norms are still at
// their initial ones.
func TestCorpusMiniCPM3(t *testing.T) {
	f, err := safetensors.Open(corpus.Path(t, "minicpm3-tiny-untied-safetensors/model.safetensors"))
	require.NoError(t, err)
	defer f.Close()
	res, err := Scan(context.Background(), f.Tensors, Options{Role: role})
	require.NoError(t, err)
	require.Zero(t, res.Skipped)
	zero, ones := map[int]bool{}, map[int]bool{}
	for _, i := range res.Findings.AllZero {
		zero[i] = true
	}
	for _, i := range res.Findings.NormsAllOnes {
		ones[i] = true
	}
	var matrices, norms int
	for i, tn := range f.Tensors {
		if len(tn.Shape) == 2 {
			matrices++
			require.True(t, zero[i], "%s is all zero", tn.Name)
		}
		if res.Tensors[i].Role == RoleNorm {
			norms++
			require.True(t, ones[i], "%s is all ones", tn.Name)
		}
	}
	require.NotZero(t, matrices)
	require.NotZero(t, norms)
	require.Empty(t, res.Findings.NaNInf)
	require.Empty(t, res.Findings.Identical, "placeholder tensors are not reported as duplicates")
}

// The stories260k conversions store the tied output head as a second copy
// of the embedding, in F32 and in Q8_0. The Q8_0 file's dequantised
// values must also describe the same weights as the F32 file's.
func TestCorpusStoriesTiedHead(t *testing.T) {
	stats := map[string]map[string]Stats{}
	for _, rel := range []string{
		"stories260k-f32-gguf/tinyllamas-stories-260k-f32.gguf",
		"stories260k-q8_0-gguf/tinyllamas-stories-260k-q8_0.gguf",
	} {
		path := corpus.Path(t, rel)
		f, err := gguf.Open(path)
		require.NoError(t, err)
		res, err := Scan(context.Background(), f.FormatTensors(path), Options{Role: role})
		f.Close()
		require.NoError(t, err, rel)
		require.Zero(t, res.Skipped)
		var groups [][]string
		for _, g := range res.Findings.Identical {
			var names []string
			for _, i := range g {
				names = append(names, res.Tensors[i].Name)
			}
			groups = append(groups, names)
		}
		require.Equal(t, [][]string{{"token_embd.weight", "output.weight"}}, groups, rel)
		require.Empty(t, res.Findings.NaNInf, rel)
		require.Empty(t, res.Findings.NormsAllOnes, rel)
		byName := map[string]Stats{}
		for _, ts := range res.Tensors {
			byName[ts.Name] = ts.Stats
		}
		stats[rel[:strings.Index(rel, "/")]] = byName
	}
	f32, q8 := stats["stories260k-f32-gguf"], stats["stories260k-q8_0-gguf"]
	require.Len(t, q8, len(f32))
	for name, a := range f32 {
		b := q8[name]
		require.Equal(t, a.Finite, b.Finite, name)
		// Q8_0 rounds each value to a step of at most absmax/127: the
		// extremes move by half a step at most, the mean by far less.
		step := max(-a.Min, a.Max) / 127
		require.InDelta(t, a.Min, b.Min, step/2, name)
		require.InDelta(t, a.Max, b.Max, step/2, name)
		require.InDelta(t, a.Mean, b.Mean, step/10, name)
		require.InEpsilon(t, a.Std(), b.Std(), 1e-3, name)
	}
}
