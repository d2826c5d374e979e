package names

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/tensorcount/tensorcount/internal/prefault"
)

// A List holds names one after another in one block of bytes, 4 bytes a
// name besides its bytes where a []string spends 16 on each header. Its
// names are read as strings that share the block, which is never written
// again once a byte is in it.
type List struct {
	bytes []byte
	ends  []uint32 // name i is bytes[ends[i-1]:ends[i]], from 0 for i = 0
}

// MakeList returns an empty list with room for n names of size bytes in
// all. A big list is laid out on huge pages, since it is filled from its
// start (prefault.Huge).
func MakeList(n, size int) List {
	return List{bytes: prefault.Huge[byte](size)[:0], ends: prefault.Huge[uint32](n)[:0]}
}

// Append adds name at the end. A list holds up to 4 GiB of names: past
// that Append fails.
func (l *List) Append(name string) error {
	if uint64(len(l.bytes))+uint64(len(name)) > math.MaxUint32 {
		return fmt.Errorf("names of more than %d bytes in all", uint32(math.MaxUint32))
	}
	l.bytes = append(l.bytes, name...)
	l.ends = append(l.ends, uint32(len(l.bytes)))
	return nil
}

// Clip lets go of the room no name took.
func (l *List) Clip() {
	l.bytes, l.ends = slices.Clip(l.bytes), slices.Clip(l.ends)
}

// Len is the number of names.
func (l *List) Len() int { return len(l.ends) }

// At is name i.
func (l *List) At(i int) string {
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	if start == l.ends[i] {
		return ""
	}
	return unsafe.String(&l.bytes[start], l.ends[i]-start)
}

// Index is the position of the first name equal to name, or −1.
func (l *List) Index(name string) int {
	for i := range l.ends {
		if l.At(i) == name {
			return i
		}
	}
	return -1
}

// Equal reports whether l and m hold the same names in the same order.
func (l *List) Equal(m *List) bool {
	return slices.Equal(l.ends, m.ends) && bytes.Equal(l.bytes, m.bytes)
}
