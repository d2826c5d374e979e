package main

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/diff"
	"github.com/tensorcount/tensorcount/report"
)

var diffCommand = &command{
	name:    "diff",
	usage:   "[flags] A B",
	summary: "structural diff of two checkpoints; exit 0 same, 1 different, 2 trouble",
	long: `
Compares two checkpoints, in any mix of formats: tensors on one side only,
shape and dtype changes, parameters by role, and how each side ties its
embeddings. Tensors are matched by name, or by the GGUF name a Hugging Face
name maps to when the formats differ.

As diff(1) and cmp(1): exit status 0 when the checkpoints do not differ,
1 when they do, 2 for trouble (a usage error, or a file that cannot be read).`,
	paths: 2,
	flags: func(fs *pflag.FlagSet, f *flagValues) {
		addJSON(fs, f)
		fs.BoolVar(&f.html, "html", false, "print one self-contained HTML page: both treemaps side by side on one scale, changed tensors outlined")
		addHeadersOnly(fs, f)
		addRemote(fs, f)
		addDisplay(fs, f)
	},
	run: func(e *env, inv *invocation) int {
		var rs [2]*count.Report
		for i, path := range inv.args {
			m, err := loadModel(context.Background(), e, path, &inv.f)
			if err == nil {
				rs[i], err = count.Build(m, inv.f.countOptions())
			}
			if err != nil {
				e.fail(err)
				return exitUsage // trouble, as diff(1) says it
			}
		}
		d, err := diff.Compare(rs[0], rs[1])
		if err != nil {
			e.fail(err)
			return exitUsage
		}
		switch {
		case inv.f.html:
			err = report.WriteDiffHTML(e.stdout, report.Summary{Report: rs[0]}, report.Summary{Report: rs[1]}, d)
		case inv.f.json:
			err = report.WriteDiffJSON(e.stdout, d)
		default:
			err = report.WriteDiffText(e.stdout, d, inv.f.reportOptions(e))
		}
		if err != nil {
			return exitUsage
		}
		if d.Same {
			return exitOK
		}
		return 1
	},
}
