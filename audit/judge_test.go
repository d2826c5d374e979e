package audit

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/fixture/archs"
)

func claim(text string, kind ClaimKind, value, precision float64) Claim {
	return Claim{Text: text, Source: "--claim", Kind: kind, Value: value, Precision: precision}
}

func TestAuditExamples(t *testing.T) {
	cases := []struct {
		name    string
		model   archs.Model
		claim   Claim
		verdict VerdictKind
		matched string
		explain []string
	}{
		{"Llama-3.1-8B 8B", archs.Llama31_8B(), claim("8B", ClaimTotal, 8e9, 0.5e9),
			Matches, "parameters", []string{"8B matches parameters: 8.03B is within 7.50B–8.50B"}},
		{"Mistral-7B 7B", archs.Mistral7B(), claim("7B", ClaimTotal, 7e9, 0.5e9),
			Matches, "parameters", []string{"7.24B is within 6.50B–7.50B"}},
		// A plain claim is about the total: gemma-7b holds 8.54B, and its
		// non-embedding 7.75B is more than 5% off too.
		{"gemma-7b 7B", archs.Gemma7B(), claim("7B", ClaimTotal, 7e9, 0.5e9),
			Mismatches, "parameters", []string{"7B does not match: the total is 8.54B (22.0% above the claim), outside 6.50B–7.50B and ±5%", "non-embedding parameters 7.75B"}},
		// An 8.03B model does not pass a 7B claim because its non-embedding
		// count happens to be 6.98B.
		{"Llama-3.1-8B 7B", archs.Llama31_8B(), claim("7B", ClaimTotal, 7e9, 0.5e9),
			Mismatches, "parameters", []string{"7B is close to the non-embedding count, 6.98B; the total is 8.03B (14.7% above the claim), so 7B does not match"}},
		{"DeepSeek-V3 671B", archs.DeepSeekV3(), claim("671B", ClaimTotal, 671e9, 0.5e9),
			Matches, "language_model_parameters", []string{"671B matches the main language model: 671.03B", "parameters 684.49B (including mtp 13.46B)", "elements as stored 684.53B (includes 41.54M of quantization bookkeeping)"}},
		{"gpt2 124M", archs.GPT2Small(), claim("124M", ClaimTotal, 124e6, 0.5e6),
			Matches, "parameters", []string{"124.44M is within 123.50M–124.50M", "elements as stored 137.02M (includes 12.58M of buffers)"}},
		{"Qwen2.5-0.5B 0.49B", archs.Qwen25_05B(), claim("0.49B", ClaimTotal, 0.49e9, 0.005e9),
			Matches, "parameters", nil},
		{"Qwen2.5-0.5B non-embedding 0.36B", archs.Qwen25_05B(), claim("0.36B", ClaimNonEmbedding, 0.36e9, 0.005e9),
			Matches, "non_embedding_parameters", nil},
		{"Qwen3-30B-A3B A3B", archs.Qwen3_30B_A3B(), claim("A3B", ClaimActive, 3e9, 0.5e9),
			Matches, "active_parameters", []string{"3.35B is within 2.50B–3.50B"}},
		// "30B" is about the total, 30.53B: close. That the non-embedding
		// count (29.91B) lies in its range changes nothing.
		{"Qwen3-30B-A3B 30B", archs.Qwen3_30B_A3B(), claim("30B", ClaimTotal, 30e9, 0.5e9),
			Close, "parameters", []string{"30B is close to parameters: 30.53B is 1.8% above the claim, outside 29.50B–30.50B"}},
		{"Llama-3.1-70B 70B", archs.Llama31_70B(), claim("70B", ClaimTotal, 70e9, 0.5e9),
			Close, "parameters", []string{"70B is close to parameters: 70.55B is 0.8% above the claim, outside 69.50B–70.50B"}},
		{"Mixtral 8x7B", archs.Mixtral8x7B(), Claim{Text: "8x7B", Source: "directory name", Kind: ClaimExperts, Value: 7e9, Precision: 0.5e9, Experts: 8},
			Label, "parameters", []string{"8x7B is an expert-count label, not a count: 8 experts of about 7.00B", "holds 46.70B parameters (not 56.00B), 12.88B active per token (2 of 8 experts)"}},
		{"Mixtral wrong expert count", archs.Mixtral8x7B(), Claim{Text: "16x7B", Kind: ClaimExperts, Value: 7e9, Experts: 16},
			Mismatches, "", []string{"names 16 experts, but the weights hold 8"}},
		{"dense model, active claim", archs.Mistral7B(), claim("A3B", ClaimActive, 3e9, 0.5e9),
			Mismatches, "", []string{"the weights hold no routed experts"}},
		{"exact index total", archs.Llama31_8B(), claim("8030261248", ClaimExact, 8030261248, 0),
			Matches, "parameters", []string{"within exactly 8,030,261,248"}},
		{"effective size", archs.Qwen25_05B(), claim("E2B", ClaimEffective, 2e9, 0.5e9),
			Label, "", []string{"effective size"}},
		// gemma-3n's "E2B": 4.46B stored, 2.01B of them per-layer
		// embeddings; 1.91B without those, the token embedding and head.
		{"gemma-3n E2B", archs.Gemma3nE2BText(), claim("E2B", ClaimEffective, 2e9, 0.5e9),
			Label, "non_embedding_parameters", []string{"the files hold 4.46B parameters, 2.01B of them per-layer embeddings", "without them 2.44B, and 1.91B without the token embedding and head"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := build(t, c.model)
			vs := Judge(r, []Claim{c.claim})
			require.Len(t, vs, 1)
			v := vs[0]
			require.Equal(t, c.verdict, v.Verdict, v.Explanation)
			require.Equal(t, c.matched, v.Matched, v.Explanation)
			for _, e := range c.explain {
				require.Contains(t, v.Explanation, e)
			}
			require.Equal(t, c.verdict == Mismatches, Mismatch(vs))
		})
	}
}
