package main

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/corpus"
	"github.com/tensorcount/tensorcount/internal/fixture"
)

func f32s(vals ...float64) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
	}
	return b
}

// scanFixture writes a small model: a weight with NaN and both
// infinities, an all-NaN bias, a norm of ones, a tied head stored twice,
// a zero tensor and a constant one, plus a tensor scan does not decode.
func scanFixture(t *testing.T, clean bool) string {
	t.Helper()
	s := fixture.Safetensors{Data: map[string][]byte{}}
	add := func(name, dtype string, data []byte, shape ...uint64) {
		s.Tensors = append(s.Tensors, fixture.TensorSpec{Name: name, Shape: shape, DType: dtype})
		s.Data[name] = data
	}
	inf := math.Inf(1)
	if !clean {
		add("model.layers.0.mlp.down_proj.weight", "F32", f32s(math.NaN(), inf, -inf, 0, 1, -2, 0.5, 3, 1.5, 4, 0, 0), 3, 4)
		add("model.layers.0.mlp.down_proj.bias", "F32", f32s(math.NaN(), math.NaN()), 2)
	}
	add("model.layers.0.input_layernorm.weight", "F32", f32s(1, 1, 1, 1), 4)
	add("model.embed_tokens.weight", "F32", f32s(0.25, -0.5, 0.75, 1), 2, 2)
	add("lm_head.weight", "F32", f32s(0.25, -0.5, 0.75, 1), 2, 2)
	add("model.layers.0.self_attn.q_proj.weight", "F32", f32s(0, 0, 0, 0), 2, 2)
	add("model.layers.0.self_attn.k_proj.weight", "F32", f32s(0.5, 0.5, 0.5, 0.5), 2, 2)
	add("model.layers.0.self_attn.v_proj.weight", "F32", f32s(0.5, 0.25, 1, 2), 2, 2)
	add("model.layers.0.self_attn.o_proj.weight", "C64", make([]byte, 32), 2, 2)
	path := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, s.Write(path))
	return path
}

func TestScanExitStatus(t *testing.T) {
	out, errOut, status := tc("scan", scanFixture(t, false))
	require.Equal(t, exitNaN, status, errOut)
	require.Empty(t, errOut)
	require.Contains(t, out, "NaN or Inf: 2 tensors\n")
	require.Contains(t, out, "all zero: 1 tensor\n    model.layers.0.self_attn.q_proj.weight (attention)\n")
	require.Contains(t, out, "constant (placeholder values): 1 tensor\n    model.layers.0.self_attn.k_proj.weight (attention) = 0.5\n")
	require.Contains(t, out, "byte-identical (stored twice): 1 group\n    model.embed_tokens.weight (embedding) = lm_head.weight (head)\n")
	require.Contains(t, out, "norms of all ones (never trained): 1 tensor\n    model.layers.0.input_layernorm.weight (norm)\n")
	require.Contains(t, out, "not scanned\n  C64  1 tensor  complex values have no order for min and max\n")
	// Without --all, a tensor without findings has no row.
	require.NotContains(t, out, "v_proj")

	out, errOut, status = tc("scan", "--all", scanFixture(t, true))
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, out, "v_proj")
	require.Contains(t, out, "\ntensors\n")

	out, errOut, status = tc("scan", example)
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, out, "findings\n  none: ")

	_, errOut, status = tc("scan", "does-not-exist")
	require.Equal(t, exitRead, status)
	require.Contains(t, errOut, "does-not-exist")

	_, errOut, status = tc("scan")
	require.Equal(t, exitUsage, status)
	require.Contains(t, errOut, "scan takes one PATH")
	_, _, status = tc("scan", example, example)
	require.Equal(t, exitUsage, status)
	_, _, status = tc("scan", "--workers", "-1", example)
	require.Equal(t, exitUsage, status)
}

func TestScanJSON(t *testing.T) {
	path := scanFixture(t, false)
	out, _, status := tc("scan", "--json", "--workers", "3", path)
	require.Equal(t, exitNaN, status)
	var got struct {
		Schema         string `json:"schema"`
		Path           string `json:"path"`
		Format         string `json:"format"`
		TensorsScanned int    `json:"tensors_scanned"`
		TensorsSkipped []struct {
			Name, DType, Reason string
		} `json:"tensors_skipped"`
		BytesRead int64   `json:"bytes_read"`
		Seconds   float64 `json:"seconds"`
		Findings  map[string]json.RawMessage
		Tensors   []map[string]any `json:"tensors"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Equal(t, "tensorcount/scan/v1", got.Schema)
	require.Equal(t, path, got.Path)
	require.Equal(t, "safetensors", got.Format)
	require.Equal(t, 8, got.TensorsScanned)
	require.Len(t, got.TensorsSkipped, 1)
	require.Equal(t, "model.layers.0.self_attn.o_proj.weight", got.TensorsSkipped[0].Name)
	require.Equal(t, "C64", got.TensorsSkipped[0].DType)
	// 38 elements of 4 bytes once, and the tied pair (16 bytes each) again.
	require.Equal(t, int64(38*4+2*16), got.BytesRead)
	require.GreaterOrEqual(t, got.Seconds, 0.0)

	require.JSONEq(t, `[{"name":"model.layers.0.mlp.down_proj.weight","role":"ffn","nan":1,"pos_inf":1,"neg_inf":1},
		{"name":"model.layers.0.mlp.down_proj.bias","role":"ffn","nan":2,"pos_inf":0,"neg_inf":0}]`, string(got.Findings["nan_inf"]))
	require.JSONEq(t, `[{"name":"model.layers.0.self_attn.q_proj.weight","role":"attention"}]`, string(got.Findings["all_zero"]))
	require.JSONEq(t, `[{"name":"model.layers.0.self_attn.k_proj.weight","role":"attention","value":0.5}]`, string(got.Findings["constant"]))
	require.JSONEq(t, `[[{"name":"model.embed_tokens.weight","role":"embedding"},{"name":"lm_head.weight","role":"head"}]]`, string(got.Findings["identical"]))
	require.JSONEq(t, `[{"name":"model.layers.0.input_layernorm.weight","role":"norm"}]`, string(got.Findings["norms_all_ones"]))

	require.Len(t, got.Tensors, 8)
	// Planted values: finite 0, 1, −2, 0.5, 3, 1.5, 4, 0, 0 — mean 8/9.
	w := got.Tensors[0]
	require.Equal(t, map[string]any{"name": "model.layers.0.mlp.down_proj.weight", "role": "ffn", "dtype": "F32",
		"elements": 12.0, "nan": 1.0, "pos_inf": 1.0, "neg_inf": 1.0, "zeros": 3.0, "min": -2.0, "max": 4.0,
		"mean": w["mean"], "std": w["std"], "findings": []any{"nan_inf"}}, w)
	require.InEpsilon(t, 8.0/9, w["mean"], 1e-12)
	vals := []float64{0, 1, -2, 0.5, 3, 1.5, 4, 0, 0}
	var m2 float64
	for _, v := range vals {
		m2 += (v - 8.0/9) * (v - 8.0/9)
	}
	require.InEpsilon(t, math.Sqrt(m2/9), w["std"], 1e-12)
	// All NaN: no finite value, so no min, max, mean or std (JSON has no
	// NaN).
	require.Equal(t, map[string]any{"name": "model.layers.0.mlp.down_proj.bias", "role": "ffn", "dtype": "F32",
		"elements": 2.0, "nan": 2.0, "pos_inf": 0.0, "neg_inf": 0.0, "zeros": 0.0, "findings": []any{"nan_inf"}}, got.Tensors[1])
	// A tensor without findings has no findings key.
	require.NotContains(t, got.Tensors[7], "findings")
	require.Equal(t, 0.25, got.Tensors[7]["min"])

	// A clean model: every list present and empty, status 0.
	out, _, status = tc("scan", "--json", example)
	require.Equal(t, exitOK, status)
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	for _, k := range []string{"nan_inf", "all_zero", "constant", "identical", "norms_all_ones"} {
		require.Equal(t, "[]", string(got.Findings[k]), k)
	}
	require.Len(t, got.Tensors, 21)
}

func TestScanProgress(t *testing.T) {
	old := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = old }()

	_, errOut, status := tc("scan", example)
	require.Equal(t, exitOK, status)
	require.Contains(t, errOut, "scanning", "a terminal gets a progress bar")

	out, errOut, status := tc("scan", "--quiet", example)
	require.Equal(t, exitOK, status)
	require.Empty(t, errOut)
	require.Contains(t, out, "findings")
}

// Names from the file are escaped in the text output.
func TestScanEscapesHostileNames(t *testing.T) {
	s := fixture.Safetensors{
		Tensors: []fixture.TensorSpec{{Name: "evil\x1b[2J\a.weight", Shape: []uint64{2}, DType: "F32"}},
		Data:    map[string][]byte{"evil\x1b[2J\a.weight": f32s(math.NaN(), 1)},
	}
	path := filepath.Join(t.TempDir(), "evil.safetensors")
	require.NoError(t, s.Write(path))
	out, _, status := tc("scan", path)
	require.Equal(t, exitNaN, status)
	require.NotContains(t, out, "\x1b")
	require.NotContains(t, out, "\a")
	require.Contains(t, out, `evil\x1b[2J\a.weight`)
}

func TestScanCorpus(t *testing.T) {
	dir := corpus.Dir(t)
	out, errOut, status := tc("scan", filepath.Join(dir, "stories260k-f32-gguf"))
	require.Equal(t, exitOK, status, errOut)
	require.Contains(t, out, "byte-identical (stored twice): 1 group\n    token_embd.weight (embedding) = output.weight (head)\n")

	out, errOut, status = tc("scan", "--json", filepath.Join(dir, "minicpm3-tiny-untied-safetensors"))
	require.Equal(t, exitOK, status, errOut)
	var got struct {
		Findings struct {
			AllZero      []struct{ Name string } `json:"all_zero"`
			NormsAllOnes []struct{ Name string } `json:"norms_all_ones"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got.Findings.AllZero, 10)
	require.Len(t, got.Findings.NormsAllOnes, 5)
	for _, n := range got.Findings.NormsAllOnes {
		require.True(t, strings.HasSuffix(n.Name, "norm.weight"), n.Name)
	}
}
