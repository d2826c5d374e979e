package classify

import "strings"

// peftFactors are the parameters PEFT methods other than LoRA A/B add to a
// target module (peft/tuners/*/layer.py adapter_layer_names). PEFT saves
// them as "<module>.<factor>" (nn.ParameterDict, adapter name removed) or
// "<module>.<factor>.weight" (nn.ModuleDict of Linear), and in memory with
// the adapter name ("<factor>.default[.weight]").
var peftFactors = map[string]bool{
	"ia3_l":     true,                                                          // IA³
	"hada_w1_a": true, "hada_w1_b": true, "hada_w2_a": true, "hada_w2_b": true, // LoHa
	"hada_t1": true, "hada_t2": true,
	"lokr_w1": true, "lokr_w1_a": true, "lokr_w1_b": true, // LoKr
	"lokr_w2": true, "lokr_w2_a": true, "lokr_w2_b": true, "lokr_t2": true,
	"oft_r": true, "oft_R": true, "oft_s": true, // OFT (oft_R is a module since PEFT 0.14)
	"boft_R": true, "boft_s": true, // BOFT
	"vera_lambda_b": true, "vera_lambda_d": true, // VeRA per-layer scales
	"vera_A": true, "vera_B": true, // VeRA shared projections (frozen, saved with save_projection)
	"fourierft_spectrum": true,                     // FourierFT
	"lora_E":             true,                     // AdaLoRA singular values
	"hra_u":              true,                     // HRA
	"bone_block":         true, "miss_block": true, // Bone / MiSS
	"vblora_logits_A": true, "vblora_logits_B": true, "vblora_vector_bank": true, // VB-LoRA
	"c3a_kernel":      true,                         // C3A
	"randlora_lambda": true, "randlora_gamma": true, // RandLoRA
	"shira_weight": true, // SHiRA
	"dora_scale":   true, // kohya / LyCORIS DoRA magnitude
}

// peftPrefixes are the leading segments of a PEFT prompt-learning state
// and of textual-inversion files: the whole tensor is the adapter's.
var peftPrefixes = map[string]Kind{
	"prompt_embeddings": KindTokenEmbd, // prompt tuning, P-tuning, prefix tuning (saved prompt table)
	"prefix_encoder":    KindAdapter,   // prefix tuning in memory
	"prompt_encoder":    KindAdapter,   // P-tuning in memory
	"emb_params":        KindTokenEmbd, // textual inversion (sd-scripts)
	"string_to_param":   KindTokenEmbd, // textual inversion (A1111 embeddings)
}

// peft recognises the end of a name as a PEFT factor other than a LoRA A/B
// pair (which the suffix table handles), or the whole name as a
// prompt-learning / textual-inversion tensor, and sets the tail. The
// factor may be followed by the adapter name "default" and by "weight".
func (t *tail) peft(s *segments) bool {
	n := s.n
	if k, ok := peftPrefixes[s.seg[0]]; ok && !(s.seg[0] == "string_to_param" && n < 2) {
		t.end = 1
		t.role, t.akind, t.param = RoleAdapter, k, s.span(1, n)
		if n == 1 {
			t.end, t.param = 1, ""
		}
		return true
	}
	if n == 1 && strings.HasPrefix(s.seg[0], "string_to_token") {
		return false
	}
	// kohya/sd-scripts: "<lora_unet_…|lora_te…>.alpha" is the scale
	// hyperparameter saved as a 0-d tensor. It is never trained (the
	// optimizer does not see it; the loader divides it by the rank), so it
	// is a buffer, like a rotary table: stored, not learned.
	if n == 2 && s.seg[1] == "alpha" && strings.HasPrefix(s.seg[0], "lora_") {
		t.end, t.param, t.role = 1, "alpha", RoleBuffer
		return true
	}
	// Older diffusers attention processors: "to_q_lora.down.weight".
	if n >= 3 && s.seg[n-1] == "weight" && (s.seg[n-2] == "down" || s.seg[n-2] == "up") &&
		strings.HasSuffix(s.seg[n-3], "_lora") {
		t.end = n - 2
		t.setLoRA(s.seg[n-2] == "up")
		return true
	}
	for f := n - 1; f >= 1 && f >= n-3; f-- {
		if !peftFactors[s.seg[f]] {
			continue
		}
		for j := f + 1; j < n; j++ {
			if s.seg[j] != "weight" && s.seg[j] != "default" && s.seg[j] != "bias" {
				return false
			}
		}
		t.end = f
		t.role, t.akind, t.param = RoleAdapter, KindAdapter, s.seg[f]
		return true
	}
	return false
}

// legacyDiffusionLoRA labels the cloneofsimo lora_diffusion layout, where
// every name is one segment "unet:<N>:up|down" or "text_encoder:<N>:up|down".
func legacyDiffusionLoRA(name string, l *Label) bool {
	part, rest, ok := strings.Cut(name, ":")
	if !ok || !strings.HasPrefix(part, "unet") && !strings.HasPrefix(part, "text_encoder") {
		return false
	}
	idx, dir, ok := strings.Cut(rest, ":")
	if !ok || !isIndex(idx) || dir != "up" && dir != "down" {
		return false
	}
	l.Role, l.Module = RoleAdapter, name[:len(part)+1+len(idx)]
	l.Param = "lora_a" // down: the A factor
	if dir == "up" {
		l.Param = "lora_b"
	}
	return true
}
