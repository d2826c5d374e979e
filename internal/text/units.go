package text

import (
	"fmt"
	"math"
	"strconv"
)

// Count renders a count with an SI-style suffix and two decimals, the way
// model sizes are written: 8.03B, 494.03M, 260.03K. Below a thousand it is
// the plain number.
func Count(n uint64) string {
	f := float64(n)
	switch {
	case n >= 1e12:
		return fmt.Sprintf("%.2fT", f/1e12)
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", f/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", f/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.2fK", f/1e3)
	}
	return strconv.FormatUint(n, 10)
}

// Bytes renders a byte size in binary units with two decimals: 14.96 GiB.
// The unit is the one that keeps the number under 1000, so that it never
// takes four digits: 0.98 MiB, not 1002.09 KiB.
func Bytes(n int64) string {
	f := float64(n)
	switch {
	case n >= 1000<<30:
		return fmt.Sprintf("%.2f TiB", f/(1<<40))
	case n >= 1000<<20:
		return fmt.Sprintf("%.2f GiB", f/(1<<30))
	case n >= 1000<<10:
		return fmt.Sprintf("%.2f MiB", f/(1<<20))
	case n >= 1000:
		return fmt.Sprintf("%.2f KiB", f/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Exact renders an integer with thousands separators: 8,030,261,248.
func Exact[T ~int | ~int64 | ~uint64](n T) string {
	var b [32]byte
	return string(AppendExact(b[:0], n))
}

// AppendExact appends Exact(n) to b.
func AppendExact[T ~int | ~int64 | ~uint64](b []byte, n T) []byte {
	neg := n < 0
	var u uint64
	if neg {
		u = uint64(-int64(n))
		b = append(b, "−"...) // the minus sign every text output uses
	} else {
		u = uint64(n)
	}
	var digits [20]byte
	s := strconv.AppendUint(digits[:0], u, 10)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return b
}

// Plural returns one when n is 1 and many otherwise.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Round6 rounds to six decimals, hiding float noise in JSON ratios.
func Round6(f float64) float64 {
	return math.Round(f*1e6) / 1e6
}

// Signed renders an exact integer with its sign: +136,134,656, −4,096.
func Signed(n int64) string {
	if n < 0 {
		return "−" + Exact(-n)
	}
	return "+" + Exact(n)
}
