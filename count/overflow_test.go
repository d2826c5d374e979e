package count

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/model"
)

const compressedConfig = `{"model_type":"llama","quantization_config":{"quant_method":"compressed-tensors","format":"pack-quantized",
	"config_groups":{"group_0":{"targets":["Linear"],"weights":{"num_bits":4,"type":"int"}}}}}`

// packedWithShapes writes compressed-tensors packed linears whose
// weight_shape tensors claim the given shapes.
func packedWithShapes(t *testing.T, shapes ...[2]uint64) string {
	t.Helper()
	var specs []fixture.TensorSpec
	data := map[string][]byte{}
	for i, sh := range shapes {
		name := fmt.Sprintf("model.layers.%d.mlp.down_proj", i)
		specs = append(specs,
			fixture.TensorSpec{Name: name + ".weight_packed", Shape: []uint64{4, 2}, DType: "I32"},
			fixture.TensorSpec{Name: name + ".weight_scale", Shape: []uint64{4, 1}, DType: "BF16"},
			fixture.TensorSpec{Name: name + ".weight_shape", Shape: []uint64{2}, DType: "I64"},
		)
		b := make([]byte, 16)
		binary.LittleEndian.PutUint64(b, sh[0])
		binary.LittleEndian.PutUint64(b[8:], sh[1])
		data[name+".weight_shape"] = b
	}
	return writeModel(t, specs, data, compressedConfig)
}

// A weight_shape whose product overflows is noted, naming the tensor, and
// the tensor counted by its stored elements; never a wrapped total.
func TestWeightShapeOverflow(t *testing.T) {
	dir := packedWithShapes(t, [2]uint64{1 << 62, 4})
	m, err := model.Load(dir)
	require.NoError(t, err)
	r, err := Build(m, Options{})
	if err != nil {
		require.NotContains(t, err.Error(), "9,223,372,036,854,776,533")
		return
	}
	requireNote(t, r, `the weight_shape of "model.layers.0.mlp.down_proj.weight_packed" gives the shape [4611686018427387904, 4], whose element count overflows`)
	require.Equal(t, uint64(8), r.PerTensor[0].Parameters, "counted by its stored elements")
	require.Less(t, r.Parameters, uint64(1000))
}

// Shapes that fit one by one but whose sum passes 2^64 make Build fail,
// naming the tensor at which the sum overflows.
func TestParametersOverflow(t *testing.T) {
	big := [2]uint64{1 << 31, 1 << 31} // 2^62 each
	dir := packedWithShapes(t, big, big, big, big, big)
	m, err := model.Load(dir)
	require.NoError(t, err)
	_, err = Build(m, Options{})
	require.ErrorContains(t, err, `parameters overflow 2^64 at tensor "model.layers.3.mlp.down_proj.weight_packed"`)

	// Three of them fit.
	dir = packedWithShapes(t, big, big, big)
	r := buildPath(t, dir, Options{})
	require.Equal(t, uint64(3<<62), r.Parameters, "the scales are bookkeeping")
	require.Zero(t, r.Costs.WeightsBF16Bytes)
	requireNote(t, r, "the bf16 weight size is too large to show")
}

// A huge --ctx gives no wrapped or negative KV-cache figure.
func TestKVCacheOverflow(t *testing.T) {
	s, config := fixture.ExampleModel()
	dir := t.TempDir()
	require.NoError(t, s.Write(filepath.Join(dir, "model.safetensors")))
	writeConfig(t, dir, config)
	r := buildPath(t, dir, Options{Context: math.MaxInt})
	require.NotNil(t, r.Costs)
	require.NotZero(t, r.Costs.KVCacheBytesPerToken)
	require.Zero(t, r.Costs.KVCacheBytes)
	requireNote(t, r, "KV cache for 9,223,372,036,854,775,807 tokens is too large to show")
	require.LessOrEqual(t, r.Costs.KVCacheBytes, uint64(math.MaxInt64))

	r = buildPath(t, dir, Options{Context: 4096})
	require.Equal(t, r.Costs.KVCacheBytesPerToken*4096, r.Costs.KVCacheBytes)
	for _, n := range r.Notes {
		require.False(t, strings.Contains(n, "too large to show"), n)
	}
}

func writeConfig(t *testing.T, dir, config string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644))
}
