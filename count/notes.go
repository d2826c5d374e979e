package count

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tensorcount/tensorcount/internal/text"
)

// notes collects the report's explanations. Tensors excluded or unpacked
// for the same reason are grouped under one note per name pattern
// (layer numbers replaced by N), so that a 64-layer model gets one line,
// not 64.
type notes struct {
	list   []string
	seen   map[string]bool
	groups map[string]*noteGroup
	order  []string
	buf    []byte // scratch for group keys
}

type noteGroup struct {
	kind, pattern string
	tensors       int
	elements      uint64
	first         int // the tensor it was first recorded for
}

func newNotes(initial []string) *notes {
	return &notes{list: append([]string{}, initial...), seen: map[string]bool{}, groups: map[string]*noteGroup{}}
}

func (n *notes) add(s string) { n.list = append(n.list, s) }

// once adds s the first time key is seen.
func (n *notes) once(key, s string) {
	if !n.seen[key] {
		n.seen[key] = true
		n.add(s)
	}
}

// group records tensor at, named name, under a kind of note ("buffer",
// "quant_aux", "unpack:<how>") with the elements the note is about.
func (n *notes) group(at int, kind, name string, elements uint64) {
	// The key is built in a reused buffer; indexing a map with
	// string(bytes) does not allocate, so only a new pattern costs memory.
	n.buf = appendPattern(append(append(n.buf[:0], kind...), 0), name)
	g, ok := n.groups[string(n.buf)]
	if !ok {
		key := string(n.buf)
		g = &noteGroup{kind: kind, pattern: text.Safe(key[len(kind)+1:]), first: at}
		n.groups[key] = g
		n.order = append(n.order, key)
	}
	g.tensors++
	g.elements += elements
}

// merge adds the groups of o, recorded for later tensors than n's.
func (n *notes) merge(o *notes) {
	for _, key := range o.order {
		og := o.groups[key]
		if g, ok := n.groups[key]; ok {
			g.tensors += og.tensors
			g.elements += og.elements
			continue
		}
		n.groups[key] = og
		n.order = append(n.order, key)
	}
}

// orderGroups puts the groups in the order of the tensors they were
// first recorded for, as recording them one tensor after another does.
func (n *notes) orderGroups() {
	slices.SortStableFunc(n.order, func(a, b string) int { return n.groups[a].first - n.groups[b].first })
}

// maxPatterns is how many name patterns one kind of note lists before
// patterns are merged by their last segment.
const maxPatterns = 4

// render returns every note: grouped ones first, in the order their kinds
// first appeared, then the rest.
func (n *notes) render() []string {
	var kinds []string
	byKind := map[string][]*noteGroup{}
	for _, key := range n.order {
		g := n.groups[key]
		if _, ok := byKind[g.kind]; !ok {
			kinds = append(kinds, g.kind)
		}
		byKind[g.kind] = append(byKind[g.kind], g)
	}
	var out []string
	for _, kind := range kinds {
		gs := byKind[kind]
		if len(gs) > maxPatterns {
			gs = mergeByLastSegment(gs)
		}
		for _, g := range gs {
			out = append(out, describe(g))
		}
	}
	return append(out, collapse(n.list)...)
}

// collapse merges notes that differ only in their numbers (the same
// warning for blk.0 … blk.79) into the first one and a count.
func collapse(list []string) []string {
	var out []string
	index := map[string]int{}
	extra := map[int]int{}
	for _, s := range list {
		key := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '#'
			}
			return r
		}, s)
		if i, ok := index[key]; ok {
			extra[i]++
			continue
		}
		index[key] = len(out)
		out = append(out, s)
	}
	for i, n := range extra {
		out[i] += fmt.Sprintf(" (and %d more like it)", n)
	}
	return out
}

func describe(g *noteGroup) string {
	what := fmt.Sprintf("%s %s %s", text.Exact(g.tensors), text.Plural(g.tensors, "tensor", "tensors"), g.pattern)
	switch {
	case g.kind == "buffer":
		return fmt.Sprintf("%s: %s (stored state such as masks and rotary tables, not learned): %s elements not counted",
			what, text.Plural(g.tensors, "a buffer", "buffers"), text.Exact(g.elements))
	case g.kind == "quant_aux":
		return fmt.Sprintf("%s: quantization bookkeeping (scales, zero points, indices), not parameters: %s elements not counted",
			what, text.Exact(g.elements))
	case g.kind == "tied":
		return fmt.Sprintf("%s: a copy of a tied weight, counted once: %s parameters not counted again", what, text.Exact(g.elements))
	case strings.HasPrefix(g.kind, "unpack:"):
		return fmt.Sprintf("%s: %s; %s parameters more than the stored elements", what, strings.TrimPrefix(g.kind, "unpack:"), text.Exact(g.elements))
	}
	return what
}

// mergeByLastSegment folds patterns that end alike ("….q_proj.scales",
// "….k_proj.scales") into one "*.scales" group.
func mergeByLastSegment(gs []*noteGroup) []*noteGroup {
	merged := map[string]*noteGroup{}
	var keys []string
	for _, g := range gs {
		last := g.pattern
		if i := strings.LastIndexByte(last, '.'); i >= 0 {
			last = "*" + last[i:]
		}
		m, ok := merged[last]
		if !ok {
			m = &noteGroup{kind: g.kind, pattern: last}
			merged[last] = m
			keys = append(keys, last)
		}
		m.tensors += g.tensors
		m.elements += g.elements
	}
	sort.SliceStable(keys, func(i, j int) bool { return merged[keys[i]].elements > merged[keys[j]].elements })
	out := make([]*noteGroup, len(keys))
	for i, k := range keys {
		out[i] = merged[k]
	}
	return out
}

// appendPattern appends name with its numeric segments replaced by N:
// "h.11.attn.bias" becomes "h.N.attn.bias".
func appendPattern(b []byte, name string) []byte {
	for {
		i := strings.IndexByte(name, '.')
		seg := name
		if i >= 0 {
			seg = name[:i]
		}
		// Most segments are words: the first byte tells.
		if seg != "" && '0' <= seg[0] && seg[0] <= '9' && allDigits(seg[1:]) {
			b = append(b, 'N')
		} else {
			b = append(b, seg...)
		}
		if i < 0 {
			return b
		}
		b = append(b, '.')
		name = name[i+1:]
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
