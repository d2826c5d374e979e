package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/audit"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/report"
)

var summaryCommand = &command{
	name:    "tensorcount",
	usage:   "[flags] PATH|SOURCE...",
	summary: "totals, roles, dtypes, 12·L·d² check, costs, architecture, notes",
	long: `
Counts the tensors and learned parameters of each PATH and says where they
live: roles, components, dtypes, the 12·L·d² comparison term by term, memory
and compute costs, the architecture facts found and a note for everything
excluded, unpacked, tied or inferred.

PATH is a .safetensors or .gguf file, a *.safetensors.index.json, a model
directory, a split GGUF part, a Hugging Face cache entry (models--org--name)
or an Ollama blob. A directory with an index is counted through the index;
weight files the index does not name are listed in a note and not counted.
` + strings.TrimPrefix(sourceHelp, "\n") + `

--html prints one self-contained page about one PATH (a treemap of where
the parameters are, per-layer bars, the 12·L·d² terms, memory, tables);
--svg prints the treemap alone.`,
	paths: 0,
	flags: func(fs *pflag.FlagSet, f *flagValues) {
		addJSON(fs, f)
		addMarkdown(fs, f)
		addPicture(fs, f)
		addExact(fs, f)
		addCosts(fs, f)
		addClaim(fs, f)
		addHeadersOnly(fs, f)
		addRemote(fs, f)
		addDisplay(fs, f)
	},
	run: runSummary,
}

func runSummary(e *env, inv *invocation) int {
	f := &inv.f
	opt := f.reportOptions(e)
	if (f.html || f.svg) && len(inv.args) != 1 {
		flag := "--html"
		if f.svg {
			flag = "--svg"
		}
		return e.usageError(flag + " takes one PATH: the page is about one model")
	}
	status := exitOK
	var sums []report.Summary
	var errs []report.PathError
	for i, path := range inv.args {
		s, m, err := summarize(e, path, f)
		if err == nil && warnDangerous(e, m) != exitOK && status == exitOK {
			status = exitUnsafe
		}
		if err != nil {
			status = e.fail(err)
			sums = append(sums, report.Summary{})
			errs = append(errs, report.PathError{Path: path, Err: err})
			continue
		}
		sums = append(sums, s)
		errs = append(errs, report.PathError{})
		if f.json {
			continue
		}
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		switch {
		case f.html:
			err = report.WriteHTML(e.stdout, s, opt)
		case f.svg:
			err = report.WriteSVG(e.stdout, s, opt)
		case f.markdown:
			err = report.WriteMarkdown(e.stdout, s, opt)
		default:
			err = report.WriteText(e.stdout, s, opt)
		}
		if err != nil {
			return exitRead
		}
	}
	if f.json {
		var err error
		if len(inv.args) == 1 {
			if status == exitOK {
				err = report.WriteJSON(e.stdout, sums[0])
			}
		} else {
			err = report.WriteJSONList(e.stdout, sums, errs)
		}
		if err != nil {
			return exitRead
		}
	}
	return status
}

// summarize loads path, counts it and audits its claims (the user's
// claim first).
func summarize(e *env, path string, f *flagValues) (report.Summary, *model.Model, error) {
	m, err := loadModel(context.Background(), e, path, f)
	if err != nil {
		return report.Summary{}, nil, err
	}
	claim := f.claim
	r, err := count.Build(m, f.countOptions())
	if err != nil {
		return report.Summary{}, nil, err
	}
	settleMemory(r.Tensors)
	vs, err := audit.Audit(m, r, claim)
	if err != nil {
		return report.Summary{}, nil, err
	}
	return report.Summary{Report: r, Claims: vs}, m, nil
}
