package pytorch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pickle"
	"github.com/tensorcount/tensorcount/internal/checked"
)

// legacyMagic is the first pickle of a legacy stream.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// window reads the leading bytes of a stream on demand, doubling, so that
// the pickles are read and the storages after them are not (beyond the
// last doubling).
type window struct {
	r    io.ReaderAt
	size int64
	buf  []byte
}

const firstWindow = 4 << 10

// parse parses the pickle starting at pos, reading more of the file as
// long as the pickle runs past what has been read.
func (w *window) parse(pos int64) (*pickle.Result, error) {
	for {
		if pos > int64(len(w.buf)) {
			return nil, &format.Error{Offset: pos, Field: "pickle", Msg: "pickle starts past the end of the file"}
		}
		res, err := pickle.Parse(w.buf[pos:], &pickle.Options{Base: pos})
		if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || int64(len(w.buf)) == w.size {
			return res, err
		}
		if len(w.buf) >= MaxPickleSize {
			return nil, &format.Error{Offset: 0, Field: "pickle", Limit: MaxPickleSize, Msg: "leading pickles are too large"}
		}
		n := min(w.size, int64(max(2*len(w.buf), firstWindow)), MaxPickleSize)
		grown := make([]byte, n)
		copy(grown, w.buf)
		if err := readAt(w.r, grown[len(w.buf):], int64(len(w.buf))); err != nil {
			return nil, err
		}
		w.buf = grown
	}
}

// readLegacy reads a legacy stream: magic number, protocol version and
// sys_info pickles, the object pickle, the sorted storage keys pickle, then
// each storage as an 8-byte little-endian element count and its bytes. A
// file whose first pickle is not the magic number is a bare pickle.
func (f *File) readLegacy(r io.ReaderAt, size int64, name string) error {
	w := &window{r: r, size: size}
	first, err := w.parse(0)
	if err != nil {
		return err
	}
	c := newCollector(f, name)
	if n, ok := first.BigInt(first.Value); !ok || n.Cmp(legacyMagic) != 0 {
		f.Kind = Pickle
		f.Imports = first.Imports
		if err := c.collect(first); err != nil {
			return err
		}
		if len(f.Storages) > 0 {
			return &format.Error{Offset: -1, Field: "storage " + format.Quote(f.Storages[0].Key),
				Msg: "a bare pickle references storages but holds none (not a torch.save stream)"}
		}
		return c.finish()
	}
	f.Kind = Legacy
	// torch.load unpickles all five pickles with the same unpickler, so
	// imports in any of them count.
	f.Imports = append(f.Imports, first.Imports...)
	proto, err := w.parse(first.End)
	if err != nil {
		return err
	}
	f.Imports = append(f.Imports, proto.Imports...)
	if v, ok := proto.Int(proto.Value); !ok || v != 1001 {
		return &format.Error{Offset: first.End, Field: "protocol version", Value: proto.Repr(proto.Value), Limit: 1001, Msg: "unsupported legacy protocol version"}
	}
	f.Version = "1001"
	sys, err := w.parse(proto.End)
	if err != nil {
		return err
	}
	f.Imports = append(f.Imports, sys.Imports...)
	if le, ok := sys.Get(sys.Value, "little_endian"); ok {
		if b, ok := sys.Bool(le); ok && !b {
			f.ByteOrder = "big"
			f.Notes = append(f.Notes, "storages are big-endian (sys_info)")
		}
	}
	data, err := w.parse(sys.End)
	if err != nil {
		return err
	}
	f.Imports = append(f.Imports, data.Imports...)
	if err := c.collect(data); err != nil {
		return err
	}
	keys, err := w.parse(data.End)
	if err != nil {
		return err
	}
	f.Imports = append(f.Imports, keys.Imports...)
	if keys.Value.Kind() != pickle.KindList {
		return &format.Error{Offset: data.End, Field: "storage keys", Msg: "must be a list"}
	}
	pos := keys.End
	done := make([]bool, len(f.Storages))
	var hdr [8]byte
	for _, k := range keys.Items(keys.Value) {
		key, ok := keyString(keys, k)
		if !ok {
			return &format.Error{Offset: data.End, Field: "storage keys", Value: keys.Repr(k), Msg: "key must be a string"}
		}
		i, ok := c.keys.get(key)
		if !ok {
			return &format.Error{Offset: pos, Field: "storage " + format.Quote(key), Msg: "is in the key list but no tensor uses it, so its element size is unknown"}
		}
		if done[i] {
			return &format.Error{Offset: data.End, Field: "storage keys", Value: key, Msg: "key listed twice"}
		}
		st := &f.Storages[i]
		if err := readAt(r, hdr[:], pos); err != nil {
			return err
		}
		n := binary.LittleEndian.Uint64(hdr[:])
		if f.ByteOrder == "big" {
			n = binary.BigEndian.Uint64(hdr[:])
		}
		if n != st.Elements {
			return &format.Error{Offset: pos, Field: "storage " + format.Quote(key) + " size", Value: n, Limit: st.Elements, Msg: "element count differs from the pickle's"}
		}
		b, ok := checked.Mul(n, uint64(st.DType.BlockBytes))
		if !ok || b > uint64(size-pos-8) {
			return &format.Error{Offset: pos, Field: "storage " + format.Quote(key) + " size", Value: n, Limit: uint64(size-pos-8) / uint64(st.DType.BlockBytes),
				Msg: "storage runs past the end of the file"}
		}
		st.Offset = pos + 8
		pos += 8 + int64(b)
		done[i] = true
	}
	for i, ok := range done {
		if !ok {
			return &format.Error{Offset: keys.End, Field: "storage " + format.Quote(f.Storages[i].Key), Msg: "storage is missing from the stream"}
		}
	}
	if pos != size {
		f.Notes = append(f.Notes, fmt.Sprintf("%d bytes after the last storage", size-pos))
	}
	return c.finish()
}
