package gguf

import (
	"encoding/binary"
	"errors"
	"io"
	"strings"

	"github.com/tensorcount/tensorcount/format"
)

// windowSize is how much of the file the reader holds at a time. A header
// is read front to back, so one reusable window turns a vocabulary of
// hundreds of thousands of short strings into a few dozen ReadAt calls and
// no per-string allocation.
const windowSize = 64 << 10

// maxString bounds any single string, stored or skipped. Real values top
// out at a few MiB (chat templates); ggml allows 1 GiB and ollama 16 MiB.
// 256 MiB keeps a hostile length from costing more than that while
// accepting anything a converter has plausibly written.
const maxString = 256 << 20

// A reader decodes GGUF primitives from an io.ReaderAt through a window.
// Its errors are *format.Error with the offset set and the field left for
// the caller to name.
type reader struct {
	r     io.ReaderAt
	size  int64
	big   bool // big-endian file
	wide  bool // version ≥ 2: counts, lengths and dims are 64-bit
	buf   []byte
	start int64 // file offset of buf[0]
	n     int   // valid bytes in buf
	pos   int64 // offset of the next byte to decode
}

func newReader(r io.ReaderAt, size int64, window int) *reader {
	if int64(window) > size {
		window = int(max(size, 16))
	}
	return &reader{r: r, size: size, buf: make([]byte, window)}
}

func (r *reader) order() binary.ByteOrder {
	if r.big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (r *reader) remaining() int64 { return r.size - r.pos }

// lenSize is the encoded size of a count or string length.
func (r *reader) lenSize() int64 {
	if r.wide {
		return 8
	}
	return 4
}

// peek returns the next n bytes (n ≤ the window) without consuming them.
// The slice is valid until the next call on r.
func (r *reader) peek(n int) ([]byte, error) {
	if r.pos >= r.start && r.pos+int64(n) <= r.start+int64(r.n) {
		i := int(r.pos - r.start)
		return r.buf[i : i+n], nil
	}
	if int64(n) > r.remaining() {
		return nil, r.shortError(uint64(n))
	}
	want := min(int64(len(r.buf)), r.remaining())
	got, err := r.r.ReadAt(r.buf[:want], r.pos)
	if int64(got) < int64(n) {
		r.n = 0
		return nil, r.readError(err)
	}
	r.start, r.n = r.pos, got
	return r.buf[:n], nil
}

func (r *reader) shortError(need uint64) error {
	return &format.Error{Offset: r.pos, Value: need, Limit: r.remaining(),
		Msg: "unexpected end of file: needs more bytes than remain"}
}

func (r *reader) readError(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &format.Error{Offset: r.pos, Msg: "read failed", Err: err}
}

func (r *reader) u8() (uint8, error) {
	b, err := r.peek(1)
	if err != nil {
		return 0, err
	}
	r.pos++
	return b[0], nil
}

func (r *reader) u16() (uint16, error) {
	b, err := r.peek(2)
	if err != nil {
		return 0, err
	}
	r.pos += 2
	if r.big {
		return binary.BigEndian.Uint16(b), nil
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (r *reader) u32() (uint32, error) {
	b, err := r.peek(4)
	if err != nil {
		return 0, err
	}
	r.pos += 4
	if r.big {
		return binary.BigEndian.Uint32(b), nil
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *reader) u64() (uint64, error) {
	b, err := r.peek(8)
	if err != nil {
		return 0, err
	}
	r.pos += 8
	if r.big {
		return binary.BigEndian.Uint64(b), nil
	}
	return binary.LittleEndian.Uint64(b), nil
}

// scalar reads a value of fixed size n (1, 2, 4 or 8) as raw bits.
func (r *reader) scalar(n int) (uint64, error) {
	switch n {
	case 1:
		v, err := r.u8()
		return uint64(v), err
	case 2:
		v, err := r.u16()
		return uint64(v), err
	case 4:
		v, err := r.u32()
		return uint64(v), err
	}
	return r.u64()
}

// count reads a count or length: u32 in version 1, u64 after.
func (r *reader) count() (uint64, error) {
	if r.wide {
		return r.u64()
	}
	v, err := r.u32()
	return uint64(v), err
}

// skip moves past n bytes, which must exist.
func (r *reader) skip(n uint64) error {
	if n > uint64(r.remaining()) {
		return r.shortError(n)
	}
	r.pos += int64(n)
	return nil
}

// stringLen reads a string's length and checks it against the bytes that
// remain and maxString, leaving r at the first byte of the string.
func (r *reader) stringLen() (uint64, error) {
	at := r.pos
	n, err := r.count()
	if err != nil {
		return 0, err
	}
	if n > uint64(r.remaining()) || n > maxString {
		limit := uint64(r.remaining())
		msg := "string length exceeds the bytes remaining in the file"
		if n <= limit {
			limit, msg = maxString, "string length exceeds the 256 MiB limit"
		}
		r.pos = at
		return 0, &format.Error{Offset: at, Value: n, Limit: limit, Msg: msg}
	}
	return n, nil
}

// bytes returns the next n bytes, which the caller has bounded by the
// bytes remaining. Short strings are sliced from the window (valid until
// the next call); longer ones are read into a new buffer.
func (r *reader) bytes(n uint64) ([]byte, error) {
	if n <= uint64(len(r.buf)) {
		b, err := r.peek(int(n))
		if err != nil {
			return nil, err
		}
		r.pos += int64(n)
		return b, nil
	}
	if n > uint64(r.remaining()) {
		return nil, r.shortError(n)
	}
	b := make([]byte, n)
	got, err := r.r.ReadAt(b, r.pos)
	if uint64(got) < n {
		return nil, r.readError(err)
	}
	r.pos += int64(n)
	return b, nil
}

// str reads a length-prefixed string.
func (r *reader) str() ([]byte, error) {
	n, err := r.stringLen()
	if err != nil {
		return nil, err
	}
	return r.bytes(n)
}

// string reads a length-prefixed string as a Go string. A string longer
// than the window is read straight into the string's own memory, so a
// 256 MiB value costs 256 MiB once, not a buffer and then a copy.
func (r *reader) string() (string, error) {
	n, err := r.stringLen()
	if err != nil {
		return "", err
	}
	if n <= uint64(len(r.buf)) {
		b, err := r.bytes(n)
		return string(b), err
	}
	var sb strings.Builder
	sb.Grow(int(n))
	got, err := io.Copy(&sb, io.NewSectionReader(r.r, r.pos, int64(n)))
	if uint64(got) < n {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return "", r.readError(err)
	}
	r.pos += int64(n)
	return sb.String(), nil
}

// skipStrings moves past n consecutive length-prefixed strings without
// copying them. On error it returns the index of the bad string.
func (r *reader) skipStrings(n uint64) (uint64, error) {
	w := r.lenSize()
	for i := uint64(0); i < n; i++ {
		// Fast path, the common case of a vocabulary: the length is in
		// the window and in bounds. Anything else goes the careful way.
		if off := r.pos - r.start; off >= 0 && off+w <= int64(r.n) {
			var l uint64
			b := r.buf[off : off+w]
			switch {
			case !r.wide && r.big:
				l = uint64(binary.BigEndian.Uint32(b))
			case !r.wide:
				l = uint64(binary.LittleEndian.Uint32(b))
			case r.big:
				l = binary.BigEndian.Uint64(b)
			default:
				l = binary.LittleEndian.Uint64(b)
			}
			if l <= maxString && l <= uint64(r.size-r.pos-w) {
				r.pos += w + int64(l)
				continue
			}
		}
		l, err := r.stringLen()
		if err != nil {
			return i, err
		}
		r.pos += int64(l)
	}
	return 0, nil
}
