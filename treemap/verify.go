package treemap

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Tolerances of Verify.
const (
	// AreaTolerance is the relative error allowed between a block's
	// area and its share of its parent's inner box.
	AreaTolerance = 0.01
	// Slack is the absolute error, in px, allowed in containment and
	// overlap checks: coordinates are rounded to 1/1000 px.
	Slack = 0.002
)

// Stats sums up what Verify checked.
type Stats struct {
	Trees  int // treemaps (root blocks) found
	Blocks int
	Leaves int
	// Params is the parameters of every root, in document order.
	Params []uint64
	// Areas is the area of every root, in document order.
	Areas []float64
}

type vnode struct {
	x, y, w, h float64
	inner      [4]float64
	hasInner   bool
	role, name string
	params     uint64
	title      string
	hasRect    bool
	kids       []*vnode
}

// Verify parses an SVG picture, or an XHTML page holding several, written
// by WriteSVG and checks the geometry contract of every treemap in it:
//
//   - every block is a <rect class="tm"> with a non-empty data-role, a
//     positive integer data-parameters and a non-empty <title>; a leaf
//     also has a data-name, a block with children a data-inner box;
//   - a parent's parameters are the sum of its children's;
//   - the inner box is the block less one padding on the left, right and
//     bottom and the padding plus a header band on top; the children lie
//     inside the inner box and siblings do not overlap (all within Slack);
//   - each child's area is its parameters' share of the inner box's area,
//     within AreaTolerance.
func Verify(r io.Reader) (Stats, error) {
	var st Stats
	d := xml.NewDecoder(r)
	d.Strict = true
	d.AutoClose = nil
	d.Entity = nil
	type frame struct {
		node  *vnode // set for a g.tm-node
		title bool   // a <title> of a block's rect
		rect  bool   // a block's rect
	}
	var stack []frame
	var cur *vnode // innermost open block
	var parents []*vnode
	var titleOf *vnode
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("not well-formed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			f := frame{}
			switch {
			case t.Name.Local == "g" && hasClass(t, "tm-node"):
				n := &vnode{}
				if cur != nil {
					cur.kids = append(cur.kids, n)
				}
				parents = append(parents, cur)
				cur = n
				f.node = n
			case t.Name.Local == "rect" && hasClass(t, "tm"):
				if cur == nil || cur.hasRect {
					return st, errors.New("a rect.tm outside a g.tm-node, or a second one in the same block")
				}
				if err := readRect(cur, t); err != nil {
					return st, err
				}
				f.rect = true
			case t.Name.Local == "title" && len(stack) > 0 && stack[len(stack)-1].rect:
				titleOf = cur
				f.title = true
			}
			stack = append(stack, f)
		case xml.CharData:
			if titleOf != nil {
				titleOf.title += string(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return st, errors.New("unbalanced elements")
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.title {
				titleOf = nil
			}
			if f.node != nil {
				parent := parents[len(parents)-1]
				parents = parents[:len(parents)-1]
				if parent == nil {
					if err := check(f.node, &st); err != nil {
						return st, err
					}
					st.Trees++
					st.Params = append(st.Params, f.node.params)
					st.Areas = append(st.Areas, f.node.w*f.node.h)
				}
				cur = parent
			}
		}
	}
	if st.Trees == 0 {
		return st, errors.New("no treemap block found")
	}
	return st, nil
}

func hasClass(t xml.StartElement, class string) bool {
	for _, a := range t.Attr {
		if a.Name.Local == "class" {
			for _, c := range strings.Fields(a.Value) {
				if c == class {
					return true
				}
			}
		}
	}
	return false
}

func readRect(n *vnode, t xml.StartElement) error {
	n.hasRect = true
	got := map[string]string{}
	for _, a := range t.Attr {
		got[a.Name.Local] = a.Value
	}
	var err error
	for _, f := range []struct {
		key string
		v   *float64
	}{{"x", &n.x}, {"y", &n.y}, {"width", &n.w}, {"height", &n.h}} {
		if *f.v, err = strconv.ParseFloat(got[f.key], 64); err != nil {
			return fmt.Errorf("rect %q: bad %s %q", got["data-name"], f.key, got[f.key])
		}
	}
	n.role, n.name = got["data-role"], got["data-name"]
	if n.role == "" {
		return fmt.Errorf("rect at %g,%g has no data-role", n.x, n.y)
	}
	if n.params, err = strconv.ParseUint(got["data-parameters"], 10, 64); err != nil || n.params == 0 {
		return fmt.Errorf("rect %q at %g,%g: data-parameters %q is not a positive integer", n.name, n.x, n.y, got["data-parameters"])
	}
	if n.w <= 0 || n.h <= 0 {
		return fmt.Errorf("rect %q: size %g×%g is not positive", n.name, n.w, n.h)
	}
	if in, ok := got["data-inner"]; ok {
		f := strings.Fields(in)
		if len(f) != 4 {
			return fmt.Errorf("rect %q: bad data-inner %q", n.name, in)
		}
		for i := range f {
			if n.inner[i], err = strconv.ParseFloat(f[i], 64); err != nil {
				return fmt.Errorf("rect %q: bad data-inner %q", n.name, in)
			}
		}
		n.hasInner = true
	}
	return nil
}

func check(n *vnode, st *Stats) error {
	st.Blocks++
	if !n.hasRect {
		return errors.New("a g.tm-node without its rect")
	}
	if strings.TrimSpace(n.title) == "" {
		return fmt.Errorf("block %q (%s) has no title", n.name, n.role)
	}
	if len(n.kids) == 0 {
		st.Leaves++
		if n.name == "" {
			return fmt.Errorf("leaf at %g,%g (%s) has no data-name", n.x, n.y, n.role)
		}
		return nil
	}
	if !n.hasInner {
		return fmt.Errorf("block at %g,%g has children but no data-inner", n.x, n.y)
	}
	ix, iy, iw, ih := n.inner[0], n.inner[1], n.inner[2], n.inner[3]
	if !inside(ix, iy, iw, ih, n.x, n.y, n.w, n.h) {
		return fmt.Errorf("block at %g,%g: inner box %v is outside the block", n.x, n.y, n.inner)
	}
	// The inner box is the block less one padding on the left, right and
	// bottom and the padding plus a header band on top.
	left, right, bottom := ix-n.x, n.x+n.w-(ix+iw), n.y+n.h-(iy+ih)
	if math.Abs(left-right) > 2*Slack || math.Abs(left-bottom) > 2*Slack || iy-n.y < left-2*Slack {
		return fmt.Errorf("block at %g,%g: inner box %v is not the block less a padding and a header (insets %g left, %g right, %g bottom, %g top)",
			n.x, n.y, n.inner, left, right, bottom, iy-n.y)
	}
	var sum uint64
	for _, k := range n.kids {
		sum += k.params
	}
	if sum != n.params {
		return fmt.Errorf("block at %g,%g has %d parameters but its children %d", n.x, n.y, n.params, sum)
	}
	inner := iw * ih
	for _, k := range n.kids {
		if !inside(k.x, k.y, k.w, k.h, ix, iy, iw, ih) {
			return fmt.Errorf("block %q (%g,%g %g×%g) lies outside its parent's inner box %v", k.name, k.x, k.y, k.w, k.h, n.inner)
		}
		want := inner * float64(k.params) / float64(n.params)
		got := k.w * k.h
		if math.Abs(got-want) > AreaTolerance*want {
			return fmt.Errorf("block %q: area %g px² but %d of %d parameters of an inner box of %g px² is %g px² (%.2f%% off)",
				k.name, got, k.params, n.params, inner, want, (got-want)/want*100)
		}
	}
	// Siblings must not overlap: sweep in x order.
	kids := append([]*vnode(nil), n.kids...)
	sort.Slice(kids, func(i, j int) bool { return kids[i].x < kids[j].x })
	for i, a := range kids {
		for _, b := range kids[i+1:] {
			if b.x >= a.x+a.w-Slack {
				break
			}
			ox := math.Min(a.x+a.w, b.x+b.w) - math.Max(a.x, b.x)
			oy := math.Min(a.y+a.h, b.y+b.h) - math.Max(a.y, b.y)
			if ox > Slack && oy > Slack {
				return fmt.Errorf("blocks %q and %q overlap by %g×%g px", a.name, b.name, ox, oy)
			}
		}
	}
	for _, k := range n.kids {
		if err := check(k, st); err != nil {
			return err
		}
	}
	return nil
}

// inside reports whether box a lies in box b, within Slack.
func inside(ax, ay, aw, ah, bx, by, bw, bh float64) bool {
	return ax >= bx-Slack && ay >= by-Slack && ax+aw <= bx+bw+Slack && ay+ah <= by+bh+Slack
}
