package format

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxQuoted bounds how much of a string an error message repeats.
const maxQuoted = 120

// Quote returns s in double quotes, escaped by the rule Escape follows and
// with double quotes and backslashes escaped too, so that the bytes can be
// read back exactly (it agrees with Go's %q). A string longer than 120
// bytes is cut at a rune boundary and its length in bytes is added. Use it
// wherever a value that came from a file is named in a message.
func Quote(s string) string {
	cut := ""
	if len(s) > maxQuoted {
		n := maxQuoted
		for n > maxQuoted-utf8.UTFMax && !utf8.RuneStart(s[n]) {
			n--
		}
		cut = "…(" + strconv.Itoa(len(s)) + " bytes)"
		s = s[:n]
	}
	b := make([]byte, 0, len(s)+2+len(cut))
	b = append(b, '"')
	b = appendEscaped(b, s, true)
	b = append(b, '"')
	b = append(b, cut...)
	return string(b)
}

// Width returns the number of terminal columns s takes: East Asian wide
// and fullwidth runes take two, combining marks and other zero-width
// runes none, everything else one. Apply it to text Escape has made safe;
// a control character has no meaningful width.
func Width(s string) int {
	// ASCII, nearly every cell of every table, is a column a byte: eight
	// bytes are tested at once.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&0x8080_8080_8080_8080 != 0 {
			break
		}
	}
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	w := i
	for _, r := range s[i:] {
		w += runeWidth(r)
	}
	return w
}

// runeWidth is a rune's width in columns. The wide ranges are the East
// Asian Wide and Fullwidth blocks of UAX #11 that occur in practice (CJK,
// Hangul, kana, fullwidth forms, emoji); an exact table is not worth a
// dependency for aligning tables of tensor names.
func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == 0x200b:
		return 0
	case r >= 0x1100 && r <= 0x115f, // Hangul Jamo initial consonants
		r >= 0x2e80 && r <= 0x303e, // CJK radicals … CJK symbols
		r >= 0x3041 && r <= 0x33ff, // kana, CJK compatibility
		r >= 0x3400 && r <= 0x4dbf, // CJK extension A
		r >= 0x4e00 && r <= 0x9fff, // CJK unified ideographs
		r >= 0xa000 && r <= 0xa4cf, // Yi
		r >= 0xac00 && r <= 0xd7a3, // Hangul syllables
		r >= 0xf900 && r <= 0xfaff, // CJK compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60, // fullwidth forms
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f, // pictographs, emoticons
		r >= 0x1f900 && r <= 0x1f9ff,
		r >= 0x20000 && r <= 0x3fffd: // CJK extensions B…
		return 2
	}
	return 1
}

// Shorten returns s cut to at most width columns (as Width counts them)
// by replacing its middle with "…", keeping a third of the width for the
// start and the rest for the end, where tensor names keep their most
// telling part ("model.…mlp.down_proj.weight"); the layer is shown in a
// column of its own. s is returned unchanged if it
// fits; a width below 1 gives "". Shorten does not escape: apply it to
// the output of Escape, so that what it measures is what is shown.
func Shorten(s string, width int) string {
	if width < 1 {
		return ""
	}
	if Width(s) <= width {
		return s
	}
	if width == 1 {
		return "…"
	}
	headW := (width - 1) / 3
	tailW := width - 1 - headW
	head, w := len(s), 0
	for i, r := range s {
		rw := runeWidth(r)
		if w+rw > headW {
			head = i
			break
		}
		w += rw
	}
	tail, w := len(s), 0
	for tail > head {
		r, n := utf8.DecodeLastRuneInString(s[:tail])
		rw := runeWidth(r)
		if w+rw > tailW {
			break
		}
		w += rw
		tail -= n
	}
	return s[:head] + "…" + s[tail:]
}

// FewNames lists at most n of names, escaped and each shortened to 80
// columns, for a message: "a, b and c" when they are few, "a, b, c and
// 65,532 more" when there are more than n. An n below 1 is taken as 1.
// It returns "" for no names.
func FewNames(names []string, n int) string {
	n = max(n, 1)
	switch {
	case len(names) == 0:
		return ""
	case len(names) == 1:
		return listedName(names[0])
	}
	var b strings.Builder
	shown := min(len(names), n)
	if len(names) <= n {
		shown = len(names) - 1 // the last one follows "and"
	}
	for i, name := range names[:shown] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(listedName(name))
	}
	b.WriteString(" and ")
	if len(names) <= n {
		b.WriteString(listedName(names[len(names)-1]))
	} else {
		b.WriteString(Thousands(uint64(len(names) - shown)))
		b.WriteString(" more")
	}
	return b.String()
}

// maxListedWidth is the widest a name FewNames lists becomes.
const maxListedWidth = 80

func listedName(name string) string {
	if n := 2 * maxListedWidth; len(name) > 2*n {
		// Escape and Shorten need look at no more than the two ends.
		head, tail := n, len(name)-n
		for head > 0 && !utf8.RuneStart(name[head]) {
			head--
		}
		for tail < len(name) && !utf8.RuneStart(name[tail]) {
			tail++
		}
		name = name[:head] + "\u2026" + name[tail:]
	}
	return Shorten(Escape(name), maxListedWidth)
}

// Thousands writes v in decimal with commas between groups of three
// digits: 65532 → "65,532".
func Thousands(v uint64) string {
	s := strconv.FormatUint(v, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/3)
	first := len(s) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
