package report

import (
	"bytes"
	"io"
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
	var out, line []byte
	for _, r := range t.rows {
		line = append(line[:0], t.indent...)
		for i, c := range r {
			pad := widths[i] - utf8.RuneCountInString(c)
			if i > 0 {
				line = append(line, "  "...)
			}
			if i == 0 || t.left[i] {
				line = append(line, c...)
				line = appendSpaces(line, pad)
			} else {
				line = appendSpaces(line, pad)
				line = append(line, c...)
			}
		}
		// Trailing blanks from empty or left-aligned last cells help nobody.
		out = append(append(out, bytes.TrimRight(line, " ")...), '\n')
	}
	_, err := w.Write(out)
	return err
}

func appendSpaces(b []byte, n int) []byte {
	for range n {
		b = append(b, ' ')
	}
	return b
}
