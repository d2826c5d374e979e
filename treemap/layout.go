// Package treemap lays out a weighted tree as a squarified treemap (Bruls,
// Huizing and van Wijk, "Squarified Treemaps", 2000), merges blocks too
// small to see into named groups, writes the layout as SVG with data
// attributes a program can check, and checks such an SVG (Verify).
//
// Geometry contract. Every block is a rectangle. A block with children
// has an inner box: its rectangle minus a padding on every side and a
// header band at the top (either may be zero for small blocks). Its
// children tile the inner box, so each child's area is
//
//	inner area of the parent × child parameters / parent parameters,
//
// and a parent's parameters are the sum of its children's. Blocks of zero
// parameters are not laid out. The root's area is the whole canvas.
package treemap

import (
	"math"
	"sort"
)

// Node is one block of a weighted tree: a tensor, a merged group of
// tensors, or a grouping (component, section, layer, role).
type Node struct {
	// Name identifies the block: the tensor name for a tensor, a group's
	// name ("256 experts") for a merged group, a label ("layer 12") for a
	// grouping.
	Name string
	// Label is the shorter text drawn on the block; Name when empty.
	Label string
	// Role colours the block. A grouping without one takes the role its
	// leaves share, or "mixed".
	Role string
	// Kind says what the node is, singular ("expert", "layer"); merged
	// groups of nodes of one kind are named after it ("256 experts").
	Kind string
	// Params is a leaf's parameter count. For a node with children it is
	// ignored: the sum of the children's is used.
	Params uint64
	DType  string
	Shape  []uint64
	// Tensors is how many tensors a leaf stands for; 0 means 1.
	Tensors int
	// Merged, when positive, says the leaf is a group of that many merged
	// blocks.
	Merged int
	// Mark outlines the block (the diff view marks changed tensors).
	Mark     bool
	Children []*Node
}

// Sum is the node's parameters: Params for a leaf, the sum of the
// children's otherwise.
func (n *Node) Sum() uint64 {
	if len(n.Children) == 0 {
		return n.Params
	}
	var s uint64
	for _, c := range n.Children {
		s += c.Sum()
	}
	return s
}

// TensorCount is how many tensors the subtree stands for.
func (n *Node) TensorCount() int {
	if len(n.Children) == 0 {
		if n.Tensors > 0 {
			return n.Tensors
		}
		return 1
	}
	s := 0
	for _, c := range n.Children {
		s += c.TensorCount()
	}
	return s
}

func (n *Node) label() string {
	if n.Label != "" {
		return n.Label
	}
	return n.Name
}

// Rect is an axis-aligned rectangle.
type Rect struct{ X, Y, W, H float64 }

// Area is W·H.
func (r Rect) Area() float64 { return r.W * r.H }

// Block is one laid-out node.
type Block struct {
	Node   *Node
	Parent int // index of the parent block in Layout.Blocks, -1 for the root
	Depth  int
	Rect   Rect
	// Inner is where the children lie: Rect minus padding and header.
	// Zero for a leaf.
	Inner  Rect
	Header float64 // height of the header band (0: none)
	Params uint64
	Role   string // Node.Role, or the role the leaves share, or "mixed"
	Path   string // names of the ancestors and the node, joined by " / "
	Leaf   bool
}

// Options shape the layout.
type Options struct {
	// Padding around the children of a block; dropped for blocks
	// narrower or lower than 6 paddings. 0 means no padding.
	Padding float64
	// Header is the height of the label band above the children of a
	// block; dropped for blocks narrower than 48 px or lower than 3
	// headers (after padding).
	Header float64
}

// DefaultOptions is 2 px of padding and a 14 px header.
var DefaultOptions = Options{Padding: 2, Header: 14}

// Layout is a laid-out tree, blocks in depth-first order (a parent before
// its children, children largest first).
type Layout struct {
	Blocks []Block
	Total  uint64
	Canvas Rect
}

// New lays out root in canvas. Nodes of zero parameters are left out.
func New(root *Node, canvas Rect, opt Options) *Layout {
	l := &Layout{Canvas: canvas}
	sums := map[*Node]uint64{}
	roles := map[*Node]string{}
	sumTree(root, sums, roles)
	l.Total = sums[root]
	if l.Total == 0 {
		return l
	}
	l.place(root, -1, 0, canvas, "", opt, sums, roles)
	return l
}

func sumTree(n *Node, sums map[*Node]uint64, roles map[*Node]string) (uint64, string) {
	if len(n.Children) == 0 {
		sums[n] = n.Params
		roles[n] = n.Role
		return n.Params, n.Role
	}
	var s uint64
	role, first := "", true
	for _, c := range n.Children {
		cs, cr := sumTree(c, sums, roles)
		if cs == 0 {
			continue
		}
		s += cs
		if first {
			role, first = cr, false
		} else if cr != role {
			role = "mixed"
		}
	}
	if n.Role != "" {
		role = n.Role
	}
	if role == "" {
		role = "mixed"
	}
	sums[n], roles[n] = s, role
	return s, role
}

func (l *Layout) place(n *Node, parent, depth int, r Rect, path string, opt Options, sums map[*Node]uint64, roles map[*Node]string) {
	if path != "" {
		path += " / "
	}
	path += n.label()
	idx := len(l.Blocks)
	b := Block{Node: n, Parent: parent, Depth: depth, Rect: r, Params: sums[n], Role: roles[n], Path: path}
	kids := make([]*Node, 0, len(n.Children))
	for _, c := range n.Children {
		if sums[c] > 0 {
			kids = append(kids, c)
		}
	}
	if len(kids) == 0 {
		b.Leaf = true
		l.Blocks = append(l.Blocks, b)
		return
	}
	b.Inner, b.Header = inner(r, opt)
	l.Blocks = append(l.Blocks, b)
	sort.SliceStable(kids, func(i, j int) bool { return sums[kids[i]] > sums[kids[j]] })
	total := float64(b.Params)
	area := b.Inner.Area()
	vals := make([]float64, len(kids))
	for i, c := range kids {
		vals[i] = area * float64(sums[c]) / total
	}
	rects := Squarify(vals, b.Inner)
	for i, c := range kids {
		l.place(c, idx, depth+1, rects[i], path, opt, sums, roles)
	}
}

// inner is the box a block of rectangle r gives its children, and the
// height of its header band.
func inner(r Rect, opt Options) (Rect, float64) {
	pad := opt.Padding
	if r.W < 6*pad || r.H < 6*pad {
		pad = 0
	}
	head := opt.Header
	if r.W-2*pad < 48 || r.H-2*pad < 3*head {
		head = 0
	}
	return Rect{r.X + pad, r.Y + pad + head, r.W - 2*pad, r.H - 2*pad - head}, head
}

// Squarify tiles r with rectangles of the given areas, in the given order
// (sort them largest first for the squarified result), so that their
// aspect ratios stay close to 1. The areas should sum to r's area; each
// rectangle gets the share of r its area is of the sum.
func Squarify(areas []float64, r Rect) []Rect {
	out := make([]Rect, len(areas))
	var sum float64
	for _, a := range areas {
		sum += a
	}
	if sum <= 0 || len(areas) == 0 {
		return out
	}
	// Scale to r exactly.
	scale := r.Area() / sum
	// rest[i] is the area left for blocks i…: the free rectangle's side
	// is derived from it after each row rather than by subtraction, which
	// would lose the precision of a thin remainder.
	rest := make([]float64, len(areas)+1)
	for i := len(areas) - 1; i >= 0; i-- {
		rest[i] = rest[i+1] + areas[i]*scale
	}
	i := 0
	for i < len(areas) {
		side := math.Min(r.W, r.H)
		// Grow the row while its worst aspect ratio does not get worse.
		j := i + 1
		rowSum := areas[i] * scale
		rowMin, rowMax := rowSum, rowSum
		worst := ratio(rowSum, rowMin, rowMax, side)
		for j < len(areas) {
			a := areas[j] * scale
			w := ratio(rowSum+a, math.Min(rowMin, a), math.Max(rowMax, a), side)
			if w > worst {
				break
			}
			rowSum += a
			rowMin, rowMax = math.Min(rowMin, a), math.Max(rowMax, a)
			worst = w
			j++
		}
		// Sizes come from each block's own area, not from what is left
		// of r, so that rounding in the large blocks does not pile up on
		// the last, smallest one; the drift in position is ~1e-12 px.
		if r.W >= r.H {
			// A column along the left side.
			thick := rowSum / r.H
			y := r.Y
			for k := i; k < j; k++ {
				h := areas[k] * scale / thick
				out[k] = Rect{r.X, y, thick, h}
				y += h
			}
			r = Rect{r.X + thick, r.Y, rest[j] / r.H, r.H}
		} else {
			// A row along the top.
			thick := rowSum / r.W
			x := r.X
			for k := i; k < j; k++ {
				w := areas[k] * scale / thick
				out[k] = Rect{x, r.Y, w, thick}
				x += w
			}
			r = Rect{r.X, r.Y + thick, r.W, rest[j] / r.W}
		}
		i = j
	}
	return out
}

// ratio is the worst aspect ratio of a row of total area s, smallest area
// lo and largest hi laid along a side of length w (Bruls et al.'s worst).
func ratio(s, lo, hi, w float64) float64 {
	if s <= 0 || lo <= 0 {
		return math.Inf(1)
	}
	w2, s2 := w*w, s*s
	return math.Max(w2*hi/s2, s2/(w2*lo))
}
