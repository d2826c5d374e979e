package safetensors

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
)

// Every malformed safetensors input of FORMATS.md §3.2, each with the
// error it must produce.
func TestMalformed(t *testing.T) {
	u8 := func(name string, b, e int) string {
		return `"` + name + `":{"dtype":"U8","shape":[` + itoa(e-b) + `],"data_offsets":[` + itoa(b) + `,` + itoa(e) + `]}`
	}
	withLen := func(n uint64, rest []byte) []byte {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, n)
		return append(b, rest...)
	}
	cases := []struct {
		name   string
		image  []byte
		field  string // substring of Error.Field
		msg    string // substring of Error.Msg
		offset int64  // -2: do not check
	}{
		// 1. too short
		{"shorter than 8 bytes", []byte{1, 0, 0}, "header length", "shorter than the 8-byte", 0},
		{"empty file", nil, "header length", "shorter than the 8-byte", 0},
		// 2. header length
		{"N is 0", withLen(0, nil), "header length", "empty", 0},
		{"N over 100 MB", withLen(100_000_001, []byte("{}")), "header length", "larger than the format allows", 0},
		{"N past EOF", withLen(50, []byte("{}")), "header length", "past the end", 0},
		{"N = 2^64-1", withLen(1<<64-1, []byte("{}")), "header length", "larger than the format allows", 0},
		// 3. encoding and top level
		{"invalid UTF-8", raw("{\"a\xff\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "header", "invalid UTF-8", 11},
		{"BOM", raw("\xef\xbb\xbf{}", 0), "header", "invalid character", 8},
		{"NUL padding", raw("{}\x00\x00\x00\x00\x00\x00", 0), "header", "invalid character", 10},
		{"top-level array", raw(`[]`, 0), "header", "not a JSON object", 8},
		{"top-level string", raw(` "x"`, 0), "header", "not a JSON object", 9},
		{"top-level number", raw(`12`, 0), "header", "not a JSON object", -2},
		{"two objects", raw(`{}{}`, 0), "header", "", -2},
		{"truncated JSON", raw(`{"a":{"dtype":"U8"`, 0), "", "ends early", -2},
		// 4. nesting
		{"deep nesting in an unknown member", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}}`, 1), "", "depth", -2},
		{"nested shape", raw(`{"a":{"dtype":"U8","shape":[[1]],"data_offsets":[0,1]}}`, 1), "shape[0]", "non-negative integer", -2},
		// 5. duplicates and case
		{"duplicate tensor", raw(`{`+u8("a", 0, 1)+`,`+u8("a", 1, 2)+`}`, 2), "", "duplicate object member name", -2},
		{"duplicate __metadata__", raw(`{"__metadata__":{},"__metadata__":{},`+u8("a", 0, 1)+`}`, 1), "", "duplicate", -2},
		{"duplicate metadata key", raw(`{"__metadata__":{"k":"1","k":"2"},`+u8("a", 0, 1)+`}`, 1), "", "duplicate", -2},
		{"duplicate member in tensor", raw(`{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1), "", "duplicate", -2},
		{"member name in other case", raw(`{"a":{"DTYPE":"U8","shape":[1],"data_offsets":[0,1]}}`, 1), `tensor "a"`, `missing member "dtype"`, 9},
		// 6. missing members and wrong types
		{"missing dtype", raw(`{"a":{"shape":[1],"data_offsets":[0,1]}}`, 1), `tensor "a"`, `missing member "dtype"`, 9},
		{"missing shape", raw(`{"a":{"dtype":"U8","data_offsets":[0,1]}}`, 1), `tensor "a"`, `missing member "shape"`, 9},
		{"missing data_offsets", raw(`{"a":{"dtype":"U8","shape":[1]}}`, 0), `tensor "a"`, `missing member "data_offsets"`, 9},
		{"tensor not an object", raw(`{"a":[1]}`, 0), `tensor "a"`, "must be an object", -2},
		{"string shape", raw(`{"a":{"dtype":"U8","shape":"1","data_offsets":[0,1]}}`, 1), `tensor "a".shape`, "array of integers", -2},
		{"float dim", raw(`{"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}`, 1), `tensor "a".shape[0]`, "non-negative integer", 36},
		{"negative dim", raw(`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}`, 1), `tensor "a".shape[0]`, "non-negative integer", -2},
		{"exponent offset", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1e0]}}`, 1), `tensor "a".data_offsets[1]`, "non-negative integer", -2},
		{"offset over 2^64-1", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551616]}}`, 1), `data_offsets[1]`, "below 2^64", -2},
		{"dtype not a string", raw(`{"a":{"dtype":8,"shape":[1],"data_offsets":[0,1]}}`, 1), `tensor "a".dtype`, "must be a string", -2},
		// 7. unknown dtypes
		{"lowercase dtype", raw(`{"a":{"dtype":"f16","shape":[1],"data_offsets":[0,2]}}`, 2), `tensor "a".dtype`, "unknown dtype", 22},
		{"F8_E4M3FN", raw(`{"a":{"dtype":"F8_E4M3FN","shape":[1],"data_offsets":[0,1]}}`, 1), `tensor "a".dtype`, "unknown dtype", -2},
		// 8. data_offsets arity and order
		{"one offset", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[1]}}`, 1), `data_offsets`, "wrong number of elements", -2},
		{"three offsets", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`, 2), `data_offsets`, "wrong number of elements", -2},
		{"end before begin", raw(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}`, 1), `data_offsets`, "end is before begin", -2},
		// 9. overflow and sub-byte alignment
		{"shape product overflow", raw(`{"a":{"dtype":"U8","shape":[2,18446744073709551614],"data_offsets":[0,1]}}`, 1), `tensor "a".shape`, "overflows", -2},
		{"shape product over int64", raw(`{"a":{"dtype":"U8","shape":[2,9223372036854775807],"data_offsets":[0,1]}}`, 1), `tensor "a".shape`, "overflows", -2},
		{"byte size overflow", raw(`{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,1]}}`, 1), `tensor "a".shape`, "overflows", -2},
		{"odd F4 count", raw(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, 2), `tensor "a".shape`, "whole number of bytes", -2},
		{"F6 count not a multiple of 4", raw(`{"a":{"dtype":"F6_E3M2","shape":[6],"data_offsets":[0,5]}}`, 5), `tensor "a".shape`, "whole number of bytes", -2},
		// 10. size mismatch
		{"range too small for shape", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4), `tensor "a".data_offsets`, "does not match", -2},
		// 11. layout
		{"not starting at 0", raw(`{`+u8("a", 1, 2)+`}`, 2), `tensor "a".data_offsets`, "gap of 1 bytes", -2},
		{"gap", raw(`{`+u8("a", 0, 1)+`,`+u8("b", 2, 3)+`}`, 3), `tensor "b".data_offsets`, "gap of 1 bytes", -2},
		{"overlap", raw(`{`+u8("a", 0, 2)+`,`+u8("b", 1, 3)+`}`, 3), `tensor "b".data_offsets`, `its bytes 1–3 overlap "a"'s bytes 0–2 by 1 bytes`, -2},
		{"same range twice", raw(`{`+u8("a", 0, 2)+`,`+u8("b", 0, 2)+`}`, 2), `data_offsets`, "overlap", -2},
		// 12. file length
		{"trailing bytes", raw(`{`+u8("a", 0, 1)+`}`, 3), "file size", "trailing bytes", -2},
		{"truncated data", raw(`{`+u8("a", 0, 4)+`}`, 2), "file size", "truncated", -2},
		// 13. metadata
		{"metadata an array", raw(`{"__metadata__":[],`+u8("a", 0, 1)+`}`, 1), "__metadata__", "object of strings or null", 24},
		{"metadata a number value", raw(`{"__metadata__":{"n":1},`+u8("a", 0, 1)+`}`, 1), "__metadata__.n", "must be strings", -2},
		{"metadata a nested value", raw(`{"__metadata__":{"n":{}},`+u8("a", 0, 1)+`}`, 1), "__metadata__.n", "must be strings", -2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse(c.image)
			require.Error(t, err)
			var fe *format.Error
			require.True(t, errors.As(err, &fe), "%T: %v", err, err)
			require.Contains(t, fe.Field, c.field, err.Error())
			require.Contains(t, fe.Msg, c.msg, err.Error())
			if c.offset != -2 {
				require.Equal(t, c.offset, fe.Offset, err.Error())
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
