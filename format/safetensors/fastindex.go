package safetensors

import (
	"io"

	"github.com/tensorcount/tensorcount/internal/names"
	"github.com/tensorcount/tensorcount/internal/prefault"
)

// indexWindow is how much of an index the scanner holds at once when it
// reads through an io.ReaderAt: a weight-map entry longer than a quarter
// of it is left to the general path.
const indexWindow = 256 << 10

// refill slides the window so that at least indexWindow/4 bytes are
// ahead of s.i, unless the file ends sooner. It is a no-op for a scanner
// that holds the whole text, and false on a read error.
func (s *scanner) refill() bool {
	if s.src == nil || len(s.b)-s.i >= indexWindow/4 || s.end == s.size {
		return true
	}
	n := copy(s.buf, s.b[s.i:])
	m := int(min(int64(len(s.buf)-n), s.size-s.end))
	if err := readFull(s.src, s.buf[n:n+m], s.end); err != nil {
		return false
	}
	s.end += int64(m)
	s.b, s.i = s.buf[:n+m], 0
	return true
}

// atEnd reports whether the scanner has passed every byte of the text.
func (s *scanner) atEnd() bool {
	for s.next() == 0 && s.i == len(s.b) {
		if s.src == nil || s.end == s.size {
			return true
		}
		// Whitespace to the window's end: read on.
		if !s.refill() {
			return false
		}
	}
	return false
}

// fastIndex parses an index of the usual shape: an object of "weight_map"
// (an object of strings) and at most one "metadata" (null, or an object
// whose total_size and total_parameters are integers and whose other
// members are strings or integers), validated as strictly as the
// tokenizer would. It reports false on anything else, valid or not;
// *announced is then the number of shards already passed to onShard.
//
// The text is the size bytes src holds, read a window at a time, or
// if src is nil, b (which the tests use).
func fastIndex(b []byte, src io.ReaderAt, size int64, onShard func(int, string), announced *int) (*Index, bool) {
	s := scanner{b: b}
	if src != nil {
		s.src, s.size, s.buf = src, size, make([]byte, min(size, indexWindow))
		s.b = s.buf[:0]
	} else {
		size = int64(len(b))
	}
	// The names cannot be longer than the text: one builder holds them
	// all, without regrowing.
	// On huge pages: DeepSeek-V3's index holds 4.6 MB of names.
	var arena names.Arena
	arena.Use(prefault.Piece[byte](int(size), false))
	idx := &Index{}
	if !s.refill() || s.next() != '{' {
		return nil, false
	}
	s.i++
	var sawMap, sawMeta bool
	for {
		if !s.refill() || s.next() != '"' {
			return nil, false
		}
		key, ok := s.str()
		if !ok || s.next() != ':' {
			return nil, false
		}
		s.i++
		switch string(key) {
		case "weight_map":
			if sawMap || !fastWeightMap(&s, size, &arena, idx, onShard, announced) {
				return nil, false
			}
			sawMap = true
		case "metadata":
			if sawMeta || !fastIndexMetadata(&s, idx) {
				return nil, false
			}
			sawMeta = true
		default:
			return nil, false
		}
		switch s.next() {
		case ',':
			s.i++
		case '}':
			s.i++
			if !s.atEnd() || !sawMap {
				return nil, false
			}
			return idx, true
		default:
			return nil, false
		}
	}
}

func fastWeightMap(s *scanner, size int64, arena *names.Arena, idx *Index, onShard func(int, string), announced *int) bool {
	if s.next() != '{' {
		return false
	}
	s.i++
	// An entry takes at least 10 bytes of the text (as readIndex sizes it).
	idx.Entries = prefault.Piece[IndexEntry](int(size/48), true)[:0]
	switch s.next() {
	case '}':
		s.i++
		return true
	case '"':
	default:
		return false
	}
	shards := map[string]int{}
	last := -1
	for {
		if !s.refill() || s.next() != '"' {
			return false
		}
		k, ok := s.str()
		if !ok {
			return false
		}
		name := arena.Add(k)
		if s.next() != ':' {
			return false
		}
		s.i++
		if s.next() != '"' {
			return false
		}
		v, ok := s.str()
		if !ok {
			return false
		}
		// Consecutive entries usually name the same shard.
		i := last
		if i < 0 || string(v) != idx.Shards[i] {
			if i, ok = shards[string(v)]; !ok {
				shard := string(v)
				if CheckShardName(shard) != nil {
					return false
				}
				i = len(idx.Shards)
				shards[shard] = i
				idx.Shards = append(idx.Shards, shard)
				if onShard != nil {
					onShard(i, shard)
					*announced = i + 1
				}
			}
		}
		last = i
		idx.Entries = append(idx.Entries, IndexEntry{Name: name, Shard: i})
		switch s.next() {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

func fastIndexMetadata(s *scanner, idx *Index) bool {
	switch s.next() {
	case 'n':
		if len(s.b)-s.i < 4 || string(s.b[s.i:s.i+4]) != "null" {
			return false
		}
		s.i += 4
		return true
	case '{':
	default:
		return false
	}
	s.i++
	switch s.next() {
	case '}':
		s.i++
		return true
	case '"':
	default:
		return false
	}
	for {
		if !s.refill() || s.next() != '"' {
			return false
		}
		k, ok := s.str()
		if !ok || s.next() != ':' {
			return false
		}
		total := string(k) == "total_size"
		params := string(k) == "total_parameters"
		s.i++
		switch c := s.next(); {
		case c == '"' && !total && !params:
			if _, ok := s.str(); !ok {
				return false
			}
		case '0' <= c && c <= '9':
			n, ok := s.uint()
			if !ok {
				return false
			}
			switch {
			case total:
				idx.TotalSize, idx.HasTotalSize = n, true
			case params:
				idx.TotalParameters, idx.HasTotalParameters = n, true
			}
		default:
			return false
		}
		switch s.next() {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}
