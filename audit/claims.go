package audit

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tensorcount/tensorcount/model"
)

// Bounds on claim texts. Names and cards come from strangers, so every
// scan is linear and capped; no regular expression is involved.
const (
	maxClaimValue = 1e15    // 1000T: anything larger is not a model
	maxNameLen    = 4096    // a longer name is cut, not rejected
	maxCardBytes  = 1 << 20 // model cards are read up to 1 MiB
	maxCardLine   = 4096    // longer lines are prose or data, not labels
	maxCardClaims = 64
)

// sizeUnitExp maps a size suffix to its power of ten.
var sizeUnitExp = map[byte]int{'k': 3, 'm': 6, 'b': 9, 't': 12}

func asciiDigit(c byte) bool  { return '0' <= c && c <= '9' }
func asciiLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c | 0x20
	}
	return c
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if !asciiDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// claimValue turns the digits of a decimal with frac fraction digits and a
// power of ten into a value and the half-unit of its last digit. Building
// the float from a decimal string keeps "0.49B" exactly 490000000.
func claimValue(digits string, frac, exp int) (v, p float64, ok bool) {
	if len(digits) > 18 {
		return 0, 0, false
	}
	e := exp - frac
	v, err := strconv.ParseFloat(digits+"e"+strconv.Itoa(e), 64)
	if err != nil || !(v > 0 && v <= maxClaimValue) {
		return 0, 0, false
	}
	p, _ = strconv.ParseFloat("5e"+strconv.Itoa(e-1), 64)
	return v, p, true
}

// parseSizeText reads "7B", "0.5b", "260K" (the whole of s). infix also takes
// BLOOM's "7b1" (7.1B), which only appears in names.
func parseSizeText(s string, infix bool) (v, p float64, unit byte, ok bool) {
	i := 0
	for i < len(s) && asciiDigit(s[i]) {
		i++
	}
	if i == 0 || i > 15 || (i > 1 && s[0] == '0') {
		return 0, 0, 0, false
	}
	whole, frac := s[:i], ""
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && asciiDigit(s[j]) {
			j++
		}
		frac, i = s[i+1:j], j
		if frac == "" || len(frac) > 6 {
			return 0, 0, 0, false
		}
	}
	if i >= len(s) {
		return 0, 0, 0, false
	}
	unit = asciiLower(s[i])
	e, known := sizeUnitExp[unit]
	if rest := s[i+1:]; !known {
		return 0, 0, 0, false
	} else if rest != "" {
		if !infix || frac != "" || len(rest) > 2 || !digitsOnly(rest) {
			return 0, 0, 0, false
		}
		frac = rest
	}
	v, p, ok = claimValue(whole+frac, len(frac), e)
	return v, p, unit, ok
}

// parseExactCount reads a plain integer, optionally grouped ("494,032,768"),
// as an exact count. Below 1000 it is taken for a size missing its unit
// ("7"), which is refused rather than guessed.
func parseExactCount(s string) (float64, bool) {
	if len(s) > 26 || s == "" || !asciiDigit(s[0]) {
		return 0, false
	}
	if i := strings.IndexAny(s, ",_"); i >= 0 {
		sep := s[i]
		groups := strings.Split(s, string(sep))
		for k, g := range groups {
			if !digitsOnly(g) || len(g) > 3 || (k > 0 && len(g) != 3) {
				return 0, false
			}
		}
		s = strings.Join(groups, "")
	}
	if !digitsOnly(s) || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n < 1000 || float64(n) > maxClaimValue {
		return 0, false
	}
	return float64(n), true
}

// cutExpertLabel reads an expert label "8x7B": 2 to 1024 experts of a size.
func cutExpertLabel(s string) (n int, v, p float64, ok bool) {
	i := strings.IndexAny(s, "xX")
	if i < 1 || i > 4 || s[0] == '0' || !digitsOnly(s[:i]) {
		return 0, 0, 0, false
	}
	n, _ = strconv.Atoi(s[:i])
	v, p, _, ok = parseSizeText(s[i+1:], false)
	return n, v, p, ok && n >= 2 && n <= 1024
}

// ParseClaim parses a size as a user types it for --claim: "7B", "0.5B",
// "135M", "1.5T", "260K", "8x7B" (experts), "A3B" (active), "E2B"
// (effective), "30B-A3B" (total with its active part, see Parts) or a
// plain integer (exact). Units are case-insensitive. Source is left for
// the caller to set ("--claim").
func ParseClaim(text string) (Claim, bool) {
	s := strings.TrimSpace(text)
	if s == "" || len(s) > 64 {
		return Claim{}, false
	}
	c := Claim{Text: s}
	var ok bool
	if c.Value, ok = parseExactCount(s); ok {
		c.Kind = ClaimExact
		return c, true
	}
	if c.Value, c.Precision, _, ok = parseSizeText(s, false); ok {
		c.Kind = ClaimTotal
		return c, true
	}
	switch asciiLower(s[0]) {
	case 'a', 'e':
		if c.Value, c.Precision, _, ok = parseSizeText(s[1:], false); ok {
			c.Kind = map[byte]ClaimKind{'a': ClaimActive, 'e': ClaimEffective}[asciiLower(s[0])]
			return c, true
		}
	}
	if c.Experts, c.Value, c.Precision, ok = cutExpertLabel(s); ok {
		c.Kind = ClaimExperts
		return c, true
	}
	// "30B-A3B", and llama.cpp's "30B.A3B".
	if i := strings.LastIndexAny(s, "aA"); i > 1 && strings.IndexByte("-._ ", s[i-1]) >= 0 {
		tv, tp, _, ok1 := parseSizeText(s[:i-1], false)
		av, ap, _, ok2 := parseSizeText(s[i+1:], false)
		if ok1 && ok2 && av <= tv {
			return Claim{Text: s, Kind: ClaimTotal, Value: tv, Precision: tp, Active: av, ActivePrecision: ap}, true
		}
	}
	return Claim{}, false
}

// Parts splits a combined "30B-A3B" claim into a total and an active
// claim, so that each can be audited against its own figure. Any other
// claim comes back alone.
func (c Claim) Parts() []Claim {
	if c.Active == 0 {
		return []Claim{c}
	}
	i := strings.LastIndexAny(c.Text, "aA")
	if i < 1 {
		i = 1
	}
	total, active := c, c
	total.Text, total.Active, total.ActivePrecision = c.Text[:i-1], 0, 0
	active.Text, active.Kind, active.Value, active.Precision = c.Text[i:], ClaimActive, c.Active, c.ActivePrecision
	active.Active, active.ActivePrecision = 0, 0
	return []Claim{total, active}
}

// A nameToken is one word of a name with the separators around it.
type nameToken struct {
	s, text    string // s is what is parsed, text what was written
	prev, next byte   // separators; 0 at either end
}

// nameTokens cuts a name into letters-and-digits words. A '.' between two
// digits stays inside the word, so "0.5B" and "3.1" survive whole.
// stripControls removes terminal escape sequences (ESC [ … final, ESC ]
// … BEL or ST, the C1 forms CSI and OSC, and ESC with one character) from
// a name and turns every other rune format.Escape would escape into a
// space, so that no size is read out of a control sequence ("31m" from
// ESC[31m) and a control between two words separates them.
func stripControls(name string) string {
	if !strings.ContainsFunc(name, func(r rune) bool { return r >= 0x80 || r < 0x20 || r == 0x7f }) {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); {
		r, n := utf8.DecodeRuneInString(name[i:])
		switch {
		case r == 0x1b && i+1 < len(name) && name[i+1] == '[', r == 0x9b:
			j := i + n
			if r == 0x1b {
				j++
			}
			for j < len(name) && name[j] >= 0x20 && name[j] <= 0x3f { // parameters, intermediates
				j++
			}
			if j < len(name) && name[j] >= 0x40 && name[j] <= 0x7e {
				j++
			}
			i = j
		case r == 0x1b && i+1 < len(name) && name[i+1] == ']', r == 0x9d:
			j := i + n
			if r == 0x1b {
				j++
			}
			// The string ends at BEL, ST (ESC \ or U+009C) or the end.
			for j < len(name) {
				if name[j] == 0x07 {
					j++
					break
				}
				if strings.HasPrefix(name[j:], "\x1b\\") {
					j += 2
					break
				}
				if strings.HasPrefix(name[j:], "\u009c") {
					j += len("\u009c")
					break
				}
				j++
			}
			i = j
		case r == 0x1b && i+1 < len(name) && name[i+1] >= 0x40 && name[i+1] <= 0x7e:
			i += 2
		case r == utf8.RuneError && n == 1, r != ' ' && !strconv.IsPrint(r):
			b.WriteByte(' ')
			i += n
		default:
			b.WriteString(name[i : i+n])
			i += n
		}
	}
	return b.String()
}

func nameTokens(name string) []nameToken {
	var toks []nameToken
	start := -1
	var prev byte
	for i := 0; i <= len(name); i++ {
		var c byte
		if i < len(name) {
			c = name[i]
		}
		word := i < len(name) && (asciiDigit(c) || asciiLetter(c) ||
			(c == '.' && start >= 0 && i+1 < len(name) && asciiDigit(name[i-1]) && asciiDigit(name[i+1])))
		if word {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			toks = append(toks, nameToken{s: name[start:i], text: name[start:i], prev: prev, next: c})
			start = -1
		}
		prev = c
	}
	// StableLM writes 1.6B as "stablelm-2-1_6b". Only an underscore
	// between dash-separated words is read as a decimal point, so that
	// "llama_2_7b" stays Llama 2 at 7B.
	for i := 0; i+1 < len(toks); i++ {
		a, b := toks[i], toks[i+1]
		if a.next == '_' && a.prev != '_' && b.next != '_' && digitsOnly(a.s) && len(a.s) <= 3 {
			if _, _, _, ok := parseSizeText(b.s, false); ok && !strings.Contains(b.s, ".") {
				merged := nameToken{s: a.s + "." + b.s, text: a.s + "_" + b.s, prev: a.prev, next: b.next}
				toks = append(append(toks[:i], merged), toks[i+2:]...)
			}
		}
	}
	return toks
}

// isHexDigest says a word is a commit hash or digest: seven or more hex
// digits. "deadbe7b" must not read as 7B; a real size that long would be
// beyond maxClaimValue anyway.
func isHexDigest(s string) bool {
	if len(s) < 7 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := asciiLower(s[i]); !asciiDigit(c) && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// tokenClaim reads one word of a name: "70B", "8x7B", "A3B", "E2B",
// "7b1", or a letters-only prefix glued to a size ("stories15M"). A
// one-letter prefix other than A or E (v, r, q, l) is a version, release
// or quantization marker, never a size.
func tokenClaim(t nameToken) (c Claim, unit byte, ok bool) {
	if isHexDigest(t.s) {
		return c, 0, false
	}
	j := 0
	for j < len(t.s) && asciiLetter(t.s[j]) {
		j++
	}
	pre, body := strings.ToLower(t.s[:j]), t.s[j:]
	c.Text = t.text[j:]
	switch {
	case body == "":
		return c, 0, false
	case pre == "a" || pre == "e":
		c.Kind = map[string]ClaimKind{"a": ClaimActive, "e": ClaimEffective}[pre]
		c.Text = t.text
		c.Value, c.Precision, unit, ok = parseSizeText(body, false)
		return c, unit, ok
	case pre == "" || len(pre) >= 2:
		c.Kind = ClaimTotal
		if c.Value, c.Precision, unit, ok = parseSizeText(body, pre == ""); ok {
			return c, unit, true
		}
		c.Kind = ClaimExperts
		c.Experts, c.Value, c.Precision, ok = cutExpertLabel(body)
		return c, 0, ok
	}
	return c, 0, false
}

// expertCountToken reads Llama 4's "16E" (16 experts) that follows a size.
func expertCountToken(s string) (int, bool) {
	if len(s) < 2 || len(s) > 5 || asciiLower(s[len(s)-1]) != 'e' || !digitsOnly(s[:len(s)-1]) {
		return 0, false
	}
	n, _ := strconv.Atoi(s[:len(s)-1])
	return n, n >= 2
}

// isContextLength says a total read from a name is a context length (or a
// token budget), not a size: 4k…1024k and other multiples of 8k always,
// and any K figure or a round 1M/2M/4M/10M when the name gives a size
// besides ("Yi-34B-200K", "Qwen2.5-7B-Instruct-1M").
func isContextLength(c Claim, unit byte, otherSize bool) bool {
	switch unit {
	case 'k':
		n := c.Value / 1e3
		if n == math.Trunc(n) && (n == 1 || n == 2 || n == 4 || math.Mod(n, 8) == 0) {
			return true
		}
		return otherSize
	case 'm':
		return otherSize && (c.Value == 1e6 || c.Value == 2e6 || c.Value == 4e6 || c.Value == 10e6)
	}
	return false
}

// ClaimsFromName finds the size claims in a directory, model or file
// name: "Llama-3.1-70B-Instruct" → 70B, "Mixtral-8x7B" → 8 experts of
// 7B, "Qwen3-30B-A3B" → 30B total and 3B active, "gemma-3n-E2B-it" → 2B
// effective. Versions, dates, hashes, quantization and dtype markers,
// shard numbers and context lengths are not sizes. When a name gives
// several totals the first is kept, since model size comes first by
// convention ("BitNet-b1.58-2B-4T": 4T is training tokens); an MoE name
// with a smaller size before a larger one ("OLMoE-1B-7B") is read as
// active then total.
func ClaimsFromName(name, source string) []Claim {
	if len(name) > maxNameLen {
		name = name[:maxNameLen]
	}
	name = stripControls(name)
	// A Hugging Face cache entry: models--org--name.
	if strings.HasPrefix(name, "models--") {
		name = name[strings.LastIndex(name, "--")+2:]
	}
	type found struct {
		c    Claim
		unit byte
		pos  int
	}
	var fs []found
	for i, t := range nameTokens(name) {
		if n, ok := expertCountToken(t.s); ok {
			// Llama 4's "17B-16E": 17B active per token among 16 experts.
			if k := len(fs) - 1; k >= 0 && fs[k].pos == i-1 && fs[k].c.Kind == ClaimTotal {
				fs[k].c.Kind, fs[k].c.Experts = ClaimActive, n
			}
			continue
		}
		if c, unit, ok := tokenClaim(t); ok {
			c.Source = source
			fs = append(fs, found{c, unit, i})
		}
	}
	otherSize := false
	for _, f := range fs {
		if f.unit != 'k' && !isContextLength(f.c, f.unit, true) {
			otherSize = true
		}
	}
	var keep []found
	var totals []int
	active := false
	for _, f := range fs {
		if f.c.Kind == ClaimTotal && isContextLength(f.c, f.unit, otherSize) {
			continue
		}
		if f.c.Kind == ClaimTotal {
			totals = append(totals, len(keep))
		}
		active = active || f.c.Kind == ClaimActive
		keep = append(keep, f)
	}
	keepTotal := -1
	if len(totals) > 0 {
		keepTotal = totals[0]
	}
	if len(totals) >= 2 && !active && strings.Contains(strings.ToLower(name), "moe") &&
		keep[totals[0]].c.Value < keep[totals[1]].c.Value {
		keep[totals[0]].c.Kind = ClaimActive
		keepTotal = totals[1]
	}
	var out []Claim
	seen := map[ClaimKind]bool{}
	for i, f := range keep {
		if (f.c.Kind == ClaimTotal && i == keepTotal) || (f.c.Kind != ClaimTotal && !seen[f.c.Kind]) {
			seen[f.c.Kind] = true
			out = append(out, f.c)
		}
	}
	return out
}

// dedupeClaims keeps the first of claims that agree (same Kind, Value and
// Experts) and lists the other sources in its Also.
func dedupeClaims(cs []Claim) []Claim {
	var out []Claim
next:
	for _, c := range cs {
		for i := range out {
			o := &out[i]
			if o.Kind == c.Kind && o.Value == c.Value && o.Experts == c.Experts && o.Active == c.Active {
				if c.Source != o.Source && !slices.Contains(o.Also, c.Source) {
					o.Also = append(o.Also, c.Source)
				}
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// Find returns the size claims of everything a loaded model offers, in
// this order: the directory name, the Hugging Face cache entry above a
// snapshot, the weight file name (when the model is one file),
// README.md, GGUF general.size_label, general.name and general.basename,
// and the index's metadata.total_parameters. Claims that agree are kept
// once, under the first source, with the others in Also.
func Find(m *model.Model) []Claim {
	var cs []Claim
	if n := m.RemoteName(); n != "" {
		cs = append(cs, ClaimsFromName(n, "repository name")...)
	} else if m.Dir != "" {
		dir := m.Dir
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		cs = append(cs, ClaimsFromName(filepath.Base(dir), "directory name")...)
		if parent := filepath.Dir(dir); filepath.Base(parent) == "snapshots" {
			if entry := filepath.Base(filepath.Dir(parent)); strings.HasPrefix(entry, "models--") {
				cs = append(cs, ClaimsFromName(entry, "Hugging Face cache entry name")...)
			}
		}
	}
	file := ""
	if fi, err := os.Stat(m.Path); err == nil && fi.Mode().IsRegular() {
		file = m.Path
	} else if len(m.Files) == 1 {
		file = m.Files[0].Path
	}
	if file != "" {
		cs = append(cs, ClaimsFromName(filepath.Base(file), "file name")...)
	}
	if m.Dir != "" {
		if card, ok := readCard(m); ok {
			cs = append(cs, ClaimsFromCard(card)...)
		}
	}
	if l := m.Arch.SizeLabel; l != "" {
		const src = "gguf general.size_label"
		if c, ok := ParseClaim(l); ok {
			for _, p := range c.Parts() {
				p.Source = src
				cs = append(cs, p)
			}
		} else {
			cs = append(cs, ClaimsFromName(l, src)...)
		}
	}
	cs = append(cs, ClaimsFromName(m.Arch.Name, "gguf general.name")...)
	cs = append(cs, ClaimsFromName(m.Arch.BaseName, "gguf general.basename")...)
	if n := m.GGUFParameterCount; n > 0 && float64(n) <= maxClaimValue {
		cs = append(cs, Claim{Text: strconv.FormatUint(n, 10), Source: "gguf general.parameter_count",
			Kind: ClaimExact, Value: float64(n)})
	}
	if n := m.IndexTotalParameters; n > 0 && float64(n) <= maxClaimValue {
		cs = append(cs, Claim{Text: strconv.FormatUint(n, 10), Source: "index metadata.total_parameters",
			Kind: ClaimExact, Value: float64(n)})
	}
	return dedupeClaims(cs)
}
