package scan

// GGUF's two simplest block formats, dequantised exactly as ggml does
// (dequantize_row_q8_0 and dequantize_row_q4_0). Each block starts with a
// little-endian half-precision scale d. The products are exact in float64
// (and in ggml's float32), so the values are ggml's to the bit.

import "math/bits"

const qk = 32 // elements per Q8_0 and Q4_0 block

// decodeQ8_0 expands 34-byte blocks: d, then 32 signed bytes q; x = d·q.
func decodeQ8_0(dst []float64, src []byte) {
	t := f16Table()
	for len(dst) >= qk {
		b := (*[34]byte)(src)
		d := (*[qk]float64)(dst)
		scale := float64(t[uint16(b[0])|uint16(b[1])<<8])
		q := (*[qk]byte)(b[2:])
		for j := range d {
			d[j] = scale * float64(int8(q[j]))
		}
		dst, src = dst[qk:], src[34:]
	}
}

// decodeQ4_0 expands 18-byte blocks: d, then 16 bytes whose low nibbles
// are elements 0–15 and high nibbles elements 16–31; x = d·(q−8).
func decodeQ4_0(dst []float64, src []byte) {
	t := f16Table()
	for len(dst) >= qk {
		b := (*[18]byte)(src)
		d := (*[qk]float64)(dst)
		scale := float64(t[uint16(b[0])|uint16(b[1])<<8])
		q := (*[qk / 2]byte)(b[2:])
		for j, v := range q {
			d[j] = scale * float64(int(v&0xF)-8)
			d[j+qk/2] = scale * float64(int(v>>4)-8)
		}
		dst, src = dst[qk:], src[18:]
	}
}

// Blocks with a finite scale are summarised without converting each
// element: the sums of the 32 quants and of their squares are exact
// integers, from which the block's mean d·Σq/32 and sum of squared
// deviations d²·(32·Σq² − (Σq)²)/32 follow exactly. Groups of blocks are
// then combined by the law of total variance.

// The per-element work is one table load and one add: each table entry
// packs a quant's biased value u (q shifted to be non-negative), a zero
// flag and u² into separate bit fields of a uint64, wide enough that the
// sums over a block cannot carry into each other. Σq and Σq² follow from
// Σu and Σu² exactly.
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

// addQ8_0 folds whole Q8_0 blocks into s; vals is scratch for blocks
// whose scale is Inf or NaN, which take the general path.
func (s *Stats) addQ8_0(src []byte, vals []float64) {
	t := f16Table()
	var g qgroup
	for len(src) >= 34 {
		b := (*[34]byte)(src)
		src = src[34:]
		u := uint16(b[0]) | uint16(b[1])<<8
		if u&0x7C00 == 0x7C00 {
			decodeQ8_0(vals[:qk], b[:])
			s.add(vals[:qk])
			continue
		}
		// Two independent sets of accumulators, a pair of quants per
		// step, let the conditional moves of min and max (ints compile
		// to those, not to branches) overlap.
		var acc0, acc1 uint64
		lo0, hi0, lo1, hi1 := 255, 0, 255, 0
		q := (*[qk]byte)(b[2:])
		for j := 0; j < qk; j += 2 {
			x0, x1 := q[j], q[j+1]
			acc0 += q8Pack[x0]
			acc1 += q8Pack[x1]
			u0, u1 := int(x0^0x80), int(x1^0x80) // biased: ordered as the values are
			lo0, hi0 = min(lo0, u0), max(hi0, u0)
			lo1, hi1 = min(lo1, u1), max(hi1, u1)
		}
		acc, lo, hi := acc0+acc1, min(lo0, lo1), max(hi0, hi1)
		sum := int(acc&0xFFFF) - qk*128
		sq := int(acc>>fieldSq) - 256*sum - qk*128*128
		g.block(s, float64(t[u]), sum, sq, int(acc>>fieldZeros&0xFFFF), lo-128, hi-128)
	}
	g.flush(s)
}

// q4Pack[x] packs the two Q4_0 nibbles n of byte x (quants n−8) as
// q8Pack does, and q4Mask[x] has bit n set for each; the OR over a block
// gives the smallest and largest nibble.
var q4Pack, q4Mask = func() (p [256]uint64, m [256]uint16) {
	for x := range p {
		for _, n := range []int{x & 0xF, x >> 4} {
			if n == 8 {
				p[x] += 1 << fieldZeros
			}
			p[x] += uint64(n) | uint64(n*n)<<fieldSq
			m[x] |= 1 << n
		}
	}
	return p, m
}()

// addQ4_0 folds whole Q4_0 blocks into s, as addQ8_0 does.
func (s *Stats) addQ4_0(src []byte, vals []float64) {
	t := f16Table()
	var g qgroup
	for len(src) >= 18 {
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
		lo, hi := bits.TrailingZeros16(mask)-8, bits.Len16(mask)-1-8
		g.block(s, float64(t[u]), sum, sq, int(acc>>fieldZeros&0xFFFF), lo, hi)
	}
	g.flush(s)
}

// qgroup gathers the exact moments of up to qgroupBlocks blocks and
// merges them into a Stats at once, which keeps divisions out of the
// per-block work.
type qgroup struct {
	means  [qgroupBlocks]float64
	k      int
	m2     float64
	lo, hi float64
	zeros  uint64
}

const qgroupBlocks = 32

// block adds one block of qk values d·q whose quants q have the given
// integer sum, sum of squares, zero count and extremes.
func (g *qgroup) block(s *Stats, d float64, sum, sq, zeros, lo, hi int) {
	if d == 0 {
		zeros = qk
	}
	l, h := d*float64(lo), d*float64(hi)
	if d < 0 {
		l, h = h, l
	}
	if g.k == 0 {
		g.lo, g.hi = l, h
	} else {
		g.lo, g.hi = min(g.lo, l), max(g.hi, h)
	}
	g.means[g.k] = d * float64(sum) / qk
	g.m2 += d * d * float64(qk*sq-sum*sum) / qk
	g.zeros += uint64(zeros)
	g.k++
	if g.k == qgroupBlocks {
		g.flush(s)
	}
}

func (g *qgroup) flush(s *Stats) {
	if g.k == 0 {
		return
	}
	means := g.means[:g.k]
	var sum float64
	for _, m := range means {
		sum += m
	}
	mean := sum / float64(g.k)
	var between, r float64
	for _, m := range means {
		d := m - mean
		between += d * d
		r += d
	}
	between -= r * r / float64(g.k)
	mean += r / float64(g.k)
	s.Zeros += g.zeros
	s.mergeMoments(uint64(g.k*qk), mean, g.m2+qk*max(between, 0), g.lo, g.hi)
	*g = qgroup{}
}
