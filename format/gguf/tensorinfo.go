package gguf

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/checked"
	"github.com/tensorcount/tensorcount/internal/names"
	"github.com/tensorcount/tensorcount/internal/prefault"
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

// maxPrealloc is the most tensor infos reserved up front. A count is
// bounded by the bytes remaining before it is trusted this far, but a
// sparse file can back any count with zeros: beyond this many (84 MB of
// TensorInfo), the slices grow as the entries actually parse.
const maxPrealloc = 1 << 20

// readTensorInfos reads n tensor infos. Names go into one arena, dims into
// shared backing arrays, and the name index is sized from the count, so a
// tensor costs no allocation of its own.
func (p *parser) readTensorInfos(n uint64) error {
	r, f := p.r, p.f
	if n > math.MaxInt32 {
		return &format.Error{Offset: r.pos, Field: "tensor_count", Value: n, Limit: math.MaxInt32, Msg: "more tensors than this reader supports"}
	}
	pre := int(min(n, maxPrealloc))
	f.Tensors = prefault.Make[TensorInfo](0, pre)
	p.dims = make([]uint64, 0, max(256, 2*pre)) // written first, and no pointers: no prefault needed
	// A first pass reads the entries without a name index and proves the
	// names distinct from their hashes after (names.Distinct): an index
	// probed at every entry was a tenth of a million-tensor parse, its
	// cache misses growing faster than the count. On any error or any
	// repeat, the exact pass reads the entries again with the index, so
	// that the first fault in file order is the one reported, as one
	// pass reports it.
	start, warnings, dropped := r.pos, len(f.Warnings), f.dropped
	if p.readEntries(n, false) == nil && names.Distinct(len(f.Tensors), func(i int) string { return f.Tensors[i].Name }) {
		return nil
	}
	r.pos, f.Warnings, f.dropped = start, f.Warnings[:warnings], dropped
	f.Tensors, p.dims, p.pending = f.Tensors[:0], p.dims[:0], 0
	f.names.NameOf = func(i int) string { return f.Tensors[i].Name }
	f.names.Init(pre)
	f.namesBuilt = true
	return p.readEntries(n, true)
}

// readEntries reads n tensor infos into f.Tensors. With indexed set, each
// name goes into f.names as it is read and a repeat is an error there;
// without, the names are left to the caller.
func (p *parser) readEntries(n uint64, indexed bool) error {
	p.indexed = indexed
	fast := !p.r.big && p.r.wide
	for i := uint64(0); i < n; {
		if fast && (!indexed || p.pending < names.MaxBatch) && p.fastTensorInfo() {
			if !indexed {
				p.pending = 0
			}
			i++
			continue
		}
		// The careful path reads the entry, or the batch is full: the
		// batch's names go into the index first. A duplicate among them
		// is read again by the careful path, which reports it.
		full := p.pending == names.MaxBatch
		if d := p.addPending(); d > 0 {
			i -= uint64(d)
		} else if full {
			continue
		}
		if err := p.readTensorInfo(i); err != nil {
			return err
		}
		i++
	}
	if d := p.addPending(); d > 0 {
		return p.readTensorInfo(n - uint64(d))
	}
	return nil
}

// addPending adds the names of the entries fastTensorInfo read since the
// last call to the index, a batch at a time (see names.Index.AddBatch).
// If one of them was seen before, that entry and those after it are
// dropped and the reader rewound to it; addPending returns how many were
// dropped.
func (p *parser) addPending() int {
	f, n := p.f, p.pending
	if n == 0 {
		return 0
	}
	p.pending = 0
	var batch [names.MaxBatch]string
	first := len(f.Tensors) - n
	for k := range n {
		batch[k] = f.Tensors[first+k].Name
	}
	added := f.names.AddBatch(batch[:n], first)
	if added == n {
		return 0
	}
	p.r.pos = p.pendingAt[added]
	f.Tensors = f.Tensors[:first+added]
	return n - added
}

// fastTensorInfo decodes the next tensor info straight from the window
// when it is there whole and nothing about it needs a message: the common
// case of a little-endian v2/v3 file. It reports false, having consumed
// nothing, when readTensorInfo must take the entry the careful way (and
// find the error or the warning).
func (p *parser) fastTensorInfo() bool {
	r, f := p.r, p.f
	off := r.pos - r.start
	if off < 0 || off > int64(r.n) {
		return false
	}
	b := r.buf[off:r.n]
	if len(b) < 8 {
		return false
	}
	nl := binary.LittleEndian.Uint64(b)
	if nl >= maxNameLen || uint64(len(b)) < 8+nl+4 {
		return false
	}
	name := b[8 : 8+nl]
	rest := b[8+nl:]
	nd := binary.LittleEndian.Uint32(rest)
	if nd > maxDims || len(rest) < 4+8*int(nd)+4+8 {
		return false
	}
	var dims [maxDims]uint64
	ne := uint64(1)
	for j := range int(nd) {
		d := binary.LittleEndian.Uint64(rest[4+8*j:])
		hi, lo := bits.Mul64(ne, d)
		if hi != 0 || lo >= math.MaxInt64 || d > math.MaxInt64 {
			return false
		}
		dims[j], ne = d, lo
	}
	rest = rest[4+8*nd:]
	typ := GGMLType(binary.LittleEndian.Uint32(rest))
	offset := binary.LittleEndian.Uint64(rest[4:])
	if !typ.Valid() || typ.Removed() || offset&(f.Alignment-1) != 0 {
		return false
	}
	info := &ggmlTypes[typ]
	block := uint64(info.block)
	ne0 := uint64(1)
	if nd > 0 {
		ne0 = dims[0]
	}
	if ne0%block != 0 {
		return false
	}
	hi, size := bits.Mul64(ne/block, uint64(info.bytes))
	if hi != 0 || size > math.MaxInt64 {
		return false
	}
	entryAt := r.pos
	t := TensorInfo{Name: p.arena.Add(name), Dims: p.addDims(dims[:nd]), Type: typ, Offset: offset,
		Elements: ne, Bytes: size, offsetAt: entryAt + 8 + int64(nl) + 4 + 8*int64(nd) + 4}
	r.pos = t.offsetAt + 8
	f.Tensors = append(f.Tensors, t)
	// The name is added to the index with the rest of its batch
	// (addPending), not here.
	p.pendingAt[p.pending] = entryAt
	p.pending++
	return true
}

// addDims copies d into the shared dims backing and returns its slice.
func (p *parser) addDims(d []uint64) []uint64 {
	if len(p.dims)+len(d) > cap(p.dims) {
		p.dims = make([]uint64, 0, max(256, 2*cap(p.dims)))
	}
	first := len(p.dims)
	p.dims = append(p.dims, d...)
	return p.dims[first:len(p.dims):len(p.dims)]
}

// readTensorInfo reads tensor info #i field by field, with every check
// and message.
func (p *parser) readTensorInfo(i uint64) error {
	r, f := p.r, p.f
	name, err := r.str()
	if err != nil {
		return withField(err, "tensor #"+strconv.FormatUint(i, 10)+" name")
	}
	j, tag, slot := -1, uint64(0), 0
	if p.indexed {
		j, tag, slot = f.names.Find(name)
	}
	t := TensorInfo{Name: p.arena.Add(name)}
	if len(name) >= maxNameLen {
		p.warnf("tensor %s: name is %d bytes; ggml accepts at most %d", format.Quote(t.Name), len(name), maxNameLen-1)
	}
	if j >= 0 {
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
	var dims [maxDims]uint64
	dimsAt := r.pos
	for j := 0; j < int(nd); j++ {
		at := r.pos
		d, err := r.count()
		if err != nil {
			return withField(err, tensorField(t.Name, fmt.Sprintf("ne[%d]", j)))
		}
		if d > math.MaxInt64 {
			return &format.Error{Offset: at, Field: tensorField(t.Name, fmt.Sprintf("ne[%d]", j)), Value: int64(d), Msg: "negative dimension"}
		}
		dims[j] = d
	}
	t.Dims = dims[:nd]
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
	t.Dims = p.addDims(t.Dims)
	f.Tensors = append(f.Tensors, t)
	if p.indexed {
		f.names.Insert(tag, slot, len(f.Tensors)-1)
	}
	return nil
}

// checkType validates the type id and computes the element and byte
// counts. at is the offset of the type field, dimsAt that of ne[0]. The
// field name for an error is built only when there is one.
func (p *parser) checkType(t *TensorInfo, id uint32, at, dimsAt int64) error {
	field := func() string { return tensorField(t.Name, "type") }
	if int32(id) < 0 {
		return &format.Error{Offset: at, Field: field(), Value: int32(id), Msg: "negative ggml type id"}
	}
	t.Type = GGMLType(id)
	if !t.Type.Valid() {
		return &format.Error{Offset: at, Field: field(), Value: id, Limit: uint32(NumGGMLTypes - 1), Msg: "unknown ggml type id"}
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
			return &format.Error{Offset: at, Field: field(), Value: ne0, Limit: block,
				Msg: fmt.Sprintf("ne[0] is not a multiple of the %s block size", t.Type)}
		}
		p.warnf("tensor %s: ne[0] = %d is not a multiple of the %s block size %d (ggml rejects this; older quantizers blocked the flattened tensor)",
			format.Quote(t.Name), ne0, t.Type, block)
	}
	size, ok := t.Type.DType().ByteSize(t.Elements)
	if !ok {
		return &format.Error{Offset: at, Field: field(), Value: t.Elements,
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
	out := prefault.Make[format.Tensor](len(f.Tensors), len(f.Tensors))
	n := 0
	for _, t := range f.Tensors {
		n += len(t.Dims)
	}
	shapes := make([]uint64, n) // written first, and no pointers: no prefault needed
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
