package report

import (
	"io"

	"github.com/tensorcount/tensorcount/audit"
	"github.com/tensorcount/tensorcount/count"
)

// Options adjusts how a report is rendered; none changes a figure.
type Options struct {
	// Exact prints exact integers in tables instead of readable units.
	Exact bool
	// Width is the line width text output fits: notes wrap at words and
	// long tensor names are shortened in the middle. 0 means 80; a
	// negative width means no limit.
	Width int
	// Color marks findings and verdicts with ANSI colours (only for a
	// terminal).
	Color bool
}

// width returns the effective line width, or a very large one.
func (o Options) width() int {
	switch {
	case o.Width == 0:
		return 80
	case o.Width < 0:
		return 1 << 30
	}
	return o.Width
}

// A Summary is what the summary renderers show: the count of one model
// and the verdicts on its size claims (the user's first).
type Summary struct {
	Report *count.Report
	Claims []audit.Verdict
}

// view is a Summary being rendered with its options.
type view struct {
	*count.Report
	claims []audit.Verdict
	opt    Options
}

func newView(s Summary, opt Options) *view {
	return &view{Report: s.Report, claims: s.Claims, opt: opt}
}

// WriteText writes the human summary: aligned tables with readable units
// and the exact integers beside them.
func WriteText(w io.Writer, s Summary, opt Options) error { return newView(s, opt).writeText(w) }

// WriteMarkdown writes the summary as Markdown for a model card.
func WriteMarkdown(w io.Writer, s Summary, opt Options) error {
	return newView(s, opt).writeMarkdown(w)
}

// WriteAudit writes the claims and their verdicts with explanations.
func WriteAudit(w io.Writer, s Summary, opt Options) error { return newView(s, opt).writeAudit(w) }

// WriteLayersText writes one row per block: its tensors, parameters and
// the parameters of each role present.
func WriteLayersText(w io.Writer, r *count.Report, opt Options) error {
	return newView(Summary{Report: r}, opt).writeLayersText(w)
}
