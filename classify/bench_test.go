package classify

import (
	"fmt"
	"testing"
)

// deepSeekV3Names lists the tensor names of the DeepSeek-V3 FP8 checkpoint
// (61 blocks plus the MTP block 61, 256 routed experts, a weight_scale_inv
// beside every FP8 linear): 91,000-odd names, the largest common case.
func deepSeekV3Names() []string {
	var names []string
	add := func(name string) { names = append(names, name) }
	linear := func(module string) { names = append(names, module+".weight", module+".weight_scale_inv") }
	add("model.embed_tokens.weight")
	for l := range 62 {
		p := fmt.Sprintf("model.layers.%d.", l)
		add(p + "input_layernorm.weight")
		add(p + "post_attention_layernorm.weight")
		for _, m := range []string{"q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"} {
			linear(p + "self_attn." + m)
		}
		add(p + "self_attn.q_a_layernorm.weight")
		add(p + "self_attn.kv_a_layernorm.weight")
		if l < 3 {
			for _, m := range []string{"gate_proj", "up_proj", "down_proj"} {
				linear(p + "mlp." + m)
			}
			continue
		}
		add(p + "mlp.gate.weight")
		add(p + "mlp.gate.e_score_correction_bias")
		for _, m := range []string{"gate_proj", "up_proj", "down_proj"} {
			linear(p + "mlp.shared_experts." + m)
		}
		for e := range 256 {
			for _, m := range []string{"gate_proj", "up_proj", "down_proj"} {
				linear(fmt.Sprintf("%smlp.experts.%d.%s", p, e, m))
			}
		}
		if l == 61 {
			for _, m := range []string{"enorm.weight", "hnorm.weight", "eh_proj.weight", "shared_head.head.weight", "shared_head.norm.weight", "embed_tokens.weight"} {
				add(p + m)
			}
		}
	}
	add("model.norm.weight")
	add("lm_head.weight")
	return names
}

// ggufNames lists a deepseek2 GGUF's tensor names.
func ggufNames() []string {
	var names []string
	names = append(names, "token_embd.weight", "output_norm.weight", "output.weight")
	for l := range 61 {
		for _, m := range []string{"attn_norm", "attn_q_a", "attn_q_a_norm", "attn_q_b", "attn_kv_a_mqa", "attn_kv_a_norm", "attn_k_b", "attn_v_b", "attn_output", "ffn_norm"} {
			names = append(names, fmt.Sprintf("blk.%d.%s.weight", l, m))
		}
		for _, m := range []string{"ffn_gate_inp", "ffn_gate_exps", "ffn_up_exps", "ffn_down_exps", "ffn_gate_shexp", "ffn_up_shexp", "ffn_down_shexp"} {
			names = append(names, fmt.Sprintf("blk.%d.%s.weight", l, m))
		}
		names = append(names, fmt.Sprintf("blk.%d.exp_probs_b.bias", l))
	}
	return names
}

func benchmarkNames(b *testing.B, names []string) {
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range names {
			_ = Tensor(n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(names)), "ns/name")
}

// One op classifies the whole checkpoint.
func BenchmarkDeepSeekV3Checkpoint(b *testing.B) {
	names := deepSeekV3Names()
	b.Logf("%d names", len(names))
	benchmarkNames(b, names)
}

func BenchmarkGGUFCheckpoint(b *testing.B) { benchmarkNames(b, ggufNames()) }

func BenchmarkTensor(b *testing.B) {
	for _, name := range []string{
		"model.layers.17.mlp.experts.203.down_proj.weight_scale_inv",
		"model.layers.0.self_attn.q_proj.weight",
		"h.0.attn.bias",
		"blk.12.ffn_gate_exps.weight",
		"vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight",
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Tensor(name)
			}
		})
	}
}

func TestDeepSeekV3List(t *testing.T) {
	names := deepSeekV3Names()
	counts := map[Role]int{}
	for _, n := range names {
		l := Tensor(n)
		if !l.Known() {
			t.Fatalf("unknown %q", n)
		}
		counts[l.Role]++
	}
	// 59 MoE blocks × 256 experts × 3 projections.
	if counts[RoleExpert] != 59*256*3 {
		t.Fatalf("experts: %d", counts[RoleExpert])
	}
}
