package scan

import "math"

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
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	var zeros uint32
	lo0 := key32(le32(src))
	hi0, lo1, hi1 := lo0, lo0, lo0
	i := 0
	for ; i+4 <= n; i += 4 {
		b := (*[16]byte)(src[4*i:])
		u0, u1, u2, u3 := le32(b[0:4]), le32(b[4:8]), le32(b[8:12]), le32(b[12:16])
		// (a−1)>>31 is 1 only for a zero magnitude a.
		zeros += (u0&0x7FFF_FFFF-1)>>31 + (u1&0x7FFF_FFFF-1)>>31 + (u2&0x7FFF_FFFF-1)>>31 + (u3&0x7FFF_FFFF-1)>>31
		d0, d1 := float64(math.Float32frombits(u0))-k, float64(math.Float32frombits(u1))-k
		d2, d3 := float64(math.Float32frombits(u2))-k, float64(math.Float32frombits(u3))-k
		s0 += d0
		s1 += d1
		s2 += d2
		s3 += d3
		q0 += d0 * d0
		q1 += d1 * d1
		q2 += d2 * d2
		q3 += d3 * d3
		k0, k1, k2, k3 := key32(u0), key32(u1), key32(u2), key32(u3)
		lo0, hi0 = min(lo0, k0, k2), max(hi0, k0, k2)
		lo1, hi1 = min(lo1, k1, k3), max(hi1, k1, k3)
	}
	for ; i < n; i++ {
		u := le32(src[4*i:])
		zeros += (u&0x7FFF_FFFF - 1) >> 31
		d := float64(math.Float32frombits(u)) - k
		s0 += d
		q0 += d * d
		ku := key32(u)
		lo0, hi0 = min(lo0, ku), max(hi0, ku)
	}
	sum, sq := (s0+s1)+(s2+s3), (q0+q1)+(q2+q3)
	if math.Float64bits(sum)&absMask >= expOnes || math.Float64bits(sq)&absMask >= expOnes {
		decodeF32(vals[:n], src)
		s.addSlow(vals[:n])
		return
	}
	s.Zeros += uint64(zeros)
	lo, hi := unkey32(min(lo0, lo1)), unkey32(max(hi0, hi1))
	if !s.addShifted(n, k, sum, sq, lo, hi) {
		decodeF32(vals[:n], src)
		s.addTwoPass(vals[:n], k+sum/float64(n), lo, hi)
	}
}

// key32 is keyBits for float32 patterns.
func key32(u uint32) int32 {
	k := int32(u)
	return k ^ int32(uint32(k>>31)>>1)
}

func unkey32(k int32) float64 { return float64(math.Float32frombits(uint32(key32(uint32(k))))) }
