package htmlpage

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/tensorcount/tensorcount/treemap"
)

// chartWidth is the width of every chart, in px.
const chartWidth = 1160

// clean makes untrusted text visible and safe to show (controls and bidi
// characters escaped); the template escapes markup.
func clean(s string) string { return treemap.Clean(s) }

type figureView struct{ Label, Main, Exact, Note string }

type claimView struct {
	Text, Source, Verdict, Class, Matched, Measured, Deviation, Explanation string
}

type table struct {
	ID, Title string
	Head      []string
	Rows      [][]string
	Right     []bool // right-aligned (numeric) columns
	More      string
}

type reasonView struct{ Name, Reason string }

type treemapView struct {
	Heading string
	SVG     template.HTML
}

type view struct {
	Title, Sub string
	Figures    []figureView
	Claims     []claimView
	Excluded   []table

	Treemaps  []treemapView
	Legend    template.HTML
	TreeNote  string
	LayerSVG  template.HTML
	LayerNote string

	FormulaHead    string
	FormulaSVG     template.HTML
	FormulaReasons []reasonView
	MemorySVG      template.HTML
	MemoryNote     string
	MoESVG         template.HTML
	MoENote        string

	Tables []table
	Notes  []string
	Diff   bool
}

// Render writes the page of p.
func Render(w io.Writer, p *Page) error {
	o := p.Options.withDefaults()
	v := &view{Title: clean(p.Title), Sub: sub(p)}
	v.Figures = figures(p.Figures)
	v.Claims = claims(p.Claims)
	if ex := excluded(p.Excluded); ex != nil {
		v.Excluded = []table{*ex}
	}

	tree := p.Tree
	if tree == nil && len(p.Tensors) > 0 {
		tree = Tree(p.Title, p.Tensors)
	}
	if tree != nil {
		l, drawn, leaves, minArea := layout(tree, nil, treemap.Rect{W: o.Width, H: o.Height}, o)
		if len(l.Blocks) > 0 {
			var b strings.Builder
			if err := l.WriteSVG(&b, treemap.SVGOptions{Label: "treemap of " + p.Title}); err != nil {
				return err
			}
			v.Treemaps = []treemapView{{SVG: template.HTML(b.String())}}
			v.Legend = legend(l)
			v.TreeNote = treeNote(l, drawn, leaves, minArea)
		}
	}

	layers := p.Layers
	if layers == nil {
		layers = layersOf(p.Tensors)
	}
	if s := layerStrip(layers, chartWidth); s != "" {
		v.LayerSVG = template.HTML(s)
		v.LayerNote = "One bar per block, its height to scale with the block's parameters, stacked by role in the legend's order. Tensors outside any block (embeddings, final norm, head) are not shown here."
	}

	if f := p.Formula; f != nil {
		v.FormulaHead = fmt.Sprintf("L = %d, d = %s: 12·L·d² = %s; measured body %s, ratio %.3f.",
			f.Layers, exact(uint64(f.HiddenSize)), count(f.TwelveLD2), count(f.Body), f.Ratio)
		v.FormulaSVG = template.HTML(formulaBars(f, chartWidth))
		for _, t := range f.Terms {
			v.FormulaReasons = append(v.FormulaReasons, reasonView{clean(t.Name), clean(t.Reason)})
		}
	}
	if m := p.Memory; m != nil {
		v.MemorySVG = template.HTML(memoryBars(m, chartWidth))
		if m.KVFormula != "" {
			v.MemoryNote = "KV cache: " + clean(m.KVFormula) + "."
		}
	}
	if m := p.MoE; m != nil {
		v.MoESVG = template.HTML(moeBars(m, chartWidth))
		if m.Active == 0 {
			v.MoENote = "Experts per token is not known, so the active count is not drawn."
		}
	}

	roles := p.Roles
	if roles == nil {
		roles = rolesOf(p.Tensors)
	}
	dtypes := p.DTypes
	if dtypes == nil {
		dtypes = dtypesOf(p.Tensors)
	}
	var total uint64
	for _, r := range roles {
		total += r.Parameters
	}
	if t := roleTable(roles, total); t != nil {
		v.Tables = append(v.Tables, *t)
	}
	if t := dtypeTable(dtypes); t != nil {
		v.Tables = append(v.Tables, *t)
	}
	if t := largestTable(p.Tensors, total, o.Largest); t != nil {
		v.Tables = append(v.Tables, *t)
	}
	if t := unrecognisedTable(p.Tensors, o.MaxListed); t != nil {
		v.Tables = append(v.Tables, *t)
	}
	for _, n := range p.Notes {
		v.Notes = append(v.Notes, clean(n))
	}
	return write(w, v)
}

// RenderDiff writes a page with the treemaps of a and b side by side on
// one scale (the same px² per parameter), the tensors named in changed
// outlined in both, and the changed names listed.
func RenderDiff(w io.Writer, a, b *Page, changed map[string]bool) error {
	o := a.Options.withDefaults()
	v := &view{Diff: true, Title: clean(a.Title) + " ↔ " + clean(b.Title)}
	v.Sub = sub(a) + " ↔ " + sub(b)
	trees := [2]*treemap.Node{a.Tree, b.Tree}
	pages := [2]*Page{a, b}
	var totals [2]uint64
	for i, p := range pages {
		if trees[i] == nil {
			trees[i] = Tree(p.Title, p.Tensors)
		}
		totals[i] = trees[i].Sum()
	}
	const gap = 24.0
	sum := totals[0] + totals[1]
	var layouts [2]*treemap.Layout
	if sum > 0 {
		// Same height, widths in proportion: one px² per parameter scale.
		for i := range pages {
			width := (o.Width - gap) * float64(totals[i]) / float64(sum)
			if totals[i] == 0 {
				continue
			}
			c := treemap.Rect{W: width, H: o.Height}
			l, drawn, leaves, _ := layout(trees[i], changed, c, withMinScale(o, o.Width-gap, sum))
			layouts[i] = l
			var s strings.Builder
			if err := l.WriteSVG(&s, treemap.SVGOptions{Label: "treemap of " + pages[i].Title}); err != nil {
				return err
			}
			v.Treemaps = append(v.Treemaps, treemapView{
				Heading: fmt.Sprintf("%s · %s parameters · %s tensors, %s blocks drawn", clean(pages[i].Title), count(totals[i]), exact(uint64(leaves)), exact(uint64(drawn))),
				SVG:     template.HTML(s.String()),
			})
		}
	}
	if layouts[0] != nil {
		v.Legend = legend(layouts[0], layouts[1])
	} else if layouts[1] != nil {
		v.Legend = legend(layouts[1])
	}
	v.TreeNote = fmt.Sprintf("Both treemaps use one scale, %s parameters per px²; changed tensors, and merged groups holding one, are outlined in black.",
		count(uint64(math.Round(float64(sum)/((o.Width-gap)*o.Height)))))
	names := make([]string, 0, len(changed))
	for n, ok := range changed {
		if ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	t := table{ID: "changed", Title: fmt.Sprintf("Changed tensors (%s)", exact(uint64(len(names)))), Head: []string{"name"}}
	for i, n := range names {
		if i == o.MaxListed {
			t.More = fmt.Sprintf("… and %s more", exact(uint64(len(names)-o.MaxListed)))
			break
		}
		t.Rows = append(t.Rows, []string{clean(n)})
	}
	v.Tables = append(v.Tables, t)
	return write(w, v)
}

// withMinScale sets the merge threshold of a diff: MinArea relative to
// the shared scale, not to each side's own canvas.
func withMinScale(o Options, width float64, total uint64) Options {
	o.mergeParams = treemap.MinParams(total, o.MinArea, width*o.Height)
	o.fixedMerge = true
	return o
}

// layout merges the tree (blocks under MinArea px², more while over
// MaxBlocks would be drawn), marks the changed names and lays it out. It
// returns the layout, the blocks drawn and the leaves of the unmerged
// tree.
func layout(tree *treemap.Node, changed map[string]bool, canvas treemap.Rect, o Options) (*treemap.Layout, int, int, float64) {
	leaves := treemap.Leaves(tree)
	if len(changed) > 0 {
		tree = mark(tree, changed)
	}
	minParams := o.mergeParams
	if !o.fixedMerge {
		minParams = treemap.MinParams(tree.Sum(), o.MinArea, canvas.Area())
	}
	for {
		t := tree
		if o.MinArea > 0 {
			t = treemap.Merge(tree, minParams)
		}
		l := treemap.New(t, canvas, treemap.DefaultOptions)
		if len(l.Blocks) <= o.MaxBlocks || o.MinArea <= 0 || minParams > tree.Sum() {
			area := 0.0
			if s := tree.Sum(); s > 0 && o.MinArea > 0 {
				area = float64(minParams) * canvas.Area() / float64(s)
			}
			return l, len(l.Blocks), leaves, area
		}
		minParams = minParams*2 + 1
	}
}

// mark copies the tree with the leaves named in changed marked.
func mark(n *treemap.Node, changed map[string]bool) *treemap.Node {
	c := *n
	if len(n.Children) == 0 {
		c.Mark = c.Mark || changed[n.Name]
		return &c
	}
	c.Children = make([]*treemap.Node, len(n.Children))
	for i, k := range n.Children {
		c.Children[i] = mark(k, changed)
	}
	return &c
}

func treeNote(l *treemap.Layout, drawn, leaves int, minArea float64) string {
	merged := 0
	for _, b := range l.Blocks {
		if b.Node.Merged > 0 {
			merged++
		}
	}
	s := fmt.Sprintf("Area is proportional to parameters: each box's children share its inner area (inside the %g px padding and the label band) in proportion to their parameters. %s blocks drawn for %s tensors (those without parameters are not drawn)",
		treemap.DefaultOptions.Padding, exact(uint64(drawn)), exact(uint64(leaves)))
	if merged > 0 {
		s += fmt.Sprintf("; %s groups merge blocks under %.0f px² per parent and role", exact(uint64(merged)), minArea)
	}
	return s + ". Hover a block for its name, shape, dtype and parameters."
}

func sub(p *Page) string {
	var parts []string
	if p.Format != "" {
		parts = append(parts, clean(p.Format))
	}
	if p.Source != "" {
		parts = append(parts, clean(p.Source))
	}
	return strings.Join(parts, " · ")
}

func figures(fs []Figure) []figureView {
	var out []figureView
	for _, f := range fs {
		v := figureView{Label: clean(f.Label), Note: clean(f.Note)}
		switch f.Unit {
		case "bytes":
			v.Main, v.Exact = bytesText(f.Value), exact(f.Value)
		case "plain":
			v.Main = exact(f.Value)
		default:
			v.Main, v.Exact = count(f.Value), exact(f.Value)
			if f.Value < 1000 {
				v.Exact = ""
			}
		}
		out = append(out, v)
	}
	return out
}

func claims(cs []Claim) []claimView {
	var out []claimView
	for _, c := range cs {
		v := claimView{Text: clean(c.Text), Source: clean(c.Source), Verdict: clean(c.Verdict), Class: "verdict-other",
			Matched: clean(strings.ReplaceAll(c.Matched, "_", " ")), Explanation: clean(c.Explanation)}
		switch c.Verdict {
		case "matches", "close", "mismatch", "label":
			v.Class = "verdict-" + c.Verdict
		}
		if c.Matched != "" {
			v.Measured = count(c.MatchedValue)
			if c.Verdict != "label" {
				v.Deviation = fmt.Sprintf("%+.1f%%", c.Deviation*100)
			}
		}
		out = append(out, v)
	}
	return out
}

func excluded(es []Excluded) *table {
	if len(es) == 0 {
		return nil
	}
	t := &table{ID: "excluded", Title: "Stored but not counted or drawn", Head: []string{"what", "tensors", "elements", "why"},
		Right: []bool{false, true, true, false}}
	for _, e := range es {
		t.Rows = append(t.Rows, []string{clean(e.What), exact(uint64(e.Tensors)), count(e.Elements), clean(e.Reason)})
	}
	return t
}

func roleTable(rows []RoleRow, total uint64) *table {
	if len(rows) == 0 {
		return nil
	}
	rows = append([]RoleRow(nil), rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := roleRank(rows[i].Role), roleRank(rows[j].Role)
		if a != b {
			return a < b
		}
		return rows[i].Role < rows[j].Role
	})
	t := &table{ID: "roles", Title: "Roles", Head: []string{"role", "tensors", "parameters", "share", "elements as stored"},
		Right: []bool{false, true, true, true, true}}
	for _, r := range rows {
		el := ""
		if r.Elements != r.Parameters {
			el = count(r.Elements)
		}
		t.Rows = append(t.Rows, []string{clean(r.Role), exact(uint64(r.Tensors)), count(r.Parameters), pct(r.Parameters, total), el})
	}
	return t
}

func dtypeTable(rows []DTypeRow) *table {
	if len(rows) == 0 {
		return nil
	}
	rows = append([]DTypeRow(nil), rows...)
	var total int64
	for _, r := range rows {
		total += r.Bytes
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Bytes != rows[j].Bytes {
			return rows[i].Bytes > rows[j].Bytes
		}
		return rows[i].DType < rows[j].DType
	})
	t := &table{ID: "dtypes", Title: "Dtypes", Head: []string{"dtype", "tensors", "elements", "bytes", "bits/element", "share of bytes"},
		Right: []bool{false, true, true, true, true, true}}
	for _, r := range rows {
		bits := "–"
		if r.Elements > 0 {
			bits = fmt.Sprintf("%.2f", float64(r.Bytes)*8/float64(r.Elements))
		}
		t.Rows = append(t.Rows, []string{clean(r.DType), exact(uint64(r.Tensors)), count(r.Elements), bytesText(uint64(r.Bytes)), bits,
			pct(uint64(r.Bytes), uint64(total))})
	}
	return t
}

func largestTable(ts []Tensor, total uint64, n int) *table {
	idx := make([]int, 0, len(ts))
	for i := range ts {
		if ts[i].Parameters > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if ts[idx[a]].Parameters != ts[idx[b]].Parameters {
			return ts[idx[a]].Parameters > ts[idx[b]].Parameters
		}
		return ts[idx[a]].Name < ts[idx[b]].Name
	})
	t := &table{ID: "largest", Title: "Largest tensors", Head: []string{"name", "role", "layer", "dtype", "shape", "parameters", "share"},
		Right: []bool{false, false, true, false, false, true, true}}
	for i, k := range idx {
		if i == n {
			t.More = fmt.Sprintf("… %s more tensors with parameters", exact(uint64(len(idx)-n)))
			break
		}
		x := &ts[k]
		layer := "–"
		if x.Layer >= 0 {
			layer = fmt.Sprint(x.Layer)
		}
		t.Rows = append(t.Rows, []string{clean(x.Name), clean(x.Role), layer, clean(x.DType), shape(x.Shape), count(x.Parameters), pct(x.Parameters, total)})
	}
	return t
}

func unrecognisedTable(ts []Tensor, n int) *table {
	t := &table{ID: "unrecognised", Head: []string{"name", "dtype", "shape", "parameters"}, Right: []bool{false, false, false, true}}
	k := 0
	for i := range ts {
		x := &ts[i]
		if !x.Unrecognised {
			continue
		}
		if k < n {
			t.Rows = append(t.Rows, []string{clean(x.Name), clean(x.DType), shape(x.Shape), count(x.Parameters)})
		}
		k++
	}
	if k == 0 {
		return nil
	}
	t.Title = fmt.Sprintf("Unrecognised names (%s, counted under role other)", exact(uint64(k)))
	if k > n {
		t.More = fmt.Sprintf("… and %s more", exact(uint64(k-n)))
	}
	return t
}

// legend draws the colours of the roles the layouts hold, then the
// dtype outlines.
func legend(ls ...*treemap.Layout) template.HTML {
	present := map[string]bool{}
	dtypes := map[string]bool{}
	for _, l := range ls {
		if l == nil {
			continue
		}
		for _, b := range l.Blocks {
			if b.Leaf {
				present[b.Role] = true
				dtypes[treemap.DTypeClass(b.Node.DType)] = true
			}
		}
	}
	roles := make([]string, 0, len(present))
	for r := range present {
		roles = append(roles, r)
	}
	sortRoles(roles)
	type item struct {
		name, fill, dash string
		width            float64
	}
	var items []item
	for _, r := range roles {
		items = append(items, item{name: r, fill: treemap.RoleColor(r), width: 0.5})
	}
	names := map[string]string{"f32": "32-bit float", "f16": "16-bit float", "f8": "8-bit float", "int": "integer or block-quantized", "mixed": "several dtypes"}
	var outlines []item
	for _, c := range []string{"f16", "f32", "f8", "int", "mixed"} {
		if dtypes[c] {
			w, d := treemap.Outline(c)
			outlines = append(outlines, item{name: names[c], fill: "#FFFFFF", dash: d, width: w})
		}
	}
	var b strings.Builder
	x, y := 0.0, 0.0
	const rowH = 22.0
	place := func(it item) {
		wText := float64(len([]rune(clean(it.name))))*7.2 + 30
		if x+wText > chartWidth {
			x, y = 0, y+rowH
		}
		extra := fmt.Sprintf(` stroke="#1A1A1A" stroke-width="%g"`, it.width)
		if it.dash != "" {
			extra += ` stroke-dasharray="` + it.dash + `"`
		}
		rect(&b, x+1, y+4, 18, 13, it.fill, extra, "")
		text(&b, x+24, y+15, "start", ` fill="#222"`, it.name)
		x += wText
	}
	for _, it := range items {
		place(it)
	}
	if len(outlines) > 0 {
		if x > 0 {
			x, y = 0, y+rowH
		}
		text(&b, 0, y+15, "start", ` fill="#555"`, "outline = dtype:")
		x = 110
		for _, it := range outlines {
			place(it)
		}
	}
	var out strings.Builder
	svgOpen(&out, "legend", "legend", chartWidth, y+rowH+2)
	out.WriteString(b.String())
	out.WriteString("</svg>\n")
	return template.HTML(out.String())
}

func write(w io.Writer, v *view) error {
	for _, ts := range [][]table{v.Tables, v.Excluded} {
		for i := range ts {
			for len(ts[i].Right) < len(ts[i].Head) {
				ts[i].Right = append(ts[i].Right, false)
			}
		}
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
