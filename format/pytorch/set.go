package pytorch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/safetensors"
	"github.com/tensorcount/tensorcount/internal/checked"
)

// A Set is a sharded checkpoint: a pytorch_model.bin.index.json (the
// safetensors index format) and the shards it names.
type Set struct {
	IndexPath string
	Index     *safetensors.Index
	Files     []*File // in Index.Shards order
	Paths     []string
	Notes     []string
}

// OpenSet opens an index and every shard it names (shards must sit in the
// index's directory), and checks that each listed tensor is a model tensor
// of its shard and each shard's model tensors are listed.
func OpenSet(indexPath string) (*Set, error) {
	idx, err := safetensors.OpenIndex(indexPath)
	if err != nil {
		return nil, err
	}
	s := &Set{IndexPath: indexPath, Index: idx, Notes: idx.Notes}
	dir := filepath.Dir(indexPath)
	for _, name := range idx.Shards {
		p := filepath.Join(dir, name)
		f, err := Open(p)
		if err != nil {
			s.Close()
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &format.Error{File: indexPath, Offset: -1, Field: "weight_map", Value: name, Msg: "names a shard that cannot be opened", Err: err}
			}
			return nil, err
		}
		s.Files = append(s.Files, f)
		s.Paths = append(s.Paths, p)
	}
	if err := s.check(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Set) check() error {
	shardOf := make(map[string]int, len(s.Index.Entries))
	for _, e := range s.Index.Entries {
		if _, dup := shardOf[e.Name]; dup {
			return &format.Error{File: s.IndexPath, Offset: -1, Field: "weight_map." + e.Name, Msg: "the tensor is listed twice"}
		}
		shardOf[e.Name] = e.Shard
	}
	found := map[string]bool{}
	var bytes uint64
	for i, f := range s.Files {
		for j, t := range f.Tensors {
			k, ok := shardOf[t.Name]
			switch {
			case !ok:
				return &format.Error{File: s.Paths[i], Offset: -1, Field: "tensor " + format.Quote(t.Name), Msg: "is in this shard but the index does not list it"}
			case found[t.Name]:
				return &format.Error{File: s.Paths[i], Offset: -1, Field: "tensor " + format.Quote(t.Name), Msg: "is stored in two shards"}
			case k != i:
				return &format.Error{File: s.Paths[i], Offset: -1, Field: "tensor " + format.Quote(t.Name), Value: s.Index.Shards[k], Msg: "is in this shard but the index assigns it to another"}
			}
			found[t.Name] = true
			if f.Info[j].TiedTo < 0 {
				bytes += uint64(t.Size)
			}
		}
	}
	var missing []string
	for _, e := range s.Index.Entries {
		if !found[e.Name] {
			missing = append(missing, e.Name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return &format.Error{File: s.IndexPath, Offset: -1, Field: "weight_map",
			Msg: fmt.Sprintf("tensor %s is listed but its shard does not hold it (%d listed tensors are missing)", format.Quote(missing[0]), len(missing))}
	}
	if s.Index.HasTotalSize && s.Index.TotalSize != bytes {
		s.Notes = append(s.Notes, fmt.Sprintf("index metadata.total_size is %d bytes but the shards' tensors span %d", s.Index.TotalSize, bytes))
	}
	return nil
}

// Tensors returns the model tensors of every shard, shard by shard.
func (s *Set) Tensors() []format.Tensor {
	var all []format.Tensor
	for _, f := range s.Files {
		all = append(all, f.Tensors...)
	}
	return all
}

// Dangerous reports whether any shard would import something dangerous.
func (s *Set) Dangerous() bool {
	for _, f := range s.Files {
		if f.Dangerous() {
			return true
		}
	}
	return false
}

// Close closes every shard.
func (s *Set) Close() error {
	var first error
	for _, f := range s.Files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// A Merged tensor is one tensor of a Meta model-parallel checkpoint
// (consolidated.00.pth, consolidated.01.pth, …) put back together.
type Merged struct {
	Name  string
	Shape []uint64 // the whole tensor's
	DType format.DType
	// Axis is the dimension the parts are concatenated along, or -1 for a
	// tensor every part holds whole (norms, rope.freqs).
	Axis int
	// Parts are the pieces, one per part file in order.
	Parts []format.Tensor
}

// Elements is the product of the merged shape.
func (m Merged) Elements() uint64 {
	n, _ := checked.Product(m.Shape)
	return n
}

// SplitAxis is the dimension along which Meta's model-parallel layout
// splits the named tensor: column-parallel wq, wk, wv, w1, w3 and output on
// 0, row-parallel wo, w2 and tok_embeddings on 1. ok is false for names the
// layout does not split.
func SplitAxis(name string) (axis int, ok bool) {
	base := strings.TrimSuffix(name, ".weight")
	last := base[strings.LastIndexByte(base, '.')+1:]
	switch last {
	case "wq", "wk", "wv", "w1", "w3", "output":
		return 0, true
	case "wo", "w2", "tok_embeddings":
		return 1, true
	}
	return -1, false
}

// MergeConsolidated merges the model tensors of the parts of a Meta
// checkpoint, given in part order. Split tensors (SplitAxis) must agree in
// every dimension but the split one, whose sizes are summed; any other
// tensor must be 1-D (or a scalar) with the same shape and dtype in every
// part, and is counted once. Parts that disagree are an error.
func MergeConsolidated(parts []*File) ([]Merged, error) {
	if len(parts) == 0 {
		return nil, nil
	}
	index := make(map[string]int, len(parts[0].Tensors))
	merged := make([]Merged, 0, len(parts[0].Tensors))
	for _, t := range parts[0].Tensors {
		if _, dup := index[t.Name]; dup {
			return nil, &format.Error{File: t.File, Offset: -1, Field: "tensor " + format.Quote(t.Name), Msg: "appears twice in a part"}
		}
		axis, split := SplitAxis(t.Name)
		if split && axis >= len(t.Shape) {
			return nil, &format.Error{File: t.File, Offset: -1, Field: "tensor " + format.Quote(t.Name), Value: fmt.Sprint(t.Shape), Msg: fmt.Sprintf("has no dimension %d to be split along", axis)}
		}
		if !split {
			if len(t.Shape) > 1 && len(parts) > 1 {
				return nil, &format.Error{File: t.File, Offset: -1, Field: "tensor " + format.Quote(t.Name), Value: fmt.Sprint(t.Shape),
					Msg: "is not one the model-parallel layout splits, yet has more than one dimension: cannot tell whether its parts are copies or pieces"}
			}
			axis = -1
		}
		index[t.Name] = len(merged)
		merged = append(merged, Merged{Name: t.Name, Shape: slices.Clone(t.Shape), DType: t.DType, Axis: axis, Parts: []format.Tensor{t}})
	}
	for p, f := range parts[1:] {
		if len(f.Tensors) != len(merged) {
			return nil, &format.Error{File: partName(f), Offset: -1, Field: "tensors", Value: len(f.Tensors), Limit: len(merged), Msg: fmt.Sprintf("part %d holds a different number of tensors than part 0", p+1)}
		}
		for _, t := range f.Tensors {
			i, ok := index[t.Name]
			if !ok {
				return nil, &format.Error{File: t.File, Offset: -1, Field: "tensor " + format.Quote(t.Name), Msg: "is not in part 0"}
			}
			m := &merged[i]
			if len(m.Parts) != p+1 {
				return nil, &format.Error{File: t.File, Offset: -1, Field: "tensor " + format.Quote(t.Name), Msg: "appears twice in a part"}
			}
			first := m.Parts[0]
			if t.DType != first.DType || len(t.Shape) != len(first.Shape) {
				return nil, disagree(t, first)
			}
			for d := range t.Shape {
				if d != m.Axis && t.Shape[d] != first.Shape[d] {
					return nil, disagree(t, first)
				}
			}
			if m.Axis >= 0 {
				var ok bool
				if m.Shape[m.Axis], ok = checked.Add(m.Shape[m.Axis], t.Shape[m.Axis]); !ok {
					return nil, disagree(t, first)
				}
			}
			m.Parts = append(m.Parts, t)
		}
	}
	return merged, nil
}

func partName(f *File) string {
	if len(f.Tensors) > 0 {
		return f.Tensors[0].File
	}
	return ""
}

func disagree(t, first format.Tensor) error {
	return &format.Error{File: t.File, Offset: -1, Field: "tensor " + format.Quote(t.Name),
		Value: fmt.Sprintf("%s %v", t.DType, t.Shape), Limit: fmt.Sprintf("%s %v", first.DType, first.Shape),
		Msg: "parts disagree on the tensor's dtype or shape"}
}

// Params is the params.json beside Meta checkpoints. Fields absent from
// the file are zero; vocab_size is -1 in some releases (taken from the
// tokenizer).
type Params struct {
	Dim           int64    `json:"dim"`
	Layers        int64    `json:"n_layers"`
	Heads         int64    `json:"n_heads"`
	KVHeads       int64    `json:"n_kv_heads"`
	VocabSize     int64    `json:"vocab_size"`
	MultipleOf    int64    `json:"multiple_of"`
	FFNMultiplier *float64 `json:"ffn_dim_multiplier"`
	NormEps       float64  `json:"norm_eps"`
	RopeTheta     float64  `json:"rope_theta"`
}

// maxParams bounds params.json.
const maxParams = 1 << 20

// ReadParams parses params.json.
func ReadParams(r io.Reader) (*Params, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxParams+1))
	if err != nil {
		return nil, &format.Error{Offset: -1, Field: "params.json", Msg: "cannot read", Err: err}
	}
	if len(b) > maxParams {
		return nil, &format.Error{Offset: -1, Field: "params.json", Limit: maxParams, Msg: "file is too large"}
	}
	var p Params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, &format.Error{Offset: -1, Field: "params.json", Msg: "invalid JSON", Err: err}
	}
	return &p, nil
}

// A Consolidated is a Meta checkpoint directory: consolidated.NN.pth parts
// and params.json.
type Consolidated struct {
	Dir    string
	Params *Params // nil without params.json
	Files  []*File
	Paths  []string
	Merged []Merged
}

// OpenConsolidated opens every consolidated.NN.pth in dir (numbered from
// 00 without gaps), reads params.json if present, and merges the parts.
func OpenConsolidated(dir string) (*Consolidated, error) {
	c := &Consolidated{Dir: dir}
	if pf, err := os.Open(filepath.Join(dir, "params.json")); err == nil {
		p, err := ReadParams(pf)
		pf.Close()
		if err != nil {
			return nil, format.WithFile(err, filepath.Join(dir, "params.json"))
		}
		c.Params = p
	}
	for i := 0; ; i++ {
		p := filepath.Join(dir, fmt.Sprintf("consolidated.%02d.pth", i))
		if _, err := os.Stat(p); err != nil {
			break
		}
		f, err := Open(p)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Files = append(c.Files, f)
		c.Paths = append(c.Paths, p)
	}
	if len(c.Files) == 0 {
		return nil, &format.Error{File: dir, Offset: -1, Msg: "no consolidated.00.pth in the directory"}
	}
	m, err := MergeConsolidated(c.Files)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.Merged = m
	return c, nil
}

// Close closes every part.
func (c *Consolidated) Close() error {
	var first error
	for _, f := range c.Files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
