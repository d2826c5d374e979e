package scan

import (
	"io"

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

// ReaderAt returns a reader for the named file.
func (s *Source) ReaderAt(path string) (io.ReaderAt, error) {
	if f, ok := s.files[path]; ok {
		return f, nil
	}
	f, err := mapfile.Open(path)
	if err != nil {
		return nil, err
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
	return c, err
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
		return nil, err
	}
	s.BytesRead += t.Size
	return b, nil
}
