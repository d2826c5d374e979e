package safetensors

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/tensorcount/tensorcount/format"
)

// MaxHeaderSize is the largest JSON header accepted, in bytes. It is the
// reference reader's limit (100 MB); the reference writer refuses to write
// anything larger, so a bigger header was not made by it.
const MaxHeaderSize = 100_000_000

// speculativeRead is how much of a file the first read takes. Almost every
// real header is smaller (gpt2's is 14 KB, a Qwen3 shard's 20 KB), so one
// read usually gets the length prefix and the whole header.
const speculativeRead = 64 << 10

// A File is the parsed header of one safetensors file.
type File struct {
	// HeaderSize is N, the JSON header's length in bytes as the file
	// states it (including any padding).
	HeaderSize uint64
	// DataOffset is where the data buffer starts: 8 + N.
	DataOffset int64
	// Size is the file's length in bytes.
	Size int64
	// Metadata is the __metadata__ map, nil when the member is absent or
	// null (MetadataNull tells which).
	Metadata     map[string]string
	MetadataNull bool
	// Tensors lists the tensors in header order. Offsets are absolute.
	Tensors []format.Tensor
	// Notes says what the header contains that the reader accepted but a
	// careful user may want to know (members it ignored, an unpadded
	// header).
	Notes []string

	closer io.Closer
	// list, when set, builds Tensors, in the memory the function given
	// returns for them: a set's shard parsed before the set's list was
	// laid out waits for it (tensorSlab.finish).
	list func(mem func(n int) []format.Tensor)
}

// Open opens the named file read-only and parses its header. Errors are
// *format.Error values naming the file; one that cannot be opened reads
// as format.OpenRegular words it ("x.safetensors: is a named pipe, not a
// regular file"), as from gguf.Open.
//
// The header is read with positioned reads (pread), not through a memory
// map: a header is read once, front to back, and for a 163-shard
// checkpoint mapping and unmapping every shard and faulting its header
// pages in cost more than the two reads per shard (measured: 130–250 ms
// against 90–110 ms for the whole set). A file truncated meanwhile gives a
// short read, hence an error, never SIGBUS. The few tensor pages a tie
// check compares are read with positioned reads too (scan.Source).
func Open(name string) (*File, error) {
	f, fd, err := format.OpenAndParse(name, func(r *os.File, size int64) (*File, error) { return newFile(r, size, name) })
	if err != nil {
		return nil, err
	}
	f.closer = fd
	return f, nil
}

// NewFile parses the header of a safetensors file of the given size read
// through r. The tensors' File field is left empty.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	return newFile(r, size, "")
}

// Close releases the file if Open opened it.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	c := f.closer
	f.closer = nil
	return c.Close()
}

func newFile(r io.ReaderAt, size int64, name string) (*File, error) {
	return newFileWith(r, size, name, parseOptions{})
}

// parseOptions change how a header is parsed.
type parseOptions struct {
	// generalOnly parses with the general path alone: the tests compare
	// it with the specialised scanner.
	generalOnly bool
	// inSet parses a shard of a Set, whose check finds a name a shard
	// stores twice (and then parses the shard again, with this check, for
	// its exact error): the shard's own check for it is skipped.
	inSet bool
	// tensors, when set, gives the memory for the list of n tensors, or
	// nil to have the list built later (File.list).
	tensors func(n int) []format.Tensor
	// mem, when set, gives the memory the parse keeps (a big set's).
	mem *shardMemory
}

func newFileWith(r io.ReaderAt, size int64, name string, opt parseOptions) (*File, error) {
	fast := !opt.generalOnly
	buf := headerBuffers.Get().(*[]byte)
	defer recycleHeader(buf)
	n, err := readHeaderLength(r, size, buf)
	if err != nil {
		return nil, err
	}
	f := &File{HeaderSize: n, DataOffset: 8 + int64(n), Size: size}
	// A header too big to recycle is read a window at a time: whole, it
	// would be in memory with the tensor list built from it (a
	// million-tensor header is 77 MB, its list 104 MB), the peak of the
	// whole count. Only a header the specialised scanner gives up on is
	// read whole, for the general path.
	windowed := false
	if fast && n > maxRecycled {
		ok, err := f.parseWindowed(r, n, name, *buf, opt)
		if err != nil {
			return nil, err
		}
		windowed = ok
	}
	if !windowed {
		hdr, err := readHeaderText(r, n, buf)
		if err != nil {
			return nil, err
		}
		release := func() {
			if cap(*buf) > maxRecycled {
				*buf = nil
			}
		}
		if err := f.parseHeader(hdr, name, fast && n <= maxRecycled, opt, release); err != nil {
			return nil, err
		}
	}
	if n%8 != 0 {
		f.Notes = append(f.Notes, "the header is not padded to a multiple of 8 bytes, so the data is not 8-byte aligned (early safetensors versions and MLX write headers so)")
	}
	return f, nil
}

// headerBuffers recycles header buffers between files: the parse copies
// out everything it keeps (names become strings), and a sharded
// checkpoint would otherwise allocate a fresh buffer for every shard.
var headerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, speculativeRead); return &b }}

// maxRecycled is the largest header buffer kept for the next file: shard
// headers are a few megabytes at most, and keeping one of a single file's
// 77 MB header alive for a file that may never come would hold that much
// memory through the whole count.
const maxRecycled = 16 << 20

func recycleHeader(buf *[]byte) {
	if c := cap(*buf); c >= speculativeRead && c <= maxRecycled {
		headerBuffers.Put(buf)
	}
}

// readHeaderLength reads the length prefix and checks it against the file
// size. The first read takes speculativeRead bytes, usually the whole
// header, and leaves them in *buf for readHeaderText.
func readHeaderLength(r io.ReaderAt, size int64, buf *[]byte) (uint64, error) {
	if size < 8 {
		return 0, &format.Error{Offset: 0, Field: "header length", Value: size, Limit: 8,
			Msg: "file is shorter than the 8-byte header length"}
	}
	if cap(*buf) < speculativeRead {
		*buf = make([]byte, 0, speculativeRead)
	}
	first := (*buf)[:min(size, speculativeRead)]
	if err := readFull(r, first, 0); err != nil {
		return 0, err
	}
	*buf = first
	n := binary.LittleEndian.Uint64(first)
	switch {
	case n == 0:
		return 0, &format.Error{Offset: 0, Field: "header length", Value: n,
			Msg: "header is empty, so it cannot hold the JSON object"}
	case n > MaxHeaderSize:
		return 0, &format.Error{Offset: 0, Field: "header length", Value: n, Limit: MaxHeaderSize,
			Msg: "header is larger than the format allows"}
	case n > uint64(size-8):
		return 0, &format.Error{Offset: 0, Field: "header length", Value: n, Limit: size - 8,
			Msg: "header runs past the end of the file"}
	}
	return n, nil
}

// readHeaderText returns the n header bytes after the length prefix,
// reading what readHeaderLength left in *buf did not hold and growing
// *buf for it. The result is valid until *buf is reused.
func readHeaderText(r io.ReaderAt, n uint64, buf *[]byte) ([]byte, error) {
	first := *buf
	if 8+n <= uint64(len(first)) {
		return first[8 : 8+n], nil
	}
	// The rest of a larger header goes after what the first read got.
	if uint64(cap(*buf)) < 8+n {
		grown := make([]byte, 8+n)
		copy(grown, first)
		*buf = grown[:0]
	}
	all := (*buf)[:8+n]
	if err := readFull(r, all[len(first):], int64(len(first))); err != nil {
		return nil, err
	}
	return all[8:], nil
}

// readFull reads len(p) bytes at off, turning a short read into an error
// that says where the file ended.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &format.Error{Offset: off + int64(n), Msg: "cannot read the header", Err: err}
}
