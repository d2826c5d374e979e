package htmlpage

import (
	"fmt"
	"strconv"
)

// count renders n with an SI suffix and two decimals: 8.03B, 494.03M.
func count(n uint64) string {
	f := float64(n)
	switch {
	case n >= 1e12:
		return fmt.Sprintf("%.2fT", f/1e12)
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", f/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", f/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.2fK", f/1e3)
	}
	return strconv.FormatUint(n, 10)
}

// exact renders n with thousands separators: 8,030,261,248.
func exact(n uint64) string {
	s := strconv.FormatUint(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// bytesText renders a size in binary units: 14.96 GiB.
func bytesText(n uint64) string {
	f := float64(n)
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.2f TiB", f/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", f/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", f/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2f KiB", f/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

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
