package report

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/format"
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

// TensorList is the per-tensor listing of a model. It holds the rows it
// selected as positions in the report and builds each row when it is
// read, so that listing a million tensors costs four bytes a tensor
// besides the report, not a row of strings each.
type TensorList struct {
	Schema string
	Path   string
	Format string

	report *count.Report
	rows   []int32 // positions in report.PerTensor, in listing order
}

// Len is the number of rows.
func (l *TensorList) Len() int { return len(l.rows) }

// Row builds the i-th row.
func (l *TensorList) Row(i int) TensorRow { return l.row(i, nil) }

// row builds the i-th row; a GGUF row's FileShape is built in scratch
// (appended to scratch[:0]), so that writers reuse one buffer for every
// row.
func (l *TensorList) row(i int, scratch *[]uint64) TensorRow {
	ct := &l.report.PerTensor[l.rows[i]]
	t := ct.Tensor
	shape := t.Shape
	if shape == nil {
		shape = []uint64{}
	}
	fileShape := shape
	if l.Format == model.GGUF {
		var s []uint64
		if scratch != nil {
			s = (*scratch)[:0]
		}
		s = append(s, shape...)
		slices.Reverse(s)
		if scratch != nil {
			*scratch = s
		}
		fileShape = s
	}
	lab := ct.Label
	return TensorRow{Name: t.Name, Role: lab.Role.String(), Component: string(lab.Component), Layer: int(lab.Layer),
		DType: t.DType.Name, Shape: shape, FileShape: fileShape,
		Elements: t.Elements(), Parameters: ct.CountedParameters(), Excluded: ct.Excluded.String(),
		Bytes: t.Size, File: t.File, Offset: t.Offset}
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
	l := &TensorList{Schema: TensorsSchema, Path: r.Path, Format: r.Format, report: r}
	var rows []int32
	if q.Role == "" && q.Layer == nil && q.Match == "" {
		// Every row: sized once, so that a million-tensor listing
		// leaves no regrowth copies to collect.
		rows = make([]int32, 0, len(r.PerTensor))
	}
	role, _ := classify.ParseRole(q.Role)
	for i := range r.PerTensor {
		ct := &r.PerTensor[i]
		lab := ct.Label
		if q.Role != "" && lab.Role != role {
			continue
		}
		if q.Layer != nil && int(lab.Layer) != *q.Layer {
			continue
		}
		if q.Match != "" {
			if ok, _ := path.Match(q.Match, ct.Name); !ok {
				continue
			}
		}
		rows = append(rows, int32(i))
	}
	switch q.Sort {
	case "name":
		slices.SortStableFunc(rows, func(a, b int32) int { return strings.Compare(r.PerTensor[a].Name, r.PerTensor[b].Name) })
	case "size":
		slices.SortStableFunc(rows, func(a, b int32) int {
			x, y := &r.PerTensor[a], &r.PerTensor[b]
			if c := cmp.Compare(y.Parameters, x.Parameters); c != 0 {
				return c
			}
			return cmp.Compare(y.Size, x.Size)
		})
	}
	l.rows = rows
	return l
}

// WriteJSON writes the listing as one JSON object, a row at a time.
func (l *TensorList) WriteJSON(w io.Writer) error {
	head, err := json.MarshalIndent(struct {
		Schema string `json:"schema"`
		Path   string `json:"path"`
		Format string `json:"format"`
	}{l.Schema, l.Path, l.Format}, "", "  ")
	if err != nil {
		return err
	}
	jw := format.NewJSONWriter(w)
	bw := bufio.NewWriterSize(jw, 64<<10)
	// The object's members, then the rows in an array of their own.
	bw.Write(head[:len(head)-2]) // up to the closing "\n}"
	bw.WriteString(",\n  \"tensors\": [")
	// Rows are written by appendRow into one buffer: encoding/json's
	// indentation pass was two thirds of a million-row listing's time.
	var row []byte
	var scratch []uint64
	for i := range l.rows {
		if i > 0 {
			bw.WriteByte(',')
		}
		row = appendRow(append(row[:0], "\n    "...), l.row(i, &scratch))
		bw.Write(row)
	}
	if len(l.rows) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return errors.Join(bw.Flush(), jw.Flush())
}

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
	// The rows are made twice, once to measure the columns and once to
	// write them, rather than held: a million rows of strings took most
	// of a listing's memory. The numbers of a row are formatted into one
	// buffer that the next row reuses (the table is done with a row when
	// it asks for the next), so that making them twice costs no garbage
	// to collect.
	var row []string
	var buf []byte
	t.gen = func(yield func([]string) bool) {
		var scratch []uint64
		for i := range l.rows {
			r := l.row(i, &scratch)
			buf = slices.Grow(buf[:0], 256)[:0]
			// Cells made from buf are taken once it has stopped
			// growing, so that none points at a buffer left behind.
			var at [5]int
			layer := "–"
			if r.Layer >= 0 {
				buf = strconv.AppendInt(buf, int64(r.Layer), 10)
			}
			at[0] = len(buf)
			buf = appendDimsText(buf, r.Shape)
			at[1] = len(buf)
			if gguf {
				buf = appendDimsText(buf, r.FileShape)
			}
			at[2] = len(buf)
			buf = text.AppendExact(buf, r.Elements)
			at[3] = len(buf)
			buf = text.AppendExact(buf, r.Bytes)
			at[4] = len(buf)
			s := unsafe.String(unsafe.SliceData(buf), len(buf))
			if r.Layer >= 0 {
				layer = s[:at[0]]
			}
			row = append(row[:0], text.Safe(r.Name), r.Role, layer, text.Safe(r.DType), s[at[0]:at[1]])
			if gguf {
				row = append(row, s[at[1]:at[2]])
			}
			row = append(row, s[at[2]:at[3]], s[at[3]:at[4]])
			if !yield(row) {
				return
			}
		}
	}
	return t.write(w)
}

func dims(d []uint64) string { return string(appendDimsText(nil, d)) }

// appendDimsText appends a shape as text shows it: "[4096, 11008]".
func appendDimsText(b []byte, d []uint64) []byte {
	b = append(b, '[')
	for i, x := range d {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendUint(b, x, 10)
	}
	return append(b, ']')
}

// appendRow appends r as encoding/json indents it four spaces in: the
// TensorRow fields in order, Excluded left out when empty.
func appendRow(b []byte, r TensorRow) []byte {
	b = append(b, '{')
	b = appendJSONString(appendKey(b, "name", true), r.Name)
	b = appendJSONString(appendKey(b, "role", false), r.Role)
	b = appendJSONString(appendKey(b, "component", false), r.Component)
	b = strconv.AppendInt(appendKey(b, "layer", false), int64(r.Layer), 10)
	b = appendJSONString(appendKey(b, "dtype", false), r.DType)
	b = appendDims(appendKey(b, "shape", false), r.Shape)
	b = appendDims(appendKey(b, "file_shape", false), r.FileShape)
	b = strconv.AppendUint(appendKey(b, "elements", false), r.Elements, 10)
	b = strconv.AppendUint(appendKey(b, "parameters", false), r.Parameters, 10)
	if r.Excluded != "" {
		b = appendJSONString(appendKey(b, "excluded", false), r.Excluded)
	}
	b = strconv.AppendInt(appendKey(b, "bytes", false), r.Bytes, 10)
	b = appendJSONString(appendKey(b, "file", false), r.File)
	b = strconv.AppendInt(appendKey(b, "offset", false), r.Offset, 10)
	return append(b, "\n    }"...)
}

// appendKey starts a member of a row: a comma unless it is the first,
// the line break and indent, the key.
func appendKey(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, "\n      \""...)
	b = append(b, key...)
	return append(b, `": `...)
}

func appendDims(b []byte, d []uint64) []byte {
	if len(d) == 0 {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i, x := range d {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(append(b, "\n        "...), x, 10)
	}
	return append(b, "\n      ]"...)
}

// appendJSONString quotes s as encoding/json does. Printable ASCII
// without quotes, backslashes or HTML's <, > and & is copied; anything
// else goes through encoding/json itself, so that the escapes are the
// same in every case.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
