package scan

import "math"

// Where a vector kernel exists (sums_amd64.go), F16 and BF16 are summed
// as F32 is, instead of counted (hist.go): the kernel takes sixteen
// values a step, finding the zeros and extremes on the 16-bit patterns
// themselves, and outruns the histogram, whose counters for F16's many
// patterns do not fit L1.

// halfSums are floatSums for 16-bit floats: the same four lanes of Σd,
// group by group of eight values, but Σd² in eight lanes, value j of a
// group in lane j, with a fused multiply-add (one rounding, and half
// the vector instructions of a product and a sum); the extremes' order
// keys are those of the 16-bit patterns, in sixteen lanes, and the zeros
// one count. The vector kernels need FMA as well as AVX2 for this.
type halfSums struct {
	s      [4]float64
	q      [8]float64
	lo, hi [16]int16
	zeros  uint64
}

func (a *halfSums) reset() {
	*a = halfSums{}
	for i := range a.lo {
		a.lo[i], a.hi[i] = math.MaxInt16, math.MinInt16
	}
}

// halfGroups is the Go kernel: it adds whole groups of eight patterns,
// whose values t gives, in the lanes' order.
func halfGroups(a *halfSums, src []byte, k float64, t *[1 << 16]float32) {
	s0, s1, s2, s3 := a.s[0], a.s[1], a.s[2], a.s[3]
	q0, q1, q2, q3 := a.q[0], a.q[1], a.q[2], a.q[3]
	q4, q5, q6, q7 := a.q[4], a.q[5], a.q[6], a.q[7]
	lo, hi := a.lo[0], a.hi[0]
	zeros := a.zeros
	for len(src) >= 16 {
		b := (*[16]byte)(src)
		src = src[16:]
		// Lane by lane, values j and j+4, as sumsF32Go; (a−1)>>15 is 1
		// only for a zero magnitude a.
		var u, v uint16
		var x, y float64
		var ku, kv int16
		u, v = uint16(b[0])|uint16(b[1])<<8, uint16(b[8])|uint16(b[9])<<8
		zeros += uint64((u&0x7FFF-1)>>15 + (v&0x7FFF-1)>>15)
		x, y = float64(t[u])-k, float64(t[v])-k
		s0 += x + y
		q0, q4 = math.FMA(x, x, q0), math.FMA(y, y, q4)
		ku, kv = key16(u), key16(v)
		lo, hi = min(lo, ku, kv), max(hi, ku, kv)
		u, v = uint16(b[2])|uint16(b[3])<<8, uint16(b[10])|uint16(b[11])<<8
		zeros += uint64((u&0x7FFF-1)>>15 + (v&0x7FFF-1)>>15)
		x, y = float64(t[u])-k, float64(t[v])-k
		s1 += x + y
		q1, q5 = math.FMA(x, x, q1), math.FMA(y, y, q5)
		ku, kv = key16(u), key16(v)
		lo, hi = min(lo, ku, kv), max(hi, ku, kv)
		u, v = uint16(b[4])|uint16(b[5])<<8, uint16(b[12])|uint16(b[13])<<8
		zeros += uint64((u&0x7FFF-1)>>15 + (v&0x7FFF-1)>>15)
		x, y = float64(t[u])-k, float64(t[v])-k
		s2 += x + y
		q2, q6 = math.FMA(x, x, q2), math.FMA(y, y, q6)
		ku, kv = key16(u), key16(v)
		lo, hi = min(lo, ku, kv), max(hi, ku, kv)
		u, v = uint16(b[6])|uint16(b[7])<<8, uint16(b[14])|uint16(b[15])<<8
		zeros += uint64((u&0x7FFF-1)>>15 + (v&0x7FFF-1)>>15)
		x, y = float64(t[u])-k, float64(t[v])-k
		s3 += x + y
		q3, q7 = math.FMA(x, x, q3), math.FMA(y, y, q7)
		ku, kv = key16(u), key16(v)
		lo, hi = min(lo, ku, kv), max(hi, ku, kv)
	}
	a.s = [4]float64{s0, s1, s2, s3}
	a.q = [8]float64{q0, q1, q2, q3, q4, q5, q6, q7}
	a.lo[0], a.hi[0] = lo, hi
	a.zeros = zeros
}

// reduce folds the lanes: Σd, Σd², the extremes' patterns and the zeros.
func (a *halfSums) reduce() (sum, sq float64, lo, hi uint16, zeros uint64) {
	sum = (a.s[0] + a.s[1]) + (a.s[2] + a.s[3])
	sq = ((a.q[0] + a.q[1]) + (a.q[2] + a.q[3])) + ((a.q[4] + a.q[5]) + (a.q[6] + a.q[7]))
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
		a.s[0] += d
		a.q[0] += float64(d * d)
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
