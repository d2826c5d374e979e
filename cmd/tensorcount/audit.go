package main

import (
	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/audit"
	"github.com/tensorcount/tensorcount/report"
)

var auditCommand = &command{
	name:    "audit",
	usage:   "[flags] PATH|SOURCE",
	summary: "every size claim found against the measured figures; exit 3 on a mismatch",
	long: `
Finds every size claim about PATH — the directory, cache entry and file
names, the README.md model card, GGUF general.size_label/name/basename and
general.parameter_count, the index's metadata.total_parameters — and judges
each against the measured figures, with the user's --claim first.

"7B" spans 6.5B–7.5B (precision follows the text: "0.49B" is far tighter).
A claim without a qualifier is a claim about the total parameters (of the
main language model where vision or MTP layers sit beside it); "A3B" claims
active parameters, and a model card's "non-embedding" line the non-embedding
count. It matches when that figure lies in the claim's range, is close
within ±5%, and is a mismatch beyond; the explanation names any other figure
the number happens to equal. "8x7B" and "E2B" are labels, explained rather
than judged.`,
	paths: 1,
	flags: func(fs *pflag.FlagSet, f *flagValues) {
		addClaim(fs, f)
		addJSON(fs, f)
		addMarkdown(fs, f)
		addHeadersOnly(fs, f)
		addRemote(fs, f)
		addDisplay(fs, f)
	},
	run: func(e *env, inv *invocation) int {
		s, _, err := summarize(e, inv.args[0], &inv.f)
		if err != nil {
			return e.fail(err)
		}
		switch {
		case inv.f.json:
			err = report.WriteJSON(e.stdout, s)
		case inv.f.markdown:
			err = report.WriteMarkdown(e.stdout, s, inv.f.reportOptions(e))
		default:
			err = report.WriteAudit(e.stdout, s, inv.f.reportOptions(e))
		}
		if err != nil {
			return exitRead
		}
		if audit.Mismatch(s.Claims) {
			return exitMismatch
		}
		return exitOK
	},
}
