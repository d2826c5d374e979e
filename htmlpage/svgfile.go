package htmlpage

import (
	"io"

	"github.com/tensorcount/tensorcount/treemap"
)

// RenderSVG writes the treemap of p alone as a standalone SVG file, laid
// out and merged as Render draws it on the page. A page with nothing to
// draw gives an empty picture of the canvas size.
func RenderSVG(w io.Writer, p *Page) error {
	o := p.Options.withDefaults()
	tree := p.Tree
	if tree == nil && len(p.Tensors) > 0 {
		tree = Tree(p.Title, p.Tensors)
	}
	canvas := treemap.Rect{W: o.Width, H: o.Height}
	l := &treemap.Layout{Canvas: canvas}
	if tree != nil {
		l, _, _, _ = layout(tree, nil, canvas, o)
	}
	return l.WriteSVG(w, treemap.SVGOptions{Standalone: true, Label: "treemap of " + p.Title})
}
