package main

import (
	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/report"
)

var tensorsCommand = &command{
	name:    "tensors",
	usage:   "[flags] PATH|SOURCE",
	summary: "one row per tensor: name, role, layer, dtype, shape, elements, bytes",
	long: `
One row per tensor, in file order unless --sort says otherwise, with the
role, component and layer the count settled on. GGUF listings show both
dimension orders: PyTorch's and the file's (ne order, as gguf_dump prints).`,
	paths: 1,
	flags: func(fs *pflag.FlagSet, f *flagValues) {
		addJSON(fs, f)
		fs.StringVar(&f.role, "role", "", "only tensors of this role (attention, ffn, expert, norm, …)")
		fs.IntVar(&f.layer, "layer", 0, "only tensors of this layer (-1: outside any block)")
		fs.StringVar(&f.match, "match", "", "only tensors whose name matches this glob (\"*.q_proj.*\")")
		fs.StringVar(&f.sort, "sort", "file", "order: file, name or size (most parameters first)")
		addHeadersOnly(fs, f)
		addRemote(fs, f)
		addDisplay(fs, f)
	},
	run: func(e *env, inv *invocation) int {
		q := report.TensorQuery{Role: inv.f.role, Match: inv.f.match, Sort: inv.f.sort}
		if inv.fs.Changed("layer") {
			q.Layer = &inv.f.layer
		}
		if err := q.Check(); err != nil {
			return e.usageError("tensors: " + err.Error())
		}
		r, err := load(e, inv.args[0], &inv.f)
		if err != nil {
			return e.fail(err)
		}
		l := report.Tensors(r, q)
		if inv.f.json {
			return written(l.WriteJSON(e.stdout))
		}
		return written(l.WriteText(e.stdout, inv.f.reportOptions(e)))
	},
}
