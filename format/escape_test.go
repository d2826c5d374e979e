package format_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/format"
)

// mustEscape lists every code point the issue names: C0, DEL, C1, the
// bidirectional controls and the invisible format characters.
func mustEscape() []rune {
	var rs []rune
	for r := rune(0); r < 0x20; r++ {
		rs = append(rs, r)
	}
	rs = append(rs, 0x7f)
	for r := rune(0x80); r <= 0x9f; r++ {
		rs = append(rs, r)
	}
	for r := rune(0x202a); r <= 0x202e; r++ {
		rs = append(rs, r)
	}
	for r := rune(0x2066); r <= 0x2069; r++ {
		rs = append(rs, r)
	}
	rs = append(rs, 0x200e, 0x200f, 0x061c, // marks
		0x2028, 0x2029, // separators
		0xfeff, 0x200b, 0x200c, 0x200d, 0x2060, 0x00ad, // invisible
		0x00a0, 0x3000, // spaces that are not U+0020
		0xe0001, 0xe0041, // tags
		0xe000, 0x10ffff, // private use
	)
	return rs
}

func TestEscapeEveryControl(t *testing.T) {
	for _, r := range mustEscape() {
		s := "a" + string(r) + "b"
		got := format.Escape(s)
		want := strings.Trim(strconv.QuoteRune(r), "'")
		if r == '\'' {
			want = "'"
		}
		require.Equal(t, "a"+want+"b", got, "U+%04X", r)
		require.True(t, strings.HasPrefix(want, `\`), "U+%04X not escaped", r)
		require.True(t, isPlainASCII(got), "U+%04X left raw: %q", r, got)
		// Quote agrees with %q.
		require.Equal(t, fmt.Sprintf("%q", s), format.Quote(s), "U+%04X", r)
		// Idempotent.
		require.Equal(t, got, format.Escape(got))
	}
	require.Equal(t, `\x1b[2J\a\x00\u202eevil\u2066`, format.Escape("\x1b[2J\a\x00\u202eevil\u2066"))
	require.Equal(t, `\u009b31m`, format.Escape("\u009b31m"))
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// TestEscapeAllRunes checks the rule over every code point: a rune is
// kept exactly when strconv.IsPrint says it is printable, and what is
// kept is never a control, a bidi control or a separator.
func TestEscapeAllRunes(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // not encodable in UTF-8
		}
		s := string(r)
		got := format.Escape(s)
		if strconv.IsPrint(r) {
			if got != s {
				t.Fatalf("U+%04X changed to %q", r, got)
			}
			continue
		}
		if got == s || !isPlainASCII(got) {
			t.Fatalf("U+%04X not escaped: %q", r, got)
		}
	}
	for _, r := range mustEscape() {
		require.False(t, strconv.IsPrint(r), "U+%04X", r)
	}
}

func TestEscapeInvalidUTF8(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"\xff", `\xff`},
		{"a\xc3", `a\xc3`},               // truncated sequence
		{"\xe2\x80", `\xe2\x80`},         // truncated three-byte sequence
		{"\xed\xa0\x80", `\xed\xa0\x80`}, // encoded surrogate
		{"\xc0\xaf", `\xc0\xaf`},         // overlong
		{"é\xffé", `é\xffé`},
	} {
		require.Equal(t, c.want, format.Escape(c.in), "%q", c.in)
		require.True(t, utf8.ValidString(format.Escape(c.in)))
	}
	for b := 0x80; b <= 0xff; b++ {
		s := string([]byte{byte(b)})
		require.Equal(t, fmt.Sprintf(`\x%02x`, b), format.Escape(s))
		require.Equal(t, fmt.Sprintf("%q", s), format.Quote(s))
	}
}

func TestEscapeKeepsText(t *testing.T) {
	for _, s := range []string{"", "model.layers.0.mlp.down_proj.weight", `a\b"c`, "日本語のモデル", "Ünïcödé — ok…", "🦙 llama"} {
		require.Equal(t, s, format.Escape(s))
	}
	require.Zero(t, testing.AllocsPerRun(100, func() { format.Escape("model.layers.0.mlp.down_proj.weight") }))
}

func TestQuoteCut(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes; byte 120 is a rune start
	q := format.Quote(long)
	require.Equal(t, `"`+strings.Repeat("é", 60)+`"…(200 bytes)`, q)
	odd := "x" + strings.Repeat("é", 100) // byte 120 is inside a rune
	q = format.Quote(odd)
	require.Equal(t, `"x`+strings.Repeat("é", 59)+`"…(201 bytes)`, q)
	require.True(t, utf8.ValidString(q))
}

func TestErrorEscaped(t *testing.T) {
	err := &format.Error{File: "\x1b]0;pwned\a.safetensors", Offset: -1, Msg: "names shard \u202egnp.exe"}
	require.Equal(t, `\x1b]0;pwned\a.safetensors: names shard \u202egnp.exe`, err.Error())
}

// jsonOf encodes v as the JSON renderer does, through a JSONWriter.
func jsonOf(t *testing.T, v any) string {
	var buf bytes.Buffer
	jw := format.NewJSONWriter(&buf)
	enc := json.NewEncoder(jw)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	require.NoError(t, jw.Flush())
	return buf.String()
}

func TestEscapeJSON(t *testing.T) {
	var all []rune
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if (r < 0xd800 || r > 0xdfff) && !strconv.IsPrint(r) {
			all = append(all, r)
		}
	}
	in := map[string]any{"name": string(all), "list": []string{"ok", "\u202e", "日本"}, "n": 1}
	plain, err := json.Marshal(in)
	require.NoError(t, err)
	require.Contains(t, string(plain), "\u202e", "encoding/json writes bidi controls raw")

	for _, out := range []string{string(format.EscapeJSON(plain)), jsonOf(t, in)} {
		require.True(t, isPlainJSON(out), "raw control left in %.200q", out)
		var back map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &back))
		require.Equal(t, string(all), back["name"], "JSON decodes to the same string")
		require.Equal(t, []any{"ok", "\u202e", "日本"}, back["list"])
	}
	require.Contains(t, string(format.EscapeJSON([]byte(`"a`+"\u202e\u0085\x7f\U000e0041"+`"`))), `"a\u202e\u0085\u007f\udb40\udc41"`)
	// Clean JSON is returned as is.
	clean := []byte(`{"a": "日本", "b": [1, 2]}`)
	require.Equal(t, clean, format.EscapeJSON(clean))
	// Invalid UTF-8 becomes U+FFFD, as encoding/json would write it.
	require.Equal(t, `"\ufffd"`, string(format.EscapeJSON([]byte("\"\xff\""))))
}

// isPlainJSON reports whether s holds no rune the rule escapes, other
// than the whitespace between JSON tokens.
func isPlainJSON(s string) bool {
	for _, r := range s {
		if r == '\n' || r == ' ' {
			continue
		}
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}

// TestJSONWriterSplit writes JSON one byte at a time: a rune split between
// writes is escaped as if written whole.
func TestJSONWriterSplit(t *testing.T) {
	in := []byte(`{"a":"x` + "\u202e日\U000e0041\u0085" + `y"}`)
	var buf bytes.Buffer
	jw := format.NewJSONWriter(&buf)
	for i := range in {
		n, err := jw.Write(in[i : i+1])
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}
	require.NoError(t, jw.Flush())
	require.Equal(t, `{"a":"x\u202e日\udb40\udc41\u0085y"}`, buf.String())
	require.Equal(t, string(format.EscapeJSON(in)), buf.String())

	// An incomplete sequence at the end is flushed as U+FFFD.
	buf.Reset()
	_, err := jw.Write([]byte("\"\xe2\x80"))
	require.NoError(t, err)
	require.Equal(t, `"`, buf.String())
	require.NoError(t, jw.Flush())
	require.Equal(t, `"\ufffd\ufffd`, buf.String(), "one per byte, as encoding/json writes them")
}

func ExampleEscape() {
	name := "model.\x1b[31mlayers\x1b[0m.0.\u202eweight"
	fmt.Println(format.Escape(name))
	fmt.Println(format.Quote(name))
	fmt.Println(string(format.EscapeJSON([]byte(`{"name":"` + "a\u202eb\u0085" + `"}`))))
	// Output:
	// model.\x1b[31mlayers\x1b[0m.0.\u202eweight
	// "model.\x1b[31mlayers\x1b[0m.0.\u202eweight"
	// {"name":"a\u202eb\u0085"}
}
