package report

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/format/gguf"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/scan"
)

// ScanSchema identifies the JSON layout of a scan report. Like Schema, it
// changes only if a key is renamed or removed.
const ScanSchema = "tensorcount/scan/v1"

// A ScanReport is what reading a model's values found. Its JSON form is a
// contract: keys are added, never renamed or dropped. Lists are never
// null, and min, max, mean and std, which cover the finite values only,
// are omitted for a tensor without any (JSON has no NaN or Inf).
type ScanReport struct {
	Schema         string `json:"schema"`
	Path           string `json:"path"`
	Format         string `json:"format"`
	TensorsScanned int    `json:"tensors_scanned"`
	// TensorsSkipped lists the tensors not read, each with the reason
	// (a dtype scan does not decode, no elements, …).
	TensorsSkipped []SkippedTensor `json:"tensors_skipped"`
	// BytesRead is the tensor data read: every scanned byte once, plus
	// the rereading that confirms identical tensors.
	BytesRead int64        `json:"bytes_read"`
	Seconds   float64      `json:"seconds"`
	Findings  ScanFindings `json:"findings"`
	// Tensors holds the statistics of every scanned tensor, in file
	// order (the text form shows only those with findings unless asked).
	Tensors []ScanTensor `json:"tensors"`
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

// ScanFindings are the checks a careful engineer makes before shipping
// weights or after converting them. See scan.Findings for the exact
// rules.
type ScanFindings struct {
	NaNInf   []NaNInfFinding   `json:"nan_inf"`
	AllZero  []TensorRef       `json:"all_zero"`
	Constant []ConstantFinding `json:"constant"`
	// Identical holds groups of byte-identical tensors.
	Identical    [][]TensorRef `json:"identical"`
	NormsAllOnes []TensorRef   `json:"norms_all_ones"`
}

// ScanTensor is the statistics of one scanned tensor. Zeros counts
// values equal to zero of either sign; std is the population standard
// deviation (NumPy's default).
type ScanTensor struct {
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

// Scan reads every tensor of m once and reports statistics and findings.
// Roles come from package classify; tensors of big-endian GGUF files are
// listed as not scanned, since their data is byte-swapped. opt.Role is
// replaced; an opt.Skip is consulted as well.
func Scan(ctx context.Context, m *model.Model, opt scan.Options) (*ScanReport, error) {
	big, err := bigEndianFiles(m)
	if err != nil {
		return nil, err
	}
	opt.Role = func(t format.Tensor) string { return string(classify.Tensor(t.Name).Role) }
	if skip := opt.Skip; len(big) > 0 || skip != nil {
		opt.Skip = func(t format.Tensor) string {
			if big[t.File] {
				return "big-endian GGUF data is not decoded"
			}
			if skip != nil {
				return skip(t)
			}
			return ""
		}
	}
	res, err := scan.Scan(ctx, m.Tensors, opt)
	if err != nil {
		return nil, err
	}
	return newScanReport(m, res), nil
}

// bigEndianFiles names the GGUF files of m stored big-endian.
func bigEndianFiles(m *model.Model) (map[string]bool, error) {
	if m.Format != model.GGUF {
		return nil, nil
	}
	big := map[string]bool{}
	for _, f := range m.Files {
		g, err := gguf.Open(f.Path)
		if err != nil {
			return nil, err
		}
		big[f.Path] = g.ByteOrder == binary.BigEndian
		g.Close()
	}
	return big, nil
}

func newScanReport(m *model.Model, res *scan.Result) *ScanReport {
	r := &ScanReport{Schema: ScanSchema, Path: m.Path, Format: m.Format, TensorsScanned: res.Scanned,
		TensorsSkipped: []SkippedTensor{}, BytesRead: res.BytesRead, Seconds: res.Duration.Seconds(),
		Tensors: []ScanTensor{}}
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
	r.Findings = ScanFindings{NaNInf: []NaNInfFinding{}, AllZero: refs(f.AllZero), Constant: []ConstantFinding{},
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
	kinds := map[int][]string{}
	for _, k := range []struct {
		name string
		idx  []int
	}{{"nan_inf", f.NaNInf}, {"all_zero", f.AllZero}, {"constant", f.Constant},
		{"identical", slices.Concat(f.Identical...)}, {"norm_all_ones", f.NormsAllOnes}} {
		for _, i := range k.idx {
			kinds[i] = append(kinds[i], k.name)
		}
	}
	for i := range ts {
		t := &ts[i]
		if !t.Scanned() {
			r.TensorsSkipped = append(r.TensorsSkipped, SkippedTensor{t.Name, t.DType, t.Skipped})
			continue
		}
		s := &t.Stats
		st := ScanTensor{Name: t.Name, Role: t.Role, DType: t.DType, Elements: t.Elements,
			NaN: s.NaN, PosInf: s.PosInf, NegInf: s.NegInf, Zeros: s.Zeros, Findings: kinds[i]}
		if s.Finite > 0 {
			st.Min, st.Max, st.Mean, st.Std = finite(s.Min), finite(s.Max), finite(s.Mean), finite(s.Std())
		}
		r.Tensors = append(r.Tensors, st)
	}
	return r
}

// finite returns a pointer to x, or nil when JSON cannot hold x (a sum
// of huge F64 values can overflow).
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// NaNOrInf reports whether any tensor holds NaN or Inf.
func (r *ScanReport) NaNOrInf() bool { return len(r.Findings.NaNInf) > 0 }

// WriteJSON writes the report as one indented JSON object.
func (r *ScanReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// maxFindingsListed bounds each finding's list of names in the text form; the
// table below it and the JSON list them all.
const maxFindingsListed = 20

// WriteText writes the findings first, then a table of statistics: of the
// tensors with findings, or of every tensor when all is set.
func (r *ScanReport) WriteText(w io.Writer, all bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", safe(r.Path))
	rate := ""
	if r.Seconds > 0 {
		rate = fmt.Sprintf(" (%s/s)", Bytes(int64(float64(r.BytesRead)/r.Seconds)))
	}
	fmt.Fprintf(&b, "  %s · %s %s scanned, %s not scanned · %s read in %.2f s%s\n",
		r.Format, Exact(r.TensorsScanned), plural(r.TensorsScanned, "tensor", "tensors"),
		Exact(len(r.TensorsSkipped)), Bytes(r.BytesRead), r.Seconds, rate)
	r.writeFindings(&b, all)
	r.writeStats(&b, all)
	r.writeSkipped(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *ScanReport) writeFindings(b *strings.Builder, all bool) {
	f := &r.Findings
	b.WriteString("\nfindings\n")
	if len(f.NaNInf)+len(f.AllZero)+len(f.Constant)+len(f.Identical)+len(f.NormsAllOnes) == 0 {
		b.WriteString("  none: no NaN or Inf, no all-zero or constant tensor, no byte-identical tensors, no norm of all ones\n")
		return
	}
	heading := func(what string, n int, one, many string) {
		fmt.Fprintf(b, "  %s: %s %s\n", what, Exact(n), plural(n, one, many))
	}
	more := func(n int) {
		if n > maxFindingsListed && !all {
			fmt.Fprintf(b, "    … and %s more (--all or --json lists them)\n", Exact(n-maxFindingsListed))
		}
	}
	cut := func(n int) int {
		if all {
			return n
		}
		return min(n, maxFindingsListed)
	}
	if n := len(f.NaNInf); n > 0 {
		heading("NaN or Inf", n, "tensor", "tensors")
		t := &table{indent: "    ", left: map[int]bool{1: true}}
		t.add("name", "role", "NaN", "+Inf", "−Inf")
		for _, x := range f.NaNInf[:cut(n)] {
			t.add(safe(x.Name), x.Role, Exact(x.NaN), Exact(x.PosInf), Exact(x.NegInf))
		}
		t.write(b)
		more(n)
	}
	list := func(what string, refs []TensorRef) {
		if len(refs) == 0 {
			return
		}
		heading(what, len(refs), "tensor", "tensors")
		for _, x := range refs[:cut(len(refs))] {
			fmt.Fprintf(b, "    %s (%s)\n", safe(x.Name), x.Role)
		}
		more(len(refs))
	}
	list("all zero", f.AllZero)
	if n := len(f.Constant); n > 0 {
		heading("constant (placeholder values)", n, "tensor", "tensors")
		for _, x := range f.Constant[:cut(n)] {
			fmt.Fprintf(b, "    %s (%s) = %s\n", safe(x.Name), x.Role, num(x.Value))
		}
		more(n)
	}
	if n := len(f.Identical); n > 0 {
		heading("byte-identical (stored twice)", n, "group", "groups")
		for _, g := range f.Identical[:cut(n)] {
			parts := make([]string, len(g))
			for i, x := range g {
				parts[i] = fmt.Sprintf("%s (%s)", safe(x.Name), x.Role)
			}
			fmt.Fprintf(b, "    %s\n", strings.Join(parts, " = "))
		}
		more(n)
	}
	list("norms of all ones (never trained)", f.NormsAllOnes)
}

func (r *ScanReport) writeStats(b *strings.Builder, all bool) {
	t := &table{indent: "  ", left: map[int]bool{1: true, 2: true, 12: true}}
	t.add("name", "role", "dtype", "elements", "NaN", "+Inf", "−Inf", "zeros", "min", "max", "mean", "std", "findings")
	rows := 0
	for _, x := range r.Tensors {
		if !all && len(x.Findings) == 0 {
			continue
		}
		rows++
		t.add(safe(x.Name), x.Role, safe(x.DType), Exact(x.Elements), Exact(x.NaN), Exact(x.PosInf), Exact(x.NegInf),
			Exact(x.Zeros), numPtr(x.Min), numPtr(x.Max), numPtr(x.Mean), numPtr(x.Std), strings.Join(x.Findings, ", "))
	}
	if rows == 0 {
		return
	}
	if all {
		b.WriteString("\ntensors\n")
	} else {
		b.WriteString("\ntensors with findings (--all shows every tensor)\n")
	}
	t.write(b)
}

// writeSkipped summarises the tensors not scanned, one line per dtype and
// reason.
func (r *ScanReport) writeSkipped(b *strings.Builder) {
	if len(r.TensorsSkipped) == 0 {
		return
	}
	type key struct{ dtype, reason string }
	count := map[key]int{}
	var order []key
	for _, s := range r.TensorsSkipped {
		k := key{s.DType, s.Reason}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	b.WriteString("\nnot scanned\n")
	t := &table{indent: "  ", left: map[int]bool{2: true}}
	for _, k := range order {
		t.add(safe(k.dtype), fmt.Sprintf("%s %s", Exact(count[k]), plural(count[k], "tensor", "tensors")), safe(k.reason))
	}
	t.write(b)
}

// num prints a statistic with 6 significant digits.
func num(x float64) string { return fmt.Sprintf("%.6g", x) }

func numPtr(x *float64) string {
	if x == nil {
		return "–"
	}
	return num(*x)
}
