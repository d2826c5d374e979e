package prefault

import (
	"runtime"
	"strconv"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

type item struct {
	name string
	p    *int
	n    [5]uint64
}

// Make gives what make gives: the length and capacity asked for, all
// zero; and memory that holds pointers safely through a collection.
func TestMake(t *testing.T) {
	for _, c := range []struct{ n, c int }{{0, 0}, {3, 10}, {0, 1 << 16}, {100_000, 100_000}, {5, 40_000}} {
		s := Make[item](c.n, c.c)
		require.Len(t, s, c.n)
		require.Equal(t, c.c, cap(s))
		for _, it := range s[:c.c] {
			require.Equal(t, item{}, it)
		}
		s = s[:c.c]
		for i := range s {
			v := i
			s[i] = item{name: strconv.Itoa(i), p: &v, n: [5]uint64{uint64(i)}}
		}
		runtime.GC()
		for i, it := range s {
			if it.name != strconv.Itoa(i) || *it.p != i || it.n[0] != uint64(i) {
				t.Fatalf("item %d is %+v after a collection", i, it)
			}
		}
	}
	b := Make[byte](1<<20+7, 1<<20+7)
	for i, x := range b {
		if x != 0 {
			t.Fatalf("byte %d is %d", i, x)
		}
	}
}

// Huge and Piece give what make gives, for sizes across the huge-page
// threshold and an element size that does not divide 2 MiB.
func TestHuge(t *testing.T) {
	for _, n := range []int{0, 1, 1000, minHugeElems[item]() - 1, minHugeElems[item](), minHugeElems[item]() + 1, 3*minHugeElems[item]() + 3} {
		s := Huge[item](n)
		if n%2 == 1 {
			s = Piece[item](n, n%4 == 1)
		}
		require.Len(t, s, n)
		require.Equal(t, n, cap(s))
		for i := range s {
			if s[i] != (item{}) {
				t.Fatalf("item %d of %d is %+v", i, n, s[i])
			}
			v := i
			s[i] = item{name: strconv.Itoa(i), p: &v}
		}
		runtime.GC()
		for i, it := range s {
			if it.name != strconv.Itoa(i) || *it.p != i {
				t.Fatalf("item %d of %d is %+v after a collection", i, n, it)
			}
		}
	}
}

// minHugeElems is how many items make minHuge bytes, rounded up.
func minHugeElems[T any]() int {
	size := int(unsafe.Sizeof(*new(T)))
	return min((minHuge+size-1)/size, 1<<20)
}
