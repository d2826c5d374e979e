package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/internal/text"
)

// WriteMarkdown writes the summary as Markdown for a model card: the
// headline figures, the role breakdown, the 12·L·d² comparison and the
// notes.
func (r *view) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	name := r.Path
	if r.Arch != nil && r.Arch.Name != "" {
		name = r.Arch.Name
	}
	fmt.Fprintf(&b, "## Parameters of %s\n\n", md(filepath.Base(name)))
	b.WriteString("| Figure | Value | Exact |\n|---|---:|---:|\n")
	row := func(label, human, exact string) {
		if human == exact {
			exact = "" // a small number needs no second column
		}
		if exact == "" {
			exact = "–"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", label, human, exact)
	}
	row("Parameters", text.Count(r.Parameters), text.Exact(r.Parameters))
	if r.MoE != nil && r.ActiveParameters > 0 {
		row("Active parameters per token", text.Count(r.ActiveParameters), text.Exact(r.ActiveParameters))
	}
	row("Non-embedding parameters", text.Count(r.NonEmbeddingParameters), text.Exact(r.NonEmbeddingParameters))
	row("Tensors", text.Exact(r.Tensors), "")
	row("Elements as stored", text.Count(r.Elements), text.Exact(r.Elements))
	row("Tensor bytes", text.Bytes(r.Bytes), text.Exact(r.Bytes))
	if r.BitsPerParameter > 0 {
		row("Bits per parameter", fmt.Sprintf("%.2f", r.BitsPerParameter), "")
	}
	if r.Kind != "" {
		row("Checkpoint", r.Kind, "")
	}

	if len(r.claims) > 0 {
		b.WriteString("\n### Claimed size\n\n| Claim | Source | Verdict | Explanation |\n|---|---|---|---|\n")
		for _, c := range r.claims {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", md(c.Text), md(c.Source), c.Verdict, md(c.Explanation))
		}
	}

	b.WriteString("\n### By role\n\n| Role | Tensors | Parameters | Share |\n|---|---:|---:|---:|\n")
	for _, role := range classify.Roles() {
		c, ok := r.ByRole[role]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", role, text.Exact(c.Tensors), text.Exact(c.Parameters), percent(int64(c.Parameters), int64(r.Parameters)))
	}
	if len(r.ByComponent) > 1 {
		b.WriteString("\n### By component\n\n| Component | Tensors | Parameters |\n|---|---:|---:|\n")
		for _, comp := range componentOrder(r.ByComponent) {
			c := r.ByComponent[comp]
			fmt.Fprintf(&b, "| %s | %s | %s |\n", md(string(comp)), text.Exact(c.Tensors), text.Exact(c.Parameters))
		}
	}
	b.WriteString("\n### By dtype\n\n| Dtype | Tensors | Elements | Bytes |\n|---|---:|---:|---:|\n")
	for _, name := range r.DTypesBySize() {
		c := r.ByDType[name]
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", code(name), text.Exact(c.Tensors), text.Exact(c.Elements), text.Bytes(c.Bytes))
	}
	if f := r.Formula; f != nil {
		fmt.Fprintf(&b, "\n### 12·L·d² check\n\nL = %d, d = %s: 12·L·d² = %s; measured body %s (ratio %.3f).\n\n",
			f.Layers, text.Exact(f.HiddenSize), text.Exact(f.TwelveLD2), text.Exact(f.BodyParameters), f.Ratio)
		b.WriteString("| Term | Formula | Measured | Why |\n|---|---:|---:|---|\n")
		var formula uint64
		for _, t := range f.Terms {
			formula += t.Formula
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.Name, text.Exact(t.Formula), text.Exact(t.Measured), md(t.Reason))
		}
		fmt.Fprintf(&b, "| **total** | **%s** | **%s** | %s against the formula |\n", text.Exact(formula), text.Exact(f.MainParameters), text.Signed(int64(f.MainParameters)-int64(formula)))
	}
	if k := r.Costs; k != nil {
		b.WriteString("\n### Memory and compute\n\n")
		fmt.Fprintf(&b, "- Weights: %s at bf16, %s at fp8, %s at int4 (%s as stored)\n",
			text.Bytes(int64(k.WeightsBF16Bytes)), text.Bytes(int64(k.WeightsFP8Bytes)), text.Bytes(int64(k.WeightsInt4Bytes)), text.Bytes(k.DiskBytes))
		if k.FLOPsPerToken > 0 {
			fmt.Fprintf(&b, "- Forward compute: %s FLOPs per token\n", text.Count(k.FLOPsPerToken))
		}
		if k.KVCacheBytesPerToken > 0 {
			fmt.Fprintf(&b, "- KV cache: %s per token (bf16)", text.Bytes(int64(k.KVCacheBytesPerToken)))
			if k.Context > 0 {
				fmt.Fprintf(&b, ", %s for %s tokens", text.Bytes(int64(k.KVCacheBytes)), text.Exact(k.Context))
			}
			b.WriteString("\n")
		}
		if k.TrainingTokens > 0 {
			fmt.Fprintf(&b, "- Training compute: %.3g FLOPs for %s tokens (6·N·D)\n", k.TrainingFLOPs, text.Count(k.TrainingTokens))
		}
	}
	if a := r.Arch; a != nil {
		b.WriteString("\n### Architecture\n\n")
		var arch strings.Builder
		writeArch(&arch, a, 80)
		for _, line := range strings.Split(strings.TrimRight(arch.String(), "\n"), "\n") {
			fmt.Fprintf(&b, "%s  \n", md(strings.TrimSpace(line)))
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n### Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", md(n))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// md escapes text for a Markdown table cell or list item.
func md(s string) string {
	s = text.Safe(s)
	r := strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// code puts a name from a file (a dtype) in a code span; a backtick in it
// widens the fence so that the span cannot be closed early.
func code(s string) string {
	s = text.Safe(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + s + fence
}
