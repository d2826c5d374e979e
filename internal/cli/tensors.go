package cli

import (
	"io"

	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/report"
)

func runTensors(args []string, stdout, stderr io.Writer) int {
	inv, status, done := start("tensors", args, 1, stdout, stderr, nil)
	if done {
		return status
	}
	m, err := model.Load(inv.fs.Arg(0))
	if err != nil {
		return inv.fail(err)
	}
	l := report.Tensors(m)
	if inv.out.json {
		return written(l.WriteJSON(stdout))
	}
	return written(l.WriteText(stdout))
}
