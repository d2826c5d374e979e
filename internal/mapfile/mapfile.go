// Package mapfile opens local weight files read-only through a memory map
// and makes reading them safe against the file changing underneath.
//
// A mapped file that is truncated or replaced while it is being read raises
// SIGBUS on the next access to a vanished page, which would kill the
// program. ReadAt turns that fault into an error instead, so a model being
// rewritten by a download tool gives a message, not a crash.
package mapfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync/atomic"

	"golang.org/x/exp/mmap"
)

// File is a read-only, memory-mapped file.
type File struct {
	name string
	m    *mmap.ReaderAt
	read atomic.Int64 // bytes copied out by ReadAt
}

// ErrFault is wrapped by the error ReadAt returns when the mapping faulted,
// which happens when the file shrank after it was opened.
var ErrFault = errors.New("memory fault reading the mapped file (was it truncated or replaced while being read?)")

// Open maps the named file. Directories and other non-regular files are
// refused, since mapping them either fails obscurely or blocks.
func Open(name string) (*File, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	m, err := mmap.Open(name)
	if err != nil {
		return nil, err
	}
	return &File{name: name, m: m}, nil
}

// Name is the path the file was opened with.
func (f *File) Name() string { return f.name }

// Size is the file's length at the time it was mapped.
func (f *File) Size() int64 { return int64(f.m.Len()) }

// BytesRead reports how many bytes ReadAt has copied out so far; the
// benchmarks use it to show that counting reads only headers.
func (f *File) BytesRead() int64 { return f.read.Load() }

// ReadAt implements io.ReaderAt; reading at or past the end returns
// io.EOF. A page fault while copying (the file was
// truncated after mapping) is returned as an error wrapping ErrFault.
func (f *File) ReadAt(p []byte, off int64) (n int, err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			// Faults raised under SetPanicOnFault carry the faulting address.
			if _, ok := r.(interface{ Addr() uintptr }); ok {
				n, err = 0, fmt.Errorf("%s: offset %d: %w", f.name, off, ErrFault)
				return
			}
			panic(r)
		}
	}()
	if off > int64(f.m.Len()) {
		// Past the end, as io.ReaderAt has it (the mmap package calls it
		// an invalid offset): a short read of a file shorter than its
		// header says.
		return 0, io.EOF
	}
	n, err = f.m.ReadAt(p, off)
	f.read.Add(int64(n))
	return n, err
}

// Close unmaps the file.
func (f *File) Close() error { return f.m.Close() }

var _ io.ReaderAt = (*File)(nil)
