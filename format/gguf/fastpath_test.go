package gguf_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// The window fast path (little-endian v2/v3) and the field-by-field path
// (big-endian files, v1) must read the same directory: the same file
// written both ways parses to the same tensors, lookups included.
func TestFastPathAgreesWithFieldByField(t *testing.T) {
	var specs []fixture.TensorSpec
	for i := range 5000 {
		specs = append(specs, spec(fmt.Sprintf("blk.%d.w%d", i/7, i), []string{"F32", "F16", "Q8_0", "Q4_K", "BF16"}[i%5], uint64(1+i%5), uint64(256*(1+i%3))))
	}
	// Entries the fast path leaves to the careful one: a long name, a
	// scalar, four dims, a removed type, ne[0] not a block multiple.
	specs = append(specs,
		spec("a.name.that.is.longer.than.the.sixty.four.bytes.ggml.accepts.as.a.tensor.name", "F32", 3),
		spec("scalar", "F32"),
		spec("four.dims", "F16", 2, 3, 4, 5),
		spec("removed", "type 4", 32, 2),
		spec("flattened", "Q8_0", 2, 16),
		spec("", "F32", 1),
	)
	meta := []ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}}
	le := parseSparse(t, ggufw.File{Metadata: meta, Tensors: specs})
	for _, w := range []ggufw.File{
		{Metadata: meta, Tensors: specs, BigEndian: true},
		{Metadata: meta, Tensors: specs, Version: 1},
		{Metadata: meta, Tensors: specs, Version: 2},
	} {
		other := parseSparse(t, w)
		require.Equal(t, len(le.Tensors), len(other.Tensors))
		for i := range le.Tensors {
			a, b := le.Info(i), other.Info(i)
			require.Equal(t, a.Name, b.Name)
			require.Equal(t, a.Dims, b.Dims, a.Name)
			require.Equal(t, a.Type, b.Type, a.Name)
			require.Equal(t, a.Elements, b.Elements, a.Name)
			require.Equal(t, a.Bytes, b.Bytes, a.Name)
		}
		require.Equal(t, len(le.Warnings), len(other.Warnings))
		fa, fb := le.FormatTensors("x"), other.FormatTensors("x")
		for i := range fa {
			// Offsets are absolute: the data sections start apart.
			if fa[i].Name != fb[i].Name || fa[i].Offset-le.DataOffset != fb[i].Offset-other.DataOffset || fa[i].Size != fb[i].Size || fa[i].DType != fb[i].DType {
				t.Fatalf("tensor %d: %+v against %+v", i, fa[i], fb[i])
			}
			require.Equal(t, fa[i].Shape, fb[i].Shape)
		}
	}
	require.Len(t, le.Warnings, 3)
	for _, s := range specs {
		ti, ok := le.Tensor(s.Name)
		require.True(t, ok, s.Name)
		require.Equal(t, s.Name, ti.Name)
	}
	_, ok := le.Tensor("blk.0.w9999")
	require.False(t, ok)
}

// A duplicate name is found by either path, wherever it is (in the batch
// of names the fast path adds at once, in an earlier one, at a batch's
// edge, last), and reported at the second occurrence: the same field and
// offset as the field-by-field path of a big-endian file reports.
func TestDuplicateNameEitherPath(t *testing.T) {
	for _, c := range []struct{ at, copy int }{{2500, 1234}, {10, 3}, {64, 63}, {63, 0}, {128, 127}, {2999, 5}, {1, 0}} {
		var offsets []int64
		for _, big := range []bool{false, true} {
			var specs []fixture.TensorSpec
			for i := range 3000 {
				specs = append(specs, spec(fmt.Sprintf("t%d", i), "F32", 4))
			}
			specs[c.at].Name = specs[c.copy].Name
			w := ggufw.File{Tensors: specs, BigEndian: big}
			h, err := w.Header()
			require.NoError(t, err)
			_, dataLen, err := w.Layout()
			require.NoError(t, err)
			_, err = gguf.NewFile(sparseReader{h, int64(len(h)) + int64(dataLen)}, int64(len(h))+int64(dataLen))
			fe := requireFormatError(t, err, fmt.Sprintf(`tensor "t%d"`, c.copy), "duplicate tensor name")
			offsets = append(offsets, fe.Offset)
		}
		require.Equal(t, offsets[1], offsets[0], "duplicate of entry %d at entry %d", c.copy, c.at)
	}
}

// The names are proven distinct after the entries are read, but a file
// with a repeated name and another fault reports the one that comes
// first in the file, as a reader that checks each name as it goes does.
func TestFirstFaultInFileOrder(t *testing.T) {
	const badType = 9999
	for _, c := range []struct {
		name          string
		dup, bad      int // entries: the second of two equal names, a bad type
		field, substr string
	}{
		{"repeat first", 5, 10, `tensor "t0"`, "duplicate tensor name"},
		{"bad type first", 10, 5, `tensor "t5" type`, "unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := tensorFile(20, func(e *ggufw.Encoder) {
				for i := range 20 {
					name, typ := fmt.Sprintf("t%d", i), uint32(0)
					if i == c.dup {
						name = "t0"
					}
					if i == c.bad {
						typ = badType
					}
					e.TensorInfo(name, []uint64{8}, typ, uint64(32*i))
				}
			}, 20*32)
			h, size := file()
			_, err := gguf.NewFile(sparseReader{h, size}, size)
			fe := requireFormatError(t, err, c.field, c.substr)
			require.Greater(t, fe.Offset, int64(24))
		})
	}
}

// A file read without a name index finds its tensors by name all the same,
// from several goroutines at once (the index is built by the first).
func TestTensorLookupBuildsTheIndexOnce(t *testing.T) {
	var specs []fixture.TensorSpec
	for i := range 500 {
		specs = append(specs, spec(fmt.Sprintf("blk.%d.w", i), "F32", 4))
	}
	w := ggufw.File{Tensors: specs}
	h, err := w.Header()
	require.NoError(t, err)
	_, dataLen, err := w.Layout()
	require.NoError(t, err)
	size := int64(len(h)) + int64(dataLen)
	f, err := gguf.NewFile(sparseReader{h, size}, size)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < 500; i += 4 {
				ti, ok := f.Tensor(fmt.Sprintf("blk.%d.w", i))
				if !ok || ti.Name != fmt.Sprintf("blk.%d.w", i) {
					t.Errorf("blk.%d.w: %v %v", i, ti.Name, ok)
				}
			}
		})
	}
	wg.Wait()
	_, ok := f.Tensor("blk.500.w")
	require.False(t, ok)
}
