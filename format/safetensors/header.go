package safetensors

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/checked"
	"github.com/tensorcount/tensorcount/internal/names"
	"github.com/tensorcount/tensorcount/internal/prefault"
)

// entry is a tensor as the header describes it, before validation: 56
// bytes (a million-tensor header holds a million of them at once).
type entry struct {
	name       string   // a substring of the parser's name arena
	begin, end uint64   // data_offsets, relative to the data buffer
	at         int64    // absolute offset of the entry's name, for errors
	dims       [2]int32 // span of the shape in the shared dims slice
	dtype      uint8    // index into dtypeByID
}

// headerParser reads the JSON header with the specialised scanner of
// fast.go, or when that gives up, with a strict streaming tokenizer; both
// reject invalid UTF-8 that encoding/json would silently replace.
// Duplicate member names, which encoding/json also accepts (last value
// wins), are rejected at every level.
type headerParser struct {
	dec     *jsontext.Decoder
	base    int64 // file offset of the header's first byte
	dims    []uint64
	entries []entry
	unknown int // tensor-object members the reference reader also ignores
	hdr     []byte
	arena   names.Arena

	sawMetadata bool
	lastDType   uint8 // the scanner's last dtype
	prevDType   uint8 // and the one before it
	// uniqueByCaller: the caller checks that no tensor name repeats
	// (a Set's check), so the layout does not.
	uniqueByCaller bool

	order   []int32  // the entries by offset, in the layout
	scratch *scratch // where entries and order came from, if recycled
	// mem, when set, is where names, shapes and new entries are carved
	// from (parseOptions.mem); the shapes are parsed into parseDims, a
	// recycled buffer, and copied there.
	mem       *shardMemory
	parseDims []uint64

	tensors func(n int) []format.Tensor // parseOptions.tensors
}

// parseHeader fills f.Tensors and f.Metadata from the header bytes hdr.
// The specialised scanner is tried first only if fast is set (the tests
// compare the two paths). done, when not nil, is called once the header
// bytes are no longer needed, before the layout checks build the tensor
// list, so that a big header's buffer can be let go of first.
func (f *File) parseHeader(hdr []byte, name string, fast bool, opt parseOptions, done func()) error {
	// Duplicate names are checked here rather than by the tokenizer: its
	// general-purpose check cost a sixth of the parse time, while these
	// checks ride on work done anyway (a sort, the metadata map, the member
	// flags).
	p := newHeaderParser(len(hdr), bytes.Count(hdr, []byte{'{'}), opt)
	p.hdr = hdr
	// The specialised scanner takes every header of the usual shape; on
	// anything else, or any error, the general path parses the header
	// again from the start, so that its messages and its handling of
	// unusual input stay as they are.
	if !fast || !p.fast(f, &scanner{b: hdr}) {
		f.Metadata, f.MetadataNull = nil, false
		p.entries, p.dims = p.entries[:0], p.dims[:0]
		p.sawMetadata = false
		if err := p.general(f); err != nil {
			return err
		}
	}
	p.note(f)
	p.hdr = nil // names are in the arena; the layout needs only the entries
	if done != nil {
		done()
	}
	return p.layout(f, name)
}

// newHeaderParser sizes a parser for a header of n bytes holding braces
// '{' bytes.
func newHeaderParser(n, braces int, opt parseOptions) *headerParser {
	p := &headerParser{base: 8, uniqueByCaller: opt.inSet, tensors: opt.tensors, mem: opt.mem}
	// Real entries take 100–150 bytes of JSON and have 2–3 dimensions;
	// sizing the slices from the header (never from a count the header
	// claims) spares the regrowth copies, which were a sixth of the
	// allocation of a sharded checkpoint.
	// Every entry is an object, so the count of '{' bounds the entries
	// (names may hold braces too): a vectorised byte count, cheaper than
	// the regrowth copies a guess from the length cost a million-tensor
	// header. (Counting "data_offsets" instead cost a tenth of the parse.)
	sc, _ := layoutScratch.Get().(*scratch)
	switch {
	case sc != nil && cap(sc.entries) >= braces:
		p.scratch = sc
		p.entries = sc.entries[:0]
	case p.mem != nil:
		p.entries = p.mem.entriesFor(braces)
	default:
		p.entries = prefault.Make[entry](0, braces)
	}
	// The shapes are written before anything reads them and hold no
	// pointers for the collector to scan, so, unlike the entries, they
	// need no prefault: only the pages used fault in.
	if dims := n/32 + 1; p.mem != nil && p.scratch != nil && cap(p.scratch.dims) >= dims {
		p.dims = p.scratch.dims[:0]
	} else {
		p.dims = make([]uint64, 0, dims)
	}
	// Names are about a third of a real header: a first arena chunk of
	// half the header holds them all, where chunks growing from 4 KiB
	// allocated about twice the names of a shard.
	if p.mem != nil {
		p.arena.Use(p.mem.namesFor(n / 2))
	} else {
		p.arena.Reserve(n / 2)
	}
	return p
}

// parseWindowed parses a header of n bytes from r a window at a time,
// with the specialised scanner alone: a big header is then never in
// memory whole, only the entries and names taken from it. read is what
// the file's first read got (the length prefix and the header's start),
// which is not read again. ok is false, with f as it was, when the
// scanner gives up; the caller then reads the header whole for the
// general path.
func (f *File) parseWindowed(r io.ReaderAt, n uint64, name string, read []byte, opt parseOptions) (ok bool, err error) {
	// The entries are sized from the braces of the first window, scaled
	// to the whole header (a header's entries are much alike), not from
	// a count of the whole: that would read the header twice, over HTTP
	// for a remote file.
	window := make([]byte, indexWindow)
	first := window[:min(int64(len(window)), int64(n))]
	have := copy(first, read[min(8, len(read)):])
	if err := readFull(r, first[have:], 8+int64(have)); err != nil {
		return false, err
	}
	braces := uint64(bytes.Count(first, []byte{'{'}))
	p := newHeaderParser(int(n), int(braces*n/uint64(len(first))+braces/16+16), opt)
	g := *f
	s := &scanner{src: r, start: 8, end: 8 + int64(len(first)), size: 8 + int64(n), buf: window, b: first}
	if !p.fast(&g, s) {
		return false, nil
	}
	*f = g
	p.note(f)
	return true, p.layout(f, name)
}

// note records on f what the parse passed over.
func (p *headerParser) note(f *File) {
	if p.unknown > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("%d unknown members inside tensor entries were ignored, as the reference reader ignores them", p.unknown))
	}
}

// general parses the header through the tokenizer.
func (p *headerParser) general(f *File) error {
	p.dec = jsontext.NewDecoder(bytes.NewBuffer(p.hdr), jsontext.AllowDuplicateNames(true))
	return p.parse(f)
}

func (p *headerParser) parse(f *File) error {
	// The tokenizer reads the whole header as one value, checking its
	// syntax, its UTF-8 and its nesting depth in a single pass at several
	// hundred MB/s; the members are then picked out of the validated bytes
	// by a cursor. Reading member by member through the tokenizer instead
	// made parsing several times slower.
	v, err := p.dec.ReadValue()
	if err != nil {
		return p.syntaxError(err, "header")
	}
	lead := int64(len(p.hdr) - len(bytes.TrimLeft(p.hdr, " \t\r\n")))
	if v.Kind() != '{' {
		return &format.Error{Offset: p.base + lead, Field: "header",
			Value: v.Kind().String(), Msg: "header is not a JSON object"}
	}
	// Only whitespace may follow the object: NUL padding, a second object
	// or any other trailing bytes are rejected, as by the reference reader.
	if _, err := p.dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = errors.New("unexpected data after the header object")
		}
		return p.syntaxError(err, "header")
	}
	o := cursor{b: v, base: p.base + lead, i: 1}
	for o.member() {
		at := o.at()
		key := o.skip()
		o.colon()
		if string(key) == `"__metadata__"` || bytes.IndexByte(key, '\\') >= 0 && memberName(key) == "__metadata__" {
			if p.sawMetadata {
				return &format.Error{Offset: at, Field: "__metadata__", Msg: "duplicate object member name"}
			}
			p.sawMetadata = true
			if err := metadata(f, &o); err != nil {
				return err
			}
			continue
		}
		var name string
		if bytes.IndexByte(key, '\\') < 0 {
			name = p.arena.Add(key[1 : len(key)-1])
		} else {
			name = memberName(key)
		}
		if err := p.tensor(name, at, &o); err != nil {
			return err
		}
	}
	return nil
}

func metadata(f *File, o *cursor) error {
	at := o.at()
	switch o.b[o.i] {
	case 'n':
		o.skip()
		f.MetadataNull = true
		return nil
	case '{':
	default:
		v := o.skip()
		return &format.Error{Offset: at, Field: "__metadata__", Value: jsontext.Value(v).Kind().String(),
			Msg: "must be an object of strings or null"}
	}
	o.i++
	f.Metadata = map[string]string{}
	for o.member() {
		keyAt := o.at()
		k := memberName(o.skip())
		o.colon()
		if _, dup := f.Metadata[k]; dup {
			return &format.Error{Offset: keyAt, Field: "__metadata__." + k, Msg: "duplicate object member name"}
		}
		at := o.at()
		v := o.skip()
		if v[0] != '"' {
			return &format.Error{Offset: at, Field: "__metadata__." + k, Value: jsontext.Value(v).Kind().String(),
				Msg: "metadata values must be strings"}
		}
		f.Metadata[k] = memberName(v)
	}
	return nil
}

// tensor parses one tensor object: {"dtype":..., "shape":[...],
// "data_offsets":[b, e]}. The tokenizer reads the whole object as one
// value, checking its syntax and UTF-8; the members are then picked out of
// those validated bytes by a small cursor, which halves the parse time
// against reading every token through the tokenizer.
func (p *headerParser) tensor(name string, at int64, o *cursor) error {
	field := lazyField(name).field
	if o.b[o.i] != '{' {
		start := o.at()
		v := o.skip()
		return &format.Error{Offset: start, Field: field(""), Value: jsontext.Value(v).Kind().String(),
			Msg: "tensor entry must be an object"}
	}
	o.i++
	e := entry{name: name, at: at}
	var haveDType, haveShape, haveOffsets bool
	for o.member() {
		keyAt := o.at()
		key := o.skip()
		o.colon()
		// Member names are compared exactly, as the reference reader's
		// serde does: "DTYPE" is not "dtype". The raw bytes are compared
		// first (no allocation); only an escaped spelling is unquoted.
		var member string
		switch string(key) {
		case `"dtype"`:
			member = "dtype"
		case `"shape"`:
			member = "shape"
		case `"data_offsets"`:
			member = "data_offsets"
		default:
			member = memberName(key)
		}
		var seen *bool
		switch member {
		case "dtype":
			seen = &haveDType
		case "shape":
			seen = &haveShape
		case "data_offsets":
			seen = &haveOffsets
		default:
			p.unknown++
			o.skip()
			continue
		}
		if *seen {
			return &format.Error{Offset: keyAt, Field: field(""), Value: member, Msg: "duplicate member"}
		}
		*seen = true
		switch member {
		case "dtype":
			if err := dtype(&e, o, field); err != nil {
				return err
			}
		case "shape":
			first := len(p.dims)
			if err := p.uints(o, field, ".shape", -1); err != nil {
				return err
			}
			e.dims = [2]int32{int32(first), int32(len(p.dims))}
		case "data_offsets":
			first := len(p.dims)
			if err := p.uints(o, field, ".data_offsets", 2); err != nil {
				return err
			}
			e.begin, e.end = p.dims[first], p.dims[first+1]
			p.dims = p.dims[:first]
		}
	}
	for _, m := range []struct {
		ok   bool
		name string
	}{{haveDType, "dtype"}, {haveShape, "shape"}, {haveOffsets, "data_offsets"}} {
		if !m.ok {
			return &format.Error{Offset: at, Field: field(""), Msg: "missing member " + format.Quote(m.name)}
		}
	}
	p.entries = append(p.entries, e)
	return nil
}

func dtype(e *entry, o *cursor, field func(string) string) error {
	at := o.at()
	v := o.skip()
	if v[0] != '"' {
		return &format.Error{Offset: at, Field: field(".dtype"), Value: string(v), Msg: "dtype must be a string"}
	}
	d, ok := dtypeIDs[string(v[1:len(v)-1])] // the lookup does not allocate
	if !ok {
		d, ok = dtypeIDs[memberName(v)] // an escaped spelling
	}
	if !ok {
		return &format.Error{Offset: at, Field: field(".dtype"), Value: memberName(v),
			Msg: "unknown dtype (names are case-sensitive: BF16, F16, F32, F8_E4M3, …)"}
	}
	e.dtype = d
	return nil
}

// uints reads an array of non-negative integers onto p.dims. want is the
// required length, or -1 for any.
func (p *headerParser) uints(o *cursor, fieldOf func(string) string, member string, want int) error {
	at := o.at()
	if o.b[o.i] != '[' {
		v := o.skip()
		return &format.Error{Offset: at, Field: fieldOf(member), Value: jsontext.Value(v).Kind().String(), Msg: "must be an array of integers"}
	}
	o.i++
	n := 0
	for {
		o.space()
		if o.b[o.i] == ']' {
			o.i++
			break
		}
		if o.b[o.i] == ',' {
			o.i++
			o.space()
		}
		vat := o.at()
		v := o.skip()
		u, ok := parseUint(v)
		if !ok {
			return &format.Error{Offset: vat, Field: fmt.Sprintf("%s[%d]", fieldOf(member), n), Value: string(v),
				Msg: "must be a non-negative integer below 2^64 without fraction or exponent"}
		}
		p.dims = append(p.dims, u)
		n++
	}
	if want >= 0 && n != want {
		return &format.Error{Offset: at, Field: fieldOf(member), Value: n, Limit: want, Msg: "wrong number of elements"}
	}
	return nil
}

// layout checks every tensor's byte size against its shape and dtype and
// the byte ranges against each other and the file, then builds f.Tensors.
func (p *headerParser) layout(f *File, name string) error {
	// The tensors' shapes are kept as slices of p.dims, which was sized
	// from a guess at the header's dimensions: a copy of just what is
	// used keeps a big header from holding twice its shapes' memory.
	switch {
	case p.mem != nil:
		shapes := p.mem.dimsFor(len(p.dims))
		copy(shapes, p.dims)
		p.parseDims, p.dims = p.dims[:0], shapes
	case cap(p.dims) > len(p.dims)+len(p.dims)/4+1024:
		p.dims = slices.Clone(p.dims)
	}
	defer func() {
		if f.list == nil {
			p.recycle()
		}
	}()
	if p.scratch == nil || cap(p.scratch.order) < len(p.entries) {
		p.order = make([]int32, len(p.entries))
	} else {
		p.order = p.scratch.order[:len(p.entries)]
	}
	order := p.order
	for i := range order {
		order[i] = int32(i)
	}
	// The names' hashes prove them distinct (names.Distinct); only when
	// two may repeat does a table sized from the entries find the first
	// that does. A table for every header cost a tenth of a
	// million-tensor parse, and sorting the names a sixth.
	if !p.uniqueByCaller && !names.Distinct(len(p.entries), func(i int) string { return p.entries[i].name }) {
		idx := names.Index{NameOf: func(i int) string { return p.entries[i].name }}
		idx.Init(len(p.entries))
		if dup := idx.AddAll(len(p.entries), idx.NameOf); dup >= 0 {
			e := &p.entries[dup]
			return &format.Error{Offset: e.at, Field: "tensor " + format.Quote(e.name),
				Msg: "duplicate object member name: the tensor is described twice"}
		}
	}
	for i := range p.entries {
		e := &p.entries[i]
		field := lazyField(e.name).field
		shape := p.dims[e.dims[0]:e.dims[1]]
		dt := dtypeByID[e.dtype]
		elements, ok := checked.Product(shape)
		if !ok {
			return &format.Error{Offset: e.at, Field: field(".shape"), Value: fmt.Sprint(shape),
				Limit: "2^63-1 elements", Msg: "shape product overflows"}
		}
		size, ok := dt.ByteSize(elements)
		if !ok {
			if elements%uint64(dt.BlockSize) != 0 {
				return &format.Error{Offset: e.at, Field: field(".shape"), Value: elements,
					Msg: fmt.Sprintf("%d elements of %s do not fill a whole number of bytes", elements, dt.Name)}
			}
			return &format.Error{Offset: e.at, Field: field(".shape"), Value: elements,
				Msg: "byte size of the shape overflows"}
		}
		if e.end < e.begin {
			return &format.Error{Offset: e.at, Field: field(".data_offsets"), Value: fmt.Sprintf("[%d, %d]", e.begin, e.end),
				Msg: "end is before begin"}
		}
		if e.end-e.begin != size {
			return &format.Error{Offset: e.at, Field: field(".data_offsets"), Value: e.end - e.begin, Limit: size,
				Msg: fmt.Sprintf("byte range does not match %s × %s", fmt.Sprint(shape), dt.Name)}
		}
	}
	slices.SortFunc(order, func(a, b int32) int {
		ea, eb := &p.entries[a], &p.entries[b]
		if ea.begin != eb.begin {
			return cmpU64(ea.begin, eb.begin)
		}
		return cmpU64(ea.end, eb.end)
	})
	// Every data byte must belong to exactly one tensor: no gap, no
	// overlap, starting at 0. Overlapping ranges would let a small file
	// describe a huge model by reusing the same bytes.
	var cursor uint64
	prev := -1
	for _, i := range order {
		e := &p.entries[i]
		field := lazyField(e.name).field
		switch {
		case e.begin > cursor:
			return &format.Error{Offset: e.at, Field: field(".data_offsets"), Value: e.begin, Limit: cursor,
				Msg: fmt.Sprintf("gap of %d bytes before this tensor (data must be contiguous from 0)", e.begin-cursor)}
		case e.begin < cursor:
			q := &p.entries[prev]
			return &format.Error{Offset: e.at, Field: field(".data_offsets"), Value: e.begin, Limit: cursor,
				Msg: fmt.Sprintf("its bytes %d–%d overlap %s's bytes %d–%d by %d bytes", e.begin, e.end, format.Quote(q.name), q.begin, q.end, cursor-e.begin)}
		}
		cursor = e.end
		prev = int(i)
	}
	want, ok := checked.Add(uint64(f.DataOffset), cursor)
	if !ok || want != uint64(f.Size) {
		msg := "file is longer than header and data (trailing bytes)"
		if !ok || want > uint64(f.Size) {
			msg = "file is shorter than header and data (truncated)"
		}
		return &format.Error{Offset: f.Size, Field: "file size", Value: f.Size, Limit: fmt.Sprintf("8 + %d + %d", f.HeaderSize, cursor), Msg: msg}
	}
	var dst []format.Tensor
	if p.tensors != nil {
		if dst = p.tensors(len(p.entries)); dst == nil {
			// The entries are kept, not recycled, until the list is built.
			f.list = func(mem func(int) []format.Tensor) { p.list(f, name, mem(len(p.entries))) }
			return nil
		}
	}
	p.list(f, name, dst)
	return nil
}

// list builds f.Tensors from the entries, into dst when it is not nil.
func (p *headerParser) list(f *File, name string, dst []format.Tensor) {
	if dst == nil {
		dst = prefault.Make[format.Tensor](len(p.entries), len(p.entries))
	}
	f.Tensors = dst
	for i := range p.entries {
		e := &p.entries[i]
		f.Tensors[i] = format.Tensor{
			Name:   e.name,
			Shape:  p.dims[e.dims[0]:e.dims[1]:e.dims[1]],
			DType:  dtypeByID[e.dtype],
			File:   name,
			Offset: f.DataOffset + int64(e.begin),
			Size:   int64(e.end - e.begin),
		}
	}
	f.list = nil
}

// scratch is a header parse's working memory, the entries and their
// order, which a parse hands to the next once its tensor list is built:
// the shards of a set are parsed one after another on a few goroutines,
// and without it each shard's tables were memory fresh from the system,
// a page fault a page (DeepSeek-V3's 163 shards: 6 MB).
type scratch struct {
	entries []entry
	order   []int32
	dims    []uint64 // a big set's shards' (headerParser.parseDims)
}

var layoutScratch sync.Pool

// maxScratch is the most entries a parse hands on: a bigger header is
// one of a kind, and its tables are not kept for a next that may never
// come.
const maxScratch = 1 << 16

// recycle hands the parser's entries and order to the next parse.
func (p *headerParser) recycle() {
	if cap(p.entries) > maxScratch {
		return
	}
	sc := p.scratch
	if sc == nil {
		sc = &scratch{}
	}
	sc.entries, sc.order = p.entries[:0], p.order[:0]
	if p.parseDims != nil {
		sc.dims = p.parseDims
	}
	p.entries, p.order, p.scratch, p.parseDims = nil, nil, nil, nil
	layoutScratch.Put(sc)
}

// lazyField names a member of a tensor's entry for an error message. The
// name is quoted only when an error needs it: quoting every name of a
// 100,000-tensor header up front cost more than parsing it, and so did a
// closure per tensor.
type lazyField string

func (name lazyField) field(member string) string {
	return "tensor " + format.Quote(string(name)) + member
}

// syntaxError converts a tokenizer error into a *format.Error with the
// absolute offset and the JSON pointer of the failing value.
func (p *headerParser) syntaxError(err error, field string) error {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		f := field
		if se.JSONPointer != "" {
			f = "header JSON at " + format.Quote(string(se.JSONPointer))
		}
		msg := "invalid JSON: " + se.Err.Error()
		if errors.Is(se.Err, io.ErrUnexpectedEOF) {
			msg = "header JSON ends early"
		}
		return &format.Error{Offset: p.base + se.ByteOffset, Field: f, Msg: msg}
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return &format.Error{Offset: p.base + p.dec.InputOffset(), Field: field, Msg: "header JSON ends early"}
	}
	return &format.Error{Offset: p.base + p.dec.InputOffset(), Field: field, Msg: "invalid JSON", Err: err}
}
