package report

import (
	"bytes"
	"io"

	"github.com/tensorcount/tensorcount/internal/text"
)

// table lays out rows of cells in aligned columns: the first column left
// aligned, the others right aligned (they hold numbers).
type table struct {
	rows   [][]string
	indent string
	left   map[int]bool // columns to left-align besides the first
	// width, when positive, is the line width to fit: the cells of
	// column shrink (a name column) are shortened in the middle until
	// the lines fit, down to minShrunk columns.
	width  int
	shrink int
}

// maxWideCell is the widest a name column becomes, even when the lines
// are not fitted to a width (--wide).
const maxWideCell = 200

// minShrunk is the narrowest a shortened name column becomes.
const minShrunk = 24

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], text.Width(c))
		}
	}
	if t.shrink < len(widths) && widths[t.shrink] > maxWideCell {
		// Even unfitted (--wide) output does not pad every line to a
		// name of megabytes.
		widths[t.shrink] = maxWideCell
		for _, r := range t.rows {
			if t.shrink < len(r) {
				r[t.shrink] = text.Shorten(r[t.shrink], maxWideCell)
			}
		}
	}
	if t.width > 0 && t.shrink < len(widths) {
		total := len(t.indent) + 2*(len(widths)-1)
		for _, w := range widths {
			total += w
		}
		if over := total - t.width; over > 0 && widths[t.shrink] > minShrunk {
			widths[t.shrink] = max(minShrunk, widths[t.shrink]-over)
			for _, r := range t.rows {
				if t.shrink < len(r) {
					r[t.shrink] = text.Shorten(r[t.shrink], widths[t.shrink])
				}
			}
		}
	}
	var out, line []byte
	for _, r := range t.rows {
		line = append(line[:0], t.indent...)
		for i, c := range r {
			pad := widths[i] - text.Width(c)
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

// shortName is a tensor name escaped and cut to maxWideCell columns, for
// a name written outside a table.
func shortName(s string) string { return text.Shorten(text.Safe(s), maxWideCell) }
