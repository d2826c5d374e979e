package main

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/diff"
	"github.com/tensorcount/tensorcount/model"
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
		// Text and JSON need only a checkpoint of each side, a tenth of
		// its model's memory: the first model goes before the second is
		// loaded. The picture draws both models, which it keeps.
		var rs [2]*count.Report
		var cs [2]*diff.Checkpoint
		for i, path := range inv.args {
			r, c, err := loadCheckpoint(e, path, &inv.f, i == 0 && !inv.f.html)
			if err != nil {
				e.fail(err)
				return exitUsage // trouble, as diff(1) says it
			}
			cs[i] = c
			if inv.f.html {
				rs[i] = r
			}
		}
		d := diff.CompareCheckpoints(cs[0], cs[1])
		var err error
		switch {
		case inv.f.html:
			if d, err = diff.Compare(rs[0], rs[1]); err != nil {
				e.fail(err)
				return exitUsage
			}
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

// loadCheckpoint loads and counts the model at path and keeps a
// checkpoint of it. letGoAfter collects the model's memory before it
// returns, for a caller that keeps only the checkpoint and loads another
// model next.
func loadCheckpoint(e *env, path string, f *flagValues, letGoAfter bool) (*count.Report, *diff.Checkpoint, error) {
	m, err := loadModel(context.Background(), e, path, f)
	if err != nil {
		return nil, nil, err
	}
	// The count and the checkpoint finish the load: what they leave
	// behind is the model, which model.LetGo collects, so a collection on
	// the way would only mark it. The collection comes before the next
	// load, whose allowance is measured from the heap's objects, garbage
	// included (startLoad).
	defer startLoad()()
	r, err := count.Build(m, f.countOptions())
	if err != nil {
		return nil, nil, err
	}
	// A side that stays loaded (the last, or both for the picture) lends
	// the checkpoint its names.
	newCheckpoint := diff.NewCheckpointSharing
	if letGoAfter {
		newCheckpoint = diff.NewCheckpoint
	}
	c, err := newCheckpoint(r)
	if err != nil {
		return nil, nil, err
	}
	if letGoAfter {
		n, format := r.Tensors, m.Format
		m, r = nil, nil
		model.LetGo(format, n)
	}
	return r, c, nil
}
