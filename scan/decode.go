package scan

import (
	"math"
	"sync"

	"github.com/x448/float16"
)

// A decoder turns whole blocks of stored bytes into float64 values: dst
// has room for exactly the elements src holds.
type decoder func(dst []float64, src []byte)

// f16Table maps every IEEE half-precision bit pattern to its value. A
// 256 KiB table (it stays in L2) is cheaper than converting each element,
// and is built once, on first use, from the reference conversion.
var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = float16.Frombits(uint16(i)).Float32()
	}
	return &t
})

// e4m3Table decodes OCP FP8 E4M3FN (PyTorch float8_e4m3fn): exponent
// bias 7, three mantissa bits, no infinities, and a single NaN pattern
// per sign (S.1111.111), which frees S.1111.000–110 for 256–448.
var e4m3Table = sync.OnceValue(func() *[256]float32 {
	var t [256]float32
	for i := range t {
		sign := float32(1)
		if i&0x80 != 0 {
			sign = -1
		}
		exp, man := (i>>3)&0xF, i&7
		switch {
		case exp == 0xF && man == 7:
			t[i] = float32(math.NaN())
		case exp == 0:
			t[i] = sign * float32(math.Ldexp(float64(man)/8, -6))
		default:
			t[i] = sign * float32(math.Ldexp(1+float64(man)/8, exp-7))
		}
	}
	return &t
})

// e5m2Table decodes OCP FP8 E5M2 (PyTorch float8_e5m2). It is IEEE-like,
// with infinities and NaNs, and is exactly the upper byte of a half, so
// the half-precision conversion gives every value.
var e5m2Table = sync.OnceValue(func() *[256]float32 {
	var t [256]float32
	for i := range t {
		t[i] = float16.Frombits(uint16(i) << 8).Float32()
	}
	return &t
})

// The decoders below step through fixed-size array views of their
// inputs, so the compiler drops the bounds checks from the loop bodies.
// Data is little-endian in both formats (big-endian GGUF files are
// refused before decoding).

func decodeF32(dst []float64, src []byte) {
	for len(dst) >= 4 {
		s := (*[16]byte)(src)
		d := (*[4]float64)(dst)
		d[0] = float64(math.Float32frombits(le32(s[0:4])))
		d[1] = float64(math.Float32frombits(le32(s[4:8])))
		d[2] = float64(math.Float32frombits(le32(s[8:12])))
		d[3] = float64(math.Float32frombits(le32(s[12:16])))
		dst, src = dst[4:], src[16:]
	}
	for i := range dst {
		dst[i] = float64(math.Float32frombits(le32(src[4*i:])))
	}
}

func decodeF64(dst []float64, src []byte) {
	for i := range dst {
		dst[i] = math.Float64frombits(le64(src[8*i:]))
	}
}

func decodeF16(dst []float64, src []byte) {
	t := f16Table()
	for len(dst) >= 4 {
		s := (*[8]byte)(src)
		d := (*[4]float64)(dst)
		d[0] = float64(t[uint16(s[0])|uint16(s[1])<<8])
		d[1] = float64(t[uint16(s[2])|uint16(s[3])<<8])
		d[2] = float64(t[uint16(s[4])|uint16(s[5])<<8])
		d[3] = float64(t[uint16(s[6])|uint16(s[7])<<8])
		dst, src = dst[4:], src[8:]
	}
	for i := range dst {
		dst[i] = float64(t[uint16(src[2*i])|uint16(src[2*i+1])<<8])
	}
}

// decodeBF16 widens bfloat16, the top half of a float32, by a shift.
func decodeBF16(dst []float64, src []byte) {
	for len(dst) >= 4 {
		s := (*[8]byte)(src)
		d := (*[4]float64)(dst)
		d[0] = float64(math.Float32frombits(uint32(s[0])<<16 | uint32(s[1])<<24))
		d[1] = float64(math.Float32frombits(uint32(s[2])<<16 | uint32(s[3])<<24))
		d[2] = float64(math.Float32frombits(uint32(s[4])<<16 | uint32(s[5])<<24))
		d[3] = float64(math.Float32frombits(uint32(s[6])<<16 | uint32(s[7])<<24))
		dst, src = dst[4:], src[8:]
	}
	for i := range dst {
		dst[i] = float64(math.Float32frombits(uint32(src[2*i])<<16 | uint32(src[2*i+1])<<24))
	}
}

// Value tables of the integer types, so that they share the counting
// path of the float types.
var (
	bf16Table = table16(func(u uint16) float32 { return math.Float32frombits(uint32(u) << 16) })
	i16Table  = table16(func(u uint16) float32 { return float32(int16(u)) })
	u16Table  = table16(func(u uint16) float32 { return float32(u) })
	i8Table   = table8(func(b byte) float32 { return float32(int8(b)) })
	u8Table   = table8(func(b byte) float32 { return float32(b) })
)

func table16(f func(uint16) float32) func() *[1 << 16]float32 {
	return sync.OnceValue(func() *[1 << 16]float32 {
		var t [1 << 16]float32
		for i := range t {
			t[i] = f(uint16(i))
		}
		return &t
	})
}

func table8(f func(byte) float32) func() *[256]float32 {
	return sync.OnceValue(func() *[256]float32 {
		var t [256]float32
		for i := range t {
			t[i] = f(byte(i))
		}
		return &t
	})
}

// byteTable returns a decoder for one-byte types given by a 256-entry
// table.
func byteTable(table func() *[256]float32) decoder {
	return func(dst []float64, src []byte) {
		t := table()
		src = src[:len(dst)]
		for i, b := range src {
			dst[i] = float64(t[b])
		}
	}
}

// decode16 returns a decoder for two-byte types given by a table.
func decode16(table func() *[1 << 16]float32) decoder {
	return func(dst []float64, src []byte) {
		t := table()
		for i := range dst {
			dst[i] = float64(t[uint16(src[2*i])|uint16(src[2*i+1])<<8])
		}
	}
}

func decodeI32(dst []float64, src []byte) {
	for i := range dst {
		dst[i] = float64(int32(le32(src[4*i:])))
	}
}

func decodeU32(dst []float64, src []byte) {
	for i := range dst {
		dst[i] = float64(le32(src[4*i:]))
	}
}

// 64-bit integers beyond 2⁵³ lose their low bits in float64, which the
// statistics tolerate; the counts of zeros stay exact.
func decodeI64(dst []float64, src []byte) {
	for i := range dst {
		dst[i] = float64(int64(le64(src[8*i:])))
	}
}

func decodeU64(dst []float64, src []byte) {
	for i := range dst {
		dst[i] = float64(le64(src[8*i:]))
	}
}

func le32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(le32(b)) | uint64(le32(b[4:]))<<32
}
