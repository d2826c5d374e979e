package classify

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// checkArch asserts rows under one architecture.
func checkArch(t *testing.T, a Arch, rows []row) {
	t.Helper()
	c := New(a)
	seen := map[string]bool{}
	for _, r := range rows {
		require.False(t, seen[r.name], "duplicate row %q", r.name)
		seen[r.name] = true
		t.Run(r.name, func(t *testing.T) {
			l := c.Tensor(r.name)
			got := want{l.Role, l.Component, int(l.Layer), int(l.Expert), l.Kind, l.Canonical}
			require.Equal(t, r.want, got)
		})
	}
}

func mustConfig(t *testing.T, cfg string) Arch {
	t.Helper()
	a, err := ParseConfig([]byte(cfg))
	require.NoError(t, err)
	return a
}

func ssmRow(name string, layer int) row {
	return row{name, want{RoleSSM, lm, layer, -1, KindSeqMix, ""}}
}

func normRow(name string, layer int, canon string) row {
	return row{name, want{RoleNorm, lm, layer, -1, KindNorm, canon}}
}

// Mamba-1 (state-spaces/mamba-130m-hf) and Mamba-2 (mamba2-2.7b,
// transformers Mamba2): every block's mixer is ssm, by name and by
// architecture alike.
func TestMambaNames(t *testing.T) {
	rows := []row{
		{"backbone.embeddings.weight", want{RoleEmbedding, lm, -1, -1, KindTokenEmbd, "token_embd.weight"}},
		normRow("backbone.layers.0.norm.weight", 0, "blk.0.attn_norm.weight"),
		ssmRow("backbone.layers.0.mixer.in_proj.weight", 0),
		ssmRow("backbone.layers.0.mixer.conv1d.weight", 0),
		ssmRow("backbone.layers.0.mixer.conv1d.bias", 0),
		ssmRow("backbone.layers.0.mixer.x_proj.weight", 0),
		ssmRow("backbone.layers.0.mixer.dt_proj.weight", 0),
		ssmRow("backbone.layers.0.mixer.dt_proj.bias", 0),
		ssmRow("backbone.layers.23.mixer.A_log", 23),
		ssmRow("backbone.layers.23.mixer.D", 23),
		ssmRow("backbone.layers.0.mixer.out_proj.weight", 0),
		ssmRow("backbone.layers.0.mixer.dt_bias", 0), // mamba2
		normRow("backbone.layers.0.mixer.norm.weight", 0, ""),
		normRow("backbone.norm_f.weight", -1, "output_norm.weight"),
		{"lm_head.weight", want{RoleHead, lm, -1, -1, KindOutput, "output.weight"}},
	}
	checkRows(t, rows)
	checkArch(t, Arch{Architecture: "mamba", Layers: 24}, rows)
	checkArch(t, Arch{Architecture: "mamba2", Layers: 64}, rows)
}

// Jamba (ai21labs/Jamba-v0.1): attention every 8th block from 4, Mamba in
// the rest; MoE every 2nd block from 1 under feed_forward.
func TestJambaNames(t *testing.T) {
	a := mustConfig(t, `{"model_type":"jamba","architectures":["JambaForCausalLM"],"num_hidden_layers":32,
		"attn_layer_period":8,"attn_layer_offset":4,"expert_layer_period":2,"expert_layer_offset":1}`)
	require.Equal(t, "jamba", a.Architecture)
	require.Equal(t, 32, a.Layers)
	require.Equal(t, LayerSSM, a.LayerType(0))
	require.Equal(t, LayerAttention, a.LayerType(4))
	require.Equal(t, LayerAttention, a.LayerType(12))
	require.Equal(t, LayerSSM, a.LayerType(13))
	rows := []row{
		{"model.embed_tokens.weight", want{RoleEmbedding, lm, -1, -1, KindTokenEmbd, "token_embd.weight"}},
		normRow("model.layers.0.input_layernorm.weight", 0, "blk.0.attn_norm.weight"),
		normRow("model.layers.0.pre_ff_layernorm.weight", 0, "blk.0.ffn_norm.weight"),
		ssmRow("model.layers.0.mamba.in_proj.weight", 0),
		ssmRow("model.layers.0.mamba.conv1d.weight", 0),
		ssmRow("model.layers.0.mamba.conv1d.bias", 0),
		ssmRow("model.layers.0.mamba.x_proj.weight", 0),
		ssmRow("model.layers.0.mamba.dt_proj.weight", 0),
		ssmRow("model.layers.0.mamba.dt_proj.bias", 0),
		ssmRow("model.layers.0.mamba.A_log", 0),
		ssmRow("model.layers.0.mamba.D", 0),
		ssmRow("model.layers.0.mamba.out_proj.weight", 0),
		normRow("model.layers.0.mamba.dt_layernorm.weight", 0, ""),
		normRow("model.layers.0.mamba.b_layernorm.weight", 0, ""),
		normRow("model.layers.0.mamba.c_layernorm.weight", 0, ""),
		{"model.layers.0.feed_forward.gate_proj.weight", want{RoleFFN, lm, 0, -1, KindFFNGate, "blk.0.ffn_gate.weight"}},
		{"model.layers.1.feed_forward.router.weight", want{RoleRouter, lm, 1, -1, KindRouter, "blk.1.ffn_gate_inp.weight"}},
		{"model.layers.1.feed_forward.experts.15.down_proj.weight", want{RoleExpert, lm, 1, 15, KindFFNDown, "blk.1.ffn_down_exps.weight"}},
		{"model.layers.4.self_attn.q_proj.weight", want{RoleAttention, lm, 4, -1, KindAttnQ, "blk.4.attn_q.weight"}},
		{"model.layers.4.self_attn.o_proj.weight", want{RoleAttention, lm, 4, -1, KindAttnOut, "blk.4.attn_output.weight"}},
		normRow("model.final_layernorm.weight", -1, "output_norm.weight"),
	}
	checkRows(t, rows)
	checkArch(t, a, rows)
}

// Falcon-H1: attention and Mamba-2 side by side in every block; the names
// say which is which.
func TestFalconH1Names(t *testing.T) {
	a := mustConfig(t, `{"model_type":"falcon_h1","architectures":["FalconH1ForCausalLM"],"num_hidden_layers":36}`)
	require.Equal(t, LayerHybrid, a.LayerType(7))
	rows := []row{
		{"model.layers.7.self_attn.k_proj.weight", want{RoleAttention, lm, 7, -1, KindAttnK, "blk.7.attn_k.weight"}},
		ssmRow("model.layers.7.mamba.in_proj.weight", 7),
		ssmRow("model.layers.7.mamba.conv1d.weight", 7),
		ssmRow("model.layers.7.mamba.dt_bias", 7),
		ssmRow("model.layers.7.mamba.A_log", 7),
		ssmRow("model.layers.7.mamba.D", 7),
		normRow("model.layers.7.mamba.norm.weight", 7, ""),
		ssmRow("model.layers.7.mamba.out_proj.weight", 7),
		{"model.layers.7.feed_forward.down_proj.weight", want{RoleFFN, lm, 7, -1, KindFFNDown, "blk.7.ffn_down.weight"}},
		normRow("model.layers.7.pre_ff_layernorm.weight", 7, "blk.7.ffn_norm.weight"),
		normRow("model.final_layernorm.weight", -1, "output_norm.weight"),
	}
	checkRows(t, rows)
	checkArch(t, a, rows)
}

// Nemotron-H (nvidia/Nemotron-H-8B-Base-8K): one mixer per block, named
// "mixer" whatever it is; hybrid_override_pattern says which.
func TestNemotronHNames(t *testing.T) {
	a := mustConfig(t, `{"model_type":"nemotron_h","architectures":["NemotronHForCausalLM"],"num_hidden_layers":6,
		"hybrid_override_pattern":"M-M*-E"}`)
	require.Equal(t, []LayerType{LayerSSM, LayerMLP, LayerSSM, LayerAttention, LayerMLP, LayerMoE}, a.LayerTypes)
	rows := []row{
		{"backbone.embeddings.weight", want{RoleEmbedding, lm, -1, -1, KindTokenEmbd, "token_embd.weight"}},
		normRow("backbone.layers.0.norm.weight", 0, "blk.0.attn_norm.weight"),
		ssmRow("backbone.layers.0.mixer.in_proj.weight", 0),
		ssmRow("backbone.layers.0.mixer.conv1d.weight", 0),
		ssmRow("backbone.layers.0.mixer.dt_bias", 0),
		ssmRow("backbone.layers.0.mixer.A_log", 0),
		ssmRow("backbone.layers.0.mixer.D", 0),
		normRow("backbone.layers.0.mixer.norm.weight", 0, ""),
		ssmRow("backbone.layers.0.mixer.out_proj.weight", 0),
		{"backbone.layers.1.mixer.up_proj.weight", want{RoleFFN, lm, 1, -1, KindFFNUp, "blk.1.ffn_up.weight"}},
		{"backbone.layers.1.mixer.down_proj.weight", want{RoleFFN, lm, 1, -1, KindFFNDown, "blk.1.ffn_down.weight"}},
		{"backbone.layers.3.mixer.q_proj.weight", want{RoleAttention, lm, 3, -1, KindAttnQ, "blk.3.attn_q.weight"}},
		{"backbone.layers.3.mixer.o_proj.weight", want{RoleAttention, lm, 3, -1, KindAttnOut, "blk.3.attn_output.weight"}},
		{"backbone.layers.5.mixer.gate.weight", want{RoleRouter, lm, 5, -1, KindRouter, "blk.5.ffn_gate_inp.weight"}},
		{"backbone.layers.5.mixer.experts.3.up_proj.weight", want{RoleExpert, lm, 5, 3, KindFFNUp, "blk.5.ffn_up_exps.weight"}},
		{"backbone.layers.5.mixer.shared_experts.down_proj.weight", want{RoleSharedExpert, lm, 5, -1, KindFFNDown, "blk.5.ffn_down_shexp.weight"}},
		normRow("backbone.norm_f.weight", -1, "output_norm.weight"),
	}
	checkArch(t, a, rows)
	// Without the pattern the projections' names still tell the blocks apart.
	checkRows(t, rows)
}

// Granite-4.0-H (ibm-granite/granite-4.0-h-small): layer_types, Mamba-2
// under "mamba", routed experts fused in block_sparse_moe.input_linear /
// output_linear, a shared expert in shared_mlp.
func TestGranite4HNames(t *testing.T) {
	a := mustConfig(t, `{"model_type":"granitemoehybrid","num_hidden_layers":4,
		"layer_types":["mamba","mamba","mamba","attention"]}`)
	require.Equal(t, LayerAttention, a.LayerType(3))
	rows := []row{
		ssmRow("model.layers.0.mamba.in_proj.weight", 0),
		ssmRow("model.layers.0.mamba.A_log", 0),
		normRow("model.layers.0.mamba.norm.weight", 0, ""),
		{"model.layers.3.self_attn.q_proj.weight", want{RoleAttention, lm, 3, -1, KindAttnQ, "blk.3.attn_q.weight"}},
		{"model.layers.0.block_sparse_moe.input_linear.weight", want{RoleExpert, lm, 0, -1, KindFFNGateUp, "blk.0.ffn_gate_up_exps.weight"}},
		{"model.layers.0.block_sparse_moe.output_linear.weight", want{RoleExpert, lm, 0, -1, KindFFNDown, "blk.0.ffn_down_exps.weight"}},
		{"model.layers.0.block_sparse_moe.router.layer.weight", want{RoleRouter, lm, 0, -1, KindRouter, "blk.0.ffn_gate_inp.weight"}},
		{"model.layers.0.shared_mlp.input_linear.weight", want{RoleSharedExpert, lm, 0, -1, KindFFNGateUp, ""}},
		{"model.layers.0.shared_mlp.output_linear.weight", want{RoleSharedExpert, lm, 0, -1, KindFFNDown, "blk.0.ffn_down_shexp.weight"}},
		normRow("model.layers.0.post_attention_layernorm.weight", 0, "blk.0.ffn_norm.weight"),
	}
	checkRows(t, rows)
	checkArch(t, a, rows)
	l := Tensor("model.layers.0.block_sparse_moe.input_linear.weight")
	require.True(t, l.Fused3D)
}

// Qwen3-Next-80B-A3B: gated DeltaNet in three blocks of four, gated
// attention (q_proj twice as wide) in the fourth, 512 experts with a shared
// expert, one MTP layer under mtp.*.
func TestQwen3NextNames(t *testing.T) {
	a := mustConfig(t, `{"model_type":"qwen3_next","num_hidden_layers":48,"full_attention_interval":4}`)
	require.Equal(t, LayerLinearAttention, a.LayerType(0))
	require.Equal(t, LayerAttention, a.LayerType(3))
	require.Equal(t, LayerAttention, a.LayerType(47))
	rows := []row{
		ssmRow("model.layers.0.linear_attn.in_proj_qkvz.weight", 0),
		ssmRow("model.layers.0.linear_attn.in_proj_ba.weight", 0),
		ssmRow("model.layers.0.linear_attn.conv1d.weight", 0),
		ssmRow("model.layers.0.linear_attn.A_log", 0),
		ssmRow("model.layers.0.linear_attn.dt_bias", 0),
		normRow("model.layers.0.linear_attn.norm.weight", 0, ""),
		ssmRow("model.layers.0.linear_attn.out_proj.weight", 0),
		{"model.layers.3.self_attn.q_proj.weight", want{RoleAttention, lm, 3, -1, KindAttnQ, "blk.3.attn_q.weight"}},
		normRow("model.layers.3.self_attn.k_norm.weight", 3, "blk.3.attn_k_norm.weight"),
		{"model.layers.0.mlp.gate.weight", want{RoleRouter, lm, 0, -1, KindRouter, "blk.0.ffn_gate_inp.weight"}},
		{"model.layers.0.mlp.experts.511.up_proj.weight", want{RoleExpert, lm, 0, 511, KindFFNUp, "blk.0.ffn_up_exps.weight"}},
		{"model.layers.0.mlp.shared_expert.gate_proj.weight", want{RoleSharedExpert, lm, 0, -1, KindFFNGate, "blk.0.ffn_gate_shexp.weight"}},
		{"model.layers.0.mlp.shared_expert_gate.weight", want{RoleRouter, lm, 0, -1, KindSharedExpertGate, "blk.0.ffn_gate_inp_shexp.weight"}},
		{"mtp.fc.weight", want{RoleOther, mtp, -1, -1, KindMTPProj, ""}},
		{"mtp.pre_fc_norm_embedding.weight", want{RoleNorm, mtp, -1, -1, KindNorm, ""}},
		{"mtp.pre_fc_norm_hidden.weight", want{RoleNorm, mtp, -1, -1, KindNorm, ""}},
		{"mtp.norm.weight", want{RoleNorm, mtp, -1, -1, KindNorm, ""}},
		{"mtp.layers.0.self_attn.q_proj.weight", want{RoleAttention, mtp, 0, -1, KindAttnQ, ""}},
		{"mtp.layers.0.mlp.experts.7.down_proj.weight", want{RoleExpert, mtp, 0, 7, KindFFNDown, ""}},
	}
	checkRows(t, rows)
	checkArch(t, a, rows)
}

// Kimi Linear (moonshotai/Kimi-Linear-48B-A3B): KDA and MLA blocks are both
// "self_attn"; linear_attn_config (1-based) says which.
func TestKimiLinearNames(t *testing.T) {
	a := mustConfig(t, `{"model_type":"kimi_linear","num_hidden_layers":4,
		"linear_attn_config":{"kda_layers":[1,2,3],"full_attn_layers":[4]}}`)
	require.Equal(t, []LayerType{LayerLinearAttention, LayerLinearAttention, LayerLinearAttention, LayerAttention}, a.LayerTypes)
	checkArch(t, a, []row{
		ssmRow("model.layers.0.self_attn.q_proj.weight", 0),
		ssmRow("model.layers.0.self_attn.q_conv1d.weight", 0),
		ssmRow("model.layers.0.self_attn.f_a_proj.weight", 0),
		ssmRow("model.layers.0.self_attn.A_log", 0),
		ssmRow("model.layers.0.self_attn.dt_bias", 0),
		ssmRow("model.layers.0.self_attn.o_proj.weight", 0),
		normRow("model.layers.0.self_attn.o_norm.weight", 0, ""),
		{"model.layers.3.self_attn.kv_a_proj_with_mqa.weight", want{RoleAttention, lm, 3, -1, KindAttnKVA, "blk.3.attn_kv_a_mqa.weight"}},
		{"model.layers.3.self_attn.q_proj.weight", want{RoleAttention, lm, 3, -1, KindAttnQ, "blk.3.attn_q.weight"}},
	})
}

// RWKV-7 (fla-hub/rwkv7-*): time mix under attn, channel mix under ffn.
func TestRWKV7Names(t *testing.T) {
	a := Arch{Architecture: "rwkv7", Layers: 24}
	checkArch(t, a, []row{
		{"model.embeddings.weight", want{RoleEmbedding, lm, -1, -1, KindTokenEmbd, "token_embd.weight"}},
		normRow("model.layers.0.pre_norm.weight", 0, ""),
		normRow("model.layers.0.attn_norm.weight", 0, "blk.0.attn_norm.weight"),
		normRow("model.layers.0.ffn_norm.weight", 0, "blk.0.ffn_norm.weight"),
		ssmRow("model.layers.0.attn.x_r", 0),
		ssmRow("model.layers.0.attn.k_k", 0),
		ssmRow("model.layers.0.attn.r_proj.weight", 0),
		ssmRow("model.layers.0.attn.o_proj.weight", 0),
		ssmRow("model.layers.0.attn.w_lora.lora.0.weight", 0),
		normRow("model.layers.0.attn.g_norm.weight", 0, ""),
		{"model.layers.0.ffn.key.weight", want{RoleFFN, lm, 0, -1, KindFFNUp, "blk.0.ffn_up.weight"}},
		{"model.layers.0.ffn.value.weight", want{RoleFFN, lm, 0, -1, KindFFNDown, "blk.0.ffn_down.weight"}},
		{"model.layers.0.ffn.x_k", want{RoleFFN, lm, 0, -1, KindNone, ""}},
		normRow("model.norm.weight", -1, "output_norm.weight"),
	})
}

// GLM-4.5 (zai-org/GLM-4.5): the MTP layer is appended as
// model.layers.<num_hidden_layers>; only its MTP-only tensors say so by
// name, the rest need Arch.Layers.
func TestGLM45MTP(t *testing.T) {
	a := Arch{Architecture: "glm4_moe", Layers: 92}
	checkArch(t, a, []row{
		{"model.layers.91.mlp.experts.159.up_proj.weight", want{RoleExpert, lm, 91, 159, KindFFNUp, "blk.91.ffn_up_exps.weight"}},
		{"model.layers.92.self_attn.q_proj.weight", want{RoleAttention, mtp, 92, -1, KindAttnQ, "blk.92.attn_q.weight"}},
		{"model.layers.92.mlp.experts.0.down_proj.weight", want{RoleExpert, mtp, 92, 0, KindFFNDown, "blk.92.ffn_down_exps.weight"}},
		{"model.layers.92.eh_proj.weight", want{RoleOther, mtp, 92, -1, KindMTPProj, "blk.92.nextn.eh_proj.weight"}},
		{"model.layers.92.enorm.weight", want{RoleNorm, mtp, 92, -1, KindNorm, "blk.92.nextn.enorm.weight"}},
		{"model.layers.92.shared_head.norm.weight", want{RoleNorm, mtp, 92, -1, KindNorm, "blk.92.nextn.shared_head_norm.weight"}},
	})
	// Name only: the plain tensors of the MTP block look like block 92.
	require.Equal(t, lm, Tensor("model.layers.92.self_attn.q_proj.weight").Component)
}

// DeepSeek-V3.2-Exp sparse-attention indexer, and Kimi-K2 (DeepSeek-V3
// architecture with 384 experts).
func TestDeepSeekV32AndKimiK2Names(t *testing.T) {
	rows := []row{
		{"model.layers.0.self_attn.indexer.wq_b.weight", want{RoleAttention, lm, 0, -1, KindAttnIndexer, "blk.0.indexer.attn_q_b.weight"}},
		{"model.layers.0.self_attn.indexer.wk.weight", want{RoleAttention, lm, 0, -1, KindAttnIndexer, "blk.0.indexer.attn_k.weight"}},
		{"model.layers.0.self_attn.indexer.weights_proj.weight", want{RoleAttention, lm, 0, -1, KindAttnIndexer, "blk.0.indexer.proj.weight"}},
		normRow("model.layers.0.self_attn.indexer.k_norm.weight", 0, "blk.0.indexer.k_norm.weight"),
		{"model.layers.60.mlp.experts.383.gate_proj.weight", want{RoleExpert, lm, 60, 383, KindFFNGate, "blk.60.ffn_gate_exps.weight"}},
		{"model.layers.60.mlp.gate.e_score_correction_bias", want{RoleRouter, lm, 60, -1, KindRouterBias, "blk.60.exp_probs_b.bias"}},
	}
	checkRows(t, rows)
	checkArch(t, Arch{Architecture: "kimi_k2", Layers: 61}, rows)
	l := TensorOf(Arch{Architecture: "deepseek_v3", Layers: 61}, "model.layers.61.self_attn.indexer.wk.weight")
	require.Equal(t, mtp, l.Component)
}

// Llama 4 Scout: fused experts without .weight, a shared expert, a vision
// tower and a projector.
func TestLlama4ScoutNames(t *testing.T) {
	checkRows(t, []row{
		{"language_model.model.layers.0.feed_forward.experts.gate_up_proj", want{RoleExpert, lm, 0, -1, KindFFNGateUp, "blk.0.ffn_gate_up_exps.weight"}},
		{"language_model.model.layers.0.feed_forward.experts.down_proj", want{RoleExpert, lm, 0, -1, KindFFNDown, "blk.0.ffn_down_exps.weight"}},
		{"language_model.model.layers.0.feed_forward.router.weight", want{RoleRouter, lm, 0, -1, KindRouter, "blk.0.ffn_gate_inp.weight"}},
		{"language_model.model.layers.0.feed_forward.shared_expert.up_proj.weight", want{RoleSharedExpert, lm, 0, -1, KindFFNUp, "blk.0.ffn_up_shexp.weight"}},
		{"vision_model.patch_embedding.linear.weight", want{RoleEmbedding, vis, -1, -1, KindPatchEmbd, ""}},
		{"vision_model.model.layers.0.self_attn.q_proj.weight", want{RoleAttention, vis, 0, -1, KindAttnQ, ""}},
		{"vision_model.model.layers.0.mlp.fc1.weight", want{RoleFFN, vis, 0, -1, KindFFNUp, ""}},
		{"vision_model.vision_adapter.mlp.fc1.weight", want{RoleFFN, vis, -1, -1, KindFFNUp, ""}},
		{"multi_modal_projector.linear_1.weight", want{RoleFFN, prj, -1, -1, KindNone, ""}},
	})
}

// gemma-3n: per-layer embeddings and the AltUp/LAuReL extras.
func TestGemma3nNames(t *testing.T) {
	checkRows(t, []row{
		{"model.language_model.embed_tokens.weight", want{RoleEmbedding, lm, -1, -1, KindTokenEmbd, "token_embd.weight"}},
		{"model.language_model.embed_tokens_per_layer.weight", want{RoleEmbedding, lm, -1, -1, KindPerLayerEmbd, "per_layer_token_embd.weight"}},
		{"model.language_model.per_layer_projection_norm.weight", want{RoleNorm, lm, -1, -1, KindNorm, ""}},
		{"model.language_model.layers.0.post_per_layer_input_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.post_norm.weight"}},
		{"model.language_model.layers.0.laurel.post_laurel_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.laurel_post_norm.weight"}},
		{"model.language_model.layers.0.altup.router_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.altup_router_norm.weight"}},
		{"model.language_model.per_layer_model_projection.weight", want{RoleOther, lm, -1, -1, KindPerLayerProj, "per_layer_model_proj.weight"}},
		{"model.language_model.altup_projections.0.weight", want{RoleOther, lm, -1, -1, KindAltUp, ""}},
		{"model.language_model.altup_unembed_projections.2.weight", want{RoleOther, lm, -1, -1, KindAltUp, ""}},
		{"model.language_model.layers.3.altup.correct_output_scale", want{RoleOther, lm, 3, -1, KindAltUp, ""}},
		{"model.language_model.layers.3.altup.correction_coefs.weight", want{RoleOther, lm, 3, -1, KindAltUp, "blk.3.altup_correct_coef.weight"}},
		{"model.language_model.layers.3.altup.modality_router.weight", want{RoleOther, lm, 3, -1, KindAltUp, "blk.3.altup_router.weight"}},
		{"model.language_model.layers.3.laurel.linear_left.weight", want{RoleOther, lm, 3, -1, KindLaurel, "blk.3.laurel_l.weight"}},
		{"model.language_model.layers.3.per_layer_input_gate.weight", want{RoleOther, lm, 3, -1, KindPerLayerProj, "blk.3.inp_gate.weight"}},
		{"model.language_model.layers.3.per_layer_projection.weight", want{RoleOther, lm, 3, -1, KindPerLayerProj, "blk.3.proj.weight"}},
		{"per_layer_token_embd.weight", want{RoleEmbedding, lm, -1, -1, KindPerLayerEmbd, "per_layer_token_embd.weight"}},
		{"blk.3.laurel_r.weight", want{RoleOther, lm, 3, -1, KindLaurel, "blk.3.laurel_r.weight"}},
		{"blk.3.altup_predict_coef.weight", want{RoleOther, lm, 3, -1, KindAltUp, "blk.3.altup_predict_coef.weight"}},
	})
}

// Whisper: with the architecture known the encoder is the audio tower,
// and its conv1/conv2 stem is its embedding.
func TestWhisperNames(t *testing.T) {
	a := mustConfig(t, `{"model_type":"whisper","architectures":["WhisperForConditionalGeneration"],
		"encoder_layers":32,"decoder_layers":32,"num_hidden_layers":32}`)
	checkArch(t, a, []row{
		{"model.encoder.conv1.weight", want{RoleEmbedding, aud, -1, -1, KindPatchEmbd, ""}},
		{"model.encoder.conv2.bias", want{RoleEmbedding, aud, -1, -1, KindPatchEmbd, ""}},
		{"model.encoder.embed_positions.weight", want{RolePositionEmbedding, aud, -1, -1, KindPosEmbd, ""}},
		{"model.encoder.layers.0.self_attn.k_proj.weight", want{RoleAttention, aud, 0, -1, KindAttnK, ""}},
		{"model.encoder.layers.0.fc1.weight", want{RoleFFN, aud, 0, -1, KindFFNUp, ""}},
		{"model.encoder.layer_norm.weight", want{RoleNorm, aud, -1, -1, KindNorm, ""}},
		{"model.decoder.embed_tokens.weight", want{RoleEmbedding, lm, -1, -1, KindTokenEmbd, "token_embd.weight"}},
		{"model.decoder.layers.0.encoder_attn.q_proj.weight", want{RoleAttention, lm, 0, -1, KindAttnQ, "dec.blk.0.cross_attn_q.weight"}},
		{"model.decoder.layers.0.encoder_attn_layer_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "dec.blk.0.cross_attn_norm.weight"}},
		{"proj_out.weight", want{RoleHead, lm, -1, -1, KindOutput, "output.weight"}},
	})
	// Name only, the encoder conv stem is still the embedding.
	require.Equal(t, RoleEmbedding, Tensor("model.encoder.conv1.weight").Role)
}

// BERT: pooler and cls heads are head; LayerNorm.gamma/beta are norms.
func TestBERTHeads(t *testing.T) {
	checkRows(t, []row{
		{"bert.pooler.dense.bias", want{RoleHead, lm, -1, -1, KindPooler, ""}},
		{"cls.predictions.transform.dense.weight", want{RoleHead, lm, -1, -1, KindOutput, ""}},
		{"cls.predictions.transform.LayerNorm.gamma", want{RoleNorm, lm, -1, -1, KindNorm, ""}},
		{"cls.seq_relationship.weight", want{RoleHead, lm, -1, -1, KindOutput, ""}},
		{"bert.encoder.layer.0.attention.output.LayerNorm.beta", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.attn_output_norm.bias"}},
		{"classifier.weight", want{RoleHead, lm, -1, -1, KindOutput, ""}},
		{"score.weight", want{RoleHead, lm, -1, -1, KindOutput, ""}},
	})
}

func adapterRow(name string, kind Kind) row {
	return row{name, want{RoleAdapter, lm, 0, -1, kind, ""}}
}

// Every PEFT method's factors are adapter.
func TestPEFTMethods(t *testing.T) {
	p := "base_model.model.model.layers.0.self_attn.q_proj."
	checkRows(t, []row{
		adapterRow(p+"lora_magnitude_vector", KindAttnQ),
		adapterRow(p+"ia3_l", KindAdapter),
		adapterRow(p+"hada_w1_a", KindAdapter),
		adapterRow(p+"hada_w2_b", KindAdapter),
		adapterRow(p+"lokr_w1", KindAdapter),
		adapterRow(p+"lokr_w2_a", KindAdapter),
		adapterRow(p+"oft_r", KindAdapter),
		adapterRow(p+"oft_R.weight", KindAdapter),
		adapterRow(p+"boft_R", KindAdapter),
		adapterRow(p+"boft_s", KindAdapter),
		adapterRow(p+"vera_lambda_b", KindAdapter),
		adapterRow(p+"vera_lambda_d", KindAdapter),
		adapterRow(p+"fourierft_spectrum", KindAdapter),
		adapterRow(p+"ia3_l.default", KindAdapter),
		{"base_model.vera_A", want{RoleAdapter, lm, -1, -1, KindAdapter, ""}},
		{"base_model.vera_B", want{RoleAdapter, lm, -1, -1, KindAdapter, ""}},
		{"prompt_embeddings", want{RoleAdapter, lm, -1, -1, KindTokenEmbd, ""}},
		{"prefix_encoder.embedding.weight", want{RoleAdapter, lm, -1, -1, KindAdapter, ""}},
		{"base_model.model.score.modules_to_save.default.weight", want{RoleHead, lm, -1, -1, KindOutput, ""}},
		{"base_model.model.classifier.modules_to_save.default.bias", want{RoleHead, lm, -1, -1, KindOutput, ""}},
		{"base_model.model.model.layers.0.mlp.down_proj.base_layer.weight", want{RoleFFN, lm, 0, -1, KindFFNDown, "blk.0.ffn_down.weight"}},
	})
}

// An unknown PEFT method is recognised from adapter_config.json.
func TestAdapterConfig(t *testing.T) {
	ad, err := ParseAdapterConfig([]byte(`{"peft_type":"NEWMETHOD","target_modules":["q_proj","v_proj"],"modules_to_save":["pre_classifier"]}`))
	require.NoError(t, err)
	c := New(Arch{Architecture: "llama", Adapter: ad})
	l := c.Tensor("base_model.model.model.layers.3.self_attn.q_proj.newmethod_u.weight")
	require.Equal(t, RoleAdapter, l.Role)
	require.Equal(t, KindAdapter, l.Kind)
	require.Equal(t, RoleOther, Tensor("base_model.model.model.layers.3.self_attn.q_proj.newmethod_u.weight").Role)
	l = c.Tensor("base_model.model.model.layers.3.self_attn.q_proj.base_layer.weight")
	require.Equal(t, RoleAttention, l.Role)
	l = c.Tensor("base_model.model.pre_classifier.modules_to_save.default.weight")
	require.Equal(t, RoleHead, l.Role)
	// As PEFT saves it: the copy under the module's own name.
	require.Equal(t, RoleHead, c.Tensor("base_model.model.pre_classifier.weight").Role)
	require.Equal(t, RoleOther, Tensor("base_model.model.pre_classifier.weight").Role)
	// A saved module with a rule of its own keeps it.
	ad2 := &Adapter{PeftType: "LORA", TargetModules: []string{"self_attn.v_proj"}, ModulesToSave: []string{"embed_tokens"}}
	c2 := New(Arch{Adapter: ad2})
	require.Equal(t, RoleEmbedding, c2.Tensor("base_model.model.model.embed_tokens.weight").Role)
	require.Equal(t, RoleAdapter, c2.Tensor("base_model.model.model.layers.0.self_attn.v_proj.new_factor").Role)
	require.Equal(t, RoleOther, c2.Tensor("base_model.model.model.layers.0.mlp.v_proj.new_factor").Role)
	ad, err = ParseAdapterConfig([]byte(`{"peft_type":"LORA","target_modules":"all-linear"}`))
	require.NoError(t, err)
	require.Equal(t, []string{"all-linear"}, ad.TargetModules)
}

// Diffusion adapters: kohya/sd-scripts LoRA, the older lora_diffusion
// layout, textual inversion.
func TestDiffusionAdapters(t *testing.T) {
	for _, n := range []string{
		"lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight",
		"lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight",
		"lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight",
		"lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_up.weight",
		"lora_unet_mid_block_attentions_0_proj_out.dora_scale",
		"unet:0:up", "unet:12:down", "text_encoder:3:up",
		"unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_q_lora.down.weight",
		"unet.up_blocks.1.attentions.0.proj_in.lora_A.weight",
		"emb_params", "string_to_param.*",
	} {
		require.Equal(t, RoleAdapter, Tensor(n).Role, n)
	}
	// alpha is a fixed scale saved beside the factors: not learned.
	l := Tensor("lora_unet_down_blocks_0_attentions_0_proj_in.alpha")
	require.Equal(t, RoleBuffer, l.Role)
	require.Equal(t, "alpha", l.Param)
	require.Equal(t, "lora_b", Tensor("unet:0:up").Param)
	require.Equal(t, "lora_a", Tensor("lora_unet_x.lora_down.weight").Param)
}

// CNNs, VAEs, UNets: convolutions and norms by their conventional names;
// shapes where the name does not say.
func TestConvAndNorms(t *testing.T) {
	for n, r := range map[string]Role{
		"conv1.weight":                                 RoleConv,
		"bn1.weight":                                   RoleNorm,
		"bn1.running_mean":                             RoleBuffer,
		"bn1.num_batches_tracked":                      RoleBuffer,
		"layer1.0.conv2.weight":                        RoleConv,
		"layer1.0.bn2.bias":                            RoleNorm,
		"encoder.conv_in.weight":                       RoleConv,
		"decoder.conv_out.bias":                        RoleConv,
		"quant_conv.weight":                            RoleConv,
		"post_quant_conv.weight":                       RoleConv,
		"encoder.down.0.block.0.norm1.weight":          RoleNorm,
		"encoder.down.0.downsample.conv.weight":        RoleConv,
		"down_blocks.0.resnets.0.conv_shortcut.weight": RoleConv,
		"down_blocks.0.resnets.0.norm1.weight":         RoleNorm,
		"down_blocks.0.downsamplers.0.conv.weight":     RoleConv,
		"conv_norm_out.weight":                         RoleNorm,
		"mid_block.attentions.0.group_norm.weight":     RoleNorm,
		"encoder.mid.attn_1.norm.weight":               RoleNorm,
		"stages.0.blocks.0.ln_1.weight":                RoleNorm,
		"model.layers.0.dt_layernorm.weight":           RoleNorm,
	} {
		require.Equal(t, r, Tensor(n).Role, n)
	}
	c := New(Arch{})
	require.Equal(t, RoleConv, c.TensorShape("layer1.0.downsample.0.weight", []uint64{256, 64, 1, 1}).Role)
	require.Equal(t, RoleNorm, c.TensorShape("layer1.0.downsample.1.weight", []uint64{256}).Role)
	require.Equal(t, RoleOther, c.TensorShape("layer1.0.downsample.1.weight", []uint64{256, 3}).Role)
	require.Equal(t, RoleAttention, c.TensorShape("model.layers.0.self_attn.q_proj.weight", []uint64{8, 8}).Role)
}

func TestParseConfigNested(t *testing.T) {
	a := mustConfig(t, `{"model_type":"llama4","architectures":["Llama4ForConditionalGeneration"],
		"text_config":{"model_type":"llama4_text","num_hidden_layers":48}}`)
	require.Equal(t, "llama4_text", a.Architecture)
	require.Equal(t, "Llama4ForConditionalGeneration", a.Class)
	require.Equal(t, 48, a.Layers)
	a = mustConfig(t, `{"model_type":"qwen3_next","num_hidden_layers":4,
		"layer_types":["linear_attention","linear_attention","linear_attention","full_attention"]}`)
	require.Equal(t, []LayerType{LayerLinearAttention, LayerLinearAttention, LayerLinearAttention, LayerAttention}, a.LayerTypes)
	_, err := ParseConfig([]byte(`{`))
	require.Error(t, err)
	require.Equal(t, LayerUnknown, a.LayerType(99))
}

// The unknown Arch is name-only classification.
func TestZeroArchIsTensor(t *testing.T) {
	c := New(Arch{})
	for _, r := range hfRows {
		require.Equal(t, Tensor(r.name), c.Tensor(r.name), r.name)
	}
}
