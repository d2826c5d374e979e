package safetensors

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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
	// WeightMap maps each tensor name to its shard, an index into Shards.
	WeightMap map[string]int
	// Notes records what was accepted but is worth saying.
	Notes []string
}

// ReadIndex parses an index from r, which holds size bytes. It streams the
// JSON, so memory grows with the number of tensors, not with the file.
func ReadIndex(r io.Reader, size int64) (*Index, error) {
	if size > MaxIndexSize {
		return nil, &format.Error{Offset: 0, Field: "index", Value: size, Limit: MaxIndexSize, Msg: "index file is too large"}
	}
	ip := indexParser{dec: jsontext.NewDecoder(bufio.NewReaderSize(io.LimitReader(r, size), 256<<10))}
	return ip.parse()
}

// OpenIndex reads the named index file.
func OpenIndex(name string) (*Index, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	idx, err := ReadIndex(f, fi.Size())
	return idx, format.WithFile(err, name)
}

type indexParser struct {
	dec   *jsontext.Decoder
	idx   Index
	shard map[string]int
}

func (p *indexParser) parse() (*Index, error) {
	p.idx.WeightMap = map[string]int{}
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
	for p.dec.PeekKind() == '"' {
		nameTok, err := p.dec.ReadToken()
		if err != nil {
			return p.syntaxError(err, "weight_map")
		}
		name := nameTok.String() // a Token is void after the next read
		at := p.dec.InputOffset()
		if k := p.dec.PeekKind(); k != '"' {
			return &format.Error{Offset: at, Field: "weight_map." + name, Value: k.String(),
				Msg: "shard name must be a string"}
		}
		v, err := p.dec.ReadToken()
		if err != nil {
			return p.syntaxError(err, "weight_map")
		}
		shard := v.String()
		i, ok := p.shard[shard]
		if !ok {
			if err := CheckShardName(shard); err != nil {
				return &format.Error{Offset: at, Field: "weight_map." + name, Value: shard, Msg: err.Error()}
			}
			i = len(p.idx.Shards)
			p.shard[shard] = i
			p.idx.Shards = append(p.idx.Shards, shard)
		}
		p.idx.WeightMap[name] = i
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
