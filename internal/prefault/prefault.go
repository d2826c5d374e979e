// Package prefault makes large slices whose memory is written before
// anything reads it.
//
// Memory fresh from the operating system is zero without having been
// written. When its first access is a read — the garbage collector
// scanning a new slice's unused capacity, a write barrier loading the
// old value of a slot, a hash table's probe — Linux maps the shared zero
// page there, and the write that follows must replace that mapping and
// flush it from the TLB of every CPU the process runs on: an
// inter-processor interrupt per page. Filling a million-tensor list
// spent a fifth of its CPU time so. A page whose first access is a write
// faults once and flushes nothing; Make writes one byte a page, the
// zero that is already there, as soon as the slice is made.
package prefault

import (
	"os"
	"unsafe"
)

var pageSize = os.Getpagesize()

// Make returns make([]T, n, c) with every page of its backing array
// written.
func Make[T any](n, c int) []T {
	s := make([]T, n, c)
	if size := uintptr(c) * unsafe.Sizeof(*new(T)); size > 0 {
		// The bytes written are zero already, and so is every pointer
		// they are part of: no pointer changes, which is what lets the
		// writes skip the write barrier.
		b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s[:c]))), size)
		for i := 0; i < len(b); i += pageSize {
			b[i] = 0
		}
	}
	return s
}
