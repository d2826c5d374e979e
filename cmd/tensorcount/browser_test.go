package main

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/browser"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
)

// The pages of the example and of a real-scale mixture of experts load
// in a headless Chromium without a console error or a failed load, and
// their treemaps are drawn: a band of the page as tall as the treemap,
// almost all ink, in several colours. With -update the tops of both
// pages are written to docs/ for the README.
func TestHTMLInBrowser(t *testing.T) {
	b := browser.Require(t)
	dir := t.TempDir()
	// Each page is made from where its path is short, as a user would
	// type it, since the page shows the path.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)

	dsDir := filepath.Join(dir, "DeepSeek-V3")
	require.NoError(t, os.MkdirAll(dsDir, 0o755))
	_, err = archs.Write(dsDir, archs.DeepSeekV3())
	require.NoError(t, err)

	for _, c := range []struct {
		name, shot, cwd string
		args            []string
		maxBytes        int
	}{
		{"example", "treemap-example.png", root, []string{"--html", fixture.ExampleDir}, 1 << 20},
		{"deepseek-v3", "treemap-deepseek-v3.png", dir, []string{"--html", "--headers-only", "DeepSeek-V3"}, 3_000_000},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(c.cwd)
			start := time.Now()
			out, errOut, status := tc(c.args...)
			summary := time.Since(start)
			require.Equal(t, exitOK, status, errOut)
			require.Less(t, len(out), c.maxBytes, "page size")
			require.NotContains(t, out, "http://")
			require.NotContains(t, out, "https://")
			page := filepath.Join(dir, c.name+".html")
			require.NoError(t, os.WriteFile(page, []byte(out), 0o644))

			ctx := context.Background()
			dom, res, err := b.DOM(ctx, page)
			require.NoError(t, err)
			require.Contains(t, dom, `<svg class="treemap"`, "the page loaded with its treemap")
			require.Greater(t, strings.Count(dom, `<rect class="tm"`), 10)
			require.Empty(t, browser.ConsoleErrors(res.Stderr))

			png := filepath.Join(dir, c.name+".png")
			shot, err := b.Screenshot(ctx, page, png, 1280, 2400)
			require.NoError(t, err)
			img, err := browser.Decode(png)
			require.NoError(t, err)
			band := inkBand(img, 0.85)
			require.GreaterOrEqual(t, band.Dy(), 600, "a band as tall as the treemap is drawn (found %v)", band)
			st := browser.Measure(img, band, color.White)
			require.Greater(t, st.InkFraction(), 0.85, "treemap band %v: %+v", band, st)
			require.GreaterOrEqual(t, st.Colors, 4, "treemap band %v is drawn in several colours: %+v", band, st)
			t.Logf("%s: page %d bytes, summary and page %v, DOM load %v, screenshot %v; treemap band %v, ink %.1f%%, %d colours",
				c.name, len(out), summary.Round(time.Millisecond), res.Elapsed.Round(time.Millisecond),
				shot.Elapsed.Round(time.Millisecond), band, 100*st.InkFraction(), st.Colors)

			if *update {
				top := image.Rect(0, 0, img.Bounds().Dx(), min(band.Max.Y+24, img.Bounds().Dy()))
				writePNG(t, filepath.Join(root, "docs", c.shot), img, top)
			}
		})
	}
}

// inkBand returns the tallest run of whole rows of img in which more than
// frac of the pixels are not white: on the page, the treemap.
func inkBand(img image.Image, frac float64) image.Rectangle {
	bd := img.Bounds()
	best, start := image.Rectangle{}, -1
	for y := bd.Min.Y; y <= bd.Max.Y; y++ {
		full := false
		if y < bd.Max.Y {
			full = browser.Measure(img, image.Rect(bd.Min.X, y, bd.Max.X, y+1), color.White).InkFraction() > frac
		}
		switch {
		case full && start < 0:
			start = y
		case !full && start >= 0:
			if y-start > best.Dy() {
				best = image.Rect(bd.Min.X, start, bd.Max.X, y)
			}
			start = -1
		}
	}
	return best
}

// writePNG writes the part r of img to path.
func writePNG(t *testing.T, path string, img image.Image, r image.Rectangle) {
	t.Helper()
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	require.True(t, ok)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	require.NoError(t, err)
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	require.NoError(t, enc.Encode(f, sub.SubImage(r)))
	require.NoError(t, f.Close())
}
