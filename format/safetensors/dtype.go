package safetensors

import "github.com/tensorcount/tensorcount/format"

// dtypes lists every dtype the safetensors reference reader knows, up to
// the 0.8 release candidate (the FNUZ FP8 types). Names are case-sensitive,
// as in the reference reader. Sub-byte types pack elements into blocks: an
// F4 pair fills one byte and four F6 elements fill three.
var dtypes = map[string]format.DType{}

// dtypeIDs numbers the dtypes, so that a parsed entry holds a byte, not
// a 32-byte DType; dtypeByID is the inverse.
var (
	dtypeIDs  = map[string]uint8{}
	dtypeByID []format.DType
)

func init() {
	for _, d := range []format.DType{
		{Name: "BOOL", BlockSize: 1, BlockBytes: 1},
		{Name: "U8", BlockSize: 1, BlockBytes: 1},
		{Name: "I8", BlockSize: 1, BlockBytes: 1},
		{Name: "F8_E5M2", BlockSize: 1, BlockBytes: 1},
		{Name: "F8_E4M3", BlockSize: 1, BlockBytes: 1},
		{Name: "F8_E8M0", BlockSize: 1, BlockBytes: 1},
		{Name: "F8_E4M3FNUZ", BlockSize: 1, BlockBytes: 1},
		{Name: "F8_E5M2FNUZ", BlockSize: 1, BlockBytes: 1},
		{Name: "I16", BlockSize: 1, BlockBytes: 2},
		{Name: "U16", BlockSize: 1, BlockBytes: 2},
		{Name: "F16", BlockSize: 1, BlockBytes: 2},
		{Name: "BF16", BlockSize: 1, BlockBytes: 2},
		{Name: "I32", BlockSize: 1, BlockBytes: 4},
		{Name: "U32", BlockSize: 1, BlockBytes: 4},
		{Name: "F32", BlockSize: 1, BlockBytes: 4},
		{Name: "I64", BlockSize: 1, BlockBytes: 8},
		{Name: "U64", BlockSize: 1, BlockBytes: 8},
		{Name: "F64", BlockSize: 1, BlockBytes: 8},
		{Name: "C64", BlockSize: 1, BlockBytes: 8},
		{Name: "F4", BlockSize: 2, BlockBytes: 1},
		{Name: "F6_E2M3", BlockSize: 4, BlockBytes: 3},
		{Name: "F6_E3M2", BlockSize: 4, BlockBytes: 3},
	} {
		dtypes[d.Name] = d
		dtypeIDs[d.Name] = uint8(len(dtypeByID))
		dtypeByID = append(dtypeByID, d)
	}
}

// DType returns the dtype the name denotes, and whether it is known.
func DType(name string) (format.DType, bool) {
	d, ok := dtypes[name]
	return d, ok
}

// DTypes returns every known dtype name.
func DTypes() []string {
	names := make([]string, 0, len(dtypes))
	for n := range dtypes {
		names = append(names, n)
	}
	return names
}
