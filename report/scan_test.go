package report

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/scan"
)

func f64s(vals ...float64) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func scanModel(t *testing.T, path string) *scan.Report {
	t.Helper()
	m, err := model.Load(path)
	require.NoError(t, err)
	r, err := scan.Model(context.Background(), m, scan.Options{})
	require.NoError(t, err)
	return r
}

// Statistics JSON cannot hold are left out, never written as NaN: here
// the spread of two F64 values at the ends of the range overflows, so the
// mean and std are not finite while min and max are.
func TestScanJSONNonFinite(t *testing.T) {
	s := fixture.Safetensors{
		Tensors: []fixture.TensorSpec{{Name: "huge", Shape: []uint64{2}, DType: "F64"}, {Name: "nan", Shape: []uint64{1}, DType: "F64"}},
		Data:    map[string][]byte{"huge": f64s(math.MaxFloat64, -math.MaxFloat64), "nan": f64s(math.NaN())},
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, s.Write(path))
	r := scanModel(t, path)
	var b bytes.Buffer
	require.NoError(t, WriteScanJSON(&b, r))
	var got struct{ Tensors []map[string]any }
	require.NoError(t, json.Unmarshal(b.Bytes(), &got))
	require.Equal(t, math.MaxFloat64, got.Tensors[0]["max"])
	require.Equal(t, -math.MaxFloat64, got.Tensors[0]["min"])
	require.NotContains(t, got.Tensors[0], "std")
	require.NotContains(t, got.Tensors[1], "min")
	require.True(t, r.NaNOrInf())
}

// Tensors of a big-endian GGUF file are byte-swapped: they are listed as
// not scanned rather than misread.
func TestScanBigEndianGGUF(t *testing.T) {
	for _, big := range []bool{false, true} {
		f := ggufw.File{BigEndian: big,
			Tensors: []fixture.TensorSpec{{Name: "token_embd.weight", Shape: []uint64{4}, DType: "F32"}},
			Data:    map[string][]byte{"token_embd.weight": make([]byte, 16)}}
		path := filepath.Join(t.TempDir(), "m.gguf")
		require.NoError(t, f.Write(path))
		r := scanModel(t, path)
		if big {
			require.Equal(t, []scan.SkippedTensor{{Name: "token_embd.weight", DType: "F32", Reason: "big-endian GGUF data is not decoded"}}, r.TensorsSkipped)
			require.Zero(t, r.TensorsScanned)
		} else {
			require.Empty(t, r.TensorsSkipped)
			require.Equal(t, 1, r.TensorsScanned)
		}
	}
}

// Long finding lists are cut in the text unless --all; the JSON and the
// table below always hold them all.
func TestScanTextCutsLongLists(t *testing.T) {
	s := fixture.Safetensors{Data: map[string][]byte{}}
	for i := range 25 {
		name := fmt.Sprintf("model.layers.%d.mlp.up_proj.weight", i)
		s.Tensors = append(s.Tensors, fixture.TensorSpec{Name: name, Shape: []uint64{2}, DType: "F64"})
		s.Data[name] = f64s(0, 0)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, s.Write(path))
	r := scanModel(t, path)
	require.Len(t, r.Findings.AllZero, 25)

	var b strings.Builder
	require.NoError(t, WriteScanText(&b, r, false, Options{Width: -1}))
	require.Contains(t, b.String(), "all zero: 25 tensors\n")
	require.Contains(t, b.String(), "    … and 5 more (--all or --json lists them)\n")
	require.Equal(t, 1, strings.Count(b.String(), "model.layers.24.mlp.up_proj.weight"), "only in the table")

	b.Reset()
	require.NoError(t, WriteScanText(&b, r, true, Options{Width: -1}))
	require.NotContains(t, b.String(), "more (--all")
	require.Equal(t, 2, strings.Count(b.String(), "model.layers.24.mlp.up_proj.weight"))
}
