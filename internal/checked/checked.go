// Package checked does the size arithmetic of the readers with overflow
// detection: values read from a file decide these numbers, so a wrap-around
// must be an error, never a small number.
package checked

import "math/bits"

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

// Product returns the product of dims (1 for none) and whether it fits in
// an int64, the bound every size in this project must respect.
func Product(dims []uint64) (uint64, bool) {
	n := uint64(1)
	for _, d := range dims {
		var ok bool
		if n, ok = Mul(n, d); !ok || n > 1<<63-1 {
			return 0, false
		}
	}
	return n, true
}
