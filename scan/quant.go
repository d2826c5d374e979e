package scan

// GGUF's two simplest block formats, dequantised exactly as ggml does
// (dequantize_row_q8_0 and dequantize_row_q4_0). Each block starts with a
// little-endian half-precision scale d. The products are exact in float64
// (and in ggml's float32), so the values are ggml's to the bit.

import (
	"encoding/binary"
	"math"
	"math/bits"
	"sync"
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
// integers. Blocks are then gathered by their scale's bit pattern
// (qhist): within a pattern the sums stay integers, so the per-block
// work is integer adds, and the floating-point work is done once per
// distinct scale, of which real weights have a few thousand.

// addQ8_0 folds whole Q8_0 blocks into s; vals is scratch for blocks
// whose scale is Inf or NaN, which take the general path.
func (s *Stats) addQ8_0(src []byte, vals []float64) {
	h := qhists.Get().(*qhist)
	defer qhists.Put(h)
	h.addQ8_0(s, src, vals)
	h.flush(s)
}

// addQ8_0 gathers whole Q8_0 blocks into h, merging into s when h is
// full and whatever it cannot gather (blocks whose scale is Inf or NaN).
//
// Most blocks cannot move the extremes: every value of a block lies in
// [−128d, 127d] (for d > 0; mirrored for d < 0), so once the extremes
// seen so far enclose that interval strictly, the block's own minimum
// and maximum are not needed. Half-precision magnitudes order as their
// bit patterns do, so the test is one comparison of the scale's bits
// with a limit (qlimits) that changes only with the extremes. In real
// weights the scale follows the block's largest value, so all but the
// blocks with the largest scales pass it.
func (h *qhist) addQ8_0(s *Stats, src []byte, vals []float64) {
	t := f16Table()
	lo, hi := h.bounds(s)
	limit := qlimits(t, &q8Reach, lo, hi)
	var m [1]uint64
	for len(src) >= 34 {
		nb := min(len(src)/34, qbatch)
		h.reserve(s, nb)
		for i := 0; ; i++ {
			// The kernel takes the blocks up to the next one that needs
			// more than its moments.
			i += q8Gather(h, src[34*i:34*nb], limit)
			if i == nb {
				break
			}
			b := (*[34]byte)(src[34*i:])
			u := uint16(b[0]) | uint16(b[1])<<8
			if u&0x7C00 == 0x7C00 {
				decodeQ8_0(vals[:qk], b[:])
				s.add(vals[:qk])
				if s.Finite > 0 && (s.Min < lo || s.Max > hi) {
					lo, hi = min(lo, s.Min), max(hi, s.Max)
					limit = qlimits(t, &q8Reach, lo, hi)
				}
				continue
			}
			ql, qh := q8Extremes((*[qk]byte)(b[2:]))
			if l, r := h.extremes(float64(t[u]), ql, qh); l < lo || r > hi {
				lo, hi = min(lo, l), max(hi, r)
				limit = qlimits(t, &q8Reach, lo, hi)
			}
			q8Sums(m[:], b[:])
			w := m[0]
			h.block(u, int64(int32(uint32(w))), w)
		}
		src = src[34*nb:]
	}
}

// qbatch is how many blocks the drivers reserve room for at a time.
const qbatch = 1024

// q8Gather adds to h the blocks of src, in order, up to the first that
// needs more than its moments: one whose scale is Inf or NaN, or whose
// scale's magnitude bits reach the limit for its sign (see qlimits). It
// returns how many blocks it added. It is vector code where the CPU has
// it, else q8GatherGo; q4Gather is the same for Q4_0.
func q8Gather(h *qhist, src []byte, limit [2]uint16) int {
	if vector {
		return q8GatherAsm(h, src, limit)
	}
	return q8GatherGo(h, src, limit)
}

func q4Gather(h *qhist, src []byte, limit [2]uint16) int {
	if vector {
		return q4GatherAsm(h, src, limit)
	}
	return q4GatherGo(h, src, limit)
}

func q8GatherGo(h *qhist, src []byte, limit [2]uint16) int {
	t := q8Sq2()
	n := len(src) / 34
	for i := range n {
		b := (*[34]byte)(src[34*i:])
		u := uint16(b[0]) | uint16(b[1])<<8
		if u&0x7C00 == 0x7C00 || u&0x7FFF >= limit[u>>15] {
			return i
		}
		sum, sq, zeros := q8Moments(t, (*[qk]byte)(b[2:]))
		if u&0x7FFF == 0 {
			zeros = qk
		}
		h.block(u, int64(sum), uint64(sq)<<32|uint64(zeros)<<56)
	}
	return n
}

func q4GatherGo(h *qhist, src []byte, limit [2]uint16) int {
	t := q4Pair()
	n := len(src) / 18
	for i := range n {
		b := (*[18]byte)(src[18*i:])
		u := uint16(b[0]) | uint16(b[1])<<8
		if u&0x7C00 == 0x7C00 || u&0x7FFF >= limit[u>>15] {
			return i
		}
		sum, sq, zeros := q4Moments(t, (*[qk / 2]byte)(b[2:]))
		if u&0x7FFF == 0 {
			zeros = qk
		}
		h.block(u, int64(sum), uint64(sq)<<32|uint64(zeros)<<56)
	}
	return n
}

// The moments kernels write, per block, its quants' sum (in the low 32
// bits: Q8_0 as an int32, Q4_0 as the sum of its nibbles, biased by
// 256), sum of squares (bits 32–55) and count of zero values (bits
// 56–63: the zero quants, or all 32 when the scale is ±0). They are
// vector code where the CPU has it (sums_amd64.go), else the Go ones
// below.
func q8Sums(dst []uint64, src []byte) {
	if vector {
		q8SumsAsm(dst, src)
	} else {
		q8SumsGo(dst, src)
	}
}

func q4Sums(dst []uint64, src []byte) {
	if vector {
		q4SumsAsm(dst, src)
	} else {
		q4SumsGo(dst, src)
	}
}

func q8SumsGo(dst []uint64, src []byte) {
	t := q8Sq2()
	for i := range dst {
		sum, sq, zeros := q8Moments(t, (*[qk]byte)(src[34*i+2:]))
		if src[34*i]|src[34*i+1]&0x7F == 0 {
			zeros = qk
		}
		dst[i] = uint64(uint32(int32(sum))) | uint64(sq)<<32 | uint64(zeros)<<56
	}
}

func q4SumsGo(dst []uint64, src []byte) {
	t := q4Pair()
	for i := range dst {
		sum, sq, zeros := q4Moments(t, (*[qk / 2]byte)(src[18*i+2:]))
		if src[18*i]|src[18*i+1]&0x7F == 0 {
			zeros = qk
		}
		dst[i] = uint64(sum+qk*8) | uint64(sq)<<32 | uint64(zeros)<<56
	}
}

// q8Extremes returns the smallest and largest of a block's quants. Two
// independent pairs of accumulators let the conditional moves of min and
// max (ints compile to those, not to branches) overlap.
func q8Extremes(q *[qk]byte) (int, int) {
	lo0, hi0, lo1, hi1 := 255, 0, 255, 0
	for j := 0; j < qk; j += 2 {
		u0, u1 := int(q[j]^0x80), int(q[j+1]^0x80) // biased: ordered as the values are
		lo0, hi0 = min(lo0, u0), max(hi0, u0)
		lo1, hi1 = min(lo1, u1), max(hi1, u1)
	}
	return min(lo0, lo1) - 128, max(hi0, hi1) - 128
}

// q4Extremes is q8Extremes for a Q4_0 block: q4Mask has bit n set for
// each nibble n of a byte, and the OR over the block gives the smallest
// and largest nibble.
func q4Extremes(q *[qk / 2]byte) (int, int) {
	var mask uint16
	for _, x := range q {
		mask |= q4Mask[x]
	}
	return bits.TrailingZeros16(mask) - 8, bits.Len16(mask) - 1 - 8
}

// q8Reach and q4Reach are how far the quants reach below and above
// zero, in units of |d|, indexed by the sign of d: Q8_0 quants are
// −128…127 and Q4_0 quants −8…7, so a positive scale reaches further
// down than up, and a negative one the other way.
var (
	q8Reach = [2][2]float64{{128, 127}, {127, 128}}
	q4Reach = [2][2]float64{{8, 7}, {7, 8}}
)

// qlimits returns, for scales of either sign, the smallest
// half-precision magnitude pattern whose blocks might reach outside
// (lo, hi): a block of scale d holds values from −down·|d| to up·|d|
// (exact products: 11 significant bits times at most 8), inside when
// down·|d| < −lo and up·|d| < hi. Magnitude patterns below 0x7C00 (+Inf)
// order as their values do, so a binary search finds the limit.
func qlimits(t *[1 << 16]float32, reach *[2][2]float64, lo, hi float64) (limit [2]uint16) {
	for sign, r := range reach {
		down, up := r[0], r[1]
		l, h := 0, 0x7C00 // the answer is in [l, h]
		for l < h {
			m := (l + h) / 2
			if d := float64(t[m]); !(down*d < -lo && up*d < hi) {
				h = m
			} else {
				l = m + 1
			}
		}
		limit[sign] = uint16(l)
	}
	return limit
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
// It is built on first use: where the vector kernels run, never.
var q8Sq2 = sync.OnceValue(func() *[1 << 16]uint32 {
	var t [1 << 16]uint32
	for p := range t {
		a, b := int(int8(p)), int(int8(p>>8))
		t[p] = uint32(a*a + b*b)
	}
	return &t
})

// q8Moments returns the sum, the sum of squares and the zero count of a
// block's 32 quants: sums and zeros eight bytes at a time in a uint64
// (SWAR), squares by pairs from q8Sq2. All three are exact.
func q8Moments(t *[1 << 16]uint32, q *[qk]byte) (sum, sq, zeros int) {
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
	s0 := t[uint16(w0)] + t[uint16(w0>>16)] + t[uint16(w0>>32)] + t[uint16(w0>>48)]
	s1 := t[uint16(w1)] + t[uint16(w1>>16)] + t[uint16(w1>>32)] + t[uint16(w1>>48)]
	s2 := t[uint16(w2)] + t[uint16(w2>>16)] + t[uint16(w2>>32)] + t[uint16(w2>>48)]
	s3 := t[uint16(w3)] + t[uint16(w3>>16)] + t[uint16(w3>>32)] + t[uint16(w3>>48)]
	return sum, int((s0 + s1) + (s2 + s3)), zeros
}

// q4Mask[x] has bit n set for each of the two nibbles n of byte x.
var q4Mask = func() (m [256]uint16) {
	for x := range m {
		m[x] = 1<<(x&0xF) | 1<<(x>>4)
	}
	return m
}()

// addQ4_0 folds whole Q4_0 blocks into s, as addQ8_0 does.
func (s *Stats) addQ4_0(src []byte, vals []float64) {
	h := qhists.Get().(*qhist)
	defer qhists.Put(h)
	h.addQ4_0(s, src, vals)
	h.flush(s)
}

// addQ4_0 is addQ8_0 for Q4_0 blocks, whose values lie in [−8d, 7d]
// (mirrored for d < 0).
func (h *qhist) addQ4_0(s *Stats, src []byte, vals []float64) {
	t := f16Table()
	lo, hi := h.bounds(s)
	limit := qlimits(t, &q4Reach, lo, hi)
	var m [1]uint64
	for len(src) >= 18 {
		nb := min(len(src)/18, qbatch)
		h.reserve(s, nb)
		for i := 0; ; i++ {
			// The kernel takes the blocks up to the next one that needs
			// more than its moments.
			i += q4Gather(h, src[18*i:18*nb], limit)
			if i == nb {
				break
			}
			b := (*[18]byte)(src[18*i:])
			u := uint16(b[0]) | uint16(b[1])<<8
			if u&0x7C00 == 0x7C00 {
				decodeQ4_0(vals[:qk], b[:])
				s.add(vals[:qk])
				if s.Finite > 0 && (s.Min < lo || s.Max > hi) {
					lo, hi = min(lo, s.Min), max(hi, s.Max)
					limit = qlimits(t, &q4Reach, lo, hi)
				}
				continue
			}
			ql, qh := q4Extremes((*[qk / 2]byte)(b[2:]))
			if l, r := h.extremes(float64(t[u]), ql, qh); l < lo || r > hi {
				lo, hi = min(lo, l), max(hi, r)
				limit = qlimits(t, &q4Reach, lo, hi)
			}
			q4Sums(m[:], b[:])
			w := m[0]
			h.block(u, int64(uint32(w))-qk*8, w)
		}
		src = src[18*nb:]
	}
}

// q4Pair[p] packs, for the four nibbles n of the little-endian byte pair
// p, Σ(n−8)² (bits 0–11), Σn (bits 12–20) and the count of n = 8, a zero
// quant (bits 21–26): the fields of eight pairs, a block, cannot carry
// into each other (at most 2048, 480 and 32). The table is 256 KiB,
// built on first use.
var q4Pair = sync.OnceValue(func() *[1 << 16]uint32 {
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
})

// q4Moments is q8Moments for a Q4_0 block's 16 bytes of nibbles n, the
// quants being n − 8: eight lookups of q4Pair.
func q4Moments(t *[1 << 16]uint32, q *[qk / 2]byte) (sum, sq, zeros int) {
	a0 := t[uint16(q[0])|uint16(q[1])<<8] + t[uint16(q[2])|uint16(q[3])<<8]
	a1 := t[uint16(q[4])|uint16(q[5])<<8] + t[uint16(q[6])|uint16(q[7])<<8]
	a2 := t[uint16(q[8])|uint16(q[9])<<8] + t[uint16(q[10])|uint16(q[11])<<8]
	a3 := t[uint16(q[12])|uint16(q[13])<<8] + t[uint16(q[14])|uint16(q[15])<<8]
	acc := (a0 + a1) + (a2 + a3)
	return int(acc>>12&0x1FF) - qk*8, int(acc & 0xFFF), int(acc >> 21)
}

// qhist gathers blocks by the bit pattern of their scale d: per
// pattern, the number of blocks and the exact sums of their quants and
// squared quants. The values of a pattern's n blocks are d·q for 32n
// integers q, so their sum d·Σq and their sum of squared deviations
// d²·(32n·Σq² − (Σq)²)/32n follow from integers exactly (up to the
// final roundings), and the patterns are merged at the flush, each
// weighted by its count, as addCounts merges a histogram, in the order
// of their bits. Only the patterns used since the last flush are
// visited.
type qhist struct {
	cells [1 << 16]qcell
	used  [1 << 16 / 64]uint64 // bit u is set for the patterns u with blocks
	zeros uint64               // zero values of the blocks gathered
	// Extremes of the blocks whose extremes were computed; the others
	// lie strictly inside them (or inside the Stats' own).
	lo, hi float64
	blocks int // blocks reserved since the last flush (see reserve)
}

// A qcell is one scale pattern's Σq and, in the bits of sq from
// qcellShift up, its block count above Σq² (below 2^44 for qhistMax
// blocks of Q8_0, whose Σq² per block is at most 2^19).
type qcell struct {
	sum int64
	sq  uint64
}

const (
	qcellShift = 44
	qhistMax   = 1<<(64-qcellShift) - 1 // blocks between flushes
)

func newQhist() *qhist { return &qhist{lo: math.Inf(1), hi: math.Inf(-1)} }

// qhists holds the qhists of Stats.addQ8_0 and addQ4_0, each flushed
// empty before it is put back.
var qhists = sync.Pool{New: func() any { return newQhist() }}

// bounds returns the extremes seen so far: the Stats' and those of the
// blocks h holds.
func (h *qhist) bounds(s *Stats) (float64, float64) {
	if s.Finite == 0 {
		return h.lo, h.hi
	}
	return min(s.Min, h.lo), max(s.Max, h.hi)
}

// block adds one block of scale pattern u (finite) whose quants have the
// given sum and, packed in w as the moments kernels pack them, sum of
// squares and zero count. The caller keeps the count of blocks (see
// reserve).
func (h *qhist) block(u uint16, sum int64, w uint64) {
	c := &h.cells[u]
	h.used[u/64] |= 1 << (u % 64)
	c.sum += sum
	c.sq += w>>32&0xFF_FFFF + 1<<qcellShift
	h.zeros += w >> 56
}

// reserve makes room for n more blocks, flushing h into s first if a
// count could otherwise overflow.
func (h *qhist) reserve(s *Stats, n int) {
	if h.blocks+n > qhistMax {
		h.flush(s)
	}
	h.blocks += n
}

// extremes returns the smallest and largest of the values d·q of a block
// whose quants range over [lo, hi], and keeps them for the flush.
func (h *qhist) extremes(d float64, lo, hi int) (float64, float64) {
	l, u := d*float64(lo), d*float64(hi)
	if d < 0 {
		l, u = u, l
	}
	h.lo, h.hi = min(h.lo, l), max(h.hi, u)
	return l, u
}

// flush merges the blocks gathered into s and empties h.
func (h *qhist) flush(s *Stats) {
	if h.blocks == 0 {
		return
	}
	t := f16Table()
	// Pass one: the count and the sum of all values; each d·Σq is exact
	// (11 and at most 44 significant bits), and the compensated sum
	// keeps their total to the last bits.
	var n uint64
	var sum neumaier
	for i, w := range h.used {
		for ; w != 0; w &= w - 1 {
			u := i*64 + bits.TrailingZeros64(w)
			c := &h.cells[u]
			n += (c.sq >> qcellShift) * qk
			sum.add(float64(t[u]) * float64(c.sum))
		}
	}
	if n == 0 {
		// Only blocks of Inf or NaN scale, which Stats.add took.
		h.blocks = 0
		return
	}
	mean := sum.value() / float64(n)
	// Pass two: within each pattern, d²·(N·Σq² − (Σq)²)/N from the
	// 128-bit integer difference; between patterns, the squared
	// deviations of their means, with the corrected two-pass term.
	var within, between, r neumaier
	for i, w := range h.used {
		for ; w != 0; w &= w - 1 {
			u := i*64 + bits.TrailingZeros64(w)
			c := &h.cells[u]
			blocks := c.sq >> qcellShift
			sq := c.sq & (1<<qcellShift - 1)
			nu := blocks * qk
			d := float64(t[u])
			as := uint64(c.sum)
			if c.sum < 0 {
				as = uint64(-c.sum)
			}
			h1, l1 := bits.Mul64(nu, sq)
			h2, l2 := bits.Mul64(as, as)
			l, borrow := bits.Sub64(l1, l2, 0)
			hd, _ := bits.Sub64(h1, h2, borrow)
			diff := float64(hd)*0x1p64 + float64(l)
			fn := float64(nu)
			within.add(d * d * diff / fn)
			e := d*float64(c.sum)/fn - mean
			between.add(fn * e * e)
			r.add(fn * e)
			*c = qcell{}
		}
	}
	clear(h.used[:])
	rv := r.value()
	m2 := within.value() + between.value() - rv*rv/float64(n)
	mean += rv / float64(n)
	s.Zeros += h.zeros
	s.mergeMoments(n, mean, max(m2, 0), h.lo, h.hi)
	h.zeros, h.blocks = 0, 0
	h.lo, h.hi = math.Inf(1), math.Inf(-1)
}
