package treemap

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Swatch is the colour of one role.
type Swatch struct {
	Role  string
	Color string // #rrggbb
}

// The palette: Okabe–Ito's eight colour-blind-safe colours for the roles
// that cover most of a model, Paul Tol's muted scheme for the rest, and
// greys for what holds no learned parameters.
var palette = []Swatch{
	{"embedding", "#CC79A7"},
	{"position_embedding", "#AA4499"},
	{"attention", "#0072B2"},
	{"ssm", "#56B4E9"},
	{"conv", "#332288"},
	{"ffn", "#009E73"},
	{"expert", "#E69F00"},
	{"shared_expert", "#F0E442"},
	{"router", "#D55E00"},
	{"norm", "#999933"},
	{"head", "#882255"},
	{"adapter", "#44AA99"},
	{"buffer", "#BBBBBB"},
	{"quant_aux", "#DDDDDD"},
	{"other", "#888888"},
}

// FallbackColor colours a role the palette does not know.
const FallbackColor = "#A89F91"

// MixedColor fills a grouping whose leaves have several roles.
const MixedColor = "#F4F4F4"

// Palette lists the known roles and their colours, in legend order.
func Palette() []Swatch { return append([]Swatch(nil), palette...) }

// RoleColor is the fill of a role: the palette's colour, MixedColor for
// "mixed", FallbackColor for a role it does not know.
func RoleColor(role string) string {
	for _, s := range palette {
		if s.Role == role {
			return s.Color
		}
	}
	if role == "mixed" {
		return MixedColor
	}
	return FallbackColor
}

// TextColor is black or white, whichever reads better on fill (#rrggbb).
func TextColor(fill string) string {
	r, g, b := rgb(fill)
	// Relative luminance, WCAG.
	lin := func(c float64) float64 {
		c /= 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
	if (l+0.05)/0.05 >= 1.05/(l+0.05) {
		return "#000000"
	}
	return "#FFFFFF"
}

// Tint mixes fill with white: f = 0 is fill, f = 1 white.
func Tint(fill string, f float64) string {
	r, g, b := rgb(fill)
	mix := func(c float64) int { return int(c + (255-c)*f + 0.5) }
	return fmt.Sprintf("#%02X%02X%02X", mix(r), mix(g), mix(b))
}

func rgb(hex string) (float64, float64, float64) {
	if len(hex) != 7 || hex[0] != '#' {
		return 128, 128, 128
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return 128, 128, 128
	}
	return float64(v >> 16 & 0xFF), float64(v >> 8 & 0xFF), float64(v & 0xFF)
}

// DTypeClass sorts a dtype into the outline the treemap draws it with:
// "f32" (32- and 64-bit floats: thick solid), "f16" (16-bit floats: thin
// solid), "f8" (8-bit floats: dashed), "int" (integers and block-quantized
// types: dotted), "mixed" (a group of several: dash-dot), "" (unknown:
// thin solid).
func DTypeClass(dtype string) string {
	d := strings.ToUpper(dtype)
	switch {
	case d == "":
		return ""
	case d == "MIXED":
		return "mixed"
	case d == "F32" || d == "F64" || d == "FLOAT32" || d == "FLOAT64" || d == "FP32":
		return "f32"
	case d == "BF16" || d == "F16" || d == "FLOAT16" || d == "BFLOAT16" || d == "FP16":
		return "f16"
	case strings.HasPrefix(d, "F8") || strings.HasPrefix(d, "FP8") || strings.HasPrefix(d, "FLOAT8"):
		return "f8"
	case strings.HasPrefix(d, "I") || strings.HasPrefix(d, "U") || strings.HasPrefix(d, "Q") ||
		strings.HasPrefix(d, "TQ") || strings.Contains(d, "FP4") || strings.HasPrefix(d, "BOOL") || strings.HasPrefix(d, "F4") || strings.HasPrefix(d, "E"):
		return "int"
	}
	return ""
}

// Outline is the stroke width and dash array of a dtype class.
func Outline(class string) (width float64, dash string) {
	switch class {
	case "f32":
		return 1.6, ""
	case "f8":
		return 1, "4 2"
	case "int":
		return 1, "1.5 1.5"
	case "mixed":
		return 1, "6 2 1.5 2"
	}
	return 0.5, ""
}

// Clean returns text from a weight file ready to show: control and
// format characters (ESC, NUL, bidi overrides such as U+202E) and invalid
// UTF-8 are written as visible escapes (\x1b, \u202e), so a name cannot
// rewrite or reorder what is around it. Markup escaping is separate.
func Clean(s string) string {
	ok := utf8.ValidString(s)
	if ok {
		for _, r := range s {
			if r != ' ' && !unicode.IsGraphic(r) || r == utf8.RuneError {
				ok = false
				break
			}
		}
	}
	if ok {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// esc is Clean followed by XML escaping, for text and attribute values.
func esc(s string) string { return escMarkup(Clean(s)) }

// escMarkup escapes <, >, &, " and ' for XML and HTML, text or attribute.
func escMarkup(s string) string {
	if !strings.ContainsAny(s, `<>&"'`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Esc is Clean followed by XML/HTML escaping of <, >, &, " and '.
func Esc(s string) string { return esc(s) }
