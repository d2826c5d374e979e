package report

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// safe returns s ready for a terminal: text from a weight file (tensor
// names, metadata) may hold escape sequences that would rewrite the
// screen, so control characters and invalid UTF-8 are shown escaped.
func safe(s string) string {
	clean := utf8.ValidString(s)
	if clean {
		for _, r := range s {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
				clean = false
				break
			}
		}
	}
	if clean {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`)
}
