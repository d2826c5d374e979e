package gguf_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// A malformed case: a file of its own, and the error it must give.
type malformed struct {
	name  string
	build func() (b []byte, size int64) // size > len(b) extends the file sparsely
	field string
	msg   string
	check func(t *testing.T, fe *format.Error)
}

func bytesOnly(e *ggufw.Encoder) func() ([]byte, int64) {
	return func() ([]byte, int64) { return e.Bytes(), 0 }
}

// offsetIs checks the error's offset.
func offsetIs(off int64) func(*testing.T, *format.Error) {
	return func(t *testing.T, fe *format.Error) { require.Equal(t, off, fe.Offset) }
}

// tensorFile is a v3 file with no metadata and the given tensor infos,
// padded to 32 and followed by dataLen bytes.
func tensorFile(n uint64, infos func(e *ggufw.Encoder), dataLen int) func() ([]byte, int64) {
	return func() ([]byte, int64) {
		e := le3().Header("GGUF", n, 0)
		infos(e)
		e.Pad(32)
		return e.Bytes(), int64(e.Len() + dataLen)
	}
}

// FORMATS.md §3.2, GGUF items 1–11: each case is its own file, and the
// error names the field and the problem.
func TestMalformed(t *testing.T) {
	cases := []malformed{
		// 1. Too short; not GGUF; legacy magics by name.
		{"short-7-bytes", bytesOnly(ggufw.NewEncoder(3, binary.LittleEndian).Raw('G', 'G', 'U', 'F', 3, 0, 0)),
			"header", "file too short for a GGUF header", nil},
		{"short-v3", bytesOnly(le3().Raw('G', 'G', 'U', 'F').U32(3).U64(0)),
			"header", "file too short for a GGUF v3 header", func(t *testing.T, fe *format.Error) {
				require.Equal(t, int64(16), fe.Value)
				require.Equal(t, int64(24), fe.Limit)
			}},
		{"short-v1", bytesOnly(le3().Raw('G', 'G', 'U', 'F').U32(1).U32(0)),
			"header", "file too short for a GGUF v1 header", nil},
		{"magic-ggml", bytesOnly(le3().U32(0x67676d6c).U32(1).U64(0).U64(0)), "magic", "legacy ggml (unversioned GGML) file, not GGUF", nil},
		{"magic-ggmf", bytesOnly(le3().U32(0x67676d66).U32(1).U64(0).U64(0)), "magic", "legacy ggmf (GGMF) file", nil},
		{"magic-ggjt", bytesOnly(le3().U32(0x67676a74).U32(3).U64(0).U64(0)), "magic", "legacy ggjt (GGJT) file", nil},
		{"magic-ggla", bytesOnly(le3().U32(0x67676c61).U32(1).U64(0).U64(0)), "magic", "legacy ggla (GGLA LoRA) file", nil},
		{"magic-zip", bytesOnly(le3().Raw('P', 'K', 3, 4).U32(3).U64(0).U64(0)), "magic", "not a GGUF file", nil},

		// 2. Versions.
		{"version-0", bytesOnly(le3().Raw('G', 'G', 'U', 'F').U32(0).U64(0).U64(0)), "version", "version 0 is invalid", nil},
		{"version-4", bytesOnly(ggufw.NewEncoder(4, binary.LittleEndian).Header("GGUF", 0, 0)), "version", "unsupported GGUF version",
			func(t *testing.T, fe *format.Error) { require.Equal(t, uint32(4), fe.Value) }},
		// Low half zero: read as byte-swapped (big-endian), giving 1024.
		{"version-swapped-1024", bytesOnly(le3().Raw('G', 'G', 'U', 'F').U32(0x00040000).U64(0).U64(0)), "version", "unsupported GGUF version",
			func(t *testing.T, fe *format.Error) { require.Equal(t, uint32(1024), fe.Value) }},

		// 3. Counts: negative, or more than the bytes can hold.
		{"tensor-count-negative", bytesOnly(le3().Header("GGUF", 1<<63, 0)), "tensor_count", "negative count", offsetIs(8)},
		{"kv-count-negative", bytesOnly(le3().Header("GGUF", 0, 1<<63+5)), "kv_count", "negative count", offsetIs(16)},
		{"tensor-count-2^60", bytesOnly(le3().Header("GGUF", 1<<60, 0).Raw(make([]byte, 1000)...)), "tensor_count",
			"more tensors than the remaining bytes can hold", func(t *testing.T, fe *format.Error) {
				require.Equal(t, uint64(1<<60), fe.Value)
				require.Equal(t, uint64(1000/24), fe.Limit)
			}},
		{"kv-count-10^9", bytesOnly(le3().Header("GGUF", 0, 1e9).Raw(make([]byte, 1000)...)), "kv_count",
			"more key-value pairs than the remaining bytes can hold", func(t *testing.T, fe *format.Error) {
				require.Equal(t, uint64(1000/14), fe.Limit)
			}},
		{"v1-tensor-count", bytesOnly(ggufw.NewEncoder(1, binary.LittleEndian).Header("GGUF", 0xFFFFFFFF, 0).Raw(make([]byte, 100)...)),
			"tensor_count", "more tensors than the remaining bytes can hold", func(t *testing.T, fe *format.Error) {
				require.Equal(t, uint64(100/20), fe.Limit)
			}},
		{"tensor-count-after-metadata", bytesOnly(le3().Header("GGUF", 40, 1).KV("general.name", ggufw.Str(strings.Repeat("x", 1000)))),
			"tensor_count", "more tensors than the bytes after the metadata can hold", nil},

		// 4. Strings and keys.
		{"key-length-2^40", bytesOnly(le3().Header("GGUF", 0, 1).U64(1 << 40).Raw(make([]byte, 1000)...)), "key #0",
			"string length exceeds the bytes remaining in the file", func(t *testing.T, fe *format.Error) {
				require.Equal(t, int64(24), fe.Offset)
				require.Equal(t, uint64(1<<40), fe.Value)
				require.Equal(t, uint64(1000), fe.Limit)
			}},
		{"value-length-past-eof", bytesOnly(le3().Header("GGUF", 0, 2).KV("general.architecture", ggufw.Str("llama")).
			Str("general.name").U32(8).U64(100).Raw('a', 'b')), "general.name",
			"string length exceeds the bytes remaining in the file", nil},
		{"string-over-256MiB", func() ([]byte, int64) {
			e := le3().Header("GGUF", 0, 1).Str("general.name").U32(8).U64(300 << 20)
			return e.Bytes(), int64(e.Len()) + 301<<20
		}, "general.name", "string length exceeds the 256 MiB limit", func(t *testing.T, fe *format.Error) {
			require.Equal(t, uint64(300<<20), fe.Value)
			require.Equal(t, uint64(256<<20), fe.Limit)
		}},
		{"key-empty", bytesOnly(le3().Header("GGUF", 0, 2).KV("a", ggufw.U8(1)).KV("", ggufw.U8(1)).Raw(make([]byte, 16)...)), "key #1", "empty key", offsetIs(24 + 14)},
		{"key-duplicate", bytesOnly(le3().Header("GGUF", 0, 3).KV("general.name", ggufw.Str("a")).KV("b", ggufw.U8(1)).KV("general.name", ggufw.Str("b"))),
			"general.name", "duplicate key", nil},
		{"key-too-long", bytesOnly(le3().Header("GGUF", 0, 1).KV(strings.Repeat("k", 65536), ggufw.U8(1))), "key #0", "key longer than the spec allows", nil},
		{"key-control-chars", bytesOnly(le3().Header("GGUF", 0, 1).KV("evil\x1b[2J", ggufw.Value{Type: 99})), `"evil\x1b[2J" type`, "unknown value type", nil},

		// 5. Value types and arrays.
		{"value-type-13", bytesOnly(le3().Header("GGUF", 0, 1).KV("general.x", ggufw.Value{Type: 13})), "general.x type",
			"unknown value type for GGUF v3", func(t *testing.T, fe *format.Error) {
				require.Equal(t, uint32(13), fe.Value)
				require.Equal(t, uint32(12), fe.Limit)
			}},
		{"value-type-v1-uint64", bytesOnly(ggufw.NewEncoder(1, binary.LittleEndian).Header("GGUF", 0, 1).KV("general.x", ggufw.U64(1))),
			"general.x type", "unknown value type for GGUF v1", nil},
		{"array-element-type-13", bytesOnly(le3().Header("GGUF", 0, 1).KV("a", ggufw.Arr(13))), "a element type", "unknown array element type", nil},
		{"array-depth-5", bytesOnly(le3().Header("GGUF", 0, 1).KV("deep", nest(5))), "deep", "arrays nested too deeply", nil},
		{"array-uint32-count", bytesOnly(le3().Header("GGUF", 0, 1).KV("a", ggufw.Value{Type: ggufw.TypeArray, Elem: ggufw.TypeUint32, Count: ptr(1000)}).Raw(make([]byte, 10)...)),
			"a count", "array of UINT32 longer than the remaining bytes can hold", func(t *testing.T, fe *format.Error) {
				require.Equal(t, uint64(1000), fe.Value)
				require.Equal(t, uint64(2), fe.Limit)
			}},
		{"array-string-count", bytesOnly(le3().Header("GGUF", 0, 1).KV("tokenizer.ggml.tokens", ggufw.Value{Type: ggufw.TypeArray, Elem: ggufw.TypeString, Count: ptr(1 << 40)}).Raw(make([]byte, 64)...)),
			"tokenizer.ggml.tokens count", "array of STRING longer than the remaining bytes can hold", nil},
		{"array-string-element-length", bytesOnly(le3().Header("GGUF", 0, 1).KV("tokenizer.ggml.tokens",
			ggufw.Value{Type: ggufw.TypeArray, Elem: ggufw.TypeString, Count: ptr(3), Strs: []string{"a", "b"}}).U64(1 << 50).Raw(make([]byte, 32)...)),
			"tokenizer.ggml.tokens[2]", "string length exceeds the bytes remaining", nil},

		// 6. Alignment.
		{"alignment-uint64", bytesOnly(le3().Header("GGUF", 0, 1).KV("general.alignment", ggufw.U64(32))), "general.alignment", "alignment must be a UINT32", nil},
		{"alignment-zero", bytesOnly(le3().Header("GGUF", 0, 1).KV("general.alignment", ggufw.U32(0))), "general.alignment", "alignment is zero", nil},
		{"alignment-48", bytesOnly(le3().Header("GGUF", 0, 1).KV("general.alignment", ggufw.U32(48))), "general.alignment", "not a power of two", nil},
		{"alignment-2MiB", bytesOnly(le3().Header("GGUF", 0, 1).KV("general.alignment", ggufw.U32(2<<20))), "general.alignment", "alignment too large",
			func(t *testing.T, fe *format.Error) { require.Equal(t, 1<<20, fe.Limit) }},

		// 7. Tensor names.
		{"tensor-name-past-eof", tensorFile(1, func(e *ggufw.Encoder) { e.U64(5000).Raw(make([]byte, 40)...) }, 0),
			"tensor #0 name", "string length exceeds the bytes remaining", offsetIs(24)},
		{"tensor-name-duplicate", tensorFile(2, func(e *ggufw.Encoder) {
			e.TensorInfo("a", []uint64{8}, 0, 0).TensorInfo("a", []uint64{8}, 0, 32)
		}, 64), `tensor "a"`, "duplicate tensor name", nil},

		// 8. Dimensions.
		{"n-dims-5", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{1, 1, 1, 1, 1}, 0, 0) }, 32),
			`tensor "a" n_dims`, "too many dimensions", func(t *testing.T, fe *format.Error) {
				require.Equal(t, uint32(5), fe.Value)
				require.Equal(t, 4, fe.Limit)
			}},
		{"ne-negative", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{4, 1 << 63}, 0, 0) }, 32),
			`tensor "a" ne[1]`, "negative dimension", nil},
		{"ne-product-overflow", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{1 << 32, 1 << 32}, 0, 0) }, 32),
			`tensor "a" ne`, "element count overflows int64", offsetIs(24 + 9 + 4)},
		{"byte-size-overflow", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{1 << 31, 1 << 31}, 0, 0) }, 32),
			`tensor "a" type`, "byte size of F32 data overflows int64", nil},

		// 9. Types.
		{"type-negative", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{8}, 0xFFFFFFFF, 0) }, 32),
			`tensor "a" type`, "negative ggml type id", func(t *testing.T, fe *format.Error) { require.Equal(t, int32(-1), fe.Value) }},
		{"type-43", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{8}, 43, 0) }, 32),
			`tensor "a" type`, "unknown ggml type id", func(t *testing.T, fe *format.Error) { require.Equal(t, uint32(42), fe.Limit) }},
		{"ne0-not-whole-blocks", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{100}, 12, 0) }, 256),
			`tensor "a" type`, "ne[0] is not a multiple of the Q4_K block size", nil},

		// 10. Offsets.
		{"offset-unaligned", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{8}, 0, 16) }, 64),
			`tensor "a" offset`, "offset is not a multiple of the alignment", nil},
		{"data-past-eof", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{1000}, 0, 0) }, 100),
			`tensor "a" offset`, "data (4000 bytes) extends past the end of the file", offsetIs(24 + 9 + 4 + 8 + 4)},
		{"offset-overflow", tensorFile(1, func(e *ggufw.Encoder) { e.TensorInfo("a", []uint64{8}, 0, 1<<64-32) }, 64),
			`tensor "a" offset`, "extends past the end of the file", nil},
		{"overlap", tensorFile(2, func(e *ggufw.Encoder) {
			e.TensorInfo("a", []uint64{16}, 0, 0).TensorInfo("b", []uint64{16}, 0, 32)
		}, 128), `tensor "b" offset`, `data overlaps tensor "a"`, func(t *testing.T, fe *format.Error) {
			require.Equal(t, int64(24+33+9+4+8+4), fe.Offset)
			require.Equal(t, uint64(32), fe.Value)
			require.Equal(t, uint64(64), fe.Limit)
		}},
		// The error names where the third entry's offset field is, which
		// the reader works out from the entries before it.
		{"overlap-third-entry", tensorFile(3, func(e *ggufw.Encoder) {
			e.TensorInfo("a", []uint64{16}, 0, 0).TensorInfo("bb", []uint64{8, 2}, 0, 64).TensorInfo("ccc", []uint64{16}, 0, 96)
		}, 192), `tensor "ccc" offset`, `data overlaps tensor "bb"`, offsetIs(24 + (8 + 1 + 4 + 8 + 4 + 8) + (8 + 2 + 4 + 16 + 4 + 8) + 8 + 3 + 4 + 8 + 4)},
		{"overlap-v1", func() ([]byte, int64) {
			// Version 1: lengths and dimensions are 4 bytes wide.
			e := ggufw.NewEncoder(1, binary.LittleEndian).Header("GGUF", 2, 0)
			e.TensorInfo("a", []uint64{16}, 0, 0).TensorInfo("b", []uint64{16}, 0, 32).Pad(32)
			return e.Bytes(), int64(e.Len() + 128)
		}, `tensor "b" offset`, `data overlaps tensor "a"`, offsetIs(16 + (4 + 1 + 4 + 4 + 4 + 8) + 4 + 1 + 4 + 4 + 4)},
		{"overlap-same-range", tensorFile(3, func(e *ggufw.Encoder) {
			e.TensorInfo("a", []uint64{16}, 0, 0).TensorInfo("b", []uint64{16}, 0, 64).TensorInfo("c", []uint64{16}, 0, 64)
		}, 192), `tensor "c" offset`, `data overlaps tensor "b"`, nil},

		// 11. Data section past EOF although there are tensors.
		{"data-start-past-eof", func() ([]byte, int64) {
			e := le3().Header("GGUF", 1, 0).TensorInfo("a", []uint64{0}, 0, 0)
			return e.Bytes(), 0
		}, "data section", "data section starts past the end of the file", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, size := c.build()
			f, path, err := openRaw(t, c.name+".gguf", b, size)
			require.Nil(t, f)
			fe := requireFormatError(t, err, c.field, c.msg)
			require.Equal(t, path, fe.File)
			if c.check != nil {
				c.check(t, fe)
			}
			// The same bytes through NewFile give the same error, without
			// a file name.
			full := b
			if size > int64(len(b)) && size < 1<<20 {
				full = append(b, make([]byte, size-int64(len(b)))...)
			}
			if size < 1<<20 {
				_, err2 := parseBytes(full)
				fe2 := requireFormatError(t, err2, c.field, c.msg)
				require.Empty(t, fe2.File)
				require.Equal(t, fe.Offset, fe2.Offset)
			}
		})
	}
}

func ptr(n uint64) *uint64 { return &n }

// nest returns arrays nested depth deep, innermost of UINT8.
func nest(depth int) ggufw.Value {
	v := ggufw.Nums(ggufw.TypeUint8, 1, 2)
	for i := 1; i < depth; i++ {
		v = ggufw.Arr(ggufw.TypeArray, v)
	}
	return v
}

// Cases a strict reader rejects but that do not stop a count: warnings.
func TestWarnings(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
		warn string
	}{
		{"bool-2", le3().Header("GGUF", 0, 1).KV("flag", ggufw.RawBool(2)).Bytes(), `"flag": BOOL value 2 is neither 0 nor 1`},
		{"name-64-bytes", func() []byte {
			e := le3().Header("GGUF", 1, 0).TensorInfo(strings.Repeat("n", 64), []uint64{8}, 0, 0).Pad(32)
			return append(e.Bytes(), make([]byte, 32)...)
		}(), "name is 64 bytes; ggml accepts at most 63"},
		{"out-of-order", func() []byte {
			e := le3().Header("GGUF", 2, 0).TensorInfo("a", []uint64{8}, 0, 32).TensorInfo("b", []uint64{8}, 0, 0).Pad(32)
			return append(e.Bytes(), make([]byte, 64)...)
		}(), `tensor "a": offset 32 is not where ggml expects it (0)`},
		{"gap", func() []byte {
			e := le3().Header("GGUF", 2, 0).TensorInfo("a", []uint64{8}, 0, 0).TensorInfo("b", []uint64{8}, 0, 64).Pad(32)
			return append(e.Bytes(), make([]byte, 96)...)
		}(), `tensor "b": offset 64 is not where ggml expects it (32)`},
		{"ne0-flat-blocks", func() []byte {
			// stories260K Q8_0 style: ne[0] = 172, 64 rows, 344 whole blocks.
			e := le3().Header("GGUF", 1, 0).TensorInfo("w", []uint64{172, 64}, 8, 0).Pad(32)
			return append(e.Bytes(), make([]byte, 344*34)...)
		}(), `tensor "w": ne[0] = 172 is not a multiple of the Q8_0 block size 32`},
		{"array-depth-4", le3().Header("GGUF", 0, 1).KV("deep", nest(4)).Bytes(), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _, err := openRaw(t, c.name+".gguf", c.b, 0)
			require.NoError(t, err)
			if c.warn == "" {
				require.Empty(t, f.Warnings)
				return
			}
			require.Len(t, f.Warnings, 1)
			require.Contains(t, f.Warnings[0], c.warn)
		})
	}
}

// Many warnings are capped, with a count of the rest.
func TestWarningsCapped(t *testing.T) {
	e := le3().Header("GGUF", 0, 100)
	for i := range 100 {
		e.KV("flag."+strings.Repeat("x", i+1), ggufw.RawBool(7))
	}
	f, err := parseBytes(e.Bytes())
	require.NoError(t, err)
	require.Len(t, f.Warnings, 65)
	require.Equal(t, "36 more warnings not shown", f.Warnings[64])
}

// FORMATS.md §3.2 GGUF items 12 and 13: architecture keys of the wrong
// type and typed-array confusion are caught by the accessors, which check
// the declared type before interpreting anything.
func TestArchitectureKeyTypes(t *testing.T) {
	w := ggufw.File{Metadata: []ggufw.KV{
		{Key: "general.architecture", Value: ggufw.Str("llama")},
		{Key: "llama.block_count", Value: ggufw.Str("32")},
		{Key: "llama.embedding_length", Value: ggufw.F32(4096)},
		{Key: "llama.attention.head_count", Value: ggufw.I32(-32)},
		{Key: "llama.feed_forward_length", Value: ggufw.Float32s(1, 2)},
		{Key: "llama.context_length", Value: ggufw.U64(1 << 63)},
		{Key: "tokenizer.ggml.tokens", Value: ggufw.Strings([]string{"a", "b"})},
		{Key: "tokenizer.ggml.scores", Value: ggufw.Nums(ggufw.TypeInt8, 1, 2)},
		{Key: "tokenizer.ggml.token_type", Value: ggufw.Int32s(1, 1)},
		{Key: "big", Value: ggufw.Value{Type: ggufw.TypeArray, Elem: ggufw.TypeUint8, Nums: make([]uint64, 2<<20)}},
	}}
	b, err := w.Bytes()
	require.NoError(t, err)
	f, err := parseBytes(b)
	require.NoError(t, err)
	get := func(k string) gguf.KV { kv, ok := f.Lookup(k); require.True(t, ok); return kv }

	_, err = get("llama.block_count").Uint()
	requireFormatError(t, err, "llama.block_count", "value is STRING, not an integer")
	_, err = get("llama.embedding_length").Uint()
	requireFormatError(t, err, "llama.embedding_length", "value is FLOAT32, not an integer")
	_, err = get("llama.attention.head_count").Uint()
	fe := requireFormatError(t, err, "llama.attention.head_count", "negative value")
	require.Equal(t, int64(-32), fe.Value)
	_, err = f.ArrayUints(get("llama.feed_forward_length"))
	requireFormatError(t, err, "llama.feed_forward_length", "value is an ARRAY of FLOAT32, not an ARRAY of integers")
	_, err = get("llama.context_length").Int()
	requireFormatError(t, err, "llama.context_length", "does not fit in an int64")

	err = f.EachArrayString(get("tokenizer.ggml.token_type"), func(int, []byte) error { return nil })
	requireFormatError(t, err, "tokenizer.ggml.token_type", "value is an ARRAY of INT32, not an ARRAY of STRING")
	_, err = f.ArrayFloats(get("tokenizer.ggml.tokens"))
	requireFormatError(t, err, "tokenizer.ggml.tokens", "not an ARRAY of numbers")
	// INT8 scores are read as the INT8 they are, never as 4-byte floats.
	fs, err := f.ArrayFloats(get("tokenizer.ggml.scores"))
	require.NoError(t, err)
	require.Equal(t, []float64{1, 2}, fs)
	_, err = f.ArrayUints(get("big"))
	requireFormatError(t, err, "big", "array too long to read as values")
	// A KV made up by the caller cannot send the reader outside the file.
	_, err = f.ArrayUints(gguf.KV{Key: "x", Type: 9, ElemType: 4, Len: 4, Offset: f.Size - 2})
	requireFormatError(t, err, "x[0]", "unexpected end of file")
}
