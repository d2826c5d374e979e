package htmlpage

import (
	"fmt"
	"strconv"

	units "github.com/tensorcount/tensorcount/internal/text"
)

// count, exact and bytesText are the units every output of the project
// uses (internal/text), for the page's uint64 figures.
func count(n uint64) string     { return units.Count(n) }
func exact(n uint64) string     { return units.Exact(n) }
func bytesText(n uint64) string { return units.Bytes(int64(min(n, 1<<63-1))) }

func pct(part, whole uint64) string {
	if whole == 0 {
		return "–"
	}
	p := float64(part) * 100 / float64(whole)
	if p < 0.1 && p > 0 {
		return fmt.Sprintf("%.2g%%", p)
	}
	return fmt.Sprintf("%.1f%%", p)
}

func shape(s []uint64) string {
	out := "["
	for i, d := range s {
		if i > 0 {
			out += ", "
		}
		out += strconv.FormatUint(d, 10)
	}
	return out + "]"
}
