package audit

import (
	"strings"

	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/model"
)

// readCard reads a model's README.md model card, bounded by
// format.MaxCardBytes, through the model's link rule (m.ReadSmall): a
// named pipe, a device, a link out of the model directory or a card over
// the limit is skipped, with no claims (the loader notes the first ones).
func readCard(m *model.Model) (string, bool) {
	b, err := m.ReadSmall("README.md", format.SmallCard)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// ClaimsFromCard reads the size claims of a README.md model card: YAML
// front matter keys (parameters, num_parameters, model_size…) and body
// lines or table cells that label a parameter count ("Number of
// Parameters: 0.49B", "| Total Params | 671B |", a "#Activated Params"
// column). It is conservative: a number counts only under a label that
// names parameters (or a model size, with a unit), so context lengths,
// token counts, vocabularies and file sizes are never read. Only the
// first 1 MiB is looked at.
func ClaimsFromCard(text string) []Claim {
	if len(text) > maxCardBytes {
		text = text[:maxCardBytes]
	}
	body := strings.TrimPrefix(text, "\ufeff")
	var out []Claim
	if line, rest, _ := strings.Cut(body, "\n"); strings.TrimSpace(line) == "---" {
		var fm []Claim
		for rest != "" && len(fm) < maxCardClaims {
			line, rest, _ = strings.Cut(rest, "\n")
			if line = strings.TrimRight(line, " \t\r"); line == "---" || line == "..." {
				out, body = fm, rest // front matter counts only once closed
				break
			}
			// Only top-level keys: nested maps (model-index…) say other things.
			if key, val, ok := strings.Cut(line, ":"); ok && key != "" && !strings.ContainsAny(key[:1], " \t#-") {
				val, _, _ = strings.Cut(val, " #")
				fm = append(fm, labelled(key, strings.Trim(strings.TrimSpace(val), `"'`), true, "README.md front matter")...)
			}
		}
	}
	var tb cardTable
	fence := false
	for body != "" && len(out) < maxCardClaims {
		var line string
		line, body, _ = strings.Cut(body, "\n")
		t := strings.TrimSpace(line)
		switch {
		case len(t) > maxCardLine:
			tb.end(&out)
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			// Code samples print configs and counts of other things.
			fence = !fence
			tb.end(&out)
		case fence:
		case strings.Contains(t, "|"):
			tb.row(t, &out)
		default:
			tb.end(&out)
			t = strings.ReplaceAll(strings.TrimLeft(t, "-*+>#\t "), "：", ":")
			if key, val, ok := strings.Cut(t, ":"); ok {
				out = append(out, labelled(key, val, false, "README.md")...)
			}
		}
	}
	tb.end(&out)
	return dedupeClaims(out)
}

// labelKind reads a label ("Number of Paramaters (Non-Embedding)", "#Total
// Params", "num_parameters", "Model size"). sizeOnly says the label names
// a size but not parameters, so a bare integer under it is not a count.
func labelKind(label string) (kind ClaimKind, sizeOnly, ok bool) {
	if len(label) > 80 {
		return "", false, false
	}
	words := strings.FieldsFunc(strings.ToLower(label), func(r rune) bool {
		return r > 0x7f || !asciiLetter(byte(r)) && !asciiDigit(byte(r))
	})
	kind = ClaimTotal
	var params, size, non, embedding bool
	for _, w := range words {
		switch w {
		case "parameters", "parameter", "params", "param", "paramaters", "paramters", "parametres":
			params = true
		case "size":
			size = true
		case "activated", "active":
			kind = ClaimActive
		case "non", "nonembedding":
			non, embedding = true, embedding || w == "nonembedding"
		case "embedding", "embeddings":
			embedding = true
		case "number", "num", "no", "n", "of", "total", "model", "count", "the", "per", "token":
		default:
			return "", false, false
		}
	}
	if non != embedding || len(words) > 8 {
		return "", false, false
	}
	if non {
		kind = ClaimNonEmbedding
	}
	return kind, size && !params, params || (size && kind == ClaimTotal)
}

// labelled parses value under label. whole (front matter) asks that the
// value be nothing but the claim. Otherwise words may follow, and "30.5B
// in total and 3.3B activated" (Qwen3 cards) gives both claims, but a
// line that lists other sizes ("7B, 13B and 70B") gives none.
func labelled(label, value string, whole bool, source string) []Claim {
	kind, sizeOnly, ok := labelKind(label)
	if !ok {
		return nil
	}
	c, rest, ok := cardValue(value)
	if whole {
		c, ok = ParseClaim(value)
		if c.Active > 0 {
			ok = false // a combined label under one key is not guessed at
		}
	}
	if !ok || (c.Kind == ClaimExact && sizeOnly) {
		return nil
	}
	if kind != ClaimTotal && (c.Kind == ClaimTotal || c.Kind == ClaimExact) {
		c.Kind = kind
	}
	c.Source = source
	out := []Claim{c}
	words := strings.Fields(rest)
	for i := 0; i < len(words) && i < 16; i++ {
		a, r, ok := cardValue(strings.Trim(words[i], ",;()"))
		if !ok || r != "" {
			continue
		}
		if kind != ClaimTotal || i+1 == len(words) || !strings.HasPrefix(strings.ToLower(words[i+1]), "activ") {
			return nil
		}
		a.Kind, a.Source = ClaimActive, source
		out = append(out, a)
		i++
	}
	return out
}

var cardUnitWords = map[string]byte{"thousand": 'k', "million": 'm', "billion": 'b', "trillion": 't'}

// cardValue reads a claim at the start of v: "7.24B", "8B params", "7.24
// billion", "494,032,768". What follows must not continue the number or
// its unit ("4.7 GB", "7%" are refused).
func cardValue(v string) (c Claim, rest string, ok bool) {
	v = strings.TrimSpace(strings.NewReplacer("*", "", "`", "").Replace(v))
	v = strings.TrimSpace(strings.TrimLeft(v, "~≈"))
	i := 0
	for i < len(v) && i < 32 && (asciiDigit(v[i]) || v[i] == ',' || v[i] == '.') {
		i++
	}
	num := strings.TrimRight(v[:i], ".,")
	i = len(num)
	j := i
	for j < len(v) && v[j] == ' ' && j < i+2 {
		j++
	}
	unit, end := byte(0), i
	for w, u := range cardUnitWords {
		if len(v)-j >= len(w) && strings.EqualFold(v[j:j+len(w)], w) {
			unit, end = u, j+len(w)
		}
	}
	if unit == 0 && j < len(v) {
		if _, known := sizeUnitExp[asciiLower(v[j])]; known {
			unit, end = asciiLower(v[j]), j+1
		}
	}
	if unit == 0 {
		if j < len(v) && (asciiDigit(v[j]) || v[j] == '%' || asciiLetter(v[j]) && !strings.HasPrefix(strings.ToLower(v[j:]), "param")) {
			return c, "", false
		}
		n, ok := parseExactCount(num)
		return Claim{Text: num, Kind: ClaimExact, Value: n}, v[i:], ok
	}
	if end < len(v) && (asciiLetter(v[end]) || asciiDigit(v[end])) {
		return c, "", false
	}
	c.Value, c.Precision, _, ok = parseSizeText(num+string(unit), false)
	c.Text, c.Kind = v[:end], ClaimTotal
	return c, v[end:], ok
}

// cardTable follows a Markdown table. A row "| Total Params | 671B |" is
// read at once; a header column ("#Total Params") when the table ends,
// and only if every row agrees, because a table of a whole model family
// (0.5B, 1.5B, 7B…) says nothing about this one.
type cardTable struct {
	prev  []string
	kinds []ClaimKind
	vals  []*Claim
	bad   []bool
}

func (tb *cardTable) row(line string, out *[]Claim) {
	cs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|"), "|")
	for i := range cs {
		cs[i] = strings.TrimSpace(cs[i])
	}
	if strings.Trim(strings.Join(cs, ""), "-: ") == "" && strings.Contains(line, "-") {
		head := tb.prev
		tb.end(out)
		tb.kinds, tb.vals, tb.bad = make([]ClaimKind, len(head)), make([]*Claim, len(head)), make([]bool, len(head))
		for i, h := range head {
			if k, sizeOnly, ok := labelKind(h); ok && !sizeOnly {
				tb.kinds[i] = k
			}
		}
		return
	}
	tb.prev = cs
	if len(cs) >= 2 {
		extra := false
		for _, x := range cs[2:] {
			_, _, ok := cardValue(x)
			extra = extra || ok
		}
		if !extra {
			*out = append(*out, labelled(cs[0], cs[1], false, "README.md")...)
		}
	}
	for i, k := range tb.kinds {
		if k == "" || tb.bad[i] {
			continue
		}
		var c Claim
		ok := i < len(cs)
		if ok {
			c, _, ok = cardValue(cs[i])
		}
		if !ok || (tb.vals[i] != nil && tb.vals[i].Value != c.Value) {
			tb.bad[i] = true
			continue
		}
		tb.vals[i] = &c
	}
}

func (tb *cardTable) end(out *[]Claim) {
	for i, k := range tb.kinds {
		if c := tb.vals[i]; k != "" && !tb.bad[i] && c != nil && len(*out) < maxCardClaims {
			if k != ClaimTotal {
				c.Kind = k
			}
			c.Source = "README.md"
			*out = append(*out, *c)
		}
	}
	*tb = cardTable{}
}
