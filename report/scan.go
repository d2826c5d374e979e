package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/scan"
)

// maxFindingsListed bounds each finding's list of names in the text form; the
// table below it and the JSON list them all.
const maxFindingsListed = 20

// WriteText writes the findings first, then a table of statistics: of the
// tensors with findings, or of every tensor when all is set.
func WriteScanText(w io.Writer, r *scan.Report, all bool, opt Options) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", text.Safe(r.Path))
	rate := ""
	if r.Seconds > 0 {
		rate = fmt.Sprintf(" (%s/s)", text.Bytes(int64(float64(r.BytesRead)/r.Seconds)))
	}
	fmt.Fprintf(&b, "  %s · %s %s scanned, %s not scanned · %s read in %.2f s%s\n",
		r.Format, text.Exact(r.TensorsScanned), text.Plural(r.TensorsScanned, "tensor", "tensors"),
		text.Exact(len(r.TensorsSkipped)), text.Bytes(r.BytesRead), r.Seconds, rate)
	writeFindings(r, &b, all, opt)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	// The table of a million tensors is written as it is made.
	if err := writeStats(r, w, all); err != nil {
		return err
	}
	b.Reset()
	writeSkipped(r, &b)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFindings(r *scan.Report, b *strings.Builder, all bool, opt Options) {
	f := &r.Findings
	b.WriteString("\nfindings\n")
	if len(f.NaNInf)+len(f.AllZero)+len(f.Constant)+len(f.Identical)+len(f.NormsAllOnes) == 0 {
		b.WriteString(text.Wrap("none: no NaN or Inf, no all-zero or constant tensor, no byte-identical tensors, no norm of all ones", opt.width(), "  ", "    "))
		return
	}
	heading := func(what string, n int, one, many string) {
		fmt.Fprintf(b, "  %s: %s %s\n", what, text.Exact(n), text.Plural(n, one, many))
	}
	more := func(n int) {
		if n > maxFindingsListed && !all {
			fmt.Fprintf(b, "    … and %s more (--all or --json lists them)\n", text.Exact(n-maxFindingsListed))
		}
	}
	cut := func(n int) int {
		if all {
			return n
		}
		return min(n, maxFindingsListed)
	}
	if n := len(f.NaNInf); n > 0 {
		heading(text.Paint("NaN or Inf", text.Red, opt.Color), n, "tensor", "tensors")
		t := &table{indent: "    ", left: map[int]bool{1: true}}
		t.add("name", "role", "NaN", "+Inf", "−Inf")
		for _, x := range f.NaNInf[:cut(n)] {
			t.add(text.Safe(x.Name), x.Role, text.Exact(x.NaN), text.Exact(x.PosInf), text.Exact(x.NegInf))
		}
		t.write(b)
		more(n)
	}
	list := func(what string, refs []scan.TensorRef) {
		if len(refs) == 0 {
			return
		}
		heading(what, len(refs), "tensor", "tensors")
		for _, x := range refs[:cut(len(refs))] {
			fmt.Fprintf(b, "    %s (%s)\n", shortName(x.Name), x.Role)
		}
		more(len(refs))
	}
	list("all zero", f.AllZero)
	if n := len(f.Constant); n > 0 {
		heading("constant (placeholder values)", n, "tensor", "tensors")
		for _, x := range f.Constant[:cut(n)] {
			fmt.Fprintf(b, "    %s (%s) = %s\n", shortName(x.Name), x.Role, num(x.Value))
		}
		more(n)
	}
	if n := len(f.Identical); n > 0 {
		heading("byte-identical (stored twice)", n, "group", "groups")
		for _, g := range f.Identical[:cut(n)] {
			parts := make([]string, len(g))
			for i, x := range g {
				parts[i] = fmt.Sprintf("%s (%s)", shortName(x.Name), x.Role)
			}
			fmt.Fprintf(b, "    %s\n", strings.Join(parts, " = "))
		}
		more(n)
	}
	list("norms of all ones (never trained)", f.NormsAllOnes)
}

func writeStats(r *scan.Report, w io.Writer, all bool) error {
	listed := func(x *scan.ReportTensor) bool { return all || len(x.Findings) > 0 }
	some := false
	for i := range r.Tensors {
		if some = listed(&r.Tensors[i]); some {
			break
		}
	}
	if !some {
		return nil
	}
	title := "\ntensors with findings (--all shows every tensor)\n"
	if all {
		title = "\ntensors\n"
	}
	if _, err := io.WriteString(w, title); err != nil {
		return err
	}
	t := &table{indent: "  ", left: map[int]bool{1: true, 2: true, 12: true}}
	t.add("name", "role", "dtype", "elements", "NaN", "+Inf", "−Inf", "zeros", "min", "max", "mean", "std", "findings")
	var row []string
	t.gen = func(yield func([]string) bool) {
		for i := range r.Tensors {
			x := &r.Tensors[i]
			if !listed(x) {
				continue
			}
			row = append(row[:0], text.Safe(x.Name), x.Role, text.Safe(x.DType), text.Exact(x.Elements), text.Exact(x.NaN), text.Exact(x.PosInf), text.Exact(x.NegInf),
				text.Exact(x.Zeros), numPtr(x.Min), numPtr(x.Max), numPtr(x.Mean), numPtr(x.Std), strings.Join(x.Findings, ", "))
			if !yield(row) {
				return
			}
		}
	}
	return t.write(w)
}

// writeSkipped summarises the tensors not scanned, one line per dtype and
// reason.
func writeSkipped(r *scan.Report, b *strings.Builder) {
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
		t.add(text.Safe(k.dtype), fmt.Sprintf("%s %s", text.Exact(count[k]), text.Plural(count[k], "tensor", "tensors")), text.Safe(k.reason))
	}
	t.write(b)
}

// num prints a statistic with 6 significant digits.
func num(x float64) string {
	s := fmt.Sprintf("%.6g", x)
	if strings.HasPrefix(s, "-") {
		s = "−" + s[1:] // one minus sign in every text output
	}
	return s
}

func numPtr(x *float64) string {
	if x == nil {
		return "–"
	}
	return num(*x)
}

// WriteScanJSON writes a scan report as one indented JSON object.
func WriteScanJSON(w io.Writer, r *scan.Report) error { return encode(w, r) }
