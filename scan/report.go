package scan

import (
	"context"
	"math"
	"slices"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/model"
)

// Schema identifies the JSON layout of a scan report. Like Schema, it
// changes only if a key is renamed or removed.
const Schema = "tensorcount/scan/v1"

// A Report is what reading a model's values found. Its JSON form is a
// contract: keys are added, never renamed or dropped. Lists are never
// null, and min, max, mean and std, which cover the finite values only,
// are omitted for a tensor without any (JSON has no NaN or Inf).
type Report struct {
	Schema         string `json:"schema"`
	Path           string `json:"path"`
	Format         string `json:"format"`
	TensorsScanned int    `json:"tensors_scanned"`
	// TensorsSkipped lists the tensors not read, each with the reason
	// (a dtype scan does not decode, no elements, …).
	TensorsSkipped []SkippedTensor `json:"tensors_skipped"`
	// BytesRead is the tensor data read: every scanned byte once, plus
	// the rereading that confirms identical tensors.
	BytesRead int64          `json:"bytes_read"`
	Seconds   float64        `json:"seconds"`
	Findings  ReportFindings `json:"findings"`
	// Tensors holds the statistics of every scanned tensor, in file
	// order (the text form shows only those with findings unless asked).
	Tensors []ReportTensor `json:"tensors"`
}

// SkippedTensor is a tensor the scan did not read.
type SkippedTensor struct {
	Name   string `json:"name"`
	DType  string `json:"dtype"`
	Reason string `json:"reason"`
}

// TensorRef names a tensor in a finding.
type TensorRef struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// NaNInfFinding is a tensor holding NaN or infinite values.
type NaNInfFinding struct {
	TensorRef
	NaN    uint64 `json:"nan"`
	PosInf uint64 `json:"pos_inf"`
	NegInf uint64 `json:"neg_inf"`
}

// ConstantFinding is a tensor whose values are all the same.
type ConstantFinding struct {
	TensorRef
	Value float64 `json:"value"`
}

// ReportFindings are the checks a careful engineer makes before shipping
// weights or after converting them. See scan.Findings for the exact
// rules.
type ReportFindings struct {
	NaNInf   []NaNInfFinding   `json:"nan_inf"`
	AllZero  []TensorRef       `json:"all_zero"`
	Constant []ConstantFinding `json:"constant"`
	// Identical holds groups of byte-identical tensors.
	Identical    [][]TensorRef `json:"identical"`
	NormsAllOnes []TensorRef   `json:"norms_all_ones"`
}

// ReportTensor is the statistics of one scanned tensor. Zeros counts
// values equal to zero of either sign; std is the population standard
// deviation (NumPy's default).
type ReportTensor struct {
	Name     string   `json:"name"`
	Role     string   `json:"role"`
	DType    string   `json:"dtype"`
	Elements uint64   `json:"elements"`
	NaN      uint64   `json:"nan"`
	PosInf   uint64   `json:"pos_inf"`
	NegInf   uint64   `json:"neg_inf"`
	Zeros    uint64   `json:"zeros"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Mean     *float64 `json:"mean,omitempty"`
	Std      *float64 `json:"std,omitempty"`
	// Findings names the findings the tensor is in: "nan_inf",
	// "all_zero", "constant", "identical", "norm_all_ones".
	Findings []string `json:"findings,omitempty"`
}

// Model reads every tensor of m once and reports statistics and findings.
// Roles come from package classify; tensors of big-endian GGUF files are
// listed as not scanned, since their data is byte-swapped. opt.Role is
// replaced; an opt.Skip is consulted as well.
func Model(ctx context.Context, m *model.Model, opt Options) (*Report, error) {
	big, err := bigEndianFiles(m)
	if err != nil {
		return nil, err
	}
	opt.Role = func(t format.Tensor) string { return classify.Tensor(t.Name).Role.String() }
	if skip := opt.Skip; len(big) > 0 || skip != nil {
		opt.Skip = func(t format.Tensor) string {
			if big[t.File] {
				if m.Format == model.GGUF {
					return "big-endian GGUF data is not decoded"
				}
				return "big-endian data is not decoded"
			}
			if skip != nil {
				return skip(t)
			}
			return ""
		}
	}
	res, err := Scan(ctx, m.Tensors, opt)
	if err != nil {
		return nil, err
	}
	return newReport(m, res), nil
}

// bigEndianFiles names the GGUF files of m stored big-endian.
func bigEndianFiles(m *model.Model) (map[string]bool, error) {
	big := map[string]bool{}
	for _, f := range m.Files {
		if f.BigEndian {
			big[f.Path] = true
		}
	}
	return big, nil
}

func newReport(m *model.Model, res *Result) *Report {
	r := &Report{Schema: Schema, Path: m.Path, Format: m.Format, TensorsScanned: res.Scanned,
		TensorsSkipped: []SkippedTensor{}, BytesRead: res.BytesRead, Seconds: res.Duration.Seconds(),
		Tensors: []ReportTensor{}}
	ts := res.Tensors
	ref := func(i int) TensorRef { return TensorRef{Name: ts[i].Name, Role: ts[i].Role} }
	refs := func(idx []int) []TensorRef {
		out := make([]TensorRef, 0, len(idx))
		for _, i := range idx {
			out = append(out, ref(i))
		}
		return out
	}
	f := &res.Findings
	r.Findings = ReportFindings{NaNInf: []NaNInfFinding{}, AllZero: refs(f.AllZero), Constant: []ConstantFinding{},
		Identical: [][]TensorRef{}, NormsAllOnes: refs(f.NormsAllOnes)}
	for _, i := range f.NaNInf {
		s := &ts[i].Stats
		r.Findings.NaNInf = append(r.Findings.NaNInf, NaNInfFinding{ref(i), s.NaN, s.PosInf, s.NegInf})
	}
	for _, i := range f.Constant {
		r.Findings.Constant = append(r.Findings.Constant, ConstantFinding{ref(i), ts[i].Stats.Min})
	}
	for _, g := range f.Identical {
		r.Findings.Identical = append(r.Findings.Identical, refs(g))
	}
	// Each tensor's findings are a set of the five, kept as bits; the
	// lists of names are shared by all tensors with the same set, so that
	// a million flagged tensors do not make a million lists.
	kinds := make([]uint8, len(ts))
	for bit, idx := range [][]int{f.NaNInf, f.AllZero, f.Constant, slices.Concat(f.Identical...), f.NormsAllOnes} {
		for _, i := range idx {
			kinds[i] |= 1 << bit
		}
	}
	var lists [1 << len(findingNames)][]string
	for set := range lists {
		for bit, name := range findingNames {
			if set&(1<<bit) != 0 {
				lists[set] = append(lists[set], name)
			}
		}
		lists[set] = slices.Clip(lists[set]) // shared: an append must copy
	}
	// The statistics are pointers (JSON leaves out what it cannot hold)
	// into one slab, not four allocations a tensor.
	var floats []float64
	r.Tensors = make([]ReportTensor, 0, res.Scanned)
	for i := range ts {
		t := &ts[i]
		if !t.Scanned() {
			r.TensorsSkipped = append(r.TensorsSkipped, SkippedTensor{t.Name, t.DType, t.Skipped})
			continue
		}
		s := &t.Stats
		st := ReportTensor{Name: t.Name, Role: t.Role, DType: t.DType, Elements: t.Elements,
			NaN: s.NaN, PosInf: s.PosInf, NegInf: s.NegInf, Zeros: s.Zeros, Findings: lists[kinds[i]]}
		if s.Finite > 0 {
			if len(floats) < 4 {
				floats = make([]float64, 4*min(len(ts)-i, 1<<14))
			}
			st.Min, st.Max, st.Mean, st.Std = finite(&floats[0], s.Min), finite(&floats[1], s.Max), finite(&floats[2], s.Mean), finite(&floats[3], s.Std())
			floats = floats[4:]
		}
		r.Tensors = append(r.Tensors, st)
	}
	return r
}

// findingNames are the findings' names in ReportTensor.Findings, in order.
var findingNames = [...]string{"nan_inf", "all_zero", "constant", "identical", "norm_all_ones"}

// finite stores x at p and returns p, or returns nil when JSON cannot hold
// x (a sum of huge F64 values can overflow).
func finite(p *float64, x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	*p = x
	return p
}

// NaNOrInf reports whether any tensor holds NaN or Inf.
func (r *Report) NaNOrInf() bool { return len(r.Findings.NaNInf) > 0 }
