package cli

import (
	"io"

	"github.com/tensorcount/tensorcount/report"
)

func runDiff(args []string, stdout, stderr io.Writer) int {
	inv, status, done := start("diff", args, 2, stdout, stderr, nil)
	if done {
		return status
	}
	var rs [2]*report.Report
	for i, path := range inv.fs.Args() {
		var err error
		if rs[i], err = build(path, inv.opt, ""); err != nil {
			return inv.fail(err)
		}
	}
	d := report.NewDiff(rs[0], rs[1])
	if inv.out.json {
		return written(d.WriteJSON(stdout))
	}
	return written(d.WriteText(stdout))
}
