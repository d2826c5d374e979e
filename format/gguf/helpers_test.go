package gguf_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/ggufw"
)

// parseBytes parses an in-memory file.
func parseBytes(b []byte) (*gguf.File, error) {
	return gguf.NewFile(bytes.NewReader(b), int64(len(b)))
}

// writeFixture writes f under t's temporary directory and opens it.
func writeFixture(t testing.TB, name string, f ggufw.File) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, f.Write(path))
	return path
}

// openRaw writes raw bytes (extended to size, sparse, if larger) as a file
// of its own and opens it, so every malformed case is a real file.
func openRaw(t testing.TB, name string, b []byte, size int64) (*gguf.File, string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, ggufw.WriteRaw(path, b, size))
	f, err := gguf.Open(path)
	if f != nil {
		t.Cleanup(func() { f.Close() })
	}
	return f, path, err
}

// requireFormatError asserts err is a *format.Error with the given field
// and a message containing msg, and returns it.
func requireFormatError(t testing.TB, err error, field, msg string) *format.Error {
	t.Helper()
	require.Error(t, err)
	var fe *format.Error
	require.True(t, errors.As(err, &fe), "not a *format.Error: %T %v", err, err)
	require.Equal(t, field, fe.Field, "field of %v", err)
	require.Contains(t, fe.Msg, msg, "message of %v", err)
	return fe
}

// le3 is an encoder for little-endian GGUF v3, the common case.
func le3() *ggufw.Encoder { return ggufw.NewEncoder(3, binary.LittleEndian) }

// elementsOf sums the tensors' element counts.
func elementsOf(f *gguf.File) uint64 {
	var n uint64
	for _, t := range f.Infos() {
		n += t.Elements
	}
	return n
}

func spec(name, dtype string, shape ...uint64) fixture.TensorSpec {
	return fixture.TensorSpec{Name: name, Shape: shape, DType: dtype}
}

// sparseReader serves b and then zeros up to size, so a real-scale file's
// header can be parsed in memory without its data.
type sparseReader struct {
	b    []byte
	size int64
}

func (r sparseReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := 0
	if off < int64(len(r.b)) {
		n = copy(p, r.b[off:])
	}
	for n < len(p) && off+int64(n) < r.size {
		p[n] = 0
		n++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// parseSparse parses a file described by w without materialising its data.
func parseSparse(t testing.TB, w ggufw.File) *gguf.File {
	t.Helper()
	h, err := w.Header()
	require.NoError(t, err)
	_, dataLen, err := w.Layout()
	require.NoError(t, err)
	f, err := gguf.NewFile(sparseReader{h, int64(len(h)) + int64(dataLen)}, int64(len(h))+int64(dataLen))
	require.NoError(t, err)
	return f
}

// countingReader counts the ReadAt calls made and bytes asked for.
type countingReader struct {
	r            io.ReaderAt
	calls, bytes int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	c.bytes += int64(len(p))
	return c.r.ReadAt(p, off)
}
