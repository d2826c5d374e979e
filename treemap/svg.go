package treemap

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tensorcount/tensorcount/internal/text"
)

// SVGOptions adjust WriteSVG.
type SVGOptions struct {
	// Standalone adds the xmlns attribute an .svg file needs; SVG inline
	// in HTML does without.
	Standalone bool
	// Total is the denominator of the share given in each block's title;
	// the layout's total when 0.
	Total uint64
	// Label is the accessible name of the picture (aria-label).
	Label string
}

// Font sizes and the width of a character, as a fraction of the font
// size, used to fit labels (a generous estimate for sans-serif).
const (
	fontSize  = 11.0
	charWidth = 0.62
)

// WriteSVG writes the layout as an SVG picture. Each block is a <g
// class="tm-node"> holding a <rect class="tm"> and then its children's
// <g>. The rect carries
//
//	data-role        the block's role ("mixed" for a grouping of several)
//	data-parameters  its parameters, an exact integer
//	data-name        for a leaf (a tensor or a merged group): its name
//	data-inner       for a block with children: "x y w h" of the box they tile
//	data-tensors     the tensors the block stands for, when more than one
//	data-merged      for a merged group: how many blocks it merged
//	data-dtype       a leaf's dtype
//	data-changed     "true" for a marked block
//
// and a <title> with name, shape, dtype, parameters and share, shown on
// hover without any script. Coordinates have three decimals, more for
// sizes under a pixel, so areas stay within 0.1% of the layout's.
func (l *Layout) WriteSVG(w io.Writer, opt SVGOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	total := opt.Total
	if total == 0 {
		total = l.Total
	}
	c := l.Canvas
	bw.WriteString(`<svg class="treemap"`)
	if opt.Standalone {
		bw.WriteString(` xmlns="http://www.w3.org/2000/svg"`)
	}
	fmt.Fprintf(bw, ` viewBox="%s %s %s %s" width="%s" height="%s" role="img" font-family="sans-serif" font-size="%g"`,
		num(c.X), num(c.Y), num(c.W), num(c.H), num(c.W), num(c.H), fontSize)
	if opt.Label != "" {
		fmt.Fprintf(bw, ` aria-label="%s"`, esc(opt.Label))
	}
	bw.WriteString(">\n")
	// Close each block's <g> once its subtree is written: blocks are in
	// depth-first order, so a block's subtree ends where the next block
	// of the same or a smaller depth starts.
	open := 0
	for i := range l.Blocks {
		b := &l.Blocks[i]
		for open > b.Depth {
			bw.WriteString("</g>\n")
			open--
		}
		writeBlock(bw, b, total)
		open++
	}
	for ; open > 0; open-- {
		bw.WriteString("</g>\n")
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

func writeBlock(w *bufio.Writer, b *Block, total uint64) {
	n := b.Node
	r := b.Rect
	fill := RoleColor(b.Role)
	stroke, width, dash := "#FFFFFF", 0.5, ""
	if b.Leaf {
		width, dash = Outline(DTypeClass(n.DType))
		stroke = "#1A1A1A"
	} else {
		if b.Role != "mixed" {
			fill = Tint(fill, 0.72)
		}
		stroke = "#8A8A8A"
	}
	if n.Mark {
		stroke, width, dash = "#000000", 2.5, ""
	}
	w.WriteString(`<g class="tm-node"><rect class="tm"`)
	fmt.Fprintf(w, ` x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="%s" stroke-width="%g"`,
		num(r.X), num(r.Y), size(r.W), size(r.H), fill, stroke, width)
	if dash != "" {
		fmt.Fprintf(w, ` stroke-dasharray="%s"`, dash)
	}
	fmt.Fprintf(w, ` data-role="%s" data-parameters="%d"`, esc(b.Role), b.Params)
	if b.Leaf {
		fmt.Fprintf(w, ` data-name="%s"`, esc(n.Name))
		if n.DType != "" {
			fmt.Fprintf(w, ` data-dtype="%s"`, esc(n.DType))
		}
	} else {
		in := b.Inner
		fmt.Fprintf(w, ` data-inner="%s %s %s %s"`, num(in.X), num(in.Y), size(in.W), size(in.H))
	}
	if t := n.TensorCount(); t > 1 {
		fmt.Fprintf(w, ` data-tensors="%d"`, t)
	}
	if n.Merged > 0 {
		fmt.Fprintf(w, ` data-merged="%d"`, n.Merged)
	}
	if n.Mark {
		w.WriteString(` data-changed="true"`)
	}
	w.WriteString("><title>")
	w.WriteString(escMarkup(title(b, total)))
	w.WriteString("</title></rect>")
	writeLabel(w, b, fill)
	w.WriteString("\n")
}

// title is the hover text of a block, each line cleaned apart so that
// the line breaks stay.
func title(b *Block, total uint64) string {
	n := b.Node
	var s strings.Builder
	s.WriteString(Clean(n.Name))
	if b.Path != n.label() {
		s.WriteString("\n")
		s.WriteString(Clean(b.Path))
	}
	s.WriteString("\nrole ")
	s.WriteString(Clean(b.Role))
	if len(n.Shape) > 0 {
		s.WriteString(" · shape [")
		for i, d := range n.Shape {
			if i > 0 {
				s.WriteString(", ")
			}
			s.WriteString(strconv.FormatUint(d, 10))
		}
		s.WriteString("]")
	}
	if n.DType != "" {
		s.WriteString(" · ")
		s.WriteString(Clean(n.DType))
	}
	fmt.Fprintf(&s, "\n%s parameters (%s) · %s of the model", exact(b.Params), count(b.Params), share(b.Params, total))
	if t := n.TensorCount(); t > 1 {
		fmt.Fprintf(&s, " · %s tensors", exact(uint64(t)))
	}
	if n.Merged > 0 {
		fmt.Fprintf(&s, " · %d blocks merged", n.Merged)
	}
	if n.Mark {
		s.WriteString("\nchanged")
	}
	return s.String()
}

// writeLabel draws the block's name where it fits: in the header band of
// a grouping, in the top left corner of a leaf, clipped to the width.
func writeLabel(w *bufio.Writer, b *Block, fill string) {
	n := b.Node
	r := b.Rect
	if !b.Leaf {
		if b.Header == 0 {
			return
		}
		pad := b.Inner.X - r.X
		text := n.label() + " · " + count(b.Params)
		if fit(text, b.Inner.W-6) != text {
			text = fit(n.label(), b.Inner.W-6)
		}
		if text == "" {
			return
		}
		fmt.Fprintf(w, `<text x="%s" y="%s" fill="#1A1A1A" font-weight="bold" pointer-events="none">%s</text>`,
			num(r.X+pad+3), num(r.Y+pad+b.Header-3.5), esc(text))
		return
	}
	if r.W < 24 || r.H < 14 {
		return
	}
	ink := TextColor(fill)
	line1 := fit(n.label(), r.W-6)
	if line1 == "" {
		return
	}
	fmt.Fprintf(w, `<text x="%s" y="%s" fill="%s" pointer-events="none">%s`, num(r.X+3), num(r.Y+11.5), ink, esc(line1))
	if r.H >= 28 {
		// A number is shown whole or not at all.
		if line2 := count(b.Params); fit(line2, r.W-6) == line2 {
			fmt.Fprintf(w, `<tspan x="%s" y="%s">%s</tspan>`, num(r.X+3), num(r.Y+24.5), esc(line2))
		}
	}
	w.WriteString("</text>")
}

// fit shortens s to what fits in width px, ending it with "…"; "" when
// not even three characters fit.
func fit(s string, width float64) string {
	max := int(width / (fontSize * charWidth))
	rs := []rune(Clean(s))
	if len(rs) <= max {
		return string(rs)
	}
	if max < 4 {
		return ""
	}
	return string(rs[:max-1]) + "…"
}

// num writes a coordinate with three decimals at most.
func num(v float64) string {
	v = math.Round(v*1000) / 1000
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// size writes a width or height: three decimals, or four significant
// digits below one pixel, so the area of a small block keeps its
// precision.
func size(v float64) string {
	if v >= 1 || v <= 0 {
		return num(v)
	}
	dec := 3 + int(math.Ceil(-math.Log10(v)))
	if dec > 15 {
		dec = 15
	}
	p := math.Pow(10, float64(dec))
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}

// count and exact are the project's units (internal/text).
func count(n uint64) string { return text.Count(n) }
func exact(n uint64) string { return text.Exact(n) }

func share(part, whole uint64) string {
	if whole == 0 {
		return "–"
	}
	p := float64(part) * 100 / float64(whole)
	switch {
	case p >= 10:
		return fmt.Sprintf("%.1f%%", p)
	case p >= 0.1:
		return fmt.Sprintf("%.2f%%", p)
	}
	return fmt.Sprintf("%.2g%%", p)
}
