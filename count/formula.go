package count

import (
	"fmt"
	"strings"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/internal/text"
)

// Formula compares the measured body of the main model with the rule of
// thumb N ≈ 12·L·d² (Kaplan et al. 2020: per layer 4·d² of attention and
// 8·d² of a 4·d-wide FFN, embeddings excluded), and explains the
// difference term by term.
type Formula struct {
	Layers     int    `json:"layers"`
	HiddenSize int    `json:"hidden_size"`
	TwelveLD2  uint64 `json:"twelve_l_d2"`
	// BodyParameters is the measured counterpart: the main model's
	// non-embedding parameters, active ones for a mixture of experts.
	BodyParameters uint64  `json:"body_parameters"`
	Ratio          float64 `json:"ratio"`
	// Terms split the main model's parameters; they sum to
	// MainParameters.
	Terms          []Term `json:"terms"`
	MainParameters uint64 `json:"main_parameters"`
}

// A Term is one part of the comparison: what the formula allots to it,
// what the weights hold, and why they differ.
type Term struct {
	Name        string `json:"name"`
	Formula     uint64 `json:"formula"`
	FormulaText string `json:"formula_text"`
	Measured    uint64 `json:"measured"`
	Reason      string `json:"reason"`
}

// formula builds the comparison for the main language model (vision
// towers and MTP layers excluded).
func (c *counter) formula(r *Report) *Formula {
	a := c.m.Arch
	sum := map[classify.Role]uint64{}
	var attnBias, ffnGated, ffnTensors, attnKinds = uint64(0), false, 0, map[classify.Kind]bool{}
	layers := map[int]bool{}
	var vocab, d int
	for i := range c.items {
		it := &c.items[i]
		l := &it.Label
		if l.Component != classify.ComponentLanguageModel {
			continue
		}
		// Any block counts, whatever it holds: a hybrid's Mamba blocks
		// are blocks as much as its attention ones.
		if l.Layer >= 0 && l.Role != classify.RoleBuffer && l.Role != classify.RoleQuantAux {
			layers[int(l.Layer)] = true
		}
		if l.Role == classify.RoleEmbedding && l.Kind == classify.KindTokenEmbd && len(it.Tensor.Shape) == 2 && vocab == 0 && it.Tensor.Shape[0] > 0 {
			// The logical width: a packed (MLX, GPTQ) embedding stores
			// fewer, wider words.
			vocab, d = int(it.Tensor.Shape[0]), int(it.Parameters/it.Tensor.Shape[0])
		}
		if !it.Counted() {
			continue
		}
		sum[l.Role] += it.Parameters
		switch {
		case l.Role == classify.RoleAttention:
			attnKinds[l.Kind] = true
			if l.Param == "bias" {
				attnBias += it.Parameters
			}
		case l.Role == classify.RoleFFN || l.Role == classify.RoleExpert || l.Role == classify.RoleSharedExpert:
			if l.Kind == classify.KindFFNGate || l.Kind == classify.KindFFNGateUp {
				ffnGated = true
			}
			if l.Role == classify.RoleFFN {
				ffnTensors++
			}
		}
	}
	L := len(layers)
	if a.Layers > 0 && L > 0 && a.Layers != L {
		c.notes.add(fmt.Sprintf("%s says %d layers but the weights hold %d; the weights are used", a.Source, a.Layers, L))
	}
	if L == 0 {
		L = a.Layers
	}
	if d == 0 {
		d = a.HiddenSize
	} else if a.HiddenSize > 0 && a.HiddenSize != d {
		c.notes.add(fmt.Sprintf("%s says hidden size %d but the embedding is %d wide; the weights are used", a.Source, a.HiddenSize, d))
	}
	if a.VocabSize > 0 && vocab > 0 && a.VocabSize != vocab {
		c.notes.add(fmt.Sprintf("%s says vocabulary %d but the embedding has %d rows", a.Source, a.VocabSize, vocab))
	}
	if L == 0 || d == 0 || len(layers) == 0 && sum[classify.RoleAttention]+sum[classify.RoleFFN]+sum[classify.RoleSSM] == 0 {
		return nil // no blocks in the weights: nothing to compare
	}
	ld2 := uint64(L) * uint64(d) * uint64(d)
	f := &Formula{Layers: L, HiddenSize: d, TwelveLD2: 12 * ld2}

	var inactive uint64
	if r.MoE != nil && r.MoE.ActiveRoutedParameters > 0 {
		inactive = r.MoE.RoutedParameters - r.MoE.ActiveRoutedParameters
	}
	perLayer := func(n uint64) string { return fmt.Sprintf("%.2f·d² a layer", float64(n)/float64(ld2)) }

	// Attention.
	attn := sum[classify.RoleAttention]
	var why []string
	switch {
	case attnKinds[classify.KindAttnQA] || attnKinds[classify.KindAttnKVA]:
		why = append(why, "multi-head latent attention: queries and keys/values pass through low-rank projections")
	case a.Heads > 0 && a.KVHeads > 0 && a.KVHeads < a.Heads:
		why = append(why, fmt.Sprintf("grouped-query attention: K and V have %d heads for %d query heads", a.KVHeads, a.Heads))
	}
	if a.Heads > 0 && a.HeadDim > 0 && a.Heads*a.HeadDim != d && !attnKinds[classify.KindAttnQA] {
		why = append(why, fmt.Sprintf("query width is %d heads × %d = %d, not d = %d", a.Heads, a.HeadDim, a.Heads*a.HeadDim, d))
	}
	if attnKinds[classify.KindAttnQKV] {
		why = append(why, "q, k and v are fused in one matrix")
	}
	if attnBias > 0 {
		why = append(why, fmt.Sprintf("includes %s bias parameters", text.Exact(attnBias)))
	}
	if attn == 0 && sum[classify.RoleSSM] > 0 {
		why = append(why, "no attention: state-space mixers take its place (the ssm term)")
	}
	f.Terms = append(f.Terms, Term{Name: "attention", Formula: 4 * ld2, FormulaText: "4·L·d²", Measured: attn,
		Reason: join(perLayer(attn), why)})

	// Feed-forward: dense, shared experts, router and the routed experts
	// a token runs.
	ffn := sum[classify.RoleFFN] + sum[classify.RoleSharedExpert] + sum[classify.RoleRouter] + sum[classify.RoleExpert] - inactive
	why = nil
	if ffn == 0 {
		why = append(why, "no feed-forward layers: the blocks are mixers only")
	} else if width := c.ffnWidth(d); width > 0 && r.MoE == nil {
		mats := 2
		if ffnGated {
			mats = 3
			why = append(why, "gated FFN (SwiGLU): three d×f matrices instead of two")
		}
		why = append(why, fmt.Sprintf("f = %d = %.2f·d (the formula assumes two matrices of f = 4·d, 8·d²; here %d·%.2f = %.2f·d²)",
			width, float64(width)/float64(d), mats, float64(width)/float64(d), float64(mats*width)/float64(d)))
	}
	if r.MoE != nil {
		m := r.MoE
		if m.ExpertsPerToken > 0 {
			why = append(why, fmt.Sprintf("mixture of experts: %d of %d routed experts per token", m.ExpertsPerToken, m.Experts))
		}
		if m.SharedParameters > 0 {
			why = append(why, fmt.Sprintf("shared experts %s", text.Exact(m.SharedParameters)))
		}
		if m.RouterParameters > 0 {
			why = append(why, fmt.Sprintf("router %s", text.Exact(m.RouterParameters)))
		}
	}
	f.Terms = append(f.Terms, Term{Name: "ffn", Formula: 8 * ld2, FormulaText: "8·L·d²", Measured: ffn,
		Reason: join(perLayer(ffn), why)})

	if ssm := sum[classify.RoleSSM]; ssm > 0 {
		attnBlocks := c.attentionBlocks()
		f.Terms = append(f.Terms, Term{Name: "ssm", FormulaText: "0", Measured: ssm,
			Reason: join(perLayer(ssm), []string{fmt.Sprintf("state-space or linear-attention mixers; attention in %d of %d blocks, while the formula assumes 4·d² of attention in every block", attnBlocks, L)})})
	}
	f.Terms = append(f.Terms, Term{Name: "norms", FormulaText: "0", Measured: sum[classify.RoleNorm],
		Reason: "normalization weights and biases, left out of the formula"})

	emb := sum[classify.RoleEmbedding] + sum[classify.RolePositionEmbedding]
	embWhy := "the formula excludes embeddings"
	if vocab > 0 {
		embWhy = fmt.Sprintf("vocabulary %s × d = %s; the formula excludes embeddings", text.Exact(vocab), text.Exact(uint64(vocab)*uint64(d)))
	}
	if sum[classify.RolePositionEmbedding] > 0 {
		embWhy += fmt.Sprintf(", and learned positions (%s)", text.Exact(sum[classify.RolePositionEmbedding]))
	}
	f.Terms = append(f.Terms, Term{Name: "embeddings", FormulaText: "0", Measured: emb, Reason: embWhy})

	headWhy := "untied output head, another V·d; excluded like the embeddings"
	switch {
	case sum[classify.RoleHead] == 0 && (r.Tie == nil || !r.Tie.Tied):
		headWhy = "no output head is stored"
	case r.Tie != nil && r.Tie.Tied:
		headWhy = "tied: the head reuses the embedding, so it adds nothing"
	}
	f.Terms = append(f.Terms, Term{Name: "head", FormulaText: "0", Measured: sum[classify.RoleHead], Reason: headWhy})

	if inactive > 0 {
		f.Terms = append(f.Terms, Term{Name: "inactive experts", FormulaText: "0", Measured: inactive,
			Reason: "routed experts a token does not run; the formula describes the weights one token uses"})
	}
	if other := sum[classify.RoleOther] + sum[classify.RoleAdapter] + sum[classify.RoleConv]; other > 0 {
		f.Terms = append(f.Terms, Term{Name: "other", FormulaText: "0", Measured: other,
			Reason: "tensors of no standard role (see the role table)"})
	}
	for _, t := range f.Terms {
		f.MainParameters += t.Measured
	}
	f.BodyParameters = attn + ffn + sum[classify.RoleSSM] + sum[classify.RoleNorm] + sum[classify.RoleOther] + sum[classify.RoleAdapter] + sum[classify.RoleConv]
	f.Ratio = text.Round6(float64(f.BodyParameters) / float64(f.TwelveLD2))
	return f
}

// ffnWidth is the dense FFN width: from the up (or fused gate-up)
// projection's shape, else the config. Whichever dimension is not d is
// the width, since GPT-2's Conv1D stores [d, f] where Linear stores [f, d].
func (c *counter) ffnWidth(d int) int {
	for i := range c.items {
		l := &c.items[i].Label
		t := c.items[i].Tensor
		if l.Role != classify.RoleFFN || l.Component != classify.ComponentLanguageModel || l.Param != "weight" || len(t.Shape) != 2 {
			continue
		}
		width := int(t.Shape[0])
		if width == d {
			width = int(t.Shape[1])
		}
		switch l.Kind {
		case classify.KindFFNUp:
			return width
		case classify.KindFFNGateUp:
			return width / 2
		}
	}
	return c.m.Arch.FFNSize
}

func join(first string, rest []string) string {
	if len(rest) == 0 {
		return first
	}
	return first + "; " + strings.Join(rest, "; ")
}
