package classify

import "strings"

// fallback labels a leaf no section table knows, by the conventions that
// hold across families: a module with "norm" in its name is a norm
// (dt_layernorm, o_norm, pre_fc_norm_hidden, GroupNorm norm_out), BatchNorm
// "bnN" and "ln_N" too; a convolution is named conv, convN, conv_in,
// conv_out, conv_shortcut, quant_conv, …; Whisper's encoder conv1/conv2
// stem is its embedding; a multimodal projector's linears are ffn; the
// MTP module's "fc" is its embedding/hidden projection.
func (sc *scope) fallback(leaf string, comp Component) (rule, bool) {
	if sc.stack == stackEncoder && !sc.inLayer && sc.sec == secNone && (leaf == "conv1" || leaf == "conv2") {
		return patch, true // whisper model.encoder.conv1 / conv2
	}
	if g, ok := gemma3nLeaves[sc.parent+"."+leaf]; ok {
		return g, true
	}
	if sc.parent == "altup_projections" || sc.parent == "altup_unembed_projections" {
		return rule{RoleOther, KindAltUp, "", false}, true // gemma-3n altup_projections.N
	}
	if isNormName(leaf) {
		return normRule(""), true
	}
	if comp == ComponentMTP && sc.sec == secNone && leaf == "fc" {
		return rule{RoleOther, KindMTPProj, "", true}, true // qwen3-next mtp.fc
	}
	if isConvName(leaf) && !sc.seqMix {
		return rule{RoleConv, KindConv, "", false}, true
	}
	if comp == ComponentProjector && sc.sec != secAttn {
		return ffnRule(KindNone, ""), true
	}
	return rule{}, false
}

// gemma3nLeaves are the AltUp and LAuReL tensors of a gemma-3n block,
// keyed "<parent>.<leaf>", with their GGUF names.
var gemma3nLeaves = map[string]rule{
	"altup.correct_output_scale": {RoleOther, KindAltUp, "altup_correct_scale", false},
	"altup.correction_coefs":     {RoleOther, KindAltUp, "altup_correct_coef", false},
	"altup.prediction_coefs":     {RoleOther, KindAltUp, "altup_predict_coef", false},
	"altup.modality_router":      {RoleOther, KindAltUp, "altup_router", false},
	"altup.router_norm":          normRule("altup_router_norm"),
	"laurel.linear_left":         {RoleOther, KindLaurel, "laurel_l", false},
	"laurel.linear_right":        {RoleOther, KindLaurel, "laurel_r", false},
	"laurel.post_laurel_norm":    normRule("laurel_post_norm"),
}

// isNormName reports whether a module segment names a normalization:
// anything containing "norm" in any case (LayerNorm, layernorm, rmsnorm,
// group_norm, dt_layernorm, …), and BatchNorm/LayerNorm short forms bn,
// bnN, bn_N, ln_N.
func isNormName(seg string) bool {
	if containsFold(seg, "norm") {
		return true
	}
	for _, p := range []string{"bn", "ln_", "bn_"} {
		if rest, ok := strings.CutPrefix(seg, p); ok && (rest == "" && p == "bn" || isIndex(rest)) {
			return true
		}
	}
	return false
}

// isConvName reports whether a module segment names a convolution:
// conv, convN, conv_N, conv1d/conv2d, conv_<anything> (conv_in, conv_out,
// conv_shortcut, conv_stem, conv_dw), and <anything>_conv (quant_conv,
// post_quant_conv, depthwise_conv).
func isConvName(seg string) bool {
	rest, ok := strings.CutPrefix(seg, "conv")
	if ok {
		return rest == "" || isIndex(rest) || rest[0] == '_' || rest == "1d" || rest == "2d" || rest == "3d"
	}
	return strings.HasSuffix(seg, "_conv")
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// hasSegment reports whether any segment of s is seg (including the PEFT
// wrapper segments readTail removed from the module).
func hasSegment(s *segments, seg string) bool {
	for i := 0; i < s.n; i++ {
		if s.seg[i] == seg {
			return true
		}
	}
	return false
}

// inTarget reports whether the module path [start, end) runs through an
// adapter target module and goes on past it: the extra segments are a
// factor of the adapter ("q_proj.xyz_A.weight"), not the target's own
// weight ("q_proj.weight", "q_proj.base_layer.weight").
// A target matches a module as PEFT matches it: the whole path, or its
// last segments ("q_proj", "self_attn.q_proj").
func (c *Classifier) inTarget(s *segments, start, end int) bool {
	for j := end - 2; j >= start; j-- {
		if c.targets[s.seg[j]] {
			return true
		}
		for _, t := range c.dotted {
			if path := s.span(start, j+1); path == t || strings.HasSuffix(path, "."+t) {
				return true
			}
		}
	}
	return false
}

// inSaved reports whether the module path [start, end) runs through a
// module listed in modules_to_save. PEFT saves those copies under the
// module's own name ("base_model.model.pre_classifier.weight"), with the
// "modules_to_save.default" wrapper only in memory.
func (c *Classifier) inSaved(s *segments, start, end int) bool {
	for j := start; j < end; j++ {
		if c.save[s.seg[j]] {
			return true
		}
	}
	return false
}
