package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/format/pickle"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/report"
)

// exitUnsafe: a pickle checkpoint would import something that can run
// code when loaded with torch.load.
const exitUnsafe = 5

var importsCommand = &command{
	name:    "imports",
	usage:   "[flags] PATH|SOURCE",
	summary: "what a pickle checkpoint would import when loaded; exit 5 if dangerous",
	long: `
Lists every global a PyTorch pickle checkpoint (.bin, .pt, .pth, .ckpt)
would import when loaded with torch.load, with its byte offset in the
pickle, and classifies each as picklescan and modelscan do: safe (a data
constructor), unknown (a class only instantiated, as a pickled nn.Module
is), or dangerous (os, subprocess, builtins.exec/eval, … or any callable
the pickle would call that is not a known data constructor). Nothing a
file contains is ever executed. Exit status 5 when an import is dangerous.`,
	paths: 1,
	flags: func(fs *pflag.FlagSet, f *flagValues) {
		addJSON(fs, f)
		addRemote(fs, f)
		addDisplay(fs, f)
	},
	run: func(e *env, inv *invocation) int {
		m, err := loadModel(context.Background(), e, inv.args[0], &inv.f)
		if err != nil {
			return e.fail(err)
		}
		if inv.f.json {
			err = report.WriteImportsJSON(e.stdout, m.Path, m.Imports)
		} else {
			err = report.WriteImportsText(e.stdout, m.Path, m.Imports, inv.f.reportOptions(e))
		}
		if err != nil {
			return exitRead
		}
		if m.Dangerous() {
			return exitUnsafe
		}
		return exitOK
	},
}

// warnDangerous tells on stderr which dangerous globals loading m would
// import, and returns exit status 5 when there are any.
func warnDangerous(e *env, m *model.Model) int {
	if !m.Dangerous() {
		return exitOK
	}
	for _, i := range m.Imports {
		if i.Safety == pickle.Dangerous {
			fmt.Fprintf(e.stderr, "tensorcount: warning: %s: loading it with torch.load would import %s (byte %d of its pickle): %s\n",
				report.Escape(i.File), report.Escape(i.String()), i.Offset, report.Escape(i.Reason))
		}
	}
	return exitUnsafe
}
