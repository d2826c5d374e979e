package treemap_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/htmlpage"
	"github.com/tensorcount/tensorcount/htmlpage/synthetic"
	"github.com/tensorcount/tensorcount/treemap"
)

// randomTree builds a tree of random shape whose leaves have parameters
// spread over many orders of magnitude, some of them zero.
func randomTree(rng *rand.Rand, depth int, name string) *treemap.Node {
	budget := 2000
	return randomNode(rng, depth, name, &budget)
}

// randomNode builds a subtree of at most about *budget nodes.
func randomNode(rng *rand.Rand, depth int, name string, budget *int) *treemap.Node {
	*budget--
	roles := []string{"attention", "ffn", "expert", "norm", "embedding", "ssm", "brand_new_role"}
	n := &treemap.Node{Name: name}
	if depth == 0 || *budget <= 0 || rng.Intn(5) == 0 {
		n.Role = roles[rng.Intn(len(roles))]
		switch rng.Intn(8) {
		case 0:
			n.Params = 0
		case 1:
			n.Params = 1 + uint64(rng.Intn(10))
		default:
			n.Params = uint64(math.Exp(rng.Float64() * 22))
		}
		n.DType = []string{"BF16", "F32", "F8_E4M3", "Q4_K", ""}[rng.Intn(5)]
		n.Shape = []uint64{n.Params}
		return n
	}
	k := 1 + rng.Intn(9)
	if rng.Intn(10) == 0 {
		k = 40 + rng.Intn(60)
	}
	for i := range k {
		n.Children = append(n.Children, randomNode(rng, depth-1, fmt.Sprintf("%s.%d", name, i), budget))
	}
	return n
}

func svgOf(t testing.TB, l *treemap.Layout) []byte {
	var b bytes.Buffer
	require.NoError(t, l.WriteSVG(&b, treemap.SVGOptions{Standalone: true}))
	return b.Bytes()
}

// checkLayout checks the contract on the layout itself, in float64,
// independently of the SVG.
func checkLayout(t *testing.T, l *treemap.Layout) {
	t.Helper()
	kids := map[int][]int{}
	for i, b := range l.Blocks {
		require.Positive(t, b.Params, "block %q of zero parameters laid out", b.Path)
		if b.Parent >= 0 {
			kids[b.Parent] = append(kids[b.Parent], i)
		}
	}
	for p, ks := range kids {
		pb := l.Blocks[p]
		var sum uint64
		for _, k := range ks {
			sum += l.Blocks[k].Params
		}
		require.Equal(t, pb.Params, sum)
		for _, k := range ks {
			r := l.Blocks[k].Rect
			want := pb.Inner.Area() * float64(l.Blocks[k].Params) / float64(pb.Params)
			require.InEpsilon(t, want, r.Area(), 1e-9, "block %q", l.Blocks[k].Path)
			eps := 1e-6 * math.Max(pb.Inner.W, pb.Inner.H)
			require.True(t, r.X >= pb.Inner.X-eps && r.Y >= pb.Inner.Y-eps &&
				r.X+r.W <= pb.Inner.X+pb.Inner.W+eps && r.Y+r.H <= pb.Inner.Y+pb.Inner.H+eps,
				"block %q %v outside %v", l.Blocks[k].Path, r, pb.Inner)
		}
	}
}

func TestRandomTreesVerify(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	for i := range 200 {
		root := randomTree(rng, 1+rng.Intn(5), fmt.Sprintf("t%d", i))
		canvas := treemap.Rect{X: float64(rng.Intn(50)), Y: float64(rng.Intn(50)), W: 50 + rng.Float64()*1500, H: 50 + rng.Float64()*1000}
		opt := treemap.Options{Padding: float64(rng.Intn(4)), Header: float64(rng.Intn(3) * 8)}
		if i%2 == 1 {
			root = treemap.Merge(root, treemap.MinParams(root.Sum(), rng.Float64()*200, canvas.W*canvas.H))
		}
		l := treemap.New(root, canvas, opt)
		if root.Sum() == 0 {
			require.Empty(t, l.Blocks)
			continue
		}
		checkLayout(t, l)
		st, err := treemap.Verify(bytes.NewReader(svgOf(t, l)))
		require.NoError(t, err, "tree %d", i)
		require.Equal(t, 1, st.Trees)
		require.Equal(t, len(l.Blocks), st.Blocks)
		require.Equal(t, root.Sum(), st.Params[0])
		require.InEpsilon(t, canvas.W*canvas.H, st.Areas[0], 1e-5)
	}
}

func TestSquarifyAspect(t *testing.T) {
	// Equal areas in a square come out close to squares.
	areas := make([]float64, 100)
	for i := range areas {
		areas[i] = 1
	}
	for _, r := range treemap.Squarify(areas, treemap.Rect{W: 10, H: 10}) {
		require.InDelta(t, 1, r.W*r.H, 1e-9)
		require.Less(t, math.Max(r.W/r.H, r.H/r.W), 1.6)
	}
	require.Empty(t, treemap.Squarify(nil, treemap.Rect{W: 1, H: 1}))
}

// deepSeek is the tree of the synthetic DeepSeek-V3: 91,991 leaves.
func deepSeek(t testing.TB) *treemap.Node {
	p := synthetic.DeepSeekV3()
	require.Len(t, p.Tensors, synthetic.DeepSeekV3Tensors)
	root := htmlpage.Tree(p.Title, p.Tensors)
	require.Equal(t, synthetic.DeepSeekV3Tensors, treemap.Leaves(root))
	return root
}

func TestDeepSeekShaped(t *testing.T) {
	root := deepSeek(t)
	canvas := treemap.Rect{W: 1160, H: 720}

	// Every tensor with parameters drawn: 46,183 blocks of tensors, most
	// under a pixel, still within 1% of their area.
	full := treemap.New(root, canvas, treemap.DefaultOptions)
	leaves := 0
	for _, b := range full.Blocks {
		if b.Leaf {
			leaves++
		}
	}
	require.Equal(t, 46183, leaves)
	checkLayout(t, full)
	st, err := treemap.Verify(bytes.NewReader(svgOf(t, full)))
	require.NoError(t, err)
	require.Equal(t, leaves, st.Leaves)

	// Merged: one group of 256 experts per MoE layer.
	m := treemap.Merge(root, treemap.MinParams(root.Sum(), 100, canvas.Area()))
	require.Equal(t, root.Sum(), m.Sum())
	require.Equal(t, treemap.Leaves(root)-45808, m.TensorCount(), "every tensor with parameters is still counted")
	ml := treemap.New(m, canvas, treemap.DefaultOptions)
	svg := svgOf(t, ml)
	st, err = treemap.Verify(bytes.NewReader(svg))
	require.NoError(t, err)
	require.Less(t, st.Blocks, 1000)
	require.Less(t, len(svg), 1<<20)
	groups := regexp.MustCompile(`data-name="256 experts of layer (\d+)"`).FindAllSubmatch(svg, -1)
	require.Len(t, groups, 58, "layers 3–60")
	require.Contains(t, string(svg), `data-name="256 experts of mtp layer 61"`)
}

func TestMerge(t *testing.T) {
	mk := func(name, role string, p uint64) *treemap.Node {
		return &treemap.Node{Name: name, Role: role, Params: p, DType: "BF16", Shape: []uint64{p}}
	}
	layer := &treemap.Node{Name: "layer 1", Children: []*treemap.Node{
		mk("big", "ffn", 1000),
		mk("a", "norm", 5), mk("b", "norm", 5), mk("c", "norm", 7),
		mk("lonely", "router", 3),
		mk("zero", "buffer", 0),
	}}
	layer.Children[1].Mark = true
	before := fmt.Sprintf("%+v", *layer)
	m := treemap.Merge(layer, 100)
	require.Equal(t, before, fmt.Sprintf("%+v", *layer), "input modified")
	require.Len(t, m.Children, 3)
	require.Equal(t, "big", m.Children[0].Name)
	g := m.Children[1]
	require.Equal(t, "3 norm tensors of layer 1", g.Name)
	require.Equal(t, "3 norm tensors", g.Label)
	require.Equal(t, 3, g.Merged)
	require.Equal(t, 3, g.TensorCount())
	require.Equal(t, uint64(17), g.Params)
	require.Equal(t, "BF16", g.DType)
	require.Nil(t, g.Shape, "shapes differ")
	require.True(t, g.Mark, "a marked member marks the group")
	require.Equal(t, "lonely", m.Children[2].Name, "a single small block stays itself")
	require.Equal(t, layer.Sum(), m.Sum())

	// An expert whose tensors are all merged becomes one leaf named after it.
	expert := &treemap.Node{Name: "expert 7", Role: "expert", Kind: "expert", Children: []*treemap.Node{
		mk("e7.gate", "expert", 10), mk("e7.up", "expert", 10), mk("e7.down", "expert", 10)}}
	expert.Children[2].DType = "F8_E4M3"
	root := &treemap.Node{Name: "layer 3", Children: []*treemap.Node{expert, mk("attn", "attention", 1000)}}
	m = treemap.Merge(root, 20)
	e := m.Children[0]
	require.Empty(t, e.Children)
	require.Equal(t, "expert 7 of layer 3", e.Name)
	require.Equal(t, "expert 7", e.Label)
	require.Equal(t, "mixed", e.DType)
	require.Equal(t, 3, e.TensorCount())

	// Nothing with parameters: an empty root.
	empty := treemap.Merge(&treemap.Node{Name: "x", Children: []*treemap.Node{mk("z", "buffer", 0)}}, 10)
	require.Zero(t, empty.Sum())
	require.Empty(t, treemap.New(empty, treemap.Rect{W: 10, H: 10}, treemap.DefaultOptions).Blocks)
}

func TestMinParams(t *testing.T) {
	require.Equal(t, uint64(100), treemap.MinParams(1000, 10, 100))
	require.Zero(t, treemap.MinParams(1000, 10, 0))
}

func TestPalette(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range treemap.Palette() {
		require.False(t, seen[s.Color], "colour %s used twice", s.Color)
		seen[s.Color] = true
		require.Equal(t, s.Color, treemap.RoleColor(s.Role))
	}
	for _, r := range []string{"ssm", "conv", "embedding", "attention", "ffn", "expert", "shared_expert", "router", "norm", "head", "buffer", "quant_aux", "adapter", "other"} {
		require.NotEqual(t, treemap.FallbackColor, treemap.RoleColor(r), r)
	}
	require.Equal(t, treemap.FallbackColor, treemap.RoleColor("something_new"))
	require.Equal(t, treemap.MixedColor, treemap.RoleColor("mixed"))
	require.Equal(t, "#FFFFFF", treemap.TextColor("#0072B2"))
	require.Equal(t, "#000000", treemap.TextColor("#F0E442"))
	require.Equal(t, "#FFFFFF", treemap.Tint("#0072B2", 1))
	for d, c := range map[string]string{"BF16": "f16", "F16": "f16", "F32": "f32", "F8_E4M3": "f8", "Q4_K": "int", "I8": "int", "MXFP4": "int", "mixed": "mixed", "": "", "weird": ""} {
		require.Equal(t, c, treemap.DTypeClass(d), d)
	}
}

func TestClean(t *testing.T) {
	require.Equal(t, "plain name.weight", treemap.Clean("plain name.weight"))
	require.Equal(t, `a\x1b[2Jb`, treemap.Clean("a\x1b[2Jb"))
	require.Equal(t, `x\u202ey`, treemap.Clean("x\u202ey"))
	require.Equal(t, `n\x00`, treemap.Clean("n\x00"))
	require.Equal(t, `\xff`, treemap.Clean("\xff"))
	require.Equal(t, "&lt;script&gt;&amp;&#34;&#39;", treemap.Esc(`<script>&"'`))
}

func TestHostileNames(t *testing.T) {
	names := []string{"<script>alert(1)</script>", `"quoted" & 'single'`, "bidi\u202Eexe.txt", "esc\x1b[31mred", "nul\x00byte", "]]><!--", "\xff\xfe"}
	root := &treemap.Node{Name: "<root>"}
	for i, n := range names {
		root.Children = append(root.Children, &treemap.Node{Name: n, Role: n, DType: n, Params: uint64(100 + i)})
	}
	l := treemap.New(root, treemap.Rect{W: 600, H: 400}, treemap.DefaultOptions)
	svg := svgOf(t, l)
	_, err := treemap.Verify(bytes.NewReader(svg))
	require.NoError(t, err)
	requireClean(t, svg)
	require.NotContains(t, string(svg), "<script")
	// Names come back intact, made visible, through the XML parser.
	d := xml.NewDecoder(bytes.NewReader(svg))
	var got []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == "data-name" {
					got = append(got, a.Value)
				}
			}
		}
	}
	require.Contains(t, got, "<script>alert(1)</script>")
	require.Contains(t, got, `bidi\u202eexe.txt`)
	require.Contains(t, got, `esc\x1b[31mred`)
}

// requireClean fails on raw control or bidi characters.
func requireClean(t *testing.T, b []byte) {
	t.Helper()
	for i, r := range string(b) {
		if r == '\n' {
			continue
		}
		require.False(t, r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0xfffd,
			"raw %U at byte %d: %q", r, i, b[max(0, i-40):min(len(b), i+40)])
	}
}

// TestVerifyCatches makes sure the checker fails on each kind of broken
// geometry.
func TestVerifyCatches(t *testing.T) {
	root := &treemap.Node{Name: "m", Children: []*treemap.Node{
		{Name: "a", Role: "ffn", Params: 600},
		{Name: "b", Role: "attention", Params: 300},
		{Name: "c", Role: "norm", Params: 100},
	}}
	l := treemap.New(root, treemap.Rect{W: 300, H: 200}, treemap.DefaultOptions)
	good := string(svgOf(t, l))
	_, err := treemap.Verify(strings.NewReader(good))
	require.NoError(t, err)
	attr := func(name, key string) string {
		m := regexp.MustCompile(`<rect[^>]*data-name="` + name + `"[^>]*>`).FindString(good)
		require.NotEmpty(t, m)
		return regexp.MustCompile(` ` + key + `="[^"]*"`).FindString(m)
	}
	for _, c := range []struct{ name, old, new, want string }{
		{"area", attr("a", "width"), ` width="1"`, "area"},
		{"outside", attr("c", "x"), ` x="290"`, "outside"},
		{"sum", `data-parameters="600"`, `data-parameters="601"`, "children"},
		{"zero", `data-parameters="600"`, `data-parameters="0"`, "positive"},
		{"role", `data-role="ffn"`, `data-role=""`, "data-role"},
		{"name", `data-name="a"`, `data-nom="a"`, "data-name"},
		{"title", "<title>a\n", "<desc>a\n", ""},
		{"xml", `</svg>`, `</svg`, "well-formed"},
		{"inner", `data-inner="2 16 296 182"`, `data-inner="2 16 290 182"`, "padding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Contains(t, good, c.old)
			bad := strings.Replace(good, c.old, c.new, 1)
			if c.name == "title" {
				bad = strings.Replace(bad, "</title></rect><text x=\"5\"", "</desc></rect><text x=\"5\"", 1)
				i := strings.Index(bad, "<desc>a\n")
				j := strings.Index(bad[i:], "</title>")
				bad = bad[:i+j] + "</desc>" + bad[i+j+len("</title>"):]
			}
			_, err := treemap.Verify(strings.NewReader(bad))
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
	// b moved onto a: the sizes still fit, the blocks overlap.
	rb := regexp.MustCompile(`<rect[^>]*data-name="b"[^>]*>`).FindString(good)
	moved := strings.Replace(strings.Replace(rb, attr("b", "x"), attr("a", "x"), 1), attr("b", "y"), attr("a", "y"), 1)
	_, err = treemap.Verify(strings.NewReader(strings.Replace(good, rb, moved, 1)))
	require.ErrorContains(t, err, "overlap")

	_, err = treemap.Verify(strings.NewReader(`<svg></svg>`))
	require.Error(t, err)
}

func BenchmarkLayoutDeepSeek(b *testing.B) {
	root := deepSeek(b)
	canvas := treemap.Rect{W: 1160, H: 720}
	b.ReportAllocs()
	for b.Loop() {
		treemap.New(root, canvas, treemap.DefaultOptions)
	}
}

func BenchmarkMergeLayoutDeepSeek(b *testing.B) {
	root := deepSeek(b)
	canvas := treemap.Rect{W: 1160, H: 720}
	b.ReportAllocs()
	for b.Loop() {
		m := treemap.Merge(root, treemap.MinParams(root.Sum(), 100, canvas.Area()))
		treemap.New(m, canvas, treemap.DefaultOptions)
	}
}
