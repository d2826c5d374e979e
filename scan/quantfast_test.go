package scan

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The scalar loops' per-element work is one table load and one add:
// each table entry packs a quant's biased value
// u (q shifted to be non-negative), a zero flag and u² into separate bit
// fields of a uint64, wide enough that the sums over a block cannot carry
// into each other. Σq and Σq² follow from Σu and Σu² exactly.
const (
	fieldZeros = 16
	fieldSq    = 32
)

// q8Pack[x] for the Q8_0 quant int8(x), biased by 128: u ≤ 255, so over
// 32 quants Σu < 2¹⁶ and Σu² < 2³².
var q8Pack = func() (t [256]uint64) {
	for x := range t {
		u := uint64(int8(x)) + 128
		if int8(x) == 0 {
			t[x] |= 1 << fieldZeros
		}
		t[x] |= u | u*u<<fieldSq
	}
	return t
}()

// q4Pack[x] packs the two Q4_0 nibbles n of byte x (quants n−8) as
// q8Pack does.
var q4Pack = func() (p [256]uint64) {
	for x := range p {
		for _, n := range []int{x & 0xF, x >> 4} {
			if n == 8 {
				p[x] += 1 << fieldZeros
			}
			p[x] += uint64(n) | uint64(n*n)<<fieldSq
		}
	}
	return p
}()

// addQ8_0Scalar and addQ4_0Scalar are the element-by-element loops the
// word-at-a-time paths replaced, kept as the reference they must agree
// with bit for bit.
func (s *Stats) addQ8_0Scalar(src []byte, vals []float64) {
	t := f16Table()
	h := qhists.Get().(*qhist)
	defer qhists.Put(h)
	for k := 0; len(src) >= 34; k++ {
		if k%qbatch == 0 {
			h.reserve(s, min(len(src)/34, qbatch)) // as the fast path does, so that it flushes alike
		}
		b := (*[34]byte)(src)
		src = src[34:]
		u := uint16(b[0]) | uint16(b[1])<<8
		if u&0x7C00 == 0x7C00 {
			decodeQ8_0(vals[:qk], b[:])
			s.add(vals[:qk])
			continue
		}
		var acc uint64
		lo, hi := 255, 0
		for _, x := range (*[qk]byte)(b[2:]) {
			acc += q8Pack[x]
			lo, hi = min(lo, int(x^0x80)), max(hi, int(x^0x80))
		}
		sum := int(acc&0xFFFF) - qk*128
		sq := int(acc>>fieldSq) - 256*sum - qk*128*128
		h.extremes(float64(t[u]), lo-128, hi-128)
		zeros := acc >> fieldZeros & 0xFFFF
		if u&0x7FFF == 0 {
			zeros = qk // d = 0: every value is zero
		}
		h.block(u, int64(sum), uint64(sq)<<32|zeros<<56)
	}
	h.flush(s)
}

func (s *Stats) addQ4_0Scalar(src []byte, vals []float64) {
	t := f16Table()
	h := qhists.Get().(*qhist)
	defer qhists.Put(h)
	for k := 0; len(src) >= 18; k++ {
		if k%qbatch == 0 {
			h.reserve(s, min(len(src)/18, qbatch)) // as the fast path does, so that it flushes alike
		}
		b := (*[18]byte)(src)
		src = src[18:]
		u := uint16(b[0]) | uint16(b[1])<<8
		if u&0x7C00 == 0x7C00 {
			decodeQ4_0(vals[:qk], b[:])
			s.add(vals[:qk])
			continue
		}
		var acc uint64
		var mask uint16
		for _, x := range (*[qk / 2]byte)(b[2:]) {
			acc += q4Pack[x]
			mask |= q4Mask[x]
		}
		sum := int(acc&0xFFFF) - qk*8
		sq := int(acc>>fieldSq) - 16*sum - qk*64
		h.extremes(float64(t[u]), bits.TrailingZeros16(mask)-8, bits.Len16(mask)-1-8)
		zeros := acc >> fieldZeros & 0xFFFF
		if u&0x7FFF == 0 {
			zeros = qk // d = 0: every value is zero
		}
		h.block(u, int64(sum), uint64(sq)<<32|zeros<<56)
	}
	h.flush(s)
}

// randomScale draws half-precision scale bits: ordinary, subnormal,
// signed zero, the largest, Inf and NaN, and runs of a growing scale
// (so that blocks keep extending the extremes).
func randomScale(rng *rand.Rand, i int) uint16 {
	switch rng.IntN(16) {
	case 0:
		return 0x0000
	case 1:
		return 0x8000 // −0
	case 2:
		return uint16(rng.IntN(0x3FF) + 1) // subnormal
	case 3:
		return 0x8000 | uint16(rng.IntN(0x3FF)+1)
	case 4:
		return 0x7C00 | uint16(rng.IntN(2))<<15 // ±Inf
	case 5:
		return 0x7E00 // NaN
	case 6:
		return 0x7BFF // 65504
	case 7:
		return uint16(min(0x1000+i, 0x7BFF)) // growing
	}
	return f16Word(float32(0.001 + 0.002*rng.Float64()))
}

func f16Word(v float32) uint16 { b := f16bits(v); return uint16(b[0]) | uint16(b[1])<<8 }

// randomQuants fills a block's quant bytes: uniform, all equal, zeros,
// the extremes, or few distinct values.
func randomQuants(rng *rand.Rand, q []byte) {
	mode := rng.IntN(6)
	c := byte(rng.Uint32())
	for j := range q {
		switch mode {
		case 0:
			q[j] = c
		case 1:
			q[j] = 0
		case 2:
			q[j] = []byte{0x80, 0x7F, 0x00, 0x88, 0xFF}[rng.IntN(5)]
		case 3:
			q[j] = byte(rng.IntN(3))
		default:
			q[j] = byte(rng.Uint32())
		}
	}
}

func quantRandom(rng *rand.Rand, blockBytes, blocks int) []byte {
	b := make([]byte, 0, blocks*blockBytes+blockBytes-1)
	for i := range blocks {
		u := randomScale(rng, i)
		b = append(b, byte(u), byte(u>>8))
		q := make([]byte, blockBytes-2)
		randomQuants(rng, q)
		b = append(b, q...)
	}
	// A trailing partial block, which both paths ignore.
	return append(b, make([]byte, rng.IntN(blockBytes))...)
}

func sameStats(t *testing.T, want, got Stats, msg string, args ...any) {
	t.Helper()
	eq := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	if want.Finite != got.Finite || want.NaN != got.NaN || want.PosInf != got.PosInf || want.NegInf != got.NegInf ||
		want.Zeros != got.Zeros || !eq(want.Min, got.Min) || !eq(want.Max, got.Max) || !eq(want.Mean, got.Mean) || !eq(want.M2, got.M2) {
		require.Failf(t, "stats differ", "%s\nwant %+v\ngot  %+v", append([]any{msg}, args...)...)
	}
}

// The word-at-a-time quant paths give exactly the scalar loops' Stats on
// random blocks of every kind, in pieces of every length, starting from
// empty and from earlier Stats.
func TestQuantFastPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vals := make([]float64, qk)
	for _, c := range []struct {
		name       string
		blockBytes int
		fast, slow func(*Stats, []byte, []float64)
	}{
		{"Q8_0", 34, (*Stats).addQ8_0, (*Stats).addQ8_0Scalar},
		{"Q4_0", 18, (*Stats).addQ4_0, (*Stats).addQ4_0Scalar},
	} {
		for trial := range 400 {
			src := quantRandom(rng, c.blockBytes, 1+rng.IntN(200))
			var want, got Stats
			if trial%3 == 0 {
				// Earlier Stats with extremes the blocks may or may not
				// exceed.
				prev := quantRandom(rng, c.blockBytes, 3)
				c.slow(&want, prev, vals)
				c.slow(&got, prev, vals)
			}
			// Cut into pieces at block boundaries, as the scan does.
			for len(src) > 0 {
				n := min(len(src), c.blockBytes*(1+rng.IntN(40)))
				c.slow(&want, src[:n], vals)
				c.fast(&got, src[:n], vals)
				src = src[n:]
			}
			sameStats(t, want, got, "%s trial %d", c.name, trial)
		}
	}
}

// Realistic data takes the fast path for nearly every block and still
// agrees exactly.
func TestQuantFastPathsAgreeRealistic(t *testing.T) {
	for _, dtype := range []string{"Q8_0", "Q4_0"} {
		data := benchData(dtype)[:1<<20/34*34]
		if dtype == "Q4_0" {
			data = data[:1<<20/18*18]
		}
		vals := make([]float64, qk)
		var want, got Stats
		if dtype == "Q8_0" {
			want.addQ8_0Scalar(data, vals)
			got.addQ8_0(data, vals)
		} else {
			want.addQ4_0Scalar(data, vals)
			got.addQ4_0(data, vals)
		}
		sameStats(t, want, got, dtype)
	}
}

func TestQuantMomentsExhaustiveBytes(t *testing.T) {
	// Every byte value in every position of a block.
	for x := range 256 {
		for pos := range qk {
			var q [qk]byte
			for j := range q {
				q[j] = byte(j * 37)
			}
			q[pos] = byte(x)
			var wsum, wsq, wz int
			for _, b := range q {
				v := int(int8(b))
				wsum, wsq = wsum+v, wsq+v*v
				if v == 0 {
					wz++
				}
			}
			sum, sq, z := q8Moments(q8Sq2(), &q)
			require.Equal(t, [3]int{wsum, wsq, wz}, [3]int{sum, sq, z})
			if pos < qk/2 {
				q4 := (*[qk / 2]byte)(q[:])
				wsum, wsq, wz = 0, 0, 0
				for _, b := range q4 {
					for _, n := range []int{int(b & 0xF), int(b >> 4)} {
						wsum, wsq = wsum+n-8, wsq+(n-8)*(n-8)
						if n == 8 {
							wz++
						}
					}
				}
				sum, sq, z = q4Moments(q4Pair(), q4)
				require.Equal(t, [3]int{wsum, wsq, wz}, [3]int{sum, sq, z})
			}
		}
	}
}
