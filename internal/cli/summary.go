package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/report"
)

func runSummary(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("tensorcount", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	if done, st := parse(fs, args, stdout, stderr); done {
		return st
	}
	if fs.NArg() == 0 {
		return usageError(stderr, "no PATH given")
	}
	status := ExitOK
	var reports []*report.Report
	for i, path := range fs.Args() {
		r, err := build(path)
		if err != nil {
			fmt.Fprintf(stderr, "tensorcount: %v\n", err)
			status = ExitRead
			continue
		}
		if *asJSON {
			reports = append(reports, r)
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := r.WriteText(stdout); err != nil {
			return ExitRead
		}
	}
	if *asJSON {
		var err error
		if fs.NArg() == 1 {
			if len(reports) == 1 {
				err = reports[0].WriteJSON(stdout)
			}
		} else {
			err = report.WriteJSONList(stdout, reports)
		}
		if err != nil {
			return ExitRead
		}
	}
	return status
}

func build(path string) (*report.Report, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	return report.Build(m, report.Options{})
}
