package prefault

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// From 4 MiB, a piece starts less than an element past a huge-page
// boundary, whatever the element's size, so that its first bytes, filled
// first, are on a huge page too (whether the kernel gives one is its
// affair).
func TestPieceStartsAtABoundary(t *testing.T) {
	check := func(p unsafe.Pointer, elem uintptr) {
		t.Helper()
		off := uintptr(p) % hugePage
		require.Less(t, off, elem, "%d bytes past a boundary", off)
	}
	for range 5 {
		s := Piece[item](100_000, true)
		check(unsafe.Pointer(&s[0]), unsafe.Sizeof(item{}))
		b := Piece[byte](5<<20, false)
		check(unsafe.Pointer(&b[0]), 1)
		odd := Piece[[13]byte](400_000, false)
		check(unsafe.Pointer(&odd[0]), 13)
	}
}
