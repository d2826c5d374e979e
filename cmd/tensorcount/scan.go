package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/report"
	"github.com/tensorcount/tensorcount/scan"
)

var scanCommand = &command{
	name:    "scan",
	usage:   "[flags] PATH",
	summary: "read every value: NaN/Inf, all-zero, constant, duplicate tensors, stats",
	long: `
Reads every tensor once, in parallel, at close to memory speed, and reports
per tensor NaN, +Inf, −Inf and zero counts, min, max, mean and standard
deviation (over the finite values, in float64), for F64, F32, F16, BF16,
F8_E4M3, F8_E5M2, the integer types and BOOL, and GGUF Q8_0 and Q4_0
dequantised; other dtypes are listed as not scanned, with the reason.

Findings come first: tensors holding NaN or Inf, all-zero and constant
tensors (placeholders), groups of byte-identical tensors (a tied weight
stored twice, duplicated experts; found by hash, confirmed byte by byte) and
norms whose every value is 1 (never trained). The text shows the tensors
with findings (--all: every tensor); --json gives schema tensorcount/scan/v1
with every tensor. A progress bar (bytes done of the total, rate, time left)
is drawn on stderr when it is a terminal. Exit status 4 when NaN or Inf was
found; other findings do not change the status.`,
	paths: 1,
	flags: func(fs *pflag.FlagSet, f *flagValues) {
		addJSON(fs, f)
		fs.BoolVar(&f.all, "all", false, "list the statistics of every tensor, not only those with findings")
		fs.BoolVar(&f.quiet, "quiet", false, "draw no progress bar")
		fs.IntVar(&f.workers, "workers", 0, "tensors read in parallel (default: one per core)")
		addDisplay(fs, f)
	},
	run: func(e *env, inv *invocation) int {
		if isRemoteArg(inv.args[0]) {
			fmt.Fprintf(e.stderr, "tensorcount: scan: %s: %s\n", text.Safe(inv.args[0]), scanRefusal)
			return exitUsage
		}
		m, err := model.LoadWith(inv.args[0], inv.f.modelOptions())
		if err != nil {
			return e.fail(err)
		}
		opt := scan.Options{Workers: inv.f.workers}
		var p *progress
		if !inv.f.quiet && isTerminal(e.stderr) {
			p = startProgress(e.stderr, scanBytes(m))
			opt.Progress = p.add
		}
		r, err := scan.Model(context.Background(), m, opt)
		p.stop()
		if err != nil {
			return e.fail(err)
		}
		if inv.f.json {
			err = report.WriteScanJSON(e.stdout, r)
		} else {
			err = report.WriteScanText(e.stdout, r, inv.f.all, inv.f.reportOptions(e))
		}
		if err != nil {
			return exitRead
		}
		if r.NaNOrInf() {
			return exitNaN
		}
		return exitOK
	},
}
