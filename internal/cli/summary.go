package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/model"
	"github.com/tensorcount/tensorcount/report"
)

// outputFlags are the flags every reporting subcommand shares.
type outputFlags struct {
	json, markdown, exact, noData bool
	ctx                           int
	tokens, claim                 string
}

func (o *outputFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "")
	fs.BoolVar(&o.markdown, "markdown", false, "")
	fs.BoolVar(&o.exact, "exact", false, "")
	fs.BoolVar(&o.noData, "headers-only", false, "")
	fs.IntVar(&o.ctx, "ctx", 0, "")
	fs.StringVar(&o.tokens, "tokens", "", "")
	fs.StringVar(&o.claim, "claim", "", "")
}

// options validates the flags and turns them into report options.
func (o *outputFlags) options() (report.Options, error) {
	opt := report.Options{Exact: o.exact, Context: o.ctx, NoData: o.noData}
	if o.json && o.markdown {
		return opt, fmt.Errorf("--json and --markdown exclude each other")
	}
	if o.ctx < 0 {
		return opt, fmt.Errorf("--ctx must not be negative")
	}
	if o.claim != "" {
		if _, ok := model.ParseClaim(o.claim); !ok {
			return opt, claimError(o.claim)
		}
	}
	if o.tokens != "" {
		n, err := parseCount(o.tokens)
		if err != nil {
			return opt, fmt.Errorf("--tokens %q: %v", o.tokens, err)
		}
		opt.Tokens = n
	}
	return opt, nil
}

// parseCount reads a count written plainly or with a suffix: 15000000,
// 15e12, 2T, 300B, 1.5M.
func parseCount(s string) (uint64, error) {
	mult := 1.0
	switch suffix := strings.ToUpper(s[len(s)-1:]); suffix {
	case "K":
		mult = 1e3
	case "M":
		mult = 1e6
	case "B", "G":
		mult = 1e9
	case "T":
		mult = 1e12
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f*mult > 1e19 {
		return 0, fmt.Errorf("not a count")
	}
	return uint64(f * mult), nil
}

func runSummary(args []string, stdout, stderr io.Writer) int {
	inv, status, done := start("tensorcount", args, 0, stdout, stderr, nil)
	if done {
		return status
	}
	o := &inv.out
	var reports []*report.Report
	for _, path := range inv.fs.Args() {
		r, err := build(path, inv.opt, o.claim)
		if err != nil {
			status = inv.fail(err)
			continue
		}
		if o.json {
			reports = append(reports, r)
			continue
		}
		if len(reports) > 0 || status != ExitOK {
			fmt.Fprintln(stdout)
		}
		reports = append(reports, r)
		if o.markdown {
			err = r.WriteMarkdown(stdout)
		} else {
			err = r.WriteText(stdout)
		}
		if err != nil {
			return ExitRead
		}
	}
	if o.json {
		var err error
		if inv.fs.NArg() == 1 {
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

// build loads path, counts it and audits its claims (the user's claim
// first).
func build(path string, opt report.Options, claim string) (*report.Report, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	cs := claims(m, claim)
	r, err := report.Build(m, opt)
	if err != nil {
		return nil, err
	}
	r.Audit(cs)
	return r, nil
}
