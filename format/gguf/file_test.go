package gguf_test

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// The reader's type table agrees with the writer's, kept separately.
func TestGGMLTypeTable(t *testing.T) {
	require.Len(t, ggufw.Types, int(gguf.NumGGMLTypes))
	for _, w := range ggufw.Types {
		r := gguf.GGMLType(w.ID)
		require.True(t, r.Valid())
		require.Equal(t, w.Removed(), r.Removed(), w.Name)
		if w.Removed() {
			require.Zero(t, r.BlockSize(), w.Name)
			require.Contains(t, r.String(), "(re", w.Name) // removed or reserved
			require.False(t, r.DType().Known())
			continue
		}
		require.Equal(t, w.Name, r.String())
		require.Equal(t, int(w.Block), r.BlockSize(), w.Name)
		require.Equal(t, int(w.Bytes), r.BlockBytes(), w.Name)
		require.Equal(t, format.DType{Name: w.Name, BlockSize: int32(w.Block), BlockBytes: int32(w.Bytes)}, r.DType())
	}
	require.Equal(t, "Q4_0_4_4 (removed)", gguf.GGMLType(31).String())
	require.Equal(t, "type 43", gguf.GGMLType(43).String())
	require.False(t, gguf.GGMLType(43).Valid())
	require.Equal(t, format.DType{Name: "Q4_K", BlockSize: 256, BlockBytes: 144}, gguf.TypeQ4_K.DType())
	require.Equal(t, format.DType{Name: "Q8_1", BlockSize: 32, BlockBytes: 36}, gguf.TypeQ8_1.DType())
}

// One tensor of every valid ggml type, each [2, 3 blocks] in PyTorch order.
func TestEveryGGMLType(t *testing.T) {
	var specs []fixture.TensorSpec
	want := map[string]uint64{} // name → bytes
	for _, w := range ggufw.Types {
		if w.Removed() {
			continue
		}
		name := "t." + w.Name
		specs = append(specs, spec(name, w.Name, 2, 3*w.Block))
		want[name] = 6 * w.Bytes
	}
	path := writeFixture(t, "types.gguf", ggufw.File{Tensors: specs, Metadata: []ggufw.KV{{Key: "general.architecture", Value: ggufw.Str("llama")}}})
	f, err := gguf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.Empty(t, f.Warnings)
	require.Len(t, f.Tensors, len(specs))
	for i, ti := range f.Infos() {
		w := ggufw.Types[0]
		for _, x := range ggufw.Types {
			if x.Name == specs[i].DType {
				w = x
			}
		}
		require.Equal(t, specs[i].Name, ti.Name)
		require.Equal(t, gguf.GGMLType(w.ID), ti.Type)
		require.Equal(t, []uint64{3 * w.Block, 2}, ti.Dims)
		require.Equal(t, 6*w.Block, ti.Elements)
		require.Equal(t, want[ti.Name], ti.Bytes, ti.Name)
	}
	// Spot checks against FORMATS §2.5 by hand: 6 blocks each.
	q4k, _ := f.Tensor("t.Q4_K")
	require.Equal(t, uint64(6*144), q4k.Bytes)
	mx, _ := f.Tensor("t.MXFP4")
	require.Equal(t, uint64(6*17), mx.Bytes)
	nv, _ := f.Tensor("t.NVFP4")
	require.Equal(t, uint64(6*36), nv.Bytes)

	ft := f.FormatTensors(path)
	require.Len(t, ft, len(specs))
	for i, x := range ft {
		require.Equal(t, specs[i].Shape, x.Shape)
		require.Equal(t, specs[i].DType, x.DType.Name)
		require.Equal(t, int64(want[x.Name]), x.Size)
		require.Equal(t, f.DataOffset+int64(f.Info(i).Offset), x.Offset)
		require.Zero(t, x.Offset%32)
	}
}

// Removed ids parse: elements counted, layout unknown, a warning each.
func TestRemovedGGMLTypes(t *testing.T) {
	var specs []fixture.TensorSpec
	for _, w := range ggufw.Types {
		if w.Removed() {
			specs = append(specs, spec("t."+w.Name, w.Name, 4, 64))
		}
	}
	specs = append(specs, spec("after", "F32", 8))
	b, err := ggufw.File{Tensors: specs}.Bytes()
	require.NoError(t, err)
	f, err := parseBytes(b)
	require.NoError(t, err)
	require.Len(t, f.Tensors, 9)
	require.Len(t, f.Warnings, 8)
	require.Contains(t, f.Warnings[2], `tensor "t.Q4_0_4_4": ggml type 31 (Q4_0_4_4 (removed)) has been removed`)
	require.Contains(t, f.Warnings[2], "byte size unverifiable")
	for i := range 8 {
		ti := f.Info(i)
		require.True(t, ti.Type.Removed())
		require.Equal(t, uint64(256), ti.Elements)
		require.Zero(t, ti.Bytes)
	}
	ft := f.FormatTensors("x.gguf")
	require.Equal(t, "type 37 (reserved)", ft[6].DType.Name)
	require.Zero(t, ft[6].DType.BlockSize)
	require.Zero(t, ft[6].Size)
	require.Equal(t, uint64(256), ft[6].Elements())
	require.Equal(t, int64(32), ft[8].Size)
}

// metadataFixture has every value type, arrays and nested arrays.
func metadataFixture(version uint32) []ggufw.KV {
	kvs := []ggufw.KV{
		{Key: "general.architecture", Value: ggufw.Str("llama")},
		{Key: "u8", Value: ggufw.U8(200)},
		{Key: "i8", Value: ggufw.I8(-5)},
		{Key: "u16", Value: ggufw.U16(60000)},
		{Key: "i16", Value: ggufw.I16(-300)},
		{Key: "u32", Value: ggufw.U32(4096)},
		{Key: "i32", Value: ggufw.I32(-70000)},
		{Key: "f32", Value: ggufw.F32(0.5)},
		{Key: "bool", Value: ggufw.Bool(true)},
		{Key: "str", Value: ggufw.Str("héllo\x00world")},
		{Key: "tokens", Value: ggufw.Strings([]string{"a", "", "ccc"})},
		{Key: "per_layer", Value: ggufw.Uint32s(14336, 14336, 0)},
		{Key: "neg_i8s", Value: ggufw.Nums(ggufw.TypeInt8, 0xff, 1)},
		{Key: "floats", Value: ggufw.Float32s(1.5, -2)},
		{Key: "empty", Value: ggufw.Strings(nil)},
		{Key: "nested", Value: ggufw.Arr(ggufw.TypeArray, ggufw.Uint32s(1, 2), ggufw.Arr(ggufw.TypeString, ggufw.Str("x")))},
	}
	if version >= 2 {
		kvs = append(kvs,
			ggufw.KV{Key: "u64", Value: ggufw.U64(1 << 40)},
			ggufw.KV{Key: "i64", Value: ggufw.I64(-1 << 40)},
			ggufw.KV{Key: "f64", Value: ggufw.F64(1e-6)},
			ggufw.KV{Key: "big_u64", Value: ggufw.U64(math.MaxUint64)},
		)
	}
	return kvs
}

func checkMetadata(t *testing.T, f *gguf.File) {
	t.Helper()
	get := func(key string) gguf.KV {
		kv, ok := f.Lookup(key)
		require.True(t, ok, key)
		return kv
	}
	require.Equal(t, "llama", f.Architecture())
	require.Equal(t, uint8(200), get("u8").Value())
	require.Equal(t, int8(-5), get("i8").Value())
	require.Equal(t, uint16(60000), get("u16").Value())
	require.Equal(t, int16(-300), get("i16").Value())
	require.Equal(t, uint32(4096), get("u32").Value())
	require.Equal(t, int32(-70000), get("i32").Value())
	require.Equal(t, float32(0.5), get("f32").Value())
	require.Equal(t, true, get("bool").Value())
	require.Equal(t, "héllo\x00world", get("str").Value())

	// Integer accessors take any integer type, range-checked.
	u, err := get("u16").Uint()
	require.NoError(t, err)
	require.Equal(t, uint64(60000), u)
	i, err := get("i32").Int()
	require.NoError(t, err)
	require.Equal(t, int64(-70000), i)
	_, err = get("i8").Uint()
	requireFormatError(t, err, "i8", "negative value")
	x, err := get("f32").Float()
	require.NoError(t, err)
	require.Equal(t, 0.5, x)
	x, err = get("u32").Float()
	require.NoError(t, err)
	require.Equal(t, 4096.0, x)
	b, err := get("bool").Bool()
	require.NoError(t, err)
	require.True(t, b)
	s, err := get("str").String()
	require.NoError(t, err)
	require.Equal(t, "héllo\x00world", s)

	// Wrong types are errors naming the key and both types.
	_, err = get("str").Uint()
	requireFormatError(t, err, "str", "value is STRING, not an integer")
	_, err = get("u32").String()
	requireFormatError(t, err, "u32", "value is UINT32, not a STRING")
	_, err = get("tokens").Float()
	requireFormatError(t, err, "tokens", "value is an ARRAY of STRING, not a number")
	_, err = get("u8").Bool()
	requireFormatError(t, err, "u8", "not a BOOL")
	_, err = get("u8").ArrayLen()
	requireFormatError(t, err, "u8", "not an ARRAY")

	// Arrays: described, read on demand.
	tokens := get("tokens")
	require.Equal(t, gguf.Array{ElemType: gguf.TypeString, Len: 3}, tokens.Value())
	var got []string
	require.NoError(t, f.EachArrayString(tokens, func(i int, s []byte) error {
		got = append(got, string(s))
		return nil
	}))
	require.Equal(t, []string{"a", "", "ccc"}, got)
	n, err := get("empty").ArrayLen()
	require.NoError(t, err)
	require.Zero(t, n)
	require.NoError(t, f.EachArrayString(get("empty"), func(int, []byte) error { panic("no elements") }))
	us, err := f.ArrayUints(get("per_layer"))
	require.NoError(t, err)
	require.Equal(t, []uint64{14336, 14336, 0}, us)
	_, err = f.ArrayUints(get("neg_i8s"))
	requireFormatError(t, err, "neg_i8s[0]", "negative value")
	is, err := f.ArrayInts(get("neg_i8s"))
	require.NoError(t, err)
	require.Equal(t, []int64{-1, 1}, is)
	fs, err := f.ArrayFloats(get("floats"))
	require.NoError(t, err)
	require.Equal(t, []float64{1.5, -2}, fs)
	nested := get("nested")
	require.Equal(t, gguf.Array{ElemType: gguf.TypeArray, Len: 2}, nested.Value())
	_, err = f.ArrayUints(nested)
	requireFormatError(t, err, "nested", "an ARRAY of ARRAY, not an ARRAY of integers")

	if f.Version >= 2 {
		require.Equal(t, uint64(1<<40), get("u64").Value())
		require.Equal(t, int64(-1<<40), get("i64").Value())
		require.Equal(t, 1e-6, get("f64").Value())
		_, err = get("big_u64").Int()
		requireFormatError(t, err, "big_u64", "does not fit in an int64")
		u, err = get("big_u64").Uint()
		require.NoError(t, err)
		require.Equal(t, uint64(math.MaxUint64), u)
	}
}

// Versions 1, 2 and 3 in both byte orders (and both big-endian markings)
// give the same metadata and tensors.
func TestVersionsAndByteOrders(t *testing.T) {
	tensors := []fixture.TensorSpec{
		spec("token_embd.weight", "Q8_0", 100, 64),
		spec("output_norm.weight", "F32", 64),
		spec("blk.0.attn_q.weight", "F16", 64, 64),
	}
	for _, version := range []uint32{1, 2, 3} {
		for _, order := range []string{"le", "be-gguf", "be-fugg"} {
			t.Run(fmt.Sprintf("v%d-%s", version, order), func(t *testing.T) {
				w := ggufw.File{Version: version, BigEndian: order != "le", FUGG: order == "be-fugg",
					Metadata: metadataFixture(version), Tensors: tensors}
				b, err := w.Bytes()
				require.NoError(t, err)
				if order == "be-fugg" {
					require.Equal(t, "FUGG", string(b[:4]))
				} else {
					require.Equal(t, "GGUF", string(b[:4]))
				}
				f, err := parseBytes(b)
				require.NoError(t, err)
				require.Equal(t, version, f.Version)
				if order == "le" {
					require.Equal(t, binary.LittleEndian, f.ByteOrder)
				} else {
					require.Equal(t, binary.BigEndian, f.ByteOrder)
				}
				require.Empty(t, f.Warnings)
				checkMetadata(t, f)
				require.Len(t, f.Tensors, 3)
				require.Equal(t, uint64(6400+64+4096), elementsOf(f))
				require.Equal(t, []uint64{64, 100}, f.Info(0).Dims)
				require.Equal(t, uint64(6400/32*34), f.Info(0).Bytes)
				require.Equal(t, int64(len(b)), f.Size)
				require.Zero(t, f.DataOffset%32)
				last := f.Info(2)
				require.Equal(t, int64(len(b)), f.DataOffset+int64(last.Offset+last.Bytes))
			})
		}
	}
}

// A non-default alignment moves the data section and every tensor.
func TestAlignment(t *testing.T) {
	w := ggufw.File{
		Metadata: []ggufw.KV{{Key: "general.alignment", Value: ggufw.U32(256)}},
		Tensors:  []fixture.TensorSpec{spec("a", "F32", 3), spec("b", "F32", 5)},
	}
	b, err := w.Bytes()
	require.NoError(t, err)
	f, err := parseBytes(b)
	require.NoError(t, err)
	require.Equal(t, uint64(256), f.Alignment)
	require.Zero(t, f.DataOffset%256)
	require.Equal(t, uint64(256), f.Info(1).Offset)
	require.Empty(t, f.Warnings)
}

// Scalars (n_dims 0) hold one element; zero-sized dims hold none.
func TestScalarAndEmptyTensors(t *testing.T) {
	w := ggufw.File{Tensors: []fixture.TensorSpec{spec("scalar", "F32"), spec("empty", "Q4_K", 0, 256), spec("x", "F16", 2)}}
	b, err := w.Bytes()
	require.NoError(t, err)
	f, err := parseBytes(b)
	require.NoError(t, err)
	require.Equal(t, uint64(1), f.Info(0).Elements)
	require.Equal(t, uint64(4), f.Info(0).Bytes)
	require.Empty(t, f.Info(0).Dims)
	require.Zero(t, f.Info(1).Elements)
	require.Zero(t, f.Info(1).Bytes)
	ft := f.FormatTensors("")
	require.Equal(t, uint64(1), ft[0].Elements())
	require.Equal(t, []uint64{0, 256}, ft[1].Shape)
}

func TestNewFileClose(t *testing.T) {
	b, err := ggufw.File{}.Bytes()
	require.NoError(t, err)
	f, err := parseBytes(b)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, f.Close())
	_, err = gguf.Open("/nonexistent/x.gguf")
	fe := requireFormatError(t, err, "", "")
	require.Equal(t, "/nonexistent/x.gguf", fe.File)
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.EqualError(t, err, "/nonexistent/x.gguf: no such file or directory")
}

// Open names the path it opened as every tensor's File, as
// safetensors.Open does; NewFile leaves File empty, and FormatTensors
// renames.
func TestTensorsNameTheirFile(t *testing.T) {
	w := ggufw.File{Tensors: []fixture.TensorSpec{spec("a", "F32", 3), spec("b", "Q8_0", 32, 2)}}
	path := writeFixture(t, "named.gguf", w)
	f, err := gguf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	for _, x := range f.Tensors {
		require.Equal(t, path, x.File, x.Name)
	}
	require.Equal(t, path, f.FormatTensors(path)[1].File)
	for _, x := range f.FormatTensors("elsewhere.gguf") {
		require.Equal(t, "elsewhere.gguf", x.File, x.Name)
	}

	b, err := w.Bytes()
	require.NoError(t, err)
	g, err := parseBytes(b)
	require.NoError(t, err)
	for _, x := range g.Tensors {
		require.Empty(t, x.File, x.Name)
	}
	// The same tensors either way, once named alike.
	require.Equal(t, f.FormatTensors(path), g.FormatTensors(path))
}
