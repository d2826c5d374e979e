package scan

import "math"

// floatSums are the partial sums of a run of float32 values x about a
// shift k, as Stats.add keeps them: Σd and Σd² for d = x − k in four
// lanes, the extremes' order keys and the zero count in eight. Within
// each group of eight values, value j goes to lane j mod 4 together with
// value j+4: the pair is added first, then the pair's sum to the lane.
// The layout is that of a 256-bit register of four float64 (eight
// float32), so the vector kernels and the Go ones add the same numbers
// in the same order and give the same sums to the bit.
type floatSums struct {
	s, q   [4]float64
	lo, hi [8]int32
	zeros  [8]uint32
}

func (a *floatSums) reset() {
	*a = floatSums{}
	for i := range a.lo {
		a.lo[i], a.hi[i] = math.MaxInt32, math.MinInt32
	}
}

// reduce folds the lanes: Σd, Σd², the extremes' keys and the zeros.
func (a *floatSums) reduce() (sum, sq float64, lo, hi int32, zeros uint64) {
	sum, sq = (a.s[0]+a.s[1])+(a.s[2]+a.s[3]), (a.q[0]+a.q[1])+(a.q[2]+a.q[3])
	lo, hi = a.lo[0], a.hi[0]
	for i := range a.lo {
		zeros += uint64(a.zeros[i])
		lo, hi = min(lo, a.lo[i]), max(hi, a.hi[i])
	}
	return sum, sq, lo, hi, zeros
}

// sumsF32 adds the whole groups of eight values in src to a, with
// vector code where the CPU has it (sums_amd64.go), else sumsF32Go. The
// calls are direct, not through a function value, so that a stays on
// the caller's stack.
func sumsF32(a *floatSums, src []byte, k float64) {
	if vector {
		sumsF32Asm(a, src, k)
	} else {
		sumsF32Go(a, src, k)
	}
}

// sumsF32Go is the portable kernel for little-endian float32. Every
// product is converted explicitly, which keeps the compiler from fusing
// it into a multiply-add (which the vector code does not do either).
func sumsF32Go(a *floatSums, src []byte, k float64) {
	s0, s1, s2, s3 := a.s[0], a.s[1], a.s[2], a.s[3]
	q0, q1, q2, q3 := a.q[0], a.q[1], a.q[2], a.q[3]
	lo0, hi0 := a.lo[0], a.hi[0]
	lo1, hi1 := a.lo[1], a.hi[1]
	zeros := a.zeros[0]
	for len(src) >= 32 {
		b := (*[32]byte)(src)
		src = src[32:]
		// Lane by lane (values j and j+4), so that few are live at
		// once. (a−1)>>31 is 1 only for a zero magnitude a.
		var u, v uint32
		var x, y float64
		var ku, kv int32
		u, v = le32(b[0:4]), le32(b[16:20])
		zeros += (u&0x7FFF_FFFF-1)>>31 + (v&0x7FFF_FFFF-1)>>31
		x, y = float64(math.Float32frombits(u))-k, float64(math.Float32frombits(v))-k
		s0 += x + y
		q0 += float64(x*x) + float64(y*y)
		ku, kv = key32(u), key32(v)
		lo0, hi0 = min(lo0, ku, kv), max(hi0, ku, kv)
		u, v = le32(b[4:8]), le32(b[20:24])
		zeros += (u&0x7FFF_FFFF-1)>>31 + (v&0x7FFF_FFFF-1)>>31
		x, y = float64(math.Float32frombits(u))-k, float64(math.Float32frombits(v))-k
		s1 += x + y
		q1 += float64(x*x) + float64(y*y)
		ku, kv = key32(u), key32(v)
		lo1, hi1 = min(lo1, ku, kv), max(hi1, ku, kv)
		u, v = le32(b[8:12]), le32(b[24:28])
		zeros += (u&0x7FFF_FFFF-1)>>31 + (v&0x7FFF_FFFF-1)>>31
		x, y = float64(math.Float32frombits(u))-k, float64(math.Float32frombits(v))-k
		s2 += x + y
		q2 += float64(x*x) + float64(y*y)
		ku, kv = key32(u), key32(v)
		lo0, hi0 = min(lo0, ku, kv), max(hi0, ku, kv)
		u, v = le32(b[12:16]), le32(b[28:32])
		zeros += (u&0x7FFF_FFFF-1)>>31 + (v&0x7FFF_FFFF-1)>>31
		x, y = float64(math.Float32frombits(u))-k, float64(math.Float32frombits(v))-k
		s3 += x + y
		q3 += float64(x*x) + float64(y*y)
		ku, kv = key32(u), key32(v)
		lo1, hi1 = min(lo1, ku, kv), max(hi1, ku, kv)
	}
	a.s = [4]float64{s0, s1, s2, s3}
	a.q = [4]float64{q0, q1, q2, q3}
	a.lo[0], a.hi[0], a.lo[1], a.hi[1] = lo0, hi0, lo1, hi1
	a.zeros[0] = zeros
}

// addF32 is decode and Stats.add in one, for F32, the common dtype whose
// patterns are too many to count: each element's bits are read once, the
// zero test and the order key come from the 32-bit pattern, and values
// are widened into vals only in the rare case that the block needs the
// two-pass method or holds NaN or Inf.
func (s *Stats) addF32(src []byte, vals []float64) {
	n := len(src) / 4
	if n == 0 {
		return
	}
	k := s.shift(float64(math.Float32frombits(le32(src))))
	var a floatSums
	a.reset()
	whole := n &^ 7
	sumsF32(&a, src[:4*whole], k)
	for i := whole; i < n; i++ {
		u := le32(src[4*i:])
		a.zeros[0] += (u&0x7FFF_FFFF - 1) >> 31
		d := float64(math.Float32frombits(u)) - k
		a.s[0] += d
		a.q[0] += float64(d * d)
		ku := key32(u)
		a.lo[0], a.hi[0] = min(a.lo[0], ku), max(a.hi[0], ku)
	}
	sum, sq, lo, hi, zeros := a.reduce()
	if math.Float64bits(sum)&absMask >= expOnes || math.Float64bits(sq)&absMask >= expOnes {
		decodeF32(vals[:n], src)
		s.addSlow(vals[:n])
		return
	}
	s.Zeros += zeros
	flo, fhi := unkey32(lo), unkey32(hi)
	if !s.addShifted(n, k, sum, sq, flo, fhi) {
		decodeF32(vals[:n], src)
		s.addTwoPass(vals[:n], k+sum/float64(n), flo, fhi)
	}
}

// key32 is keyBits for float32 patterns.
func key32(u uint32) int32 {
	k := int32(u)
	return k ^ int32(uint32(k>>31)>>1)
}

func unkey32(k int32) float64 { return float64(math.Float32frombits(uint32(key32(uint32(k))))) }
