package scan

import (
	"fmt"
	"strings"

	"github.com/tensorcount/tensorcount/format"
)

// A codec is how scan reads one dtype: its block layout, which must match
// the file's, the decoder for whole blocks, and the fastest way to gather
// statistics (see hist.go and quant.go).
type codec struct {
	blockSize, blockBytes int
	decode                decoder
	kind                  kind
	table16               func() *[1 << 16]float32 // kind count16: value of each pattern
	table8                func() *[256]float32     // kind count8: value of each byte
}

type kind int

const (
	decodeAll kind = iota // decode every element to float64
	fusedF32              // decodeAll with the decoding fused into the first pass
	count16               // histogram of 16-bit patterns
	count8                // histogram of bytes
	blockQ8_0             // exact integer moments per block
	blockQ4_0
	fusedF16 // like fusedF32; chosen over count16 where a vector kernel exists
	fusedBF16
)

// fuse switches a dtype to a fused kind.
func fuse(name string, k kind) {
	c := codecs[name]
	c.kind = k
	codecs[name] = c
}

// codecs lists the dtypes scan decodes, by the name both formats use. The
// plain numeric names mean the same encoding in safetensors and GGUF.
var codecs = map[string]codec{
	"F64":     {1, 8, decodeF64, decodeAll, nil, nil},
	"F32":     {1, 4, decodeF32, fusedF32, nil, nil},
	"I32":     {1, 4, decodeI32, decodeAll, nil, nil},
	"U32":     {1, 4, decodeU32, decodeAll, nil, nil},
	"I64":     {1, 8, decodeI64, decodeAll, nil, nil},
	"U64":     {1, 8, decodeU64, decodeAll, nil, nil},
	"F16":     {1, 2, decodeF16, count16, f16Table, nil},
	"BF16":    {1, 2, decodeBF16, count16, bf16Table, nil},
	"I16":     {1, 2, decode16(i16Table), count16, i16Table, nil},
	"U16":     {1, 2, decode16(u16Table), count16, u16Table, nil},
	"F8_E4M3": {1, 1, byteTable(e4m3Table), count8, nil, e4m3Table},
	"F8_E5M2": {1, 1, byteTable(e5m2Table), count8, nil, e5m2Table},
	"I8":      {1, 1, byteTable(i8Table), count8, nil, i8Table},
	"U8":      {1, 1, byteTable(u8Table), count8, nil, u8Table},
	"BOOL":    {1, 1, byteTable(u8Table), count8, nil, u8Table},
	"Q8_0":    {qk, 34, decodeQ8_0, blockQ8_0, nil, nil},
	"Q4_0":    {qk, 18, decodeQ4_0, blockQ4_0, nil, nil},
}

// Supported reports whether scan decodes dtypes of this name.
func Supported(name string) bool {
	_, ok := codecs[name]
	return ok
}

// notDecoded explains, for the dtypes scan knows but leaves alone, why.
var notDecoded = map[string]string{
	"C64":         "complex values have no order for min and max",
	"F8_E8M0":     "E8M0 bytes are block scale exponents, not values",
	"F8_E4M3FNUZ": "FNUZ FP8 (a different bias and NaN encoding) is not decoded",
	"F8_E5M2FNUZ": "FNUZ FP8 (a different bias and NaN encoding) is not decoded",
	"F4":          "sub-byte MX float (F4) needs its block scales to mean anything",
	"F6_E2M3":     "sub-byte MX float (F6) needs its block scales to mean anything",
	"F6_E3M2":     "sub-byte MX float (F6) needs its block scales to mean anything",
	"MXFP4":       "MXFP4 blocks are not dequantised (only Q8_0 and Q4_0 are)",
	"NVFP4":       "NVFP4 blocks are not dequantised (only Q8_0 and Q4_0 are)",
}

// codecFor returns the codec for t, or why t is not scanned.
func codecFor(t format.Tensor) (codec, string) {
	name := t.DType.Name
	c, ok := codecs[name]
	if !ok {
		if why, ok := notDecoded[name]; ok {
			return c, why
		}
		switch {
		case strings.HasSuffix(name, "_K"):
			return c, "K-quant super-blocks are not dequantised (only Q8_0 and Q4_0 are)"
		case strings.HasPrefix(name, "IQ"), strings.HasPrefix(name, "TQ"):
			return c, "codebook and ternary quants are not dequantised (only Q8_0 and Q4_0 are)"
		case strings.HasPrefix(name, "Q"):
			return c, name + " blocks are not dequantised (only Q8_0 and Q4_0 are)"
		}
		return c, "dtype " + format.Quote(name) + " is not decoded"
	}
	if int(t.DType.BlockSize) != c.blockSize || int(t.DType.BlockBytes) != c.blockBytes {
		return c, fmt.Sprintf("unexpected %s layout: %d elements in %d bytes", name, t.DType.BlockSize, t.DType.BlockBytes)
	}
	want, ok := t.DType.ByteSize(t.Elements())
	if ok && int64(want) < t.Size {
		// A PyTorch view with strides: its elements are spread over a
		// wider span of its storage, so the span is not its values.
		return c, fmt.Sprintf("a strided view: its %d %s elements lie apart in a %d-byte span of a shared storage", t.Elements(), name, t.Size)
	}
	if !ok || int64(want) != t.Size {
		return c, fmt.Sprintf("%d data bytes do not hold %d %s elements", t.Size, t.Elements(), name)
	}
	if t.Size == 0 {
		return c, "no elements"
	}
	return c, ""
}
