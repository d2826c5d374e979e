package report

import (
	"path/filepath"
	"sort"

	"github.com/tensorcount/tensorcount/model"
)

// Schema identifies the JSON layout; it changes only if a key is renamed
// or removed, which the contract forbids.
const Schema = "tensorcount/v1"

// A Report holds every figure tensorcount reports for one model. Its JSON
// form is the documented contract: keys are added, never renamed or
// dropped, counts are exact integers, and a figure that does not apply is
// omitted.
type Report struct {
	Schema string       `json:"schema"`
	Path   string       `json:"path"`
	Format string       `json:"format"`
	Files  []FileReport `json:"files"`

	// Tensors counts tensor entries in the selected files.
	Tensors int `json:"tensors"`
	// Elements is the sum of shape products over every stored tensor, as
	// written (packed containers counted as stored).
	Elements uint64 `json:"elements"`
	// Bytes is what the tensors occupy on disk: tensor bytes, not headers
	// or alignment padding.
	Bytes int64 `json:"bytes"`

	ByDType map[string]DTypeCount `json:"by_dtype"`

	Arch  *model.Arch `json:"arch,omitempty"`
	Notes []string    `json:"notes"`

	exact bool // text tables print exact integers instead of units
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

// Options adjusts what Build computes.
type Options struct {
	// Exact makes the text tables print exact integers instead of
	// readable units.
	Exact bool
}

// Build computes the report of a loaded model.
func Build(m *model.Model, opt Options) (*Report, error) {
	r := &Report{
		Schema:  Schema,
		Path:    m.Path,
		Format:  m.Format,
		ByDType: map[string]DTypeCount{},
		Notes:   append([]string{}, m.Notes...),
		exact:   opt.Exact,
	}
	for _, f := range m.Files {
		r.Files = append(r.Files, FileReport{Path: f.Path, Format: f.Format, Tensors: f.Tensors,
			Bytes: f.Bytes, Size: f.Size, HeaderBytes: f.HeaderBytes})
	}
	for _, t := range m.Tensors {
		n := t.Elements()
		r.Tensors++
		r.Elements += n
		r.Bytes += t.Size
		c := r.ByDType[t.DType.Name]
		c.Tensors++
		c.Elements += n
		c.Bytes += t.Size
		r.ByDType[t.DType.Name] = c
	}
	if m.Arch != (model.Arch{}) {
		a := m.Arch
		r.Arch = &a
	}
	return r, nil
}

// dtypeOrder lists the dtypes of a report, largest share of bytes first.
func (r *Report) dtypeOrder() []string {
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

func base(p string) string { return filepath.Base(p) }
