package classify

// GGUF tensor names (FORMATS §2.9, gguf-py constants.py TENSOR_NAMES):
// "[v.|a.|mm.|enc.|dec.][blk.N.][nextn.|indexer.]<base>[.E].<param>".

// gRule is what a GGUF base name means.
type gRule struct {
	role  Role
	kind  Kind
	fused bool // stacks every routed expert on the outermost dimension
}

func gAttn(k Kind) gRule { return gRule{RoleAttention, k, false} }
func gFFN(k Kind) gRule  { return gRule{RoleFFN, k, false} }
func gExps(k Kind) gRule { return gRule{RoleExpert, k, true} }
func gShexp(k Kind) gRule {
	return gRule{RoleSharedExpert, k, false}
}

var (
	gNorm   = gRule{RoleNorm, KindNorm, false}
	gSeqMix = gRule{RoleSSM, KindSeqMix, false}
	gBuffer = gRule{RoleBuffer, KindNone, false}
	gOutput = gRule{RoleHead, KindOutput, false}
)

// ggufGlobal are base names outside any block. The vision ("v."), audio
// ("a.") and projector ("mm.") files reuse this table for their own
// globals.
var ggufGlobal = map[string]gRule{
	"token_embd":           {RoleEmbedding, KindTokenEmbd, false},
	"token_embd_norm":      gNorm,
	"token_types":          {RolePositionEmbedding, KindTokenTypes, false},
	"position_embd":        {RolePositionEmbedding, KindPosEmbd, false},
	"output_norm":          gNorm,
	"output":               gOutput,
	"rope_freqs":           gBuffer,
	"rope_factors_long":    gBuffer, // LongRoPE rescale factors come from config, not training
	"rope_factors_short":   gBuffer,
	"per_layer_token_embd": {RoleEmbedding, KindPerLayerEmbd, false}, // gemma3n
	"per_layer_proj_norm":  gNorm,
	"per_layer_model_proj": {RoleOther, KindPerLayerProj, false},
	"altup_proj":           {RoleOther, KindAltUp, false},
	"altup_unembd_proj":    {RoleOther, KindAltUp, false},
	"cls":                  gOutput, // classifier heads (rerankers)
	"dense_2":              gOutput, // embeddinggemma sentence-transformers projections
	"dense_3":              gOutput,
}

// ggufBlock are base names inside "blk.N.".
var ggufBlock = map[string]gRule{
	// Attention.
	"attn_norm": gNorm, "attn_norm_2": gNorm,
	"attn_qkv": gAttn(KindAttnQKV),
	"attn_q":   gAttn(KindAttnQ), "attn_k": gAttn(KindAttnK), "attn_v": gAttn(KindAttnV),
	"attn_output": gAttn(KindAttnOut),
	"attn_out":    gAttn(KindAttnOut), // clip
	"attn_o":      gAttn(KindAttnOut), // T5
	"attn_q_norm": gNorm, "attn_k_norm": gNorm,
	"attn_output_norm": gNorm, "attn_out_norm": gNorm,
	"post_attention_norm": gNorm, "attn_post_norm": gNorm, "attn_pre_norm": gNorm,
	"attn_sub_norm": gNorm,
	"attn_rot_embd": gBuffer,
	"attn_sinks":    gAttn(KindAttnSink),
	"attn_gate":     gAttn(KindAttnGate),
	"attn_q_a":      gAttn(KindAttnQA), "attn_q_b": gAttn(KindAttnQB), "attn_q_a_norm": gNorm,
	"attn_kv_a_mqa": gAttn(KindAttnKVA), "attn_kv_a_norm": gNorm, "attn_kv_b": gAttn(KindAttnKVB),
	"attn_k_b": gAttn(KindAttnKB), "attn_v_b": gAttn(KindAttnVB),
	"attn_rel_b":   gAttn(KindAttnRelPos),
	"cross_attn_q": gAttn(KindAttnQ), "cross_attn_k": gAttn(KindAttnK), "cross_attn_v": gAttn(KindAttnV),
	"cross_attn_o": gAttn(KindAttnOut), "cross_attn_norm": gNorm, "cross_attn_rel_b": gAttn(KindAttnRelPos),
	"ln1": gNorm, "ln2": gNorm, // clip
	"ls1": gNorm, "ls2": gNorm, // clip layer scale: per-channel gains, counted with norms
	"layer_pre_norm": gNorm,

	// gemma3n per-layer inputs, AltUp, LAuReL.
	"inp_gate": {RoleOther, KindPerLayerProj, false}, "proj": {RoleOther, KindPerLayerProj, false},
	"post_norm": gNorm, "altup_router_norm": gNorm, "laurel_post_norm": gNorm,
	"altup_correct_coef": {RoleOther, KindAltUp, false}, "altup_correct_scale": {RoleOther, KindAltUp, false},
	"altup_predict_coef": {RoleOther, KindAltUp, false}, "altup_router": {RoleOther, KindAltUp, false},
	"laurel_l": {RoleOther, KindLaurel, false}, "laurel_r": {RoleOther, KindLaurel, false},

	// Dense FFN.
	"ffn_norm": gNorm, "post_ffw_norm": gNorm, "pre_ffw_norm_2": gNorm,
	"post_ffw_norm_1": gNorm, "post_ffw_norm_2": gNorm, "ffn_sub_norm": gNorm,
	"ffn_post_norm": gNorm, "layer_output_norm": gNorm, "layer_output_scale": gNorm,
	"ffn_gate": gFFN(KindFFNGate), "ffn_up": gFFN(KindFFNUp), "ffn_down": gFFN(KindFFNDown),
	"ffn_latent_down": gFFN(KindNone), "ffn_latent_up": gFFN(KindNone), // nemotron-3 latent MoE, always active

	// MoE.
	"ffn_gate_inp":       {RoleRouter, KindRouter, false},
	"ffn_gate_inp_shexp": {RoleRouter, KindSharedExpertGate, false},
	"exp_probs_b":        {RoleRouter, KindRouterBias, false},
	"ffn_gate_exps":      gExps(KindFFNGate),
	"ffn_up_exps":        gExps(KindFFNUp),
	"ffn_down_exps":      gExps(KindFFNDown),
	"ffn_gate_up_exps":   gExps(KindFFNGateUp),
	"ffn_norm_exps":      {RoleExpert, KindNorm, true},
	"ffn_gate_chexps":    gExps(KindFFNGate), // GroveMoE chunk experts are routed too
	"ffn_up_chexps":      gExps(KindFFNUp),
	"ffn_down_chexps":    gExps(KindFFNDown),
	"ffn_gate_shexp":     gShexp(KindFFNGate),
	"ffn_up_shexp":       gShexp(KindFFNUp),
	"ffn_down_shexp":     gShexp(KindFFNDown),

	// Token mixers that replace attention.
	"ssm_in": gSeqMix, "ssm_conv1d": gSeqMix, "ssm_x": gSeqMix, "ssm_dt": gSeqMix,
	"ssm_a": gSeqMix, "ssm_d": gSeqMix, "ssm_out": gSeqMix, "ssm_ba": gSeqMix,
	"ssm_alpha": gSeqMix, "ssm_beta": gSeqMix,
	"ssm_norm": gNorm, "ssm_dt_norm": gNorm, "ssm_b_norm": gNorm, "ssm_c_norm": gNorm,
	"time_mix_key": gSeqMix, "time_mix_value": gSeqMix, "time_mix_receptance": gSeqMix,
	"time_mix_gate": gSeqMix, "time_mix_output": gSeqMix, "time_mix_first": gSeqMix,
	"time_mix_decay": gSeqMix, "time_mix_decay_w1": gSeqMix, "time_mix_decay_w2": gSeqMix,
	"time_mix_w1": gSeqMix, "time_mix_w2": gSeqMix, "time_mix_lerp_x": gSeqMix,
	"time_mix_lerp_k": gSeqMix, "time_mix_lerp_v": gSeqMix, "time_mix_lerp_r": gSeqMix,
	"time_mix_lerp_g": gSeqMix, "time_mix_lerp_w": gSeqMix, "time_mix_lerp_fused": gSeqMix,
	"time_mix_ln":            gNorm,
	"channel_mix_key":        gFFN(KindFFNUp),
	"channel_mix_value":      gFFN(KindFFNDown),
	"channel_mix_receptance": gFFN(KindNone),
	"channel_mix_lerp_k":     gFFN(KindNone),
	"channel_mix_lerp_r":     gFFN(KindNone),
}

// ggufNextN are the MTP-only names under "blk.N.nextn.".
var ggufNextN = map[string]gRule{
	"eh_proj":          {RoleOther, KindMTPProj, false},
	"embed_tokens":     {RoleEmbedding, KindTokenEmbd, false},
	"enorm":            gNorm,
	"hnorm":            gNorm,
	"shared_head_head": gOutput,
	"shared_head_norm": gNorm,
}

// ggufIndexer are the DSA indexer names under "blk.N.indexer.".
var ggufIndexer = map[string]gRule{
	"k_norm": gNorm, "q_norm": gNorm,
	"proj": gAttn(KindAttnIndexer), "attn_k": gAttn(KindAttnIndexer), "attn_q_b": gAttn(KindAttnIndexer),
	"q_proj": gAttn(KindAttnIndexer), "k_proj": gAttn(KindAttnIndexer),
}

// ggufShortconv are LFM2's short-convolution mixer under "blk.N.shortconv.".
var ggufShortconv = map[string]gRule{
	"conv": gSeqMix, "in_proj": gSeqMix, "out_proj": gSeqMix,
}

// ggufLegacyExperts are the bases that pre-April-2024 Mixtral GGUFs store
// once per expert ("blk.N.ffn_gate.E.weight"), with the fused name each
// became.
var ggufLegacyExperts = map[string]string{
	"ffn_gate": "ffn_gate_exps", "ffn_up": "ffn_up_exps", "ffn_down": "ffn_down_exps",
}

// ggufComponents are the prefixes of multimodal projector files.
var ggufComponents = map[string]Component{
	"v": ComponentVision, "a": ComponentAudio, "mm": ComponentProjector,
}
