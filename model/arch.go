package model

import (
	"regexp"
	"strings"
)

// Arch holds the architecture facts of a model, as its config.json or
// GGUF metadata states them. A zero field was not stated. The counts in a
// report never depend on these facts alone: they come from the tensors,
// and Arch explains them (layers for 12·L·d², experts for active
// parameters, the tie flag).
type Arch struct {
	// Architecture is the model family: config.json model_type or GGUF
	// general.architecture ("llama", "qwen2_moe", "deepseek2").
	Architecture string `json:"architecture,omitempty"`
	// Class is config.json architectures[0] ("LlamaForCausalLM").
	Class string `json:"class,omitempty"`

	Layers     int `json:"layers,omitempty"`      // main-model blocks, MTP layers excluded
	HiddenSize int `json:"hidden_size,omitempty"` // d
	VocabSize  int `json:"vocab_size,omitempty"`
	Heads      int `json:"heads,omitempty"`
	KVHeads    int `json:"kv_heads,omitempty"`
	HeadDim    int `json:"head_dim,omitempty"`
	FFNSize    int `json:"ffn_size,omitempty"` // dense FFN width

	Experts             int `json:"experts,omitempty"`           // routed experts per MoE layer
	ExpertsPerToken     int `json:"experts_per_token,omitempty"` // k
	SharedExperts       int `json:"shared_experts,omitempty"`
	ExpertFFNSize       int `json:"expert_ffn_size,omitempty"`
	SharedExpertFFNSize int `json:"shared_expert_ffn_size,omitempty"`
	FirstDenseLayers    int `json:"first_dense_layers,omitempty"` // leading layers with a dense FFN
	MTPLayers           int `json:"mtp_layers,omitempty"`         // multi-token-prediction layers after the main ones

	// Multi-head latent attention (DeepSeek V2/V3) dimensions.
	QLoRARank     int `json:"q_lora_rank,omitempty"`
	KVLoRARank    int `json:"kv_lora_rank,omitempty"`
	QKNopeHeadDim int `json:"qk_nope_head_dim,omitempty"`
	QKRopeHeadDim int `json:"qk_rope_head_dim,omitempty"`
	VHeadDim      int `json:"v_head_dim,omitempty"`

	ContextLength int `json:"context_length,omitempty"`

	// TiedEmbeddings is the stated tie flag; nil when not stated.
	TiedEmbeddings *bool `json:"tied_embeddings,omitempty"`

	// Quantization is config.json's quantization_config, when present.
	Quantization *Quantization `json:"quantization,omitempty"`

	// GGUF general.name, general.size_label, general.basename and
	// general.file_type (-1 when absent), kept for claims and reports.
	Name      string `json:"name,omitempty"`
	SizeLabel string `json:"size_label,omitempty"`
	BaseName  string `json:"basename,omitempty"`
	FileType  *int   `json:"file_type,omitempty"`
	// FileTypeName is FileType's name in llama.cpp's table ("Q4_K_M").
	FileTypeName string `json:"file_type_name,omitempty"`

	// Source says where the facts came from: "config.json",
	// "config.json (text_config)", "params.json", "gguf".
	Source string `json:"source,omitempty"`
}

// Quantization is the part of a quantization_config that decides how
// stored tensors map to parameters.
type Quantization struct {
	Method    string `json:"method"`         // quant_method: gptq, awq, bitsandbytes, compressed-tensors, fp8, mxfp4…
	Bits      int    `json:"bits,omitempty"` // weight bits (gptq bits, awq w_bit/bits, compressed-tensors num_bits)
	GroupSize int    `json:"group_size,omitempty"`
	Format    string `json:"format,omitempty"` // compressed-tensors format, e.g. pack-quantized
	// Load4Bit and Load8Bit are the bitsandbytes flags.
	Load4Bit bool `json:"load_in_4bit,omitempty"`
	Load8Bit bool `json:"load_in_8bit,omitempty"`
	// QuantType is bnb_4bit_quant_type (nf4, fp4).
	QuantType string `json:"quant_type,omitempty"`
	// Groups are compressed-tensors config_groups: which modules use which
	// bit width, for mixed-precision checkpoints.
	Groups []QuantGroup `json:"groups,omitempty"`
	// Ignore lists modules left unquantized (compressed-tensors ignore,
	// modules_to_not_convert).
	Ignore []string `json:"ignore,omitempty"`
	// ExpertDType is a top-level expert_dtype (e.g. "fp4"): routed experts
	// stored at another precision than the rest.
	ExpertDType string `json:"expert_dtype,omitempty"`

	patterns map[string]*regexp.Regexp // compiled "re:" targets; nil when invalid
}

// A QuantGroup is one compressed-tensors config group.
type QuantGroup struct {
	Name    string   `json:"name"`
	Targets []string `json:"targets,omitempty"`
	Bits    int      `json:"bits,omitempty"`
	Type    string   `json:"type,omitempty"` // int, float
}

// BitsFor returns the weight bit width that applies to the named module:
// the compressed-tensors group whose targets match it (a specific target
// such as "re:.*mlp.*" or a module name before the generic "Linear"), else
// the checkpoint-wide width. 0 means not stated.
func (q *Quantization) BitsFor(module string) int {
	if q == nil {
		return 0
	}
	generic := 0
	for _, g := range q.Groups {
		for _, target := range g.Targets {
			switch {
			case target == "Linear":
				if generic == 0 {
					generic = g.Bits
				}
			case strings.HasPrefix(target, "re:"):
				if re := q.pattern(target[3:]); re != nil && re.MatchString(module) {
					return g.Bits
				}
			case module == target || strings.HasSuffix(module, "."+target):
				return g.Bits
			}
		}
	}
	if generic > 0 {
		return generic
	}
	return q.Bits
}

// pattern compiles a target pattern once; Go's regexp runs in linear
// time, so a hostile pattern cannot stall the count.
func (q *Quantization) pattern(expr string) *regexp.Regexp {
	if re, ok := q.patterns[expr]; ok {
		return re
	}
	if q.patterns == nil {
		q.patterns = map[string]*regexp.Regexp{}
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		re = nil
	}
	q.patterns[expr] = re
	return re
}
