package browser

import (
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMeasure(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 10, 10))
	for y := range 10 {
		for x := range 10 {
			img.Set(x, y, color.White)
		}
	}
	for x := range 5 {
		img.Set(x, 0, color.RGBA{255, 0, 0, 255})
		img.Set(x, 1, color.RGBA{0, 0, 255, 255})
	}
	img.Set(9, 9, color.RGBA{252, 252, 252, 255}) // within tolerance of white
	s := Measure(img, image.Rect(0, 0, 10, 10), color.White)
	require.Equal(t, Stats{Pixels: 100, Ink: 10, Colors: 2}, s)
	require.InDelta(t, 0.1, s.InkFraction(), 1e-9)
	require.Equal(t, 25, Measure(img, image.Rect(-5, -5, 5, 5), color.White).Pixels, "clipped to the image")
	require.Zero(t, Stats{}.InkFraction())
}

func TestConsoleErrors(t *testing.T) {
	log := strings.Join([]string{
		`[1:1:ERROR:dbus/bus.cc:405] Failed to connect to the bus`,
		`[1:1:INFO:CONSOLE(3)] "Uncaught ReferenceError: x is not defined", source: file:///p.html (3)`,
		`[1:1:ERROR:x] Failed to load resource: net::ERR_NAME_NOT_RESOLVED`,
		`plain noise`,
	}, "\n")
	got := ConsoleErrors([]byte(log))
	require.Len(t, got, 2)
	require.Contains(t, got[0], "Uncaught")
	require.Contains(t, got[1], "ERR_NAME_NOT_RESOLVED")
}

func TestFind(t *testing.T) {
	t.Setenv("CHROMIUM", filepath.Join(t.TempDir(), "no-such-browser"))
	_, err := Find()
	require.Error(t, err)
	t.Setenv("CHROMIUM", "sh")
	p, err := Find()
	require.NoError(t, err)
	require.True(t, filepath.IsAbs(p))
}

// A browser that hangs is killed, with its children, at the timeout.
func TestTimeout(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "hang")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\nsleep 60 &\nsleep 60\n"), 0o755))
	page := filepath.Join(dir, "p.html")
	require.NoError(t, os.WriteFile(page, []byte("<p>x</p>"), 0o644))
	b := &Browser{Bin: bin, Timeout: 300 * time.Millisecond}
	_, _, err := b.DOM(context.Background(), page)
	require.ErrorContains(t, err, "did not finish")
}

func TestChromium(t *testing.T) {
	b := Require(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "p.html")
	require.NoError(t, os.WriteFile(page, []byte(`<!DOCTYPE html><html><body style="margin:0;background:#fff">`+
		`<div id="marker" style="width:200px;height:100px;background:#E69F00"></div></body></html>`), 0o644))
	dom, res, err := b.DOM(context.Background(), page)
	require.NoError(t, err)
	require.Contains(t, dom, `id="marker"`)
	require.Empty(t, ConsoleErrors(res.Stderr))

	png := filepath.Join(dir, "p.png")
	_, err = b.Screenshot(context.Background(), page, png, 400, 300)
	require.NoError(t, err)
	img, err := Decode(png)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 400, 300), img.Bounds())
	s := Measure(img, image.Rect(0, 0, 200, 100), color.White)
	require.Equal(t, s.Pixels, s.Ink, "the orange block is painted")
	require.Equal(t, 1, s.Colors)
	require.Zero(t, Measure(img, image.Rect(200, 100, 400, 300), color.White).Ink)

	// What a page logs to the console is seen.
	bad := filepath.Join(dir, "bad.html")
	require.NoError(t, os.WriteFile(bad, []byte(`<!DOCTYPE html><html><body><script>console.error("boom")</script></body></html>`), 0o644))
	_, res, err = b.DOM(context.Background(), bad)
	require.NoError(t, err)
	require.NotEmpty(t, ConsoleErrors(res.Stderr))
}
