package classify

// Role is what a tensor does in the model. Its names (String) are the JSON
// keys of the report's by_role table, so they never change; the numbers
// behind them are not part of the format. A byte, not a string: a
// million-tensor checkpoint holds a million labels at once.
type Role uint8

const (
	_                     Role = iota // the zero value: unset, written ""
	RoleEmbedding                     // token embeddings; vision patch and audio frame stems
	RolePositionEmbedding             // learned absolute positions and BERT token types
	RoleAttention                     // attention projections (softmax attention, also sliding-window, MLA, sinks, the DSA indexer)
	RoleSSM                           // state-space and linear-attention token mixers that replace attention: Mamba/Mamba-2, gated DeltaNet, KDA, RWKV time-mix, short convolutions
	RoleFFN                           // dense feed-forward layers
	RoleExpert                        // routed MoE experts: only k of E run per token
	RoleSharedExpert                  // MoE experts every token runs through
	RoleRouter                        // expert routers, their score-correction biases, shared-expert gates
	RoleConv                          // convolutions of CNNs, VAEs and UNets (not a mixer's conv1d, which is ssm, nor an audio/vision stem, which is embedding)
	RoleNorm                          // normalization gains and biases (LayerNorm, RMSNorm, BatchNorm, GroupNorm), and per-channel layer scales
	RoleHead                          // output projection to the vocabulary and other output heads
	RoleBuffer                        // stored but not learned: causal masks, rotary tables, position ids, BatchNorm statistics
	RoleQuantAux                      // quantization bookkeeping: scales, zero points, group indices
	RoleAdapter                       // every PEFT method's trained add-on: LoRA/DoRA, IA³, LoHa, LoKr, OFT/BOFT, VeRA, FourierFT, prompt and prefix tuning; kohya LoRA; textual-inversion embeddings
	RoleOther                         // known tensors outside these roles, and every unrecognised name
)

var roleNames = enumNames{
	RoleEmbedding:         "embedding",
	RolePositionEmbedding: "position_embedding",
	RoleAttention:         "attention",
	RoleSSM:               "ssm",
	RoleFFN:               "ffn",
	RoleExpert:            "expert",
	RoleSharedExpert:      "shared_expert",
	RoleRouter:            "router",
	RoleConv:              "conv",
	RoleNorm:              "norm",
	RoleHead:              "head",
	RoleBuffer:            "buffer",
	RoleQuantAux:          "quant_aux",
	RoleAdapter:           "adapter",
	RoleOther:             "other",
}

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
// to. The values are the JSON keys of the report's by_component table. A
// string, not a number like Role: a diffusers pipeline's components are
// its subfolders ("unet", "text_encoder_2"), which no list can hold.
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
type Kind uint8

const (
	KindNone Kind = iota // no finer kind; with RoleOther it marks an unrecognised name

	// Attention.
	KindAttnQ
	KindAttnK
	KindAttnV
	KindAttnQKV // fused q, k and v
	KindAttnOut
	KindAttnQA   // MLA query down-projection (q_a_proj)
	KindAttnQB   // MLA query up-projection (q_b_proj)
	KindAttnKVA  // MLA joint KV down-projection with the shared rope key (kv_a_proj_with_mqa)
	KindAttnKVB  // MLA KV up-projection (kv_b_proj)
	KindAttnKB   // kv_b split for absorption: the K half
	KindAttnVB   // kv_b split for absorption: the V half
	KindAttnSink // per-head sink logits (gpt-oss)
	KindAttnGate // output gate on the attention result; not an FFN gate
	KindAttnRelPos
	KindAttnIndexer // sparse-attention token selector (DeepSeek DSA)
	KindSeqMix      // a token mixer that replaces attention: Mamba, RWKV time-mix, linear attention (role ssm)

	// Feed-forward, for dense layers, shared experts and routed experts alike.
	KindFFNGate
	KindFFNUp
	KindFFNDown
	KindFFNGateUp // gate and up fused into one tensor

	// Routing.
	KindRouter
	KindRouterBias       // score-correction bias (DeepSeek-V3 e_score_correction_bias, GGUF exp_probs_b)
	KindSharedExpertGate // scalar gate on the shared expert's output (Qwen2-MoE)

	// Embeddings, head and the rest.
	KindTokenEmbd
	KindPosEmbd
	KindTokenTypes
	KindPatchEmbd // vision patch or audio frame stem, and class tokens
	KindNorm
	KindOutput       // projection to the vocabulary (or a classifier)
	KindMTPProj      // MTP projection of [embedding; hidden] back to hidden size (eh_proj)
	KindPooler       // BERT-style pooler (role head)
	KindPerLayerEmbd // gemma-3n per-layer embeddings (embed_tokens_per_layer): looked up, not multiplied
	KindPerLayerProj // gemma-3n projections into and out of the per-layer inputs (per_layer_model_projection, per_layer_input_gate, per_layer_projection)
	KindAltUp        // gemma-3n AltUp: its projections, coefficients and modality router
	KindLaurel       // gemma-3n LAuReL low-rank residual branch (linear_left, linear_right)
	KindConv         // a convolution kernel or its bias (role conv)
	KindAdapter      // a PEFT factor that is not a LoRA A/B pair (IA³, LoHa, LoKr, OFT, VeRA, …)
)

var kindNames = enumNames{
	KindNone:             "",
	KindAttnQ:            "attn_q",
	KindAttnK:            "attn_k",
	KindAttnV:            "attn_v",
	KindAttnQKV:          "attn_qkv",
	KindAttnOut:          "attn_out",
	KindAttnQA:           "attn_q_a",
	KindAttnQB:           "attn_q_b",
	KindAttnKVA:          "attn_kv_a",
	KindAttnKVB:          "attn_kv_b",
	KindAttnKB:           "attn_k_b",
	KindAttnVB:           "attn_v_b",
	KindAttnSink:         "attn_sink",
	KindAttnGate:         "attn_gate",
	KindAttnRelPos:       "attn_rel_pos",
	KindAttnIndexer:      "attn_indexer",
	KindSeqMix:           "seq_mix",
	KindFFNGate:          "ffn_gate",
	KindFFNUp:            "ffn_up",
	KindFFNDown:          "ffn_down",
	KindFFNGateUp:        "ffn_gate_up",
	KindRouter:           "router",
	KindRouterBias:       "router_bias",
	KindSharedExpertGate: "shared_expert_gate",
	KindTokenEmbd:        "token_embd",
	KindPosEmbd:          "position_embd",
	KindTokenTypes:       "token_types",
	KindPatchEmbd:        "patch_embd",
	KindNorm:             "norm",
	KindOutput:           "output",
	KindMTPProj:          "mtp_proj",
	KindPooler:           "pooler",
	KindPerLayerEmbd:     "per_layer_embd",
	KindPerLayerProj:     "per_layer_proj",
	KindAltUp:            "altup",
	KindLaurel:           "laurel",
	KindConv:             "conv",
	KindAdapter:          "adapter",
}

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
type Packing uint8

const (
	PackNone          Packing = iota
	PackQWeight               // GPTQ/AWQ int32 words holding 32/bits values each
	PackMarlin                // GPTQ Marlin "B"
	PackBnb4                  // bitsandbytes NF4/FP4: two values per byte of quant storage
	PackCompressed            // compressed-tensors pack-quantized / nvfp4 / mxfp4
	PackMXFP4                 // gpt-oss "_blocks": two FP4 values per byte
	PackSparseBitmask         // compressed-tensors sparse-bitmask "compressed" values
)

var packingNames = enumNames{
	PackNone:          "",
	PackQWeight:       "qweight",
	PackMarlin:        "marlin",
	PackBnb4:          "bnb4",
	PackCompressed:    "weight_packed",
	PackMXFP4:         "mxfp4",
	PackSparseBitmask: "sparse_bitmask",
}

// Label is everything Tensor can tell from a tensor's name. The small
// fields come first, so that a label packs into 88 bytes: a count holds
// one per tensor.
type Label struct {
	Role   Role
	Kind   Kind
	Packed Packing

	// Fused3D marks a tensor that stacks all routed experts along its
	// outermost (PyTorch-order) dimension: HF "mlp.experts.gate_up_proj"
	// (and its "_bias", "_blocks", "_scales"), GGUF "ffn_*_exps". Weights
	// are 3-D, biases 2-D. Fused experts flattened into 2-D (DBRX
	// "experts.mlp.w1") have Role expert, Expert -1 and Fused3D false.
	Fused3D bool

	// Layer is the block index (the integer after "layers", "h", "blocks",
	// "block", "layer" or "blk"), -1 when the name has none. For T5 it is
	// the block, not the sub-layer.
	Layer int32

	// Expert is the routed expert index of a per-expert tensor
	// ("experts.7.", legacy GGUF "ffn_gate.7"), -1 when absent or when the
	// tensor holds all experts (see Fused3D).
	Expert int32

	Component Component

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
}

// Known reports whether Tensor recognised the name: false only for
// RoleOther with KindNone in the language model, the label of a name that
// matched no rule.
func (l Label) Known() bool {
	return l.Role != RoleOther || l.Kind != KindNone || l.Component != ComponentLanguageModel
}
