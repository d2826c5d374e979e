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
	"github.com/tensorcount/tensorcount/model"
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
	// them.
	Changed map[string]bool `json:"-"`
	Verdict string          `json:"verdict"`
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

// tensor describes group k: its first tensor, with the elements and
// parameters of all.
func (g *grouping) tensor(k int32) Tensor {
	it := g.item(k)
	d := Tensor{Name: it.Tensor.Name, Role: it.Label.Role.String(), DType: it.Tensor.DType.Name, Shape: it.Tensor.Shape, Excluded: it.Excluded.String()}
	if n := g.size[k]; n > 1 {
		d.Name = fmt.Sprintf("%s (+%d more)", it.Tensor.Name, n-1)
		d.Shape = nil
	}
	for i := g.first[k]; i >= 0; i = g.next[i] {
		it := &g.r.PerTensor[i]
		d.Elements += it.Tensor.Elements()
		d.Parameters += it.CountedParameters()
	}
	return d
}

// item is the first tensor of group k.
func (g *grouping) item(k int32) *count.Tensor { return &g.r.PerTensor[g.first[k]] }

// Compare compares two reports from their per-tensor results. Tensors are matched by name; when the
// formats differ, by the GGUF name a Hugging Face name maps to, so that a
// safetensors checkpoint and its GGUF conversion line up. Shapes are
// compared in PyTorch order on both sides.
func Compare(a, b *count.Report) (*Diff, error) {
	for _, r := range [2]*count.Report{a, b} {
		if len(r.PerTensor) != r.Tensors {
			return nil, fmt.Errorf("%s: the report holds no per-tensor results (a report read back from JSON, say); diff needs the report of a loaded model", text.Safe(r.Path))
		}
	}
	d := &Diff{Schema: "tensorcount/diff/v1", A: side(a), B: side(b), MatchedBy: "name", RoleDeltas: map[string]Delta{},
		OnlyInA: []Tensor{}, OnlyInB: []Tensor{}, ShapeChanges: []Change{}, DTypeChanges: []DTypeChange{}, Ties: []string{},
		Changed: map[string]bool{}}
	canonical := a.Format != b.Format
	if canonical {
		d.MatchedBy = "canonical name"
	}
	var ga, gb grouping
	var inB, inA []int32
	if !canonical && sameNames(a, b) {
		ga, gb = singletons(a), singletons(b)
		inB, inA = ga.first, gb.first // tensor i is tensor i
	} else {
		ga, gb = groups(a, canonical), groups(b, canonical)
		inB, inA = gb.lookupAll(ga.keys), ga.lookupAll(gb.keys)
	}
	dtypes := map[[2]string]int{}
	for x := range ga.keys {
		x := int32(x)
		y := inB[x]
		if y < 0 {
			d.OnlyInA = append(d.OnlyInA, ga.tensor(x))
			d.mark(&ga, x)
			continue
		}
		tx, ty := ga.tensor(x), gb.tensor(y)
		dx, dy := ga.item(x).Tensor.DType.Name, gb.item(y).Tensor.DType.Name
		if tx.Elements != ty.Elements || (ga.size[x] == 1 && gb.size[y] == 1 && !slices.Equal(tx.Shape, ty.Shape)) {
			d.ShapeChanges = append(d.ShapeChanges, Change{A: tx, B: ty})
			d.mark(&ga, x)
			d.mark(&gb, y)
		} else if dx != dy {
			d.mark(&ga, x)
			d.mark(&gb, y)
		}
		// A group is one tensor, or the per-expert tensors one fused GGUF
		// tensor replaces; its first tensor's dtype stands for it.
		dtypes[[2]string{dx, dy}]++
	}
	for y := range gb.keys {
		if inA[y] < 0 {
			d.OnlyInB = append(d.OnlyInB, gb.tensor(int32(y)))
			d.mark(&gb, int32(y))
		}
	}
	for pair, n := range dtypes {
		if pair[0] != pair[1] {
			d.DTypeChanges = append(d.DTypeChanges, DTypeChange{From: pair[0], To: pair[1], Tensors: n})
		}
	}
	slices.SortFunc(d.DTypeChanges, func(x, y DTypeChange) int {
		return cmp.Or(cmp.Compare(y.Tensors, x.Tensors), strings.Compare(x.From, y.From), strings.Compare(x.To, y.To))
	})
	for _, role := range classify.Roles() {
		ca, cb := a.ByRole[role], b.ByRole[role]
		if ca.Parameters != cb.Parameters {
			d.RoleDeltas[role.String()] = Delta{A: ca.Parameters, B: cb.Parameters, Delta: int64(cb.Parameters) - int64(ca.Parameters)}
		}
	}
	d.ParameterDelta = int64(b.Parameters) - int64(a.Parameters)
	if t := ties(a, b); t != nil {
		d.Ties = t
	}
	d.Same = len(d.OnlyInA) == 0 && len(d.OnlyInB) == 0 && len(d.ShapeChanges) == 0 && len(d.DTypeChanges) == 0 && d.ParameterDelta == 0 && d.A.Tied == d.B.Tied
	d.Verdict = d.verdict()
	return d, nil
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
	r     *count.Report
	keys  []string    // each group's key
	first []int32     // each group's first tensor
	last  []int32     // each group's last tensor, while grouping
	size  []int32     // each group's number of tensors
	next  []int32     // each tensor's successor in its group, or −1
	byKey names.Index // the group of a key
}

// group finds the group of key.
func (g *grouping) group(key string) (int32, bool) {
	k, ok := g.byKey.Lookup(key)
	return int32(k), ok
}

// lookupAll finds the group of each key, −1 for none, in batches whose
// table loads overlap (names.Index.LookupAll): a million tensors a side
// are a million misses of the caches each way.
func (g *grouping) lookupAll(keys []string) []int32 {
	pos := make([]int32, len(keys))
	g.byKey.LookupAll(pos, func(k int) string { return keys[k] })
	return pos
}

// groups keys every tensor of r: its name, or its canonical GGUF name
// when canonical is set (tensors without one keep their name, so buffers
// such as rope_freqs show up as present on one side only).
func groups(r *count.Report, canonical bool) grouping {
	n := len(r.PerTensor)
	g := grouping{r: r, next: make([]int32, n)}
	g.byKey.NameOf = func(k int) string { return g.keys[k] }
	g.byKey.Init(n)
	if !canonical && g.eachAlone() {
		return g
	}
	for i := range r.PerTensor {
		it := &r.PerTensor[i]
		key := it.Tensor.Name
		if canonical && it.Label.Canonical != "" {
			key = it.Label.Canonical
		}
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
// i of the other, with no table to find it. A name is known to be there
// once when a side is one safetensors or GGUF file, whose reader rejects
// a name described twice.
func sameNames(a, b *count.Report) bool {
	once := func(r *count.Report) bool {
		return len(r.Files) == 1 && (r.Format == model.Safetensors || r.Format == model.GGUF)
	}
	if len(a.PerTensor) != len(b.PerTensor) || !once(a) && !once(b) {
		return false
	}
	for i := range a.PerTensor {
		if a.PerTensor[i].Tensor.Name != b.PerTensor[i].Tensor.Name {
			return false
		}
	}
	return true
}

// singletons groups every tensor of r alone, keyed by its name.
func singletons(r *count.Report) grouping {
	n := len(r.PerTensor)
	g := grouping{r: r, keys: make([]string, n), first: make([]int32, n), size: make([]int32, n), next: make([]int32, n)}
	for i := range r.PerTensor {
		g.keys[i] = r.PerTensor[i].Tensor.Name
		g.first[i], g.size[i], g.next[i] = int32(i), 1, -1
	}
	return g
}

// eachAlone groups every tensor alone, and reports true, when no two
// tensors share a name, as in one file or one sharded set: the names are
// then added in batches (names.Index.AddAll), with no lookup of their
// own. Otherwise (the components of a diffusers pipeline may repeat a
// name) it leaves g empty.
func (g *grouping) eachAlone() bool {
	ts := g.r.PerTensor
	g.keys = make([]string, len(ts))
	for i := range ts {
		g.keys[i] = ts[i].Tensor.Name
	}
	if g.byKey.AddAll(len(g.keys), g.byKey.NameOf) >= 0 {
		g.keys = nil
		g.byKey.Init(len(ts))
		return false
	}
	g.first, g.size = make([]int32, len(ts)), make([]int32, len(ts))
	for i := range ts {
		g.first[i], g.size[i], g.next[i] = int32(i), 1, -1
	}
	return true
}

// ties says how each side treats the output head.
func ties(a, b *count.Report) []string {
	if a.Tie == nil || b.Tie == nil || a.Tie.Tied == b.Tie.Tied {
		return nil
	}
	tied, untied, tl, ul := a, b, "A", "B"
	if b.Tie.Tied {
		tied, untied, tl, ul = b, a, "B", "A"
	}
	head := untied.HeadParameters
	// A tie needs the head to have the embedding's shape; otherwise the
	// head is simply another weight.
	hs, es := shapeOf(untied, untied.Tie.Head), shapeOf(tied, tied.Tie.Embedding)
	if hs != nil && es != nil && !slices.Equal(hs, es) {
		return []string{fmt.Sprintf("%s stores %s %v, %s parameters, which cannot be %s's %s %v tied: the shapes differ",
			ul, text.Safe(untied.Tie.Head), hs, text.Exact(head), tl, text.Safe(tied.Tie.Embedding), es)}
	}
	return []string{fmt.Sprintf("%s stores %s, %s parameters, that %s ties to %s (%s)",
		ul, text.Safe(untied.Tie.Head), text.Exact(head), tl, text.Safe(tied.Tie.Embedding), tied.Tie.Evidence)}
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

// mark records the tensors of group k as changed.
func (d *Diff) mark(g *grouping, k int32) {
	for i := g.first[k]; i >= 0; i = g.next[i] {
		d.Changed[g.r.PerTensor[i].Name] = true
	}
}

// shapeOf is the shape of the named tensor of r, or nil.
func shapeOf(r *count.Report, name string) []uint64 {
	for i := range r.PerTensor {
		if r.PerTensor[i].Name == name {
			return r.PerTensor[i].Shape
		}
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
