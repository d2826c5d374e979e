package classify

// The tables below are the Hugging Face naming rules (FORMATS §4.1, §2.10).
// A name is read as: wrapper prefixes, an optional "<container>.<N>" block,
// a path of sub-module segments ("self_attn", "mlp", "experts.7", …) that
// sets a section, then a leaf segment whose meaning is looked up in the
// section's table, then the parameter. The same leaf means different things
// in different sections ("c_proj", "wo", "dense", "gate"), which is why the
// tables are per section; the only sharing is that "embeddings.X" reads X
// as a global embedding name would be read.

// section is the kind of sub-module the leaf sits in.
type section uint8

const (
	secNone         section = iota
	secAttn                 // attention (or a token mixer that replaces it)
	secFFN                  // feed-forward, MoE block, experts
	secRouter               // a router sub-module: everything in it routes
	secIntermediate         // BERT "intermediate": dense is the FFN up projection
	secLayerOutput          // BERT layer-level "output": dense is the FFN down projection
	secEmbed                // "embeddings" (BERT, vision towers)
	secPatch                // a patch-embedding sub-module
	secHead                 // lm_head / cls heads with inner layers
	secPooler               // BERT pooler
	secRotary               // rotary_emb / rope: only buffers live here
	secSharedHead           // DeepSeek MTP shared_head
)

// expertState says whether the path went through routed or shared experts.
type expertState uint8

const (
	expertNone expertState = iota
	expertRouted
	expertShared
)

// container is what entering a path segment does.
type container struct {
	sec       section
	cross     bool // cross-attention (T5 EncDecAttention, BART encoder_attn)
	seqMix    bool // Mamba / linear-attention mixer
	indexer   bool // DeepSeek DSA indexer inside attention
	experts   expertState
	onlyIn    section // when set, the segment is a container only inside this section
	ifNone    bool    // when set, the segment is a container only outside any section
	onlyLayer bool    // when set, the segment is a container only inside a block
}

var containers = map[string]container{
	"self_attn":            {sec: secAttn},
	"attn":                 {sec: secAttn},
	"attention":            {sec: secAttn},
	"self_attention":       {sec: secAttn},
	"SelfAttention":        {sec: secAttn}, // T5
	"multi_head_attention": {sec: secAttn}, // grok
	"self":                 {sec: secAttn}, // BERT attention.self.query
	"EncDecAttention":      {sec: secAttn, cross: true},
	"encoder_attn":         {sec: secAttn, cross: true},
	"crossattention":       {sec: secAttn, cross: true},
	"cross_attn":           {sec: secAttn, cross: true},
	"mixer":                {sec: secAttn, seqMix: true},                                // mamba; phi-2 remote code (Wqkv, out_proj)
	"linear_attn":          {sec: secAttn, seqMix: true},                                // qwen3-next / qwen3.5 gated delta net
	"mamba":                {sec: secAttn, seqMix: true},                                // jamba, falcon-h1, zamba
	"conv":                 {sec: secAttn, seqMix: true, ifNone: true, onlyLayer: true}, // lfm2 short-convolution block
	"indexer":              {sec: secAttn, indexer: true, onlyIn: secAttn},

	"mlp":              {sec: secFFN},
	"feed_forward":     {sec: secFFN},
	"ffn":              {sec: secFFN},
	"DenseReluDense":   {sec: secFFN}, // T5
	"block_sparse_moe": {sec: secFFN},
	"moe":              {sec: secFFN},
	"residual_mlp":     {sec: secFFN}, // arctic
	"experts":          {sec: secFFN, experts: expertRouted},
	"shared_experts":   {sec: secFFN, experts: expertShared}, // deepseek
	"shared_expert":    {sec: secFFN, experts: expertShared}, // qwen2moe, llama4
	"shared_mlp":       {sec: secFFN, experts: expertShared}, // hunyuan
	"share_expert":     {sec: secFFN, experts: expertShared}, // step3.5
	"router":           {sec: secRouter},
	"gate":             {sec: secRouter, onlyIn: secFFN}, // hunyuan mlp.gate.wg

	"intermediate": {sec: secIntermediate, ifNone: true},
	"output":       {sec: secLayerOutput, ifNone: true}, // inside attention (BERT attention.output) it stays attention

	"rotary_emb":       {sec: secRotary},
	"rope":             {sec: secRotary},
	"shared_head":      {sec: secSharedHead},
	"embeddings":       {sec: secEmbed},
	"patch_embed":      {sec: secPatch},
	"patch_embedding":  {sec: secPatch},
	"patch_embeddings": {sec: secPatch},
	"lm_head":          {sec: secHead},
	"cls":              {sec: secHead},
	"pooler":           {sec: secPooler},
}

// attnLeaves are the projections inside an attention module.
var attnLeaves = map[string]Kind{
	"q_proj": KindAttnQ, "k_proj": KindAttnK, "v_proj": KindAttnV, "o_proj": KindAttnOut,
	"q": KindAttnQ, "k": KindAttnK, "v": KindAttnV, "o": KindAttnOut, // T5, refact
	"query": KindAttnQ, "key": KindAttnK, "value": KindAttnV, // BERT, grok
	"wq": KindAttnQ, "wk": KindAttnK, "wv": KindAttnV, "wo": KindAttnOut, // llama-pth, internlm2
	"q_lin": KindAttnQ, "k_lin": KindAttnK, "v_lin": KindAttnV, "out_lin": KindAttnOut, // distilbert
	"qkv_proj": KindAttnQKV, "qkv": KindAttnQKV, "c_attn": KindAttnQKV, "query_key_value": KindAttnQKV,
	"Wqkv":    KindAttnQKV,
	"in_proj": KindAttnQKV, // nn.MultiheadAttention in_proj_weight
	"dense":   KindAttnOut, "c_proj": KindAttnOut, "out_proj": KindAttnOut, "proj": KindAttnOut,
	"linear": KindAttnOut, // grok
	"out":    KindAttnOut,
	// MLA (DeepSeek V2/V3, Kimi, MiniCPM3) and Mistral-native MLA spellings.
	"q_a_proj": KindAttnQA, "q_b_proj": KindAttnQB,
	"kv_a_proj_with_mqa": KindAttnKVA, "kv_b_proj": KindAttnKVB,
	"k_b_proj": KindAttnKB, "v_b_proj": KindAttnVB,
	"wq_a": KindAttnQA, "wq_b": KindAttnQB, "wkv_a_with_mqa": KindAttnKVA, "wkv_b": KindAttnKVB,
	// Attention output gates: a gate_proj here is not an FFN gate.
	"gate_proj": KindAttnGate, "g_proj": KindAttnGate,
	"relative_attention_bias": KindAttnRelPos, // T5
}

// attnGGUF is the GGUF base name of each attention kind.
var attnGGUF = map[Kind]string{
	KindAttnQ: "attn_q", KindAttnK: "attn_k", KindAttnV: "attn_v",
	KindAttnQKV: "attn_qkv", KindAttnOut: "attn_output",
	KindAttnQA: "attn_q_a", KindAttnQB: "attn_q_b",
	KindAttnKVA: "attn_kv_a_mqa", KindAttnKVB: "attn_kv_b",
	KindAttnKB: "attn_k_b", KindAttnVB: "attn_v_b",
	KindAttnSink: "attn_sinks", KindAttnGate: "attn_gate", KindAttnRelPos: "attn_rel_b",
}

// attnNorms are norms inside an attention module, with their GGUF names.
var attnNorms = map[string]string{
	"q_norm": "attn_q_norm", "k_norm": "attn_k_norm",
	"q_layernorm": "attn_q_norm", "k_layernorm": "attn_k_norm",
	"q_a_layernorm": "attn_q_a_norm", "kv_a_layernorm": "attn_kv_a_norm",
	"q_a_norm": "attn_q_a_norm", "kv_a_norm": "attn_kv_a_norm",
	"LayerNorm":  "attn_output_norm", // BERT attention.output.LayerNorm
	"norm":       "",
	"layer_norm": "",
}

// seqMixLeaves are Mamba and linear-attention projections that have no
// attention counterpart.
var seqMixLeaves = map[string]bool{
	"in_proj": true, "conv1d": true, "x_proj": true, "dt_proj": true, "out_proj": true,
	"in_proj_qkvz": true, "in_proj_ba": true, // qwen3-next gated DeltaNet
	"in_proj_qkv": true, "in_proj_z": true, "in_proj_a": true, "in_proj_b": true, // qwen3.5
	"conv": true, // lfm2 conv.conv
	// Kimi Linear KDA, when its self_attn is reached through linear_attn-style names.
	"q_conv1d": true, "k_conv1d": true, "v_conv1d": true,
	"f_a_proj": true, "f_b_proj": true, "b_proj": true, "g_a_proj": true, "g_b_proj": true,
}

// mixerLeaves are the module names whose own parameters (A_log, D,
// dt_bias) are SSM state parameters.
var mixerLeaves = map[string]bool{"mixer": true, "linear_attn": true, "mamba": true}

// mixerAttnLeaves are the attention projections that mark a Nemotron-H
// "mixer" as an attention block when no pattern is known. in_proj and
// out_proj are Mamba-2's.
var mixerAttnLeaves = map[string]bool{
	"q_proj": true, "k_proj": true, "v_proj": true, "o_proj": true, "qkv_proj": true,
}

// indexerLeaves are DeepSeek DSA indexer projections, keyed to the GGUF
// names llama.cpp gives them.
var indexerLeaves = map[string]string{
	"wq_b": "indexer.attn_q_b", "wk": "indexer.attn_k", "weights_proj": "indexer.proj",
}

// ffnLeaves are feed-forward projections, the same for dense layers,
// shared experts and routed experts.
var ffnLeaves = map[string]Kind{
	"gate_proj": KindFFNGate, "up_proj": KindFFNUp, "down_proj": KindFFNDown,
	"gate_up_proj": KindFFNGateUp,                               // phi3, glm-4; fused experts
	"input_linear": KindFFNGateUp, "output_linear": KindFFNDown, // granite moe / granite-4.0-h
	"key": KindFFNUp, "value": KindFFNDown, "receptance": KindFFNGate, // rwkv channel mix
	// llama-pth, mixtral, internlm2, dbrx: w1 gate, w3 (dbrx v1) up, w2 down.
	"w1": KindFFNGate, "w3": KindFFNUp, "v1": KindFFNUp, "w2": KindFFNDown,
	"c_fc": KindFFNUp, "c_proj": KindFFNDown, // gpt2, starcoder2, qwen-1
	"fc1": KindFFNUp, "fc2": KindFFNDown, // phi2, vision towers
	"fc_in": KindFFNUp, "fc_out": KindFFNDown, // gpt-j
	"dense_h_to_4h": KindFFNUp, "dense_4h_to_h": KindFFNDown, // neox, falcon, bloom
	"wi": KindFFNUp, "wi_0": KindFFNGate, "wi_1": KindFFNUp, "wo": KindFFNDown, // T5 (wo here is the FFN's)
}

// qwen1Leaves override ffnLeaves directly under a dense "mlp": Qwen-1
// names its up projection w1 and its gate w2 (tensor_mapping.py).
var qwen1Leaves = map[string]Kind{"w1": KindFFNUp, "w2": KindFFNGate}

// rule is what a leaf means outside attention and FFN sections.
type rule struct {
	role Role
	kind Kind
	gguf string // GGUF base name; "" when there is none
	mtp  bool   // the name exists only in multi-token-prediction layers
}

func normRule(gguf string) rule        { return rule{RoleNorm, KindNorm, gguf, false} }
func ffnRule(k Kind, gguf string) rule { return rule{RoleFFN, k, gguf, false} }

// layerLeaves sit directly in a block, outside any section.
var layerLeaves = map[string]rule{
	"input_layernorm":            normRule("attn_norm"),
	"post_attention_layernorm":   normRule("ffn_norm"), // Llama: the pre-FFN norm. See Label.Canonical for Gemma 2/3.
	"pre_feedforward_layernorm":  normRule("ffn_norm"),
	"post_feedforward_layernorm": normRule("post_ffw_norm"),
	"post_self_attn_layernorm":   normRule("post_attention_norm"), // glm4
	"post_mlp_layernorm":         normRule("post_ffw_norm"),       // glm4
	"ln_1":                       normRule("attn_norm"),
	"ln_2":                       normRule("ffn_norm"),
	"ln_attn":                    normRule("attn_norm_2"), // falcon-40b
	"ln_mlp":                     normRule("attn_norm"),   // falcon-40b
	"attention_norm":             normRule("attn_norm"),   // llama-pth
	"ffn_norm":                   normRule("ffn_norm"),    // llama-pth
	"ln":                         normRule("attn_norm"),   // phi-2 remote code
	"norm":                       normRule("attn_norm"),   // mamba
	"ln1":                        normRule("attn_norm"),   // yi
	"ln2":                        normRule("ffn_norm"),
	"pre_ff_layernorm":           normRule("ffn_norm"),  // jamba, falcon-h1
	"attn_norm":                  normRule("attn_norm"), // rwkv7 (fla)
	"norm1":                      normRule("attn_norm"), // vision towers
	"norm2":                      normRule("ffn_norm"),
	"layer_norm1":                normRule("attn_norm"),
	"layer_norm2":                normRule("ffn_norm"),
	"layernorm_before":           normRule("attn_norm"), // ViT
	"layernorm_after":            normRule("ffn_norm"),
	"self_attn_layer_norm":       normRule("attn_norm"), // OPT, BART, Whisper
	"encoder_attn_layer_norm":    normRule("cross_attn_norm"),
	"final_layer_norm":           normRule("ffn_norm"),         // inside a block: the FFN's norm
	"layer_norm":                 normRule(""),                 // T5: decided by the sub-layer index
	"fc1":                        ffnRule(KindFFNUp, "ffn_up"), // OPT, BART, Whisper keep the FFN in the block
	"fc2":                        ffnRule(KindFFNDown, "ffn_down"),

	// gemma-3n per-layer input branch.
	"per_layer_input_gate":      {RoleOther, KindPerLayerProj, "inp_gate", false},
	"per_layer_projection":      {RoleOther, KindPerLayerProj, "proj", false},
	"post_per_layer_input_norm": normRule("post_norm"),

	// DeepSeek-V3 / GLM-4.5 MTP block (model.layers.<num_hidden_layers>.*).
	"enorm":        {RoleNorm, KindNorm, "nextn.enorm", true},
	"hnorm":        {RoleNorm, KindNorm, "nextn.hnorm", true},
	"eh_proj":      {RoleOther, KindMTPProj, "nextn.eh_proj", true},
	"embed_tokens": {RoleEmbedding, KindTokenEmbd, "nextn.embed_tokens", true},
}

var (
	tokenEmbd = rule{RoleEmbedding, KindTokenEmbd, "token_embd", false}
	posEmbd   = rule{RolePositionEmbedding, KindPosEmbd, "position_embd", false}
	patch     = rule{RoleEmbedding, KindPatchEmbd, "", false}
	head      = rule{RoleHead, KindOutput, "output", false}
)

// globalLeaves sit outside any block.
var globalLeaves = map[string]rule{
	"embed_tokens":    tokenEmbd,
	"wte":             tokenEmbd, // gpt2, gpt-j, qwen-1
	"word_embeddings": tokenEmbd, // falcon, bloom, BERT
	"tok_embeddings":  tokenEmbd, // llama-pth, internlm2
	"embed_in":        tokenEmbd, // gpt-neox
	"shared":          tokenEmbd, // T5
	"embedding":       tokenEmbd, // mamba
	"embeddings":      tokenEmbd, // mamba-hf backbone.embeddings
	"in_out_embed":    tokenEmbd, // grok

	// gemma-3n per-layer embeddings: a second table, 256 values per layer
	// and token, looked up rather than multiplied ("effective" parameters
	// leave it out).
	"embed_tokens_per_layer": {RoleEmbedding, KindPerLayerEmbd, "per_layer_token_embd", false},
	// Its projection from the hidden state into the per-layer inputs is a
	// matmul every token runs: body, not embedding.
	"per_layer_model_projection": {RoleOther, KindPerLayerProj, "per_layer_model_proj", false},

	"wpe":                      posEmbd,
	"embed_positions":          posEmbd,
	"position_embeddings":      posEmbd,
	"position_embedding":       posEmbd,
	"positional_embedding":     posEmbd,
	"positional_embedding_vlm": posEmbd, // llama4 vision
	"pos_embed":                posEmbd,
	"token_type_embeddings":    {RolePositionEmbedding, KindTokenTypes, "token_types", false},

	"lm_head":      head,
	"embed_out":    head,                              // gpt-neox
	"output":       head,                              // llama-pth
	"output_layer": head,                              // chatglm
	"score":        {RoleHead, KindOutput, "", false}, // *ForSequenceClassification
	"classifier":   {RoleHead, KindOutput, "", false}, // *ForTokenClassification, ViT
	"proj_out":     head,                              // whisper (tied to decoder.embed_tokens)

	"norm":             normRule("output_norm"),
	"ln_f":             normRule("output_norm"),
	"final_layernorm":  normRule("output_norm"),
	"final_layer_norm": normRule("output_norm"),
	"norm_f":           normRule("output_norm"),
	"rms_norm":         normRule("output_norm"), // grok
	"layer_norm":       normRule("output_norm"), // whisper encoder

	"word_embeddings_layernorm": normRule("token_embd_norm"), // bloom
	"emb_ln":                    normRule("token_embd_norm"), // nomic-bert
	"layernorm_embedding":       normRule("token_embd_norm"), // bart

	"patch_embedding": patch,
	"patch_embed":     patch,
	"class_embedding": patch,
	"cls_token":       patch,

	"pre_layrnorm":     normRule(""), // CLIP's own spelling
	"pre_layernorm":    normRule(""),
	"post_layernorm":   normRule(""),
	"ln_pre":           normRule(""),
	"ln_post":          normRule(""),
	"layernorm_pre":    normRule(""),
	"layernorm_post":   normRule(""),
	"ln_q":             normRule(""), // qwen2-vl merger, resampler
	"ln_kv":            normRule(""),
	"mm_soft_emb_norm": normRule(""), // gemma3 projector
}

// normLeaves are the generic names of norm modules inside sections whose
// other leaves are not norms (heads, patch embeddings, embeddings).
var normLeaves = map[string]bool{
	"norm": true, "ln": true, "LayerNorm": true, "layer_norm": true, "layernorm": true,
}
