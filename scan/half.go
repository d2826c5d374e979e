package scan

import "math"

// Where a vector kernel exists (sums_amd64.go), F16 and BF16 are summed
// as F32 is, instead of counted (hist.go): the kernel takes sixteen
// values a step, finding the zeros and extremes on the 16-bit patterns
// themselves, and outruns the histogram, whose counters for F16's many
// patterns do not fit L1.

// halfSums are floatSums for 16-bit floats, with more lanes. Value j of
// a group of eight adds to lane j of Σd and, by a fused multiply-add
// (one rounding, and half the vector instructions of a product and a
// sum), of Σd²; and there are two sets of these lanes, which the groups
// alternate between, so that a vector kernel's two groups a step add
// into registers of their own instead of waiting on each other's sums.
// The extremes' order keys are those of the 16-bit patterns, in sixteen
// lanes, and the zeros one count. The vector kernels need FMA as well as
// AVX2 for this.
type halfSums struct {
	l      [2]halfLanes
	lo, hi [16]int16
	zeros  uint64
}

// halfLanes are one set of halfSums' lanes: one ZMM register each, or
// two YMM.
type halfLanes struct {
	s [8]float64
	q [8]float64
}

func (a *halfSums) reset() {
	*a = halfSums{}
	for i := range a.lo {
		a.lo[i], a.hi[i] = math.MaxInt16, math.MinInt16
	}
}

// halfGroups is the Go kernel: it adds whole groups of eight patterns,
// whose values t gives, in the lanes' order: pairs of groups into the
// two sets of lanes, as the vector kernels do, and a group left over
// into the first.
func halfGroups(a *halfSums, src []byte, k float64, t *[1 << 16]float32) {
	for len(src) >= 32 {
		a.group((*[16]byte)(src), &a.l[0], k, t)
		a.group((*[16]byte)(src[16:]), &a.l[1], k, t)
		src = src[32:]
	}
	if len(src) >= 16 {
		a.group((*[16]byte)(src), &a.l[0], k, t)
	}
}

// group adds one group of eight patterns to the lanes l; (a−1)>>15 is 1
// only for a zero magnitude a.
func (a *halfSums) group(b *[16]byte, l *halfLanes, k float64, t *[1 << 16]float32) {
	lo, hi := a.lo[0], a.hi[0]
	for j := range 8 {
		u := uint16(b[2*j]) | uint16(b[2*j+1])<<8
		a.zeros += uint64((u&0x7FFF - 1) >> 15)
		x := float64(t[u]) - k
		l.s[j] += x
		l.q[j] = math.FMA(x, x, l.q[j])
		lo, hi = min(lo, key16(u)), max(hi, key16(u))
	}
	a.lo[0], a.hi[0] = lo, hi
}

// reduce folds the lanes: Σd, Σd², the extremes' patterns and the zeros.
func (a *halfSums) reduce() (sum, sq float64, lo, hi uint16, zeros uint64) {
	for _, l := range a.l {
		sum += ((l.s[0] + l.s[1]) + (l.s[2] + l.s[3])) + ((l.s[4] + l.s[5]) + (l.s[6] + l.s[7]))
		sq += ((l.q[0] + l.q[1]) + (l.q[2] + l.q[3])) + ((l.q[4] + l.q[5]) + (l.q[6] + l.q[7]))
	}
	l, h := a.lo[0], a.hi[0]
	for i := range a.lo {
		l, h = min(l, a.lo[i]), max(h, a.hi[i])
	}
	return sum, sq, uint16(key16(uint16(l))), uint16(key16(uint16(h))), a.zeros
}

// key16 is keyBits for 16-bit float patterns, F16 and BF16 alike; like
// keyBits, it is its own inverse.
func key16(u uint16) int16 {
	k := int16(u)
	return k ^ int16(uint16(k>>15)>>1)
}

// addF16 and addBF16 are addF32 for the 16-bit floats, on the vector
// kernels.
func (s *Stats) addF16(src []byte, vals []float64) {
	s.addHalfs(src, vals, true, f16Table(), decodeF16)
}

func (s *Stats) addBF16(src []byte, vals []float64) {
	s.addHalfs(src, vals, false, bf16Table(), decodeBF16)
}

// addHalfs sums either 16-bit float, given the values of its patterns
// and its decoder for the rare second pass. The vector kernels take
// whole pairs of groups of eight, the Go kernel the group left over.
func (s *Stats) addHalfs(src []byte, vals []float64, f16 bool, t *[1 << 16]float32, decode decoder) {
	n := len(src) / 2
	if n == 0 {
		return
	}
	k := s.shift(float64(t[uint16(src[0])|uint16(src[1])<<8]))
	var a halfSums
	a.reset()
	i := 0
	switch {
	case vector && f16 && hasF16C:
		i = n &^ 15
		sumsF16Asm(&a, src[:2*i], k)
	case vector && !f16:
		i = n &^ 15
		sumsBF16Asm(&a, src[:2*i], k)
	}
	halfGroups(&a, src[2*i:2*(n&^7)], k, t)
	for i = n &^ 7; i < n; i++ {
		u := uint16(src[2*i]) | uint16(src[2*i+1])<<8
		a.zeros += uint64((u&0x7FFF - 1) >> 15)
		d := float64(t[u]) - k
		a.l[0].s[0] += d
		a.l[0].q[0] += float64(d * d)
		ku := key16(u)
		a.lo[0], a.hi[0] = min(a.lo[0], ku), max(a.hi[0], ku)
	}
	sum, sq, lo, hi, zeros := a.reduce()
	if math.Float64bits(sum)&absMask >= expOnes || math.Float64bits(sq)&absMask >= expOnes {
		decode(vals[:n], src)
		s.addSlow(vals[:n])
		return
	}
	s.Zeros += zeros
	flo, fhi := float64(t[lo]), float64(t[hi])
	if !s.addShifted(n, k, sum, sq, flo, fhi) {
		decode(vals[:n], src)
		s.addTwoPass(vals[:n], k+sum/float64(n), flo, fhi)
	}
}
