package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/model"
)

func runAudit(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("audit", pflag.ContinueOnError)
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
		return usageError(stderr, "audit takes one PATH")
	}
	if o.claim != "" {
		if _, ok := model.ParseClaim(o.claim); !ok {
			return usageError(stderr, fmt.Sprintf("--claim %q is not a size (examples: 7B, 0.5B, 135M, 8x7B, 30B-A3B)", o.claim))
		}
	}
	r, err := build(fs.Arg(0), opt, o.claim)
	if err != nil {
		fmt.Fprintf(stderr, "tensorcount: %v\n", err)
		return ExitRead
	}
	switch {
	case o.json:
		err = r.WriteJSON(stdout)
	case o.markdown:
		err = r.WriteMarkdown(stdout)
	default:
		err = r.WriteAudit(stdout)
	}
	if err != nil {
		return ExitRead
	}
	if r.Mismatch() {
		return ExitMismatch
	}
	return ExitOK
}

// claims returns the claims to audit: the user's --claim first, then
// those found beside the weights.
func claims(m *model.Model, claim string) ([]model.Claim, error) {
	var out []model.Claim
	if claim != "" {
		c, ok := model.ParseClaim(claim)
		if !ok {
			return nil, fmt.Errorf("--claim %q is not a size (examples: 7B, 0.5B, 135M, 8x7B, 30B-A3B)", claim)
		}
		c.Source = "--claim"
		out = append(out, c.Parts()...)
	}
	return append(out, m.Claims...), nil
}
