package checked_test

import (
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/checked"
)

var u64Edges = []uint64{0, 1, 2, 3, 1<<32 - 1, 1 << 32, 1<<32 + 1, 1<<63 - 1, 1 << 63, 1<<63 + 1, math.MaxUint64 - 1, math.MaxUint64}

var i64Edges = []int64{0, 1, -1, 2, -2, 3, 1<<31 - 1, -1 << 31, 1 << 32, -1 << 32, math.MaxInt64, math.MaxInt64 - 1, math.MinInt64, math.MinInt64 + 1}

var (
	maxU = new(big.Int).SetUint64(math.MaxUint64)
	maxI = big.NewInt(math.MaxInt64)
	minI = big.NewInt(math.MinInt64)
)

func fitsU(b *big.Int) bool { return b.Sign() >= 0 && b.Cmp(maxU) <= 0 }
func fitsI(b *big.Int) bool { return b.Cmp(minI) >= 0 && b.Cmp(maxI) <= 0 }

// TestUint64 checks Add, Sub and Mul against exact arithmetic on every
// pair of edge values.
func TestUint64(t *testing.T) {
	for _, a := range u64Edges {
		for _, b := range u64Edges {
			A, B := new(big.Int).SetUint64(a), new(big.Int).SetUint64(b)
			for _, op := range []struct {
				name  string
				f     func(a, b uint64) (uint64, bool)
				exact *big.Int
			}{
				{"Add", checked.Add, new(big.Int).Add(A, B)},
				{"Sub", checked.Sub, new(big.Int).Sub(A, B)},
				{"Mul", checked.Mul, new(big.Int).Mul(A, B)},
			} {
				got, ok := op.f(a, b)
				require.Equal(t, fitsU(op.exact), ok, "%s(%d, %d)", op.name, a, b)
				if ok {
					require.Equal(t, op.exact.Uint64(), got, "%s(%d, %d)", op.name, a, b)
				}
			}
		}
	}
}

func TestInt64(t *testing.T) {
	for _, a := range i64Edges {
		for _, b := range i64Edges {
			A, B := big.NewInt(a), big.NewInt(b)
			for _, op := range []struct {
				name  string
				f     func(a, b int64) (int64, bool)
				exact *big.Int
			}{
				{"AddInt64", checked.AddInt64, new(big.Int).Add(A, B)},
				{"SubInt64", checked.SubInt64, new(big.Int).Sub(A, B)},
				{"MulInt64", checked.MulInt64, new(big.Int).Mul(A, B)},
			} {
				got, ok := op.f(a, b)
				require.Equal(t, fitsI(op.exact), ok, "%s(%d, %d)", op.name, a, b)
				if ok {
					require.Equal(t, op.exact.Int64(), got, "%s(%d, %d)", op.name, a, b)
				}
			}
		}
	}
}

func TestToInt64(t *testing.T) {
	v, ok := checked.ToInt64(1<<63 - 1)
	require.True(t, ok)
	require.Equal(t, int64(math.MaxInt64), v)
	_, ok = checked.ToInt64(1 << 63)
	require.False(t, ok)
}

func TestProduct(t *testing.T) {
	for _, c := range []struct {
		dims []uint64
		p    uint64
		ok   bool
		pu   uint64
		okU  bool
	}{
		{nil, 1, true, 1, true},
		{[]uint64{0}, 0, true, 0, true},
		{[]uint64{4096, 4096}, 1 << 24, true, 1 << 24, true},
		{[]uint64{1<<63 - 1}, 1<<63 - 1, true, 1<<63 - 1, true},
		{[]uint64{1 << 63}, 0, false, 1 << 63, true},
		{[]uint64{1 << 32, 1 << 31}, 0, false, 1 << 63, true},
		{[]uint64{math.MaxUint64}, 0, false, math.MaxUint64, true},
		{[]uint64{1 << 32, 1 << 32}, 0, false, 0, false},
		{[]uint64{math.MaxUint64, 2}, 0, false, 0, false},
		{[]uint64{1 << 40, 1 << 40, 0}, 0, false, 0, true}, // an empty tensor, however wide
		{[]uint64{3, 3074457345618258602}, 9223372036854775806, true, 9223372036854775806, true},
		{[]uint64{3, 6148914691236517205}, 0, false, math.MaxUint64, true},
	} {
		p, ok := checked.Product(c.dims)
		require.Equal(t, c.ok, ok, "Product%v", c.dims)
		if ok {
			require.Equal(t, c.p, p, "Product%v", c.dims)
		}
		pu, okU := checked.ProductUint64(c.dims)
		require.Equal(t, c.okU, okU, "ProductUint64%v", c.dims)
		if okU {
			require.Equal(t, c.pu, pu, "ProductUint64%v", c.dims)
		}
	}
}

func TestTotal(t *testing.T) {
	var tot checked.Total
	require.Equal(t, "0", tot.String())
	tot.Add(math.MaxUint64 - 1)
	tot.Add(1)
	v, ok := tot.Value()
	require.True(t, ok)
	require.Equal(t, uint64(math.MaxUint64), v)
	require.Equal(t, "18446744073709551615", tot.String())
	tot.Add(1)
	v, ok = tot.Value()
	require.False(t, ok)
	require.True(t, tot.Overflowed())
	require.Equal(t, uint64(math.MaxUint64), v, "saturated")
	require.Equal(t, checked.TooLarge, tot.String())
	tot.Add(0)
	require.True(t, tot.Overflowed(), "stays overflowed")

	var p checked.Total
	p.AddProduct([]uint64{1 << 32, 1 << 31})
	p.AddProduct([]uint64{1 << 62})
	require.Equal(t, "13835058055282163712", p.String())
	p.AddProduct([]uint64{1 << 32, 1 << 32})
	require.True(t, p.Overflowed())
	require.Equal(t, "more than 18446744073709551615", p.String())
}
