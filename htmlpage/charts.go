package htmlpage

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tensorcount/tensorcount/treemap"
)

// esc escapes untrusted text for HTML and SVG, making controls visible.
func esc(s string) string { return treemap.Esc(s) }

// svgOpen starts a chart of width w and height h.
func svgOpen(b *strings.Builder, class, label string, w, h float64) {
	fmt.Fprintf(b, `<svg class="chart %s" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s" font-family="sans-serif" font-size="12">`+"\n",
		class, f2(w), f2(h), f2(w), f2(h), esc(label))
}

// f2 writes a coordinate with two decimals at most.
func f2(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

func rect(b *strings.Builder, x, y, w, h float64, fill, extra, title string) {
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"%s>`, f2(x), f2(y), f2(w), f2(h), fill, extra)
	if title != "" {
		fmt.Fprintf(b, `<title>%s</title>`, esc(title))
	}
	b.WriteString("</rect>\n")
}

func text(b *strings.Builder, x, y float64, anchor, extra, s string) {
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s"%s>%s</text>`+"\n", f2(x), f2(y), anchor, extra, esc(s))
}

// layerStrip draws one bar per block, stacked by role, heights to scale,
// blocks grouped by component.
func layerStrip(layers []Layer, width float64) string {
	var ls []Layer
	for _, l := range layers {
		if l.Layer >= 0 && l.Parameters > 0 {
			ls = append(ls, l)
		}
	}
	if len(ls) == 0 {
		return ""
	}
	sort.SliceStable(ls, func(i, j int) bool {
		a, b := ls[i], ls[j]
		if a.Component != b.Component {
			if ra, rb := compRank(a.Component), compRank(b.Component); ra != rb {
				return ra < rb
			}
			return a.Component < b.Component
		}
		return a.Layer < b.Layer
	})
	var maxP uint64
	comps := 0
	for i, l := range ls {
		maxP = max(maxP, l.Parameters)
		if i == 0 || l.Component != ls[i-1].Component {
			comps++
		}
	}
	const left, top, plotH, gap = 64.0, 10.0, 150.0, 18.0
	plotW := width - left - 8
	step := (plotW - gap*float64(comps-1)) / float64(len(ls))
	barW := step * 0.82
	if step < 3 {
		barW = step
	}
	h := top + plotH + 44
	var b strings.Builder
	svgOpen(&b, "layers", "parameters per layer, stacked by role", width, h)
	// Axis: 0 and the largest layer.
	fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#999" stroke-width="1"/>`+"\n", f2(left-4), f2(top+plotH), f2(width-8), f2(top+plotH))
	text(&b, left-8, top+9, "end", ` fill="#444"`, count(maxP))
	text(&b, left-8, top+plotH, "end", ` fill="#444"`, "0")
	x := left
	labelEvery := int(math.Ceil(28 / step))
	compStart := left
	for i, l := range ls {
		if i > 0 && l.Component != ls[i-1].Component {
			text(&b, (compStart+x)/2, top+plotH+38, "middle", ` fill="#222" font-weight="bold"`, ls[i-1].Component)
			x += gap
			compStart = x
		}
		roles := make([]string, 0, len(l.ByRole))
		for r, p := range l.ByRole {
			if p > 0 {
				roles = append(roles, r)
			}
		}
		sortRoles(roles)
		y := top + plotH
		b.WriteString(`<g class="bar">`)
		for _, r := range roles {
			p := l.ByRole[r]
			segH := plotH * float64(p) / float64(maxP)
			y -= segH
			rect(&b, x, y, barW, segH, treemap.RoleColor(r), ` data-role="`+esc(r)+`"`,
				fmt.Sprintf("%s layer %d\n%s: %s parameters (%s of the layer)\nlayer total %s",
					l.Component, l.Layer, r, exact(p), pct(p, l.Parameters), exact(l.Parameters)))
		}
		b.WriteString("</g>\n")
		if labelEvery < 1 || (l.Layer%labelEvery == 0) || i == len(ls)-1 || i > 0 && ls[i-1].Component != l.Component {
			text(&b, x+barW/2, top+plotH+14, "middle", ` fill="#444" font-size="10"`, fmt.Sprint(l.Layer))
		}
		x += step
	}
	text(&b, (compStart+x)/2, top+plotH+38, "middle", ` fill="#222" font-weight="bold"`, ls[len(ls)-1].Component)
	b.WriteString("</svg>\n")
	return b.String()
}

// termRole is the colour of a formula term.
func termRole(name string) string {
	switch name {
	case "attention":
		return "attention"
	case "ffn":
		return "ffn"
	case "norms":
		return "norm"
	case "embeddings":
		return "embedding"
	case "head":
		return "head"
	case "inactive experts":
		return "expert"
	}
	return "other"
}

// formulaBars pairs, per term, the formula's share (outlined) with the
// measured parameters (filled), on one linear scale.
func formulaBars(f *Formula, width float64) string {
	if f == nil || len(f.Terms) == 0 {
		return ""
	}
	var maxV uint64
	for _, t := range f.Terms {
		maxV = max(maxV, t.Formula, t.Measured)
	}
	if maxV == 0 {
		return ""
	}
	const left, right, rowH, barH = 140.0, 190.0, 46.0, 16.0
	plotW := width - left - right
	h := rowH*float64(len(f.Terms)) + 30
	var b strings.Builder
	svgOpen(&b, "formula", "formula against measured parameters per term", width, h)
	// Legend.
	rect(&b, left, 4, 14, 10, "#FFFFFF", ` stroke="#333" stroke-dasharray="3 2"`, "")
	text(&b, left+20, 13, "start", ` fill="#333"`, "formula")
	rect(&b, left+90, 4, 14, 10, "#666666", "", "")
	text(&b, left+110, 13, "start", ` fill="#333"`, "measured")
	for i, t := range f.Terms {
		y := 24 + rowH*float64(i)
		col := treemap.RoleColor(termRole(t.Name))
		text(&b, left-10, y+barH+4, "end", ` fill="#222" font-weight="bold"`, t.Name)
		fw := plotW * float64(t.Formula) / float64(maxV)
		mw := plotW * float64(t.Measured) / float64(maxV)
		ft := t.FormulaText
		if ft == "" {
			ft = "formula"
		}
		rect(&b, left, y, math.Max(fw, 0.5), barH, treemap.Tint(col, 0.8), ` stroke="#333" stroke-dasharray="3 2"`,
			fmt.Sprintf("%s, formula %s = %s", t.Name, ft, exact(t.Formula)))
		ftext := fmt.Sprintf("%s = %s", ft, count(t.Formula))
		if t.Formula == 0 {
			ftext = "not in the formula"
		}
		text(&b, left+math.Max(fw, 0)+6, y+12, "start", ` fill="#333"`, ftext)
		rect(&b, left, y+barH+2, math.Max(mw, 0.5), barH, col, "",
			fmt.Sprintf("%s, measured %s\n%s", t.Name, exact(t.Measured), t.Reason))
		diff := "±0"
		if t.Measured > t.Formula {
			diff = "+" + count(t.Measured-t.Formula)
		} else if t.Measured < t.Formula {
			diff = "−" + count(t.Formula-t.Measured)
		}
		text(&b, left+mw+6, y+barH+14, "start", ` fill="#111"`, fmt.Sprintf("measured %s (%s)", count(t.Measured), diff))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// memoryBars draws the weights at bf16, fp8 and int4 (and as stored),
// each with the KV cache on top, against lines at GPU memory sizes.
func memoryBars(m *Memory, width float64) string {
	if m == nil || m.BF16Bytes == 0 {
		return ""
	}
	gpus := m.GPUs
	if gpus == nil {
		gpus = DefaultGPUs
	}
	type bar struct {
		name    string
		weights uint64
	}
	bars := []bar{{"bf16 weights", m.BF16Bytes}, {"fp8 weights", m.FP8Bytes}, {"int4 weights", m.Int4Bytes}}
	if m.DiskBytes > 0 {
		bars = append(bars, bar{"as stored", uint64(m.DiskBytes)})
	}
	maxV := uint64(0)
	for _, b := range bars {
		maxV = max(maxV, b.weights+m.KVCacheBytes)
	}
	for _, g := range gpus {
		maxV = max(maxV, g.Bytes)
	}
	scaleMax := float64(maxV) * 1.04
	const left, right, rowH, barH, top = 110.0, 20.0, 30.0, 20.0, 40.0
	plotW := width - left - right
	h := top + rowH*float64(len(bars)) + 26
	xOf := func(v uint64) float64 { return left + plotW*float64(v)/scaleMax }
	var b strings.Builder
	svgOpen(&b, "memory", "memory of the weights and KV cache against GPU sizes", width, h)
	weightCol, kvCol := "#0072B2", "#E69F00"
	for i, br := range bars {
		y := top + rowH*float64(i)
		text(&b, left-10, y+15, "end", ` fill="#222" font-weight="bold"`, br.name)
		ww := xOf(br.weights) - left
		rect(&b, left, y, math.Max(ww, 0.5), barH, weightCol, "", fmt.Sprintf("%s: %s (%s bytes)", br.name, gb(br.weights), exact(br.weights)))
		end := left + ww
		if m.KVCacheBytes > 0 {
			kw := xOf(m.KVCacheBytes) - left
			rect(&b, end, y, math.Max(kw, 0.5), barH, kvCol, "",
				fmt.Sprintf("KV cache for %s tokens: %s\n%s", exact(uint64(m.Context)), gb(m.KVCacheBytes), m.KVFormula))
			end += kw
		}
		total := br.weights + m.KVCacheBytes
		n80 := (total + 80e9 - 1) / 80e9
		label := fmt.Sprintf("%s · %d × 80 GB", gb(total), n80)
		if end+8+float64(len(label))*6.6 > width {
			text(&b, end-6, y+15, "end", ` fill="#FFFFFF" font-weight="bold"`, label)
		} else {
			text(&b, end+6, y+15, "start", ` fill="#111"`, label)
		}
	}
	// GPU lines, labels staggered where they would collide.
	lastX := math.Inf(-1)
	row := 0
	for _, g := range gpus {
		x := xOf(g.Bytes)
		if x-lastX < 52 {
			row = 1 - row
		} else {
			row = 0
		}
		lastX = x
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#D55E00" stroke-width="1.2" stroke-dasharray="4 3"><title>%s</title></line>`+"\n",
			f2(x), f2(top-6-13*float64(1-row)), f2(x), f2(h-22), esc(g.Name+" of GPU memory"))
		text(&b, x, top-10-13*float64(1-row), "middle", ` fill="#A03C00" font-size="11"`, g.Name)
	}
	// Legend.
	y := h - 12
	rect(&b, left, y-9, 12, 10, weightCol, "", "")
	text(&b, left+16, y, "start", ` fill="#333"`, "weights")
	if m.KVCacheBytes > 0 {
		rect(&b, left+80, y-9, 12, 10, kvCol, "", "")
		text(&b, left+96, y, "start", ` fill="#333"`, fmt.Sprintf("KV cache, %s tokens (bf16)", exact(uint64(m.Context))))
	}
	text(&b, width-right, y, "end", ` fill="#666"`, "GB = 10⁹ bytes; dashed lines: GPU memory sizes")
	b.WriteString("</svg>\n")
	return b.String()
}

// moeBars draws total against active parameters, each split into what
// every token runs and the routed experts.
func moeBars(m *MoE, width float64) string {
	if m == nil || m.Total == 0 {
		return ""
	}
	const left, right, rowH, barH, top = 110.0, 20.0, 34.0, 22.0, 8.0
	plotW := width - left - right - 160
	rows := []struct {
		name   string
		routed uint64
		total  uint64
	}{{"total", m.Routed, m.Total}}
	if m.Active > 0 {
		rows = append(rows, struct {
			name   string
			routed uint64
			total  uint64
		}{"active", m.ActiveRouted, m.Active})
	}
	h := top + rowH*float64(len(rows)) + 24
	var b strings.Builder
	svgOpen(&b, "moe", "mixture of experts: total against active parameters", width, h)
	dense := treemap.RoleColor("attention")
	expert := treemap.RoleColor("expert")
	for i, r := range rows {
		y := top + rowH*float64(i)
		text(&b, left-10, y+16, "end", ` fill="#222" font-weight="bold"`, r.name)
		rest := r.total - min(r.routed, r.total)
		rw := plotW * float64(rest) / float64(m.Total)
		ew := plotW * float64(r.routed) / float64(m.Total)
		rect(&b, left, y, math.Max(rw, 0.5), barH, dense, "", fmt.Sprintf("%s: %s parameters every token runs (attention, dense FFN, shared experts, router, embeddings, …)", r.name, exact(rest)))
		rect(&b, left+rw, y, math.Max(ew, 0.5), barH, expert, "", fmt.Sprintf("%s: %s routed-expert parameters", r.name, exact(r.routed)))
		text(&b, left+rw+ew+6, y+16, "start", ` fill="#111"`, fmt.Sprintf("%s (%s of total)", count(r.total), pct(r.total, m.Total)))
	}
	y := h - 8
	rect(&b, left, y-9, 12, 10, dense, "", "")
	text(&b, left+16, y, "start", ` fill="#333"`, "run by every token")
	rect(&b, left+150, y-9, 12, 10, expert, "", "")
	routed := "routed experts"
	if m.Experts > 0 && m.ExpertsPerToken > 0 {
		routed = fmt.Sprintf("routed experts (%d of %d per token)", m.ExpertsPerToken, m.Experts)
	}
	text(&b, left+166, y, "start", ` fill="#333"`, routed)
	b.WriteString("</svg>\n")
	return b.String()
}

// gb writes bytes in GB (10⁹), like GPU memory sizes.
func gb(n uint64) string {
	v := float64(n) / 1e9
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f GB", v)
	case v >= 10:
		return fmt.Sprintf("%.1f GB", v)
	case v >= 0.01:
		return fmt.Sprintf("%.2f GB", v)
	}
	return fmt.Sprintf("%.2f MB", float64(n)/1e6)
}
