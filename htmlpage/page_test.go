package htmlpage_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/htmlpage"
	"github.com/tensorcount/tensorcount/htmlpage/synthetic"
	"github.com/tensorcount/tensorcount/treemap"
)

var update = flag.Bool("update", false, "rewrite the golden pages in testdata (and, with -screenshots, the screenshots)")

// hybrid is a small page exercising every section: a vision tower, a
// dense first layer, interleaved SSM and attention layers, routed experts
// with a shared one, an MTP layer, an unknown role and unrecognised names.
func hybrid() *htmlpage.Page {
	var ts []htmlpage.Tensor
	add := func(name, role, comp string, layer, expert int, dtype string, shape ...uint64) {
		n := uint64(1)
		for _, d := range shape {
			n *= d
		}
		p := n
		if role == "quant_aux" || role == "buffer" {
			p = 0
		}
		ts = append(ts, htmlpage.Tensor{Name: name, Role: role, Component: comp, Layer: layer, Expert: expert, DType: dtype,
			Shape: shape, Parameters: p, Elements: n, Bytes: int64(n) * 2, Unrecognised: role == "other" && strings.Contains(name, "mystery")})
	}
	const d = 512
	add("model.embed_tokens.weight", "embedding", "language_model", -1, -1, "BF16", 32000, d)
	for i := range 6 {
		p := fmt.Sprintf("model.layers.%d.", i)
		add(p+"norm.weight", "norm", "language_model", i, -1, "F32", d)
		if i%2 == 1 {
			add(p+"mixer.in_proj.weight", "ssm", "language_model", i, -1, "BF16", 4*d, d)
			add(p+"mixer.conv1d.weight", "conv", "language_model", i, -1, "BF16", 2*d, 4)
		} else {
			add(p+"self_attn.qkv_proj.weight", "attention", "language_model", i, -1, "BF16", 3*d, d)
			add(p+"self_attn.o_proj.weight", "attention", "language_model", i, -1, "BF16", d, d)
		}
		if i == 0 {
			add(p+"mlp.up_proj.weight", "ffn", "language_model", i, -1, "BF16", 4*d, d)
			add(p+"mlp.down_proj.weight", "ffn", "language_model", i, -1, "BF16", d, 4*d)
			continue
		}
		add(p+"mlp.router.weight", "router", "language_model", i, -1, "F32", 8, d)
		for e := range 8 {
			add(fmt.Sprintf("%smlp.experts.%d.up.weight", p, e), "expert", "language_model", i, e, "Q4_K", d, d)
			add(fmt.Sprintf("%smlp.experts.%d.down.weight", p, e), "expert", "language_model", i, e, "Q4_K", d, d)
		}
		add(p+"mlp.shared.up.weight", "shared_expert", "language_model", i, -1, "F8_E4M3", d, d)
		add(p+"mlp.mystery_gate.weight", "other", "language_model", i, -1, "BF16", d)
	}
	add("model.layers.6.eh_proj.weight", "other", "mtp", 6, -1, "BF16", d, 2*d)
	add("model.layers.6.brand_new.weight", "lateral", "mtp", 6, -1, "BF16", d, d)
	add("model.norm.weight", "norm", "language_model", -1, -1, "F32", d)
	add("lm_head.weight", "head", "language_model", -1, -1, "BF16", 32000, d)
	add("model.rotary.inv_freq", "buffer", "language_model", -1, -1, "F32", 64)
	for i := range 2 {
		add(fmt.Sprintf("vision.blocks.%d.attn.qkv.weight", i), "attention", "vision", i, -1, "F16", 3*256, 256)
		add(fmt.Sprintf("vision.blocks.%d.mlp.fc1.weight", i), "ffn", "vision", i, -1, "F16", 1024, 256)
	}
	add("vision.patch_embed.weight", "embedding", "vision", -1, -1, "F16", 256, 3*14*14)
	add("projector.linear.weight", "other", "projector", -1, -1, "F16", d, 256)
	return &htmlpage.Page{
		Title: "hybrid-moe (synthetic)", Format: "gguf", Source: "synthetic/hybrid.gguf", Tensors: ts,
		Figures: []htmlpage.Figure{{Label: "parameters", Value: 54_000_000}, {Label: "tensors", Value: uint64(len(ts)), Unit: "plain"},
			{Label: "bytes", Value: 108_000_000, Unit: "bytes"}},
		Claims:   []htmlpage.Claim{{Text: "8x50M", Source: "name", Verdict: "label", Matched: "parameters", MatchedValue: 54_000_000, Explanation: "an expert label, not a count"}},
		Excluded: []htmlpage.Excluded{{What: "buffers", Tensors: 1, Elements: 64, Reason: "rotary tables are not learned"}},
		Formula: &htmlpage.Formula{Layers: 6, HiddenSize: d, TwelveLD2: 12 * 6 * d * d, Body: 20_000_000, Ratio: 1.06,
			Terms: []htmlpage.Term{{Name: "attention", Formula: 4 * 6 * d * d, FormulaText: "4·L·d²", Measured: 3_000_000, Reason: "three of six layers are SSM"},
				{Name: "ffn", Formula: 8 * 6 * d * d, FormulaText: "8·L·d²", Measured: 12_000_000, Reason: "mixture of experts"},
				{Name: "embeddings", FormulaText: "0", Measured: 16_384_000, Reason: "vocabulary 32,000 × d"}}},
		Memory: &htmlpage.Memory{BF16Bytes: 108e6, FP8Bytes: 54e6, Int4Bytes: 27e6, DiskBytes: 40e6},
		MoE:    &htmlpage.MoE{Experts: 8, ExpertsPerToken: 2, Total: 54e6, Active: 30e6, Routed: 32e6, ActiveRouted: 8e6},
		Notes:  []string{"experts per token from the metadata"},
	}
}

func render(t testing.TB, p *htmlpage.Page) []byte {
	var b bytes.Buffer
	require.NoError(t, htmlpage.Render(&b, p))
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./htmlpage -update to write the goldens")
	require.True(t, bytes.Equal(want, got), "%s differs from the golden; rerun with -update if the change is intended", name)
}

func diffPages() (*htmlpage.Page, *htmlpage.Page, map[string]bool) {
	a := synthetic.Llama()
	b := synthetic.Llama()
	b.Title = "Llama-3.2-1B, pruned (synthetic)"
	changed := map[string]bool{}
	for i := range b.Tensors {
		t := &b.Tensors[i]
		if strings.Contains(t.Name, "layers.15.mlp") {
			t.Parameters /= 2
			t.Shape = []uint64{t.Shape[0] / 2, t.Shape[1]}
			changed[t.Name] = true
		}
	}
	changed["model.layers.3.input_layernorm.weight"] = true // tiny: marks its merged group
	return a, b, changed
}

func TestGolden(t *testing.T) {
	golden(t, "llama.html", render(t, synthetic.Llama()))
	golden(t, "hybrid.html", render(t, hybrid()))
	a, b, changed := diffPages()
	var buf bytes.Buffer
	require.NoError(t, htmlpage.RenderDiff(&buf, a, b, changed))
	golden(t, "diff.html", buf.Bytes())
}

func TestDeterministic(t *testing.T) {
	p := synthetic.DeepSeekV3()
	first := render(t, p)
	require.Equal(t, first, render(t, synthetic.DeepSeekV3()))
	require.Equal(t, render(t, hybrid()), render(t, hybrid()))
}

// outside matches what could fetch from outside the page.
var outside = regexp.MustCompile(`(?i)https?:|src\s*=|@import|url\(|<script|<link|<img|<iframe|<object|<embed|href\s*=|srcset|xlink:`)

func TestSelfContained(t *testing.T) {
	a, b, changed := diffPages()
	var diff bytes.Buffer
	require.NoError(t, htmlpage.RenderDiff(&diff, a, b, changed))
	for name, page := range map[string][]byte{
		"llama": render(t, synthetic.Llama()), "deepseek": render(t, synthetic.DeepSeekV3()),
		"hybrid": render(t, hybrid()), "diff": diff.Bytes(), "hostile": render(t, hostile()),
	} {
		require.Empty(t, outside.FindAll(page, -1), name)
		require.True(t, bytes.HasPrefix(page, []byte("<!DOCTYPE html>")), name)
		require.Contains(t, string(page), `<footer id="tensorcount-end">`, name)
	}
}

// TestSize keeps the page of a 91,991-tensor model under 3 MB.
func TestSize(t *testing.T) {
	p := synthetic.DeepSeekV3()
	page := render(t, p)
	t.Logf("DeepSeek-shaped page: %d bytes for %d tensors", len(page), len(p.Tensors))
	require.Less(t, len(page), 3<<20)

	// Many equal blocks just over the merge threshold: the block bound
	// still holds the size.
	var ts []htmlpage.Tensor
	for i := range 40000 {
		ts = append(ts, htmlpage.Tensor{Name: fmt.Sprintf("blk.%d.ffn_up.%d.weight", i/200, i%200), Role: "expert", Layer: i / 200,
			Expert: i % 200, DType: "Q4_K", Parameters: 1000, Shape: []uint64{1000}})
	}
	flat := render(t, &htmlpage.Page{Title: "flat", Tensors: ts})
	t.Logf("flat 40,000-expert page: %d bytes", len(flat))
	require.Less(t, len(flat), 3<<20)
	st, err := treemap.Verify(bytes.NewReader(flat))
	require.NoError(t, err)
	require.LessOrEqual(t, st.Blocks, 3000)
}

func TestVerifyPages(t *testing.T) {
	for name, p := range map[string]*htmlpage.Page{"llama": synthetic.Llama(), "deepseek": synthetic.DeepSeekV3(), "hybrid": hybrid()} {
		page := render(t, p)
		st, err := treemap.Verify(bytes.NewReader(page))
		require.NoError(t, err, name)
		require.Equal(t, 1, st.Trees, name)
		var total uint64
		for _, x := range p.Tensors {
			total += x.Parameters
		}
		require.Equal(t, total, st.Params[0], name)
	}
	page := string(render(t, synthetic.DeepSeekV3()))
	require.Contains(t, page, `data-name="256 experts of layer 3"`)
	require.Contains(t, page, `data-name="256 experts of mtp layer 61"`)
	require.Contains(t, page, "45,808")
}

func TestDiff(t *testing.T) {
	a, b, changed := diffPages()
	var buf bytes.Buffer
	require.NoError(t, htmlpage.RenderDiff(&buf, a, b, changed))
	st, err := treemap.Verify(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.Equal(t, 2, st.Trees)
	// One scale: the same px² per parameter on both sides.
	require.InEpsilon(t, st.Areas[0]/float64(st.Params[0]), st.Areas[1]/float64(st.Params[1]), 0.001)
	require.Greater(t, st.Params[0], st.Params[1])
	s := buf.String()
	// The halved FFN tensors are outlined on the right; the norm's merged
	// group on both sides.
	require.Contains(t, s, `data-name="model.layers.15.mlp.up_proj.weight" data-dtype="BF16" data-changed="true"`)
	require.GreaterOrEqual(t, strings.Count(s, `data-changed="true"`), 2*3+2)
	require.Contains(t, s, "Changed tensors (4)")
	wellFormed(t, buf.Bytes())
}

func TestTree(t *testing.T) {
	root := htmlpage.Tree("m", hybrid().Tensors)
	var names []string
	for _, c := range root.Children {
		var secs []string
		for _, s := range c.Children {
			secs = append(secs, s.Name)
		}
		names = append(names, c.Name+": "+strings.Join(secs, ", "))
	}
	require.Equal(t, []string{
		"language_model: embeddings, layers, head, other",
		"vision: vision embeddings, vision layers",
		"projector: projector other",
		"mtp: mtp layers",
	}, names)
	layer1 := root.Children[0].Children[1].Children[1]
	require.Equal(t, "layer 1", layer1.Name)
	var roles []string
	for _, r := range layer1.Children {
		roles = append(roles, r.Name)
	}
	require.Equal(t, []string{"norm", "ssm", "conv", "router", "expert", "shared_expert", "other"}, roles)
	experts := layer1.Children[4]
	require.Len(t, experts.Children, 8)
	require.Equal(t, "expert 0", experts.Children[0].Name)
	require.Len(t, experts.Children[0].Children, 2)
	require.Equal(t, "up", experts.Children[0].Children[0].Label)
	require.Equal(t, len(hybrid().Tensors), treemap.Leaves(root), "a leaf per tensor, with or without parameters")
}

func TestSectionsLeftOut(t *testing.T) {
	page := string(render(t, &htmlpage.Page{Title: "empty"}))
	for _, id := range []string{`id="treemap"`, `id="layers"`, `id="formula"`, `id="memory"`, `id="moe"`, `id="claims"`, `id="roles"`} {
		require.NotContains(t, page, id)
	}
	require.Contains(t, page, "<h1>empty</h1>")
	wellFormed(t, []byte(page))
	// Experts per token unknown: the active bar is not drawn.
	p := hybrid()
	p.MoE.Active = 0
	require.Contains(t, string(render(t, p)), "Experts per token is not known")
}

// hostile puts dangerous text in every string field.
func hostile() *htmlpage.Page {
	bad := []string{"<script>alert(1)</script>", `"q" & 'a' <b>`, "bidi\u202Efdp.exe", "esc\x1b[2Jclear", "nul\x00byte", "line\nbreak", "\xff\xfe", "]]><!--x-->", "\u2066iso\u2069"}
	p := hybrid()
	for i := range p.Tensors {
		p.Tensors[i].Name = bad[i%len(bad)] + p.Tensors[i].Name
		if i%7 == 0 {
			p.Tensors[i].DType = bad[i%len(bad)]
			p.Tensors[i].Unrecognised = true
		}
		if i%11 == 0 {
			p.Tensors[i].Role = bad[i%len(bad)]
			p.Tensors[i].Component = bad[(i+1)%len(bad)]
		}
	}
	p.Title, p.Format, p.Source = bad[0], bad[1], bad[2]
	p.Figures[0].Label, p.Figures[0].Note = bad[3], bad[4]
	p.Claims[0].Text, p.Claims[0].Source, p.Claims[0].Verdict, p.Claims[0].Matched, p.Claims[0].Explanation = bad[0], bad[1], bad[2], bad[3], bad[4]
	p.Excluded[0].What, p.Excluded[0].Reason = bad[5], bad[6]
	p.Formula.Terms[0].Name, p.Formula.Terms[0].Reason, p.Formula.Terms[0].FormulaText = bad[7], bad[8], bad[0]
	p.Memory.KVFormula, p.Memory.KVCacheBytes, p.Memory.GPUs = bad[1], 1e6, []htmlpage.GPU{{Name: bad[2], Bytes: 5e6}}
	p.Notes = bad
	return p
}

// wellFormed parses a page as XML and fails on raw control or bidi
// characters.
func wellFormed(t *testing.T, page []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
	}
	for i, r := range string(page) {
		if r == '\n' {
			continue
		}
		require.False(t, r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0xfffd || r == 0x200e || r == 0x200f,
			"raw %U at byte %d: %q", r, i, page[max(0, i-40):min(len(page), i+40)])
	}
}

func TestEscaping(t *testing.T) {
	page := render(t, hostile())
	wellFormed(t, page)
	s := string(page)
	require.NotContains(t, s, "<script")
	require.NotContains(t, s, "'a' <b>")
	require.Contains(t, s, "&#39;a&#39; &lt;b&gt;")
	require.NotContains(t, s, "<!--x")
	require.Contains(t, s, "&lt;script&gt;alert(1)&lt;/script&gt;")
	require.Contains(t, s, `bidi\u202efdp.exe`)
	require.Contains(t, s, `esc\x1b[2Jclear`)
	require.Contains(t, s, `nul\x00byte`)
	_, err := treemap.Verify(bytes.NewReader(page))
	require.NoError(t, err)
	wellFormed(t, render(t, synthetic.DeepSeekV3()))
}

func BenchmarkRenderDeepSeek(b *testing.B) {
	p := synthetic.DeepSeekV3()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := htmlpage.Render(&buf, p); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len()), "page-bytes")
	}
}

func TestOwnTreeNoMerge(t *testing.T) {
	root := &treemap.Node{Name: "custom", Children: []*treemap.Node{
		{Name: "a", Role: "ssm", Params: 10}, {Name: "b", Role: "ssm", Params: 1}, {Name: "c", Role: "ssm", Params: 1},
	}}
	page := render(t, &htmlpage.Page{Title: "own", Tree: root, Options: htmlpage.Options{MinArea: -1}})
	st, err := treemap.Verify(bytes.NewReader(page))
	require.NoError(t, err)
	require.Equal(t, 3, st.Leaves, "no merging")
	require.Contains(t, string(page), `data-name="b"`)
	page = render(t, &htmlpage.Page{Title: "own", Tree: root, Options: htmlpage.Options{MinArea: 2e5}})
	require.Contains(t, string(page), `data-name="2 ssm tensors of custom"`)
}
