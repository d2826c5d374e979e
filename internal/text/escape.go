package text

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Safe returns s ready for a terminal: text from a weight file (tensor
// names, metadata) may hold escape sequences that would rewrite the
// screen, so control characters and invalid UTF-8 are shown escaped.
func Safe(s string) string {
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

// Quote returns s escaped (as Safe does) in double quotes, cut to max
// runes with "…" and the full length when longer, so that a message never
// repeats a long input whole.
func Quote(s string, max int) string {
	if n := utf8.RuneCountInString(s); n > max {
		r := []rune(s)
		return `"` + Safe(string(r[:max])) + fmt.Sprintf(`…" (%d characters)`, n)
	}
	return `"` + Safe(s) + `"`
}
