package classify

// Role is what a tensor does in the model. The values are the JSON keys of
// the report's by_role table, so they never change.
type Role string

const (
	RoleEmbedding         Role = "embedding"          // token embeddings; vision patch and audio frame stems
	RolePositionEmbedding Role = "position_embedding" // learned absolute positions and BERT token types
	RoleAttention         Role = "attention"          // attention projections (softmax attention, also sliding-window, MLA, sinks, the DSA indexer)
	RoleSSM               Role = "ssm"                // state-space and linear-attention token mixers that replace attention: Mamba/Mamba-2, gated DeltaNet, KDA, RWKV time-mix, short convolutions
	RoleFFN               Role = "ffn"                // dense feed-forward layers
	RoleExpert            Role = "expert"             // routed MoE experts: only k of E run per token
	RoleSharedExpert      Role = "shared_expert"      // MoE experts every token runs through
	RoleRouter            Role = "router"             // expert routers, their score-correction biases, shared-expert gates
	RoleConv              Role = "conv"               // convolutions of CNNs, VAEs and UNets (not a mixer's conv1d, which is ssm, nor an audio/vision stem, which is embedding)
	RoleNorm              Role = "norm"               // normalization gains and biases (LayerNorm, RMSNorm, BatchNorm, GroupNorm), and per-channel layer scales
	RoleHead              Role = "head"               // output projection to the vocabulary and other output heads
	RoleBuffer            Role = "buffer"             // stored but not learned: causal masks, rotary tables, position ids, BatchNorm statistics
	RoleQuantAux          Role = "quant_aux"          // quantization bookkeeping: scales, zero points, group indices
	RoleAdapter           Role = "adapter"            // every PEFT method's trained add-on: LoRA/DoRA, IA³, LoHa, LoKr, OFT/BOFT, VeRA, FourierFT, prompt and prefix tuning; kohya LoRA; textual-inversion embeddings
	RoleOther             Role = "other"              // known tensors outside these roles, and every unrecognised name
)

// Roles lists every Role in the order a report shows them: the input
// side first, then the token mixers (attention, then the SSM and
// linear-attention mixers that replace it in some or all layers), then the
// channel mixers (dense FFN, routed and shared experts and their router),
// then convolutions (the main compute of CNN, VAE and UNet checkpoints,
// which have no token mixer of the language-model kind), then norms and
// the output head, and last what is stored but not a learned weight of
// the base model.
func Roles() []Role {
	return []Role{
		RoleEmbedding, RolePositionEmbedding, RoleAttention, RoleSSM, RoleFFN,
		RoleExpert, RoleSharedExpert, RoleRouter, RoleConv, RoleNorm, RoleHead,
		RoleBuffer, RoleQuantAux, RoleAdapter, RoleOther,
	}
}

// Component is the part of a (possibly multimodal) model a tensor belongs
// to. The values are the JSON keys of the report's by_component table.
type Component string

const (
	ComponentLanguageModel Component = "language_model"
	ComponentVision        Component = "vision"
	ComponentAudio         Component = "audio"
	ComponentProjector     Component = "projector" // maps vision or audio features into the language model
	ComponentMTP           Component = "mtp"       // multi-token-prediction (NextN) layers
)

// Components lists every Component in the order a report shows them.
func Components() []Component {
	return []Component{
		ComponentLanguageModel, ComponentVision, ComponentAudio,
		ComponentProjector, ComponentMTP,
	}
}

// Kind refines a Role far enough for shape checks and cross-format diffs:
// it tells q from k from v and gate from up from down, whichever of dense,
// shared or routed experts the tensor sits in (Role says which).
type Kind string

const (
	KindNone Kind = "" // no finer kind; with RoleOther it marks an unrecognised name

	// Attention.
	KindAttnQ       Kind = "attn_q"
	KindAttnK       Kind = "attn_k"
	KindAttnV       Kind = "attn_v"
	KindAttnQKV     Kind = "attn_qkv" // fused q, k and v
	KindAttnOut     Kind = "attn_out"
	KindAttnQA      Kind = "attn_q_a"  // MLA query down-projection (q_a_proj)
	KindAttnQB      Kind = "attn_q_b"  // MLA query up-projection (q_b_proj)
	KindAttnKVA     Kind = "attn_kv_a" // MLA joint KV down-projection with the shared rope key (kv_a_proj_with_mqa)
	KindAttnKVB     Kind = "attn_kv_b" // MLA KV up-projection (kv_b_proj)
	KindAttnKB      Kind = "attn_k_b"  // kv_b split for absorption: the K half
	KindAttnVB      Kind = "attn_v_b"  // kv_b split for absorption: the V half
	KindAttnSink    Kind = "attn_sink" // per-head sink logits (gpt-oss)
	KindAttnGate    Kind = "attn_gate" // output gate on the attention result; not an FFN gate
	KindAttnRelPos  Kind = "attn_rel_pos"
	KindAttnIndexer Kind = "attn_indexer" // sparse-attention token selector (DeepSeek DSA)
	KindSeqMix      Kind = "seq_mix"      // a token mixer that replaces attention: Mamba, RWKV time-mix, linear attention (role ssm)

	// Feed-forward, for dense layers, shared experts and routed experts alike.
	KindFFNGate   Kind = "ffn_gate"
	KindFFNUp     Kind = "ffn_up"
	KindFFNDown   Kind = "ffn_down"
	KindFFNGateUp Kind = "ffn_gate_up" // gate and up fused into one tensor

	// Routing.
	KindRouter           Kind = "router"
	KindRouterBias       Kind = "router_bias"        // score-correction bias (DeepSeek-V3 e_score_correction_bias, GGUF exp_probs_b)
	KindSharedExpertGate Kind = "shared_expert_gate" // scalar gate on the shared expert's output (Qwen2-MoE)

	// Embeddings, head and the rest.
	KindTokenEmbd    Kind = "token_embd"
	KindPosEmbd      Kind = "position_embd"
	KindTokenTypes   Kind = "token_types"
	KindPatchEmbd    Kind = "patch_embd" // vision patch or audio frame stem, and class tokens
	KindNorm         Kind = "norm"
	KindOutput       Kind = "output"         // projection to the vocabulary (or a classifier)
	KindMTPProj      Kind = "mtp_proj"       // MTP projection of [embedding; hidden] back to hidden size (eh_proj)
	KindPooler       Kind = "pooler"         // BERT-style pooler (role head)
	KindPerLayerEmbd Kind = "per_layer_embd" // gemma-3n per-layer embeddings (embed_tokens_per_layer): looked up, not multiplied
	KindPerLayerProj Kind = "per_layer_proj" // gemma-3n projections into and out of the per-layer inputs (per_layer_model_projection, per_layer_input_gate, per_layer_projection)
	KindAltUp        Kind = "altup"          // gemma-3n AltUp: its projections, coefficients and modality router
	KindLaurel       Kind = "laurel"         // gemma-3n LAuReL low-rank residual branch (linear_left, linear_right)
	KindConv         Kind = "conv"           // a convolution kernel or its bias (role conv)
	KindAdapter      Kind = "adapter"        // a PEFT factor that is not a LoRA A/B pair (IA³, LoHa, LoKr, OFT, VeRA, …)
)

// Packing says that a tensor's stored shape is not its logical shape and
// how to get from one to the other (FORMATS §1.9). PackNone means the
// stored shape is the logical shape.
//
// On a parameter tensor Packed names the packing of that tensor. On a
// quant_aux tensor it is set only where the aux name reveals what the
// parameter's own name cannot: bitsandbytes 4-bit stores its packed weight
// under the plain name "M.weight", so "M.weight.absmax" and friends carry
// PackBnb4 and the caller applies it to the tensor with the same Module and
// Param "weight".
type Packing string

const (
	PackNone          Packing = ""
	PackQWeight       Packing = "qweight"        // GPTQ/AWQ int32 words holding 32/bits values each
	PackMarlin        Packing = "marlin"         // GPTQ Marlin "B"
	PackBnb4          Packing = "bnb4"           // bitsandbytes NF4/FP4: two values per byte of quant storage
	PackCompressed    Packing = "weight_packed"  // compressed-tensors pack-quantized / nvfp4 / mxfp4
	PackMXFP4         Packing = "mxfp4"          // gpt-oss "_blocks": two FP4 values per byte
	PackSparseBitmask Packing = "sparse_bitmask" // compressed-tensors sparse-bitmask "compressed" values
)

// Label is everything Tensor can tell from a tensor's name.
type Label struct {
	Role      Role
	Component Component

	// Layer is the block index (the integer after "layers", "h", "blocks",
	// "block", "layer" or "blk"), -1 when the name has none. For T5 it is
	// the block, not the sub-layer.
	Layer int

	// Expert is the routed expert index of a per-expert tensor
	// ("experts.7.", legacy GGUF "ffn_gate.7"), -1 when absent or when the
	// tensor holds all experts (see Fused3D).
	Expert int

	// Module is the name with wrapper prefixes and the parameter suffix
	// removed ("layers.3.self_attn.q_proj"), always a substring of the
	// name. A weight, its quantization bookkeeping and its LoRA factors
	// share a Module, so (Component, Module) groups them.
	Module string

	// Param is the parameter part of the name: "weight", "bias",
	// "qweight", "weight_packed", "scales", "weight.absmax", "blocks"
	// (MXFP4 "_blocks"), "sinks", …; "lora_a"/"lora_b" for every LoRA
	// spelling; "weight" for a bare fused-experts parameter such as
	// "mlp.experts.gate_up_proj"; "" when the name has no parameter part.
	Param string

	Kind Kind

	// Fused3D marks a tensor that stacks all routed experts along its
	// outermost (PyTorch-order) dimension: HF "mlp.experts.gate_up_proj"
	// (and its "_bias", "_blocks", "_scales"), GGUF "ffn_*_exps". Weights
	// are 3-D, biases 2-D. Fused experts flattened into 2-D (DBRX
	// "experts.mlp.w1") have Role expert, Expert -1 and Fused3D false.
	Fused3D bool

	// Canonical is the GGUF-standard name of this tensor
	// ("blk.3.attn_q.weight", "token_embd.weight") when a Hugging Face
	// name maps to one (FORMATS §2.10), else "". It matches tensors
	// across formats. For a GGUF name it is the name itself.
	//
	// Per-expert tensors map to their fused GGUF tensor
	// ("blk.0.ffn_gate_exps.weight"; legacy GGUF "blk.0.ffn_gate.3.weight"
	// too), so several names can share one Canonical: group by it and sum.
	// Packed weights map to the logical weight's name and LoRA factors to
	// the GGUF adapter's "<weight>.lora_a". Hugging Face quantization
	// bookkeeping and buffers map to nothing (converters drop them), and
	// so do vision, audio and projector names (their GGUF names live in a
	// separate mmproj file with its own scheme) and layers of an "mtp."
	// module (their GGUF block index is num_hidden_layers + i).
	//
	// Where the GGUF name depends on the architecture, the most common
	// reading wins. "post_attention_layernorm" becomes "ffn_norm" (the
	// Llama meaning); Gemma 2/3 and gpt-oss converters call it
	// "post_attention_norm", and in Gemma 2/3 it then collides with
	// "pre_feedforward_layernorm" → "ffn_norm": a caller that sees both in
	// one block should rename the first. Phi-3's fused "mlp.gate_up_proj"
	// becomes "ffn_up", as llama.cpp stores it; a routed-experts
	// "gate_up_proj" becomes "ffn_gate_up_exps", although some converters
	// (gpt-oss) split it into ffn_gate_exps and ffn_up_exps. DeepSeek
	// "kv_b_proj" becomes "attn_kv_b"; newer conversions split it into
	// attn_k_b and attn_v_b.
	Canonical string

	Packed Packing
}

// Known reports whether Tensor recognised the name: false only for
// RoleOther with KindNone in the language model, the label of a name that
// matched no rule.
func (l Label) Known() bool {
	return l.Role != RoleOther || l.Kind != KindNone || l.Component != ComponentLanguageModel
}
