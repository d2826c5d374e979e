package scan

// GGUF's two simplest block formats, dequantised exactly as ggml does
// (dequantize_row_q8_0 and dequantize_row_q4_0). Each block starts with a
// little-endian half-precision scale d. The products are exact in float64
// (and in ggml's float32), so the values are ggml's to the bit.

import (
	"encoding/binary"
	"math"
	"math/bits"
)

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
//
// Most blocks cannot move the extremes: every value of a block lies in
// [−128d, 127d] (for d > 0; mirrored for d < 0), so once the extremes seen so far enclose that
// interval strictly, the block's own minimum and maximum are not needed,
// and its quants are summed by the word (q8Moments) instead of one by
// one. In real weights the scale follows the block's largest value, so
// all but the blocks with the largest scales take that path.
func (s *Stats) addQ8_0(src []byte, vals []float64) {
	t := f16Table()
	var g qgroup
	lo, hi := math.Inf(1), math.Inf(-1) // extremes seen so far
	if s.Finite > 0 {
		lo, hi = s.Min, s.Max
	}
	for len(src) >= 34 {
		b := (*[34]byte)(src)
		src = src[34:]
		u := uint16(b[0]) | uint16(b[1])<<8
		if u&0x7C00 == 0x7C00 {
			decodeQ8_0(vals[:qk], b[:])
			s.add(vals[:qk])
			if s.Finite > 0 {
				lo, hi = min(lo, s.Min), max(hi, s.Max)
			}
			continue
		}
		d := float64(t[u])
		q := (*[qk]byte)(b[2:])
		if l, h := quantBounds(d, &q8Reach); h < hi && l > lo {
			sum, sq, zeros := q8Moments(q)
			g.inner(s, d, sum, sq, zeros)
			continue
		}
		// Two independent sets of accumulators, a pair of quants per
		// step, let the conditional moves of min and max (ints compile
		// to those, not to branches) overlap.
		var acc0, acc1 uint64
		lo0, hi0, lo1, hi1 := 255, 0, 255, 0
		for j := 0; j < qk; j += 2 {
			x0, x1 := q[j], q[j+1]
			acc0 += q8Pack[x0]
			acc1 += q8Pack[x1]
			u0, u1 := int(x0^0x80), int(x1^0x80) // biased: ordered as the values are
			lo0, hi0 = min(lo0, u0), max(hi0, u0)
			lo1, hi1 = min(lo1, u1), max(hi1, u1)
		}
		acc, ql, qh := acc0+acc1, min(lo0, lo1), max(hi0, hi1)
		sum := int(acc&0xFFFF) - qk*128
		sq := int(acc>>fieldSq) - 256*sum - qk*128*128
		l, h := g.block(s, d, sum, sq, int(acc>>fieldZeros&0xFFFF), ql-128, qh-128)
		lo, hi = min(lo, l), max(hi, h)
	}
	g.flush(s)
}

// q8Reach and q4Reach are how far the quants reach below and above zero,
// in units of |d|, indexed by the sign of d: Q8_0 quants are −128…127 and
// Q4_0 quants −8…7, so a positive scale reaches further down than up,
// and a negative one the other way.
var (
	q8Reach = [2][2]float64{{-128, 127}, {-127, 128}}
	q4Reach = [2][2]float64{{-8, 7}, {-7, 8}}
)

// quantBounds returns the interval a block of scale d can hold values
// in. The sign is taken from the bits, so the choice costs no branch.
func quantBounds(d float64, reach *[2][2]float64) (float64, float64) {
	a := math.Abs(d)
	r := &reach[math.Float64bits(d)>>63]
	return a * r[0], a * r[1]
}

// SWAR masks: bytes, 16-bit lanes.
const (
	lowBytes  = 0x00FF_00FF_00FF_00FF
	sevenBits = 0x7F7F_7F7F_7F7F_7F7F
	highBits  = 0x8080_8080_8080_8080
	lanes16   = 0x0001_0001_0001_0001
)

// q8Sq2[p] is q0² + q1² for the two int8 quants of the little-endian pair
// p: a 256 KiB table, which halves the lookups of squaring byte by byte.
var q8Sq2 = func() *[1 << 16]uint32 {
	var t [1 << 16]uint32
	for p := range t {
		a, b := int(int8(p)), int(int8(p>>8))
		t[p] = uint32(a*a + b*b)
	}
	return &t
}()

// q8Moments returns the sum, the sum of squares and the zero count of a
// block's 32 quants: sums and zeros eight bytes at a time in a uint64
// (SWAR), squares by pairs from q8Sq2. All three are exact.
func q8Moments(q *[qk]byte) (sum, sq, zeros int) {
	w0, w1 := binary.LittleEndian.Uint64(q[0:]), binary.LittleEndian.Uint64(q[8:])
	w2, w3 := binary.LittleEndian.Uint64(q[16:]), binary.LittleEndian.Uint64(q[24:])
	// Biased bytes u = q + 128, summed in 16-bit lanes (each ≤ 4·510).
	x0, x1, x2, x3 := w0^highBits, w1^highBits, w2^highBits, w3^highBits
	acc := x0&lowBytes + x0>>8&lowBytes + x1&lowBytes + x1>>8&lowBytes +
		x2&lowBytes + x2>>8&lowBytes + x3&lowBytes + x3>>8&lowBytes
	sum = int(acc*lanes16>>48) - qk*128
	// A byte's high bit in z is set exactly when the byte is zero; the
	// four words' flags are shifted apart and counted at once.
	z0 := ^((w0&sevenBits + sevenBits) | w0) & highBits
	z1 := ^((w1&sevenBits + sevenBits) | w1) & highBits
	z2 := ^((w2&sevenBits + sevenBits) | w2) & highBits
	z3 := ^((w3&sevenBits + sevenBits) | w3) & highBits
	zeros = bits.OnesCount64(z0 | z1>>1 | z2>>2 | z3>>3)
	t := q8Sq2
	s0 := t[uint16(w0)] + t[uint16(w0>>16)] + t[uint16(w0>>32)] + t[uint16(w0>>48)]
	s1 := t[uint16(w1)] + t[uint16(w1>>16)] + t[uint16(w1>>32)] + t[uint16(w1>>48)]
	s2 := t[uint16(w2)] + t[uint16(w2>>16)] + t[uint16(w2>>32)] + t[uint16(w2>>48)]
	s3 := t[uint16(w3)] + t[uint16(w3>>16)] + t[uint16(w3>>32)] + t[uint16(w3>>48)]
	return sum, int((s0 + s1) + (s2 + s3)), zeros
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

// addQ4_0 folds whole Q4_0 blocks into s, as addQ8_0 does: values lie
// in [−8d, 7d] (mirrored for d < 0), and blocks that cannot move the extremes are summed
// by the word (q4Moments).
func (s *Stats) addQ4_0(src []byte, vals []float64) {
	t := f16Table()
	var g qgroup
	lo, hi := math.Inf(1), math.Inf(-1)
	if s.Finite > 0 {
		lo, hi = s.Min, s.Max
	}
	for len(src) >= 18 {
		b := (*[18]byte)(src)
		src = src[18:]
		u := uint16(b[0]) | uint16(b[1])<<8
		if u&0x7C00 == 0x7C00 {
			decodeQ4_0(vals[:qk], b[:])
			s.add(vals[:qk])
			if s.Finite > 0 {
				lo, hi = min(lo, s.Min), max(hi, s.Max)
			}
			continue
		}
		d := float64(t[u])
		q := (*[qk / 2]byte)(b[2:])
		if l, h := quantBounds(d, &q4Reach); h < hi && l > lo {
			sum, sq, zeros := q4Moments(q)
			g.inner(s, d, sum, sq, zeros)
			continue
		}
		var acc uint64
		var mask uint16
		for _, x := range q {
			acc += q4Pack[x]
			mask |= q4Mask[x]
		}
		sum := int(acc&0xFFFF) - qk*8
		sq := int(acc>>fieldSq) - 16*sum - qk*64
		ql, qh := bits.TrailingZeros16(mask)-8, bits.Len16(mask)-1-8
		l, h := g.block(s, d, sum, sq, int(acc>>fieldZeros&0xFFFF), ql, qh)
		lo, hi = min(lo, l), max(hi, h)
	}
	g.flush(s)
}

// q4Pair[p] packs, for the four nibbles n of the little-endian byte pair
// p, Σ(n−8)² (bits 0–11), Σn (bits 12–20) and the count of n = 8, a zero
// quant (bits 21–26): the fields of eight pairs, a block, cannot carry
// into each other (at most 2048, 480 and 32). The table is 256 KiB.
var q4Pair = func() *[1 << 16]uint32 {
	var t [1 << 16]uint32
	for p := range t {
		var sq, sum, zeros uint32
		for k := 0; k < 16; k += 4 {
			n := uint32(p>>k) & 0xF
			sq += (n - 8) * (n - 8)
			sum += n
			if n == 8 {
				zeros++
			}
		}
		t[p] = sq | sum<<12 | zeros<<21
	}
	return &t
}()

// q4Moments is q8Moments for a Q4_0 block's 16 bytes of nibbles n, the
// quants being n − 8: eight lookups of q4Pair.
func q4Moments(q *[qk / 2]byte) (sum, sq, zeros int) {
	t := q4Pair
	a0 := t[uint16(q[0])|uint16(q[1])<<8] + t[uint16(q[2])|uint16(q[3])<<8]
	a1 := t[uint16(q[4])|uint16(q[5])<<8] + t[uint16(q[6])|uint16(q[7])<<8]
	a2 := t[uint16(q[8])|uint16(q[9])<<8] + t[uint16(q[10])|uint16(q[11])<<8]
	a3 := t[uint16(q[12])|uint16(q[13])<<8] + t[uint16(q[14])|uint16(q[15])<<8]
	acc := (a0 + a1) + (a2 + a3)
	return int(acc>>12&0x1FF) - qk*8, int(acc & 0xFFF), int(acc >> 21)
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
//
// It returns the block's smallest and largest value.
func (g *qgroup) block(s *Stats, d float64, sum, sq, zeros, lo, hi int) (float64, float64) {
	l, h := d*float64(lo), d*float64(hi)
	if d < 0 {
		l, h = h, l
	}
	if g.k == 0 {
		g.lo, g.hi = l, h
	} else {
		g.lo, g.hi = min(g.lo, l), max(g.hi, h)
	}
	g.moments(s, d, sum, sq, zeros)
	return l, h
}

// inner adds a block known to lie strictly inside the extremes seen so
// far, whose own extremes therefore change nothing.
func (g *qgroup) inner(s *Stats, d float64, sum, sq, zeros int) {
	if g.k == 0 {
		g.lo, g.hi = math.Inf(1), math.Inf(-1)
	}
	g.moments(s, d, sum, sq, zeros)
}

func (g *qgroup) moments(s *Stats, d float64, sum, sq, zeros int) {
	if d == 0 {
		zeros = qk
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
