package classify

// scope is what the path segments between the block index and the leaf
// said about where the leaf sits.
type scope struct {
	sec     section
	experts expertState
	expert  int32 // routed expert index, -1 when the path has none
	sub     int32 // T5 sub-layer ("layer.1"), -1 when absent
	cross   bool
	seqMix  bool
	indexer bool
	inLayer bool
	stack   stack
	tStyle  bool   // enc./dec. Canonical names (T5, and any encoder-decoder but BERT)
	parent  string // the segment right before the leaf
	fromMTP bool   // the Component came from an MTP prefix, so the GGUF block index is unknown
	// lt is the block's type from the Arch (LayerUnknown without one).
	lt LayerType
	// forced: the block's type, not the names, made the section an SSM /
	// linear-attention mixer, so every leaf in it is the mixer's.
	forced bool
	// byName: a "mixer" section entered without a block type, where
	// attention and FFN leaves keep their meaning (Nemotron-H blocks).
	byName bool
}

// enter applies one path segment to the scope.
func (sc *scope) enter(seg, prev string) {
	if n, ok := index(seg); ok {
		switch prev {
		case "experts":
			sc.expert = n
		case "layer":
			sc.sub = n
		}
		return
	}
	c, ok := containers[seg]
	if !ok {
		return // an unknown wrapper keeps the section it is in
	}
	if c.onlyIn != secNone && sc.sec != c.onlyIn {
		return
	}
	if c.ifNone && sc.sec != secNone {
		return
	}
	if c.onlyLayer && !sc.inLayer {
		return
	}
	byName := false
	if c.sec == secAttn && !c.cross && !c.indexer {
		switch {
		case sc.lt.mixesLinearly():
			if !c.seqMix {
				sc.forced = true
			}
			c.seqMix = true
		case seg == "mixer" && sc.lt == LayerAttention:
			c.seqMix = false
		case seg == "mixer" && (sc.lt == LayerMLP || sc.lt == LayerMoE):
			c = container{sec: secFFN}
		case seg == "mixer":
			byName = true
		}
	}
	sc.byName = sc.byName || byName
	// Once inside attention, nested attention wrappers (GPT-Neo
	// attn.attention, BERT attention.self/output) keep the flags already set.
	if sc.sec == secAttn && c.sec == secAttn {
		sc.cross = sc.cross || c.cross
		sc.seqMix = sc.seqMix || c.seqMix
		sc.indexer = sc.indexer || c.indexer
		return
	}
	sc.sec = c.sec
	sc.cross, sc.seqMix, sc.indexer = c.cross, c.seqMix, c.indexer
	if c.experts != expertNone {
		sc.experts = c.experts
	}
}

// classifyHF labels a Hugging Face name; c is nil when the architecture
// is unknown.
func classifyHF(c *Classifier, s *segments, l *Label) {
	t := readTail(s)
	start, comp := stripPrefixes(s, t.end)
	l.Module = s.name[s.off[start]:t.modEnd]
	l.Param = t.param
	l.Packed = t.packed

	sc := scope{expert: -1, sub: -1, fromMTP: comp == ComponentMTP}
	pos, layer, st := findLayer(s, start, t.end)
	from := start
	if pos >= 0 {
		l.Layer = layer
		from = pos + 2
		sc.inLayer = true
		if s.seg[pos] == "mtp_layers" {
			comp, sc.fromMTP = ComponentMTP, true
		}
		// BERT's encoder.layer.N has no decoder twin: plain blk names.
		bertLike := st == stackEncoder && s.seg[pos] == "layer"
		sc.tStyle = st != stackNone && !bertLike
	} else {
		sc.tStyle = st != stackNone
	}
	sc.stack = st
	if c != nil {
		if c.audioEncoder && st == stackEncoder && comp == ComponentLanguageModel {
			comp = ComponentAudio
		}
		if comp == ComponentLanguageModel && l.Layer >= 0 {
			if c.arch.Layers > 0 && int(l.Layer) >= c.arch.Layers {
				comp = ComponentMTP // GLM-4.5, DeepSeek-V3: model.layers.<num_hidden_layers>
			} else {
				sc.lt = c.arch.LayerType(int(l.Layer))
			}
		}
	}

	// The leaf is the last module segment, or the base glued to the
	// parameter ("gate_up_proj" of "gate_up_proj_blocks").
	leafAt := t.end - 1
	leaf := t.leaf
	if leaf == "" {
		leaf = s.seg[leafAt]
	}
	for j := from; j < leafAt; j++ {
		prev := ""
		if j > 0 {
			prev = s.seg[j-1]
		}
		sc.enter(s.seg[j], prev)
	}
	if leafAt-1 >= from {
		sc.parent = s.seg[leafAt-1]
	}

	r, ok := sc.resolve(leaf, t.param, t.kind)
	if !ok {
		r, ok = sc.fallback(leaf, comp)
	}
	if ok && r.mtp && comp == ComponentLanguageModel {
		comp = ComponentMTP
	}
	l.Component = comp
	if !ok {
		r = rule{role: RoleOther}
		if t.role == 0 && (hasSegment(s, "modules_to_save") || c != nil && c.save != nil && c.inSaved(s, start, t.end)) {
			// A PEFT copy of a whole module with no rule of its own: a
			// task head (score, classifier) trained with the adapter.
			r = rule{RoleHead, KindOutput, "", false}
		}
	}
	forceFused := false
	if r.role == RoleFFN && sc.experts == expertNone && sc.parent == "block_sparse_moe" &&
		(leaf == "input_linear" || leaf == "output_linear") {
		// Granite MoE: input_linear [E, 2·ffn, d] and output_linear
		// [E, d, ffn] hold every routed expert.
		sc.experts, forceFused = expertRouted, true
	}
	fused3D := false
	if r.role == RoleFFN {
		switch sc.experts {
		case expertRouted:
			r.role = RoleExpert
			r.gguf = ffnGGUF(r.kind, "_exps")
			// A tensor right under "experts", with no index, holds them all.
			fused3D = forceFused || sc.expert < 0 && sc.parent == "experts"
		case expertShared:
			r.role = RoleSharedExpert
			r.gguf = ffnGGUF(r.kind, "_shexp")
		}
	}
	if r.role == RoleExpert {
		l.Expert = sc.expert
		l.Fused3D = fused3D
		if fused3D && t.param == "" && t.role == 0 {
			// A bare nn.Parameter holding every expert: it is the weight.
			l.Param, t.cparam = "weight", "weight"
		}
	}
	l.Role, l.Kind = r.role, r.kind
	if t.role != 0 {
		l.Role = t.role // adapter, quant_aux or buffer, whatever module it belongs to
		if t.role == RoleAdapter && t.akind != KindNone {
			l.Kind = t.akind
		}
	}
	if c != nil && c.targets != nil && l.Role == RoleOther && l.Kind == KindNone && c.inTarget(s, start, t.end) {
		// Something stored inside a target module beyond the module's own
		// weight: a factor of a PEFT method the rules do not know.
		l.Role, l.Kind = RoleAdapter, KindAdapter
		return
	}
	if l.Role == RoleBuffer || l.Role == RoleQuantAux || t.cparam == "" || r.gguf == "" {
		return
	}
	if comp != ComponentLanguageModel && !(comp == ComponentMTP && !sc.fromMTP) {
		return
	}
	if l.Layer < 0 && sc.blockLevel() {
		return // every GGUF tensor of these sections sits in a blk.N
	}
	l.Canonical = sc.canonical(r.gguf, l.Layer, t.cparam)
}

// blockLevel reports whether the leaf sat in a section that exists only
// inside blocks.
func (sc *scope) blockLevel() bool {
	switch sc.sec {
	case secAttn, secFFN, secRouter, secIntermediate, secLayerOutput, secSharedHead:
		return true
	}
	return false
}

// resolve looks the leaf up in the table of the section it sits in.
func (sc *scope) resolve(leaf, param string, pk paramKind) (rule, bool) {
	// Parameters that decide by themselves, whatever module owns them.
	switch {
	case pk == paramBuffer:
		return rule{role: RoleBuffer}, true
	case param == "bias" && (leaf == "attn" || leaf == "attention"):
		// GPT-2/GPT-J/GPT-Neo/NeoX causal mask registered on the attention
		// module; a real bias belongs to a projection (attn.c_attn.bias).
		return rule{role: RoleBuffer}, true
	case pk == paramRouterBias:
		return rule{RoleRouter, KindRouterBias, "exp_probs_b", false}, true
	case pk == paramSink && param == "sinks":
		return rule{RoleAttention, KindAttnSink, "attn_sinks", false}, true
	case pk == paramSink:
		return rule{RoleAttention, KindAttnSink, "", false}, true
	case pk == paramMixer && (param != "D" || sc.seqMix || mixerLeaves[leaf] ||
		sc.lt.mixesLinearly() && containers[leaf].sec == secAttn):
		// A_log and dt_bias are only ever SSM / linear-attention
		// parameters; D also names other things, so it needs a mixer.
		return rule{RoleSSM, KindSeqMix, "", false}, true
	}

	switch sc.sec {
	case secAttn:
		return sc.resolveAttn(leaf)
	case secFFN:
		return sc.resolveFFN(leaf)
	case secRouter:
		return rule{RoleRouter, KindRouter, "ffn_gate_inp", false}, true
	case secIntermediate:
		if leaf == "dense" {
			return ffnRule(KindFFNUp, "ffn_up"), true
		}
	case secLayerOutput:
		switch leaf {
		case "dense":
			return ffnRule(KindFFNDown, "ffn_down"), true
		case "LayerNorm":
			return normRule("layer_output_norm"), true
		}
	case secEmbed:
		if normLeaves[leaf] {
			return normRule("token_embd_norm"), true
		}
		r, ok := globalLeaves[leaf]
		return r, ok
	case secPatch:
		if normLeaves[leaf] {
			return normRule(""), true
		}
		return patch, true
	case secHead:
		switch {
		case leaf == "ln":
			return normRule("output_norm"), true // phi-2 lm_head.ln
		case normLeaves[leaf]:
			return normRule(""), true
		case leaf == "linear":
			return head, true // phi-2 lm_head.linear
		}
		return rule{RoleHead, KindOutput, "", false}, true
	case secPooler:
		return rule{RoleHead, KindPooler, "", false}, true
	case secRotary:
		return rule{role: RoleBuffer}, true
	case secSharedHead:
		switch leaf {
		case "head":
			return rule{RoleHead, KindOutput, "nextn.shared_head_head", true}, true
		case "norm":
			return rule{RoleNorm, KindNorm, "nextn.shared_head_norm", true}, true
		}
	case secNone:
		if sc.inLayer {
			r, ok := layerLeaves[leaf]
			if ok && leaf == "layer_norm" {
				r.gguf = sc.t5Norm()
			}
			return r, ok
		}
		r, ok := globalLeaves[leaf]
		return r, ok
	}
	return rule{}, false
}

func (sc *scope) resolveAttn(leaf string) (rule, bool) {
	if sc.indexer {
		if g, ok := indexerLeaves[leaf]; ok {
			return rule{RoleAttention, KindAttnIndexer, g, false}, true
		}
		if leaf == "k_norm" {
			return normRule("indexer.k_norm"), true
		}
		return rule{}, false
	}
	if sc.seqMix {
		if normLeaves[leaf] || isNormName(leaf) {
			return normRule(""), true
		}
		if sc.forced {
			// The block's type says this is an SSM or linear-attention
			// block, whatever its modules are called (Kimi Linear KDA
			// self_attn.q_proj, RWKV attn.*).
			return rule{RoleSSM, KindSeqMix, "", false}, true
		}
		// A phi-2 style fused QKV names attention inside a mixer.
		if leaf == "Wqkv" {
			return rule{RoleAttention, KindAttnQKV, "", false}, true
		}
		if sc.byName {
			// Nemotron-H with no pattern known: a block's "mixer" is
			// attention when it has q/k/v/o projections and an MLP when it
			// has up/down projections; Mamba-2 has neither.
			if k, ok := attnLeaves[leaf]; ok && mixerAttnLeaves[leaf] {
				return rule{RoleAttention, k, sc.attnGGUF(k), false}, true
			}
			switch leaf {
			case "up_proj", "down_proj":
				k := ffnLeaves[leaf]
				return ffnRule(k, ffnGGUF(k, "")), true
			case "gate":
				return rule{RoleRouter, KindRouter, "ffn_gate_inp", false}, true
			case "fc1_latent_proj", "fc2_latent_proj": // nemotron-3 latent MoE
				return ffnRule(KindNone, ""), true
			}
		}
		if seqMixLeaves[leaf] {
			return rule{RoleSSM, KindSeqMix, "", false}, true
		}
		return rule{}, false
	}
	if k, ok := attnLeaves[leaf]; ok {
		return rule{RoleAttention, k, sc.attnGGUF(k), false}, true
	}
	if g, ok := attnNorms[leaf]; ok {
		if sc.cross && g != "" {
			g = "" // no GGUF name for norms inside cross-attention
		}
		return normRule(g), true
	}
	return rule{}, false
}

// attnGGUF names an attention kind the way the GGUF scheme in use does:
// T5-style encoder-decoder files say attn_o and cross_attn_*.
func (sc *scope) attnGGUF(k Kind) string {
	g := attnGGUF[k]
	if sc.tStyle {
		if k == KindAttnOut {
			g = "attn_o"
		}
		if sc.cross {
			switch k {
			case KindAttnQ:
				g = "cross_attn_q"
			case KindAttnK:
				g = "cross_attn_k"
			case KindAttnV:
				g = "cross_attn_v"
			case KindAttnOut:
				g = "cross_attn_o"
			case KindAttnRelPos:
				g = "cross_attn_rel_b"
			default:
				g = ""
			}
		}
	} else if sc.cross {
		g = ""
	}
	return g
}

func (sc *scope) resolveFFN(leaf string) (rule, bool) {
	if sc.experts == expertNone {
		switch leaf {
		case "gate", "router":
			// mlp.gate (qwen-moe, deepseek), block_sparse_moe.gate
			// (mixtral), mlp.router (gpt-oss), feed_forward.router (llama4).
			return rule{RoleRouter, KindRouter, "ffn_gate_inp", false}, true
		case "shared_expert_gate":
			return rule{RoleRouter, KindSharedExpertGate, "ffn_gate_inp_shexp", false}, true
		}
		if sc.parent == "mlp" {
			if k, ok := qwen1Leaves[leaf]; ok {
				return ffnRule(k, ffnGGUF(k, "")), true
			}
		}
	}
	if k, ok := ffnLeaves[leaf]; ok {
		g := ffnGGUF(k, "")
		if k == KindFFNGateUp {
			g = "ffn_up" // phi3: llama.cpp keeps the fused tensor as ffn_up
		}
		return ffnRule(k, g), true
	}
	if normLeaves[leaf] {
		return normRule(""), true
	}
	if sc.lt.mixesLinearly() {
		// RWKV channel mix: its token-shift mixing coefficients (x_k).
		return ffnRule(KindNone, ""), true
	}
	return rule{}, false
}

// ffnGGUF is the GGUF base name of a feed-forward kind, with variant ""
// (dense), "_exps" (routed experts) or "_shexp" (shared experts). The names
// are spelled out so that no string is built per tensor.
func ffnGGUF(k Kind, variant string) string {
	var names [3]string
	switch k {
	case KindFFNGate:
		names = [3]string{"ffn_gate", "ffn_gate_exps", "ffn_gate_shexp"}
	case KindFFNUp:
		names = [3]string{"ffn_up", "ffn_up_exps", "ffn_up_shexp"}
	case KindFFNDown:
		names = [3]string{"ffn_down", "ffn_down_exps", "ffn_down_shexp"}
	case KindFFNGateUp:
		names = [3]string{"", "ffn_gate_up_exps", ""}
	}
	switch variant {
	case "_exps":
		return names[1]
	case "_shexp":
		return names[2]
	}
	return names[0]
}

// t5Norm names T5's per-sub-layer layer_norm: sub-layer 0 is self
// attention, then (decoder only) cross attention, then the FFN.
func (sc *scope) t5Norm() string {
	switch {
	case sc.sub == 0:
		return "attn_norm"
	case sc.sub == 1 && sc.stack == stackDecoder:
		return "cross_attn_norm"
	case sc.sub == 1 && sc.stack == stackEncoder, sc.sub == 2 && sc.stack == stackDecoder:
		return "ffn_norm"
	}
	return ""
}
