package gguf

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/checked"
)

// A TensorInfo is one entry of the tensor directory.
type TensorInfo struct {
	Name string
	// Dims are the dimensions as stored: ne[0], the fastest-varying
	// (innermost) one, first. Shape gives them outermost first.
	Dims []uint64
	Type GGMLType
	// Offset is the data's offset relative to the File's DataOffset.
	Offset uint64
	// Elements is the product of Dims (1 for a scalar).
	Elements uint64
	// Bytes is the size of the data, without padding; 0 when the type is
	// removed and its layout unknown.
	Bytes uint64

	offsetAt int64 // where the offset field is, for errors found later
}

// Shape returns the dimensions outermost first (PyTorch and NumPy order),
// the reverse of Dims.
func (t TensorInfo) Shape() []uint64 {
	s := make([]uint64, len(t.Dims))
	for i, d := range t.Dims {
		s[len(s)-1-i] = d
	}
	return s
}

// maxDims is GGML_MAX_DIMS.
const maxDims = 4

// maxNameLen is ggml's GGML_MAX_NAME: names must be shorter. The spec says
// "at most 64 bytes"; neither matters for counting, so a longer name is a
// warning.
const maxNameLen = 64

func tensorField(name, what string) string {
	return "tensor " + format.Quote(name) + " " + what
}

// readTensorInfos reads n tensor infos. n has been bounded by the bytes
// remaining, but the slice still grows by append from a small start, so a
// count the rest of the file cannot back costs nothing up front.
func (p *parser) readTensorInfos(n uint64) error {
	r, f := p.r, p.f
	f.names = make(map[string]int, min(n, 1024))
	f.Tensors = make([]TensorInfo, 0, min(n, 1024))
	var dims []uint64 // one backing array for everyone's Dims
	for i := uint64(0); i < n; i++ {
		name, err := r.str()
		if err != nil {
			return withField(err, "tensor #"+strconv.FormatUint(i, 10)+" name")
		}
		t := TensorInfo{Name: string(name)}
		if len(name) >= maxNameLen {
			p.warnf("tensor %s: name is %d bytes; ggml accepts at most %d", format.Quote(t.Name), len(name), maxNameLen-1)
		}
		if _, dup := f.names[t.Name]; dup {
			return &format.Error{Offset: r.pos - int64(len(name)) - r.lenSize(), Field: "tensor " + format.Quote(t.Name), Msg: "duplicate tensor name"}
		}
		at := r.pos
		nd, err := r.u32()
		if err != nil {
			return withField(err, tensorField(t.Name, "n_dims"))
		}
		if nd > maxDims {
			return &format.Error{Offset: at, Field: tensorField(t.Name, "n_dims"), Value: nd, Limit: maxDims, Msg: "too many dimensions"}
		}
		if len(dims)+int(nd) > cap(dims) {
			dims = make([]uint64, 0, max(256, 2*cap(dims)))
		}
		first, dimsAt := len(dims), r.pos
		for j := 0; j < int(nd); j++ {
			at := r.pos
			d, err := r.count()
			if err != nil {
				return withField(err, tensorField(t.Name, fmt.Sprintf("ne[%d]", j)))
			}
			if d > math.MaxInt64 {
				return &format.Error{Offset: at, Field: tensorField(t.Name, fmt.Sprintf("ne[%d]", j)), Value: int64(d), Msg: "negative dimension"}
			}
			dims = append(dims, d)
		}
		t.Dims = dims[first:len(dims):len(dims)]
		at = r.pos
		typ, err := r.u32()
		if err != nil {
			return withField(err, tensorField(t.Name, "type"))
		}
		if err := p.checkType(&t, typ, at, dimsAt); err != nil {
			return err
		}
		at = r.pos
		t.offsetAt = at
		if t.Offset, err = r.u64(); err != nil {
			return withField(err, tensorField(t.Name, "offset"))
		}
		if t.Offset%f.Alignment != 0 {
			return &format.Error{Offset: at, Field: tensorField(t.Name, "offset"), Value: t.Offset, Limit: f.Alignment,
				Msg: "offset is not a multiple of the alignment"}
		}
		f.names[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	return nil
}

// checkType validates the type id and computes the element and byte
// counts. at is the offset of the type field, dimsAt that of ne[0].
func (p *parser) checkType(t *TensorInfo, id uint32, at, dimsAt int64) error {
	field := tensorField(t.Name, "type")
	if int32(id) < 0 {
		return &format.Error{Offset: at, Field: field, Value: int32(id), Msg: "negative ggml type id"}
	}
	t.Type = GGMLType(id)
	if !t.Type.Valid() {
		return &format.Error{Offset: at, Field: field, Value: id, Limit: uint32(NumGGMLTypes - 1), Msg: "unknown ggml type id"}
	}
	var ok bool
	if t.Elements, ok = checked.Product(t.Dims); !ok || t.Elements == math.MaxInt64 {
		return &format.Error{Offset: dimsAt, Field: tensorField(t.Name, "ne"), Value: fmt.Sprint(t.Dims),
			Msg: "element count overflows int64"}
	}
	if t.Type.Removed() {
		p.warnf("tensor %s: ggml type %d (%s) has been removed from ggml; elements counted, byte size unverifiable",
			format.Quote(t.Name), id, t.Type)
		return nil
	}
	block := uint64(t.Type.BlockSize())
	ne0 := uint64(1)
	if len(t.Dims) > 0 {
		ne0 = t.Dims[0]
	}
	if ne0%block != 0 {
		// ggml today quantizes row by row and rejects this. Quantizers of
		// 2023 blocked the flattened tensor, and their files (stories260K
		// Q8_0, ffn_down with ne[0] = 172) are still around: when the
		// whole tensor is a whole number of blocks, count it and warn.
		if t.Elements%block != 0 {
			return &format.Error{Offset: at, Field: field, Value: ne0, Limit: block,
				Msg: fmt.Sprintf("ne[0] is not a multiple of the %s block size", t.Type)}
		}
		p.warnf("tensor %s: ne[0] = %d is not a multiple of the %s block size %d (ggml rejects this; older quantizers blocked the flattened tensor)",
			format.Quote(t.Name), ne0, t.Type, block)
	}
	size, ok := t.Type.DType().ByteSize(t.Elements)
	if !ok {
		return &format.Error{Offset: at, Field: field, Value: t.Elements,
			Msg: fmt.Sprintf("byte size of %s data overflows int64", t.Type)}
	}
	t.Bytes = size
	return nil
}

// layOut places the data section and checks every tensor's data against
// the file and against each other.
func (p *parser) layOut() error {
	f, r := p.f, p.r
	start, ok := alignUp(uint64(r.pos), f.Alignment)
	if !ok || start > math.MaxInt64 {
		return &format.Error{Offset: r.pos, Field: "data section", Msg: "data offset overflows"}
	}
	f.DataOffset = int64(start)
	if len(f.Tensors) == 0 {
		// Vocabulary-only files end right after the metadata, before the
		// padding: accepted, as every other reader does.
		return nil
	}
	if f.DataOffset > f.Size {
		return &format.Error{Offset: r.pos, Field: "data section", Value: f.DataOffset, Limit: f.Size,
			Msg: "data section starts past the end of the file"}
	}
	for _, t := range f.Tensors {
		begin, ok1 := checked.Add(start, t.Offset)
		end, ok2 := checked.Add(begin, t.Bytes)
		if !ok1 || !ok2 || end > uint64(f.Size) {
			return &format.Error{Offset: t.offsetAt, Field: tensorField(t.Name, "offset"), Value: t.Offset, Limit: uint64(f.Size) - start,
				Msg: fmt.Sprintf("data (%d bytes) extends past the end of the file", t.Bytes)}
		}
	}
	return p.checkOverlap()
}

func alignUp(n, a uint64) (uint64, bool) {
	s, ok := checked.Add(n, a-1)
	return s &^ (a - 1), ok
}

// checkOverlap rejects tensors whose data share bytes, and warns when the
// tensors are not laid out the way ggml insists (contiguous, in directory
// order, each padded to the alignment), which the spec does not require.
func (p *parser) checkOverlap() error {
	f := p.f
	strict := true
	var next uint64
	for _, t := range f.Tensors {
		if t.Type.Removed() {
			strict = false // the rest of the layout cannot be predicted
			break
		}
		if t.Offset != next {
			p.warnf("tensor %s: offset %d is not where ggml expects it (%d): tensors are not contiguous in directory order; ggml would reject this file",
				format.Quote(t.Name), t.Offset, next)
			strict = false
			break
		}
		next, _ = alignUp(t.Offset+t.Bytes, f.Alignment) // bounded by the file size above
	}
	if strict {
		return nil // contiguous in order: no overlap possible
	}
	order := make([]int, 0, len(f.Tensors))
	for i, t := range f.Tensors {
		if !t.Type.Removed() && t.Bytes > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(f.Tensors[a].Offset, f.Tensors[b].Offset), cmp.Compare(f.Tensors[a].Bytes, f.Tensors[b].Bytes))
	})
	for k := 1; k < len(order); k++ {
		prev, cur := f.Tensors[order[k-1]], f.Tensors[order[k]]
		if cur.Offset < prev.Offset+prev.Bytes {
			return &format.Error{Offset: cur.offsetAt, Field: tensorField(cur.Name, "offset"), Value: cur.Offset, Limit: prev.Offset + prev.Bytes,
				Msg: fmt.Sprintf("data overlaps tensor %s", format.Quote(prev.Name))}
		}
	}
	return nil
}

// FormatTensors returns the tensors in the shared form, with shapes
// outermost first, absolute offsets, and file as each tensor's File.
func (f *File) FormatTensors(file string) []format.Tensor {
	out := make([]format.Tensor, len(f.Tensors))
	n := 0
	for _, t := range f.Tensors {
		n += len(t.Dims)
	}
	shapes := make([]uint64, n)
	for i, t := range f.Tensors {
		shape := shapes[:len(t.Dims):len(t.Dims)]
		shapes = shapes[len(t.Dims):]
		for j, d := range t.Dims {
			shape[len(shape)-1-j] = d
		}
		out[i] = format.Tensor{Name: t.Name, Shape: shape, DType: t.Type.DType(), File: file,
			Offset: f.DataOffset + int64(t.Offset), Size: int64(t.Bytes)}
	}
	return out
}
