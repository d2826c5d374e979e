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
// zero that is already there, as soon as the slice is made. On Linux a
// slice of 4 MiB or more is laid out on transparent huge pages, where the
// kernel allows them: its whole 2 MiB pieces then fault once each instead
// of 512 times (a million-tensor list: 25,000 faults fewer).
package prefault

import (
	"os"
	"runtime"
	"sync"
	"unsafe"
)

var pageSize = os.Getpagesize()

// Make returns make([]T, n, c) with every page of its backing array
// written. From 4 MiB, the array is laid out on huge pages.
func Make[T any](n, c int) []T {
	size := uintptr(c) * unsafe.Sizeof(*new(T))
	var s []T
	if size >= minHuge {
		s = onHuge[T](c)[:n]
	} else {
		s = make([]T, n, c)
	}
	if size > 0 {
		// The bytes written are zero already, and so is every pointer
		// they are part of: no pointer changes, which is what lets the
		// writes skip the write barrier.
		b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s[:c]))), size)
		touch(b)
	}
	return s
}

// Huge returns make([]T, n), laid out on huge pages from 4 MiB, for memory
// that is written before it is read, in order from its start (names, a
// table filled a bucket at a time): its pages fault as they are filled,
// and at most the last huge page is cleared for a few bytes.
func Huge[T any](n int) []T {
	if uintptr(n)*unsafe.Sizeof(*new(T)) >= minHuge {
		return onHuge[T](n)
	}
	return make([]T, n)
}

// Piece returns make([]T, n) for a piece that a caller carves from its
// start and fills in order (names, a reader's lists): from 4 MiB, it
// starts on a huge page and is laid out on them, reserving up to 2 MiB
// more, untouched. When write is set, its pages are written at once, as
// Make's are.
func Piece[T any](n int, write bool) []T {
	size := uintptr(n) * unsafe.Sizeof(*new(T))
	if size < minHuge {
		if write {
			return Make[T](n, n)
		}
		return make([]T, n)
	}
	s := piece[T](n)
	if write {
		touch(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size))
	}
	return s
}

// parallelBytes is the size from which the pages are written on every
// CPU: a fault costs a microsecond or two, and a 10 MB list is 2,500 of
// them.
const parallelBytes = 4 << 20

// touch writes a zero byte in every page of b, which is zero.
func touch(b []byte) {
	workers := runtime.GOMAXPROCS(0)
	if len(b) < parallelBytes || workers < 2 {
		touchPages(b)
		return
	}
	step := (len(b)/workers + pageSize - 1) &^ (pageSize - 1)
	var wg sync.WaitGroup
	for lo := step; lo < len(b); lo += step {
		part := b[lo:min(lo+step, len(b))]
		wg.Go(func() { touchPages(part) })
	}
	touchPages(b[:min(step, len(b))])
	wg.Wait()
}

func touchPages(b []byte) {
	for i := 0; i < len(b); i += pageSize {
		b[i] = 0
	}
}
