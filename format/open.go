package format

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is matched (errors.Is) by every error saying a path is not
// a regular file: ErrNamedPipe, ErrDevice, ErrSocket, ErrDirectory,
// ErrSymlink and itself, for other kinds.
var ErrNotRegular error = notRegularError("is not a regular file")

// The kinds of file the open path refuses, as the errors it returns wrap.
var (
	ErrNamedPipe error = notRegularError("is a named pipe, not a regular file")
	ErrDevice    error = notRegularError("is a device, not a regular file")
	ErrSocket    error = notRegularError("is a socket, not a regular file")
	ErrDirectory error = notRegularError("is a directory")
	// ErrSymlink is returned where a link is not followed (inside a Root
	// whose link resolution a race defeated).
	ErrSymlink error = notRegularError("is a symbolic link")
)

// ErrChanged is wrapped by the error for a file that was replaced between
// the stat and the open.
var ErrChanged = errors.New("was replaced while being opened")

type notRegularError string

func (e notRegularError) Error() string { return string(e) }

func (e notRegularError) Is(target error) bool { return target == ErrNotRegular }

// An OpenFunc opens a file by the one open path and returns it with its
// size: OpenRegular, or fsroot.Root.OpenPath for a file of a model
// directory. Readers that take one can be pointed at either.
type OpenFunc func(name string) (*os.File, int64, error)

// OpenRegular opens the named file read-only by the one open path and
// returns it with its size. Links are followed: the path is the user's
// (or lies in a directory the user named), and the rule on where links
// may point is applied by fsroot.Root, which model directories are read
// through.
//
// # The one open path
//
// Every file the tool reads (weight files, indexes,
// split parts, config.json, params.json, refs/main, model cards) is
// opened the same way, so that nothing a stranger puts in place of a file
// can hang or trick the program:
//
//  1. Stat the path (Lstat where a link is not allowed) and refuse
//     anything but a regular file before opening it. A named pipe would
//     block open or read forever; a device (/dev/zero, /dev/urandom) would
//     be read without end; a directory or socket fails obscurely. None of
//     them is ever opened or read.
//  2. Open read-only with O_NONBLOCK (and O_CLOEXEC, which Go always
//     sets; O_NOFOLLOW where a link is not allowed): should the path have
//     been replaced by a named pipe since step 1, open returns at once
//     instead of waiting for a writer. Regular files ignore O_NONBLOCK, so
//     it is kept.
//  3. Fstat the open descriptor and require a regular file that is the
//     same file as in step 1 (os.SameFile: same device and inode). A file
//     swapped in between the steps is refused, never read.
//
// Errors are *Error values with Offset -1, naming the file and saying what
// is wrong in the FILE: what is wrong form:
//
//	model.safetensors: is a named pipe, not a regular file
//	model.safetensors: is a device, not a regular file
//	model.safetensors: is a socket, not a regular file
//	model.safetensors: is a directory
//	model.safetensors: no such file or directory
//	model.safetensors: permission denied
//	model.safetensors: too many levels of symbolic links
//
// errors.Is(err, fs.ErrNotExist) and errors.Is(err, fs.ErrPermission)
// hold for a missing or forbidden file, errors.Is(err, ErrNotRegular) for
// every kind of file that is not a regular one.
func OpenRegular(name string) (*os.File, int64, error) {
	return OpenChecked(name,
		func() (fs.FileInfo, error) { return os.Stat(name) },
		func() (*os.File, error) { return os.OpenFile(name, OpenFlags, 0) })
}

var _ OpenFunc = OpenRegular

// OpenChecked runs the one open path with the stat and the open of step 1
// and 2 supplied, so that a caller holding an os.Root can use the root's
// own Lstat and OpenFile (fsroot does). open must open read-only with
// O_NONBLOCK: with OpenFlags or NoFollowFlags. name is the path
// to put in errors. Errors are as for OpenRegular.
func OpenChecked(name string, stat func() (fs.FileInfo, error), open func() (*os.File, error)) (*os.File, int64, error) {
	before, err := stat()
	if err != nil {
		return nil, 0, PathError(name, err)
	}
	if err := regular(before); err != nil {
		return nil, 0, &Error{File: name, Offset: -1, Err: err}
	}
	f, err := open()
	if err != nil {
		return nil, 0, PathError(name, err)
	}
	after, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, PathError(name, err)
	}
	if err := regular(after); err != nil {
		f.Close()
		return nil, 0, &Error{File: name, Offset: -1, Err: err}
	}
	if !os.SameFile(before, after) {
		f.Close()
		return nil, 0, &Error{File: name, Offset: -1, Err: ErrChanged}
	}
	return f, after.Size(), nil
}

// OpenFlags are the flags of every open: read-only, non-blocking and
// close-on-exec, where the system has them.
const OpenFlags = openFlags

// NoFollowFlags are the flags of the final open where a link is not
// followed: OpenFlags and, where the system has it, O_NOFOLLOW.
const NoFollowFlags = openFlags | noFollow

// regular returns nil for a regular file, else the error saying what fi is.
func regular(fi fs.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m&fs.ModeNamedPipe != 0:
		return ErrNamedPipe
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return ErrDevice
	case m&fs.ModeSocket != 0:
		return ErrSocket
	case m.IsDir():
		return ErrDirectory
	case m&fs.ModeSymlink != 0:
		return ErrSymlink
	}
	return ErrNotRegular
}

// PathError turns an error of the os package about the file name into an
// *Error naming name, with the operating system's own words as the
// message ("no such file or directory") and without the "open" or "stat"
// and the repeated path of an *fs.PathError. errors.Is with fs.ErrNotExist
// or fs.ErrPermission keeps working. An *Error is returned unchanged.
func PathError(name string, err error) error {
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return &Error{File: name, Offset: -1, Err: errno}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &Error{File: name, Offset: -1, Err: pe.Err}
	}
	return &Error{File: name, Offset: -1, Err: err}
}

// OpenAndParse opens name by the one open path and parses it with parse,
// the way every reader's Open does: on a parse error the file is closed
// and the error names it (WithFile); on success the caller keeps the open
// file, for the reads it makes later, and closes it.
func OpenAndParse[T any](name string, parse func(r *os.File, size int64) (T, error)) (T, *os.File, error) {
	var zero T
	fd, size, err := OpenRegular(name)
	if err != nil {
		return zero, nil, err // a *Error naming the file
	}
	v, err := parse(fd, size)
	if err != nil {
		fd.Close()
		return zero, nil, WithFile(err, name)
	}
	return v, fd, nil
}
