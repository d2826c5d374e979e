// Package synthetic builds example pages of made-up but realistically
// shaped models, for tests, benchmarks and the bundled example: a
// DeepSeek-V3-shaped mixture of experts of 91,991 tensors and a small
// Llama-shaped dense model. No weights are read.
package synthetic

import (
	"fmt"

	"github.com/tensorcount/tensorcount/htmlpage"
)

// DeepSeekV3Tensors is the tensor count of DeepSeekV3.
const DeepSeekV3Tensors = 91991

type builder struct {
	ts []htmlpage.Tensor
}

func (b *builder) add(name, role, comp string, layer, expert int, dtype string, shape ...uint64) {
	n := uint64(1)
	for _, d := range shape {
		n *= d
	}
	bytes := int64(n)
	switch dtype {
	case "BF16":
		bytes *= 2
	case "F32":
		bytes *= 4
	}
	params := n
	if role == "quant_aux" || role == "buffer" {
		params = 0
	}
	b.ts = append(b.ts, htmlpage.Tensor{Name: name, Role: role, Component: comp, Layer: layer, Expert: expert,
		DType: dtype, Shape: shape, Parameters: params, Elements: n, Bytes: bytes})
}

// fp8 adds an FP8 weight and its F32 block scale (128×128 blocks).
func (b *builder) fp8(prefix, role, comp string, layer, expert int, out, in uint64) {
	b.add(prefix+".weight", role, comp, layer, expert, "F8_E4M3", out, in)
	b.add(prefix+".weight_scale_inv", "quant_aux", comp, layer, expert, "F32", (out+127)/128, (in+127)/128)
}

// DeepSeekV3 is a page of a model shaped like DeepSeek-V3: 61 layers of
// hidden size 7168, multi-head latent attention, dense FFNs in the first
// 3 layers and 256 routed experts (8 per token) plus one shared expert in
// the other 58, FP8 weights with F32 block scales, and a multi-token
// prediction layer 61: 91,991 tensors.
func DeepSeekV3() *htmlpage.Page {
	const (
		d, vocab, qRank, kvRank, rope, heads = 7168, 129280, 1536, 512, 64, 128
		ffn, expertFFN, experts              = 18432, 2048, 256
	)
	b := &builder{}
	b.add("model.embed_tokens.weight", "embedding", "language_model", -1, -1, "BF16", vocab, d)
	layer := func(i int, comp string) {
		p := fmt.Sprintf("model.layers.%d.", i)
		b.add(p+"input_layernorm.weight", "norm", comp, i, -1, "BF16", d)
		b.add(p+"post_attention_layernorm.weight", "norm", comp, i, -1, "BF16", d)
		b.fp8(p+"self_attn.q_a_proj", "attention", comp, i, -1, qRank, d)
		b.add(p+"self_attn.q_a_layernorm.weight", "norm", comp, i, -1, "BF16", qRank)
		b.fp8(p+"self_attn.q_b_proj", "attention", comp, i, -1, heads*192, qRank)
		b.fp8(p+"self_attn.kv_a_proj_with_mqa", "attention", comp, i, -1, kvRank+rope, d)
		b.add(p+"self_attn.kv_a_layernorm.weight", "norm", comp, i, -1, "BF16", kvRank)
		b.fp8(p+"self_attn.kv_b_proj", "attention", comp, i, -1, heads*256, kvRank)
		b.fp8(p+"self_attn.o_proj", "attention", comp, i, -1, d, heads*128)
		if i < 3 {
			b.fp8(p+"mlp.gate_proj", "ffn", comp, i, -1, ffn, d)
			b.fp8(p+"mlp.up_proj", "ffn", comp, i, -1, ffn, d)
			b.fp8(p+"mlp.down_proj", "ffn", comp, i, -1, d, ffn)
			return
		}
		b.add(p+"mlp.gate.weight", "router", comp, i, -1, "BF16", experts, d)
		b.add(p+"mlp.gate.e_score_correction_bias", "router", comp, i, -1, "F32", experts)
		for e := range experts {
			q := fmt.Sprintf("%smlp.experts.%d.", p, e)
			b.fp8(q+"gate_proj", "expert", comp, i, e, expertFFN, d)
			b.fp8(q+"up_proj", "expert", comp, i, e, expertFFN, d)
			b.fp8(q+"down_proj", "expert", comp, i, e, d, expertFFN)
		}
		b.fp8(p+"mlp.shared_experts.gate_proj", "shared_expert", comp, i, -1, expertFFN, d)
		b.fp8(p+"mlp.shared_experts.up_proj", "shared_expert", comp, i, -1, expertFFN, d)
		b.fp8(p+"mlp.shared_experts.down_proj", "shared_expert", comp, i, -1, d, expertFFN)
	}
	for i := range 61 {
		layer(i, "language_model")
	}
	layer(61, "mtp")
	p := "model.layers.61."
	b.add(p+"embed_tokens.weight", "embedding", "mtp", 61, -1, "BF16", vocab, d)
	b.add(p+"enorm.weight", "norm", "mtp", 61, -1, "BF16", d)
	b.add(p+"hnorm.weight", "norm", "mtp", 61, -1, "BF16", d)
	b.add(p+"eh_proj.weight", "other", "mtp", 61, -1, "BF16", d, 2*d)
	b.add(p+"shared_head.norm.weight", "norm", "mtp", 61, -1, "BF16", d)
	b.add(p+"shared_head.head.weight", "head", "mtp", 61, -1, "BF16", vocab, d)
	b.add("model.norm.weight", "norm", "language_model", -1, -1, "BF16", d)
	b.add("lm_head.weight", "head", "language_model", -1, -1, "BF16", vocab, d)

	pg := &htmlpage.Page{Title: "DeepSeek-V3 (synthetic)", Format: "safetensors", Source: "synthetic/deepseek-v3", Tensors: b.ts}
	var total, routed, shared, router, aux, auxElems, body uint64
	var bytes int64
	sums := map[string]uint64{}
	for _, t := range b.ts {
		total += t.Parameters
		bytes += t.Bytes
		if t.Component == "language_model" {
			sums[t.Role] += t.Parameters
		}
		switch t.Role {
		case "expert":
			routed += t.Parameters
		case "shared_expert":
			shared += t.Parameters
		case "router":
			router += t.Parameters
		case "quant_aux":
			aux++
			auxElems += t.Elements
		}
	}
	inactive := routed / experts * (experts - 8)
	active := total - inactive
	L, dd := uint64(61), uint64(d)
	ld2 := L * dd * dd
	attn := sums["attention"]
	ffnMeasured := sums["ffn"] + sums["shared_expert"] + sums["router"] + sums["expert"] - inactive*61/62
	body = attn + ffnMeasured + sums["norm"]
	pg.Figures = []htmlpage.Figure{
		{Label: "parameters", Value: total},
		{Label: "active", Value: active, Note: fmt.Sprintf("%.1f%% per token", float64(active)*100/float64(total))},
		{Label: "non-embedding", Value: total - 3*vocab*d},
		{Label: "tensors", Value: uint64(len(b.ts)), Unit: "plain"},
		{Label: "bytes", Value: uint64(bytes), Unit: "bytes", Note: fmt.Sprintf("%.2f bits/parameter", float64(bytes)*8/float64(total))},
	}
	pg.Claims = []htmlpage.Claim{
		{Text: "671B", Source: "model card", Claimed: 671e9, Verdict: "matches", Matched: "language_model_parameters",
			MatchedValue: total - sumComp(b.ts, "mtp"), Deviation: float64(total-sumComp(b.ts, "mtp"))/671e9 - 1,
			Explanation: "671B matches the language model without the MTP layer"},
		{Text: "37B activated", Source: "model card", Claimed: 37e9, Verdict: "close", Matched: "active_parameters",
			MatchedValue: active, Deviation: float64(active)/37e9 - 1, Explanation: "the active count includes the MTP layer's experts"},
	}
	pg.Excluded = []htmlpage.Excluded{{What: "quantization bookkeeping (quant_aux)", Tensors: int(aux), Elements: auxElems,
		Reason: "FP8 block scales (weight_scale_inv): stored, not learned parameters"}}
	pg.Formula = &htmlpage.Formula{Layers: 61, HiddenSize: d, TwelveLD2: 12 * ld2, Body: body, Ratio: float64(body) / float64(12*ld2),
		Terms: []htmlpage.Term{
			{Name: "attention", Formula: 4 * ld2, FormulaText: "4·L·d²", Measured: attn, Reason: "multi-head latent attention: queries and keys/values pass through low-rank projections"},
			{Name: "ffn", Formula: 8 * ld2, FormulaText: "8·L·d²", Measured: ffnMeasured, Reason: "mixture of experts: 8 of 256 routed experts per token; shared experts; router"},
			{Name: "norms", FormulaText: "0", Measured: sums["norm"], Reason: "normalization weights, left out of the formula"},
			{Name: "embeddings", FormulaText: "0", Measured: sums["embedding"], Reason: "vocabulary 129,280 × d; the formula excludes embeddings"},
			{Name: "head", FormulaText: "0", Measured: sums["head"], Reason: "untied output head, another V·d"},
			{Name: "inactive experts", FormulaText: "0", Measured: inactive * 61 / 62, Reason: "routed experts a token does not run"},
		}}
	pg.Memory = &htmlpage.Memory{BF16Bytes: 2 * total, FP8Bytes: total, Int4Bytes: total / 2, DiskBytes: bytes,
		KVCacheBytes: 61 * (512 + 64) * 2 * 131072, Context: 131072, KVFormula: "MLA: 61 layers × (kv_lora_rank 512 + rope dim 64) × 2 bytes per token"}
	pg.MoE = &htmlpage.MoE{Experts: experts, ExpertsPerToken: 8, SharedExperts: 1, Total: total, Active: active,
		Routed: routed, ActiveRouted: routed - inactive, Shared: shared, Router: router}
	pg.Notes = []string{"mixture of experts: 8 of 256 routed experts run per token"}
	return pg
}

func sumComp(ts []htmlpage.Tensor, comp string) uint64 {
	var s uint64
	for _, t := range ts {
		if t.Component == comp {
			s += t.Parameters
		}
	}
	return s
}

// Llama is a page of a small dense model shaped like Llama 3.2 1B: 16
// layers of hidden size 2048, grouped-query attention (32 query and 8 KV
// heads of 64), a SwiGLU FFN of 8192, a 128,256-token vocabulary and a
// tied head, in BF16.
func Llama() *htmlpage.Page {
	const d, ffn, vocab, kv = 2048, 8192, 128256, 512
	b := &builder{}
	b.add("model.embed_tokens.weight", "embedding", "language_model", -1, -1, "BF16", vocab, d)
	for i := range 16 {
		p := fmt.Sprintf("model.layers.%d.", i)
		b.add(p+"input_layernorm.weight", "norm", "language_model", i, -1, "BF16", d)
		b.add(p+"self_attn.q_proj.weight", "attention", "language_model", i, -1, "BF16", d, d)
		b.add(p+"self_attn.k_proj.weight", "attention", "language_model", i, -1, "BF16", kv, d)
		b.add(p+"self_attn.v_proj.weight", "attention", "language_model", i, -1, "BF16", kv, d)
		b.add(p+"self_attn.o_proj.weight", "attention", "language_model", i, -1, "BF16", d, d)
		b.add(p+"post_attention_layernorm.weight", "norm", "language_model", i, -1, "BF16", d)
		b.add(p+"mlp.gate_proj.weight", "ffn", "language_model", i, -1, "BF16", ffn, d)
		b.add(p+"mlp.up_proj.weight", "ffn", "language_model", i, -1, "BF16", ffn, d)
		b.add(p+"mlp.down_proj.weight", "ffn", "language_model", i, -1, "BF16", d, ffn)
	}
	b.add("model.norm.weight", "norm", "language_model", -1, -1, "BF16", d)
	pg := &htmlpage.Page{Title: "Llama-3.2-1B (synthetic)", Format: "safetensors", Source: "synthetic/llama-3.2-1b", Tensors: b.ts}
	var total uint64
	var bytes int64
	sums := map[string]uint64{}
	for _, t := range b.ts {
		total += t.Parameters
		bytes += t.Bytes
		sums[t.Role] += t.Parameters
	}
	ld2 := uint64(16) * d * d
	body := sums["attention"] + sums["ffn"] + sums["norm"]
	pg.Figures = []htmlpage.Figure{
		{Label: "parameters", Value: total},
		{Label: "non-embedding", Value: total - vocab*d},
		{Label: "tensors", Value: uint64(len(b.ts)), Unit: "plain"},
		{Label: "bytes", Value: uint64(bytes), Unit: "bytes", Note: "16.00 bits/parameter"},
	}
	pg.Claims = []htmlpage.Claim{{Text: "1B", Source: "name", Claimed: 1e9, Verdict: "matches", Matched: "parameters",
		MatchedValue: total, Deviation: float64(total)/1e9 - 1, Explanation: "1B matches the parameters (1.24B) within the precision of the claim"}}
	pg.Formula = &htmlpage.Formula{Layers: 16, HiddenSize: d, TwelveLD2: 12 * ld2, Body: body, Ratio: float64(body) / float64(12*ld2),
		Terms: []htmlpage.Term{
			{Name: "attention", Formula: 4 * ld2, FormulaText: "4·L·d²", Measured: sums["attention"], Reason: "2.50·d² a layer; grouped-query attention: K and V have 8 heads for 32 query heads"},
			{Name: "ffn", Formula: 8 * ld2, FormulaText: "8·L·d²", Measured: sums["ffn"], Reason: "12.00·d² a layer; gated FFN (SwiGLU): three d×f matrices instead of two"},
			{Name: "norms", FormulaText: "0", Measured: sums["norm"], Reason: "normalization weights, left out of the formula"},
			{Name: "embeddings", FormulaText: "0", Measured: sums["embedding"], Reason: "vocabulary 128,256 × d = 262,668,288; the formula excludes embeddings"},
			{Name: "head", FormulaText: "0", Measured: 0, Reason: "tied: the head reuses the embedding, so it adds nothing"},
		}}
	pg.Memory = &htmlpage.Memory{BF16Bytes: 2 * total, FP8Bytes: total, Int4Bytes: total / 2, DiskBytes: bytes,
		KVCacheBytes: 16 * 2 * 8 * 64 * 2 * 131072, Context: 131072, KVFormula: "16 layers × 2 (K, V) × 8 KV heads × head size 64 × 2 bytes per token"}
	pg.Excluded = []htmlpage.Excluded{{What: "tied head", Tensors: 0, Reason: "the head reuses the embedding and is not stored"}}
	return pg
}
