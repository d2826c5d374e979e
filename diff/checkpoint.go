package diff

import (
	"fmt"
	"math"
	"slices"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/internal/names"
	"github.com/tensorcount/tensorcount/internal/prefault"
	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
)

// A Checkpoint is one side of a diff: the figures of its count and, for
// every tensor, what a comparison reads of it (name, canonical name,
// shape, dtype, role, exclusion, parameters). It keeps 8 bytes a tensor
// besides the bytes of its name, where a count.Report and the model under it
// keep 250, so that diff can let go of one model before it loads the
// other: two million-tensor checkpoints then fit in the memory of one.
//
// Tensors that share a shape, dtype, role and exclusion, as a block's
// tensors do in every block, mostly share one form.
type Checkpoint struct {
	side     Side
	roles    map[classify.Role]uint64 // parameters by role
	tie      *count.Tie
	head     uint64 // the head's parameters
	distinct bool   // no name is there twice

	names names.List
	// shared, when set, holds the names instead of names: the tensors of
	// the report a NewCheckpointSharing keeps.
	shared []count.Tensor
	// canonical is tensor i's canonical GGUF name, "" for none; nil when
	// no tensor has one but its own name (a GGUF file's are its names).
	canonical []string
	form      []uint32 // tensor i's form
	forms     []form
	dims      []uint64 // the forms' shapes, one after another
	// packedAt lists, in order, the tensors whose parameters are not
	// their elements (packed 4-bit weights), and packed their parameters.
	packedAt []int32
	packed   []uint64
}

// A form is what tensors of one shape, dtype, role and exclusion share.
type form struct {
	dimsAt   uint32 // the shape is dims[dimsAt : dimsAt+ndim]
	ndim     uint32
	elements uint64
	dtype    string
	role     classify.Role
	excluded count.Exclusion
}

// NewCheckpoint keeps what a comparison needs of r, which must be the
// report of a loaded model: once it returns, r and its model can go.
func NewCheckpoint(r *count.Report) (*Checkpoint, error) { return newCheckpoint(r, false) }

// NewCheckpointSharing is NewCheckpoint for a report that stays loaded
// anyway, as the last side of a diff does until the diff is written: the
// checkpoint reads the names from r's tensors instead of copying them,
// and so keeps r and its model. A million names are about 30 MB that a
// sharing checkpoint does not take.
func NewCheckpointSharing(r *count.Report) (*Checkpoint, error) { return newCheckpoint(r, true) }

func newCheckpoint(r *count.Report, share bool) (*Checkpoint, error) {
	if len(r.PerTensor) != r.Tensors {
		return nil, fmt.Errorf("%s: the report holds no per-tensor results (a report read back from JSON, say); diff needs the report of a loaded model", text.Safe(r.Path))
	}
	if len(r.PerTensor) > math.MaxInt32 {
		return nil, fmt.Errorf("%s: %d tensors, more than a diff can index (%d)", text.Safe(r.Path), len(r.PerTensor), math.MaxInt32)
	}
	c := &Checkpoint{side: side(r), roles: make(map[classify.Role]uint64, len(r.ByRole)), head: r.HeadParameters,
		// A name is known to be there once when a side is one
		// safetensors or GGUF file, whose reader rejects a name
		// described twice.
		distinct: len(r.Files) == 1 && (r.Format == model.Safetensors || r.Format == model.GGUF)}
	for role, rc := range r.ByRole {
		c.roles[role] = rc.Parameters
	}
	if r.Tie != nil {
		tie := *r.Tie
		c.tie = &tie
	}
	n := len(r.PerTensor)
	if share {
		c.shared = r.PerTensor
	} else {
		size := 0
		for i := range r.PerTensor {
			size += len(r.PerTensor[i].Name)
		}
		c.names = names.MakeList(n, size)
	}
	c.form = prefault.Huge[uint32](n) // filled from its start
	f := new(forms)
	for i := range r.PerTensor {
		it := &r.PerTensor[i]
		t := it.Tensor
		if !share {
			if err := c.names.Append(t.Name); err != nil {
				return nil, fmt.Errorf("%s: %w, more than a diff can hold", text.Safe(r.Path), err)
			}
		}
		if can := it.Label.Canonical; can != "" && can != t.Name {
			if c.canonical == nil {
				c.canonical = make([]string, n)
			}
			c.canonical[i] = can
		}
		k, err := f.intern(c, t.Shape, t.DType.Name, it.Label.Role, it.Excluded)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", text.Safe(r.Path), err)
		}
		c.form[i] = k
		if it.Parameters != c.forms[k].elements {
			c.packedAt = append(c.packedAt, int32(i))
			c.packed = append(c.packed, it.Parameters)
		}
	}
	c.dims = slices.Clip(c.dims)
	return c, nil
}

// Tensors is the number of tensors.
func (c *Checkpoint) Tensors() int { return len(c.form) }

// name is tensor i's name.
func (c *Checkpoint) name(i int) string {
	if c.shared != nil {
		return c.shared[i].Name
	}
	return c.names.At(i)
}

// index is the position of the first tensor named name, or −1.
func (c *Checkpoint) index(name string) int {
	if c.shared == nil {
		return c.names.Index(name)
	}
	for i := range c.shared {
		if c.shared[i].Name == name {
			return i
		}
	}
	return -1
}

// shape is tensor i's shape, in PyTorch order.
func (c *Checkpoint) shape(i int32) []uint64 { return c.formShape(&c.forms[c.form[i]]) }

// parameters is tensor i's parameters, counted or not.
func (c *Checkpoint) parameters(i int32) uint64 {
	if j, ok := slices.BinarySearch(c.packedAt, i); ok {
		return c.packed[j]
	}
	return c.forms[c.form[i]].elements
}

// countedParameters is tensor i's parameters when they count toward the
// model's, else 0.
func (c *Checkpoint) countedParameters(i int32) uint64 {
	if c.forms[c.form[i]].excluded != count.NotExcluded {
		return 0
	}
	return c.parameters(i)
}

// key is what tensor i is matched by: its name, or its canonical GGUF
// name when canonical is set (tensors without one keep their name, so
// buffers such as rope_freqs show up as present on one side only).
func (c *Checkpoint) key(i int, canonical bool) string {
	if canonical && c.canonical != nil && c.canonical[i] != "" {
		return c.canonical[i]
	}
	return c.name(i)
}

// forms interns the forms of one checkpoint as its tensors are read, in
// a cache of recent forms indexed by a hash of the form: a block's dozen
// forms recur in every block, and a form the cache has lost is merely
// stored again. Nothing compares forms by number, so a second copy costs
// memory, never a wrong answer, and no input can make the interning slow.
type forms struct {
	recent [1 << 10]uint32 // a form's number + 1, by hash; 0 for none
}

// intern returns the number of the form of a tensor, adding it to c.forms
// when the cache does not hold it.
func (f *forms) intern(c *Checkpoint, shape []uint64, dtype string, role classify.Role, excluded count.Exclusion) (uint32, error) {
	h := uint64(len(shape))<<16 ^ uint64(len(dtype))<<8 ^ uint64(role)<<4 ^ uint64(excluded)
	if dtype != "" {
		h ^= uint64(dtype[0])<<24 ^ uint64(dtype[len(dtype)-1])<<32
	}
	for _, d := range shape {
		h = (h ^ d) * 0x9e3779b97f4a7c15
	}
	slot := &f.recent[(h^h>>29)%uint64(len(f.recent))]
	if id := *slot; id > 0 {
		if k := &c.forms[id-1]; k.dtype == dtype && k.role == role && k.excluded == excluded && slices.Equal(c.formShape(k), shape) {
			return id - 1, nil
		}
	}
	if uint64(len(c.dims))+uint64(len(shape)) > math.MaxUint32 {
		return 0, fmt.Errorf("shapes of more than %d dimensions in all, more than a diff can index", uint32(math.MaxUint32))
	}
	elements := uint64(1)
	for _, d := range shape {
		elements *= d
	}
	id := uint32(len(c.forms))
	c.forms = append(c.forms, form{dimsAt: uint32(len(c.dims)), ndim: uint32(len(shape)), elements: elements, dtype: dtype, role: role, excluded: excluded})
	c.dims = append(c.dims, shape...)
	*slot = id + 1
	return id, nil
}
