package htmlpage

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tensorcount/tensorcount/treemap"
)

// componentOrder is classify.Components() order; others follow by name.
var componentOrder = []string{"language_model", "vision", "audio", "projector", "mtp"}

// roleOrder is the palette's order; others follow by name.
func roleRank(role string) int {
	for i, s := range treemap.Palette() {
		if s.Role == role {
			return i
		}
	}
	return len(treemap.Palette())
}

func sortRoles(roles []string) {
	sort.Slice(roles, func(i, j int) bool {
		a, b := roleRank(roles[i]), roleRank(roles[j])
		if a != b {
			return a < b
		}
		return roles[i] < roles[j]
	})
}

func compRank(c string) int {
	for i, x := range componentOrder {
		if x == c {
			return i
		}
	}
	return len(componentOrder)
}

// section is where a tensor outside any block goes.
func section(t *Tensor) string {
	switch {
	case t.Layer >= 0:
		return "layers"
	case t.Role == "embedding" || t.Role == "position_embedding":
		return "embeddings"
	case t.Role == "head" || t.Role == "norm":
		return "head"
	}
	return "other"
}

var sectionOrder = map[string]int{"embeddings": 0, "layers": 1, "head": 2, "other": 3}

// Tree builds the treemap tree of tensors: root → component → section
// (embeddings, layers, head, other) → layer → role → tensor, with an
// extra level "expert N" under the expert role for per-expert tensors.
// Final norms go with the head. Tensors of zero parameters (buffers,
// quantization bookkeeping) are kept as leaves, which the layout does not
// draw and Merge drops, so the tree has a leaf per tensor.
// Leaves are labelled with the end of their name (see short).
func Tree(title string, tensors []Tensor) *treemap.Node {
	root := &treemap.Node{Name: title, Kind: "model"}
	type key struct{ comp, sec string }
	comps := map[string]*treemap.Node{}
	secs := map[key]*treemap.Node{}
	layers := map[string]*treemap.Node{}
	roles := map[string]*treemap.Node{}
	experts := map[string]*treemap.Node{}
	child := func(m map[string]*treemap.Node, k string, parent *treemap.Node, mk func() *treemap.Node) *treemap.Node {
		n := m[k]
		if n == nil {
			n = mk()
			m[k] = n
			parent.Children = append(parent.Children, n)
		}
		return n
	}
	for i := range tensors {
		t := &tensors[i]
		comp := t.Component
		if comp == "" {
			comp = "language_model"
		}
		prefix := ""
		if comp != "language_model" {
			prefix = comp + " "
		}
		c := child(comps, comp, root, func() *treemap.Node {
			return &treemap.Node{Name: comp, Kind: "component"}
		})
		sec := section(t)
		sk := key{comp, sec}
		s := secs[sk]
		if s == nil {
			s = &treemap.Node{Name: prefix + sec, Label: sec, Kind: "section"}
			secs[sk] = s
			c.Children = append(c.Children, s)
		}
		leaf := &treemap.Node{Name: t.Name, Label: short(t.Name), Role: t.Role, DType: t.DType,
			Shape: t.Shape, Params: t.Parameters, Kind: "tensor"}
		if t.Layer < 0 {
			s.Children = append(s.Children, leaf)
			continue
		}
		lk := fmt.Sprintf("%s\x00%d", comp, t.Layer)
		l := child(layers, lk, s, func() *treemap.Node {
			return &treemap.Node{Name: fmt.Sprintf("%slayer %d", prefix, t.Layer), Label: fmt.Sprintf("layer %d", t.Layer), Kind: "layer"}
		})
		rk := lk + "\x00" + t.Role
		r := child(roles, rk, l, func() *treemap.Node {
			return &treemap.Node{Name: t.Role, Role: t.Role, Kind: "role"}
		})
		if t.Role == "expert" && t.Expert >= 0 {
			ek := fmt.Sprintf("%s\x00%d", rk, t.Expert)
			r = child(experts, ek, r, func() *treemap.Node {
				return &treemap.Node{Name: fmt.Sprintf("expert %d", t.Expert), Role: t.Role, Kind: "expert"}
			})
		}
		r.Children = append(r.Children, leaf)
	}
	sort.SliceStable(root.Children, func(i, j int) bool {
		return compRank(root.Children[i].Name) < compRank(root.Children[j].Name)
	})
	for _, c := range root.Children {
		sort.SliceStable(c.Children, func(i, j int) bool {
			return sectionOrder[c.Children[i].Label] < sectionOrder[c.Children[j].Label]
		})
	}
	return root
}

// short is the module of a ".weight" ("q_proj"), else the last two
// dot-separated parts of a name ("q_proj.bias").
func short(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return name
	}
	if name[i+1:] == "weight" {
		if j := strings.LastIndexByte(name[:i], '.'); j >= 0 {
			return name[j+1 : i]
		}
		return name[:i]
	}
	j := strings.LastIndexByte(name[:i], '.')
	if j < 0 {
		return name
	}
	return name[j+1:]
}

// layersOf totals the tensors by block and role.
func layersOf(tensors []Tensor) []Layer {
	type key struct {
		comp  string
		layer int
	}
	m := map[key]*Layer{}
	var keys []key
	for i := range tensors {
		t := &tensors[i]
		comp := t.Component
		if comp == "" {
			comp = "language_model"
		}
		k := key{comp, t.Layer}
		l := m[k]
		if l == nil {
			l = &Layer{Component: comp, Layer: t.Layer, ByRole: map[string]uint64{}}
			m[k] = l
			keys = append(keys, k)
		}
		l.Parameters += t.Parameters
		if t.Parameters > 0 {
			l.ByRole[t.Role] += t.Parameters
		}
	}
	out := make([]Layer, 0, len(keys))
	for _, k := range keys {
		out = append(out, *m[k])
	}
	return out
}

func rolesOf(tensors []Tensor) []RoleRow {
	m := map[string]*RoleRow{}
	for i := range tensors {
		t := &tensors[i]
		r := m[t.Role]
		if r == nil {
			r = &RoleRow{Role: t.Role}
			m[t.Role] = r
		}
		r.Tensors++
		r.Elements += t.Elements
		r.Parameters += t.Parameters
	}
	out := make([]RoleRow, 0, len(m))
	for _, r := range m {
		out = append(out, *r)
	}
	return out
}

func dtypesOf(tensors []Tensor) []DTypeRow {
	m := map[string]*DTypeRow{}
	for i := range tensors {
		t := &tensors[i]
		r := m[t.DType]
		if r == nil {
			r = &DTypeRow{DType: t.DType}
			m[t.DType] = r
		}
		r.Tensors++
		r.Elements += t.Elements
		r.Bytes += t.Bytes
	}
	out := make([]DTypeRow, 0, len(m))
	for _, r := range m {
		out = append(out, *r)
	}
	return out
}
