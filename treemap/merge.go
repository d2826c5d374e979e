package treemap

import (
	"fmt"
	"slices"
)

// Merge returns a copy of root in which, under every node, the children
// of fewer than minParams parameters (but more than zero) are merged, per
// role, into one leaf: a group named after its size and what it holds
// ("256 experts", "4 norm tensors"). A role with a single small child
// keeps it as it is. Children of zero parameters are dropped.
//
// To merge blocks smaller than A px² on a canvas of C px², pass
// minParams = total × A / C (MinParams does this). The input is not
// modified.
//
// A node left with a single child that is a merged group of the node's
// role is replaced by the group, so that "expert" holding "256 experts"
// does not draw two nested boxes. The group keeps the node's name
// ("expert 7 of layer 3") unless the node is a role grouping (its Name is
// its Role).
func Merge(root *Node, minParams uint64) *Node {
	out, _ := merge(root, minParams, "")
	if out == nil {
		return &Node{Name: root.Name, Label: root.Label, Role: root.Role, Kind: root.Kind}
	}
	return out
}

// MinParams is the parameter count of a block of minArea px² when total
// parameters fill a canvas of canvasArea px².
func MinParams(total uint64, minArea, canvasArea float64) uint64 {
	if canvasArea <= 0 {
		return 0
	}
	return uint64(float64(total) * minArea / canvasArea)
}

// merge returns the merged copy of n and its role, nil when n holds no
// parameters.
func merge(n *Node, min uint64, where string) (*Node, string) {
	if len(n.Children) == 0 {
		if n.Params == 0 {
			return nil, ""
		}
		c := *n
		return &c, n.Role
	}
	type kid struct {
		n    *Node
		role string
		sum  uint64
	}
	if n.Role == "" && n.Name != "" {
		where = n.Name
	}
	var kids []kid
	for _, c := range n.Children {
		m, role := merge(c, min, where)
		if m == nil {
			continue
		}
		kids = append(kids, kid{m, role, m.Sum()})
	}
	if len(kids) == 0 {
		return nil, ""
	}
	// Group the small children by role, in order of first appearance.
	small := map[string][]kid{}
	var order []string
	var keep []*Node
	for _, k := range kids {
		if k.sum >= min {
			continue
		}
		if _, ok := small[k.role]; !ok {
			order = append(order, k.role)
		}
		small[k.role] = append(small[k.role], k)
	}
	grouped := map[*Node]*Node{} // first member → group
	skip := map[*Node]bool{}
	for _, role := range order {
		g := small[role]
		if len(g) < 2 {
			continue
		}
		members := make([]*Node, len(g))
		for i, k := range g {
			members[i] = k.n
		}
		grp := group(members, role, where)
		grouped[g[0].n] = grp
		for _, k := range g[1:] {
			skip[k.n] = true
		}
	}
	role := ""
	for i, k := range kids {
		if skip[k.n] {
			continue
		}
		c := k.n
		if g := grouped[c]; g != nil {
			c = g
		}
		keep = append(keep, c)
		switch {
		case i == 0:
			role = k.role
		case role != k.role:
			role = "mixed"
		}
	}
	out := &Node{Name: n.Name, Label: n.Label, Role: n.Role, Kind: n.Kind, DType: n.DType,
		Shape: n.Shape, Mark: n.Mark, Children: keep}
	if n.Role != "" {
		role = n.Role
	}
	if len(keep) == 1 && keep[0].Merged > 0 && keep[0].Role == role {
		g := keep[0]
		if n.Name != n.Role {
			// Not a role grouping: the group is this node ("expert 7").
			g.Label = n.label()
			g.Name = n.Name
			if where != "" && where != n.Name {
				g.Name = n.Name + " of " + where
			}
			g.Kind = n.Kind
		}
		return g, role
	}
	return out, role
}

// group builds the leaf standing for members, all of one role, merged
// under the grouping named where.
func group(members []*Node, role string, where string) *Node {
	g := &Node{Role: role, Merged: len(members)}
	kind := members[0].Kind
	leaves := true
	dtypes := map[string]bool{}
	var shape []uint64
	sameShape := true
	for _, m := range members {
		g.Params += m.Sum()
		g.Tensors += m.TensorCount()
		g.Mark = g.Mark || marked(m)
		if m.Kind != kind {
			kind = ""
		}
		if len(m.Children) > 0 {
			leaves = false
		}
		collectDTypes(m, dtypes)
		if shape == nil {
			shape = m.Shape
		} else if !slices.Equal(shape, m.Shape) {
			sameShape = false
		}
	}
	if sameShape && leaves {
		g.Shape = shape
	}
	if len(dtypes) == 1 {
		for d := range dtypes {
			g.DType = d
		}
	} else if len(dtypes) > 1 {
		g.DType = "mixed"
	}
	noun := ""
	switch {
	case kind != "":
		noun = plural(len(members), kind)
	case leaves:
		noun = plural(len(members), role+" tensor")
	default:
		noun = plural(len(members), role+" block")
	}
	g.Label = fmt.Sprintf("%d %s", len(members), noun)
	g.Name = g.Label
	if where != "" {
		g.Name = g.Label + " of " + where
	}
	return g
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}

func marked(n *Node) bool {
	if n.Mark {
		return true
	}
	for _, c := range n.Children {
		if marked(c) {
			return true
		}
	}
	return false
}

func collectDTypes(n *Node, into map[string]bool) {
	if len(n.Children) == 0 {
		if n.DType != "" {
			into[n.DType] = true
		}
		return
	}
	for _, c := range n.Children {
		collectDTypes(c, into)
	}
}

// Leaves counts the leaves of a tree.
func Leaves(n *Node) int {
	if len(n.Children) == 0 {
		return 1
	}
	s := 0
	for _, c := range n.Children {
		s += Leaves(c)
	}
	return s
}
