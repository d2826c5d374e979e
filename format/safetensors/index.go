package safetensors

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/tensorcount/tensorcount/format"
)

// MaxIndexSize bounds an index file. The largest seen in the wild is about
// 60 MB (half a million tensors); the bound leaves room for growth while
// refusing a file that could only exhaust memory.
const MaxIndexSize = 256 << 20

// An Index is a parsed *.safetensors.index.json: which shard holds each
// tensor of a sharded checkpoint.
type Index struct {
	// TotalSize is metadata.total_size when present (HasTotalSize).
	// Writers disagree on its meaning (tensor bytes or file bytes), so it
	// is only ever compared, never trusted.
	TotalSize    uint64
	HasTotalSize bool
	// TotalParameters is metadata.total_parameters, written by newer
	// transformers and mlx-lm releases, when present.
	TotalParameters    uint64
	HasTotalParameters bool
	// Shards lists the distinct shard file names in order of first use.
	Shards []string
	// Entries lists the weight map in file order: each tensor name with
	// its shard, an index into Shards.
	Entries []IndexEntry
	// Notes records what was accepted but is worth saying.
	Notes []string
}

// An IndexEntry is one weight_map member: a tensor and its shard.
type IndexEntry struct {
	Name  string
	Shard int
}

// ReadIndex parses an index from r, which holds size bytes. It streams the
// JSON, so memory grows with the number of tensors, not with the file.
func ReadIndex(r io.Reader, size int64) (*Index, error) {
	// A reader that also reads at offsets, and is at its start, is read
	// through the scanner's window (see readIndexWith); any other is
	// streamed through the general path.
	var at io.ReaderAt
	if ra, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		if pos, err := ra.Seek(0, io.SeekCurrent); err == nil && pos == 0 {
			at = ra
		}
	}
	return readIndexWith(r, at, size, nil, true)
}

// readIndex parses an index from f (a file at its start), calling onShard
// as each shard name is first seen so that shard headers can be parsed
// while the index still is.
func readIndex(f *os.File, size int64, onShard func(i int, name string)) (*Index, error) {
	return readIndexWith(f, f, size, onShard, true)
}

// readIndexWith parses an index from r. If fast and at are set (at holds
// the same bytes as r, from offset 0), the specialised scanner reads them
// through at first, leaving r unread for the general path; the tests
// compare the two paths.
func readIndexWith(r io.Reader, at io.ReaderAt, size int64, onShard func(i int, name string), fast bool) (*Index, error) {
	if size > MaxIndexSize {
		return nil, &format.Error{Offset: 0, Field: "index", Value: size, Limit: MaxIndexSize, Msg: "index file is too large"}
	}
	if fast && at != nil {
		// The specialised scanner reads the text in one pass through a
		// window; on anything it does not expect, the general path below
		// reads the same bytes from r, announcing only the shards the
		// scanner did not.
		announced := 0
		if idx, ok := fastIndex(nil, at, max(size, 0), onShard, &announced); ok {
			return idx, nil
		}
		if announce := onShard; announce != nil && announced > 0 {
			onShard = func(i int, name string) {
				if i >= announced {
					announce(i, name)
				}
			}
		}
	}
	// Duplicate tensor names are found by sorting the entries (see
	// Set.check), which is cheaper than the tokenizer's general check.
	dec := jsontext.NewDecoder(bufio.NewReaderSize(io.LimitReader(r, size), 256<<10), jsontext.AllowDuplicateNames(true))
	ip := indexParser{dec: dec, onShard: onShard}
	// The names cannot be longer than the file, and an entry takes at
	// least 10 bytes of it: sizing from the file (never from anything it
	// claims) spares the copies of regrowing.
	ip.arena.Grow(int(size))
	ip.spans = make([]span, 0, size/48)
	idx, err := ip.parse()
	if err != nil {
		return nil, err
	}
	// All names were written to one builder; they become substrings of
	// its string (no copy) instead of a hundred thousand small allocations.
	arena := ip.arena.String()
	idx.Entries = make([]IndexEntry, len(ip.spans))
	for i, sp := range ip.spans {
		idx.Entries[i] = IndexEntry{Name: arena[sp.start:sp.end], Shard: int(sp.shard)}
	}
	return idx, nil
}

// OpenIndex reads the named index file.
func OpenIndex(name string) (*Index, error) {
	f, size, err := format.OpenRegular(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	idx, err := readIndex(f, size, nil)
	return idx, format.WithFile(err, name)
}

type indexParser struct {
	dec     *jsontext.Decoder
	idx     Index
	shard   map[string]int
	onShard func(int, string)
	arena   strings.Builder
	spans   []span
}

type span struct{ start, end, shard int32 }

func (p *indexParser) parse() (*Index, error) {
	p.shard = map[string]int{}
	if err := p.expect('{', "index"); err != nil {
		return nil, err
	}
	sawMap := false
	for p.dec.PeekKind() == '"' {
		key, err := p.dec.ReadToken()
		if err != nil {
			return nil, p.syntaxError(err, "index")
		}
		switch key.String() {
		case "weight_map":
			if sawMap {
				return nil, &format.Error{Offset: p.dec.InputOffset(), Field: "weight_map", Msg: "duplicate object member name"}
			}
			sawMap = true
			if err := p.weightMap(); err != nil {
				return nil, err
			}
		case "metadata":
			if err := p.metadata(); err != nil {
				return nil, err
			}
		default:
			if err := p.dec.SkipValue(); err != nil {
				return nil, p.syntaxError(err, "index")
			}
		}
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return nil, p.syntaxError(err, "index")
	}
	if _, err := p.dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = errors.New("unexpected data after the index object")
		}
		return nil, p.syntaxError(err, "index")
	}
	if !sawMap {
		return nil, &format.Error{Offset: 0, Field: "weight_map", Msg: "index has no weight_map"}
	}
	return &p.idx, nil
}

func (p *indexParser) weightMap() error {
	if err := p.expect('{', "weight_map"); err != nil {
		return err
	}
	last := -1
	for p.dec.PeekKind() == '"' {
		name, err := p.dec.ReadValue()
		if err != nil {
			return p.syntaxError(err, "weight_map")
		}
		start := p.arena.Len()
		if bytes.IndexByte(name, '\\') < 0 {
			p.arena.Write(name[1 : len(name)-1])
		} else {
			unq, err := jsontext.AppendUnquote(nil, name)
			if err != nil {
				return p.syntaxError(err, "weight_map")
			}
			p.arena.Write(unq)
		}
		if p.arena.Len() > math.MaxInt32 {
			return &format.Error{Offset: p.dec.InputOffset(), Field: "weight_map", Limit: math.MaxInt32, Msg: "tensor names exceed the bytes an index may hold"}
		}
		at := p.dec.InputOffset()
		if k := p.dec.PeekKind(); k != '"' {
			return &format.Error{Offset: at, Field: "weight_map." + p.arena.String()[start:], Value: k.String(),
				Msg: "shard name must be a string"}
		}
		v, err := p.dec.ReadValue()
		if err != nil {
			return p.syntaxError(err, "weight_map")
		}
		// Consecutive entries usually name the same shard; the map is
		// consulted only when the shard changes.
		i := last
		if i < 0 || string(v[1:len(v)-1]) != p.idx.Shards[i] {
			shard := memberName(v)
			var ok bool
			if i, ok = p.shard[shard]; !ok {
				if err := CheckShardName(shard); err != nil {
					return &format.Error{Offset: at, Field: "weight_map." + p.arena.String()[start:], Value: shard, Msg: err.Error()}
				}
				i = len(p.idx.Shards)
				p.shard[shard] = i
				p.idx.Shards = append(p.idx.Shards, shard)
				if p.onShard != nil {
					p.onShard(i, shard)
				}
			}
		}
		last = i
		p.spans = append(p.spans, span{int32(start), int32(p.arena.Len()), int32(i)})
	}
	_, err := p.dec.ReadToken()
	return p.syntaxError(err, "weight_map")
}

func (p *indexParser) metadata() error {
	switch p.dec.PeekKind() {
	case 'n':
		_, err := p.dec.ReadToken()
		return p.syntaxError(err, "metadata")
	case '{':
	default:
		return &format.Error{Offset: p.dec.InputOffset(), Field: "metadata", Value: p.dec.PeekKind().String(),
			Msg: "must be an object"}
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return p.syntaxError(err, "metadata")
	}
	for p.dec.PeekKind() == '"' {
		key, err := p.dec.ReadToken()
		if err != nil {
			return p.syntaxError(err, "metadata")
		}
		k := key.String()
		v, err := p.dec.ReadValue()
		if err != nil {
			return p.syntaxError(err, "metadata")
		}
		if k != "total_size" && k != "total_parameters" {
			continue
		}
		n, ok := parseUint(v)
		if !ok {
			p.idx.Notes = append(p.idx.Notes, fmt.Sprintf("index metadata.%s is %s, not a whole number; ignored", k, format.Quote(string(v))))
			continue
		}
		if k == "total_size" {
			p.idx.TotalSize, p.idx.HasTotalSize = n, true
		} else {
			p.idx.TotalParameters, p.idx.HasTotalParameters = n, true
		}
	}
	_, err := p.dec.ReadToken()
	return p.syntaxError(err, "metadata")
}

func (p *indexParser) expect(k jsontext.Kind, field string) error {
	at := p.dec.InputOffset()
	if got := p.dec.PeekKind(); got != k {
		// Read the value to tell broken JSON from a value of another kind.
		if _, err := p.dec.ReadValue(); err != nil {
			return p.syntaxError(err, field)
		}
		return &format.Error{Offset: at, Field: field, Value: got.String(), Msg: "must be a JSON object"}
	}
	_, err := p.dec.ReadToken()
	return p.syntaxError(err, field)
}

func (p *indexParser) syntaxError(err error, field string) error {
	if err == nil {
		return nil
	}
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		if errors.Is(se.Err, io.ErrUnexpectedEOF) {
			return &format.Error{Offset: se.ByteOffset, Field: field, Msg: "index JSON ends early"}
		}
		return &format.Error{Offset: se.ByteOffset, Field: field, Msg: "invalid JSON: " + se.Err.Error()}
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return &format.Error{Offset: p.dec.InputOffset(), Field: field, Msg: "index JSON ends early"}
	}
	return &format.Error{Offset: p.dec.InputOffset(), Field: field, Msg: "cannot read the index", Err: err}
}

// CheckShardName rejects shard names that are not plain file names in the
// index's own directory: an index from a stranger must not make the reader
// open /etc/passwd or ../../secret.
func CheckShardName(name string) error {
	switch {
	case name == "":
		return errors.New("shard name is empty")
	case strings.ContainsAny(name, "/\\"):
		return errors.New("shard name contains a path separator")
	case name == "." || name == "..":
		// With separators excluded, a name is one path component, so only
		// these two can leave the directory.
		return errors.New("shard name is \".\" or \"..\"")
	case strings.IndexByte(name, 0) >= 0:
		return errors.New("shard name contains a NUL byte")
	case len(name) >= 2 && name[1] == ':':
		return errors.New("shard name is an absolute Windows path")
	}
	return nil
}
