package count

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/scan"
)

// Schema identifies the JSON layout; it changes only if a key is renamed
// or removed, which the contract forbids.
const Schema = "tensorcount/v1"

// A Report holds every figure tensorcount reports for one model. Its JSON
// form is the documented contract: keys are added, never renamed or
// dropped, counts are exact integers, and a figure that does not apply is
// omitted.
type Report struct {
	Schema string `json:"schema"`
	Path   string `json:"path"`
	Format string `json:"format"`
	// Kind says what the checkpoint is: "transformer language model",
	// "hybrid language model", "encoder-decoder", "VAE", "adapter", …
	Kind  string       `json:"kind,omitempty"`
	Files []FileReport `json:"files"`

	// Tensors counts tensor entries in the selected files.
	Tensors int `json:"tensors"`
	// Elements is the sum of shape products over every stored tensor, as
	// written (packed containers counted as stored).
	Elements uint64 `json:"elements"`
	// Parameters counts learned parameters: logical element counts
	// (packed weights unpacked), excluding buffers and quantization
	// bookkeeping, and counting a tied tensor stored twice once.
	Parameters uint64 `json:"parameters"`
	// ActiveParameters is what one token uses: parameters minus the
	// routed experts it does not run. Equal to Parameters for a dense
	// model; omitted for a mixture of experts whose experts per token is
	// unknown.
	ActiveParameters uint64 `json:"active_parameters,omitempty"`
	// NonEmbeddingParameters is Parameters minus the token embedding,
	// position embedding and output head (each given below, so another
	// convention can be applied).
	NonEmbeddingParameters      uint64 `json:"non_embedding_parameters"`
	EmbeddingParameters         uint64 `json:"embedding_parameters"`
	PositionEmbeddingParameters uint64 `json:"position_embedding_parameters,omitempty"`
	HeadParameters              uint64 `json:"head_parameters"`
	// PerLayerEmbeddingParameters is the part of EmbeddingParameters in
	// per-layer embedding tables (gemma-3n), which a runtime can keep off
	// the accelerator: what its "effective" size leaves out.
	PerLayerEmbeddingParameters uint64 `json:"per_layer_embedding_parameters,omitempty"`
	// Bytes is what the tensors occupy on disk: tensor bytes, not headers
	// or alignment padding.
	Bytes            int64   `json:"bytes"`
	BitsPerParameter float64 `json:"bits_per_parameter,omitempty"`

	ByDType     map[string]DTypeCount            `json:"by_dtype"`
	ByRole      map[classify.Role]RoleCount      `json:"by_role"`
	ByComponent map[classify.Component]RoleCount `json:"by_component"`
	ByLayer     []LayerCount                     `json:"by_layer,omitempty"`

	Arch    *model.Arch `json:"arch,omitempty"`
	Tie     *Tie        `json:"tie,omitempty"`
	MoE     *MoE        `json:"moe,omitempty"`
	Formula *Formula    `json:"formula,omitempty"`
	Costs   *Costs      `json:"costs,omitempty"`
	// HubParameters is the Hub's own figure for a repository read
	// remotely ("the Hub says"): every stored element, by dtype.
	HubParameters *model.HubParameters `json:"hub_parameters,omitempty"`
	Notes         []string             `json:"notes"`

	// PerTensor holds every tensor in file order with its final label and
	// count: what the totals above add up, and what diff compares. It is
	// not part of the JSON form, so a Report read back from JSON has none.
	PerTensor []Tensor `json:"-"`
}

// FileReport describes one weight file.
type FileReport struct {
	Path        string `json:"path"`
	Format      string `json:"format"`
	Tensors     int    `json:"tensors"`
	Bytes       int64  `json:"bytes"`
	Size        int64  `json:"size"`
	HeaderBytes int64  `json:"header_bytes"`
}

// DTypeCount totals the tensors stored in one dtype.
type DTypeCount struct {
	Tensors  int    `json:"tensors"`
	Elements uint64 `json:"elements"`
	Bytes    int64  `json:"bytes"`
}

// RoleCount totals the tensors of one role or component. Elements are as
// stored; Parameters as counted (zero for buffers and bookkeeping).
type RoleCount struct {
	Tensors    int    `json:"tensors"`
	Elements   uint64 `json:"elements"`
	Parameters uint64 `json:"parameters"`
}

// LayerCount totals one block of one component. Layer -1 collects the
// tensors outside any block (embeddings, final norm, head).
type LayerCount struct {
	Component  string                   `json:"component"`
	Layer      int                      `json:"layer"`
	Tensors    int                      `json:"tensors"`
	Parameters uint64                   `json:"parameters"`
	ByRole     map[classify.Role]uint64 `json:"by_role"`
}

// Options adjusts what Build computes.
type Options struct {
	// Context, when positive, adds the KV-cache size for that many tokens
	// to the costs.
	Context int
	// Tokens, when positive, adds the training compute for that many
	// tokens (6·N·D).
	Tokens uint64
	// NoData skips the only data read a count makes (comparing a stored
	// head with the embedding, reading packed-weight descriptions).
	NoData bool
}

// Build computes the report of a loaded model.
func Build(m *model.Model, opt Options) (*Report, error) {
	r := &Report{
		Schema:      Schema,
		Path:        m.Path,
		Format:      m.Format,
		ByDType:     map[string]DTypeCount{},
		ByRole:      map[classify.Role]RoleCount{},
		ByComponent: map[classify.Component]RoleCount{},
	}
	for _, f := range m.Files {
		r.Files = append(r.Files, FileReport{Path: f.Path, Format: f.Format, Tensors: f.Tensors,
			Bytes: f.Bytes, Size: f.Size, HeaderBytes: f.HeaderBytes})
	}
	if m.Arch != (model.Arch{}) {
		a := m.Arch
		r.Arch = &a
	}
	if m.Remote() {
		opt.NoData = true // tensor data is not read over the network
	}
	c := &counter{m: m, opt: opt, notes: newNotes(m.Notes)}
	if m.Remote() {
		c.notes.add(remoteNote)
	}
	var src *scan.Source
	if !opt.NoData {
		src = scan.NewSource()
		defer src.Close()
		c.data = src
	}
	c.labelAll()
	c.count()
	if src != nil {
		r.Tie = c.tie(src)
	} else {
		r.Tie = c.tie(nil)
	}
	if err := c.failed(); err != nil {
		return nil, err
	}
	c.sum(r)
	r.HubParameters = m.HubParameters
	if n := hubNote(r, m.HubParameters); n != "" {
		c.notes.add(n)
	}
	c.unknown(r)
	c.integers()
	c.adapter(r)
	kind := c.kind()
	r.Kind = string(kind)
	r.MoE = c.moe(r)
	if languageModel(kind) {
		r.Formula = c.formula(r)
	}
	r.Costs = c.costs(r, languageModel(kind))
	r.Notes = c.notes.render()
	r.PerTensor = c.items
	return r, nil
}

// roleSlots is one more than the largest Role.
const roleSlots = int(classify.RoleOther) + 1

// sum fills the totals and breakdowns: large checkpoints a part per
// core (sums), the parts then added in order.
func (c *counter) sum(r *Report) {
	parts := parallel(len(c.items), func(lo, hi int) *sums {
		s := newSums()
		for i := lo; i < hi; i++ {
			s.add(&c.items[i])
		}
		return s
	})
	all := parts[0]
	for _, s := range parts[1:] {
		all.merge(s)
	}
	r.Tensors, r.Elements, r.Bytes, r.Parameters = all.tensors, all.elements, all.bytes, all.parameters
	r.EmbeddingParameters, r.PerLayerEmbeddingParameters = all.embedding, all.perLayerEmbedding
	r.PositionEmbeddingParameters, r.HeadParameters = all.position, all.head
	dtypes, roles, comps, layerOrder := all.dtypes, all.roles, all.comps, all.layerOrder
	for name, d := range dtypes {
		r.ByDType[name] = *d
	}
	for role, rc := range roles {
		if rc != nil {
			r.ByRole[classify.Role(role)] = *rc
		}
	}
	for comp, cc := range comps {
		r.ByComponent[comp] = *cc
	}
	r.NonEmbeddingParameters = r.Parameters - r.EmbeddingParameters - r.PositionEmbeddingParameters - r.HeadParameters
	r.ActiveParameters = r.Parameters
	if r.Parameters > 0 {
		r.BitsPerParameter = text.Round6(float64(r.Bytes) * 8 / float64(r.Parameters))
	}
	for _, ls := range layerOrder {
		ls.lc.ByRole = map[classify.Role]uint64{}
		for role, seen := range ls.seen {
			if seen {
				ls.lc.ByRole[classify.Role(role)] = ls.byRole[role]
			}
		}
		r.ByLayer = append(r.ByLayer, ls.lc)
	}
	order := map[string]int{}
	for i, comp := range classify.Components() {
		order[string(comp)] = i
	}
	sort.Slice(r.ByLayer, func(i, j int) bool {
		a, b := r.ByLayer[i], r.ByLayer[j]
		if a.Component != b.Component {
			return order[a.Component] < order[b.Component]
		}
		return a.Layer < b.Layer
	})
}

// sums are the totals and tables of a run of tensors. The tables are
// accumulated through pointers, one map lookup per tensor and table at
// most, since this runs over every tensor of checkpoints with a hundred
// thousand of them.
type sums struct {
	tensors                      int
	elements, parameters         uint64
	bytes                        int64
	embedding, perLayerEmbedding uint64
	position, head               uint64
	dtypes                       map[string]*DTypeCount
	roles                        [roleSlots]*RoleCount
	comps                        map[classify.Component]*RoleCount
	layers                       map[layerKey]*layerSums
	layerOrder                   []*layerSums // in the order the layers first appear

	// Neighbouring tensors mostly share a dtype, component and layer, so
	// the last table entries are kept at hand instead of looked up again.
	lastDType string
	d         *DTypeCount
	lastComp  classify.Component
	cc        *RoleCount
	lastLayer layerKey
	ls        *layerSums
}

type layerKey struct {
	comp  classify.Component
	layer int
}

// layerSums are a layer's figures; its roles are summed in an array and
// become its ByRole map at the end: with a role seen, an entry even when
// it counts nothing.
type layerSums struct {
	lc     LayerCount
	byRole [roleSlots]uint64
	seen   [roleSlots]bool
}

func newSums() *sums {
	return &sums{dtypes: map[string]*DTypeCount{}, comps: map[classify.Component]*RoleCount{},
		layers: map[layerKey]*layerSums{}, lastLayer: layerKey{layer: -2}}
}

// add adds one tensor.
func (s *sums) add(it *Tensor) {
	t, l := it.Tensor, &it.Label
	n := t.Elements()
	var p uint64
	if it.Counted() {
		p = it.Parameters
	}
	s.tensors++
	s.elements += n
	s.bytes += t.Size
	s.parameters += p

	if s.d == nil || t.DType.Name != s.lastDType {
		s.lastDType = t.DType.Name
		if s.d = s.dtypes[s.lastDType]; s.d == nil {
			s.d = &DTypeCount{}
			s.dtypes[s.lastDType] = s.d
		}
	}
	s.d.Tensors++
	s.d.Elements += n
	s.d.Bytes += t.Size

	if s.cc == nil || l.Component != s.lastComp {
		s.lastComp, s.cc = l.Component, get(s.comps, l.Component)
	}
	rc := s.roles[l.Role]
	if rc == nil {
		rc = &RoleCount{}
		s.roles[l.Role] = rc
	}
	for _, rc := range [2]*RoleCount{rc, s.cc} {
		rc.Tensors++
		rc.Elements += n
		rc.Parameters += p
	}

	if key := (layerKey{l.Component, int(l.Layer)}); key != s.lastLayer {
		s.lastLayer = key
		if s.ls = s.layers[key]; s.ls == nil {
			s.ls = &layerSums{lc: LayerCount{Component: string(l.Component), Layer: int(l.Layer)}}
			s.layers[key] = s.ls
			s.layerOrder = append(s.layerOrder, s.ls)
		}
	}
	s.ls.lc.Tensors++
	s.ls.lc.Parameters += p
	s.ls.byRole[l.Role] += p
	s.ls.seen[l.Role] = true

	if l.Component == classify.ComponentLanguageModel || l.Component == classify.ComponentMTP {
		switch {
		case l.Role == classify.RoleEmbedding && (l.Kind == classify.KindTokenEmbd || l.Kind == classify.KindNone || l.Kind == classify.KindPerLayerEmbd):
			s.embedding += p
			if l.Kind == classify.KindPerLayerEmbd {
				s.perLayerEmbedding += p
			}
		case l.Role == classify.RolePositionEmbedding:
			s.position += p
		case l.Role == classify.RoleHead && l.Kind == classify.KindOutput:
			s.head += p
		}
	}
}

// merge adds the sums of a later run of tensors.
func (s *sums) merge(o *sums) {
	s.tensors += o.tensors
	s.elements += o.elements
	s.bytes += o.bytes
	s.parameters += o.parameters
	s.embedding += o.embedding
	s.perLayerEmbedding += o.perLayerEmbedding
	s.position += o.position
	s.head += o.head
	for name, od := range o.dtypes {
		d := s.dtypes[name]
		if d == nil {
			d = &DTypeCount{}
			s.dtypes[name] = d
		}
		d.Tensors += od.Tensors
		d.Elements += od.Elements
		d.Bytes += od.Bytes
	}
	addRole := func(rc, o *RoleCount) {
		rc.Tensors += o.Tensors
		rc.Elements += o.Elements
		rc.Parameters += o.Parameters
	}
	for role, orc := range o.roles {
		if orc == nil {
			continue
		}
		if s.roles[role] == nil {
			s.roles[role] = &RoleCount{}
		}
		addRole(s.roles[role], orc)
	}
	for comp, occ := range o.comps {
		addRole(get(s.comps, comp), occ)
	}
	for _, ols := range o.layerOrder {
		key := layerKey{classify.Component(ols.lc.Component), ols.lc.Layer}
		ls := s.layers[key]
		if ls == nil {
			ls = &layerSums{lc: LayerCount{Component: ols.lc.Component, Layer: ols.lc.Layer}}
			s.layers[key] = ls
			s.layerOrder = append(s.layerOrder, ls)
		}
		ls.lc.Tensors += ols.lc.Tensors
		ls.lc.Parameters += ols.lc.Parameters
		for role := range ls.byRole {
			ls.byRole[role] += ols.byRole[role]
			ls.seen[role] = ls.seen[role] || ols.seen[role]
		}
	}
}

// maxUnknownListed bounds the unrecognised name patterns a note lists.
const maxUnknownListed = 5

// unknown lists the tensors no rule recognised, by name pattern, and says
// when the files hold no tensors at all.
func (c *counter) unknown(r *Report) {
	if r.Tensors == 0 {
		c.notes.add("the files hold no tensors (a vocabulary-only GGUF, say): there is nothing to count")
		return
	}
	const maxPatternWidth = 120 // a name may be megabytes
	var patterns []string
	var buf []byte
	seen := map[string]bool{}
	n := 0
	for i := range c.items {
		if c.items[i].Label.Known() {
			continue
		}
		n++
		// One buffer for every name: a million tensors of a few
		// patterns allocate a few strings, not a million.
		buf = appendPattern(buf[:0], c.items[i].Tensor.Name)
		if !seen[string(buf)] {
			p := string(buf)
			seen[p] = true
			patterns = append(patterns, text.Shorten(text.Safe(p), maxPatternWidth))
		}
	}
	if n == 0 {
		return
	}
	more := ""
	if len(patterns) > maxUnknownListed {
		more = fmt.Sprintf(" and %d more patterns", len(patterns)-maxUnknownListed)
		patterns = patterns[:maxUnknownListed]
	}
	c.notes.add(fmt.Sprintf("%s %s no rule recognises, counted under role other: %s%s",
		text.Exact(n), text.Plural(n, "tensor has a name", "tensors have names"), strings.Join(patterns, ", "), more))
}

// adapter says so when the files hold only LoRA factors: the figures then
// describe an adapter, not a model that runs on its own.
func (c *counter) adapter(r *Report) {
	a := r.ByRole[classify.RoleAdapter]
	cfg := c.m.Adapter
	if a.Tensors == 0 || (cfg == nil && a.Tensors != r.Tensors) {
		return
	}
	method, rank := "LoRA", uint64(0)
	for i := range c.items {
		if c.items[i].Label.Role != classify.RoleAdapter {
			continue
		}
		if sh := c.items[i].Tensor.Shape; len(sh) == 2 {
			if rank == 0 || min(sh[0], sh[1]) < rank {
				rank = min(sh[0], sh[1])
			}
		}
	}
	if cfg != nil {
		method = peftName(cfg.Method)
		if cfg.Rank > 0 {
			rank = uint64(cfg.Rank)
		}
	}
	what := "a " + method + " adapter"
	if rank > 0 && (method == "LoRA" || method == "DoRA") {
		what += fmt.Sprintf(" (rank %d)", rank)
	}
	if cfg != nil && cfg.BaseModel != "" {
		what += " for " + text.Safe(cfg.BaseModel)
	}
	own := a.Parameters
	if head := r.ByRole[classify.RoleHead]; cfg != nil && len(cfg.ModulesToSave) > 0 {
		own += head.Parameters
	}
	c.notes.add(fmt.Sprintf("%s: %s parameters of its own, trained on top of a base model that is not in these files; the figures and costs are the adapter's alone",
		what, text.Count(own)))
}

// peftName spells a PEFT method the way its paper does.
func peftName(t string) string {
	switch strings.ToUpper(t) {
	case "LORA", "":
		return "LoRA"
	case "IA3":
		return "IA³"
	case "LOHA":
		return "LoHa"
	case "LOKR":
		return "LoKr"
	case "FOURIERFT":
		return "FourierFT"
	case "VERA":
		return "VeRA"
	case "PROMPT_TUNING":
		return "prompt-tuning"
	case "PREFIX_TUNING":
		return "prefix-tuning"
	}
	return text.Safe(t)
}

// get returns the counter of key in m, creating it.
func get[K comparable](m map[K]*RoleCount, key K) *RoleCount {
	rc := m[key]
	if rc == nil {
		rc = &RoleCount{}
		m[key] = rc
	}
	return rc
}

// DTypesBySize lists the dtypes of the report, largest share of bytes first.
func (r *Report) DTypesBySize() []string {
	names := make([]string, 0, len(r.ByDType))
	for n := range r.ByDType {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := r.ByDType[names[i]], r.ByDType[names[j]]
		if a.Bytes != b.Bytes {
			return a.Bytes > b.Bytes
		}
		return names[i] < names[j]
	})
	return names
}

// integerDType reports whether a dtype holds integers or booleans;
// packed quantized weights (U32 words, I8/U8 codes beside their scales)
// are recognised elsewhere. A switch, not a map: it runs for every
// counted tensor.
func integerDType(name string) bool {
	switch name {
	case "BOOL", "I64", "I32", "I16", "U64", "U32", "U16":
		return true
	}
	return false
}

// integers names the counted tensors of integer or boolean type that are
// not packed weights: masks, codes, lookup tables. They are counted, since
// a header cannot tell whether they were learned, but said.
func (c *counter) integers() {
	var names []string
	var elements uint64
	for i := range c.items {
		it := &c.items[i]
		if !it.Counted() || !integerDType(it.DType.Name) || it.Label.Packed != classify.PackNone || it.Parameters != it.Elements() {
			continue
		}
		names = append(names, text.Safe(it.Name))
		elements += it.Parameters
	}
	if len(names) == 0 {
		return
	}
	c.notes.add(fmt.Sprintf("%s integer or boolean %s (%s elements) counted as parameters, though a header cannot tell whether they were learned (masks, codes and lookup tables are not): %s",
		text.Exact(len(names)), text.Plural(len(names), "tensor", "tensors"), text.Exact(elements), format.FewNames(names, 5)))
}
