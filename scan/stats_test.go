package scan

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// reference computes Stats the obvious way, for comparison, but with
// exact sums (big.Float), so that it is the more accurate side.
func reference(vals []float64) Stats {
	var s Stats
	var finite []float64
	for _, v := range vals {
		switch {
		case math.IsNaN(v):
			s.NaN++
		case math.IsInf(v, 1):
			s.PosInf++
		case math.IsInf(v, -1):
			s.NegInf++
		default:
			finite = append(finite, v)
			if v == 0 {
				s.Zeros++
			}
		}
	}
	s.Finite = uint64(len(finite))
	if len(finite) == 0 {
		return s
	}
	s.Min, s.Max = finite[0], finite[0]
	sum := new(big.Float).SetPrec(256)
	for _, v := range finite {
		s.Min, s.Max = min(s.Min, v), max(s.Max, v)
		sum.Add(sum, big.NewFloat(v))
	}
	n := new(big.Float).SetPrec(256).SetInt64(int64(len(finite)))
	mean := new(big.Float).SetPrec(256).Quo(sum, n)
	m2 := new(big.Float).SetPrec(256)
	d := new(big.Float).SetPrec(256)
	for _, v := range finite {
		d.Sub(big.NewFloat(v), mean)
		m2.Add(m2, d.Mul(d, d))
	}
	s.Mean, _ = mean.Float64()
	s.M2, _ = m2.Float64()
	return s
}

// requireStats checks counts and extrema exactly and the moments to
// 1e-12: the standard deviation relative to itself, the mean relative to
// the scale of the data (the larger of |mean| and the standard
// deviation), which is what rounding in any summation order allows.
func requireStats(t *testing.T, want, got Stats, msg ...any) {
	t.Helper()
	require.Equal(t, want.Finite, got.Finite, msg...)
	require.Equal(t, want.NaN, got.NaN, msg...)
	require.Equal(t, want.PosInf, got.PosInf, msg...)
	require.Equal(t, want.NegInf, got.NegInf, msg...)
	require.Equal(t, want.Zeros, got.Zeros, msg...)
	if want.Finite == 0 {
		return
	}
	require.Equal(t, want.Min, got.Min, msg...)
	require.Equal(t, want.Max, got.Max, msg...)
	scale := max(math.Abs(want.Mean), want.Std())
	require.LessOrEqual(t, math.Abs(want.Mean-got.Mean), 1e-12*scale, "mean %v, want %v %v", got.Mean, want.Mean, msg)
	require.LessOrEqual(t, math.Abs(want.Std()-got.Std()), 1e-12*want.Std(), "std %v, want %v %v", got.Std(), want.Std(), msg)
}

func TestStatsAddExact(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	vals := []float64{nan, inf, -inf, 0, math.Copysign(0, -1), 1, -2, 0.5, 3, 1.5, 4}
	var s Stats
	s.add(append([]float64(nil), vals...))
	require.Equal(t, Stats{Finite: 8, NaN: 1, PosInf: 1, NegInf: 1, Zeros: 2, Min: -2, Max: 4, Mean: 1, M2: 24.5}, s)
	require.Equal(t, 1.75, s.Std())
	require.Equal(t, uint64(11), s.Elements())

	// Only non-finite values: no moments.
	s = Stats{}
	s.add([]float64{nan, inf})
	require.Equal(t, Stats{NaN: 1, PosInf: 1}, s)
	require.Zero(t, s.Std())
}

// Splitting values anywhere and merging the parts gives the one-pass
// result, also far from zero where a naive sum of squares would cancel
// (the spread is a millionth of the mean, so E[x²]−E[x]² would lose
// every digit).
func TestStatsMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	vals := make([]float64, 10_007)
	for i := range vals {
		vals[i] = 1e6 + rng.NormFloat64()
	}
	vals[17] = math.NaN()
	vals[5000] = math.Inf(-1)
	want := reference(vals)
	var one Stats
	one.add(append([]float64(nil), vals...))
	requireStats(t, want, one)

	for _, cut := range []int{2, 3, 1000, 4096} {
		var merged Stats
		for i := 0; i < len(vals); i += cut {
			var part Stats
			part.add(append([]float64(nil), vals[i:min(i+cut, len(vals))]...))
			merged.Merge(&part)
		}
		// The spread is a millionth of the mean: every merge loses a
		// little, so allow 1e-10 here rather than 1e-12.
		require.Equal(t, want.Finite, merged.Finite)
		require.Equal(t, want.NaN+want.PosInf+want.NegInf, merged.NonFinite())
		require.Equal(t, want.Min, merged.Min)
		require.Equal(t, want.Max, merged.Max)
		require.InEpsilon(t, want.Mean, merged.Mean, 1e-12, "cut %d", cut)
		require.InEpsilon(t, want.Std(), merged.Std(), 1e-10, "cut %d", cut)
	}
	require.InDelta(t, 1.0, one.Std(), 0.05)
}

// The shifted sums lose accuracy when the shift is far from the block's
// mean. With the running mean as shift, the spread between blocks then
// dominates the merged variance and hides the loss; for a tensor's first
// block, whose shift is its first value, an outlier there exposes it, and
// the block must take the two-pass method.
func TestStatsShiftFallback(t *testing.T) {
	var s Stats
	// n = 4 values 1e8+{0,1,2,3} shifted by 0: Σd²−(Σd)²/n would cancel.
	require.False(t, s.addShifted(4, 0, 4e8+6, 4e16+12e8+14, 1e8, 1e8+3))
	require.Zero(t, s.Finite)
	require.True(t, s.addShifted(4, 1e8+1, 2, 6, 1e8, 1e8+3))
	require.Equal(t, Stats{Finite: 4, Min: 1e8, Max: 1e8 + 3, Mean: 1e8 + 1.5, M2: 5}, s)

	rng := rand.New(rand.NewPCG(9, 10))
	vals := make([]float64, 1024)
	for i := range vals {
		vals[i] = 1e6 + rng.NormFloat64()
	}
	vals[0] = -1e9
	s = Stats{}
	s.add(append([]float64(nil), vals...))
	requireStats(t, reference(vals), s)

	// Values too large to square go one at a time.
	big := []float64{1e200, -1e200, 3e200}
	s = Stats{}
	s.add(append([]float64(nil), big...))
	require.Equal(t, uint64(3), s.Finite)
	require.Equal(t, -1e200, s.Min)
	require.Equal(t, 3e200, s.Max)
	require.InEpsilon(t, 1e200, s.Mean, 1e-15)
}

func TestFP8Tables(t *testing.T) {
	e4 := e4m3Table()
	for b, want := range map[byte]float64{
		0x00: 0, 0x01: math.Ldexp(1, -9), 0x07: 7 * math.Ldexp(1, -9), 0x08: math.Ldexp(1, -6),
		0x38: 1, 0x40: 2, 0x7E: 448, 0xFE: -448, 0xB8: -1, 0x77: 240, 0x78: 256,
	} {
		require.Equal(t, want, float64(e4[b]), "E4M3 %#02x", b)
	}
	require.True(t, math.Signbit(float64(e4[0x80])) && e4[0x80] == 0)
	// Only S.1111.111 is NaN, and nothing is infinite.
	for b := range 256 {
		v := float64(e4[b])
		require.Equal(t, b&0x7F == 0x7F, math.IsNaN(v), "E4M3 %#02x", b)
		require.False(t, math.IsInf(v, 0))
		if b > 0 && b < 0x7F {
			require.Less(t, float64(e4[b-1]), v, "E4M3 values rise with the byte")
			require.Equal(t, -v, float64(e4[b|0x80]))
		}
	}

	e5 := e5m2Table()
	for b, want := range map[byte]float64{
		0x00: 0, 0x01: math.Ldexp(1, -16), 0x04: math.Ldexp(1, -14), 0x3C: 1, 0x7B: 57344,
		0x7C: math.Inf(1), 0xFC: math.Inf(-1), 0xBC: -1,
	} {
		require.Equal(t, want, float64(e5[b]), "E5M2 %#02x", b)
	}
	for b := range 256 {
		v := float64(e5[b])
		require.Equal(t, b&0x7F > 0x7C, math.IsNaN(v), "E5M2 %#02x", b)
		if b > 0 && b <= 0x7C {
			require.Less(t, float64(e5[b-1]), v, "E5M2 values rise with the byte")
		}
	}
}

func TestHalfTables(t *testing.T) {
	f16, bf16 := f16Table(), bf16Table()
	require.Equal(t, float32(1), f16[0x3C00])
	require.Equal(t, float32(65504), f16[0x7BFF])
	require.Equal(t, float32(math.Ldexp(1, -24)), f16[0x0001])
	require.True(t, math.IsInf(float64(f16[0x7C00]), 1))
	require.True(t, math.IsInf(float64(f16[0xFC00]), -1))
	require.True(t, math.IsNaN(float64(f16[0x7E00])))
	require.Equal(t, float32(1), bf16[0x3F80])
	require.Equal(t, float32(-2), bf16[0xC000])
	require.True(t, math.IsInf(float64(bf16[0x7F80]), 1))
	require.True(t, math.IsNaN(float64(bf16[0x7FC0])))
	require.Equal(t, float32(-32768), i16Table()[0x8000])
	require.Equal(t, float32(65535), u16Table()[0xFFFF])
	require.Equal(t, float32(-128), i8Table()[0x80])
}

// Every path (decoding, counting 16-bit patterns, counting byte pairs)
// gives the reference statistics on random bit patterns, NaN and Inf
// included.
func TestPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dtype := range []string{"F16", "BF16", "I16", "U16", "F8_E4M3", "F8_E5M2", "I8", "U8"} {
		c := codecs[dtype]
		n := 3*histMin + 1 // odd, for the unpaired byte
		src := make([]byte, n*c.blockBytes)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		vals := make([]float64, n)
		c.decode(vals, src)
		want := reference(vals)

		var direct Stats
		direct.add(vals)
		requireStats(t, want, direct, dtype)

		h := new(hist)
		cut := n / 2 * c.blockBytes
		if c.table16 != nil { // F16 and BF16 may be summed instead, but count all the same
			h.table = c.table16()
			h.feed16(src[:cut])
			h.feed16(src[cut:])
		} else {
			h.bytes = c.table8()
			h.feed8(src[:cut+1]) // an odd piece leaves a byte unpaired
			h.feed8(src[cut+1:])
		}
		h.flush()
		requireStats(t, want, h.st, dtype)
	}
}
