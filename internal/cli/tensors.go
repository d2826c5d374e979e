package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/report"
)

func runTensors(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("tensors", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	if done, st := parse(fs, args, stdout, stderr); done {
		return st
	}
	if fs.NArg() != 1 {
		return usageError(stderr, "tensors takes one PATH")
	}
	m, err := model.Load(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "tensorcount: %v\n", err)
		return ExitRead
	}
	l := report.Tensors(m)
	if *asJSON {
		err = l.WriteJSON(stdout)
	} else {
		err = l.WriteText(stdout)
	}
	if err != nil {
		return ExitRead
	}
	return ExitOK
}
