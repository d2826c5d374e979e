package pytorch

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/pickle"
)

// readZip reads a torch.save or torch.jit.save archive: the central
// directory (archive/zip reads the tail), the pickles, and the local header
// of each storage record the pickles name.
func (f *File) readZip(r io.ReaderAt, size int64, name string) error {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return &format.Error{Offset: -1, Field: "zip central directory", Msg: "not a readable zip archive", Err: err}
	}
	if len(zr.File) > MaxEntries {
		return &format.Error{Offset: -1, Field: "zip central directory", Value: len(zr.File), Limit: MaxEntries, Msg: "too many records"}
	}
	var pkl *zip.File
	for _, zf := range zr.File {
		if zf.Name == "data.pkl" || strings.HasSuffix(zf.Name, "/data.pkl") {
			if pkl == nil || strings.Count(zf.Name, "/") < strings.Count(pkl.Name, "/") {
				pkl = zf
			}
		}
	}
	if pkl != nil {
		f.Prefix = strings.TrimSuffix(pkl.Name, "data.pkl")
	}
	records := newZipRecords(f.Prefix, len(zr.File))
	for _, zf := range zr.File {
		if !records.add(zf) {
			return &format.Error{Offset: -1, Field: "zip record " + format.Quote(zf.Name), Msg: "record name appears twice"}
		}
	}
	if pkl == nil {
		return &format.Error{Offset: -1, Field: "zip record data.pkl", Msg: "archive has no data.pkl: not a torch checkpoint"}
	}
	f.Kind = Zip
	_, hasConst := records.get(f.Prefix + "constants.pkl")
	code := f.Prefix + "code/"
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, code) {
			hasConst = true
			break
		}
	}
	if hasConst {
		f.Kind = TorchScript
	}
	if b, ok, err := smallRecord(r, size, records, f.Prefix+"byteorder"); err != nil {
		return err
	} else if ok {
		switch bo := strings.TrimSpace(string(b)); bo {
		case "little", "big":
			f.ByteOrder = bo
		default:
			return &format.Error{Offset: -1, Field: "zip record byteorder", Value: bo, Msg: "must be little or big"}
		}
	}
	for _, v := range []string{"version", ".data/version"} {
		if b, ok, err := smallRecord(r, size, records, f.Prefix+v); err != nil {
			return err
		} else if ok {
			f.Version = strings.TrimSpace(string(b))
			break
		}
	}
	if f.ByteOrder == "big" {
		f.Notes = append(f.Notes, "storages are big-endian (byteorder record)")
	}

	c := newCollector(f, name)
	c.presize(len(zr.File))
	c.resolve = func(key string, st *Storage, at int64) error { return c.zipRecord(r, size, records, key, st, at) }
	data, at, err := readRecord(r, size, pkl)
	if err != nil {
		return err
	}
	if pkl.Method != zip.Store {
		f.Notes = append(f.Notes, fmt.Sprintf("%s is compressed: pickle offsets (imports, errors) count from the start of the decompressed record", format.Quote(pkl.Name)))
	}
	res, err := pickle.Parse(data, &pickle.Options{Base: at})
	if err != nil {
		return err
	}
	f.Imports = append(f.Imports, res.Imports...)
	if f.Kind == TorchScript {
		c.setDir("data/")
		if err := c.collectTorchScript(res); err != nil {
			return err
		}
		if cz, ok := records.get(f.Prefix + "constants.pkl"); ok {
			data, at, err := readRecord(r, size, cz)
			if err != nil {
				return err
			}
			cres, err := pickle.Parse(data, &pickle.Options{Base: at})
			if err != nil {
				return err
			}
			f.Imports = append(f.Imports, cres.Imports...)
			c.setDir("constants/")
			c.use(cres)
			if err := c.walkInto(&c.other, cres.Value, "constants", 0); err != nil {
				return err
			}
		}
		return c.finish()
	}
	c.setDir("data/")
	if err := c.collect(res); err != nil {
		return err
	}
	return c.finish()
}

// zipRecord resolves a storage key to its record: it must exist, and hold
// at least the bytes the pickle declares.
func (c *collector) zipRecord(r io.ReaderAt, size int64, records *zipRecords, key string, st *Storage, at int64) error {
	zf, ok := records.storage(c.dir, key)
	if !ok && c.dir == "constants/" {
		zf, ok = records.storage("data/", key)
	}
	if !ok {
		return &format.Error{Offset: at, Field: "storage " + format.Quote(key), Value: c.f.Prefix + c.dir + key, Msg: "storage record is missing from the archive"}
	}
	name := zf.Name
	st.Record = name
	if zf.UncompressedSize64 < st.Bytes {
		return &format.Error{Offset: -1, Field: "zip record " + format.Quote(name), Value: zf.UncompressedSize64, Limit: st.Bytes,
			Msg: fmt.Sprintf("storage record is shorter than its pickle declares (%d elements of %s)", st.Elements, st.DType)}
	}
	if zf.UncompressedSize64 > st.Bytes {
		c.note(fmt.Sprintf("storage record %s holds %d bytes, more than the %d its pickle declares", format.Quote(name), zf.UncompressedSize64, st.Bytes))
	}
	if zf.Method != zip.Store {
		st.Offset, st.Compressed = -1, true
		c.note(fmt.Sprintf("storage record %s is compressed (method %d): its tensors have no data offset", format.Quote(name), zf.Method))
		return nil
	}
	off, err := zf.DataOffset()
	if err != nil {
		return &format.Error{Offset: -1, Field: "zip record " + format.Quote(name), Msg: "cannot read the local header", Err: err}
	}
	if off < 0 || uint64(off) > uint64(size) || zf.CompressedSize64 > uint64(size-off) {
		return &format.Error{Offset: off, Field: "zip record " + format.Quote(name), Value: zf.CompressedSize64, Limit: size - off,
			Msg: "record data runs past the end of the file"}
	}
	st.Offset = off
	return nil
}

// readRecord returns a pickle record's bytes and the absolute offset of
// its first byte (-1 for a compressed record, whose offsets are relative).
func readRecord(r io.ReaderAt, size int64, zf *zip.File) ([]byte, int64, error) {
	field := "zip record " + format.Quote(zf.Name)
	if zf.UncompressedSize64 > MaxPickleSize {
		return nil, 0, &format.Error{Offset: -1, Field: field, Value: zf.UncompressedSize64, Limit: MaxPickleSize, Msg: "pickle is too large"}
	}
	if zf.Method == zip.Store {
		off, err := zf.DataOffset()
		if err != nil {
			return nil, 0, &format.Error{Offset: -1, Field: field, Msg: "cannot read the local header", Err: err}
		}
		if zf.CompressedSize64 != zf.UncompressedSize64 {
			return nil, 0, &format.Error{Offset: off, Field: field, Value: zf.CompressedSize64, Limit: zf.UncompressedSize64, Msg: "stored record's sizes differ"}
		}
		if off < 0 || off > size || zf.UncompressedSize64 > uint64(size-off) {
			return nil, 0, &format.Error{Offset: off, Field: field, Value: zf.UncompressedSize64, Limit: size - off, Msg: "record runs past the end of the file"}
		}
		buf := make([]byte, zf.UncompressedSize64)
		if err := readAt(r, buf, off); err != nil {
			return nil, 0, err
		}
		return buf, off, nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, 0, &format.Error{Offset: -1, Field: field, Msg: "cannot open the record", Err: err}
	}
	defer rc.Close()
	buf, err := io.ReadAll(io.LimitReader(rc, MaxPickleSize+1))
	if err != nil {
		return nil, 0, &format.Error{Offset: -1, Field: field, Msg: "cannot decompress the record", Err: err}
	}
	if len(buf) > MaxPickleSize {
		return nil, 0, &format.Error{Offset: -1, Field: field, Limit: MaxPickleSize, Msg: "pickle is too large"}
	}
	return buf, 0, nil
}

func smallRecord(r io.ReaderAt, size int64, records *zipRecords, name string) ([]byte, bool, error) {
	zf, ok := records.get(name)
	if !ok {
		return nil, false, nil
	}
	if zf.UncompressedSize64 > maxSmallRecord {
		return nil, false, &format.Error{Offset: -1, Field: "zip record " + format.Quote(name), Value: zf.UncompressedSize64, Limit: maxSmallRecord, Msg: "record is too large"}
	}
	b, _, err := readRecord(r, size, zf)
	return b, true, err
}

// zipRecords finds an archive's records by name. The storage records
// torch writes, PREFIX/data/0 to PREFIX/data/N, are kept in a slice by
// number, which spares hashing a name per storage; the rest in a map.
type zipRecords struct {
	data  string      // PREFIX/data/
	dense []*zip.File // dense[n] is PREFIX/data/n
	other map[string]*zip.File
	limit int // dense numbers are below limit: the number of records
	buf   []byte
}

func newZipRecords(prefix string, n int) *zipRecords {
	return &zipRecords{data: prefix + "data/", other: map[string]*zip.File{}, limit: n}
}

// add records zf, reporting false if its name is already taken.
func (z *zipRecords) add(zf *zip.File) bool {
	if n, ok := z.number(zf.Name); ok {
		if n >= len(z.dense) {
			z.dense = append(z.dense, make([]*zip.File, min(max(n+1, 2*len(z.dense)), z.limit)-len(z.dense))...)
		}
		if z.dense[n] != nil {
			return false
		}
		z.dense[n] = zf
		return true
	}
	if _, dup := z.other[zf.Name]; dup {
		return false
	}
	z.other[zf.Name] = zf
	return true
}

// number returns n for the name PREFIX/data/n, n a canonical decimal
// below the limit.
func (z *zipRecords) number(name string) (int, bool) {
	if !strings.HasPrefix(name, z.data) {
		return 0, false
	}
	return decimalKey(name[len(z.data):], z.limit)
}

func (z *zipRecords) get(name string) (*zip.File, bool) {
	if n, ok := z.number(name); ok {
		if n < len(z.dense) && z.dense[n] != nil {
			return z.dense[n], true
		}
		return nil, false
	}
	zf, ok := z.other[name]
	return zf, ok
}

// storage returns the record dir+key under the prefix. The name is built
// in a reused buffer: a map looked up by string(b) does not allocate.
func (z *zipRecords) storage(dir, key string) (*zip.File, bool) {
	if dir == "data/" {
		if n, ok := decimalKey(key, z.limit); ok {
			if n < len(z.dense) && z.dense[n] != nil {
				return z.dense[n], true
			}
			return nil, false
		}
	}
	z.buf = append(append(append(z.buf[:0], z.data[:len(z.data)-len("data/")]...), dir...), key...)
	zf, ok := z.other[string(z.buf)]
	return zf, ok
}
