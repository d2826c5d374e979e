package report

import (
	"cmp"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
)

// A TensorRow describes one tensor for the "tensors" listing.
type TensorRow struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	Component string `json:"component"`
	Layer     int    `json:"layer"` // -1 outside any block
	DType     string `json:"dtype"`
	// Shape is outermost first (PyTorch order); FileShape is the order
	// the file stores (reversed for GGUF, the same for safetensors).
	Shape     []uint64 `json:"shape"`
	FileShape []uint64 `json:"file_shape"`
	Elements  uint64   `json:"elements"`
	// Parameters is what the tensor adds to the model's parameters: 0
	// for buffers, bookkeeping and a tied copy (Excluded says which),
	// the unpacked count for a packed weight.
	Parameters uint64 `json:"parameters"`
	Excluded   string `json:"excluded,omitempty"`
	Bytes      int64  `json:"bytes"`
	File       string `json:"file"`
	Offset     int64  `json:"offset"`
}

// TensorsSchema identifies the JSON layout of the per-tensor listing.
const TensorsSchema = "tensorcount/tensors/v1"

// TensorList is the per-tensor listing of a model.
type TensorList struct {
	Schema  string      `json:"schema"`
	Path    string      `json:"path"`
	Format  string      `json:"format"`
	Tensors []TensorRow `json:"tensors"`
}

// A TensorQuery selects and orders the rows of a listing. The zero value
// lists every tensor in file order.
type TensorQuery struct {
	Role  string // only this role, by name ("attention")
	Layer *int   // only this layer (-1: outside any block)
	// Match is a path.Match pattern the name must match ("*.q_proj.*").
	Match string
	// Sort is "" or "file" (file order), "name", or "size" (most
	// parameters first; bytes break ties).
	Sort string
}

// Check reports whether the query is well formed.
func (q TensorQuery) Check() error {
	if q.Match != "" {
		if _, err := path.Match(q.Match, ""); err != nil {
			return fmt.Errorf("--match %q: %v", q.Match, err)
		}
	}
	switch q.Sort {
	case "", "file", "name", "size":
	default:
		return fmt.Errorf("--sort %q: want file, name or size", q.Sort)
	}
	if _, ok := classify.ParseRole(q.Role); q.Role != "" && !ok {
		return fmt.Errorf("--role %q: not a role (one of %s)", q.Role, roleList())
	}
	return nil
}

func roleList() string {
	var names []string
	for _, r := range classify.Roles() {
		names = append(names, r.String())
	}
	return strings.Join(names, ", ")
}

// Tensors lists the tensors of a report that q selects, with the labels
// the count settled on (so an MTP layer's tensors say component mtp here
// as in the summary).
func Tensors(r *count.Report, q TensorQuery) *TensorList {
	l := &TensorList{Schema: TensorsSchema, Path: r.Path, Format: r.Format, Tensors: []TensorRow{}}
	gguf := r.Format == model.GGUF
	var rows []int
	role, _ := classify.ParseRole(q.Role)
	for i := range r.PerTensor {
		ct := &r.PerTensor[i]
		lab := ct.Label
		if q.Role != "" && lab.Role != role {
			continue
		}
		if q.Layer != nil && lab.Layer != *q.Layer {
			continue
		}
		if q.Match != "" {
			if ok, _ := path.Match(q.Match, ct.Name); !ok {
				continue
			}
		}
		rows = append(rows, i)
	}
	switch q.Sort {
	case "name":
		slices.SortStableFunc(rows, func(a, b int) int { return strings.Compare(r.PerTensor[a].Name, r.PerTensor[b].Name) })
	case "size":
		slices.SortStableFunc(rows, func(a, b int) int {
			x, y := &r.PerTensor[a], &r.PerTensor[b]
			if c := cmp.Compare(y.Parameters, x.Parameters); c != 0 {
				return c
			}
			return cmp.Compare(y.Size, x.Size)
		})
	}
	l.Tensors = make([]TensorRow, 0, len(rows))
	for _, i := range rows {
		ct := &r.PerTensor[i]
		t := ct.Tensor
		shape := t.Shape
		if shape == nil {
			shape = []uint64{}
		}
		fileShape := shape
		if gguf {
			fileShape = slices.Clone(shape)
			slices.Reverse(fileShape)
		}
		lab := ct.Label
		l.Tensors = append(l.Tensors, TensorRow{Name: t.Name, Role: lab.Role.String(), Component: string(lab.Component), Layer: lab.Layer,
			DType: t.DType.Name, Shape: shape, FileShape: fileShape,
			Elements: t.Elements(), Parameters: ct.CountedParameters(), Excluded: ct.Excluded.String(),
			Bytes: t.Size, File: t.File, Offset: t.Offset})
	}
	return l
}

// WriteJSON writes the listing as one JSON object.
func (l *TensorList) WriteJSON(w io.Writer) error { return encode(w, l) }

// WriteText writes one aligned row per tensor. GGUF listings show both
// dimension orders, since gguf_dump and the file use ne order.
func (l *TensorList) WriteText(w io.Writer, opt Options) error {
	gguf := l.Format == model.GGUF
	t := &table{left: map[int]bool{1: true, 3: true, 4: true, 5: gguf}, width: opt.width()}
	head := []string{"name", "role", "layer", "dtype", "shape"}
	if gguf {
		head = []string{"name", "role", "layer", "dtype", "shape (PyTorch order)", "ne (GGUF order)"}
	}
	t.add(append(head, "elements", "bytes")...)
	for _, r := range l.Tensors {
		layer := "–"
		if r.Layer >= 0 {
			layer = fmt.Sprint(r.Layer)
		}
		row := []string{text.Safe(r.Name), r.Role, layer, text.Safe(r.DType), dims(r.Shape)}
		if gguf {
			row = append(row, dims(r.FileShape))
		}
		t.add(append(row, text.Exact(r.Elements), text.Exact(r.Bytes))...)
	}
	return t.write(w)
}

func dims(d []uint64) string {
	parts := make([]string, len(d))
	for i, x := range d {
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
