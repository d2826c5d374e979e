package cli

import (
	"fmt"
	"io"

	"github.com/tensorcount/tensorcount/model"
)

func runAudit(args []string, stdout, stderr io.Writer) int {
	inv, status, done := start("audit", args, 1, stdout, stderr, nil)
	if done {
		return status
	}
	r, err := build(inv.fs.Arg(0), inv.opt, inv.out.claim)
	if err != nil {
		return inv.fail(err)
	}
	switch {
	case inv.out.json:
		err = r.WriteJSON(stdout)
	case inv.out.markdown:
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
// those found beside the weights. The claim was checked by options.
func claims(m *model.Model, claim string) []model.Claim {
	var out []model.Claim
	if claim != "" {
		if c, ok := model.ParseClaim(claim); ok {
			c.Source = "--claim"
			out = append(out, c.Parts()...)
		}
	}
	return append(out, m.Claims...)
}

// claimError says why a --claim text is not a size.
func claimError(claim string) error {
	return fmt.Errorf("--claim %q is not a size (examples: 7B, 0.5B, 135M, 8x7B, 30B-A3B)", claim)
}
