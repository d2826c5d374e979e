package classify

import (
	"encoding/json"
	"strings"
)

// LayerType is the token mixer a block uses. Hybrid models mix block
// types, and the same sub-module name can mean different things in
// different blocks: Nemotron-H calls every block's mixer "mixer" whether
// it is Mamba-2, attention or an MLP, and Kimi Linear calls both its KDA
// and its MLA blocks "self_attn".
type LayerType string

const (
	LayerUnknown         LayerType = ""                 // not stated: names decide
	LayerAttention       LayerType = "attention"        // softmax attention (full, sliding or chunked)
	LayerSSM             LayerType = "ssm"              // Mamba / Mamba-2 (and RWKV, LFM2 short convolution)
	LayerLinearAttention LayerType = "linear_attention" // gated DeltaNet, KDA, lightning attention
	LayerHybrid          LayerType = "hybrid"           // attention and SSM side by side in the block (Falcon-H1, Zamba2 "hybrid")
	LayerMLP             LayerType = "mlp"              // Nemotron-H "-": the block is only a dense FFN
	LayerMoE             LayerType = "moe"              // Nemotron-H "E": the block is only a MoE FFN
)

// mixesLinearly reports whether the block's attention-named modules are
// SSM or linear-attention mixers.
func (t LayerType) mixesLinearly() bool { return t == LayerSSM || t == LayerLinearAttention }

// Arch is what the classifier may know about the checkpoint besides the
// names: the architecture and, for hybrids, each block's type. The zero
// Arch is "unknown", under which New(Arch{}).Tensor(name) == Tensor(name).
type Arch struct {
	// Architecture is config.json model_type (the text_config's for
	// multimodal wrappers) or GGUF general.architecture: "llama",
	// "whisper", "jamba", "nemotron_h", …
	Architecture string
	// Class is config.json architectures[0] ("WhisperForConditionalGeneration").
	Class string
	// Layers is num_hidden_layers: blocks at or past it are MTP layers
	// (GLM-4.5, DeepSeek-V3 model.layers.<Layers>); 0 when unknown.
	Layers int
	// LayerTypes is each main block's type, index = block; nil when every
	// block is the same kind or the config does not say. Layers past its
	// end are LayerUnknown. ParseConfig fills it from the config keys.
	LayerTypes []LayerType
	// Adapter is the adapter_config.json of a PEFT checkpoint; nil otherwise.
	Adapter *Adapter
}

// LayerType returns block i's type: from LayerTypes when stated, else
// the one type every block of the architecture has, else LayerUnknown.
func (a *Arch) LayerType(i int) LayerType {
	if i >= 0 && i < len(a.LayerTypes) {
		return a.LayerTypes[i]
	}
	switch a.Architecture {
	case "mamba", "mamba2", "falcon_mamba", "rwkv", "rwkv5", "rwkv6", "rwkv7":
		return LayerSSM
	case "falcon_h1":
		return LayerHybrid
	}
	return LayerUnknown
}

// Adapter is what adapter_config.json says about a PEFT adapter.
type Adapter struct {
	// PeftType is peft_type: "LORA", "IA3", "LOHA", "LOKR", "OFT", "BOFT",
	// "VERA", "FOURIERFT", "PROMPT_TUNING", "PREFIX_TUNING", or a method
	// the rules do not know.
	PeftType string
	// TargetModules are target_modules: module names (the last segments
	// of module paths, "q_proj") or dotted suffixes of them. A tensor
	// inside a target module that the rules do not recognise is the
	// adapter's, so methods without a rule are still counted as adapter.
	TargetModules []string
	// ModulesToSave are modules_to_save: whole modules trained and saved
	// with the adapter ("score", "classifier", "lm_head"). Their copies
	// keep the role of the module they copy, and are role head when that
	// module has no rule of its own.
	ModulesToSave []string
}

// ParseConfig reads the keys of a config.json that the classifier uses:
// model_type, architectures, num_hidden_layers and the per-layer type
// keys of hybrids. It looks into text_config (and llm_config) when the top
// level has no layer count, as multimodal wrappers nest the language
// model there. Malformed JSON gives the error and a zero Arch.
//
// Per-layer types come from, in order: layer_types (Qwen3-Next, Granite-4.0-H,
// LFM2, Gemma's "sliding_attention"/"full_attention"), layers_block_type
// (Zamba2), hybrid_override_pattern (Nemotron-H: M Mamba-2, * attention,
// - MLP, E MoE), attn_layer_period/attn_layer_offset (Jamba),
// full_attention_interval (Qwen3-Next configs without layer_types),
// linear_attn_config.kda_layers/full_attn_layers (Kimi Linear, 1-based).
func ParseConfig(config []byte) (Arch, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(config, &top); err != nil {
		return Arch{}, err
	}
	a := Arch{}
	var classes []string
	if raw, ok := top["architectures"]; ok && json.Unmarshal(raw, &classes) == nil && len(classes) > 0 {
		a.Class = classes[0]
	}
	cfg := top
	if layersOf(top) == 0 {
		for _, k := range []string{"text_config", "llm_config", "language_config"} {
			var sub map[string]json.RawMessage
			if raw, ok := top[k]; ok && json.Unmarshal(raw, &sub) == nil && layersOf(sub) > 0 {
				cfg = sub
				break
			}
		}
	}
	a.Architecture = str(cfg, "model_type")
	if a.Architecture == "" {
		a.Architecture = str(top, "model_type")
	}
	// Multimodal wrappers whose text model type is the generic one keep
	// the wrapper's name for the encoder rules (Whisper, T5 have no nesting).
	if t := str(top, "model_type"); t == "whisper" {
		a.Architecture = t
	}
	a.Layers = layersOf(cfg)
	a.LayerTypes = layerTypes(cfg, a.Layers)
	return a, nil
}

// ParseAdapterConfig reads adapter_config.json.
func ParseAdapterConfig(config []byte) (*Adapter, error) {
	var c struct {
		PeftType      string          `json:"peft_type"`
		TargetModules json.RawMessage `json:"target_modules"`
		ModulesToSave []string        `json:"modules_to_save"`
	}
	if err := json.Unmarshal(config, &c); err != nil {
		return nil, err
	}
	ad := &Adapter{PeftType: c.PeftType, ModulesToSave: c.ModulesToSave}
	// target_modules is a list, or a single string (a module name, or a
	// regex PEFT full-matches, which is not read here).
	var list []string
	var one string
	if json.Unmarshal(c.TargetModules, &list) == nil {
		ad.TargetModules = list
	} else if json.Unmarshal(c.TargetModules, &one) == nil && one != "" {
		ad.TargetModules = []string{one}
	}
	return ad, nil
}

func str(m map[string]json.RawMessage, k string) string {
	var s string
	if raw, ok := m[k]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

func num(m map[string]json.RawMessage, k string) (int, bool) {
	var f float64
	raw, ok := m[k]
	if !ok || json.Unmarshal(raw, &f) != nil {
		return 0, false
	}
	return int(f), true
}

func layersOf(m map[string]json.RawMessage) int {
	for _, k := range []string{"num_hidden_layers", "n_layer", "num_layers", "n_layers"} {
		if n, ok := num(m, k); ok && n > 0 {
			return n
		}
	}
	return 0
}

// layerTypeWord maps a layer_types / layers_block_type entry.
func layerTypeWord(w string) LayerType {
	switch strings.ToLower(w) {
	case "attention", "full_attention", "sliding_attention", "chunked_attention", "attn", "full_attn", "sliding_window":
		return LayerAttention
	case "linear_attention", "linear_attn", "lightning_attention", "deltanet", "gated_deltanet", "kda":
		return LayerLinearAttention
	case "mamba", "mamba2", "ssm", "conv", "shortconv", "short_conv", "rwkv":
		return LayerSSM
	case "hybrid":
		return LayerHybrid
	case "mlp", "dense":
		return LayerMLP
	case "moe":
		return LayerMoE
	}
	return LayerUnknown
}

func layerTypes(m map[string]json.RawMessage, layers int) []LayerType {
	var words []string
	for _, k := range []string{"layer_types", "layers_block_type"} {
		if raw, ok := m[k]; ok && json.Unmarshal(raw, &words) == nil && len(words) > 0 {
			out := make([]LayerType, len(words))
			for i, w := range words {
				out[i] = layerTypeWord(w)
			}
			return out
		}
	}
	if p := str(m, "hybrid_override_pattern"); p != "" {
		out := make([]LayerType, 0, len(p))
		for _, c := range p {
			switch c {
			case 'M':
				out = append(out, LayerSSM)
			case '*':
				out = append(out, LayerAttention)
			case '-':
				out = append(out, LayerMLP)
			case 'E':
				out = append(out, LayerMoE)
			default:
				out = append(out, LayerUnknown)
			}
		}
		return out
	}
	if layers <= 0 {
		return nil
	}
	if period, ok := num(m, "attn_layer_period"); ok && period > 0 {
		offset, _ := num(m, "attn_layer_offset")
		out := make([]LayerType, layers)
		for i := range out {
			out[i] = LayerSSM
			if i%period == offset {
				out[i] = LayerAttention
			}
		}
		return out
	}
	if k, ok := num(m, "full_attention_interval"); ok && k > 0 {
		out := make([]LayerType, layers)
		for i := range out {
			out[i] = LayerLinearAttention
			if (i+1)%k == 0 {
				out[i] = LayerAttention
			}
		}
		return out
	}
	var lin map[string]json.RawMessage
	if raw, ok := m["linear_attn_config"]; ok && json.Unmarshal(raw, &lin) == nil {
		var kda, full []int
		_ = json.Unmarshal(lin["kda_layers"], &kda)
		_ = json.Unmarshal(lin["full_attn_layers"], &full)
		if len(kda)+len(full) > 0 {
			out := make([]LayerType, layers)
			for _, i := range kda {
				if i >= 1 && i <= layers {
					out[i-1] = LayerLinearAttention
				}
			}
			for _, i := range full {
				if i >= 1 && i <= layers {
					out[i-1] = LayerAttention
				}
			}
			return out
		}
	}
	return nil
}
