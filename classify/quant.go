package classify

import "strings"

// tail is what the end of a Hugging Face name says before the module path
// is read: where the module ends, the parameter part, and a role when the
// suffix alone decides it (LoRA factors, quantization bookkeeping).
type tail struct {
	end    int    // module segments end here (exclusive)
	leaf   string // the module's last segment when the parameter is glued to it ("gate_up_proj" of "gate_up_proj_blocks"); "" means seg[end-1]
	modEnd int    // byte offset in the name where Module ends
	param  string
	role   Role // RoleAdapter or RoleQuantAux when the suffix decides; "" otherwise
	packed Packing
	// cparam is the parameter suffix of the Canonical name ("weight",
	// "bias", "weight.lora_a"); "" when the tensor has no GGUF counterpart.
	cparam string
	// kind is what the parameter name alone says (buffer, router bias,
	// attention sink, mixer state), decided before the module is read.
	kind paramKind
	// akind is the Kind of an adapter factor that is not a LoRA A/B
	// (KindAdapter), or KindNone.
	akind Kind
}

// suffixKind is what the last segment of a name is.
type suffixKind uint8

const (
	sufParam     suffixKind = iota + 1 // a parameter of the module before it
	sufQuantAux                        // quantization bookkeeping of the module before it
	sufPacked                          // the module's weight in a packed container
	sufBnb4Aux                         // follows "weight." in bitsandbytes 4-bit
	sufBnb4State                       // follows "weight.quant_state." in bitsandbytes 4-bit
	sufLoRA                            // MLX / GGUF LoRA factor, or a PEFT factor saved without ".weight"
)

// paramKind is what a parameter name decides whatever module owns it.
type paramKind uint8

const (
	paramPlain      paramKind = iota
	paramBuffer               // not learned: rotary tables, causal masks, position ids, BatchNorm statistics
	paramRouterBias           // DeepSeek-V3 score correction
	paramSink                 // attention sinks
	paramMixer                // Mamba / linear-attention state parameters
)

type suffix struct {
	kind   suffixKind
	cparam string // Canonical parameter suffix
	packed Packing
	param  paramKind
	loraB  bool // the B factor of a LoRA pair
}

// suffixes are the known last segments of Hugging Face names (FORMATS
// §1.9, §4.1). One lookup decides how the end of the name is read.
var suffixes = map[string]suffix{
	"weight": {kind: sufParam, cparam: "weight"},
	"bias":   {kind: sufParam, cparam: "bias"},
	// Pre-2019 LayerNorm spelling, still in old BERT-style checkpoints.
	"gamma": {kind: sufParam, cparam: "weight"},
	"beta":  {kind: sufParam, cparam: "bias"},
	// Parameters registered directly on a module, saved without ".weight".
	// llama.cpp stores the DeepSeek-V3 router correction as
	// blk.N.exp_probs_b.bias and gpt-oss sinks as blk.N.attn_sinks.weight.
	"e_score_correction_bias": {kind: sufParam, cparam: "bias", param: paramRouterBias},
	"sinks":                   {kind: sufParam, cparam: "weight", param: paramSink},
	"attention_sink_bias":     {kind: sufParam, param: paramSink}, // mimo-v2
	"A_log":                   {kind: sufParam, param: paramMixer},
	"D":                       {kind: sufParam, param: paramMixer},
	"dt_bias":                 {kind: sufParam, param: paramMixer},
	// Buffers.
	"masked_bias":         {kind: sufParam, param: paramBuffer},
	"inv_freq":            {kind: sufParam, param: paramBuffer},
	"cos_cached":          {kind: sufParam, param: paramBuffer},
	"sin_cached":          {kind: sufParam, param: paramBuffer},
	"freqs":               {kind: sufParam, param: paramBuffer}, // llama-pth rope.freqs
	"position_ids":        {kind: sufParam, param: paramBuffer},
	"running_mean":        {kind: sufParam, param: paramBuffer},
	"running_var":         {kind: sufParam, param: paramBuffer},
	"num_batches_tracked": {kind: sufParam, param: paramBuffer},

	// Quantization bookkeeping saved next to a module's weight.
	"qzeros": {kind: sufQuantAux}, "scales": {kind: sufQuantAux}, "g_idx": {kind: sufQuantAux}, // GPTQ / AWQ
	"s":   {kind: sufQuantAux},                                       // GPTQ Marlin scales
	"SCB": {kind: sufQuantAux}, "weight_format": {kind: sufQuantAux}, // bitsandbytes 8-bit
	"weight_scale": {kind: sufQuantAux}, "weight_scale_inv": {kind: sufQuantAux}, // FP8 block, compressed-tensors
	"weight_zero_point": {kind: sufQuantAux}, "weight_g_idx": {kind: sufQuantAux},
	"weight_shape": {kind: sufQuantAux}, "weight_global_scale": {kind: sufQuantAux},
	"input_scale": {kind: sufQuantAux}, "input_global_scale": {kind: sufQuantAux},
	"input_zero_point": {kind: sufQuantAux}, "output_scale": {kind: sufQuantAux},
	"k_scale": {kind: sufQuantAux}, "v_scale": {kind: sufQuantAux}, // FP8 KV-cache calibration
	"weight_scale_2": {kind: sufQuantAux}, "pre_quant_scale": {kind: sufQuantAux}, // NVIDIA ModelOpt
	"shape": {kind: sufQuantAux}, "bitmask": {kind: sufQuantAux}, "row_offsets": {kind: sufQuantAux}, // sparse-bitmask

	// Packed weights: the stored shape is not the logical one.
	"qweight":       {kind: sufPacked, cparam: "weight", packed: PackQWeight},
	"B":             {kind: sufPacked, cparam: "weight", packed: PackMarlin},
	"weight_packed": {kind: sufPacked, cparam: "weight", packed: PackCompressed},
	"compressed":    {kind: sufPacked, cparam: "weight", packed: PackSparseBitmask},

	"absmax": {kind: sufBnb4Aux}, "quant_map": {kind: sufBnb4Aux},
	"nested_absmax": {kind: sufBnb4Aux}, "nested_quant_map": {kind: sufBnb4Aux},
	"bitsandbytes__nf4": {kind: sufBnb4State}, "bitsandbytes__fp4": {kind: sufBnb4State},

	"lora_a":                {kind: sufLoRA},
	"lora_b":                {kind: sufLoRA, loraB: true},
	"lora_embedding_A":      {kind: sufLoRA},
	"lora_embedding_B":      {kind: sufLoRA, loraB: true},
	"lora_magnitude_vector": {kind: sufLoRA},
}

// readTail reads the parameter part at the end of a Hugging Face name.
func readTail(s *segments) tail {
	n := s.n
	last := s.seg[n-1]
	t := tail{end: n}
	sf, known := suffixes[last]
	if t.peft(s) {
		t.unwrap(s)
		t.modEnd = s.off[t.end-1] + len(s.seg[t.end-1])
		return t
	}
	switch {
	case n < 2 || !known:
		if t.glued(s, last) {
			return t
		}
	case sf.kind == sufParam && last == "weight" && n >= 3 && isLoRAFactor(s.seg[n-2]):
		t.end = n - 2 // PEFT "q_proj.lora_A.weight"
		t.setLoRA(s.seg[n-2] == "lora_B" || s.seg[n-2] == "lora_up")
	case sf.kind == sufParam && last == "weight" && n >= 4 && isLoRAFactor(s.seg[n-3]):
		t.end = n - 3 // PEFT in memory, adapter name kept: "lora_A.default.weight"
		t.setLoRA(s.seg[n-3] == "lora_B" || s.seg[n-3] == "lora_up")
	case sf.kind == sufParam && last == "weight" && n >= 3 && s.seg[n-2] == "lora_magnitude_vector":
		t.end = n - 2 // DoRA magnitudes belong to the adapter as much as A and B do
		t.role, t.param = RoleAdapter, "lora_magnitude"
	case sf.kind == sufParam:
		t.end = n - 1
		t.param, t.cparam, t.kind = last, sf.cparam, sf.param
	case sf.kind == sufLoRA:
		t.end = n - 1
		if last == "lora_magnitude_vector" {
			t.role, t.param = RoleAdapter, "lora_magnitude"
			break
		}
		// The GGUF spelling "q_proj.weight.lora_a" also reaches here when
		// a converter kept Hugging Face module names.
		if s.seg[n-2] == "weight" && n >= 3 {
			t.end = n - 2
		}
		t.setLoRA(sf.loraB)
	case sf.kind == sufBnb4Aux && n >= 3 && s.seg[n-2] == "weight":
		t.end = n - 2
		t.role, t.packed, t.param = RoleQuantAux, PackBnb4, s.span(n-2, n)
	case sf.kind == sufBnb4State && n >= 4 && s.seg[n-2] == "quant_state" && s.seg[n-3] == "weight":
		t.end = n - 3
		t.role, t.packed, t.param = RoleQuantAux, PackBnb4, s.span(n-3, n)
	case sf.kind == sufQuantAux:
		t.end = n - 1
		t.role, t.param = RoleQuantAux, last
	case sf.kind == sufPacked:
		t.end = n - 1
		t.packed, t.param, t.cparam = sf.packed, last, sf.cparam
	}
	t.unwrap(s) // every case above leaves at least one module segment
	t.modEnd = s.off[t.end-1] + len(s.seg[t.end-1])
	return t
}

// isLoRAFactor: PEFT lora_A/lora_B, kohya/sd-scripts lora_down/lora_up.
func isLoRAFactor(seg string) bool {
	return seg == "lora_A" || seg == "lora_B" || seg == "lora_down" || seg == "lora_up"
}

func (t *tail) setLoRA(b bool) {
	t.role = RoleAdapter
	if b {
		t.param, t.cparam = "lora_b", "weight.lora_b"
	} else {
		t.param, t.cparam = "lora_a", "weight.lora_a"
	}
}

// gluedBases are the fused-experts (and nn.MultiheadAttention) parameters
// that are saved with their own suffix glued on by an underscore rather
// than a dot: gpt-oss "gate_up_proj_blocks", "down_proj_bias",
// CLIP "in_proj_weight". Only these exact bases are split, so no other
// segment is ever cut in two.
var gluedBases = map[string]bool{
	"gate_up_proj": true, "down_proj": true, "gate_proj": true, "up_proj": true,
	"in_proj": true,
}

type gluedSuffix struct {
	suffix, param string
	role          Role
	packed        Packing
	cparam        string
}

var gluedSuffixes = []gluedSuffix{
	{"_blocks", "blocks", 0, PackMXFP4, "weight"},
	{"_scales", "scales", RoleQuantAux, PackNone, ""},
	{"_bias", "bias", 0, PackNone, "bias"},
	{"_weight", "weight", 0, PackNone, "weight"},
}

// glued splits a last segment such as "gate_up_proj_blocks" into the
// module leaf "gate_up_proj" and the parameter "blocks".
func (t *tail) glued(s *segments, last string) bool {
	for _, g := range gluedSuffixes {
		base, ok := strings.CutSuffix(last, g.suffix)
		if !ok || !gluedBases[base] {
			continue
		}
		t.leaf = base
		t.modEnd = s.off[s.n-1] + len(base)
		t.param = last[len(base)+1:]
		t.role, t.packed, t.cparam = g.role, g.packed, g.cparam
		return true
	}
	return false
}

// unwrap drops PEFT wrapper segments between a module and its parameter
// ("q_proj.base_layer.weight", "lm_head.modules_to_save.default.weight"):
// the tensor is the wrapped module's, with that module's role.
func (t *tail) unwrap(s *segments) {
	for t.end > 1 {
		switch {
		case s.seg[t.end-1] == "base_layer" || s.seg[t.end-1] == "original_module" || s.seg[t.end-1] == "modules_to_save":
			t.end--
		case t.end > 2 && s.seg[t.end-2] == "modules_to_save":
			t.end -= 2
		default:
			return
		}
	}
}
