package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/x448/float16"

	"github.com/tensorcount/tensorcount/format"
)

// encode stores values in a dtype. Values must be exactly representable
// (the tests choose them so); a value that is not makes encode panic.
func encode(dtype string, vals []float64) []byte {
	var b []byte
	for _, v := range vals {
		switch dtype {
		case "F64":
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		case "F32":
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
		case "F16":
			b = binary.LittleEndian.AppendUint16(b, float16.Fromfloat32(float32(v)).Bits())
		case "BF16":
			b = binary.LittleEndian.AppendUint16(b, uint16(math.Float32bits(float32(v))>>16))
		case "F8_E4M3":
			b = append(b, fp8Byte(e4m3Table(), v))
		case "F8_E5M2":
			b = append(b, fp8Byte(e5m2Table(), v))
		case "I8":
			b = append(b, byte(int8(v)))
		case "U8", "BOOL":
			b = append(b, byte(v))
		case "I16":
			b = binary.LittleEndian.AppendUint16(b, uint16(int16(v)))
		case "U16":
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case "I32":
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(v)))
		case "U32":
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		case "I64":
			b = binary.LittleEndian.AppendUint64(b, uint64(int64(v)))
		case "U64":
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		default:
			panic("encode: dtype " + dtype)
		}
	}
	// Check the round trip, so that a test never asserts statistics of
	// values its data does not hold.
	got := make([]float64, len(vals))
	codecs[dtype].decode(got, b)
	for i, v := range vals {
		if math.Float64bits(got[i]) != math.Float64bits(v) && !(math.IsNaN(got[i]) && math.IsNaN(v)) {
			panic(fmt.Sprintf("encode: %v is not exact in %s (got %v)", v, dtype, got[i]))
		}
	}
	return b
}

func fp8Byte(t *[256]float32, v float64) byte {
	for i, x := range t {
		if float64(x) == v && math.Signbit(float64(x)) == math.Signbit(v) || math.IsNaN(v) && x != x {
			return byte(i)
		}
	}
	panic(fmt.Sprintf("no FP8 byte for %v", v))
}

func f16bits(v float32) []byte {
	return binary.LittleEndian.AppendUint16(nil, float16.Fromfloat32(v).Bits())
}

// q8Block builds a Q8_0 block from a scale and 32 quants.
func q8Block(d float32, q [32]int8) []byte {
	b := f16bits(d)
	for _, x := range q {
		b = append(b, byte(x))
	}
	return b
}

// q4Block builds a Q4_0 block from a scale and 32 quants in 0..15.
func q4Block(d float32, q [32]uint8) []byte {
	b := f16bits(d)
	for j := range 16 {
		b = append(b, q[j]&0xF|q[j+16]<<4)
	}
	return b
}

var testDTypes = map[string]format.DType{
	"F64": {Name: "F64", BlockSize: 1, BlockBytes: 8}, "F32": {Name: "F32", BlockSize: 1, BlockBytes: 4},
	"F16": {Name: "F16", BlockSize: 1, BlockBytes: 2}, "BF16": {Name: "BF16", BlockSize: 1, BlockBytes: 2},
	"F8_E4M3": {Name: "F8_E4M3", BlockSize: 1, BlockBytes: 1}, "F8_E5M2": {Name: "F8_E5M2", BlockSize: 1, BlockBytes: 1},
	"I8": {Name: "I8", BlockSize: 1, BlockBytes: 1}, "U8": {Name: "U8", BlockSize: 1, BlockBytes: 1},
	"BOOL": {Name: "BOOL", BlockSize: 1, BlockBytes: 1},
	"I16":  {Name: "I16", BlockSize: 1, BlockBytes: 2}, "U16": {Name: "U16", BlockSize: 1, BlockBytes: 2},
	"I32": {Name: "I32", BlockSize: 1, BlockBytes: 4}, "U32": {Name: "U32", BlockSize: 1, BlockBytes: 4},
	"I64": {Name: "I64", BlockSize: 1, BlockBytes: 8}, "U64": {Name: "U64", BlockSize: 1, BlockBytes: 8},
	"Q8_0": {Name: "Q8_0", BlockSize: 32, BlockBytes: 34}, "Q4_0": {Name: "Q4_0", BlockSize: 32, BlockBytes: 18},
}

// memFile lays tensors out back to back in one in-memory file and returns
// them with an Open option that serves it.
type memFile struct {
	data    []byte
	tensors []format.Tensor
}

func (m *memFile) add(name, dtype string, data []byte, shape ...uint64) {
	d := testDTypes[dtype]
	m.tensors = append(m.tensors, format.Tensor{Name: name, Shape: shape, DType: d, File: "mem",
		Offset: int64(len(m.data)), Size: int64(len(data))})
	m.data = append(m.data, data...)
}

func (m *memFile) open(string) (io.ReaderAt, error) { return bytes.NewReader(m.data), nil }
