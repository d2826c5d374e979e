package audit

import (
	"fmt"

	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/internal/text"
	"github.com/tensorcount/tensorcount/model"
)

// Audit finds every size claim about m — the user's claim first, when
// not empty — and judges each against r, the count of m. It is the whole
// recipe behind "tensorcount audit": a library user needs nothing else.
func Audit(m *model.Model, r *count.Report, userClaim string) ([]Verdict, error) {
	var claims []Claim
	if userClaim != "" {
		c, err := ParseUserClaim(userClaim)
		if err != nil {
			return nil, err
		}
		claims = append(claims, c...)
	}
	claims = append(claims, Find(m)...)
	return Judge(r, claims), nil
}

// A ClaimError is a user's claim that is not a size.
type ClaimError struct {
	Text string
}

func (e *ClaimError) Error() string {
	return fmt.Sprintf("%s is not a size (examples: 7B, 0.5B, 135M, 8x7B, 30B-A3B)", text.Quote(e.Text, maxClaimShown))
}

// maxClaimShown bounds how much of a rejected claim an error repeats.
const maxClaimShown = 40

// ParseUserClaim parses a claim the user typed ("7B", "30B-A3B") into the
// claims it makes, each with source "--claim".
func ParseUserClaim(s string) ([]Claim, error) {
	c, ok := ParseClaim(s)
	if !ok {
		return nil, &ClaimError{Text: s}
	}
	parts := c.Parts()
	for i := range parts {
		parts[i].Source = "--claim"
	}
	return parts, nil
}
