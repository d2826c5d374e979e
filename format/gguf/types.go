package gguf

import (
	"strconv"

	"github.com/tensorcount/tensorcount/format"
)

// A GGMLType is the ggml_type id of a tensor: how its elements are encoded.
type GGMLType uint32

// The ggml type ids. Ids 4, 5, 31–33 and 36–38 were removed from ggml or
// only ever reserved; files written while 31–33 and 36 existed still turn
// up, so they are named here but have no trusted layout.
const (
	TypeF32     GGMLType = 0
	TypeF16     GGMLType = 1
	TypeQ4_0    GGMLType = 2
	TypeQ4_1    GGMLType = 3
	TypeQ5_0    GGMLType = 6
	TypeQ5_1    GGMLType = 7
	TypeQ8_0    GGMLType = 8
	TypeQ8_1    GGMLType = 9
	TypeQ2_K    GGMLType = 10
	TypeQ3_K    GGMLType = 11
	TypeQ4_K    GGMLType = 12
	TypeQ5_K    GGMLType = 13
	TypeQ6_K    GGMLType = 14
	TypeQ8_K    GGMLType = 15
	TypeIQ2_XXS GGMLType = 16
	TypeIQ2_XS  GGMLType = 17
	TypeIQ3_XXS GGMLType = 18
	TypeIQ1_S   GGMLType = 19
	TypeIQ4_NL  GGMLType = 20
	TypeIQ3_S   GGMLType = 21
	TypeIQ2_S   GGMLType = 22
	TypeIQ4_XS  GGMLType = 23
	TypeI8      GGMLType = 24
	TypeI16     GGMLType = 25
	TypeI32     GGMLType = 26
	TypeI64     GGMLType = 27
	TypeF64     GGMLType = 28
	TypeIQ1_M   GGMLType = 29
	TypeBF16    GGMLType = 30
	TypeTQ1_0   GGMLType = 34
	TypeTQ2_0   GGMLType = 35
	TypeMXFP4   GGMLType = 39
	TypeNVFP4   GGMLType = 40
	TypeQ1_0    GGMLType = 41
	TypeQ2_0    GGMLType = 42

	// NumGGMLTypes is ggml's GGML_TYPE_COUNT: ids at or above it are
	// invalid.
	NumGGMLTypes GGMLType = 43
)

// ggmlTypeInfo is one row of ggml's type_traits table. A zero block means
// the id has no layout ggml still accepts.
type ggmlTypeInfo struct {
	name  string
	block int // elements per block
	bytes int // bytes per block
}

// ggmlTypes is indexed by GGMLType. Sizes are ggml's (src/ggml-common.h);
// note Q8_1 is 36 bytes, not the 40 that gguf-py's table says.
var ggmlTypes = [NumGGMLTypes]ggmlTypeInfo{
	0:  {"F32", 1, 4},
	1:  {"F16", 1, 2},
	2:  {"Q4_0", 32, 18},
	3:  {"Q4_1", 32, 20},
	4:  {"Q4_2 (removed)", 0, 0},
	5:  {"Q4_3 (removed)", 0, 0},
	6:  {"Q5_0", 32, 22},
	7:  {"Q5_1", 32, 24},
	8:  {"Q8_0", 32, 34},
	9:  {"Q8_1", 32, 36},
	10: {"Q2_K", 256, 84},
	11: {"Q3_K", 256, 110},
	12: {"Q4_K", 256, 144},
	13: {"Q5_K", 256, 176},
	14: {"Q6_K", 256, 210},
	15: {"Q8_K", 256, 292},
	16: {"IQ2_XXS", 256, 66},
	17: {"IQ2_XS", 256, 74},
	18: {"IQ3_XXS", 256, 98},
	19: {"IQ1_S", 256, 50},
	20: {"IQ4_NL", 32, 18},
	21: {"IQ3_S", 256, 110},
	22: {"IQ2_S", 256, 82},
	23: {"IQ4_XS", 256, 136},
	24: {"I8", 1, 1},
	25: {"I16", 1, 2},
	26: {"I32", 1, 4},
	27: {"I64", 1, 8},
	28: {"F64", 1, 8},
	29: {"IQ1_M", 256, 56},
	30: {"BF16", 1, 2},
	// 31–33 and 36 had a 32-element, 18-byte layout while they existed
	// (2024), but ggml now rejects them and a reader cannot know which
	// layout a given file meant, so their byte sizes stay unverified.
	31: {"Q4_0_4_4 (removed)", 0, 0},
	32: {"Q4_0_4_8 (removed)", 0, 0},
	33: {"Q4_0_8_8 (removed)", 0, 0},
	34: {"TQ1_0", 256, 54},
	35: {"TQ2_0", 256, 66},
	36: {"IQ4_NL_4_4 (removed)", 0, 0},
	37: {"type 37 (reserved)", 0, 0},
	38: {"type 38 (reserved)", 0, 0},
	39: {"MXFP4", 32, 17},
	40: {"NVFP4", 64, 36},
	41: {"Q1_0", 128, 18},
	42: {"Q2_0", 64, 18},
}

// Valid reports whether t is below NumGGMLTypes. A valid id may still be a
// removed one; see Removed.
func (t GGMLType) Valid() bool { return t < NumGGMLTypes }

// Removed reports whether t is a valid id that no longer has a layout
// (ggml rejects such tensors; this package counts their elements only).
func (t GGMLType) Removed() bool { return t.Valid() && ggmlTypes[t].block == 0 }

// BlockSize is the number of elements per block, 0 for a removed or
// invalid id.
func (t GGMLType) BlockSize() int {
	if !t.Valid() {
		return 0
	}
	return ggmlTypes[t].block
}

// BlockBytes is the size in bytes of one block, 0 for a removed or invalid
// id.
func (t GGMLType) BlockBytes() int {
	if !t.Valid() {
		return 0
	}
	return ggmlTypes[t].bytes
}

// String returns ggml's name for the type ("Q4_K"), with "(removed)" for
// removed ids and "type N" for invalid ones.
func (t GGMLType) String() string {
	if !t.Valid() {
		return "type " + strconv.FormatUint(uint64(t), 10)
	}
	return ggmlTypes[t].name
}

// DType returns the shared description of the type. Removed ids have a
// BlockSize of 0: known by name, byte size unverifiable.
func (t GGMLType) DType() format.DType {
	return format.DType{Name: t.String(), BlockSize: int32(t.BlockSize()), BlockBytes: int32(t.BlockBytes())}
}

// typeNamed returns the type whose DType name is name. Every id has its
// own name, removed ones included, so a tensor's DType names its type.
func typeNamed(name string) GGMLType {
	for t := range NumGGMLTypes {
		if ggmlTypes[t].name == name {
			return t
		}
	}
	return NumGGMLTypes // not a name this reader gives
}

// A ValueType is the type tag of a metadata value (gguf_type).
type ValueType uint32

// The metadata value types. Version 1 files have only 0 to 9.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12

	numValueTypes   ValueType = 13
	numValueTypesV1 ValueType = 10
)

var valueTypeNames = [numValueTypes]string{
	"UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32",
	"BOOL", "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64",
}

func (t ValueType) String() string {
	if t < numValueTypes {
		return valueTypeNames[t]
	}
	return "type " + strconv.FormatUint(uint64(t), 10)
}

// scalarSize is the encoded size of a fixed-size value, 0 for strings,
// arrays and unknown types.
func (t ValueType) scalarSize() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// IsInteger reports whether t is one of the eight integer types.
func (t ValueType) IsInteger() bool {
	switch t {
	case TypeUint8, TypeInt8, TypeUint16, TypeInt16, TypeUint32, TypeInt32, TypeUint64, TypeInt64:
		return true
	}
	return false
}

func (t ValueType) isSigned() bool {
	return t == TypeInt8 || t == TypeInt16 || t == TypeInt32 || t == TypeInt64
}
