// Package browser renders pages in a headless Chromium for tests: it finds
// the binary, takes a screenshot, dumps the rendered DOM, and measures
// the pixels of a PNG. Tests call Require, which skips them when no
// Chromium is installed.
//
// Chromium runs with networking features off and a fresh profile, so a
// page that needs the network fails visibly instead of fetching.
package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Candidates are the names Find looks up in PATH, in order, after the
// CHROMIUM environment variable.
var Candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"}

// Find returns the path of a Chromium binary: $CHROMIUM when set, else the
// first of Candidates in PATH.
func Find() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, c := range Candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium binary in PATH (set CHROMIUM to one)")
}

// Require returns a Browser, or skips the test when none is installed.
func Require(t testing.TB) *Browser {
	t.Helper()
	bin, err := Find()
	if err != nil {
		t.Skipf("skipping browser test: %v", err)
	}
	return &Browser{Bin: bin, Timeout: 60 * time.Second}
}

// Browser runs one Chromium binary.
type Browser struct {
	Bin string
	// Timeout bounds one run; the process group is killed when it is
	// exceeded.
	Timeout time.Duration
}

// flags keep Chromium off the network and out of the user's profile.
var flags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
	"--disable-background-networking", "--disable-component-update",
	"--disable-sync", "--no-first-run", "--disable-extensions",
	"--disable-default-apps", "--mute-audio", "--hide-scrollbars",
	// Any host name resolves to nothing, so no request can leave.
	"--host-resolver-rules=MAP * ~NOTFOUND",
}

// Result is what one run printed and how long it took.
type Result struct {
	Stdout, Stderr []byte
	Elapsed        time.Duration
}

// run starts Chromium with flags, extra arguments and the page, in its
// own process group with a fresh profile, and waits for it.
func (b *Browser) run(ctx context.Context, page string, extra ...string) (Result, error) {
	var res Result
	abs, err := filepath.Abs(page)
	if err != nil {
		return res, err
	}
	if _, err := os.Stat(abs); err != nil {
		return res, err
	}
	profile, err := os.MkdirTemp("", "browser-profile-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(profile)
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := append(append(append([]string{}, flags...), "--user-data-dir="+profile), extra...)
	args = append(args, "file://"+abs)
	cmd := exec.Command(b.Bin, args...)
	ownGroup(cmd)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "HOME="+profile)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// Kill the whole group: Chromium forks renderer and GPU processes.
		killGroup(cmd)
		<-done
		err = fmt.Errorf("chromium did not finish within %v: %w", timeout, ctx.Err())
	}
	res = Result{Stdout: out.Bytes(), Stderr: errb.Bytes(), Elapsed: time.Since(start)}
	// Renderer children may outlive a clean exit for a moment; reap them.
	killGroup(cmd)
	if err != nil {
		return res, fmt.Errorf("%w\n%s", err, tail(errb.String(), 2000))
	}
	return res, nil
}

// Screenshot renders page (a local file) in a window of w × h px and
// writes a PNG of it to out.
func (b *Browser) Screenshot(ctx context.Context, page, out string, w, h int) (Result, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return Result{}, err
	}
	_ = os.Remove(abs)
	res, err := b.run(ctx, page, "--screenshot="+abs, fmt.Sprintf("--window-size=%d,%d", w, h))
	if err != nil {
		return res, err
	}
	if _, err := os.Stat(abs); err != nil {
		return res, fmt.Errorf("chromium wrote no screenshot: %w\n%s", err, tail(string(res.Stderr), 2000))
	}
	return res, nil
}

// DOM renders page and returns the DOM after loading, with what the page
// logged to the console in Result.Stderr.
func (b *Browser) DOM(ctx context.Context, page string) (string, Result, error) {
	res, err := b.run(ctx, page, "--dump-dom", "--enable-logging=stderr", "--v=0")
	return string(res.Stdout), res, err
}

// ConsoleErrors picks out of Chromium's log the lines that report a
// problem with the page: console messages, uncaught errors and failed
// loads. Chromium's own start-up noise (D-Bus, GPU) is left out.
func ConsoleErrors(stderr []byte) []string {
	var out []string
	for _, line := range strings.Split(string(stderr), "\n") {
		switch {
		case strings.Contains(line, ":CONSOLE"),
			strings.Contains(line, "Uncaught"),
			strings.Contains(line, "net::ERR_"),
			strings.Contains(line, "Failed to load resource"),
			strings.Contains(line, "Refused to"):
			out = append(out, line)
		}
	}
	return out
}

// Decode reads a PNG file.
func Decode(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// Stats describe the pixels of a region.
type Stats struct {
	Pixels int
	// Ink is the pixels that differ from the background by more than a
	// small tolerance.
	Ink int
	// Colors is how many distinct colours the ink has, quantized to 4
	// bits a channel.
	Colors int
}

// InkFraction is Ink / Pixels.
func (s Stats) InkFraction() float64 {
	if s.Pixels == 0 {
		return 0
	}
	return float64(s.Ink) / float64(s.Pixels)
}

// Measure counts the pixels of r (clipped to the image) that are not bg.
func Measure(img image.Image, r image.Rectangle, bg color.Color) Stats {
	r = r.Intersect(img.Bounds())
	br, bgG, bb, _ := bg.RGBA()
	colors := map[uint16]bool{}
	var s Stats
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			s.Pixels++
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if near(cr, br) && near(cg, bgG) && near(cb, bb) {
				continue
			}
			s.Ink++
			colors[uint16(cr>>12)<<8|uint16(cg>>12)<<4|uint16(cb>>12)] = true
		}
	}
	s.Colors = len(colors)
	return s
}

func near(a, b uint32) bool {
	d := int(a>>8) - int(b>>8)
	return d >= -6 && d <= 6
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
