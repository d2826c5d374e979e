package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/treemap"
)

// The page of the example is self-contained (no http:// or https://
// reference, no script), draws the treemap as rects with data-role and
// is the same bytes every time.
func TestHTMLExample(t *testing.T) {
	out, errOut, status := tc("--html", example)
	require.Equal(t, exitOK, status, errOut)
	require.Empty(t, errOut)
	require.True(t, strings.HasPrefix(out, "<!DOCTYPE html>"), out[:min(len(out), 200)])
	require.NotContains(t, out, "http://")
	require.NotContains(t, out, "https://")
	require.NotContains(t, strings.ToLower(out), "<script")
	require.Contains(t, out, `<rect class="tm"`)
	require.Contains(t, out, `data-role="attention"`)
	require.Contains(t, out, `data-role="ffn"`)
	require.Contains(t, out, `data-name="model.layers.0.self_attn.q_proj.weight"`)

	again, _, _ := tc("--html", example)
	require.Equal(t, out, again, "same model, same page")
}

// The SVG is well-formed XML that passes the treemap's own checks; its
// bytes are kept as a golden file.
func TestSVGExample(t *testing.T) {
	out, errOut, status := tc("--svg", example)
	require.Equal(t, exitOK, status, errOut)
	require.Empty(t, errOut)
	wellFormed(t, out)
	require.Contains(t, out, `xmlns="http://www.w3.org/2000/svg"`)
	st, err := treemap.Verify(strings.NewReader(out))
	require.NoError(t, err)
	require.Equal(t, 1, st.Trees)
	require.Equal(t, []uint64{158016}, st.Params, "the example's parameters")
	require.Positive(t, st.Leaves)
	golden(t, "treemap.svg", out)
}

// wellFormed parses s to the end as XML with a root <svg>.
func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "the SVG is not well-formed XML")
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	require.Equal(t, "svg", root)
}

// One output format at a time, and a page is about one model.
func TestHTMLUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--html", "--json", example},
		{"--svg", "--json", example},
		{"--html", "--markdown", example},
		{"--html", "--svg", example},
		{"--html", example, example},
		{"--svg", example, example},
	} {
		out, errOut, status := tc(args...)
		require.Equal(t, exitUsage, status, "%v: %s", args, errOut)
		require.Empty(t, out, "%v", args)
		require.NotEmpty(t, errOut, "%v", args)
	}
	_, errOut, _ := tc("--html", "--json", example)
	require.Contains(t, errOut, "exclude each other")
	for _, sub := range []string{"tensors", "layers", "audit", "check"} {
		_, _, status := tc(sub, "--html", example)
		require.Equal(t, exitUsage, status, "%s takes no --html", sub)
	}
}

// A tensor name is shown escaped, with a bidi override made visible: no
// markup or U+202E reaches the page or the SVG.
func TestHTMLEscapesNames(t *testing.T) {
	dir := t.TempDir()
	evil := "model.layers.0.self_attn.q_proj<script>alert(1)</script>\u202egnp.weight"
	f := fixture.Safetensors{Tensors: []fixture.TensorSpec{
		{Name: "model.embed_tokens.weight", Shape: []uint64{64, 16}, DType: "BF16"},
		{Name: evil, Shape: []uint64{16, 16}, DType: "BF16"},
		{Name: "odd\"name'&<b>\u202e", Shape: []uint64{16, 16}, DType: "F32"},
	}}
	path := filepath.Join(dir, "evil.safetensors")
	require.NoError(t, f.Write(path))

	page, errOut, status := tc("--html", path)
	require.Equal(t, exitOK, status, errOut)
	svg, errOut, status := tc("--svg", path)
	require.Equal(t, exitOK, status, errOut)
	wellFormed(t, svg)
	for name, out := range map[string]string{"html": page, "svg": svg} {
		require.NotContains(t, strings.ToLower(out), "<script", name)
		require.NotContains(t, out, "&<b>", name) // the page's own <b> markup is fine; the name's is not
		require.NotContains(t, out, "\u202e", name)
		require.Contains(t, out, "q_proj&lt;script&gt;", name)
	}
	require.False(t, bytes.Contains([]byte(page), []byte(`"name'&<`)))
}

// diff --html draws both checkpoints on one scale and outlines what
// changed: here the head B stores and A ties.
func TestDiffHTML(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	_, err := archs.Write(a, archs.Qwen25_05B())
	require.NoError(t, err)
	_, err = archs.Write(b, archs.Qwen25_05BUntied())
	require.NoError(t, err)
	page, errOut, status := tc("diff", "--html", "--headers-only", a, b)
	require.Equal(t, 1, status, errOut)
	require.Contains(t, page, `data-changed`)
	require.Contains(t, page, "lm_head.weight")
	require.NotContains(t, page, "http://")
	require.Equal(t, 2, strings.Count(page, `<svg class="treemap"`))
	_, _, status = tc("diff", "--html", "--json", a, b)
	require.Equal(t, exitUsage, status)
}
