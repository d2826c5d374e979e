package main

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/report"
)

var layersCommand = &command{
	name:    "layers",
	usage:   "[flags] PATH|SOURCE",
	summary: "per-layer totals by role",
	long: `
One row per block of each component: its tensors, parameters and the
parameters of each role present. Tensors outside any block (embeddings,
final norm, head) form the row "–".`,
	paths: 1,
	flags: func(fs *pflag.FlagSet, f *flagValues) {
		addJSON(fs, f)
		addExact(fs, f)
		addHeadersOnly(fs, f)
		addRemote(fs, f)
		addDisplay(fs, f)
	},
	run: func(e *env, inv *invocation) int {
		r, err := load(e, inv.args[0], &inv.f)
		if err != nil {
			return e.fail(err)
		}
		if inv.f.json {
			return written(report.WriteLayersJSON(e.stdout, r))
		}
		return written(report.WriteLayersText(e.stdout, r, inv.f.reportOptions(e)))
	},
}

// load loads and counts a PATH or SOURCE.
func load(e *env, path string, f *flagValues) (*count.Report, error) {
	m, err := loadModel(context.Background(), e, path, f)
	if err != nil {
		return nil, err
	}
	r, err := count.Build(m, f.countOptions())
	if err != nil {
		return nil, err
	}
	settleMemory(r.Tensors)
	return r, nil
}
