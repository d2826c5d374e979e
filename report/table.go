package report

import (
	"bufio"
	"bytes"
	"io"
	"iter"

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
	// gen, when set, makes the rows after those added, and is called
	// twice (measure, then write) instead of the rows being held. The
	// slice it yields may be reused for the next row.
	gen iter.Seq[[]string]
}

// maxWideCell is the widest a name column becomes, even when the lines
// are not fitted to a width (--wide).
const maxWideCell = 200

// minShrunk is the narrowest a shortened name column becomes.
const minShrunk = 24

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// each calls fn on every row: those added, then those gen makes.
func (t *table) each(fn func([]string)) {
	for _, r := range t.rows {
		fn(r)
	}
	if t.gen != nil {
		for r := range t.gen {
			fn(r)
		}
	}
}

func (t *table) write(w io.Writer) error {
	var widths []int
	t.each(func(r []string) {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], text.Width(c))
		}
	})
	// Even unfitted (--wide) output does not pad every line to a name of
	// megabytes; fitted output shortens the name column (in the middle)
	// until the lines fit, down to minShrunk columns.
	if t.shrink < len(widths) && widths[t.shrink] > maxWideCell {
		widths[t.shrink] = maxWideCell
	}
	if t.width > 0 && t.shrink < len(widths) {
		total := len(t.indent) + 2*(len(widths)-1)
		for _, w := range widths {
			total += w
		}
		if over := total - t.width; over > 0 && widths[t.shrink] > minShrunk {
			widths[t.shrink] = max(minShrunk, widths[t.shrink]-over)
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	t.each(func(r []string) {
		line = append(line[:0], t.indent...)
		for i, c := range r {
			if i == t.shrink {
				c = text.Shorten(c, widths[i])
			}
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
		bw.Write(bytes.TrimRight(line, " "))
		bw.WriteByte('\n')
	})
	return bw.Flush()
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
