package gguf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"os"
	"sync"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/names"
)

// A File is a parsed GGUF header.
type File struct {
	Version   uint32
	ByteOrder binary.ByteOrder
	// Alignment is general.alignment, or 32 when the key is absent.
	Alignment uint64
	// DataOffset is the absolute offset of the data section: the end of
	// the tensor infos rounded up to Alignment. Files without tensors
	// (vocabulary-only files) often end before it.
	DataOffset int64
	Size       int64 // file size in bytes
	Metadata   []KV  // in file order
	// Tensors is the tensor directory in file order, in the form every
	// reader gives: shapes outermost first, absolute offsets, and as File
	// the path Open opened (empty from NewFile; FormatTensors renames).
	// Info gives entry #i as GGUF stores it.
	Tensors []format.Tensor
	// Warnings lists things a strict reader such as ggml would reject or
	// that make a figure unverifiable, but that do not stop the count:
	// tensors of removed ggml types, long tensor names, tensors out of
	// ggml's padded order, BOOL bytes other than 0 and 1.
	Warnings []string

	r       io.ReaderAt
	closer  io.Closer
	named   string // the File of every tensor
	big     bool
	keys    map[string]int // key → index in Metadata
	dropped int            // warnings beyond maxWarnings

	// names finds a tensor by name. The parse proves the names distinct
	// without it (names.Distinct), so it is built by the first lookup,
	// unless the parse built it (an exact pass).
	names      names.Index
	namesBuilt bool
	namesOnce  sync.Once
}

// Header sizes: magic, version and two counts.
const (
	headerSizeV1 = 4 + 4 + 4 + 4
	headerSize   = 4 + 4 + 8 + 8
)

// Minimum encoded sizes, used to bound counts by the bytes remaining
// before anything is allocated for them. A KV is at least a key length,
// a one-byte key (empty keys are rejected), a type and a one-byte value; a
// tensor info is at least a name length, n_dims, type and offset.
const (
	minKV           = 8 + 1 + 4 + 1
	minKVV1         = 4 + 1 + 4 + 1
	minTensorInfo   = 8 + 4 + 4 + 8
	minTensorInfoV1 = 4 + 4 + 4 + 8
)

// Legacy ggml-family magics, as the u32 the old writers stored.
var legacyMagics = map[uint32]string{
	0x67676d6c: "ggml (unversioned GGML)",
	0x67676d66: "ggmf (GGMF)",
	0x67676a74: "ggjt (GGJT)",
	0x67676c61: "ggla (GGLA LoRA)",
}

// Open opens the named file read-only and parses its header. Errors are
// *format.Error values naming the file; one that cannot be opened reads
// as format.OpenRegular words it ("x.gguf: is a named pipe, not a regular
// file"), as from safetensors.Open.
//
// The header is read with positioned reads (pread) through the parser's
// reused window rather than through a memory map: mapping, faulting in and
// unmapping a file cost more than the header itself for most files
// (0.9 ms against 0.2 ms for a 1 MB GGUF), and a file truncated meanwhile
// gives a short read, not SIGBUS. Later array reads (EachArrayString, …)
// use the same open file.
func Open(name string) (*File, error) {
	f, fd, err := format.OpenAndParse(name, func(r *os.File, size int64) (*File, error) { return newFile(r, size, name) })
	if err != nil {
		return nil, err
	}
	f.closer = fd
	return f, nil
}

// NewFile parses the GGUF header readable from r, a file of size bytes.
//
// Every malformed input is rejected by an explicit check; there is no
// recover here, because a panic would be a bug that must show its stack
// (and the fuzz test's crash report), not hide behind a vague error.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, &format.Error{Offset: -1, Field: "size", Value: size, Msg: "negative file size"}
	}
	return newFile(r, size, "")
}

// newFile is NewFile, with name as the File of every tensor.
func newFile(r io.ReaderAt, size int64, name string) (*File, error) {
	p := &parser{r: newReader(r, size, windowSize), f: &File{Size: size, r: r, named: name}}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.f, nil
}

// Close closes the file opened by Open. It does nothing for a File
// made by NewFile.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	c := f.closer
	f.closer = nil
	return c.Close()
}

// Lookup returns the metadata value of key.
func (f *File) Lookup(key string) (KV, bool) {
	i, ok := f.keys[key]
	if !ok {
		return KV{}, false
	}
	return f.Metadata[i], true
}

// Tensor returns the tensor info named name.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	f.namesOnce.Do(func() {
		if !f.namesBuilt {
			f.names.NameOf = func(i int) string { return f.Tensors[i].Name }
			f.names.Init(len(f.Tensors))
			f.names.AddAll(len(f.Tensors), f.names.NameOf)
		}
	})
	i, ok := f.names.Lookup(name)
	if !ok {
		return TensorInfo{}, false
	}
	return f.Info(i), true
}

// Architecture returns general.architecture, or "" when it is absent or
// not a string.
func (f *File) Architecture() string {
	kv, _ := f.Lookup("general.architecture")
	s, _ := kv.String()
	return s
}

type parser struct {
	r     *reader
	f     *File
	arena names.Arena
	dims  []uint64 // backing of the tensors' shapes

	infosAt int64 // where the tensor directory starts (offsetAt)

	// pending tensors, the last of f.Tensors, are read but not yet in the
	// name index; pendingAt holds where each one's entry starts.
	pending   int
	pendingAt [names.MaxBatch]int64
	indexed   bool // names go into the index as they are read (readEntries)
}

// maxWarnings bounds Warnings, so a file with a million odd tensors does
// not produce a million messages.
const maxWarnings = 64

func (p *parser) warnf(msg string, args ...any) {
	if len(p.f.Warnings) < maxWarnings {
		p.f.Warnings = append(p.f.Warnings, fmt.Sprintf(msg, args...))
		return
	}
	p.f.dropped++
}

func (p *parser) parse() error {
	f, r := p.f, p.r
	if err := p.readMagic(); err != nil {
		return err
	}
	tensorCount, err := p.readCount("tensor_count")
	if err != nil {
		return err
	}
	kvCount, err := p.readCount("kv_count")
	if err != nil {
		return err
	}
	minKVSize, minInfoSize := int64(minKV), int64(minTensorInfo)
	if f.Version == 1 {
		minKVSize, minInfoSize = minKVV1, minTensorInfoV1
	}
	if limit := uint64(r.remaining() / minKVSize); kvCount > limit {
		return &format.Error{Offset: r.pos - r.lenSize(), Field: "kv_count", Value: kvCount, Limit: limit,
			Msg: "more key-value pairs than the remaining bytes can hold"}
	}
	if limit := uint64(r.remaining() / minInfoSize); tensorCount > limit {
		return &format.Error{Offset: r.pos - 2*r.lenSize(), Field: "tensor_count", Value: tensorCount, Limit: limit,
			Msg: "more tensors than the remaining bytes can hold"}
	}
	if err := p.readMetadata(kvCount); err != nil {
		return err
	}
	if err := p.readAlignment(); err != nil {
		return err
	}
	if limit := uint64(r.remaining() / minInfoSize); tensorCount > limit {
		return &format.Error{Offset: r.pos, Field: "tensor_count", Value: tensorCount, Limit: limit,
			Msg: "more tensors than the bytes after the metadata can hold"}
	}
	if err := p.readTensorInfos(tensorCount); err != nil {
		return err
	}
	if err := p.layOut(); err != nil {
		return err
	}
	if f.dropped > 0 {
		f.Warnings = append(f.Warnings, fmt.Sprintf("%d more warnings not shown", f.dropped))
	}
	return nil
}

// readMagic reads the magic and version and settles the byte order.
func (p *parser) readMagic() error {
	f, r := p.f, p.r
	if f.Size < 8 {
		return &format.Error{Offset: 0, Field: "header", Value: f.Size, Limit: headerSizeV1, Msg: "file too short for a GGUF header"}
	}
	b, err := r.peek(8)
	if err != nil {
		return withField(err, "magic")
	}
	magic := string(b[:4])
	le, be := binary.LittleEndian.Uint32(b[4:]), binary.BigEndian.Uint32(b[4:])
	switch magic {
	case "GGUF":
		f.Version = le
		// Older big-endian writers kept the magic little-endian and
		// swapped everything else: the version then has its low half
		// zero, which no real version has.
		if le&0xFFFF == 0 && le != 0 {
			f.Version, r.big = bits.ReverseBytes32(le), true
		}
	case "FUGG":
		f.Version, r.big = be, true
	default:
		m := binary.LittleEndian.Uint32(b[:4])
		if name, ok := legacyMagics[m]; ok {
			return &format.Error{Offset: 0, Field: "magic", Value: magic, Msg: "legacy " + name + " file, not GGUF; convert it with llama.cpp"}
		}
		if name, ok := legacyMagics[bits.ReverseBytes32(m)]; ok {
			return &format.Error{Offset: 0, Field: "magic", Value: magic, Msg: "legacy " + name + " file, not GGUF; convert it with llama.cpp"}
		}
		return &format.Error{Offset: 0, Field: "magic", Value: magic, Limit: "GGUF", Msg: "not a GGUF file"}
	}
	switch {
	case f.Version == 0:
		return &format.Error{Offset: 4, Field: "version", Value: f.Version, Msg: "version 0 is invalid"}
	case f.Version > 3:
		return &format.Error{Offset: 4, Field: "version", Value: f.Version, Limit: 3, Msg: "unsupported GGUF version"}
	}
	need := int64(headerSize)
	if f.Version == 1 {
		need = headerSizeV1
	}
	if f.Size < need {
		return &format.Error{Offset: 0, Field: "header", Value: f.Size, Limit: need,
			Msg: fmt.Sprintf("file too short for a GGUF v%d header", f.Version)}
	}
	r.wide = f.Version >= 2
	r.pos = 8
	f.ByteOrder = r.order()
	f.big = r.big
	return nil
}

// readCount reads tensor_count or kv_count. ggml reads them as int64, so
// a value with the top bit set is a negative count.
func (p *parser) readCount(field string) (uint64, error) {
	at := p.r.pos
	n, err := p.r.count()
	if err != nil {
		return 0, withField(err, field)
	}
	if int64(n) < 0 {
		return 0, &format.Error{Offset: at, Field: field, Value: int64(n), Msg: "negative count"}
	}
	return n, nil
}

// maxAlignment caps general.alignment. ggml sets no bound, which lets a
// hostile value make padding arithmetic wrap; 1 MiB is the cap proposed
// upstream (ggml PR #1516, llama.cpp PR #24997) and far above the 32 that
// every writer uses.
const maxAlignment = 1 << 20

const defaultAlignment = 32

func (p *parser) readAlignment() error {
	f := p.f
	f.Alignment = defaultAlignment
	kv, ok := f.Lookup("general.alignment")
	if !ok {
		return nil
	}
	if kv.Type != TypeUint32 {
		return &format.Error{Offset: kv.Offset, Field: "general.alignment", Value: kv.describe(), Limit: "UINT32",
			Msg: "alignment must be a UINT32"}
	}
	a := kv.bits
	switch {
	case a == 0:
		return &format.Error{Offset: kv.Offset, Field: "general.alignment", Value: a, Msg: "alignment is zero"}
	case a&(a-1) != 0:
		return &format.Error{Offset: kv.Offset, Field: "general.alignment", Value: a, Msg: "alignment is not a power of two"}
	case a > maxAlignment:
		return &format.Error{Offset: kv.Offset, Field: "general.alignment", Value: a, Limit: maxAlignment, Msg: "alignment too large"}
	}
	f.Alignment = a
	return nil
}

// withField names the field of a reader error.
func withField(err error, field string) error {
	if e, ok := err.(*format.Error); ok && e.Field == "" {
		e.Field = field
	}
	return err
}

// keyField renders a key or tensor name for an error's Field: as is when
// it is plain printable ASCII, quoted otherwise, so that a hostile name
// cannot write control characters to a terminal.
func keyField(s string) string {
	if len(s) == 0 || len(s) > 120 {
		return format.Quote(s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return format.Quote(s)
		}
	}
	return s
}
