package report

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/audit"
	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
)

// maxFilesShown bounds the file list of the text summary; a 163-shard
// checkpoint would otherwise bury the figures. JSON always lists all.
const maxFilesShown = 8

// WriteText writes the human summary: aligned tables with readable units
// and the exact integers beside them.
func (r *view) writeText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", text.Safe(r.Path))
	fmt.Fprintf(&b, "  %s, %d %s", r.Format, len(r.Files), text.Plural(len(r.Files), "file", "files"))
	if r.Arch != nil && r.Arch.Architecture != "" {
		fmt.Fprintf(&b, " · %s", text.Safe(r.Arch.Architecture))
	}
	// Say what the checkpoint is when it is not the usual decoder, since
	// the figures shown depend on it.
	if r.Kind != "" && r.Kind != "transformer language model" && r.Kind != "unknown" {
		fmt.Fprintf(&b, " · %s", text.Safe(r.Kind))
	}
	b.WriteString("\n\n")

	top := &table{indent: "  "}
	top.add("parameters", text.Count(r.Parameters), text.Exact(r.Parameters), "")
	switch {
	case r.MoE != nil && r.ActiveParameters > 0:
		top.add("active", text.Count(r.ActiveParameters), text.Exact(r.ActiveParameters), fmt.Sprintf("%s per token", percent(int64(r.ActiveParameters), int64(r.Parameters))))
	case r.MoE != nil:
		top.add("active", "?", "", "experts per token unknown")
	}
	top.add("non-embedding", text.Count(r.NonEmbeddingParameters), text.Exact(r.NonEmbeddingParameters), "")
	top.add("tensors", text.Exact(r.Tensors), "", "")
	top.add("elements", text.Count(r.Elements), text.Exact(r.Elements), "as stored")
	bits := ""
	if r.BitsPerParameter > 0 {
		bits = fmt.Sprintf("%.2f bits/parameter", r.BitsPerParameter)
	}
	top.add("bytes", text.Bytes(r.Bytes), text.Exact(r.Bytes), bits)
	top.left = map[int]bool{3: true}
	top.write(&b)

	r.writeClaims(&b, false)
	r.writeRoles(&b)
	r.writeComponents(&b)
	r.writeDTypes(&b)
	r.writeFormula(&b)
	r.writeCosts(&b)

	if r.Arch != nil {
		b.WriteString("\n")
		writeArch(&b, r.Arch, r.opt.width())
	}
	r.writeFiles(&b)
	if len(r.Notes) > 0 {
		b.WriteString("\nnotes\n")
		for _, n := range r.Notes {
			b.WriteString(text.Wrap(text.Safe(n), r.opt.width(), "  - ", "    "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeClaims writes the claim verdicts: one line each in the summary,
// with the explanations when full (the audit command).
func (r *view) writeClaims(b *strings.Builder, full bool) {
	if len(r.claims) == 0 {
		return
	}
	b.WriteString("\n")
	t := &table{indent: "  ", left: map[int]bool{1: true, 2: true, 3: true}}
	t.add("claim", "source", "verdict", "figure", "measured", "deviation")
	for _, c := range r.claims {
		measured, dev := "", ""
		if c.Matched != "" {
			measured = text.Count(c.MatchedValue)
			if c.Verdict != audit.Label {
				dev = fmt.Sprintf("%+.1f%%", c.Deviation*100)
			}
		}
		t.add(text.Safe(c.Text), text.Safe(c.Source), r.verdict(c.Verdict), strings.ReplaceAll(strings.ReplaceAll(c.Matched, "non_embedding", "non-embedding"), "_", " "), measured, dev)
	}
	t.write(b)
	if full {
		for _, c := range r.claims {
			b.WriteString(text.Wrap(text.Safe(c.Explanation), r.opt.width(), "  - ", "    "))
		}
	}
}

// WriteAudit writes the claims and their verdicts with explanations.
func (r *view) writeAudit(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", text.Safe(r.Path))
	fmt.Fprintf(&b, "  parameters %s · non-embedding %s", text.Exact(r.Parameters), text.Exact(r.NonEmbeddingParameters))
	if r.MoE != nil && r.ActiveParameters > 0 {
		fmt.Fprintf(&b, " · active %s", text.Exact(r.ActiveParameters))
	}
	fmt.Fprintf(&b, " · elements %s\n", text.Exact(r.Elements))
	if len(r.claims) == 0 {
		b.WriteString("\n  no size claim found in the names, model card or metadata; pass one with --claim\n")
	}
	r.writeClaims(&b, true)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *view) writeRoles(b *strings.Builder) {
	if len(r.ByRole) == 0 {
		return
	}
	b.WriteString("\n")
	t := &table{indent: "  "}
	t.add("role", "tensors", "parameters", "share", "elements as stored")
	for _, role := range classify.Roles() {
		c, ok := r.ByRole[role]
		if !ok {
			continue
		}
		elems := ""
		if c.Elements != c.Parameters {
			elems = r.count(c.Elements)
		}
		t.add(role.String(), text.Exact(c.Tensors), r.count(c.Parameters), percent(int64(c.Parameters), int64(r.Parameters)), elems)
	}
	t.write(b)
}

func (r *view) writeComponents(b *strings.Builder) {
	if len(r.ByComponent) < 2 {
		return
	}
	b.WriteString("\n")
	t := &table{indent: "  "}
	t.add("component", "tensors", "parameters", "share")
	for _, comp := range componentOrder(r.ByComponent) {
		c := r.ByComponent[comp]
		t.add(text.Safe(string(comp)), text.Exact(c.Tensors), r.count(c.Parameters), percent(int64(c.Parameters), int64(r.Parameters)))
	}
	t.write(b)
}

func (r *view) writeDTypes(b *strings.Builder) {
	if len(r.ByDType) == 0 {
		return
	}
	b.WriteString("\n")
	t := &table{indent: "  "}
	t.add("dtype", "tensors", "elements", "bytes", "bits/elem", "share")
	for _, name := range r.DTypesBySize() {
		c := r.ByDType[name]
		bits := "–"
		if c.Elements > 0 {
			bits = fmt.Sprintf("%.2f", float64(c.Bytes)*8/float64(c.Elements))
		}
		t.add(text.Safe(name), text.Exact(c.Tensors), r.count(c.Elements), r.bytes(c.Bytes), bits, percent(c.Bytes, r.Bytes))
	}
	t.write(b)
}

func (r *view) writeFormula(b *strings.Builder) {
	f := r.Formula
	if f == nil {
		return
	}
	body := "non-embedding"
	if r.MoE != nil {
		body = "active non-embedding"
	}
	b.WriteString("\n" + text.Wrap(fmt.Sprintf("12·L·d² check: L = %d, d = %s, 12·L·d² = %s; measured body (%s) %s, ratio %.3f",
		f.Layers, text.Exact(f.HiddenSize), text.Count(f.TwelveLD2), body, text.Count(f.BodyParameters), f.Ratio), r.opt.width(), "", "  "))
	t := &table{indent: "  "}
	t.add("term", "formula", "measured", "difference")
	var formula uint64
	for _, term := range f.Terms {
		formula += term.Formula
		t.add(term.Name, r.count(term.Formula), r.count(term.Measured), r.signed(term.Measured, term.Formula))
	}
	t.add("total", r.count(formula), r.count(f.MainParameters), r.signed(f.MainParameters, formula))
	t.write(b)
	for _, term := range f.Terms {
		b.WriteString(text.Wrap(term.Name+": "+term.Reason, r.opt.width(), "  - ", "    "))
	}
}

func (r *view) writeCosts(b *strings.Builder) {
	k := r.Costs
	if k == nil {
		return
	}
	b.WriteString("\ncosts\n")
	t := &table{indent: "  ", left: map[int]bool{1: true}}
	t.add("weights", fmt.Sprintf("%s bf16 · %s fp8 · %s int4", text.Bytes(int64(k.WeightsBF16Bytes)), text.Bytes(int64(k.WeightsFP8Bytes)), text.Bytes(int64(k.WeightsInt4Bytes))))
	disk := text.Bytes(k.DiskBytes) + " on disk"
	if k.BitsPerParameter > 0 {
		disk += fmt.Sprintf(", %.2f bits/parameter", k.BitsPerParameter)
	}
	t.add("", disk)
	if k.FLOPsPerToken > 0 {
		t.add("compute", fmt.Sprintf("%s FLOPs per token (forward, ≈ 2 × active parameters)", text.Count(k.FLOPsPerToken)))
	}
	if k.KVCacheBytesPerToken > 0 {
		kv := fmt.Sprintf("%s per token (bf16)", text.Bytes(int64(k.KVCacheBytesPerToken)))
		if k.Context > 0 {
			kv += fmt.Sprintf("; %s for %s tokens", text.Bytes(int64(k.KVCacheBytes)), text.Exact(k.Context))
		}
		t.add("KV cache", kv)
	}
	if k.TrainingTokens > 0 {
		t.add("training", fmt.Sprintf("6·N·D = %.3g FLOPs for %s tokens", k.TrainingFLOPs, text.Count(k.TrainingTokens)))
	}
	t.write(b)
}

func (r *view) writeFiles(b *strings.Builder) {
	if len(r.Files) < 2 {
		return
	}
	fmt.Fprintf(b, "\nfiles (%d)\n", len(r.Files))
	t := &table{indent: "  ", left: map[int]bool{2: true}, width: r.opt.width()}
	for i, f := range shardOrder(r.Files) {
		if i == maxFilesShown {
			t.add(fmt.Sprintf("… %d more (--json lists every file)", len(r.Files)-maxFilesShown))
			break
		}
		t.add(text.Safe(filepath.Base(f.Path)), text.Exact(f.Tensors), text.Plural(f.Tensors, "tensor", "tensors"), r.bytes(f.Bytes))
	}
	t.write(b)
}

func writeArch(b *strings.Builder, a *model.Arch, width int) {
	name := a.Architecture
	if a.Class != "" {
		if name != "" {
			name += " (" + a.Class + ")"
		} else {
			name = a.Class
		}
	}
	if name == "" {
		name = "unknown"
	}
	fmt.Fprintf(b, "architecture  %s", text.Safe(name))
	if a.Source != "" {
		fmt.Fprintf(b, ", from %s", text.Safe(a.Source))
	}
	b.WriteString("\n")
	var facts []string
	add := func(label string, v int) {
		if v > 0 {
			facts = append(facts, fmt.Sprintf("%s %s", label, text.Exact(v)))
		}
	}
	add("layers", a.Layers)
	add("hidden", a.HiddenSize)
	add("vocab", a.VocabSize)
	if a.Heads > 0 {
		h := fmt.Sprintf("heads %d", a.Heads)
		if a.KVHeads > 0 && a.KVHeads != a.Heads {
			h += fmt.Sprintf(" (%d KV)", a.KVHeads)
		}
		facts = append(facts, h)
	}
	add("head dim", a.HeadDim)
	add("FFN", a.FFNSize)
	if a.Experts > 0 {
		e := fmt.Sprintf("experts %d", a.Experts)
		if a.ExpertsPerToken > 0 {
			e += fmt.Sprintf(" (%d per token", a.ExpertsPerToken)
			if a.SharedExperts > 0 {
				e += fmt.Sprintf(", %d shared", a.SharedExperts)
			}
			e += ")"
		}
		facts = append(facts, e)
	}
	add("expert FFN", a.ExpertFFNSize)
	add("MTP layers", a.MTPLayers)
	add("context", a.ContextLength)
	if a.TiedEmbeddings != nil {
		if *a.TiedEmbeddings {
			facts = append(facts, "tied embeddings")
		} else {
			facts = append(facts, "untied embeddings")
		}
	}
	if q := a.Quantization; q != nil {
		s := "quantization " + text.Safe(q.Method)
		if q.Bits > 0 {
			s += fmt.Sprintf(" %d-bit", q.Bits)
		}
		facts = append(facts, s)
	}
	if a.SizeLabel != "" {
		facts = append(facts, "size label "+text.Safe(a.SizeLabel))
	}
	// Wrap the facts into lines of readable length.
	line := "  "
	for i, f := range facts {
		if i > 0 {
			if text.Width(line)+text.Width(f)+3 > width {
				b.WriteString(line + "\n")
				line = "  "
			} else {
				line += " · "
			}
		}
		line += f
	}
	if len(facts) > 0 {
		b.WriteString(line + "\n")
	}
}

// count and bytes render a figure in a table: readable units, or the
// exact integer when the user asked for exact output.
func (r *view) count(n uint64) string {
	if r.opt.Exact {
		return text.Exact(n)
	}
	return text.Count(n)
}

func (r *view) bytes(n int64) string {
	if r.opt.Exact {
		return text.Exact(n)
	}
	return text.Bytes(n)
}

// signed renders measured − formula with its sign.
func (r *view) signed(measured, formula uint64) string {
	if measured == formula {
		return "0"
	}
	if measured > formula {
		return "+" + r.count(measured-formula)
	}
	return "−" + r.count(formula-measured)
}

func percent(part, whole int64) string {
	if whole <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
}

// verdict renders a claim's verdict, in colour when asked: matches green,
// mismatches red.
func (r *view) verdict(v audit.VerdictKind) string {
	switch v {
	case audit.Matches:
		return text.Paint(string(v), text.Green, r.opt.Color)
	case audit.Mismatches:
		return text.Paint(string(v), text.Red, r.opt.Color)
	}
	return string(v)
}

// shardOrder lists files in the order of their -0000k-of-0000n numbers
// when every one has such a name, else as given.
func shardOrder(files []count.FileReport) []count.FileReport {
	type numbered struct {
		f    count.FileReport
		part int
	}
	ns := make([]numbered, 0, len(files))
	for _, f := range files {
		ext := filepath.Ext(f.Path)
		_, part, _, _, ok := format.ShardName(f.Path, ext)
		if !ok {
			return files
		}
		ns = append(ns, numbered{f, part})
	}
	slices.SortStableFunc(ns, func(a, b numbered) int { return a.part - b.part })
	out := make([]count.FileReport, len(ns))
	for i, n := range ns {
		out[i] = n.f
	}
	return out
}

// componentOrder lists the components of a report: the known ones in
// their order, then any other (a diffusers pipeline's unet, vae, …)
// sorted.
func componentOrder[V any](m map[classify.Component]V) []classify.Component {
	var out, rest []classify.Component
	known := map[classify.Component]bool{}
	for _, c := range classify.Components() {
		known[c] = true
		if _, ok := m[c]; ok {
			out = append(out, c)
		}
	}
	for c := range m {
		if !known[c] {
			rest = append(rest, c)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}
