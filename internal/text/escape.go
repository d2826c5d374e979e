package text

import (
	"strconv"
	"unicode/utf8"

	"github.com/tensorcount/tensorcount/format"
)

// Safe returns s ready for a terminal: text from a weight file (tensor
// names, metadata) may hold escape sequences that would rewrite the
// screen, so control, bidirectional and other invisible characters and
// invalid UTF-8 are shown escaped. It is format.Escape: there is one
// escaping rule for every output and message.
func Safe(s string) string { return format.Escape(s) }

// Quote returns s escaped by format.Quote's rule in double quotes, cut to
// max runes with "…" and the full length when longer, so that a message
// never repeats a long input whole.
func Quote(s string, max int) string {
	if n := utf8.RuneCountInString(s); n > max {
		cut := 0
		for i := range s {
			if max == 0 {
				cut = i
				break
			}
			max--
		}
		q := format.Quote(s[:cut])
		return q[:len(q)-1] + `…" (` + strconv.Itoa(n) + " characters)"
	}
	return format.Quote(s)
}
