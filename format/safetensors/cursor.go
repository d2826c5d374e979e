package safetensors

import (
	"bytes"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/tensorcount/tensorcount/internal/checked"
)

// A cursor walks a JSON value the tokenizer has already validated, so it
// needs no error handling: every string is closed, every bracket matched.
type cursor struct {
	b    []byte
	i    int
	base int64 // file offset of b[0]
}

func (o *cursor) at() int64 { return o.base + int64(o.i) }

func (o *cursor) space() {
	for o.i < len(o.b) {
		switch o.b[o.i] {
		case ' ', '\t', '\n', '\r':
			o.i++
		default:
			return
		}
	}
}

// member moves to the next member of the object the cursor is in,
// reporting false at its closing brace (which it passes).
func (o *cursor) member() bool {
	o.space()
	if o.b[o.i] == ',' {
		o.i++
		o.space()
	}
	if o.b[o.i] == '}' {
		o.i++
		return false
	}
	return true
}

// colon passes the separator between a member's name and its value.
func (o *cursor) colon() {
	o.space()
	o.i++
	o.space()
}

// skip passes over one value and returns its bytes.
func (o *cursor) skip() []byte {
	start := o.i
	depth := 0
	for o.i < len(o.b) {
		c := o.b[o.i]
		switch {
		case c == '"':
			o.i++
			for {
				// The closing quote is the first one not escaped: an
				// even run of backslashes before it escapes itself.
				q := bytes.IndexByte(o.b[o.i:], '"')
				o.i += q
				esc := 0
				for k := o.i - 1; o.b[k] == '\\'; k-- {
					esc++
				}
				o.i++
				if esc%2 == 0 {
					break
				}
			}
		case c == '{' || c == '[':
			depth++
			o.i++
		case c == '}' || c == ']':
			if depth == 0 {
				return o.b[start:o.i]
			}
			depth--
			o.i++
		case depth == 0 && (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return o.b[start:o.i]
		default:
			o.i++
		}
		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			return o.b[start:o.i]
		}
	}
	return o.b[start:o.i]
}

// memberName returns the string a raw JSON string value denotes.
func memberName(v jsontext.Value) string {
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1])
	}
	s, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return ""
	}
	return string(s)
}

// parseUint accepts exactly the JSON integers 0 … 2^64-1: no sign,
// fraction or exponent (serde rejects those for usize fields too).
func parseUint(v []byte) (uint64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		var ok bool
		if n, ok = checked.Mul(n, 10); !ok {
			return 0, false
		}
		if n, ok = checked.Add(n, uint64(c-'0')); !ok {
			return 0, false
		}
	}
	return n, true
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
