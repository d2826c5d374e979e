package audit

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/internal/text"
)

// A VerdictKind is the outcome of judging a claim.
type VerdictKind string

// Verdicts of a claim.
const (
	Matches    VerdictKind = "matches"  // a measured figure lies in the range the claim's precision implies
	Close      VerdictKind = "close"    // the nearest figure is within ±5%
	Mismatches VerdictKind = "mismatch" // no figure is within ±5%
	Label      VerdictKind = "label"    // not a count (an expert label "8x7B", an effective size "E2B"): explained, not judged
)

// closeEnough is the relative distance within which a claim that misses
// its range is "close" rather than a mismatch.
const closeEnough = 0.05

// A Verdict is a claim compared with the measured figures.
type Verdict struct {
	Text    string    `json:"text"`
	Source  string    `json:"source"`
	Kind    ClaimKind `json:"kind"`
	Claimed float64   `json:"claimed"`
	// Low and High bound the range the claim's precision implies ("7B":
	// 6.5B to 7.5B).
	Low     float64     `json:"low"`
	High    float64     `json:"high"`
	Verdict VerdictKind `json:"verdict"`
	// Matched names the figure the claim matches (or is nearest to):
	// parameters, non_embedding_parameters, active_parameters,
	// language_model_parameters, language_model_non_embedding_parameters,
	// elements.
	Matched      string  `json:"matched,omitempty"`
	MatchedValue uint64  `json:"matched_value,omitempty"`
	Deviation    float64 `json:"deviation"` // (measured − claimed) / claimed for Matched
	// Explanation says which figure the claim matches, by how much, and
	// why the other figures differ.
	Explanation string `json:"explanation"`
}

// A figure is one measured count a claim may refer to.
type figure struct {
	name, label string
	value       uint64
	why         string // how it differs from parameters
	// headline marks the figures the claim's kind is about: the total
	// (of the main language model, or of everything) for a plain "7B",
	// the active count for "A3B", the non-embedding count for a card's
	// non-embedding line. The others only explain.
	headline bool
	// alias is how an explanation names a figure the claim happens to
	// equal: "the non-embedding count".
	alias string
}

// figures lists the candidates for a kind of claim, most usual first.
func figures(r *count.Report, kind ClaimKind) []figure {
	var out []figure
	headline := true // the first figures added are the headline ones
	add := func(name, label string, v uint64, why string) {
		for _, f := range out {
			if f.value == v {
				return // the same number under another name says nothing new
			}
		}
		out = append(out, figure{name: name, label: label, value: v, why: why, headline: headline, alias: aliases[name]})
	}
	lm, hasLM := r.ByComponent["language_model"]
	multi := len(r.ByComponent) > 1 && hasLM
	embedding := r.EmbeddingParameters + r.PositionEmbeddingParameters + r.HeadParameters
	switch kind {
	case ClaimActive:
		if r.MoE != nil && r.ActiveParameters > 0 {
			add("active_parameters", "active parameters", r.ActiveParameters, "")
		}
	case ClaimNonEmbedding:
		add("non_embedding_parameters", "non-embedding parameters", r.NonEmbeddingParameters, "")
		if multi {
			add("language_model_non_embedding_parameters", "language model without embeddings", lm.Parameters-min(lm.Parameters, embedding), "")
		}
	default:
		if multi {
			add("language_model_parameters", "the main language model", lm.Parameters, "without "+componentsWhy(r))
			add("parameters", "parameters", r.Parameters, "including "+componentsWhy(r))
		} else {
			add("parameters", "parameters", r.Parameters, "")
		}
		headline = false
		add("non_embedding_parameters", "non-embedding parameters", r.NonEmbeddingParameters,
			fmt.Sprintf("embeddings and head, %s, left out", text.Count(embedding)))
		if r.MoE != nil && r.ActiveParameters > 0 {
			add("active_parameters", "active parameters", r.ActiveParameters, "per token")
		}
		add("elements", "elements as stored", r.Elements, elementsWhy(r))
	}
	return out
}

// componentsWhy lists what lies outside the main language model.
func componentsWhy(r *count.Report) string {
	var parts []string
	for name, c := range r.ByComponent {
		if name != "language_model" && c.Parameters > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", name, text.Count(c.Parameters)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// elementsWhy says why the stored elements differ from the parameters.
func elementsWhy(r *count.Report) string {
	var parts []string
	if c := r.ByRole[classify.RoleBuffer]; c.Elements > 0 {
		parts = append(parts, fmt.Sprintf("%s of buffers", text.Count(c.Elements)))
	}
	if c := r.ByRole[classify.RoleQuantAux]; c.Elements > 0 {
		parts = append(parts, fmt.Sprintf("%s of quantization bookkeeping", text.Count(c.Elements)))
	}
	if r.Tie != nil && r.Tie.DuplicateParameters > 0 {
		parts = append(parts, fmt.Sprintf("a second copy of the tied embedding (%s)", text.Count(r.Tie.DuplicateParameters)))
	}
	var packed uint64
	for _, c := range r.ByRole {
		if c.Parameters > c.Elements {
			packed += c.Parameters - c.Elements
		}
	}
	if packed > 0 {
		parts = append(parts, fmt.Sprintf("packed weights counted as containers (%s fewer)", text.Count(packed)))
	}
	if len(parts) == 0 {
		return ""
	}
	return "includes " + strings.Join(parts, ", ")
}

// Judge compares each claim with the measured figures of r, in order.
func Judge(r *count.Report, claims []Claim) []Verdict {
	out := make([]Verdict, 0, len(claims))
	for _, c := range claims {
		out = append(out, judge(r, c))
	}
	return out
}

// Mismatch reports whether any verdict is a mismatch.
func Mismatch(vs []Verdict) bool {
	for _, v := range vs {
		if v.Verdict == Mismatches {
			return true
		}
	}
	return false
}

func judge(r *count.Report, c Claim) Verdict {
	v := Verdict{Text: c.Text, Source: c.Source, Kind: c.Kind, Claimed: c.Value,
		Low: c.Value - c.Precision, High: c.Value + c.Precision}
	switch c.Kind {
	case ClaimExperts:
		return judgeExperts(r, c, v)
	case ClaimEffective:
		v.Verdict = Label
		v.Explanation = fmt.Sprintf("%s is an effective size (what a token uses on the accelerator), not a stored count; the files hold %s parameters",
			c.Text, text.Count(r.Parameters))
		if ple := r.PerLayerEmbeddingParameters; ple > 0 {
			v.Matched, v.MatchedValue = "non_embedding_parameters", r.NonEmbeddingParameters
			v.Explanation += fmt.Sprintf(", %s of them per-layer embeddings a runtime can keep off the accelerator; without them %s, and %s without the token embedding and head as well",
				text.Count(ple), text.Count(r.Parameters-ple), text.Count(r.NonEmbeddingParameters))
		}
		return v
	}
	cands := figures(r, c.Kind)
	if len(cands) == 0 {
		v.Verdict = Mismatches
		v.Explanation = fmt.Sprintf("%s claims %s, but the weights hold no routed experts, so there is no active count to compare", c.Text, kindLabel(c.Kind))
		return v
	}
	// The claim is judged by its headline figures only; the others can
	// only explain a miss ("7B" of an 8.03B model is its non-embedding
	// count, which is no excuse).
	best, bestDev := -1, math.Inf(1)
	for i, f := range cands {
		if !f.headline {
			continue
		}
		val := float64(f.value)
		if val >= v.Low && val <= v.High {
			best, bestDev = i, 0
			break
		}
		if d := math.Abs(val-c.Value) / c.Value; d < bestDev {
			best, bestDev = i, d
		}
	}
	f := cands[best]
	v.Matched, v.MatchedValue = f.name, f.value
	v.Deviation = text.Round6((float64(f.value) - c.Value) / c.Value)
	rng := fmt.Sprintf("%s–%s", text.Count(uint64(max(v.Low, 0))), text.Count(uint64(v.High)))
	if c.Precision == 0 {
		rng = "exactly " + text.Exact(uint64(c.Value))
	}
	switch {
	case bestDev == 0:
		v.Verdict = Matches
		v.Explanation = fmt.Sprintf("%s matches %s: %s is within %s", c.Text, f.label, text.Count(f.value), rng)
	case bestDev <= closeEnough:
		v.Verdict = Close
		v.Explanation = fmt.Sprintf("%s is close to %s: %s is %s the claim, outside %s", c.Text, f.label, text.Count(f.value), signedPercent(v.Deviation), rng)
	default:
		v.Verdict = Mismatches
		v.Explanation = fmt.Sprintf("%s does not match: %s is %s (%s the claim), outside %s and ±5%%",
			c.Text, f.alias, text.Count(f.value), signedPercent(v.Deviation), rng)
		if o, ok := equalled(cands, c, v); ok {
			v.Explanation = fmt.Sprintf("%s is close to %s, %s; %s is %s (%s the claim), so %s does not match",
				c.Text, o.alias, text.Count(o.value), f.alias, text.Count(f.value), signedPercent(v.Deviation), c.Text)
		}
	}
	var others []string
	for i, o := range cands {
		if i == best {
			continue
		}
		s := fmt.Sprintf("%s %s", o.label, text.Count(o.value))
		if o.why != "" {
			s += " (" + o.why + ")"
		}
		others = append(others, s)
	}
	if len(others) > 0 {
		v.Explanation += "; " + strings.Join(others, "; ")
	}
	return v
}

// judgeExperts explains an expert label such as "8x7B": the number of
// experts and roughly one expert's size, not a count to compare.
func judgeExperts(r *count.Report, c Claim, v Verdict) Verdict {
	v.Verdict = Label
	if r.MoE == nil {
		v.Verdict = Mismatches
		v.Explanation = fmt.Sprintf("%s names %d experts, but the weights hold no routed experts", c.Text, c.Experts)
		return v
	}
	if c.Experts != r.MoE.Experts {
		v.Verdict = Mismatches
		v.Explanation = fmt.Sprintf("%s names %d experts, but the weights hold %d", c.Text, c.Experts, r.MoE.Experts)
		return v
	}
	v.Matched, v.MatchedValue = "parameters", r.Parameters
	active := ""
	if r.ActiveParameters > 0 && r.MoE.ExpertsPerToken > 0 {
		active = fmt.Sprintf(", %s active per token (%d of %d experts)", text.Count(r.ActiveParameters), r.MoE.ExpertsPerToken, r.MoE.Experts)
	}
	v.Explanation = fmt.Sprintf("%s is an expert-count label, not a count: %d experts of about %s share attention and embeddings, so the model holds %s parameters (not %s)%s",
		c.Text, c.Experts, text.Count(uint64(c.Value)), text.Count(r.Parameters), text.Count(uint64(c.Value)*uint64(c.Experts)), active)
	return v
}

func kindLabel(k ClaimKind) string {
	switch k {
	case ClaimActive:
		return "active parameters"
	case ClaimNonEmbedding:
		return "non-embedding parameters"
	}
	return "parameters"
}

func signedPercent(d float64) string {
	if d >= 0 {
		return fmt.Sprintf("%.1f%% above", d*100)
	}
	return fmt.Sprintf("%.1f%% below", -d*100)
}

// aliases name the figures a missed claim may happen to equal.
var aliases = map[string]string{
	"non_embedding_parameters":                "the non-embedding count",
	"language_model_non_embedding_parameters": "the main language model without embeddings",
	"active_parameters":                       "the active count",
	"elements":                                "the count of elements as stored",
	"parameters":                              "the total",
	"language_model_parameters":               "the main language model",
}

// equalled finds a figure other than the headline ones that the claim
// lies within ±5% of: what the claim probably counted.
func equalled(cands []figure, c Claim, v Verdict) (figure, bool) {
	for _, f := range cands {
		if f.headline || f.alias == "" {
			continue
		}
		val := float64(f.value)
		if (val >= v.Low && val <= v.High) || math.Abs(val-c.Value)/c.Value <= closeEnough {
			return f, true
		}
	}
	return figure{}, false
}
