package safetensors

import (
	"bytes"
	"encoding/binary"
	"io"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// scanner is a single-pass reader specialised for the shape every real
// header has: an object whose members are "__metadata__" (an object of
// strings, or null) and tensor objects of exactly "dtype", "shape" and
// "data_offsets". It validates as strictly as the tokenizer does (JSON
// syntax, whitespace, UTF-8 and escapes, integers without sign, fraction,
// exponent or leading zeros, no duplicate members) but reports nothing:
// on any input it does not expect, valid or not, it gives up, and the
// caller parses the header again through the general path, whose errors
// and handling of unusual input are therefore unchanged.
type scanner struct {
	b   []byte
	i   int
	tmp []byte // the last decoded escaped string

	// A scanner reading through an io.ReaderAt holds a window of the
	// text (see refill): b is a part of buf, end the offset in src of b's
	// end; the text is src's bytes from start to size.
	src              io.ReaderAt
	start, end, size int64
	buf              []byte
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next passes whitespace and reports the byte after it (0 at the end).
func (s *scanner) next() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// str reads the string that starts at s.b[s.i] (a '"') and returns what
// it denotes. The result aliases s.b or s.tmp: it is valid until the next
// call. ok is false for an invalid string.
func (s *scanner) str() (v []byte, ok bool) {
	b := s.b
	start := s.i + 1
	// Names are printable ASCII almost always: find the closing quote
	// with the vectorised search, then check the span eight bytes at a
	// time. Byte by byte, this loop was a seventh of a shard set's parse.
	if q := bytes.IndexByte(b[start:], '"'); q >= 0 && plainASCII(b[start:start+q]) {
		s.i = start + q + 1
		return b[start : start+q], true
	}
	i := start
	for i < len(b) {
		c := b[i]
		if c == '"' {
			s.i = i + 1
			return b[start:i], true
		}
		if c < ' ' || c == '\\' || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	// Escapes or non-ASCII: find the closing quote, then validate.
	esc := false
	for i < len(b) {
		c := b[i]
		if c == '\\' {
			esc = true
			i += 2
			continue
		}
		if c == '"' {
			break
		}
		i++
	}
	if i >= len(b) {
		return nil, false
	}
	s.i = i + 1
	if !esc {
		raw := b[start:i]
		for _, c := range raw {
			if c < ' ' {
				return nil, false
			}
		}
		return raw, utf8.Valid(raw)
	}
	// The tokenizer's own unquoting: the same rules for escapes, surrogate
	// pairs and UTF-8.
	d, err := jsontext.AppendUnquote(s.tmp[:0], b[start-1:i+1])
	if err != nil {
		return nil, false
	}
	s.tmp = d
	return d, true
}

// uint reads a JSON integer in 0 … 2^64-1. The caller checks that what
// follows is a delimiter, which rules out fractions, exponents and
// leading zeros ("01" stops after the "0").
func (s *scanner) uint() (uint64, bool) {
	b := s.b
	i := s.i
	if i >= len(b) {
		return 0, false
	}
	c := b[i]
	if c == '0' {
		s.i = i + 1
		return 0, true
	}
	if c < '1' || c > '9' {
		return 0, false
	}
	var n uint64
	for ; i < len(b); i++ {
		d := uint64(b[i]) - '0'
		if d > 9 {
			break
		}
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	s.i = i
	return n, true
}

// uints reads an array of integers onto p.dims.
func (p *headerParser) fastUints(s *scanner) bool {
	if s.next() != '[' {
		return false
	}
	s.i++
	if s.next() == ']' {
		s.i++
		return true
	}
	for {
		s.ws()
		u, ok := s.uint()
		if !ok {
			return false
		}
		p.dims = append(p.dims, u)
		switch s.next() {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// fast parses the header into p and f from s, which holds the header
// bytes or reads them a window at a time, reporting false (with f and p
// in an unspecified state) if it cannot.
func (p *headerParser) fast(f *File, s *scanner) bool {
	if !s.refill() || s.next() != '{' {
		return false
	}
	s.i++
	switch s.next() {
	case '}':
		s.i++
		return s.atEnd()
	case '"':
	default:
		return false
	}
	for {
		// A window holds a quarter of its size past this point: any
		// entry of a real header. One that runs past the window fails
		// like any other surprise, and the general path reads it.
		if !s.refill() {
			return false
		}
		at := p.base + s.offset()
		key, ok := s.str()
		if !ok || s.next() != ':' {
			return false
		}
		s.i++
		if string(key) == "__metadata__" {
			if p.sawMetadata || !fastMetadata(f, s) {
				return false
			}
			p.sawMetadata = true
		} else if !p.fastTensor(p.arena.Add(key), at, s) {
			return false
		}
		switch s.next() {
		case ',':
			s.i++
			if s.next() != '"' {
				return false
			}
		case '}':
			s.i++
			return s.atEnd()
		default:
			return false
		}
	}
}

// offset is the position of s.b[s.i] in the text.
func (s *scanner) offset() int64 {
	if s.src == nil {
		return int64(s.i)
	}
	return s.end - s.start - int64(len(s.b)) + int64(s.i)
}

func fastMetadata(f *File, s *scanner) bool {
	switch s.next() {
	case 'n':
		if len(s.b)-s.i < 4 || string(s.b[s.i:s.i+4]) != "null" {
			return false
		}
		s.i += 4
		f.MetadataNull = true
		return true
	case '{':
	default:
		return false
	}
	s.i++
	f.Metadata = map[string]string{}
	switch s.next() {
	case '}':
		s.i++
		return true
	case '"':
	default:
		return false
	}
	for {
		if !s.refill() {
			return false
		}
		k, ok := s.str()
		if !ok {
			return false
		}
		key := string(k)
		if _, dup := f.Metadata[key]; dup || s.next() != ':' {
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
		f.Metadata[key] = string(v)
		switch s.next() {
		case ',':
			s.i++
			if s.next() != '"' {
				return false
			}
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

func (p *headerParser) fastTensor(name string, at int64, s *scanner) bool {
	if s.next() != '{' {
		return false
	}
	s.i++
	e := entry{name: name, at: at}
	const dtypeBit, shapeBit, offsetsBit = 1, 2, 4
	seen := 0
	for {
		if s.next() != '"' {
			return false
		}
		// The three member names are compared raw: an escaped spelling,
		// like any other member, is left to the general path.
		b := s.b[s.i+1:]
		var bit int
		switch {
		case len(b) > 6 && string(b[:6]) == `dtype"`:
			bit = dtypeBit
			s.i += 7
		case len(b) > 6 && string(b[:6]) == `shape"`:
			bit = shapeBit
			s.i += 7
		case len(b) > 13 && string(b[:13]) == `data_offsets"`:
			bit = offsetsBit
			s.i += 14
		default:
			return false
		}
		if seen&bit != 0 || s.next() != ':' {
			return false
		}
		seen |= bit
		s.i++
		switch bit {
		case dtypeBit:
			if s.next() != '"' {
				return false
			}
			v, ok := s.str()
			if !ok {
				return false
			}
			// Neighbouring tensors mostly share a dtype, or alternate
			// between two (a weight and its scale): the last two are
			// compared before the table is consulted.
			switch {
			case string(v) == dtypeByID[p.lastDType].Name:
			case string(v) == dtypeByID[p.prevDType].Name:
				p.lastDType, p.prevDType = p.prevDType, p.lastDType
			default:
				d, ok := dtypeIDs[string(v)]
				if !ok {
					return false
				}
				p.lastDType, p.prevDType = d, p.lastDType
			}
			e.dtype = p.lastDType
		case shapeBit:
			first := len(p.dims)
			if !p.fastUints(s) {
				return false
			}
			e.dims = [2]int32{int32(first), int32(len(p.dims))}
		case offsetsBit:
			first := len(p.dims)
			if !p.fastUints(s) || len(p.dims)-first != 2 {
				return false
			}
			e.begin, e.end = p.dims[first], p.dims[first+1]
			p.dims = p.dims[:first]
		}
		switch s.next() {
		case ',':
			s.i++
		case '}':
			s.i++
			if seen != dtypeBit|shapeBit|offsetsBit {
				return false
			}
			p.entries = append(p.entries, e)
			return true
		default:
			return false
		}
	}
}

// plainASCII reports whether p holds only bytes a JSON string carries as
// they are: no control character, backslash or byte of a multi-byte
// UTF-8 sequence. It tests eight bytes a step with the bit tricks of
// "Bit Twiddling Hacks" (a byte below n; a zero byte).
func plainASCII(p []byte) bool {
	const ones, highs = 0x0101_0101_0101_0101, 0x8080_8080_8080_8080
	for len(p) >= 8 {
		x := binary.LittleEndian.Uint64(p)
		below := (x - ones*' ') &^ x   // high bit set where a byte < 0x20 (or ≥ 0x80, caught next)
		bs := x ^ (ones * '\\')        // a zero byte where there was a backslash
		backslash := (bs - ones) &^ bs // high bit set at (or, past a first hit, after) a zero byte
		if (x|below|backslash)&highs != 0 {
			return false
		}
		p = p[8:]
	}
	for _, c := range p {
		if c < ' ' || c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
