package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
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
	Bytes     int64    `json:"bytes"`
	File      string   `json:"file"`
	Offset    int64    `json:"offset"`
}

// TensorList is the per-tensor listing of a model.
type TensorList struct {
	Schema  string      `json:"schema"`
	Path    string      `json:"path"`
	Format  string      `json:"format"`
	Tensors []TensorRow `json:"tensors"`
}

// Tensors lists every tensor of m in file order.
func Tensors(m *model.Model) *TensorList {
	l := &TensorList{Schema: Schema, Path: m.Path, Format: m.Format, Tensors: make([]TensorRow, 0, len(m.Tensors))}
	for _, t := range m.Tensors {
		fileShape := t.Shape
		if m.Format == model.GGUF {
			fileShape = slices.Clone(t.Shape)
			slices.Reverse(fileShape)
		}
		shape := t.Shape
		if shape == nil {
			shape = []uint64{}
			fileShape = shape
		}
		lab := classify.Tensor(t.Name)
		l.Tensors = append(l.Tensors, TensorRow{Name: t.Name, Role: string(lab.Role), Component: string(lab.Component), Layer: lab.Layer,
			DType: t.DType.Name, Shape: shape, FileShape: fileShape,
			Elements: t.Elements(), Bytes: t.Size, File: t.File, Offset: t.Offset})
	}
	return l
}

// WriteJSON writes the listing as one JSON object.
func (l *TensorList) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(l)
}

// WriteText writes one aligned row per tensor. GGUF listings show both
// dimension orders, since gguf_dump and the file use ne order.
func (l *TensorList) WriteText(w io.Writer) error {
	gguf := l.Format == model.GGUF
	t := &table{left: map[int]bool{1: true, 3: true, 4: true, 5: gguf}}
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
		row := []string{safe(r.Name), r.Role, layer, safe(r.DType), dims(r.Shape)}
		if gguf {
			row = append(row, dims(r.FileShape))
		}
		t.add(append(row, Exact(r.Elements), Exact(r.Bytes))...)
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
