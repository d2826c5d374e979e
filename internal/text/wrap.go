package text

import (
	"strings"

	"github.com/tensorcount/tensorcount/format"
)

// Width is the display width of s in columns, as format.Width counts
// them, less the ANSI colour sequences this package's callers add (text
// from files never holds ESC: Safe escapes it).
func Width(s string) int {
	if strings.IndexByte(s, 0x1b) < 0 {
		return format.Width(s)
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
		j := i + 1
		for j < len(s) && s[j] != 0x1b {
			j++
		}
		n += format.Width(s[i:j])
		i = j
	}
	return n
}

// Shorten fits s into width columns by replacing its middle with "…"; it
// is format.Shorten.
func Shorten(s string, width int) string { return format.Shorten(s, width) }

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
