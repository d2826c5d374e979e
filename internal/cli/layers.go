package cli

import "io"

func runLayers(args []string, stdout, stderr io.Writer) int {
	inv, status, done := start("layers", args, 1, stdout, stderr, nil)
	if done {
		return status
	}
	r, err := build(inv.fs.Arg(0), inv.opt, inv.out.claim)
	if err != nil {
		return inv.fail(err)
	}
	if inv.out.json {
		return written(r.WriteLayersJSON(stdout))
	}
	return written(r.WriteLayersText(stdout))
}
