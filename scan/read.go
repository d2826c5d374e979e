package scan

import (
	"errors"
	"io"
	"io/fs"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/mapfile"
)

// A Source opens the files tensors live in. Files are opened on demand and
// kept open until Close, so that comparing many pairs maps each file once.
type Source struct {
	files map[string]*mapfile.File
	// BytesRead counts the tensor bytes read through this Source.
	BytesRead int64
}

// NewSource returns an empty Source.
func NewSource() *Source { return &Source{files: map[string]*mapfile.File{}} }

// ErrChanged is matched (errors.Is) by the error for a file that changed
// between reading its header and reading its tensor data: it is gone, it
// is shorter than its header says (a short read), or the mapping faulted
// (it was truncated or replaced while mapped). A count must fail on it,
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
	case errors.Is(e.Err, mapfile.ErrFault):
		why = "a memory fault reading it: truncated or replaced"
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
	if !errors.Is(err, mapfile.ErrFault) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, fs.ErrNotExist) {
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
	f, err := mapfile.Open(path)
	if err != nil {
		return nil, changed(path, err)
	}
	s.files[path] = f
	return f, nil
}

// Close closes every file the Source opened.
func (s *Source) Close() error {
	var first error
	for _, f := range s.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	s.files = map[string]*mapfile.File{}
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

// MappedSize returns the size the named file had when the Source mapped
// it, if it has.
func (s *Source) MappedSize(path string) (int64, bool) {
	f, ok := s.files[path]
	if !ok {
		return 0, false
	}
	return f.Size(), true
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
