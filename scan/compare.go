package scan

import (
	"bytes"
	"fmt"
	"io"

	"github.com/tensorcount/tensorcount/format"
)

// Verdict is the outcome of comparing two tensors' contents.
type Verdict int

const (
	// Different: the bytes differ (found in a sample or in the full pass).
	Different Verdict = iota
	// Identical: every byte is equal and the content is not constant.
	Identical
	// Constant: every sampled page of both tensors holds one repeated
	// element value (all zeros, say). That is placeholder data, which says
	// nothing about whether the weights are tied, so the comparison stops
	// there instead of reading gigabytes of zeros.
	Constant
)

func (v Verdict) String() string {
	switch v {
	case Identical:
		return "identical"
	case Constant:
		return "constant"
	}
	return "different"
}

// Comparison reports a Compare: the verdict and how many bytes of each
// tensor were read to reach it.
type Comparison struct {
	Verdict   Verdict
	BytesRead int64
}

const (
	samplePage  = 4096
	samplePages = 8
	chunk       = 1 << 20
)

// Compare decides whether tensors a and b, read through ra and rb, hold
// the same bytes. Tensors of different size are Different without a read.
func Compare(a, b format.Tensor, ra, rb io.ReaderAt) (Comparison, error) {
	var c Comparison
	if a.Size != b.Size || a.DType != b.DType {
		return c, nil
	}
	size := a.Size
	if size == 0 {
		c.Verdict = Constant
		return c, nil
	}
	elem := max(a.DType.BlockBytes/max(a.DType.BlockSize, 1), 1)
	if a.DType.BlockSize > 1 {
		elem = a.DType.BlockBytes // compare whole blocks of quantized types
	}
	pa, pb := make([]byte, samplePage), make([]byte, samplePage)
	constant := true
	for _, off := range sampleOffsets(size) {
		n := min(int64(samplePage), size-off)
		if err := readAt(ra, pa[:n], a.Offset+off, a); err != nil {
			return c, err
		}
		if err := readAt(rb, pb[:n], b.Offset+off, b); err != nil {
			return c, err
		}
		c.BytesRead += n
		if !bytes.Equal(pa[:n], pb[:n]) {
			return c, nil
		}
		if constant && !isConstant(pa[:n], int(elem)) {
			constant = false
		}
	}
	if constant {
		c.Verdict = Constant
		return c, nil
	}
	// Every sample matches and the data is real: confirm byte by byte.
	ba, bb := make([]byte, chunk), make([]byte, chunk)
	for off := int64(0); off < size; off += chunk {
		n := min(int64(chunk), size-off)
		if err := readAt(ra, ba[:n], a.Offset+off, a); err != nil {
			return c, err
		}
		if err := readAt(rb, bb[:n], b.Offset+off, b); err != nil {
			return c, err
		}
		c.BytesRead += n
		if !bytes.Equal(ba[:n], bb[:n]) {
			return c, nil
		}
	}
	c.Verdict = Identical
	return c, nil
}

// sampleOffsets spreads the sampled pages evenly over the tensor,
// including its first and last page.
func sampleOffsets(size int64) []int64 {
	pages := (size + samplePage - 1) / samplePage
	if pages <= samplePages {
		offs := make([]int64, pages)
		for i := range offs {
			offs[i] = int64(i) * samplePage
		}
		return offs
	}
	offs := make([]int64, samplePages)
	for i := range offs {
		offs[i] = int64(i) * (pages - 1) / (samplePages - 1) * samplePage
	}
	return offs
}

// isConstant reports whether p repeats its first elem-byte element.
func isConstant(p []byte, elem int) bool {
	if len(p) < elem || elem <= 0 {
		return true
	}
	first := p[:elem]
	for i := elem; i+elem <= len(p); i += elem {
		if !bytes.Equal(p[i:i+elem], first) {
			return false
		}
	}
	return true
}

func readAt(r io.ReaderAt, p []byte, off int64, t format.Tensor) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &format.Error{File: t.File, Offset: off + int64(n), Field: "tensor " + format.Quote(t.Name),
		Msg: fmt.Sprintf("cannot read tensor data (%d bytes at %d)", len(p), off), Err: err}
}
