package report

import (
	"io"
	"strings"
	"unicode/utf8"
)

// table lays out rows of cells in aligned columns: the first column left
// aligned, the others right aligned (they hold numbers).
type table struct {
	rows   [][]string
	indent string
	left   map[int]bool // columns to left-align besides the first
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	done := ""
	for _, r := range t.rows {
		start := len(done)
		b.WriteString(t.indent)
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i == 0 || t.left[i] {
				b.WriteString(c)
				if i < len(r)-1 {
					b.WriteString(pad)
				}
			} else {
				b.WriteString(pad)
				b.WriteString(c)
			}
		}
		// Trailing blanks from empty last cells help nobody.
		line := strings.TrimRight(b.String()[start:], " ")
		b.Reset()
		b.WriteString(done)
		b.WriteString(line)
		b.WriteByte('\n')
		done = b.String()
	}
	_, err := io.WriteString(w, b.String())
	return err
}
