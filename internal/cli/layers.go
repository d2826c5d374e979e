package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

func runLayers(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("layers", pflag.ContinueOnError)
	var o outputFlags
	o.register(fs)
	if done, st := parse(fs, args, stdout, stderr); done {
		return st
	}
	opt, err := o.options()
	if err != nil {
		return usageError(stderr, err.Error())
	}
	if fs.NArg() != 1 {
		return usageError(stderr, "layers takes one PATH")
	}
	r, err := build(fs.Arg(0), opt, o.claim)
	if err != nil {
		fmt.Fprintf(stderr, "tensorcount: %v\n", err)
		return ExitRead
	}
	if o.json {
		err = r.WriteLayersJSON(stdout)
	} else {
		err = r.WriteLayersText(stdout)
	}
	if err != nil {
		return ExitRead
	}
	return ExitOK
}
