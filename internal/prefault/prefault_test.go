package prefault

import (
	"runtime"
	"strconv"
	"testing"

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
