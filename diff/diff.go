package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/internal/names"
	"github.com/tensorcount/tensorcount/internal/text"
)

// A Diff is the structural difference between two checkpoints: which
// tensors only one side has, which changed shape or dtype, how each
// role's parameters moved, and how the embeddings are tied on each side.
type Diff struct {
	Schema string `json:"schema"`
	A      Side   `json:"a"`
	B      Side   `json:"b"`
	// MatchedBy is "name", or "canonical name" when the formats differ
	// and Hugging Face names were mapped to GGUF ones.
	MatchedBy      string           `json:"matched_by"`
	OnlyInA        []Tensor         `json:"only_in_a"`
	OnlyInB        []Tensor         `json:"only_in_b"`
	ShapeChanges   []Change         `json:"shape_changes"`
	DTypeChanges   []DTypeChange    `json:"dtype_changes"`
	RoleDeltas     map[string]Delta `json:"role_deltas"`
	ParameterDelta int64            `json:"parameter_delta"`
	Ties           []string         `json:"ties"`
	Same           bool             `json:"same"`
	// Changed names every tensor of either side that is on one side
	// only, changed shape or changed dtype, for pictures that outline
	// them. Compare sets it; CompareCheckpoints leaves it nil.
	Changed map[string]bool `json:"-"`
	Verdict string          `json:"verdict"`

	changed [2][]int32 // the changed tensors of each side
}

// Side summarises one checkpoint.
type Side struct {
	Path       string `json:"path"`
	Format     string `json:"format"`
	Tensors    int    `json:"tensors"`
	Elements   uint64 `json:"elements"`
	Parameters uint64 `json:"parameters"`
	Bytes      int64  `json:"bytes"`
	Tied       bool   `json:"tied"`
	// FileType is GGUF general.file_type, as in the summary's arch, and
	// FileTypeName its name ("Q4_K_M").
	FileType     *int   `json:"file_type,omitempty"`
	FileTypeName string `json:"file_type_name,omitempty"`
}

// A Tensor is a tensor (or a group of tensors sharing a canonical
// name) present on one side only.
type Tensor struct {
	Name       string   `json:"name"`
	Role       string   `json:"role"`
	DType      string   `json:"dtype"`
	Shape      []uint64 `json:"shape"`
	Elements   uint64   `json:"elements"`
	Parameters uint64   `json:"parameters"`
	// Excluded says why a tensor adds no parameters (buffer, quant_aux,
	// tied_copy), as the count decided.
	Excluded string `json:"excluded,omitempty"`
}

// A Change is a tensor present on both sides with another shape.
type Change struct {
	A, B Tensor
}

// A DTypeChange counts the matched tensors stored as From in A and To in B.
type DTypeChange struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Tensors int    `json:"tensors"`
}

// Delta is a figure on both sides.
type Delta struct {
	A     uint64 `json:"a"`
	B     uint64 `json:"b"`
	Delta int64  `json:"delta"`
}

// Compare compares two reports from their per-tensor results. Tensors
// are matched by name; when the formats differ, by the GGUF name a Hugging
// Face name maps to, so that a safetensors checkpoint and its GGUF
// conversion line up. Shapes are compared in PyTorch order on both sides.
// Compare also fills Diff.Changed.
func Compare(a, b *count.Report) (*Diff, error) {
	ca, err := NewCheckpoint(a)
	if err != nil {
		return nil, err
	}
	cb, err := NewCheckpoint(b)
	if err != nil {
		return nil, err
	}
	d := CompareCheckpoints(ca, cb)
	d.Changed = make(map[string]bool, len(d.changed[0])+len(d.changed[1]))
	for s, c := range [2]*Checkpoint{ca, cb} {
		for _, i := range d.changed[s] {
			d.Changed[c.name(int(i))] = true
		}
	}
	return d, nil
}

// CompareCheckpoints compares two checkpoints as Compare does, but for
// Diff.Changed, which it leaves nil: a caller that holds only checkpoints
// draws no pictures.
func CompareCheckpoints(a, b *Checkpoint) *Diff {
	d := &Diff{Schema: "tensorcount/diff/v1", A: a.side, B: b.side, MatchedBy: "name", RoleDeltas: map[string]Delta{},
		OnlyInA: []Tensor{}, OnlyInB: []Tensor{}, ShapeChanges: []Change{}, DTypeChanges: []DTypeChange{}, Ties: []string{}}
	canonical := a.side.Format != b.side.Format
	if canonical {
		d.MatchedBy = "canonical name"
	}
	var ga, gb grouping
	var inB, inA []int32 // nil: tensor i is tensor i
	if !canonical && sameNames(a, b) {
		ga, gb = singletons(a), singletons(b)
	} else {
		ga, gb = groups(a, canonical), groups(b, canonical)
		inB, inA = gb.lookupAll(&ga), ga.lookupAll(&gb)
	}
	dtypes := map[[2]string]int{}
	for x := range int32(ga.len()) {
		y := x
		if inB != nil {
			y = inB[x]
		}
		if y < 0 {
			d.OnlyInA = append(d.OnlyInA, ga.tensor(x))
			d.mark(0, &ga, x)
			continue
		}
		// A group is one tensor, or the per-expert tensors one fused GGUF
		// tensor replaces; its first tensor's dtype stands for it.
		fx, fy := ga.itemForm(x), gb.itemForm(y)
		var reshaped bool
		if ga.sizeOf(x) == 1 && gb.sizeOf(y) == 1 {
			reshaped = !slices.Equal(a.formShape(fx), b.formShape(fy))
		} else {
			reshaped = ga.elements(x) != gb.elements(y)
		}
		switch {
		case reshaped:
			d.ShapeChanges = append(d.ShapeChanges, Change{A: ga.tensor(x), B: gb.tensor(y)})
			d.mark(0, &ga, x)
			d.mark(1, &gb, y)
		case fx.dtype != fy.dtype:
			d.mark(0, &ga, x)
			d.mark(1, &gb, y)
		}
		if fx.dtype != fy.dtype {
			dtypes[[2]string{fx.dtype, fy.dtype}]++
		}
	}
	for y := range gb.len() {
		if inA != nil && inA[y] < 0 {
			d.OnlyInB = append(d.OnlyInB, gb.tensor(int32(y)))
			d.mark(1, &gb, int32(y))
		}
	}
	for pair, n := range dtypes {
		d.DTypeChanges = append(d.DTypeChanges, DTypeChange{From: pair[0], To: pair[1], Tensors: n})
	}
	slices.SortFunc(d.DTypeChanges, func(x, y DTypeChange) int {
		return cmp.Or(cmp.Compare(y.Tensors, x.Tensors), strings.Compare(x.From, y.From), strings.Compare(x.To, y.To))
	})
	for _, role := range classify.Roles() {
		pa, pb := a.roles[role], b.roles[role]
		if pa != pb {
			d.RoleDeltas[role.String()] = Delta{A: pa, B: pb, Delta: int64(pb) - int64(pa)}
		}
	}
	d.ParameterDelta = int64(b.side.Parameters) - int64(a.side.Parameters)
	if t := ties(a, b); t != nil {
		d.Ties = t
	}
	d.Same = len(d.OnlyInA) == 0 && len(d.OnlyInB) == 0 && len(d.ShapeChanges) == 0 && len(d.DTypeChanges) == 0 && d.ParameterDelta == 0 && d.A.Tied == d.B.Tied
	d.Verdict = d.verdict()
	return d
}

func side(r *count.Report) Side {
	s := Side{Path: r.Path, Format: r.Format, Tensors: r.Tensors, Elements: r.Elements, Parameters: r.Parameters, Bytes: r.Bytes}
	if r.Tie != nil {
		s.Tied = r.Tie.Tied
	}
	if r.Arch != nil && r.Arch.FileType != nil {
		s.FileType, s.FileTypeName = r.Arch.FileType, gguf.FileTypeName(*r.Arch.FileType)
	}
	return s
}

// A grouping is the tensors of one side by match key. Groups are numbered
// in the order their keys first appear, and a group's tensors are chained
// through next, and keys are found through a names.Index: about 40 bytes
// a tensor, where a map of group objects holding slices of pointers cost
// 150.
type grouping struct {
	c     *Checkpoint
	keys  []string    // each group's key; nil when each tensor is alone, keyed by its name
	first []int32     // each group's first tensor
	last  []int32     // each group's last tensor, while grouping
	size  []int32     // each group's number of tensors
	next  []int32     // each tensor's successor in its group, or −1
	byKey names.Index // the group of a key
	// alone: each tensor is its own group, numbered as the tensor, and
	// first, size and next are nil.
	alone bool
}

// len is the number of groups.
func (g *grouping) len() int {
	if g.alone {
		return g.c.Tensors()
	}
	return len(g.first)
}

// head is the first tensor of group k.
func (g *grouping) head(k int32) int32 {
	if g.alone {
		return k
	}
	return g.first[k]
}

// sizeOf is the number of tensors in group k.
func (g *grouping) sizeOf(k int32) int32 {
	if g.alone {
		return 1
	}
	return g.size[k]
}

// after is the tensor after tensor i in its group, or −1.
func (g *grouping) after(i int32) int32 {
	if g.alone {
		return -1
	}
	return g.next[i]
}

// itemForm is the form of group k's first tensor.
func (g *grouping) itemForm(k int32) *form { return &g.c.forms[g.c.form[g.head(k)]] }

// formShape is the shape of f, capped so that an append to it copies.
func (c *Checkpoint) formShape(f *form) []uint64 {
	return c.dims[f.dimsAt : f.dimsAt+f.ndim : f.dimsAt+f.ndim]
}

// elements is the elements of group k's tensors.
func (g *grouping) elements(k int32) uint64 {
	var n uint64
	for i := g.head(k); i >= 0; i = g.after(i) {
		n += g.c.forms[g.c.form[i]].elements
	}
	return n
}

// tensor describes group k: its first tensor, with the elements and
// parameters of all.
func (g *grouping) tensor(k int32) Tensor {
	i := g.head(k)
	f := g.itemForm(k)
	name := g.c.name(int(i))
	d := Tensor{Name: name, Role: f.role.String(), DType: f.dtype, Shape: g.c.shape(i), Excluded: f.excluded.String()}
	if n := g.sizeOf(k); n > 1 {
		d.Name = fmt.Sprintf("%s (+%d more)", name, n-1)
		d.Shape = nil
	}
	for i := g.head(k); i >= 0; i = g.after(i) {
		d.Elements += g.c.forms[g.c.form[i]].elements
		d.Parameters += g.c.countedParameters(i)
	}
	return d
}

// key is group k's key.
func (g *grouping) key(k int) string {
	if g.keys == nil {
		return g.c.name(k)
	}
	return g.keys[k]
}

// group finds the group of key.
func (g *grouping) group(key string) (int32, bool) {
	k, ok := g.byKey.Lookup(key)
	return int32(k), ok
}

// lookupAll finds the group of each key, −1 for none, in batches whose
// table loads overlap (names.Index.LookupAll): a million tensors a side
// are a million misses of the caches each way.
func (g *grouping) lookupAll(of *grouping) []int32 {
	pos := make([]int32, of.len())
	g.byKey.LookupAll(pos, of.key)
	return pos
}

// groups keys every tensor of c: its name, or its canonical GGUF name
// when canonical is set.
func groups(c *Checkpoint, canonical bool) grouping {
	n := c.Tensors()
	g := grouping{c: c}
	g.byKey.NameOf = g.key
	g.byKey.Init(n)
	if (!canonical || c.canonical == nil) && g.eachAlone() {
		return g
	}
	g.keys = []string{} // groups are made one by one, with their keys
	g.next = make([]int32, n)
	for i := range n {
		key := c.key(i, canonical)
		g.next[i] = -1
		k, ok := g.group(key)
		if !ok {
			k = int32(len(g.keys))
			g.keys = append(g.keys, key)
			g.byKey.Add(key, int(k))
			g.first = append(g.first, int32(i))
			g.last = append(g.last, int32(i))
			g.size = append(g.size, 1)
			continue
		}
		g.next[g.last[k]] = int32(i)
		g.last[k] = int32(i)
		g.size[k]++
	}
	g.last = nil
	return g
}

// sameNames reports whether a and b name the same tensors in the same
// order and no name twice, as two versions of one checkpoint mostly do
// (a model and its requantization): then tensor i of one side is tensor
// i of the other, with no table to find it.
func sameNames(a, b *Checkpoint) bool {
	if !a.distinct && !b.distinct || a.Tensors() != b.Tensors() {
		return false
	}
	if a.shared == nil && b.shared == nil {
		return a.names.Equal(&b.names)
	}
	for i := range a.Tensors() {
		if a.name(i) != b.name(i) {
			return false
		}
	}
	return true
}

// singletons groups every tensor of c alone, keyed by its name.
func singletons(c *Checkpoint) grouping {
	return grouping{c: c, alone: true}
}

// eachAlone groups every tensor alone by its name, and reports true, when
// no two tensors share a name, as in one file or one sharded set: the
// names are then added in batches (names.Index.AddAll), with no lookup of
// their own. Otherwise (the components of a diffusers pipeline may repeat
// a name) it leaves g empty.
func (g *grouping) eachAlone() bool {
	n := g.c.Tensors()
	if g.byKey.AddAll(n, g.byKey.NameOf) >= 0 {
		g.byKey.Init(n)
		return false
	}
	g.alone = true
	return true
}

// ties says how each side treats the output head.
func ties(a, b *Checkpoint) []string {
	if a.tie == nil || b.tie == nil || a.tie.Tied == b.tie.Tied {
		return nil
	}
	tied, untied, tl, ul := a, b, "A", "B"
	if b.tie.Tied {
		tied, untied, tl, ul = b, a, "B", "A"
	}
	head := untied.head
	// A tie needs the head to have the embedding's shape; otherwise the
	// head is simply another weight.
	hs, es := untied.shapeOf(untied.tie.Head), tied.shapeOf(tied.tie.Embedding)
	if hs != nil && es != nil && !slices.Equal(hs, es) {
		return []string{fmt.Sprintf("%s stores %s %v, %s parameters, which cannot be %s's %s %v tied: the shapes differ",
			ul, text.Safe(untied.tie.Head), hs, text.Exact(head), tl, text.Safe(tied.tie.Embedding), es)}
	}
	return []string{fmt.Sprintf("%s stores %s, %s parameters, that %s ties to %s (%s)",
		ul, text.Safe(untied.tie.Head), text.Exact(head), tl, text.Safe(tied.tie.Embedding), tied.tie.Evidence)}
}

// verdict sums the diff up in one line.
func (d *Diff) verdict() string {
	if d.Same {
		return "no differences: same tensors, shapes, dtypes and parameters"
	}
	var parts []string
	if d.ParameterDelta == 0 {
		parts = append(parts, "same parameters")
	} else {
		pct := float64(d.ParameterDelta) * 100 / float64(max(d.A.Parameters, 1))
		parts = append(parts, fmt.Sprintf("parameters differ by %s (%+.2f%%)", text.Signed(d.ParameterDelta), pct))
	}
	if len(d.Ties) > 0 {
		parts = append(parts, d.Ties[0])
	}
	if conv := conversion(d); conv != "" && d.ParameterDelta == 0 {
		parts = append(parts, conv)
	}
	if len(d.DTypeChanges) > 0 {
		if d.B.FileTypeName != "" && d.A.FileTypeName != d.B.FileTypeName {
			parts = append(parts, fmt.Sprintf("B is a %s re-quantization of A", d.B.FileTypeName))
		} else if d.A.FileTypeName != "" && d.B.FileTypeName == "" {
			parts = append(parts, fmt.Sprintf("A is a %s quantization of B", d.A.FileTypeName))
		} else {
			c := d.DTypeChanges[0]
			parts = append(parts, fmt.Sprintf("dtypes differ (%s → %s in %d tensors)", c.From, c.To, c.Tensors))
		}
	}
	if n := len(d.ShapeChanges); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s changed shape", n, text.Plural(n, "tensor", "tensors")))
	}
	for _, only := range []struct {
		side string
		ts   []Tensor
	}{{"A", d.OnlyInA}, {"B", d.OnlyInB}} {
		if len(only.ts) == 0 {
			continue
		}
		var params uint64
		roles := map[string]int{}
		tied := 0
		for _, t := range only.ts {
			params += t.Parameters
			roles[t.Role]++
			if t.Excluded == count.ExcludedTiedCopy.String() {
				tied++
			}
		}
		desc := fmt.Sprintf("%d %s only in %s", len(only.ts), text.Plural(len(only.ts), "tensor", "tensors"), only.side)
		if tied == len(only.ts) {
			desc += fmt.Sprintf(" (%s of one storage under two names, no parameters: the other side stores each shared weight once, as safetensors' converter does)",
				text.Plural(tied, "a second name", "second names"))
		} else if params == 0 && len(roles) == 1 {
			for role := range roles {
				desc += fmt.Sprintf(" (%s, no parameters)", role)
			}
		} else {
			desc += fmt.Sprintf(" (%s parameters)", text.Exact(params))
		}
		parts = append(parts, desc)
	}
	return strings.Join(parts, "; ")
}

// mark records the tensors of group k of side s (0 for A) as changed.
func (d *Diff) mark(s int, g *grouping, k int32) {
	for i := g.head(k); i >= 0; i = g.after(i) {
		d.changed[s] = append(d.changed[s], i)
	}
}

// shapeOf is the shape of the named tensor, or nil.
func (c *Checkpoint) shapeOf(name string) []uint64 {
	if i := c.index(name); i >= 0 {
		return c.shape(int32(i))
	}
	return nil
}

// conversion names a change of format that keeps the parameters: a
// PyTorch checkpoint and its safetensors conversion, say.
func conversion(d *Diff) string {
	if d.A.Format == d.B.Format || d.A.Format == "" || d.B.Format == "" {
		return ""
	}
	switch {
	case d.A.Format == "pytorch" && d.B.Format == "safetensors":
		return "B is a safetensors conversion of A"
	case d.A.Format == "safetensors" && d.B.Format == "pytorch":
		return "A is a safetensors conversion of B"
	}
	return ""
}
