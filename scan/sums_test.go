package scan

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// specialF32 are the float32 patterns a kernel must not get wrong: both
// zeros, NaNs of both signs and several payloads, both infinities, the
// smallest and largest subnormals and normals, and values either side
// of one.
var specialF32 = []uint32{
	0x0000_0000, 0x8000_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7F80_0001, 0xFFBF_FFFF,
	0x7F80_0000, 0xFF80_0000, 0x0000_0001, 0x8000_0001, 0x007F_FFFF, 0x807F_FFFF,
	0x0080_0000, 0x8080_0000, 0x7F7F_FFFF, 0xFF7F_FFFF, 0x3F80_0000, 0xBF80_0000,
	0x3F7F_FFFF, 0x3F80_0001,
}

// f32Inputs draws runs of float32 patterns of the kinds a scan meets:
// weights, all zeros, uniform random bits (NaN and Inf included), the
// specials mixed into weights, subnormals alone, and huge values whose
// squares overflow float64 only when summed.
func f32Inputs(rng *rand.Rand, n int) []uint32 {
	u := make([]uint32, n)
	kind := rng.IntN(7)
	for i := range u {
		switch kind {
		case 0:
			u[i] = math.Float32bits(float32(0.02 * rng.NormFloat64()))
		case 1:
			u[i] = uint32(rng.IntN(2)) << 31 // ±0
		case 2:
			u[i] = rng.Uint32()
		case 3:
			if rng.IntN(8) == 0 {
				u[i] = specialF32[rng.IntN(len(specialF32))]
			} else {
				u[i] = math.Float32bits(float32(1 + rng.NormFloat64()))
			}
		case 4:
			u[i] = rng.Uint32() & 0x807F_FFFF // subnormal or zero
		case 5:
			u[i] = math.Float32bits(float32(3e38 * (2*rng.Float64() - 1)))
		case 6:
			u[i] = math.Float32bits(float32(1e6 + rng.Float64())) // far from zero, tiny spread
		}
	}
	return u
}

func le32Bytes(u []uint32) []byte {
	b := make([]byte, 4*len(u))
	for i, x := range u {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

func sameSums(t *testing.T, want, got *floatSums, msg string, args ...any) {
	t.Helper()
	eq := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	same := true
	for i := range want.s {
		same = same && eq(want.s[i], got.s[i]) && eq(want.q[i], got.q[i])
	}
	_, _, wlo, whi, wz := want.reduce()
	_, _, glo, ghi, gz := got.reduce()
	if !same || wlo != glo || whi != ghi || wz != gz {
		t.Fatalf("%s: sums differ\nwant %v %v %d %d %d\ngot  %v %v %d %d %d", append([]any{msg}, args...),
			want.s, want.q, wlo, whi, wz, got.s, got.q, glo, ghi, gz)
	}
}

// The vector F32 kernel gives the Go kernel's sums to the bit, lane by
// lane, on every kind of input and length, starting from empty and from
// earlier sums.
func TestSumsF32Agree(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no vector kernel on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 3000 {
		n := rng.IntN(300)
		if trial < len(specialF32)*8 {
			// Each special alone in every lane, among ordinary values.
			n = 8
		}
		u := f32Inputs(rng, n)
		if trial < len(specialF32)*8 {
			u[trial%8] = specialF32[trial/8]
		}
		src := le32Bytes(u)
		k := []float64{0, 1, -0.5, float64(math.Float32frombits(rng.Uint32())), 1e6}[rng.IntN(5)]
		var want, got floatSums
		want.reset()
		if trial%4 == 0 {
			prev := le32Bytes(f32Inputs(rng, 8*(1+rng.IntN(4))))
			sumsF32Go(&want, prev, k)
		}
		got = want
		sumsF32Go(&want, src, k)
		sumsF32Asm(&got, src, k)
		sameSums(t, &want, &got, "trial %d, n %d, k %v", trial, n, k)

		// And so the Stats agree, whatever path a block takes.
		var ws, gs Stats
		vals := make([]float64, n)
		vector = false
		ws.addF32(src, vals)
		vector = true
		gs.addF32(src, vals)
		sameStats(t, ws, gs, "trial %d", trial)
	}
}

// The vector moments kernels for Q8_0 and Q4_0 give the Go kernels'
// packed sums on blocks of every kind (zero, subnormal, huge, Inf and NaN
// scales; constant, extreme and random quants), for every count of
// blocks, including blocks read at the very end of the input.
func TestQuantSumsAgree(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no vector kernel on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		name       string
		blockBytes int
		asm, ref   func([]uint64, []byte)
	}{
		{"Q8_0", 34, q8SumsAsm, q8SumsGo},
		{"Q4_0", 18, q4SumsAsm, q4SumsGo},
	} {
		for trial := range 2000 {
			blocks := rng.IntN(qbatch + 1)
			src := quantRandom(rng, c.blockBytes, blocks)
			src = src[: blocks*c.blockBytes : blocks*c.blockBytes] // nothing to read past the last block
			want, got := make([]uint64, blocks), make([]uint64, blocks)
			c.ref(want, src)
			c.asm(got, src)
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("%s trial %d block %d (% x): got %#x, want %#x", c.name, trial, i,
						src[i*c.blockBytes:(i+1)*c.blockBytes], got[i], want[i])
				}
			}
		}
	}
}

// special16 are the 16-bit patterns of F16 and BF16 a kernel must not
// get wrong: both zeros, NaNs, infinities, the extreme subnormals and
// normals, and one.
var special16 = []uint16{
	0x0000, 0x8000, 0x7E00, 0xFE00, 0x7C01, 0x7FC0, 0xFFC1, 0x7C00, 0xFC00, 0x7F80, 0xFF80,
	0x0001, 0x8001, 0x03FF, 0x007F, 0x0400, 0x0080, 0x7BFF, 0xFBFF, 0x7F7F, 0xFF7F, 0x3C00, 0x3F80,
}

// The vector kernels for F16 and BF16 give the Go kernel's sums to the
// bit, lane by lane, and so the same Stats, on every kind of input and
// length.
func TestSumsHalfAgree(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no vector kernel on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct {
		name string
		f16  bool
		t    *[1 << 16]float32
		asm  func(*halfSums, []byte, float64)
	}{
		{"F16", true, f16Table(), sumsF16Asm},
		{"BF16", false, bf16Table(), sumsBF16Asm},
	} {
		if c.f16 && !hasF16C {
			continue
		}
		for trial := range 3000 {
			n := rng.IntN(300)
			u := make([]uint16, n)
			kind := rng.IntN(5)
			for i := range u {
				switch kind {
				case 0: // weights
					w := 0.02 * rng.NormFloat64()
					if c.f16 {
						u[i] = f16Word(float32(w))
					} else {
						u[i] = uint16(math.Float32bits(float32(w)) >> 16)
					}
				case 1:
					u[i] = uint16(rng.IntN(2)) << 15
				case 2:
					u[i] = uint16(rng.Uint32())
				case 3:
					u[i] = special16[rng.IntN(len(special16))]
				case 4:
					u[i] = uint16(rng.Uint32()) & 0x83FF // F16 subnormals, tiny BF16
				}
			}
			if trial < len(special16)*16 {
				n = 16
				u = make([]uint16, n)
				for i := range u {
					u[i] = 0x3C00 // one, in F16
				}
				u[trial%16] = special16[trial/16]
			}
			src := make([]byte, 2*n)
			for i, x := range u {
				binary.LittleEndian.PutUint16(src[2*i:], x)
			}
			k := []float64{0, 1, -0.5, 0.02, 1e4}[rng.IntN(5)]
			var want, got halfSums
			want.reset()
			got.reset()
			pairs := n &^ 15
			halfGroups(&want, src[:2*(n&^7)], k, c.t)
			// Odd trials take the AVX2 kernels where the AVX-512 ones
			// would run.
			wide := hasAVX512
			hasAVX512 = wide && trial%2 == 0
			c.asm(&got, src[:2*pairs], k)
			hasAVX512 = wide
			halfGroups(&got, src[2*pairs:2*(n&^7)], k, c.t)
			ws, wq, wlo, whi, wz := want.reduce()
			gs, gq, glo, ghi, gz := got.reduce()
			eq := func(a, b []float64) bool {
				for i := range a {
					if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
						return false
					}
				}
				return true
			}
			if !eq(want.l[0].s[:], got.l[0].s[:]) || !eq(want.l[0].q[:], got.l[0].q[:]) ||
				!eq(want.l[1].s[:], got.l[1].s[:]) || !eq(want.l[1].q[:], got.l[1].q[:]) || wlo != glo || whi != ghi || wz != gz {
				t.Fatalf("%s trial %d, n %d, k %v: sums differ\nwant %v %v %v %#x %#x %d\ngot  %v %v %v %#x %#x %d",
					c.name, trial, n, k, want.l, ws, wq, wlo, whi, wz, got.l, gs, gq, glo, ghi, gz)
			}

			var wst, gst Stats
			vals := make([]float64, n)
			vector = false
			wst.addHalfs(src, vals, c.f16, c.t, codecs[c.name].decode)
			vector = true
			gst.addHalfs(src, vals, c.f16, c.t, codecs[c.name].decode)
			sameStats(t, wst, gst, "%s trial %d", c.name, trial)
		}
	}
}

// The vector gather kernels stop at the same block as the Go ones and
// leave the same qhist behind.
func TestQuantGatherAgree(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no vector kernel on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	want, got := newQhist(), newQhist()
	for _, c := range []struct {
		name       string
		blockBytes int
		asm, ref   func(*qhist, []byte, [2]uint16) int
	}{
		{"Q8_0", 34, q8GatherAsm, q8GatherGo},
		{"Q4_0", 18, q4GatherAsm, q4GatherGo},
	} {
		for trial := range 1000 {
			src := quantRandom(rng, c.blockBytes, rng.IntN(100))
			src = src[:len(src)/c.blockBytes*c.blockBytes]
			if trial%3 == 0 {
				// Ordinary scales from a few patterns, as a model's are:
				// long runs that the kernels take two blocks at a time,
				// pairs whose blocks share a cell.
				for i := 0; i < len(src); i += c.blockBytes {
					u := f16Word(float32(0.001 + 0.001*float64(rng.IntN(3))))
					src[i], src[i+1] = byte(u), byte(u>>8)
				}
			}
			limit := [2]uint16{uint16(rng.IntN(0x7C01)), uint16(rng.IntN(0x7C01))}
			if trial%2 == 0 {
				limit = [2]uint16{0x7C00, 0x7C00} // only Inf and NaN scales stop
			}
			for len(src) > 0 {
				nw, ng := c.ref(want, src, limit), c.asm(got, src, limit)
				if nw != ng {
					t.Fatalf("%s trial %d: stopped after %d blocks, want %d", c.name, trial, ng, nw)
				}
				src = src[min(len(src), (nw+1)*c.blockBytes):] // skip the block that stopped it
			}
			if want.cells != got.cells || want.used != got.used || want.zeros != got.zeros {
				t.Fatalf("%s trial %d: the gathered blocks differ", c.name, trial)
			}
		}
	}
}
