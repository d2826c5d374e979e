package prefault

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms Go
// runs Linux on (x86-64, arm64 with 4 KiB pages).
const hugePage = 2 << 20

// minHuge is the size from which memory is laid out on huge pages: an
// array of 4 MiB holds at least one whole 2 MiB piece, and clearing it
// costs far less than its 512 faults (on the virtual machines
// benchmarked, a fault cost about 3 µs and clearing 4 KiB 0.3 µs).
const minHuge = 2 * hugePage

// onHuge returns make([]T, n) with the whole 2 MiB pieces of its backing
// array advised onto huge pages: they fault 2 MiB at a time, and only the
// ends, up to 2 MiB each, a page at a time. (An array aligned on a huge
// page by reserving 2–4 MiB more saved those faults too, but the reserve
// counts toward the heap the collector paces by: a million-tensor load
// then collected once more, 270 ms.) The advice is best effort: where the
// kernel has transparent huge pages off, or none free, nothing changes.
func onHuge[T any](n int) []T {
	s := make([]T, n)
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), uintptr(n)*unsafe.Sizeof(*new(T)))
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (start+hugePage-1)&^(hugePage-1) - start
	hi := (start+uintptr(len(b)))&^(hugePage-1) - start
	if lo < hi {
		_ = unix.Madvise(b[lo:hi], unix.MADV_HUGEPAGE)
	}
	return s
}

// piece returns a slice of n elements whose backing array starts on a
// huge-page boundary, all of it advised onto huge pages, reserving up to
// 2 MiB more than it uses (never touched). It is for memory filled from
// its start, whose first 2 MiB onHuge would leave to small pages.
func piece[T any](n int) []T {
	elem := unsafe.Sizeof(*new(T))
	all := make([]T, n+int(hugePage/elem)+1)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(all))), uintptr(len(all))*elem)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(raw)))
	// The slice starts at the first element on or after the boundary,
	// and the advice at the boundary, less than an element before it,
	// inside the same allocation.
	gap := (start+hugePage-1)&^(hugePage-1) - start
	skip := int((gap + elem - 1) / elem)
	_ = unix.Madvise(raw[gap:uintptr(skip+n)*elem], unix.MADV_HUGEPAGE)
	return all[skip : skip+n : skip+n]
}
