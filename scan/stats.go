package scan

import "math"

// Stats summarises the values of a tensor or of a part of one. Min, Max,
// Mean and the spread cover the finite values only: a single NaN would
// otherwise hide everything else there is to know about a tensor.
//
// Partial Stats of disjoint parts combine with Merge (the pairwise update
// of Chan, Golub and LeVeque), so a tensor can be scanned in pieces on
// several cores and still give the figures one pass would.
type Stats struct {
	Finite uint64 // finite values
	NaN    uint64
	PosInf uint64
	NegInf uint64
	Zeros  uint64 // values equal to zero, either sign

	// Min and Max are meaningful only when Finite > 0.
	Min, Max float64
	Mean     float64
	// M2 is the sum of squared deviations from Mean; Std derives from it.
	M2 float64
}

// Elements is the number of values the Stats cover.
func (s *Stats) Elements() uint64 { return s.Finite + s.NaN + s.PosInf + s.NegInf }

// NonFinite is the number of NaN and infinite values.
func (s *Stats) NonFinite() uint64 { return s.NaN + s.PosInf + s.NegInf }

// Var is the population variance of the finite values (NumPy's default,
// ddof=0); 0 when there are none.
func (s *Stats) Var() float64 {
	if s.Finite == 0 {
		return 0
	}
	return s.M2 / float64(s.Finite)
}

// Std is the population standard deviation of the finite values.
func (s *Stats) Std() float64 { return math.Sqrt(s.Var()) }

// Merge folds o, the Stats of a disjoint set of values, into s.
func (s *Stats) Merge(o *Stats) {
	s.NaN += o.NaN
	s.PosInf += o.PosInf
	s.NegInf += o.NegInf
	s.Zeros += o.Zeros
	if o.Finite == 0 {
		return
	}
	if s.Finite == 0 {
		s.Finite, s.Min, s.Max, s.Mean, s.M2 = o.Finite, o.Min, o.Max, o.Mean, o.M2
		return
	}
	s.mergeMoments(o.Finite, o.Mean, o.M2, o.Min, o.Max)
}

// mergeMoments is the pairwise update for the finite values alone.
func (s *Stats) mergeMoments(n uint64, mean, m2, lo, hi float64) {
	if s.Finite == 0 {
		s.Finite, s.Min, s.Max, s.Mean, s.M2 = n, lo, hi, mean, m2
		return
	}
	total := s.Finite + n
	d := mean - s.Mean
	share := float64(n) / float64(total)
	s.Mean += d * share
	s.M2 += m2 + d*d*float64(s.Finite)*share
	s.Finite = total
	if lo < s.Min {
		s.Min = lo
	}
	if hi > s.Max {
		s.Max = hi
	}
}

// Bit patterns of a float64: a value is NaN or infinite when its
// exponent is all ones, that is when its magnitude bits are at least
// those of +Inf.
const (
	absMask = 1<<63 - 1
	expOnes = 0x7FF0_0000_0000_0000
)

// add folds a block of decoded values into s, in one pass: sums of the
// deviations from a shift K and of their squares, the extrema and the
// zero count. With K the running mean of the values before (the first
// value, for the first block), the block's mean lies within a fraction
// of a standard deviation of K, and M2 = Σd² − (Σd)²/n loses at most a
// bit to cancellation. When that fails (δ = (Σd)/n exceeds the block's
// standard deviation: the first block of skewed data, a tensor whose
// rows drift), the block is redone with the exact two-pass method, so
// accuracy never depends on the data's shape. The block stays in L1, so
// the rare second pass is cheap; the common case saves it (25% of the
// time per element).
//
// No per-element test for NaN or Inf is needed: any of them makes the
// sums NaN or infinite, and only then is the block sorted out by
// addSlow. Extrema are tracked on integer keys ordered as the floats
// are, because integer min and max compile to conditional moves, while
// float comparisons become branches (1.25 against 2.1 ns per element).
//
// v is scratch: a block holding NaN or Inf is compacted in place.
func (s *Stats) add(v []float64) {
	n := len(v)
	if n == 0 {
		return
	}
	k := s.shift(v[0])
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	var zeros uint64
	lo0 := key(v[0])
	hi0, lo1, hi1 := lo0, lo0, lo0
	i := 0
	for ; i+4 <= n; i += 4 {
		q := (*[4]float64)(v[i:])
		x0, x1, x2, x3 := q[0], q[1], q[2], q[3]
		b0, b1, b2, b3 := math.Float64bits(x0), math.Float64bits(x1), math.Float64bits(x2), math.Float64bits(x3)
		// (a−1)>>63 is 1 only for a zero magnitude a.
		zeros += (b0&absMask-1)>>63 + (b1&absMask-1)>>63 + (b2&absMask-1)>>63 + (b3&absMask-1)>>63
		d0, d1, d2, d3 := x0-k, x1-k, x2-k, x3-k
		s0 += d0
		s1 += d1
		s2 += d2
		s3 += d3
		q0 += d0 * d0
		q1 += d1 * d1
		q2 += d2 * d2
		q3 += d3 * d3
		k0, k1, k2, k3 := keyBits(b0), keyBits(b1), keyBits(b2), keyBits(b3)
		lo0, hi0 = min(lo0, k0, k2), max(hi0, k0, k2)
		lo1, hi1 = min(lo1, k1, k3), max(hi1, k1, k3)
	}
	for ; i < n; i++ {
		b := math.Float64bits(v[i])
		zeros += (b&absMask - 1) >> 63
		d := v[i] - k
		s0 += d
		q0 += d * d
		kb := keyBits(b)
		lo0, hi0 = min(lo0, kb), max(hi0, kb)
	}
	sum, sq := (s0+s1)+(s2+s3), (q0+q1)+(q2+q3)
	if math.Float64bits(sum)&absMask >= expOnes || math.Float64bits(sq)&absMask >= expOnes {
		// NaN or Inf in the block, or finite values too large to square.
		s.addSlow(v)
		return
	}
	s.Zeros += zeros
	lo, hi := unkey(min(lo0, lo1)), unkey(max(hi0, hi1))
	if !s.addShifted(n, k, sum, sq, lo, hi) {
		s.addTwoPass(v, k+sum/float64(n), lo, hi)
	}
}

// shift returns the shift for the next block: the running mean, or first
// when there is none yet.
func (s *Stats) shift(first float64) float64 {
	if s.Finite > 0 && math.Float64bits(s.Mean)&absMask < expOnes {
		return s.Mean
	}
	return first
}

// addShifted merges a block of n finite values given Σd and Σd² for
// d = x − k, unless the shift was too far from the block's mean for the
// difference of sums to be accurate; then it reports false and does
// nothing.
func (s *Stats) addShifted(n int, k, sum, sq, lo, hi float64) bool {
	fn := float64(n)
	offset := sum * sum / fn // n·δ²
	m2 := sq - offset
	if offset > m2 {
		return false
	}
	s.mergeMoments(uint64(n), k+sum/fn, max(m2, 0), lo, hi)
	return true
}

// addTwoPass merges a block of finite values v given an approximate mean
// and the extrema: it sums the squared deviations from the mean, with
// the compensating term of the corrected two-pass algorithm.
func (s *Stats) addTwoPass(v []float64, mean, lo, hi float64) {
	n := len(v)
	var d0, d1, d2, d3, c0, c1, c2, c3 float64
	i := 0
	for ; i+4 <= n; i += 4 {
		q := (*[4]float64)(v[i:])
		e0, e1, e2, e3 := q[0]-mean, q[1]-mean, q[2]-mean, q[3]-mean
		d0 += e0 * e0
		d1 += e1 * e1
		d2 += e2 * e2
		d3 += e3 * e3
		c0 += e0
		c1 += e1
		c2 += e2
		c3 += e3
	}
	for ; i < n; i++ {
		e := v[i] - mean
		d0 += e * e
		c0 += e
	}
	c := (c0 + c1) + (c2 + c3)
	// The residual sum c is zero in exact arithmetic; folding it back in
	// corrects the rounding of the approximate mean.
	m2 := (d0 + d1) + (d2 + d3) - c*c/float64(n)
	s.mergeMoments(uint64(n), mean+c/float64(n), max(m2, 0), lo, hi)
}

// keyBits maps the bits of a float64 to an int64 that orders as the
// floats do (−0 just below +0): negative floats have their magnitude
// bits flipped. The map is its own inverse.
func keyBits(b uint64) int64 {
	k := int64(b)
	return k ^ int64(uint64(k>>63)>>1)
}

func key(x float64) int64 { return keyBits(math.Float64bits(x)) }

func unkey(k int64) float64 { return math.Float64frombits(uint64(keyBits(uint64(k)))) }

// addSlow handles a block whose sums are not finite: it counts NaN and
// Inf, moves the finite values to the front and adds those. Finite values
// too large to square (F64 beyond 1e154) are merged one at a time, which
// needs no squares of sums.
func (s *Stats) addSlow(v []float64) {
	k := 0
	for _, x := range v {
		b := math.Float64bits(x)
		switch a := b & absMask; {
		case a < expOnes:
			v[k] = x
			k++
		case a > expOnes:
			s.NaN++
		case b>>63 != 0:
			s.NegInf++
		default:
			s.PosInf++
		}
	}
	if k < len(v) {
		s.add(v[:k])
		return
	}
	for _, x := range v {
		if x == 0 {
			s.Zeros++
		}
		s.mergeMoments(1, x, 0, x, x)
	}
}
