package count

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/checked"
	"github.com/tensorcount/tensorcount/internal/prefault"
	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/scan"
)

// A Tensor is one tensor with what the count concluded about it: its
// final label (after the adjustments that need the whole checkpoint — MTP
// layers past the main ones, MLX and bitsandbytes bookkeeping), the
// learned parameters it holds and, when they do not count, why.
type Tensor struct {
	*format.Tensor
	Label classify.Label
	// Parameters is the learned parameters the tensor holds: its
	// elements, or the logical count of a packed container (a 4-bit
	// weight packed eight to a U32 word holds eight per element).
	Parameters uint64
	// Excluded says why Parameters do not count toward the model's; empty
	// when they do.
	Excluded Exclusion
}

// Counted reports whether the tensor's parameters count toward the
// model's.
func (t *Tensor) Counted() bool { return t.Excluded == NotExcluded }

// CountedParameters is Parameters when the tensor counts, else 0.
func (t *Tensor) CountedParameters() uint64 {
	if t.Counted() {
		return t.Parameters
	}
	return 0
}

// An Exclusion says why a tensor's elements are not learned parameters of
// the model. It is one byte, since a result is kept for every tensor of
// checkpoints with a million of them; String gives its name in reports.
type Exclusion uint8

const (
	NotExcluded      Exclusion = iota // the tensor's parameters count
	ExcludedBuffer                    // "buffer": stored state: causal masks, rotary tables, position ids, BatchNorm statistics
	ExcludedQuantAux                  // "quant_aux": quantization bookkeeping: scales, zero points, group indices
	ExcludedTiedCopy                  // "tied_copy": the second stored copy of a tied weight
)

var exclusionNames = [...]string{NotExcluded: "", ExcludedBuffer: "buffer", ExcludedQuantAux: "quant_aux", ExcludedTiedCopy: "tied_copy"}

// String is the exclusion's name as reports spell it ("" when the tensor
// counts).
func (e Exclusion) String() string {
	if int(e) < len(exclusionNames) {
		return exclusionNames[e]
	}
	return "unknown"
}

// MarshalText writes the name, so JSON shows "tied_copy", not a number.
func (e Exclusion) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// counter holds the state of one Build.
type counter struct {
	m     *model.Model
	opt   Options
	items []Tensor
	notes *notes
	data  dataReader
	// byName finds an item by tensor name, for the quantization
	// bookkeeping beside a packed weight; built on first use (lookup),
	// since most checkpoints never need it.
	byName map[string]int
	// err is an error found on the way that fails the Build.
	err error
}

// dataReader reads the little tensor data a count may need: tie checks
// and the descriptions of packed weights. It is scan.Source in practice.
type dataReader interface {
	ReadSmall(t format.Tensor, limit int64) ([]byte, error)
}

func (c *counter) labelAll() {
	c.items = prefault.Make[Tensor](len(c.m.Tensors), len(c.m.Tensors))
	a := c.m.Arch
	cl := classify.New(c.classifyArch())
	// classify is pure, so large checkpoints are labelled on every core;
	// the same pass finds the few tensors the steps below change, so that
	// they do not walk every tensor again.
	found := parallel(len(c.items), func(lo, hi int) candidates {
		memo := cl.NewMemo()
		var cs candidates
		for i := lo; i < hi; i++ {
			t := &c.m.Tensors[i]
			c.items[i] = Tensor{Tensor: t, Label: memo.TensorShape(t.Name, t.Shape)}
			l := &c.items[i].Label
			// A diffusers pipeline's tensors belong to the subfolder they
			// came from: unet, vae, text_encoder, …
			if comp, ok := c.m.FileComponent[t.File]; ok {
				l.Component = classify.Component(comp)
			}
			if l.Component == classify.ComponentMTP && l.Layer >= 0 {
				cs.mtpLayers = append(cs.mtpLayers, int(l.Layer))
			}
			if l.Role == classify.RoleQuantAux && l.Packed != classify.PackNone {
				cs.quantState = append(cs.quantState, i)
			}
			if a.Layers != 0 && l.Layer >= 0 && int(l.Layer) >= a.Layers {
				cs.pastLayers = append(cs.pastLayers, i)
			}
			if strings.HasSuffix(t.Name, ".biases") {
				cs.biases = append(cs.biases, i)
			}
		}
		return cs
	})
	mtpLayers := map[int]bool{}
	for _, cs := range found {
		for _, layer := range cs.mtpLayers {
			mtpLayers[layer] = true
		}
	}
	// bitsandbytes stores its packed 4-bit weight under the plain name
	// "M.weight"; only the bookkeeping beside it ("M.weight.absmax", the
	// quant state) says it is packed.
	for _, cs := range found {
		for _, i := range cs.quantState {
			l := &c.items[i].Label
			if j, ok := c.sibling(&c.items[i], ".weight"); ok && c.items[j].Label.Packed == classify.PackNone && c.items[j].Label.Role != classify.RoleQuantAux {
				c.items[j].Label.Packed = l.Packed
			}
		}
	}
	// Multi-token-prediction layers sit after the main ones (DeepSeek-V3's
	// layer 61): a layer at or past num_hidden_layers is MTP when the
	// config says there are such layers or the layer holds an MTP-only
	// tensor (enorm, eh_proj).
	moved := 0
	for _, cs := range found {
		for _, i := range cs.pastLayers {
			l := &c.items[i].Label
			if l.Component == classify.ComponentLanguageModel && (a.MTPLayers > 0 || mtpLayers[int(l.Layer)]) {
				l.Component = classify.ComponentMTP
			}
			if l.Component == classify.ComponentMTP {
				moved++
			}
		}
	}
	if moved > 0 {
		c.notes.add(fmt.Sprintf("%s tensors in layers %d and above are multi-token-prediction (MTP) layers, reported as component mtp", text.Exact(moved), a.Layers))
	}
	// MLX quantized checkpoints store "M.weight" (U32 words), "M.scales"
	// and "M.biases"; the last are quantization offsets, not the bias of a
	// layer. The tensors say so whatever the config says (mlx-lm writes
	// both "quantization" and a "quantization_config" without a method).
	for _, cs := range found {
		for _, i := range cs.biases {
			it := &c.items[i]
			module := strings.TrimSuffix(it.Tensor.Name, ".biases")
			if w, ok := c.lookup(module + ".weight"); ok && c.mlxPacked(&c.items[w]) {
				it.Label.Role = classify.RoleQuantAux
			}
		}
	}
}

// candidates are the tensors of one part of a labelling pass that its
// later steps look at, by position, in order.
type candidates struct {
	mtpLayers  []int // the layers of MTP tensors
	quantState []int // bitsandbytes quant states, which mark their weight packed
	pastLayers []int // tensors in layers at or past the config's count: MTP candidates
	biases     []int // "….biases": MLX quantization offsets, perhaps
}

// lookup finds the item of a tensor name.
func (c *counter) lookup(name string) (int, bool) {
	if c.byName == nil {
		c.byName = make(map[string]int, len(c.items))
		for i := range c.items {
			c.byName[c.items[i].Tensor.Name] = i
		}
	}
	i, ok := c.byName[name]
	return i, ok
}

// parallel runs fn over [0, n) split into one contiguous range per CPU,
// and returns its results in the ranges' order; small inputs run on the
// calling goroutine, as one range.
func parallel[T any](n int, fn func(lo, hi int) T) []T {
	workers := runtime.GOMAXPROCS(0)
	if n < 4096 || workers < 2 {
		return []T{fn(0, n)}
	}
	step := (n + workers - 1) / workers
	parts := make([]T, (n+step-1)/step)
	var wg sync.WaitGroup
	for k := range parts {
		lo := k * step
		wg.Go(func() { parts[k] = fn(lo, min(lo+step, n)) })
	}
	wg.Wait()
	return parts
}

// count sets every tensor's Parameters and Excluded. Large checkpoints
// are counted on every core, each part recording its notes apart; the
// few tensors that may be packed weights, whose counting looks up their
// neighbours and may read data, are then counted in order.
func (c *counter) count() {
	type part struct {
		notes  *notes
		packed []int // tensors that may be packed weights
	}
	parts := parallel(len(c.items), func(lo, hi int) part {
		p := part{notes: newNotes(nil)}
		for i := lo; i < hi; i++ {
			it := &c.items[i]
			it.Parameters = it.Tensor.Elements()
			switch it.Label.Role {
			case classify.RoleBuffer:
				p.notes.group(i, "buffer", it.Tensor.Name, it.Parameters)
				it.Excluded = ExcludedBuffer
				continue
			case classify.RoleQuantAux:
				p.notes.group(i, "quant_aux", it.Tensor.Name, it.Parameters)
				it.Excluded = ExcludedQuantAux
				continue
			}
			if _, tied := c.m.TiedTo[i]; tied {
				// A pickle checkpoint names one storage view twice: exactly
				// the same numbers, so no sampling is needed (the model's
				// note says which).
				it.Excluded = ExcludedTiedCopy
				continue
			}
			if it.Label.Packed != classify.PackNone || mlxShaped(it.Tensor) {
				p.packed = append(p.packed, i)
			}
		}
		return p
	})
	for _, p := range parts {
		c.notes.merge(p.notes)
	}
	for _, p := range parts {
		for _, i := range p.packed {
			it := &c.items[i]
			if n, how, ok := c.unpack(it); ok {
				if n != it.Parameters {
					c.notes.group(i, "unpack:"+how, it.Tensor.Name, n-it.Parameters)
				}
				it.Parameters = n
			}
		}
	}
	c.notes.orderGroups()
}

// unpack returns the logical element count of a packed weight
// and how it was found.
func (c *counter) unpack(it *Tensor) (uint64, string, bool) {
	t := it.Tensor
	elements := t.Elements()
	container := uint64(t.DType.BlockBytes * 8 / max(t.DType.BlockSize, 1))
	packing := it.Label.Packed
	if packing == classify.PackNone {
		// MLX packs quantized weights into U32 words under the plain name
		// "M.weight", recognisable by the "M.scales" and "M.biases" beside
		// it.
		if !c.mlxPacked(it) {
			return 0, "", false
		}
		bits := c.mlxBits(it)
		return scale(elements, container, bits), fmt.Sprintf("MLX %d-bit weights packed in %s words (×%s)", bits, t.DType.Name, ratio(container, bits)), true
	}
	switch packing {
	case classify.PackQWeight, classify.PackMarlin:
		bits := c.bits(it)
		return scale(elements, container, bits), fmt.Sprintf("%d-bit %s weights packed in %s words (×%s)", bits, c.method("GPTQ/AWQ"), t.DType.Name, ratio(container, bits)), true
	case classify.PackMXFP4:
		return scale(elements, container, 4), fmt.Sprintf("MXFP4 blocks, two 4-bit values per byte (×%s)", ratio(container, 4)), true
	case classify.PackBnb4:
		if shape, ok := c.bnbShape(it); ok {
			if n, ok := c.product(it, shape, "quant state"); ok {
				return n, "bitsandbytes 4-bit weights (shape from the quant state)", true
			}
			return 0, "", false // counted by its stored elements
		}
		return scale(elements, container, 4), fmt.Sprintf("bitsandbytes 4-bit weights, two per byte (×%s; quant state unreadable, so an odd count may be one too high)", ratio(container, 4)), true
	case classify.PackCompressed:
		if shape, ok := c.shapeTensor(it, ".weight_shape"); ok {
			if n, ok := c.product(it, shape, "weight_shape"); ok {
				return n, "compressed-tensors packed weights (shape from weight_shape)", true
			}
			return 0, "", false // counted by its stored elements
		}
		bits := c.bits(it)
		if t.DType.Name == "U8" || t.DType.Name == "I8" {
			bits = 4 // nvfp4 / mxfp4 pack-quantized: two values per byte
		}
		return scale(elements, container, bits), fmt.Sprintf("compressed-tensors %d-bit packed weights (×%s, an upper bound without weight_shape)", bits, ratio(container, bits)), true
	case classify.PackSparseBitmask:
		if shape, ok := c.shapeTensor(it, ".shape"); ok {
			if n, ok := c.product(it, shape, "shape tensor"); ok {
				return n, "compressed-tensors sparse weights (shape from the shape tensor)", true
			}
		}
	}
	return 0, "", false
}

// product is the element count of shape, the logical shape of it read
// from its description (from). A product past 2^63−1 is absurd: it is
// noted, naming the tensor, and not used.
func (c *counter) product(it *Tensor, shape []uint64, from string) (uint64, bool) {
	n, ok := checked.Product(shape)
	if !ok {
		dims := make([]string, len(shape))
		for i, d := range shape {
			dims[i] = strconv.FormatUint(d, 10)
		}
		c.notes.add(fmt.Sprintf("the %s of %s gives the shape [%s], whose element count overflows; ignored, and the tensor is counted by its %s stored elements",
			from, format.Quote(it.Tensor.Name), strings.Join(dims, ", "), text.Exact(it.Tensor.Elements())))
	}
	return n, ok
}

// checkTotal returns an error if the counted parameters sum past 2^64−1,
// naming the tensor at which the sum overflows: a total that wrapped
// would be a small, wrong number.
func (c *counter) checkTotal() error {
	var sum uint64
	for i := range c.items {
		var ok bool
		if sum, ok = checked.Add(sum, c.items[i].CountedParameters()); !ok {
			return fmt.Errorf("%s: parameters overflow 2^64 at tensor %s", text.Safe(c.m.Path), format.Quote(c.items[i].Tensor.Name))
		}
	}
	return nil
}

// failed returns the error that makes Build fail, if any: a file that
// changed while it was read, or a parameter total past 2^64−1.
func (c *counter) failed() error {
	if c.err != nil {
		return c.err
	}
	return c.checkTotal()
}

// bits is the quantized weight width that applies to it: a matching
// compressed-tensors group, else quantization_config bits, else 4 with a
// note.
func (c *counter) bits(it *Tensor) uint64 {
	q := c.m.Arch.Quantization
	if q != nil {
		if b := q.BitsFor(it.Label.Module); b > 0 {
			return uint64(b)
		}
	}
	c.notes.once("bits", "the quantization bit width is not stated in config.json; 4 bits assumed for packed weights")
	return 4
}

func (c *counter) method(fallback string) string {
	if q := c.m.Arch.Quantization; q != nil && q.Method != "" {
		return strings.ToUpper(q.Method)
	}
	return fallback
}

// scale returns n·container/bits, exactly when it divides (3-bit packing
// is not floored to 10 values a word).
func scale(n, container, bits uint64) uint64 {
	if bits == 0 {
		return n
	}
	if p, ok := checked.Mul(n, container); ok {
		return p / bits
	}
	return n / bits * container
}

func ratio(container, bits uint64) string {
	if container%bits == 0 {
		return strconv.FormatUint(container/bits, 10)
	}
	return strconv.FormatFloat(float64(container)/float64(bits), 'f', 2, 64)
}

// maxDescription bounds the data read to learn a packed weight's shape.
const maxDescription = 4096

// bnbShape reads the shape of a bitsandbytes 4-bit weight from the JSON
// its quant-state tensor holds.
func (c *counter) bnbShape(it *Tensor) ([]uint64, bool) {
	if c.data == nil {
		return nil, false
	}
	for _, suffix := range []string{".quant_state.bitsandbytes__nf4", ".quant_state.bitsandbytes__fp4"} {
		j, ok := c.lookup(it.Tensor.Name + suffix)
		if !ok {
			continue
		}
		b, err := c.data.ReadSmall(*c.items[j].Tensor, maxDescription)
		if err != nil {
			if errors.Is(err, scan.ErrChanged) && c.err == nil {
				c.err = err // the count fails: the file is not the one loaded
			}
			c.notes.add(fmt.Sprintf("cannot read %s: %v", format.Quote(c.items[j].Tensor.Name), err))
			return nil, false
		}
		return parseQuantStateShape(b)
	}
	return nil, false
}

// sibling finds the tensor of it's module with the given suffix: the
// module's full name (prefixes included) followed by suffix.
func (c *counter) sibling(it *Tensor, suffix string) (int, bool) {
	m := it.Label.Module
	k := strings.Index(it.Tensor.Name, m)
	if m == "" || k < 0 {
		return 0, false
	}
	j, ok := c.lookup(it.Tensor.Name[:k+len(m)] + suffix)
	return j, ok
}

// shapeTensor reads the module's small integer tensor whose data is a
// shape (compressed-tensors weight_shape).
func (c *counter) shapeTensor(it *Tensor, suffix string) ([]uint64, bool) {
	j, ok := c.sibling(it, suffix)
	if !ok || c.data == nil {
		return nil, false
	}
	t := c.items[j].Tensor
	b, err := c.data.ReadSmall(*t, maxDescription)
	if err != nil {
		if errors.Is(err, scan.ErrChanged) && c.err == nil {
			c.err = err // the count fails: the file is not the one loaded
		}
		c.notes.add(fmt.Sprintf("cannot read %s: %v", format.Quote(t.Name), err))
		return nil, false
	}
	return decodeInts(b, t.DType.Name)
}

// classifyArch is what the classifier needs to know of the architecture:
// the family and, for hybrids, each block's type, from config.json when
// there is one. The block count is left out unless the config declares
// MTP layers: the count moves blocks past the main ones to component mtp
// itself, and only with evidence.
func (c *counter) classifyArch() classify.Arch {
	var a classify.Arch
	if len(c.m.Config) > 0 {
		if parsed, err := classify.ParseConfig(c.m.Config); err == nil {
			a = parsed
		}
	}
	if a.Architecture == "" {
		a.Architecture = c.m.Arch.Architecture
	}
	if a.Class == "" {
		a.Class = c.m.Arch.Class
	}
	if c.m.Arch.MTPLayers == 0 {
		a.Layers = 0
	}
	if ad := c.m.Adapter; ad != nil {
		a.Adapter = &classify.Adapter{PeftType: ad.Method, TargetModules: ad.TargetModules, ModulesToSave: ad.ModulesToSave}
	}
	return a
}

// kind decides what the checkpoint is, so that figures that only mean
// something for a language model (FLOPs per token, the KV cache, the
// 12·L·d² comparison) are shown only for one.
func (c *counter) kind() classify.CheckpointKind {
	if len(c.m.Components) > 0 {
		return "diffusion pipeline"
	}
	var classes []string
	if c.m.Arch.Class != "" {
		classes = []string{c.m.Arch.Class}
	}
	names := make([]string, 0, min(len(c.items), 4096))
	for i := range c.items {
		if i == cap(names) {
			break
		}
		names = append(names, c.items[i].Name)
	}
	return classify.ModelKind(classes, c.m.Arch.Architecture, "", names)
}

// languageModel reports whether LM-only figures apply. A checkpoint of
// unknown kind keeps them when it has blocks to compare: most files
// without a config are language models.
func languageModel(k classify.CheckpointKind) bool {
	return k.LanguageModel() || k == classify.CheckpointUnknown
}

// mlxPacked reports whether it is an MLX quantized weight: U32 words
// named "M.weight" with "M.scales" and "M.biases" whose leading
// dimensions agree with it.
func (c *counter) mlxPacked(it *Tensor) bool {
	t := it.Tensor
	if !mlxShaped(t) {
		return false
	}
	module := strings.TrimSuffix(t.Name, ".weight")
	for _, suffix := range []string{".scales", ".biases"} {
		j, ok := c.lookup(module + suffix)
		if !ok {
			return false
		}
		s := c.items[j].Tensor.Shape
		if len(s) != len(t.Shape) || !slices.Equal(s[:len(s)-1], t.Shape[:len(t.Shape)-1]) {
			return false
		}
	}
	return true
}

// mlxShaped reports whether t looks like an MLX quantized weight before
// its neighbours are looked at: "….weight" in U32 words, of rank 2 or
// more.
func mlxShaped(t *format.Tensor) bool {
	return t.DType.Name == "U32" && len(t.Shape) >= 2 && strings.HasSuffix(t.Name, ".weight")
}

// mlxBits is the width of an MLX quantized weight: the config's, else
// what the shapes imply. A row of k words holds 32·k/bits values in
// groups of group_size, each with one scale, so bits = 32·k /
// (scales·group_size); MLX's default group size is 64.
func (c *counter) mlxBits(it *Tensor) uint64 {
	if q := c.m.Arch.Quantization; q != nil && q.Bits > 0 {
		return uint64(q.Bits)
	}
	t := it.Tensor
	j, _ := c.lookup(strings.TrimSuffix(t.Name, ".weight") + ".scales")
	words, scales := t.Shape[len(t.Shape)-1], c.items[j].Tensor.Shape[len(t.Shape)-1]
	groups := []uint64{64, 32, 128}
	if q := c.m.Arch.Quantization; q != nil && q.GroupSize > 0 {
		groups = []uint64{uint64(q.GroupSize)}
	}
	for _, g := range groups {
		if scales == 0 || 32*words%(scales*g) != 0 {
			continue
		}
		switch b := 32 * words / (scales * g); b {
		case 2, 3, 4, 5, 6, 8:
			c.notes.once("mlx-bits", fmt.Sprintf("MLX bit width not in the config: %d bits read from the shapes (group size %d)", b, g))
			return b
		}
	}
	c.notes.once("bits", "the quantization bit width is not stated in config.json; 4 bits assumed for packed weights")
	return 4
}
