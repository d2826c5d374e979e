package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/audit"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/report"
)

// flagValues holds every flag any subcommand has; each subcommand
// registers only those that apply to it, so that any other is a usage
// error.
type flagValues struct {
	json, markdown, exact, headersOnly, wide, full bool
	html, svg, followLinks                         bool
	ctx, tokens, claim, color                      string

	// tensors
	role, match, sort string
	layer             int

	// scan
	all, quiet bool
	workers    int

	// remote SOURCEs (source.go)
	remote remoteFlags

	// parsed by check
	ctxN, tokensN uint64
}

// addFollowLinks registers --follow-links, which every command reading a
// model has.
func addFollowLinks(fs *pflag.FlagSet, f *flagValues) {
	fs.BoolVar(&f.followLinks, "follow-links", false, "follow symbolic links in the model directory wherever they point (by default only links that stay inside it, or a cache snapshot's links into its blobs/)")
}

func addJSON(fs *pflag.FlagSet, f *flagValues) {
	fs.BoolVar(&f.json, "json", false, "print JSON (an array when several PATHs are given)")
}

func addMarkdown(fs *pflag.FlagSet, f *flagValues) {
	fs.BoolVar(&f.markdown, "markdown", false, "print Markdown, for a model card")
}

func addPicture(fs *pflag.FlagSet, f *flagValues) {
	fs.BoolVar(&f.html, "html", false, "print one self-contained HTML page (treemap, per-layer bars, 12·L·d², memory, tables) for one PATH")
	fs.BoolVar(&f.svg, "svg", false, "print the treemap of where the parameters are as an SVG file, for one PATH")
}

func addExact(fs *pflag.FlagSet, f *flagValues) {
	fs.BoolVar(&f.exact, "exact", false, "print exact integers in tables instead of 8.03B-style units")
}

func addHeadersOnly(fs *pflag.FlagSet, f *flagValues) {
	fs.BoolVar(&f.headersOnly, "headers-only", false, "read nothing but headers: skip comparing a stored head with the embedding and reading packed-weight descriptions")
}

func addCosts(fs *pflag.FlagSet, f *flagValues) {
	fs.StringVar(&f.ctx, "ctx", "", "add the KV-cache size for a context of N tokens (4096, 128k, 1M)")
	fs.StringVar(&f.tokens, "tokens", "", "add the training compute 6·N·D for D tokens (2T, 15e12, …)")
}

func addClaim(fs *pflag.FlagSet, f *flagValues) {
	fs.StringVar(&f.claim, "claim", "", "a claimed size to audit (7B, 0.5B, 135M, 8x7B, 30B-A3B)")
}

func addDisplay(fs *pflag.FlagSet, f *flagValues) {
	fs.BoolVar(&f.wide, "wide", false, "do not fit text to 80 columns (or the terminal's width)")
	fs.StringVar(&f.color, "color", "auto", "colour findings and verdicts: auto (on a terminal, unless NO_COLOR is set), always or never")
}

// check validates the flags that were registered and parses counts.
func (f *flagValues) check(fs *pflag.FlagSet) error {
	var outputs []string
	for _, o := range []struct {
		name string
		set  bool
	}{{"--json", f.json}, {"--markdown", f.markdown}, {"--html", f.html}, {"--svg", f.svg}} {
		if o.set {
			outputs = append(outputs, o.name)
		}
	}
	if len(outputs) > 1 {
		return fmt.Errorf("%s and %s exclude each other", outputs[0], outputs[1])
	}
	switch f.color {
	case "", "auto", "always", "never":
	default:
		return fmt.Errorf("--color %q: want auto, always or never", f.color)
	}
	if f.ctx != "" {
		n, err := parseCount(f.ctx)
		if err != nil {
			return fmt.Errorf("--ctx %q: %v", f.ctx, err)
		}
		if n > math.MaxInt32 {
			return fmt.Errorf("--ctx %q: more tokens than any model's context (limit %d)", f.ctx, math.MaxInt32)
		}
		f.ctxN = n
	}
	if f.tokens != "" {
		n, err := parseCount(f.tokens)
		if err != nil {
			return fmt.Errorf("--tokens %q: %v", f.tokens, err)
		}
		f.tokensN = n
	}
	if f.claim != "" {
		if _, err := audit.ParseUserClaim(f.claim); err != nil {
			return fmt.Errorf("--claim %v", err)
		}
	}
	if f.workers < 0 {
		return fmt.Errorf("--workers must not be negative")
	}
	return nil
}

// countOptions are what the flags ask of the count.
func (f *flagValues) countOptions() count.Options {
	return count.Options{Context: int(f.ctxN), Tokens: f.tokensN, NoData: f.headersOnly}
}

// reportOptions are what the flags ask of the rendering, for output to e.
func (f *flagValues) reportOptions(e *env) report.Options {
	opt := report.Options{Exact: f.exact}
	switch {
	case f.wide:
		opt.Width = -1
	default:
		opt.Width = max(terminalWidth(e.stdout), 0)
	}
	switch f.color {
	case "always":
		opt.Color = true
	case "auto":
		opt.Color = isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""
	}
	return opt
}

// parseCount reads a count written plainly or with a decimal suffix:
// 15000000, 15e12, 2T, 300B, 1.5M, 128k (128,000; write 131072 for
// 128 Ki).
func parseCount(s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("not a count")
	}
	mult := 1.0
	switch suffix := strings.ToUpper(s[len(s)-1:]); suffix {
	case "K":
		mult = 1e3
	case "M":
		mult = 1e6
	case "B", "G":
		mult = 1e9
	case "T":
		mult = 1e12
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil && mult == 1 {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || f*mult >= 1.8e19 {
		return 0, fmt.Errorf("not a count")
	}
	return uint64(f * mult), nil
}
