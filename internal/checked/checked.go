// Package checked does the size arithmetic of the readers and the counts
// with overflow detection: values read from a file decide these numbers,
// so a wrap-around must be an error (or a total shown as too large),
// never a small number.
//
// Each operation returns its result and ok, false when the exact result
// does not fit the type; the result is then meaningless. A Total sums
// many values and remembers an overflow instead.
package checked

import (
	"math"
	"math/bits"
	"strconv"
)

// Mul returns a*b and whether it did not overflow.
func Mul(a, b uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	return lo, hi == 0
}

// Add returns a+b and whether it did not overflow.
func Add(a, b uint64) (uint64, bool) {
	s, carry := bits.Add64(a, b, 0)
	return s, carry == 0
}

// Sub returns a-b and whether it did not go below zero.
func Sub(a, b uint64) (uint64, bool) {
	d, borrow := bits.Sub64(a, b, 0)
	return d, borrow == 0
}

// AddInt64 returns a+b and whether it did not overflow.
func AddInt64(a, b int64) (int64, bool) {
	s := a + b // wraps; the sign test below detects it
	return s, (s > a) == (b > 0)
}

// SubInt64 returns a-b and whether it did not overflow.
func SubInt64(a, b int64) (int64, bool) {
	d := a - b
	return d, (d < a) == (b > 0)
}

// MulInt64 returns a*b and whether it did not overflow.
func MulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	// MinInt64 * -1 overflows to MinInt64, which the division check
	// misses (MinInt64 / -1 also overflows to MinInt64).
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return p, false
	}
	return p, p/b == a
}

// ToInt64 returns v as an int64 and whether it fits.
func ToInt64(v uint64) (int64, bool) {
	return int64(v), v <= math.MaxInt64
}

// Product returns the product of dims (1 for none) and whether it fits in
// an int64, the bound every size in this project must respect.
func Product(dims []uint64) (uint64, bool) {
	n := uint64(1)
	for _, d := range dims {
		var ok bool
		if n, ok = Mul(n, d); !ok || n > math.MaxInt64 {
			return 0, false
		}
	}
	return n, true
}

// ProductUint64 returns the product of dims (1 for none) and whether it
// fits in a uint64. Use it for element counts compared or summed as
// uint64; use Product for anything that becomes a byte size or offset.
// A zero dimension makes the product 0 even if the others overflow.
func ProductUint64(dims []uint64) (uint64, bool) {
	n, ok := uint64(1), true
	for _, d := range dims {
		if d == 0 {
			return 0, true
		}
		var fits bool
		if n, fits = Mul(n, d); !fits {
			ok = false
		}
	}
	if !ok {
		return 0, false
	}
	return n, true
}

// A Total is a running sum of uint64 values that saturates: once an
// addition overflows, the total stays overflowed, and says so when shown.
// The zero Total is 0.
type Total struct {
	n    uint64
	over bool
}

// Add adds v to the total.
func (t *Total) Add(v uint64) {
	if t.over {
		return
	}
	if s, ok := Add(t.n, v); ok {
		t.n = s
	} else {
		t.over, t.n = true, math.MaxUint64
	}
}

// AddProduct adds the product of dims (ProductUint64) to the total; a
// product that overflows overflows the total.
func (t *Total) AddProduct(dims []uint64) {
	p, ok := ProductUint64(dims)
	if !ok {
		t.over, t.n = true, math.MaxUint64
		return
	}
	t.Add(p)
}

// Value returns the total and whether it is exact (did not overflow). An
// overflowed total reads as math.MaxUint64, the saturated value.
func (t Total) Value() (uint64, bool) { return t.n, !t.over }

// Overflowed reports whether the total exceeds 2^64−1.
func (t Total) Overflowed() bool { return t.over }

// String writes the total in decimal, or "more than
// 18446744073709551615" once it overflowed, so that an absurd file shows
// as absurd rather than as a wrapped small number.
func (t Total) String() string {
	if t.over {
		return TooLarge
	}
	return strconv.FormatUint(t.n, 10)
}

// TooLarge is how a total past 2^64−1 is shown.
const TooLarge = "more than 18446744073709551615"
