package gguf

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"math/bits"
	"slices"
	"strconv"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/checked"
	"github.com/tensorcount/tensorcount/internal/names"
	"github.com/tensorcount/tensorcount/internal/prefault"
)

// A TensorInfo is one entry of the tensor directory, as GGUF stores it.
// File.Info and File.Tensor make one from the tensor's format.Tensor.
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
}

// Shape returns the dimensions outermost first (PyTorch and NumPy order),
// the reverse of Dims.
func (t TensorInfo) Shape() []uint64 { return reversed(t.Dims) }

// reversed returns a copy of d in reverse order: GGUF's dims from a shape,
// or a shape from GGUF's dims.
func reversed(d []uint64) []uint64 {
	s := slices.Clone(d)
	slices.Reverse(s)
	return s
}

// Info returns tensor #i of the directory as GGUF stores it: dimensions
// innermost first, the ggml type, the offset relative to DataOffset.
func (f *File) Info(i int) TensorInfo {
	t := &f.Tensors[i]
	return TensorInfo{Name: t.Name, Dims: reversed(t.Shape), Type: typeNamed(t.DType.Name), Offset: uint64(t.Offset - f.DataOffset),
		Elements: t.Elements(), Bytes: uint64(t.Size)}
}

// Infos yields the directory's entries in file order, each with its
// index, as Info gives them.
func (f *File) Infos() iter.Seq2[int, TensorInfo] {
	return func(yield func(int, TensorInfo) bool) {
		for i := range f.Tensors {
			if !yield(i, f.Info(i)) {
				return
			}
		}
	}
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
// sparse file can back any count with zeros: beyond this many (100 MB of
// format.Tensor), the slices grow as the entries actually parse.
const maxPrealloc = 1 << 20

// readTensorInfos reads n tensor infos straight into f.Tensors, the form
// the model keeps: names go into one arena, shapes into shared backing
// arrays, and the name index is sized from the count, so a tensor costs no
// allocation of its own, and nothing is parsed into one record to be
// copied into another.
func (p *parser) readTensorInfos(n uint64) error {
	r, f := p.r, p.f
	if n > math.MaxInt32 {
		return &format.Error{Offset: r.pos, Field: "tensor_count", Value: n, Limit: math.MaxInt32, Msg: "more tensors than this reader supports"}
	}
	pre := int(min(n, maxPrealloc))
	f.Tensors = prefault.Make[format.Tensor](0, pre)
	p.dims = make([]uint64, 0, max(256, 2*pre)) // written first, and no pointers: no prefault needed
	p.infosAt = r.pos
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
	// Offset is relative to the data section until layOut places it.
	f.Tensors = append(f.Tensors, format.Tensor{Name: p.arena.Add(name), Shape: p.addShape(dims[:nd]), DType: typ.DType(),
		Offset: int64(offset), Size: int64(size)})
	r.pos = entryAt + 8 + int64(nl) + 4 + 8*int64(nd) + 4 + 8
	// The name is added to the index with the rest of its batch
	// (addPending), not here.
	p.pendingAt[p.pending] = entryAt
	p.pending++
	return true
}

// addShape copies the dims d (innermost first) into the shared backing,
// outermost first, and returns that shape.
func (p *parser) addShape(d []uint64) []uint64 {
	if len(p.dims)+len(d) > cap(p.dims) {
		p.dims = make([]uint64, 0, max(256, 2*cap(p.dims)))
	}
	first := len(p.dims)
	p.dims = append(p.dims, d...)
	shape := p.dims[first:len(p.dims):len(p.dims)]
	slices.Reverse(shape)
	return shape
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
	t := format.Tensor{Name: p.arena.Add(name)}
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
	at = r.pos
	typ, err := r.u32()
	if err != nil {
		return withField(err, tensorField(t.Name, "type"))
	}
	size, err := p.checkType(t.Name, dims[:nd], typ, at, dimsAt)
	if err != nil {
		return err
	}
	at = r.pos
	offset, err := r.u64()
	if err != nil {
		return withField(err, tensorField(t.Name, "offset"))
	}
	if offset%f.Alignment != 0 {
		return &format.Error{Offset: at, Field: tensorField(t.Name, "offset"), Value: offset, Limit: f.Alignment,
			Msg: "offset is not a multiple of the alignment"}
	}
	// Offset is relative to the data section until layOut places it; one
	// past int64 wraps, and layOut finds it past the end of the file.
	t.Shape, t.DType, t.Offset, t.Size = p.addShape(dims[:nd]), GGMLType(typ).DType(), int64(offset), int64(size)
	f.Tensors = append(f.Tensors, t)
	if p.indexed {
		f.names.Insert(tag, slot, len(f.Tensors)-1)
	}
	return nil
}

// checkType validates the type id of the tensor name with dims (innermost
// first) and returns its byte size. at is the offset of the type field,
// dimsAt that of ne[0]. The field name for an error is built only when
// there is one.
func (p *parser) checkType(name string, dims []uint64, id uint32, at, dimsAt int64) (uint64, error) {
	field := func() string { return tensorField(name, "type") }
	if int32(id) < 0 {
		return 0, &format.Error{Offset: at, Field: field(), Value: int32(id), Msg: "negative ggml type id"}
	}
	typ := GGMLType(id)
	if !typ.Valid() {
		return 0, &format.Error{Offset: at, Field: field(), Value: id, Limit: uint32(NumGGMLTypes - 1), Msg: "unknown ggml type id"}
	}
	elements, ok := checked.Product(dims)
	if !ok || elements == math.MaxInt64 {
		return 0, &format.Error{Offset: dimsAt, Field: tensorField(name, "ne"), Value: fmt.Sprint(dims),
			Msg: "element count overflows int64"}
	}
	if typ.Removed() {
		p.warnf("tensor %s: ggml type %d (%s) has been removed from ggml; elements counted, byte size unverifiable",
			format.Quote(name), id, typ)
		return 0, nil
	}
	block := uint64(typ.BlockSize())
	ne0 := uint64(1)
	if len(dims) > 0 {
		ne0 = dims[0]
	}
	if ne0%block != 0 {
		// ggml today quantizes row by row and rejects this. Quantizers of
		// 2023 blocked the flattened tensor, and their files (stories260K
		// Q8_0, ffn_down with ne[0] = 172) are still around: when the
		// whole tensor is a whole number of blocks, count it and warn.
		if elements%block != 0 {
			return 0, &format.Error{Offset: at, Field: field(), Value: ne0, Limit: block,
				Msg: fmt.Sprintf("ne[0] is not a multiple of the %s block size", typ)}
		}
		p.warnf("tensor %s: ne[0] = %d is not a multiple of the %s block size %d (ggml rejects this; older quantizers blocked the flattened tensor)",
			format.Quote(name), ne0, typ, block)
	}
	size, ok := typ.DType().ByteSize(elements)
	if !ok {
		return 0, &format.Error{Offset: at, Field: field(), Value: elements,
			Msg: fmt.Sprintf("byte size of %s data overflows int64", typ)}
	}
	return size, nil
}

// layOut places the data section, checks every tensor's data against the
// file and against each other, and makes the tensors' offsets absolute.
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
	// One pass checks each tensor against the file, makes its offset
	// absolute and names its file.
	for i := range f.Tensors {
		t := &f.Tensors[i]
		begin, ok1 := checked.Add(start, uint64(t.Offset))
		end, ok2 := checked.Add(begin, uint64(t.Size))
		if !ok1 || !ok2 || end > uint64(f.Size) {
			return &format.Error{Offset: p.offsetAt(i), Field: tensorField(t.Name, "offset"), Value: uint64(t.Offset), Limit: uint64(f.Size) - start,
				Msg: fmt.Sprintf("data (%d bytes) extends past the end of the file", t.Size)}
		}
		t.Offset, t.File = int64(begin), f.named
	}
	return p.checkOverlap()
}

// offsetAt returns where tensor #i's offset field is, for an error found
// once the directory is read. The entries lie end to end from infosAt,
// and each one's size follows from its name and its number of dimensions,
// so the positions need not be kept for the rare file that has an error.
func (p *parser) offsetAt(i int) int64 {
	n := p.r.lenSize() // a name's length and a dimension are this wide
	at := p.infosAt
	for j := range i + 1 {
		t := &p.f.Tensors[j]
		at += n + int64(len(t.Name)) + 4 + n*int64(len(t.Shape)) + 4
		if j < i {
			at += 8
		}
	}
	return at
}

func alignUp(n, a uint64) (uint64, bool) {
	s, ok := checked.Add(n, a-1)
	return s &^ (a - 1), ok
}

// checkOverlap rejects tensors whose data share bytes, and warns when the
// tensors are not laid out the way ggml insists (contiguous, in directory
// order, each padded to the alignment), which the spec does not require.
// Offsets are absolute by now; messages give them relative to the data
// section, as the file stores them. The data section starts aligned, so
// ggml's padding lands on the same bytes either way.
func (p *parser) checkOverlap() error {
	f := p.f
	strict := true
	next := f.DataOffset
	for _, t := range f.Tensors {
		if !t.DType.Known() {
			strict = false // a removed type: the rest of the layout cannot be predicted
			break
		}
		if t.Offset != next {
			p.warnf("tensor %s: offset %d is not where ggml expects it (%d): tensors are not contiguous in directory order; ggml would reject this file",
				format.Quote(t.Name), t.Offset-f.DataOffset, next-f.DataOffset)
			strict = false
			break
		}
		n, _ := alignUp(uint64(t.Offset+t.Size), f.Alignment) // bounded by the file size above
		next = int64(n)
	}
	if strict {
		return nil // contiguous in order: no overlap possible
	}
	order := make([]int, 0, len(f.Tensors))
	for i, t := range f.Tensors {
		if t.DType.Known() && t.Size > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(f.Tensors[a].Offset, f.Tensors[b].Offset), cmp.Compare(f.Tensors[a].Size, f.Tensors[b].Size))
	})
	for k := 1; k < len(order); k++ {
		prev, cur := &f.Tensors[order[k-1]], &f.Tensors[order[k]]
		if cur.Offset < prev.Offset+prev.Size {
			return &format.Error{Offset: p.offsetAt(order[k]), Field: tensorField(cur.Name, "offset"), Value: uint64(cur.Offset - f.DataOffset), Limit: uint64(prev.Offset + prev.Size - f.DataOffset),
				Msg: fmt.Sprintf("data overlaps tensor %s", format.Quote(prev.Name))}
		}
	}
	return nil
}

// FormatTensors names file as the File of each tensor and returns the
// tensors: f.Tensors itself, not a copy, for a caller that keeps the
// list (a model) once the File is closed. The tensors of a File that Open
// opened already name its path.
func (f *File) FormatTensors(file string) []format.Tensor {
	if file != f.named {
		for i := range f.Tensors {
			f.Tensors[i].File = file
		}
		f.named = file
	}
	return f.Tensors
}
