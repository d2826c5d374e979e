package htmlpage_test

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/htmlpage"
	"github.com/tensorcount/tensorcount/htmlpage/synthetic"
	"github.com/tensorcount/tensorcount/internal/browser"
	"github.com/tensorcount/tensorcount/treemap"
)

var screenshots = flag.String("screenshots", os.Getenv("TENSORCOUNT_SCREENSHOTS"),
	"with -update, write the browser test's screenshots to this directory (default $TENSORCOUNT_SCREENSHOTS)")

// TestBrowser renders the pages in headless Chromium with the network
// off: the DOM must be complete with no console or load error, and the
// treemap must be painted, large and in several of the palette's colours.
func TestBrowser(t *testing.T) {
	b := browser.Require(t)
	dir := t.TempDir()
	a, bb, changed := diffPages()
	var diff bytes.Buffer
	require.NoError(t, htmlpage.RenderDiff(&diff, a, bb, changed))
	pages := []struct {
		name string
		page []byte
		// the treemap's size in CSS px (the diff's two halves together,
		// from the left edge of one to the right edge of the other)
		w, h int
	}{
		{"llama", render(t, synthetic.Llama()), 1160, 720},
		{"deepseek", render(t, synthetic.DeepSeekV3()), 1160, 720},
		{"hybrid", render(t, hybrid()), 1160, 720},
		{"diff", diff.Bytes(), 1160, 720},
		{"hostile", render(t, hostile()), 1160, 720},
	}
	blank := filepath.Join(dir, "blank.html")
	require.NoError(t, os.WriteFile(blank, []byte("<!DOCTYPE html><html><body><footer id=\"tensorcount-end\">x</footer></body></html>"), 0o644))
	base, err := b.Screenshot(context.Background(), blank, filepath.Join(dir, "blank.png"), 1200, 800)
	require.NoError(t, err)
	t.Logf("blank page: chromium ran %v (start-up and exit)", base.Elapsed.Round(1e6))

	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			file := filepath.Join(dir, p.name+".html")
			require.NoError(t, os.WriteFile(file, p.page, 0o644))

			dom, res, err := b.DOM(context.Background(), file)
			require.NoError(t, err)
			require.Contains(t, dom, `id="tensorcount-end"`, "the page did not load to its end")
			require.Contains(t, dom, `class="treemap"`)
			require.NotContains(t, dom, "<script")
			require.Empty(t, browser.ConsoleErrors(res.Stderr))

			png := filepath.Join(dir, p.name+".png")
			res, err = b.Screenshot(context.Background(), file, png, 1200, 1300)
			require.NoError(t, err)
			t.Logf("%s: %d bytes, chromium ran %v (blank page %v)", p.name, len(p.page), res.Elapsed.Round(1e6), base.Elapsed.Round(1e6))
			img, err := browser.Decode(png)
			require.NoError(t, err)
			// The treemap starts where its root's fill does and is
			// w × h px: all of it painted, in several role colours.
			found := paletteBox(img)
			require.False(t, found.Empty(), "no treemap found in the screenshot")
			box := image.Rect(found.Min.X, found.Min.Y, found.Min.X+p.w, found.Min.Y+p.h)
			require.True(t, box.In(img.Bounds()), "treemap %v outside the screenshot %v", box, img.Bounds())
			require.GreaterOrEqual(t, found.Dx(), p.w-4, "treemap narrower than drawn")
			colours := roleColours(img, box)
			st := browser.Measure(img, box, color.White)
			t.Logf("%s: treemap at %v, %.1f%% painted, %d role colours, %d colours", p.name, box, 100*st.InkFraction(), colours, st.Colors)
			require.GreaterOrEqual(t, colours, 3)
			require.Greater(t, st.InkFraction(), 0.9, "treemap region partly blank: %+v", st)
			require.Greater(t, st.Colors, 8)

			if *update && *screenshots != "" {
				require.NoError(t, os.MkdirAll(*screenshots, 0o755))
				data, err := os.ReadFile(png)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(*screenshots, "treemap-"+p.name+".png"), data, 0o644))
				full := filepath.Join(*screenshots, "page-"+p.name+".png")
				_, err = b.Screenshot(context.Background(), file, full, 1200, 3600)
				require.NoError(t, err)
			}
		})
	}
}

// paletteBox is the bounding box of the pixels painted in the fill of
// the treemap's groupings (treemap.MixedColor, used nowhere else) in runs
// of 40 px or more.
func paletteBox(img image.Image) image.Rectangle {
	hex := func(s string) [3]uint8 {
		var r, g, b uint8
		_, _ = sscanHex(s, &r, &g, &b)
		return [3]uint8{r, g, b}
	}
	at := func(x, y int) [3]uint8 {
		r, g, b, _ := img.At(x, y).RGBA()
		return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
	}
	mixed := hex(treemap.MixedColor)
	box := image.Rectangle{}
	first := true
	bounds := img.Bounds()
	// Runs of 40 px or more: stray anti-aliased pixels do not count.
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		run := 0
		for x := bounds.Min.X; x <= bounds.Max.X; x++ {
			if x < bounds.Max.X && at(x, y) == mixed {
				run++
				continue
			}
			if run >= 40 {
				p := image.Rect(x-run, y, x, y+1)
				if first {
					box, first = p, false
				} else {
					box = box.Union(p)
				}
			}
			run = 0
		}
	}
	return box
}

// roleColours counts the role colours painted in box.
func roleColours(img image.Image, box image.Rectangle) int {
	want := map[[3]uint8]bool{}
	for _, s := range treemap.Palette() {
		var r, g, b uint8
		_, _ = sscanHex(s.Color, &r, &g, &b)
		want[[3]uint8{r, g, b}] = true
	}
	seen := map[[3]uint8]bool{}
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if c := [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}; want[c] {
				seen[c] = true
			}
		}
	}
	return len(seen)
}

func sscanHex(s string, r, g, b *uint8) (int, error) {
	s = strings.TrimPrefix(s, "#")
	var v [3]uint8
	for i := range 3 {
		var x uint8
		for _, c := range s[2*i : 2*i+2] {
			x <<= 4
			switch {
			case c >= '0' && c <= '9':
				x |= uint8(c - '0')
			case c >= 'A' && c <= 'F':
				x |= uint8(c-'A') + 10
			case c >= 'a' && c <= 'f':
				x |= uint8(c-'a') + 10
			}
		}
		v[i] = x
	}
	*r, *g, *b = v[0], v[1], v[2]
	return 3, nil
}
