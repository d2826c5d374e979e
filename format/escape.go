package format

import (
	"io"
	"strconv"
	"unicode/utf8"
)

// Escape returns s ready to be written to a terminal or a text report:
// every rune that is not printable (see the rule below) and every invalid
// byte is replaced by a backslash escape. Backslashes and quotes are left
// alone, so ordinary text reads as itself; use Quote where the exact bytes
// matter. A string that needs no escaping is returned as is, without
// allocating.
//
// # The rule
//
// One rule serves every text output and every error message. A rune is written as itself exactly when strconv.IsPrint reports it
// printable: letters, marks, numbers, punctuation, symbols and the ASCII
// space. Everything else is escaped, which covers
//
//   - C0 controls U+0000–U+001F (ESC, BEL, NUL, …) and DEL U+007F,
//   - C1 controls U+0080–U+009F (U+009B is CSI on some terminals),
//   - bidirectional controls U+202A–U+202E, U+2066–U+2069, U+200E,
//     U+200F and U+061C, which reorder what follows them on screen,
//   - the line and paragraph separators U+2028 and U+2029,
//   - the other invisible format characters (category Cf): U+200B zero
//     width space, U+200C/U+200D zero width (non-)joiners, U+2060 word
//     joiner, U+FEFF byte order mark, U+00AD soft hyphen, the tag
//     characters U+E0000–U+E007F. They are escaped because they are
//     invisible: two tensor names that differ only by one look identical,
//     and the point of this tool is to show what a stranger's file holds.
//     The cost is that an emoji joined by U+200D shows as its parts,
//   - spaces other than U+0020 (U+00A0, U+3000, …), which look like a
//     space but are not one,
//   - private-use, surrogate and unassigned code points (as Go's Unicode
//     tables know them),
//   - and every byte that is not part of valid UTF-8.
//
// This is exactly the set Go's %q escapes, so Quote and Escape agree, and
// it contains everything the renderers' former safe function escaped.
//
// Escapes are written as Go writes them: \a \b \f \n \r \t \v for those
// controls, \xHH for other bytes below 0x80 and for invalid bytes,
// \uHHHH and \UHHHHHHHH for other runes. The output of Escape is itself
// printable, so escaping twice changes nothing.
func Escape(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	return string(appendEscaped(b, s[i:], false))
}

// firstUnsafe returns the byte index of the first rune of s that Escape
// changes, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < ' ' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !strconv.IsPrint(r) {
			return i
		}
		i += n
	}
	return -1
}

// appendEscaped appends s to b with the escaping rule applied; quoted
// also escapes the double quote and the backslash, as inside a Go string.
func appendEscaped(b []byte, s string, quoted bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case quoted && (c == '"' || c == '\\'):
				b = append(b, '\\', c)
			case c >= ' ' && c != 0x7f:
				b = append(b, c)
			default:
				b = appendControl(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, '\\', 'x', hexDigit[c>>4], hexDigit[c&0xf])
		case strconv.IsPrint(r):
			b = append(b, s[i:i+n]...)
		case r < 0x10000:
			b = append(b, '\\', 'u')
			b = appendHex(b, uint32(r), 4)
		default:
			b = append(b, '\\', 'U')
			b = appendHex(b, uint32(r), 8)
		}
		i += n
	}
	return b
}

func appendControl(b []byte, c byte) []byte {
	switch c {
	case '\a':
		return append(b, `\a`...)
	case '\b':
		return append(b, `\b`...)
	case '\f':
		return append(b, `\f`...)
	case '\n':
		return append(b, `\n`...)
	case '\r':
		return append(b, `\r`...)
	case '\t':
		return append(b, `\t`...)
	case '\v':
		return append(b, `\v`...)
	}
	return append(b, '\\', 'x', hexDigit[c>>4], hexDigit[c&0xf])
}

const hexDigit = "0123456789abcdef"

func appendHex(b []byte, v uint32, digits int) []byte {
	for s := (digits - 1) * 4; s >= 0; s -= 4 {
		b = append(b, hexDigit[v>>uint(s)&0xf])
	}
	return b
}

// EscapeJSON returns the JSON text js with every rune the escaping rule
// escapes (other than those encoding/json already escapes) written as a
// \uXXXX escape, a surrogate pair beyond U+FFFF. encoding/json escapes C0
// controls, U+2028 and U+2029 but writes DEL, C1 controls and the
// bidirectional controls raw, so a report piped to a terminal could
// still be reordered or rewritten; after EscapeJSON it cannot, and a JSON
// decoder reads back exactly the same strings (the rewrite happens only
// inside string literals, where such runes can appear, and an escape
// there means the same rune). Bytes that are not valid UTF-8 become
// \ufffd, as encoding/json itself would have written them.
//
// This post-processing is used instead of sanitizing each string before
// encoding because the encoder would then escape the sanitizer's
// backslashes, changing the data a program reads from the report.
func EscapeJSON(js []byte) []byte {
	i := firstUnsafeJSON(js)
	if i < 0 {
		return js
	}
	out := make([]byte, 0, len(js)+32)
	out = append(out, js[:i]...)
	out, _ = appendJSONEscaped(out, js[i:], true)
	return out
}

func firstUnsafeJSON(js []byte) int {
	for i := 0; i < len(js); {
		c := js[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(js[i:])
		if r == utf8.RuneError && n == 1 || !strconv.IsPrint(r) {
			return i
		}
		i += n
	}
	return -1
}

// appendJSONEscaped rewrites js onto out. Unless final, an incomplete
// UTF-8 sequence at the end is not written; its length is returned.
// ASCII other than DEL is copied: JSON's own escapes and the whitespace
// between tokens are already right.
func appendJSONEscaped(out, js []byte, final bool) ([]byte, int) {
	for i := 0; i < len(js); {
		c := js[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				out = append(out, `\u007f`...)
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		if !final && !utf8.FullRune(js[i:]) {
			return out, len(js) - i
		}
		r, n := utf8.DecodeRune(js[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = append(out, `\ufffd`...)
		case strconv.IsPrint(r):
			out = append(out, js[i:i+n]...)
		case r < 0x10000:
			out = append(out, '\\', 'u')
			out = appendHex(out, uint32(r), 4)
		default:
			r -= 0x10000
			out = append(out, '\\', 'u')
			out = appendHex(out, 0xd800+uint32(r>>10), 4)
			out = append(out, '\\', 'u')
			out = appendHex(out, 0xdc00+uint32(r&0x3ff), 4)
		}
		i += n
	}
	return out, 0
}

// A JSONWriter applies EscapeJSON to a stream of JSON text on its way to
// an underlying writer. Use it under an encoder:
//
//	jw := format.NewJSONWriter(w)
//	enc := json.NewEncoder(jw)
//	err := enc.Encode(v)
//	err = errors.Join(err, jw.Flush())
//
// A UTF-8 sequence split between two Writes is held back and completed by
// the next one; Flush writes a sequence left incomplete at the end as
// \ufffd. encoding/json never writes one, so Flush matters only for
// streams of other origin.
type JSONWriter struct {
	w       io.Writer
	pending [utf8.UTFMax]byte
	npend   int
	buf     []byte
}

// NewJSONWriter returns a JSONWriter writing to w.
func NewJSONWriter(w io.Writer) *JSONWriter { return &JSONWriter{w: w} }

// Write escapes p and writes it. It reports len(p) on success, as
// io.Writer requires, although more bytes reach the underlying writer.
func (j *JSONWriter) Write(p []byte) (int, error) {
	in := p
	if j.npend > 0 {
		in = append(j.pending[:j.npend:j.npend], p...)
		j.npend = 0
	}
	out, held := appendJSONEscaped(j.buf[:0], in, false)
	j.npend = copy(j.pending[:], in[len(in)-held:])
	j.buf = out
	if len(out) > 0 {
		if _, err := j.w.Write(out); err != nil {
			return 0, err
		}
	}
	if cap(j.buf) > 1<<20 {
		j.buf = nil // do not keep a large report's buffer alive
	}
	return len(p), nil
}

// Flush writes a UTF-8 sequence left incomplete by the last Write, as
// \ufffd. It does not flush the underlying writer.
func (j *JSONWriter) Flush() error {
	if j.npend == 0 {
		return nil
	}
	out, _ := appendJSONEscaped(nil, j.pending[:j.npend], true)
	j.npend = 0
	_, err := j.w.Write(out)
	return err
}
