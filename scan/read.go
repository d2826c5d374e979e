package scan

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/tensorcount/tensorcount/format"
)

// A Source opens the files tensors live in. Files are opened on demand and
// kept open until Close, so that comparing many pairs opens each file
// once. It reads with positioned reads into the caller's buffers, not
// through a memory mapping: the pages a comparison touched would
// otherwise count toward the process's resident memory (a 768 MiB pair
// cost 777 MiB mapped), and a file truncated while it is read gives a
// short read, not a fault.
type Source struct {
	files map[string]*sourceFile
	// BytesRead counts the tensor bytes read through this Source.
	BytesRead int64
}

// A sourceFile is an open weight file and its size when opened.
type sourceFile struct {
	*os.File
	size int64
}

// NewSource returns an empty Source.
func NewSource() *Source { return &Source{files: map[string]*sourceFile{}} }

// ErrChanged is matched (errors.Is) by the error for a file that changed
// between reading its header and reading its tensor data: it is gone, or
// it is shorter than its header says (a short read: truncated or
// replaced while it was read). A count must fail on it,
// not conclude from data that is not the file's.
var ErrChanged = errors.New("changed while it was read")

// A ChangedError is the error for a file that changed while it was read.
// It matches ErrChanged and unwraps to the read's own error.
type ChangedError struct {
	File string
	Err  error
}

func (e *ChangedError) Error() string {
	var why string
	switch {
	case errors.Is(e.Err, io.ErrUnexpectedEOF):
		why = "shorter than its header says"
	case errors.Is(e.Err, fs.ErrNotExist):
		why = "it is gone"
	default:
		why = e.Err.Error()
	}
	return format.Escape(e.File) + ": changed while it was read (" + why + ")"
}

func (e *ChangedError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrChanged) hold.
func (e *ChangedError) Is(target error) bool { return target == ErrChanged }

// changed turns a read error that shows the file changed into a
// *ChangedError naming the file (the one the error names, else file).
func changed(file string, err error) error {
	if err == nil || errors.Is(err, ErrChanged) {
		return err
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var fe *format.Error
	if errors.As(err, &fe) && fe.File != "" {
		file = fe.File
	}
	return &ChangedError{File: file, Err: err}
}

// ReaderAt returns a reader for the named file.
func (s *Source) ReaderAt(path string) (io.ReaderAt, error) {
	if f, ok := s.files[path]; ok {
		return f, nil
	}
	f, size, err := format.OpenRegular(path)
	if err != nil {
		return nil, changed(path, err)
	}
	sf := &sourceFile{File: f, size: size}
	s.files[path] = sf
	return sf, nil
}

// Close closes every file the Source opened.
func (s *Source) Close() error {
	var first error
	for _, f := range s.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	s.files = map[string]*sourceFile{}
	return first
}

// Compare compares two tensors' contents, opening their files as needed.
func (s *Source) Compare(a, b format.Tensor) (Comparison, error) {
	ra, err := s.ReaderAt(a.File)
	if err != nil {
		return Comparison{}, err
	}
	rb, err := s.ReaderAt(b.File)
	if err != nil {
		return Comparison{}, err
	}
	c, err := Compare(a, b, ra, rb)
	s.BytesRead += 2 * c.BytesRead
	return c, changed(a.File, err)
}

// MappedSize returns the size the named file had when the Source opened
// it, if it has.
func (s *Source) MappedSize(path string) (int64, bool) {
	f, ok := s.files[path]
	if !ok {
		return 0, false
	}
	return f.size, true
}

// ReadSmall returns the data of a tensor no larger than limit bytes: the
// few tensors whose contents describe other tensors (a bitsandbytes
// quant state, a compressed-tensors weight_shape).
func (s *Source) ReadSmall(t format.Tensor, limit int64) ([]byte, error) {
	if t.Size > limit {
		return nil, &format.Error{File: t.File, Offset: t.Offset, Field: "tensor " + format.Quote(t.Name),
			Value: t.Size, Limit: limit, Msg: "too large to read as a description"}
	}
	r, err := s.ReaderAt(t.File)
	if err != nil {
		return nil, err
	}
	b := make([]byte, t.Size)
	if err := readAt(r, b, t.Offset, t); err != nil {
		return nil, changed(t.File, err)
	}
	s.BytesRead += t.Size
	return b, nil
}
