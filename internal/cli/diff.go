package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/report"
)

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("diff", pflag.ContinueOnError)
	var o outputFlags
	o.register(fs)
	if done, st := parse(fs, args, stdout, stderr); done {
		return st
	}
	opt, err := o.options()
	if err != nil {
		return usageError(stderr, err.Error())
	}
	if fs.NArg() != 2 {
		return usageError(stderr, "diff takes two PATHs, A and B")
	}
	var rs [2]*report.Report
	for i, path := range fs.Args() {
		if rs[i], err = build(path, opt, o.claim); err != nil {
			fmt.Fprintf(stderr, "tensorcount: %v\n", err)
			return ExitRead
		}
	}
	d := report.NewDiff(rs[0], rs[1])
	if o.json {
		err = d.WriteJSON(stdout)
	} else {
		err = d.WriteText(stdout)
	}
	if err != nil {
		return ExitRead
	}
	return ExitOK
}
