package scan

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

var (
	nan     = math.NaN()
	inf     = math.Inf(1)
	negZero = math.Copysign(0, -1)
)

func role(t format.Tensor) string { return classify.Tensor(t.Name).Role.String() }

// planted returns values with every special a dtype can hold: NaN and
// ±Inf where they exist, both zeros, and finite values whose mean and
// standard deviation are exact binary fractions (floats: mean 1, std
// 1.75).
func planted(dtype string) []float64 {
	switch dtype {
	case "F64", "F32", "F16", "BF16", "F8_E5M2":
		return []float64{nan, inf, -inf, 0, negZero, 1, -2, 0.5, 3, 1.5, 4}
	case "F8_E4M3": // no infinities in E4M3FN
		return []float64{nan, 0, negZero, 1, -2, 0.5, 3, 1.5, 4}
	case "I8", "I16", "I32", "I64":
		return []float64{0, 0, 1, -2, 2, 3, 5, 7}
	case "BOOL":
		return []float64{0, 1, 1, 0, 1, 1, 1, 1}
	}
	return []float64{0, 0, 1, 2, 2, 3, 5, 3} // unsigned
}

// extremes are the ends of an integer type's range (as far as float64
// holds them exactly), which catch a wrong signedness.
var extremes = map[string][]float64{
	"I8": {-128, 127}, "U8": {0, 255}, "I16": {-32768, 32767}, "U16": {0, 65535},
	"I32": {-1 << 31, 1<<31 - 1}, "U32": {0, 1<<32 - 1}, "I64": {-1 << 63, 1 << 53}, "U64": {0, 1 << 63},
	"BOOL": {0, 1},
}

// repeatPast repeats vals past histMin elements, with an odd tail, so that the
// counting paths are used.
func repeatPast(vals []float64) []float64 {
	var out []float64
	for len(out) < histMin {
		out = append(out, vals...)
	}
	return append(out, vals[:3]...)
}

func isFloat(dtype string) bool { return dtype[0] == 'F' || dtype == "BF16" }

// plantedSet is a model with, per dtype: planted values (small and big),
// zeros, a constant, two identical tensors and a norm of ones.
type plantedSet struct {
	specs []fixture.TensorSpec
	data  map[string][]byte
	want  map[string][]float64 // the values each tensor holds
	norm  map[string]string    // dtype → name of its norm tensor
}

func (p *plantedSet) add(name, dtype string, vals []float64, raw []byte) {
	if raw == nil {
		raw = encode(dtype, vals)
	}
	shape := uint64(len(vals))
	if d := testDTypes[dtype]; d.BlockSize > 1 {
		shape = uint64(len(raw) / int(d.BlockBytes) * int(d.BlockSize))
	}
	p.specs = append(p.specs, fixture.TensorSpec{Name: name, Shape: []uint64{shape}, DType: dtype})
	p.data[name] = raw
	p.want[name] = vals
}

func newPlanted(dtypes []string, normName string) *plantedSet {
	p := &plantedSet{data: map[string][]byte{}, want: map[string][]float64{}, norm: map[string]string{}}
	repeat := func(v float64, n int) []float64 { return slices.Repeat([]float64{v}, n) }
	for i, dt := range dtypes {
		vals := planted(dt)
		switch dt {
		case "Q8_0", "Q4_0":
			raw, vals := quantPlanted(dt)
			p.add("planted."+dt, dt, vals, raw)
			p.add("zeros."+dt, dt, repeat(0, 64), make([]byte, 2*testDTypes[dt].BlockBytes))
			c, cv := quantConst(dt, 2, 64)
			p.add("const."+dt, dt, cv, c)
			d, dv := quantConst(dt, 1, 32)
			d = append(d, c[:len(c)/2]...)
			p.add("dup_a."+dt, dt, append(dv, cv[:32]...), d)
			p.add("dup_b."+dt, dt, append(dv, cv[:32]...), d)
			one, ov := quantConst(dt, 1, 64)
			p.norm[dt] = fmt.Sprintf(normName, i)
			p.add(p.norm[dt], dt, ov, one)
			continue
		}
		raw := encode(dt, vals)
		if dt == "F8_E4M3" {
			raw = append(raw, 0xFF) // the negative NaN
			vals = append(vals, nan)
		}
		p.add("planted."+dt, dt, vals, raw)
		bigVals := repeatPast(vals)
		bigRaw := raw
		for len(bigRaw) < len(bigVals)*int(testDTypes[dt].BlockBytes) {
			bigRaw = append(bigRaw, raw...)
		}
		p.add("planted_big."+dt, dt, bigVals, bigRaw[:len(bigVals)*int(testDTypes[dt].BlockBytes)])
		if e, ok := extremes[dt]; ok {
			p.add("extremes."+dt, dt, e, nil)
		}
		c := 3.0
		if dt == "BOOL" {
			c = 1
		}
		p.add("zeros."+dt, dt, repeat(0, 64), nil)
		p.add("const."+dt, dt, repeat(c, 64), nil)
		dup := []float64{1, 0, 1, 1, 0, 0, 1}
		p.add("dup_a."+dt, dt, dup, nil)
		p.add("dup_b."+dt, dt, dup, nil)
		p.norm[dt] = fmt.Sprintf(normName, i)
		p.add(p.norm[dt], dt, repeat(1, 16), nil)
	}
	return p
}

// check asserts every statistic and finding of a scan of the set.
func (p *plantedSet) check(t *testing.T, res *Result, dtypes []string) {
	t.Helper()
	byName := map[string]int{}
	for i, ts := range res.Tensors {
		byName[ts.Name] = i
		if vals, ok := p.want[ts.Name]; ok {
			require.True(t, ts.Scanned(), ts.Name)
			require.Equal(t, uint64(len(vals)), ts.Elements, ts.Name)
			requireStats(t, reference(vals), ts.Stats, ts.Name)
		}
	}
	names := func(idx []int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, res.Tensors[i].Name)
		}
		return out
	}
	var nanInf, zero, constant, ones []string
	var identical [][]string
	for _, dt := range dtypes {
		if isFloat(dt) || dt[0] == 'Q' {
			nanInf = append(nanInf, "planted."+dt)
			if dt[0] != 'Q' {
				nanInf = append(nanInf, "planted_big."+dt)
			}
		}
		zero = append(zero, "zeros."+dt)
		constant = append(constant, "const."+dt)
		ones = append(ones, p.norm[dt])
		identical = append(identical, []string{"dup_a." + dt, "dup_b." + dt})
	}
	require.ElementsMatch(t, nanInf, names(res.Findings.NaNInf))
	require.ElementsMatch(t, zero, names(res.Findings.AllZero))
	require.ElementsMatch(t, constant, names(res.Findings.Constant))
	require.ElementsMatch(t, ones, names(res.Findings.NormsAllOnes))
	var groups [][]string
	for _, g := range res.Findings.Identical {
		groups = append(groups, names(g))
	}
	require.ElementsMatch(t, identical, groups)
	for _, name := range ones {
		require.Equal(t, RoleNorm, res.Tensors[byName[name]].Role)
	}
}

var safetensorsDTypes = []string{"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2",
	"I8", "U8", "I16", "U16", "I32", "U32", "I64", "U64", "BOOL"}

func TestScanSafetensorsPlanted(t *testing.T) {
	p := newPlanted(safetensorsDTypes, "model.layers.%d.input_layernorm.weight")
	// Tensors that are listed, not scanned.
	p.specs = append(p.specs,
		fixture.TensorSpec{Name: "empty", Shape: []uint64{0}, DType: "F32"},
		fixture.TensorSpec{Name: "scales", Shape: []uint64{8}, DType: "F8_E8M0"},
		fixture.TensorSpec{Name: "complex", Shape: []uint64{4}, DType: "C64"},
		fixture.TensorSpec{Name: "packed", Shape: []uint64{8}, DType: "F4"},
		fixture.TensorSpec{Name: "fnuz", Shape: []uint64{8}, DType: "F8_E4M3FNUZ"},
	)
	path := filepath.Join(t.TempDir(), "planted.safetensors")
	require.NoError(t, fixture.Safetensors{Tensors: p.specs, Data: p.data}.Write(path))
	f, err := safetensors.Open(path)
	require.NoError(t, err)
	defer f.Close()

	res, err := Scan(context.Background(), f.Tensors, Options{Role: role})
	require.NoError(t, err)
	p.check(t, res, safetensorsDTypes)

	require.Equal(t, 5, res.Skipped)
	require.Equal(t, len(f.Tensors)-5, res.Scanned)
	skipped := map[string]string{}
	var scannedBytes int64
	for _, ts := range res.Tensors {
		if !ts.Scanned() {
			skipped[ts.Name] = ts.Skipped
		} else {
			scannedBytes += ts.Bytes
		}
	}
	require.Equal(t, map[string]string{
		"empty":   "no elements",
		"scales":  "E8M0 bytes are block scale exponents, not values",
		"complex": "complex values have no order for min and max",
		"packed":  "sub-byte MX float (F4) needs its block scales to mean anything",
		"fnuz":    "FNUZ FP8 (a different bias and NaN encoding) is not decoded",
	}, skipped)
	require.Equal(t, scannedBytes, res.BytesScanned)
	// Each duplicate pair is read once more to confirm it.
	var dupBytes int64
	for _, g := range res.Findings.Identical {
		dupBytes += 2 * res.Tensors[g[0]].Bytes
	}
	require.Equal(t, scannedBytes+dupBytes, res.BytesRead)
}

var ggufDTypes = []string{"F64", "F32", "F16", "BF16", "I8", "I16", "I32", "I64", "Q8_0", "Q4_0"}

func TestScanGGUFPlanted(t *testing.T) {
	p := newPlanted(ggufDTypes, "blk.%d.attn_norm.weight")
	p.specs = append(p.specs, fixture.TensorSpec{Name: "kquant", Shape: []uint64{256}, DType: "Q4_K"},
		fixture.TensorSpec{Name: "iq", Shape: []uint64{256}, DType: "IQ2_XS"})
	path := filepath.Join(t.TempDir(), "planted.gguf")
	require.NoError(t, ggufw.File{Tensors: p.specs, Data: p.data}.Write(path))
	f, err := gguf.Open(path)
	require.NoError(t, err)
	defer f.Close()

	res, err := Scan(context.Background(), f.FormatTensors(path), Options{Role: role, Workers: 3})
	require.NoError(t, err)
	p.check(t, res, ggufDTypes)
	last := res.Tensors[len(res.Tensors)-2:]
	require.Equal(t, "K-quant super-blocks are not dequantised (only Q8_0 and Q4_0 are)", last[0].Skipped)
	require.Equal(t, "codebook and ternary quants are not dequantised (only Q8_0 and Q4_0 are)", last[1].Skipped)
}

func TestScanErrors(t *testing.T) {
	var m memFile
	m.add("w", "F32", encode("F32", []float64{1, 2, 3, 4}), 4)
	m.tensors[0].Size += 4 // past the end of the data
	m.tensors[0].Shape = []uint64{5}
	_, err := Scan(context.Background(), m.tensors, Options{Open: m.open})
	require.ErrorContains(t, err, `tensor "w"`)
	require.ErrorContains(t, err, "cannot read tensor data")

	m.tensors[0].Size -= 4 // now the size does not match the shape
	res, err := Scan(context.Background(), m.tensors, Options{Open: m.open})
	require.NoError(t, err)
	require.Equal(t, "16 data bytes do not hold 5 F32 elements", res.Tensors[0].Skipped)

	_, err = Scan(context.Background(), []format.Tensor{{Name: "x", DType: testDTypes["F32"], Shape: []uint64{1}, Size: 4,
		File: filepath.Join(t.TempDir(), "missing")}}, Options{})
	require.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m.tensors[0].Shape = []uint64{4}
	_, err = Scan(ctx, m.tensors, Options{Open: m.open})
	require.ErrorIs(t, err, context.Canceled)
}

// The Skip option refuses tensors the caller knows not to decode.
func TestScanSkipOption(t *testing.T) {
	var m memFile
	m.add("w", "F32", encode("F32", []float64{1, 2}), 2)
	res, err := Scan(context.Background(), m.tensors, Options{Open: m.open,
		Skip: func(format.Tensor) string { return "big-endian" }})
	require.NoError(t, err)
	require.Equal(t, "big-endian", res.Tensors[0].Skipped)
	require.Zero(t, res.BytesRead)
}
