package rangeio

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
)

// castagnoli checks entries: hardware-accelerated, so a second run that
// reads 163 cached headers spends its time parsing, not hashing. The
// cache is the user's own directory; the check is against torn writes
// and disk errors, and the key inside each entry against mix-ups.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const sumSize = 4

// A Cache keeps small byte strings on disk between runs: the ranges a
// File fetched, small files, API answers. Entries are written atomically
// (temp file, then rename), bounded in size, and checked on read (key and
// checksum), so a torn or tampered entry is a miss, never wrong bytes.
type Cache struct {
	Dir string
	// MaxEntry bounds one entry (default DefaultMaxEntry); larger ones
	// are not stored.
	MaxEntry int64
}

// DefaultMaxEntry bounds a cache entry: a big GGUF header fits.
const DefaultMaxEntry = 64 << 20

// DefaultCache returns the cache under os.UserCacheDir()/tensorcount
// (so XDG_CACHE_HOME moves it).
func DefaultCache() (*Cache, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return nil, err
	}
	return &Cache{Dir: filepath.Join(d, "tensorcount")}, nil
}

const cacheMagic = "tensorcount-cache-2\n"

func (c *Cache) path(key string) string {
	h := sha256.Sum256([]byte(key))
	x := hex.EncodeToString(h[:])
	return filepath.Join(c.Dir, "v1", x[:2], x)
}

// Get returns the entry stored under key.
func (c *Cache) Get(key string) ([]byte, bool) {
	if c == nil || c.Dir == "" {
		return nil, false
	}
	b, err := os.ReadFile(c.path(key))
	if err != nil || len(b) < len(cacheMagic)+4+8+sumSize {
		return nil, false
	}
	body, sum := b[:len(b)-sumSize], b[len(b)-sumSize:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(sum) || !bytes.HasPrefix(body, []byte(cacheMagic)) {
		return nil, false
	}
	rest := body[len(cacheMagic):]
	kl := binary.LittleEndian.Uint32(rest)
	rest = rest[4:]
	if uint64(kl) > uint64(len(rest)) || string(rest[:kl]) != key {
		return nil, false
	}
	rest = rest[kl:]
	if len(rest) < 8 || binary.LittleEndian.Uint64(rest) != uint64(len(rest)-8) {
		return nil, false
	}
	return rest[8:], true
}

// Put stores data under key.
func (c *Cache) Put(key string, data []byte) error {
	if c == nil || c.Dir == "" {
		return nil
	}
	limit := c.MaxEntry
	if limit <= 0 {
		limit = DefaultMaxEntry
	}
	if int64(len(data)) > limit {
		return nil
	}
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	var b bytes.Buffer
	b.Grow(len(cacheMagic) + 12 + len(key) + len(data) + sumSize)
	b.WriteString(cacheMagic)
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(key))))
	b.WriteString(key)
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(data))))
	b.Write(data)
	b.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(b.Bytes(), castagnoli)))
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// PutRanges stores a file's fetched ranges with its size and version,
// up to byte used: what was fetched ahead but never read is not kept.
func (c *Cache) PutRanges(key string, size int64, etag string, ss *spans, used int64) error {
	var b []byte
	kept := &spans{}
	for _, sp := range ss.s {
		if sp.start < used {
			kept.s = append(kept.s, span{sp.start, sp.data[:min(int64(len(sp.data)), used-sp.start)]})
		}
	}
	ss = kept
	b = binary.LittleEndian.AppendUint64(b, uint64(size))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(etag)))
	b = append(b, etag...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ss.s)))
	for _, sp := range ss.s {
		b = binary.LittleEndian.AppendUint64(b, uint64(sp.start))
		b = binary.LittleEndian.AppendUint64(b, uint64(len(sp.data)))
		b = append(b, sp.data...)
	}
	return c.Put("ranges\x00"+key, b)
}

var errCorrupt = errors.New("corrupt cache entry")

// GetRanges loads what PutRanges stored, checking every span lies in
// the file.
func (c *Cache) GetRanges(key string) (size int64, etag string, ss *spans, ok bool) {
	b, ok := c.Get("ranges\x00" + key)
	if !ok {
		return 0, "", nil, false
	}
	size, etag, ss, err := decodeRanges(b)
	if err != nil {
		return 0, "", nil, false
	}
	return size, etag, ss, true
}

func decodeRanges(b []byte) (int64, string, *spans, error) {
	take := func(n int) ([]byte, error) {
		if n < 0 || n > len(b) {
			return nil, errCorrupt
		}
		out := b[:n]
		b = b[n:]
		return out, nil
	}
	h, err := take(12)
	if err != nil {
		return 0, "", nil, err
	}
	size := int64(binary.LittleEndian.Uint64(h))
	el := int(binary.LittleEndian.Uint32(h[8:]))
	e, err := take(el)
	if err != nil || size < 0 {
		return 0, "", nil, errCorrupt
	}
	cnt, err := take(4)
	if err != nil {
		return 0, "", nil, err
	}
	n := int(binary.LittleEndian.Uint32(cnt))
	ss := &spans{}
	for range n {
		sh, err := take(16)
		if err != nil {
			return 0, "", nil, err
		}
		start := int64(binary.LittleEndian.Uint64(sh))
		l := binary.LittleEndian.Uint64(sh[8:])
		if start < 0 || l > uint64(len(b)) || uint64(start)+l > uint64(size) {
			return 0, "", nil, errCorrupt
		}
		d, _ := take(int(l))
		ss.add(start, d)
	}
	if len(b) != 0 {
		return 0, "", nil, errCorrupt
	}
	return size, string(e), ss, nil
}
