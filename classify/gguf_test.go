package classify

import "testing"

// Real GGUF tensor names (llama.cpp converters and mmproj files).
var ggufRows = []row{
	// llama.
	{"token_embd.weight", want{RoleEmbedding, lm, -1, -1, KindTokenEmbd, "token_embd.weight"}},
	{"blk.0.attn_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.attn_norm.weight"}},
	{"blk.0.attn_q.weight", want{RoleAttention, lm, 0, -1, KindAttnQ, "blk.0.attn_q.weight"}},
	{"blk.0.attn_k.weight", want{RoleAttention, lm, 0, -1, KindAttnK, "blk.0.attn_k.weight"}},
	{"blk.0.attn_v.weight", want{RoleAttention, lm, 0, -1, KindAttnV, "blk.0.attn_v.weight"}},
	{"blk.31.attn_output.weight", want{RoleAttention, lm, 31, -1, KindAttnOut, "blk.31.attn_output.weight"}},
	{"blk.0.ffn_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.ffn_norm.weight"}},
	{"blk.0.ffn_gate.weight", want{RoleFFN, lm, 0, -1, KindFFNGate, "blk.0.ffn_gate.weight"}},
	{"blk.0.ffn_up.weight", want{RoleFFN, lm, 0, -1, KindFFNUp, "blk.0.ffn_up.weight"}},
	{"blk.0.ffn_down.weight", want{RoleFFN, lm, 0, -1, KindFFNDown, "blk.0.ffn_down.weight"}},
	{"output_norm.weight", want{RoleNorm, lm, -1, -1, KindNorm, "output_norm.weight"}},
	{"rope_freqs.weight", want{RoleBuffer, lm, -1, -1, KindNone, "rope_freqs.weight"}},
	{"blk.0.attn_rot_embd", want{RoleBuffer, lm, 0, -1, KindNone, "blk.0.attn_rot_embd"}},
	{"rope_factors_long.weight", want{RoleBuffer, lm, -1, -1, KindNone, "rope_factors_long.weight"}},

	// qwen2/qwen3, gpt2, bert.
	{"blk.0.attn_q.bias", want{RoleAttention, lm, 0, -1, KindAttnQ, "blk.0.attn_q.bias"}},
	{"blk.0.attn_q_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.attn_q_norm.weight"}},
	{"position_embd.weight", want{RolePositionEmbedding, lm, -1, -1, KindPosEmbd, "position_embd.weight"}},
	{"blk.11.attn_qkv.bias", want{RoleAttention, lm, 11, -1, KindAttnQKV, "blk.11.attn_qkv.bias"}},
	{"token_types.weight", want{RolePositionEmbedding, lm, -1, -1, KindTokenTypes, "token_types.weight"}},
	{"token_embd_norm.weight", want{RoleNorm, lm, -1, -1, KindNorm, "token_embd_norm.weight"}},
	{"blk.0.attn_output_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.attn_output_norm.weight"}},
	{"blk.0.layer_output_norm.bias", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.layer_output_norm.bias"}},
	{"cls.weight", want{RoleHead, lm, -1, -1, KindOutput, "cls.weight"}},
	{"cls.output.weight", want{RoleHead, lm, -1, -1, KindOutput, "cls.output.weight"}},

	// deepseek2: MLA, MoE, NextN, DSA indexer.
	{"blk.0.attn_q_a.weight", want{RoleAttention, lm, 0, -1, KindAttnQA, "blk.0.attn_q_a.weight"}},
	{"blk.0.attn_q_a_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.attn_q_a_norm.weight"}},
	{"blk.0.attn_q_b.weight", want{RoleAttention, lm, 0, -1, KindAttnQB, "blk.0.attn_q_b.weight"}},
	{"blk.0.attn_kv_a_mqa.weight", want{RoleAttention, lm, 0, -1, KindAttnKVA, "blk.0.attn_kv_a_mqa.weight"}},
	{"blk.0.attn_kv_a_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.attn_kv_a_norm.weight"}},
	{"blk.0.attn_kv_b.weight", want{RoleAttention, lm, 0, -1, KindAttnKVB, "blk.0.attn_kv_b.weight"}},
	{"blk.0.attn_k_b.weight", want{RoleAttention, lm, 0, -1, KindAttnKB, "blk.0.attn_k_b.weight"}},
	{"blk.0.attn_v_b.weight", want{RoleAttention, lm, 0, -1, KindAttnVB, "blk.0.attn_v_b.weight"}},
	{"blk.3.ffn_gate_inp.weight", want{RoleRouter, lm, 3, -1, KindRouter, "blk.3.ffn_gate_inp.weight"}},
	{"blk.3.exp_probs_b.bias", want{RoleRouter, lm, 3, -1, KindRouterBias, "blk.3.exp_probs_b.bias"}},
	{"blk.0.ffn_gate_exps.weight", want{RoleExpert, lm, 0, -1, KindFFNGate, "blk.0.ffn_gate_exps.weight"}},
	{"blk.3.ffn_up_exps.weight", want{RoleExpert, lm, 3, -1, KindFFNUp, "blk.3.ffn_up_exps.weight"}},
	{"blk.3.ffn_down_exps.weight", want{RoleExpert, lm, 3, -1, KindFFNDown, "blk.3.ffn_down_exps.weight"}},
	{"blk.3.ffn_gate_shexp.weight", want{RoleSharedExpert, lm, 3, -1, KindFFNGate, "blk.3.ffn_gate_shexp.weight"}},
	{"blk.3.ffn_down_shexp.weight", want{RoleSharedExpert, lm, 3, -1, KindFFNDown, "blk.3.ffn_down_shexp.weight"}},
	{"blk.61.nextn.eh_proj.weight", want{RoleOther, mtp, 61, -1, KindMTPProj, "blk.61.nextn.eh_proj.weight"}},
	{"blk.61.nextn.enorm.weight", want{RoleNorm, mtp, 61, -1, KindNorm, "blk.61.nextn.enorm.weight"}},
	{"blk.61.nextn.shared_head_head.weight", want{RoleHead, mtp, 61, -1, KindOutput, "blk.61.nextn.shared_head_head.weight"}},
	{"blk.61.nextn.embed_tokens.weight", want{RoleEmbedding, mtp, 61, -1, KindTokenEmbd, "blk.61.nextn.embed_tokens.weight"}},
	{"blk.0.indexer.attn_k.weight", want{RoleAttention, lm, 0, -1, KindAttnIndexer, "blk.0.indexer.attn_k.weight"}},
	{"blk.0.indexer.k_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.indexer.k_norm.weight"}},

	// qwen2moe, gpt-oss, gemma2/3.
	{"blk.0.ffn_gate_inp_shexp.weight", want{RoleRouter, lm, 0, -1, KindSharedExpertGate, "blk.0.ffn_gate_inp_shexp.weight"}},
	{"blk.0.attn_sinks.weight", want{RoleAttention, lm, 0, -1, KindAttnSink, "blk.0.attn_sinks.weight"}},
	{"blk.0.ffn_gate_exps.bias", want{RoleExpert, lm, 0, -1, KindFFNGate, "blk.0.ffn_gate_exps.bias"}},
	{"blk.0.ffn_gate_up_exps.weight", want{RoleExpert, lm, 0, -1, KindFFNGateUp, "blk.0.ffn_gate_up_exps.weight"}},
	{"blk.0.post_attention_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.post_attention_norm.weight"}},
	{"blk.0.post_ffw_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.post_ffw_norm.weight"}},

	// Legacy (pre-April-2024) Mixtral: one tensor per expert.
	{"blk.0.ffn_gate.0.weight", want{RoleExpert, lm, 0, 0, KindFFNGate, "blk.0.ffn_gate_exps.weight"}},
	{"blk.31.ffn_down.7.weight", want{RoleExpert, lm, 31, 7, KindFFNDown, "blk.31.ffn_down_exps.weight"}},
	{"blk.2.ffn_up.3.weight", want{RoleExpert, lm, 2, 3, KindFFNUp, "blk.2.ffn_up_exps.weight"}},

	// T5 encoder-decoder.
	{"enc.blk.0.attn_o.weight", want{RoleAttention, lm, 0, -1, KindAttnOut, "enc.blk.0.attn_o.weight"}},
	{"enc.blk.0.attn_rel_b.weight", want{RoleAttention, lm, 0, -1, KindAttnRelPos, "enc.blk.0.attn_rel_b.weight"}},
	{"dec.blk.0.cross_attn_q.weight", want{RoleAttention, lm, 0, -1, KindAttnQ, "dec.blk.0.cross_attn_q.weight"}},
	{"dec.blk.2.ffn_gate.weight", want{RoleFFN, lm, 2, -1, KindFFNGate, "dec.blk.2.ffn_gate.weight"}},
	{"enc.output_norm.weight", want{RoleNorm, lm, -1, -1, KindNorm, "enc.output_norm.weight"}},

	// Mamba, RWKV.
	{"blk.0.ssm_in.weight", want{RoleSSM, lm, 0, -1, KindSeqMix, "blk.0.ssm_in.weight"}},
	{"blk.0.ssm_norm.weight", want{RoleNorm, lm, 0, -1, KindNorm, "blk.0.ssm_norm.weight"}},
	{"blk.0.time_mix_key.weight", want{RoleSSM, lm, 0, -1, KindSeqMix, "blk.0.time_mix_key.weight"}},
	{"blk.0.channel_mix_value.weight", want{RoleFFN, lm, 0, -1, KindFFNDown, "blk.0.channel_mix_value.weight"}},
	{"blk.0.shortconv.in_proj.weight", want{RoleSSM, lm, 0, -1, KindSeqMix, "blk.0.shortconv.in_proj.weight"}},

	// mmproj (clip) files: vision, audio, projector.
	{"v.patch_embd.weight", want{RoleEmbedding, vis, -1, -1, KindPatchEmbd, "v.patch_embd.weight"}},
	{"v.position_embd.weight", want{RolePositionEmbedding, vis, -1, -1, KindPosEmbd, "v.position_embd.weight"}},
	{"v.class_embd", want{RoleEmbedding, vis, -1, -1, KindPatchEmbd, "v.class_embd"}},
	{"v.blk.0.attn_q.weight", want{RoleAttention, vis, 0, -1, KindAttnQ, "v.blk.0.attn_q.weight"}},
	{"v.blk.0.ln1.weight", want{RoleNorm, vis, 0, -1, KindNorm, "v.blk.0.ln1.weight"}},
	{"v.blk.0.attn_out.bias", want{RoleAttention, vis, 0, -1, KindAttnOut, "v.blk.0.attn_out.bias"}},
	{"v.blk.26.ffn_up.weight", want{RoleFFN, vis, 26, -1, KindFFNUp, "v.blk.26.ffn_up.weight"}},
	{"v.post_ln.weight", want{RoleNorm, vis, -1, -1, KindNorm, "v.post_ln.weight"}},
	{"mm.0.weight", want{RoleOther, prj, -1, -1, KindNone, "mm.0.weight"}},
	{"mm.input_projection.weight", want{RoleOther, prj, -1, -1, KindNone, "mm.input_projection.weight"}},
	{"mm.soft_emb_norm.weight", want{RoleNorm, prj, -1, -1, KindNorm, "mm.soft_emb_norm.weight"}},
	{"a.blk.0.attn_k.weight", want{RoleAttention, aud, 0, -1, KindAttnK, "a.blk.0.attn_k.weight"}},
	{"a.position_embd.weight", want{RolePositionEmbedding, aud, -1, -1, KindPosEmbd, "a.position_embd.weight"}},
	{"mm.a.mlp.0.weight", want{RoleOther, prj, -1, -1, KindNone, "mm.a.mlp.0.weight"}},

	// LoRA adapter GGUF.
	{"blk.0.attn_q.weight.lora_a", want{RoleAdapter, lm, 0, -1, KindAttnQ, "blk.0.attn_q.weight.lora_a"}},
	{"blk.7.ffn_down.weight.lora_b", want{RoleAdapter, lm, 7, -1, KindFFNDown, "blk.7.ffn_down.weight.lora_b"}},
}

func TestGGUFNames(t *testing.T) { checkRows(t, ggufRows) }
