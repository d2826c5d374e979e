package report

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/diff"
	"github.com/tensorcount/tensorcount/htmlpage"
)

// WriteHTML writes the summary as one self-contained HTML page: the
// headline figures, the claim verdicts, a treemap of where the parameters
// are, per-layer bars, the 12·L·d² terms, memory, MoE and the tables. The
// page references nothing outside itself, and the same summary gives the
// same bytes. The options change nothing on the page.
func WriteHTML(w io.Writer, s Summary, opt Options) error {
	return htmlpage.Render(w, Page(s))
}

// WriteSVG writes the treemap of the summary alone as a standalone SVG
// file, drawn as on the HTML page.
func WriteSVG(w io.Writer, s Summary, opt Options) error {
	return htmlpage.RenderSVG(w, Page(s))
}

// WriteDiffHTML writes two checkpoints' treemaps side by side on one
// scale, the tensors the diff found changed outlined.
func WriteDiffHTML(w io.Writer, a, b Summary, d *diff.Diff) error {
	return htmlpage.RenderDiff(w, Page(a), Page(b), d.Changed)
}

// Page fills the input of the HTML page from a summary. It needs the
// per-tensor results (Report.PerTensor), which a report read back from
// JSON lacks; without them the page has no treemap.
func Page(s Summary) *htmlpage.Page {
	r := s.Report
	p := &htmlpage.Page{
		Title:  title(r),
		Format: r.Format,
		Source: r.Path,
		Notes:  r.Notes,
	}

	p.Figures = append(p.Figures, htmlpage.Figure{Label: "parameters", Value: r.Parameters})
	if r.MoE != nil && r.ActiveParameters > 0 {
		note := ""
		if r.Parameters > 0 {
			note = fmt.Sprintf("%.1f%% per token", 100*float64(r.ActiveParameters)/float64(r.Parameters))
		}
		p.Figures = append(p.Figures, htmlpage.Figure{Label: "active parameters", Value: r.ActiveParameters, Note: note})
	}
	bytesNote := ""
	if r.BitsPerParameter > 0 {
		bytesNote = fmt.Sprintf("%.2f bits/parameter", r.BitsPerParameter)
	}
	p.Figures = append(p.Figures,
		htmlpage.Figure{Label: "non-embedding parameters", Value: r.NonEmbeddingParameters},
		htmlpage.Figure{Label: "tensors", Value: uint64(r.Tensors), Unit: "plain"},
		htmlpage.Figure{Label: "bytes", Value: uint64(max(r.Bytes, 0)), Unit: "bytes", Note: bytesNote},
	)

	for _, v := range s.Claims {
		p.Claims = append(p.Claims, htmlpage.Claim{
			Text: v.Text, Source: v.Source, Claimed: v.Claimed, Verdict: string(v.Verdict),
			Matched: v.Matched, MatchedValue: v.MatchedValue, Deviation: v.Deviation,
			Explanation: v.Explanation,
		})
	}

	excluded := map[count.Exclusion]*htmlpage.Excluded{}
	p.Tensors = make([]htmlpage.Tensor, len(r.PerTensor))
	for i := range r.PerTensor {
		t := &r.PerTensor[i]
		p.Tensors[i] = htmlpage.Tensor{
			Name:         t.Name,
			Role:         t.Label.Role.String(),
			Component:    string(t.Label.Component),
			Layer:        int(t.Label.Layer),
			Expert:       int(t.Label.Expert),
			DType:        t.DType.Name,
			Shape:        t.Shape,
			Parameters:   t.CountedParameters(),
			Elements:     t.Elements(),
			Bytes:        t.Size,
			Unrecognised: !t.Label.Known(),
		}
		if t.Excluded != count.NotExcluded {
			e := excluded[t.Excluded]
			if e == nil {
				e = &htmlpage.Excluded{What: exclusionText[t.Excluded], Reason: exclusionReason[t.Excluded]}
				if e.What == "" {
					e.What = t.Excluded.String()
				}
				excluded[t.Excluded] = e
			}
			e.Tensors++
			e.Elements += t.Elements()
		}
	}
	for _, k := range []count.Exclusion{count.ExcludedBuffer, count.ExcludedQuantAux, count.ExcludedTiedCopy} {
		if e := excluded[k]; e != nil {
			p.Excluded = append(p.Excluded, *e)
			delete(excluded, k)
		}
	}
	rest := make([]count.Exclusion, 0, len(excluded))
	for k := range excluded {
		rest = append(rest, k)
	}
	slices.Sort(rest)
	for _, k := range rest {
		p.Excluded = append(p.Excluded, *excluded[k])
	}

	for _, l := range r.ByLayer {
		byRole := make(map[string]uint64, len(l.ByRole))
		for role, n := range l.ByRole {
			byRole[role.String()] = n
		}
		p.Layers = append(p.Layers, htmlpage.Layer{Component: l.Component, Layer: l.Layer, Parameters: l.Parameters, ByRole: byRole})
	}
	// Roles by name, as the page has always listed them.
	roles := slices.SortedFunc(maps.Keys(r.ByRole), func(a, b classify.Role) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range roles {
		c := r.ByRole[k]
		p.Roles = append(p.Roles, htmlpage.RoleRow{Role: k.String(), Tensors: c.Tensors, Elements: c.Elements, Parameters: c.Parameters})
	}
	for _, k := range sortedKeys(r.ByDType) {
		c := r.ByDType[k]
		p.DTypes = append(p.DTypes, htmlpage.DTypeRow{DType: k, Tensors: c.Tensors, Elements: c.Elements, Bytes: c.Bytes})
	}

	if f := r.Formula; f != nil {
		pf := &htmlpage.Formula{Layers: f.Layers, HiddenSize: f.HiddenSize, TwelveLD2: f.TwelveLD2, Body: f.BodyParameters, Ratio: f.Ratio}
		for _, t := range f.Terms {
			pf.Terms = append(pf.Terms, htmlpage.Term{Name: t.Name, Formula: t.Formula, FormulaText: t.FormulaText, Measured: t.Measured, Reason: t.Reason})
		}
		p.Formula = pf
	}
	if c := r.Costs; c != nil {
		p.Memory = &htmlpage.Memory{
			BF16Bytes: c.WeightsBF16Bytes, FP8Bytes: c.WeightsFP8Bytes, Int4Bytes: c.WeightsInt4Bytes,
			DiskBytes: c.DiskBytes, KVCacheBytes: c.KVCacheBytes, Context: c.Context, KVFormula: c.KVCacheFormula,
		}
	}
	if m := r.MoE; m != nil {
		p.MoE = &htmlpage.MoE{
			Experts: m.Experts, ExpertsPerToken: m.ExpertsPerToken, SharedExperts: m.SharedExperts,
			Total: r.Parameters, Active: r.ActiveParameters,
			Routed: m.RoutedParameters, ActiveRouted: m.ActiveRoutedParameters,
			Shared: m.SharedParameters, Router: m.RouterParameters,
		}
	}
	return p
}

var exclusionText = map[count.Exclusion]string{
	count.ExcludedBuffer:   "buffers (buffer)",
	count.ExcludedQuantAux: "quantization bookkeeping (quant_aux)",
	count.ExcludedTiedCopy: "second copy of a tied weight (tied_copy)",
}

var exclusionReason = map[count.Exclusion]string{
	count.ExcludedBuffer:   "stored state, not learned: causal masks, rotary tables, position ids, normalization statistics",
	count.ExcludedQuantAux: "scales, zero points and group indices describe how weights are stored, not what they are",
	count.ExcludedTiedCopy: "the head shares the embedding's weights, so they count once",
}

// title is the model's name for the page: the base of its path.
func title(r *count.Report) string {
	p := strings.TrimRight(filepath.ToSlash(r.Path), "/")
	if p == "" {
		return "model"
	}
	return filepath.Base(p)
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
