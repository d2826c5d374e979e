package text

import (
	"strings"
	"unicode/utf8"
)

// Width is the display width of s in columns: runes, less the ANSI colour
// sequences this package's callers add (text from files never holds ESC:
// Safe escapes it).
func Width(s string) int {
	if !strings.Contains(s, "\x1b[") {
		return utf8.RuneCountInString(s)
	}
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j + 1
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// Shorten fits s into width columns by cutting it after its first third:
// the end of a tensor name says what it is ("…self_attn.k_proj.weight"),
// and the listing shows the layer in a column of its own.
func Shorten(s string, width int) string {
	n := utf8.RuneCountInString(s)
	if n <= width || width < 5 {
		return s
	}
	r := []rune(s)
	head := (width - 1) / 3
	tail := width - 1 - head
	return string(r[:head]) + "…" + string(r[n-tail:])
}

// Wrap breaks s at spaces into lines of at most width columns; the first
// line starts with first, the others with rest (a hanging indent). A word
// longer than a line is kept whole on its own line.
func Wrap(s string, width int, first, rest string) string {
	var b strings.Builder
	line := first
	lineWidth := Width(first)
	empty := true
	for _, word := range strings.Fields(s) {
		w := Width(word)
		if !empty && lineWidth+1+w > width {
			b.WriteString(line)
			b.WriteByte('\n')
			line, lineWidth, empty = rest, Width(rest), true
		}
		if !empty {
			line += " "
			lineWidth++
		}
		line += word
		lineWidth += w
		empty = false
	}
	b.WriteString(line)
	b.WriteByte('\n')
	return b.String()
}

// ANSI colours for findings and verdicts.
const (
	Red   = "\x1b[31m"
	Green = "\x1b[32m"
	reset = "\x1b[0m"
)

// Paint wraps s in colour when on is set.
func Paint(s, colour string, on bool) string {
	if !on || s == "" {
		return s
	}
	return colour + s + reset
}
