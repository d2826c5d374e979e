package scan

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// Scales exactly representable in half precision, the specials included.
var quantScales = []float32{0.5, -0.25, 0, float32(math.Inf(1)), float32(math.NaN()), float32(math.Ldexp(1, -14)), 2}

// q8Planted builds Q8_0 blocks with known scales and quants and returns
// them with the values ggml's dequantisation gives (computed here as d·q
// directly).
func q8Planted() ([]byte, []float64) {
	var raw []byte
	var vals []float64
	for k, d := range quantScales {
		var q [32]int8
		for j := range q {
			switch k {
			case 1:
				q[j] = 4
			case 5:
				q[j] = []int8{-128, 127}[j%2]
			default:
				q[j] = int8(j - 16 + 3*k)
			}
		}
		raw = append(raw, q8Block(d, q)...)
		for _, x := range q {
			vals = append(vals, float64(d)*float64(x))
		}
	}
	return raw, vals
}

// q4Planted does the same for Q4_0: low nibbles hold elements 0–15 and
// high nibbles 16–31, each value d·(nibble−8).
func q4Planted() ([]byte, []float64) {
	var raw []byte
	var vals []float64
	for k, d := range quantScales {
		var q [32]uint8
		for j := range q {
			switch k {
			case 1:
				q[j] = 8 // every value zero
			case 5:
				q[j] = []uint8{0, 15}[j%2]
			default:
				q[j] = uint8((j*7 + k) % 16)
			}
		}
		raw = append(raw, q4Block(d, q)...)
		for _, x := range q {
			vals = append(vals, float64(d)*float64(int(x)-8))
		}
	}
	return raw, vals
}

func quantPlanted(dtype string) ([]byte, []float64) {
	if dtype == "Q8_0" {
		return q8Planted()
	}
	return q4Planted()
}

// quantConst returns n elements (whole blocks) all equal to v.
func quantConst(dtype string, v float32, n int) ([]byte, []float64) {
	var raw []byte
	for range n / 32 {
		if dtype == "Q8_0" {
			var q [32]int8
			for j := range q {
				q[j] = 1
			}
			raw = append(raw, q8Block(v, q)...)
		} else {
			var q [32]uint8
			for j := range q {
				q[j] = 9
			}
			raw = append(raw, q4Block(v, q)...)
		}
	}
	return raw, slices.Repeat([]float64{float64(v)}, n)
}

func TestQuantBlocks(t *testing.T) {
	for _, dtype := range []string{"Q8_0", "Q4_0"} {
		raw, vals := quantPlanted(dtype)
		want := reference(vals)
		// The planted blocks hold every kind of value.
		require.NotZero(t, want.NaN, dtype)
		require.NotZero(t, want.PosInf, dtype)
		require.NotZero(t, want.NegInf, dtype)
		require.NotZero(t, want.Zeros, dtype)

		// The decoder gives the values ggml's dequantisation gives.
		got := make([]float64, len(vals))
		codecs[dtype].decode(got, raw)
		for i := range vals {
			require.True(t, got[i] == vals[i] || math.IsNaN(got[i]) && math.IsNaN(vals[i]), "%s element %d", dtype, i)
		}

		var m memFile
		m.add("w", dtype, raw, uint64(len(vals)))
		res, err := Scan(context.Background(), m.tensors, Options{Open: m.open})
		require.NoError(t, err)
		requireStats(t, want, res.Tensors[0].Stats, dtype)
	}

	// Exact figures for one Q8_0 block: d = 0.5, q = −16…15 gives
	// −8, −7.5, …, 7.5: mean −0.25, variance (32²−1)/12 / 4.
	raw := q8Block(0.5, [32]int8{-16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1,
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	var s Stats
	s.addQ8_0(raw, make([]float64, 32))
	require.Equal(t, Stats{Finite: 32, Zeros: 1, Min: -8, Max: 7.5, Mean: -0.25, M2: 32 * (32*32 - 1) / 12.0 / 4}, s)

	// And for Q4_0: d = −2, nibbles 0…15 twice gives 16, 14, …, −14
	// twice: mean 1, variance 4·(16²−1)/12.
	var q [32]uint8
	for j := range q {
		q[j] = uint8(j % 16)
	}
	s = Stats{}
	s.addQ4_0(q4Block(-2, q), make([]float64, 32))
	require.Equal(t, Stats{Finite: 32, Zeros: 2, Min: -14, Max: 16, Mean: 1, M2: 32 * 4 * (16*16 - 1) / 12.0}, s)
}
