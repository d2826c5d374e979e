package classify

// isGGUFName reports whether a name follows the GGUF scheme rather than a
// Hugging Face one. GGUF names start with "blk.N", a component or stack
// prefix, or one of the GGUF global names, none of which begins a Hugging
// Face name with a different meaning ("output.weight" is llama-pth's head
// in both).
func isGGUFName(s *segments) bool {
	if s.n < 2 {
		return false
	}
	switch s.seg[0] {
	case "blk":
		return isIndex(s.seg[1])
	case "v", "a", "mm", "enc", "dec":
		return true
	case "cls":
		// GGUF "cls.weight" / "cls.output.weight"; BERT's HF heads are
		// "cls.predictions.*" and "cls.seq_relationship.*".
		return s.seg[1] == "weight" || s.seg[1] == "bias" || s.seg[1] == "output"
	}
	_, ok := ggufGlobal[s.seg[0]]
	return ok
}

// classifyGGUF labels a GGUF name. Canonical is the name itself, except
// that legacy per-expert names are rewritten to the fused tensor they
// became, so that old and new Mixtral files line up.
func classifyGGUF(s *segments, l *Label) {
	n := s.n
	i := 0
	l.Canonical = s.name
	if c, ok := ggufComponents[s.seg[0]]; ok {
		l.Component = c
		i = 1
		if c == ComponentProjector && i < n-1 && s.seg[i] == "a" {
			i++ // mm.a.*: the audio projector
		}
	} else if s.seg[0] == "enc" || s.seg[0] == "dec" {
		i = 1
	}

	table := ggufGlobal
	if i+1 < n && s.seg[i] == "blk" && isIndex(s.seg[i+1]) {
		l.Layer, _ = index(s.seg[i+1])
		i += 2
		table = ggufBlock
		if i < n-1 {
			switch s.seg[i] {
			case "nextn":
				table = ggufNextN
				l.Component = ComponentMTP
				i++
			case "indexer":
				table = ggufIndexer
				i++
			case "shortconv":
				table = ggufShortconv
				i++
			}
		}
	}
	if i >= n {
		l.Module = s.name
		return
	}

	base := s.seg[i]
	baseEnd := i + 1
	r, ok := table[base]
	if !ok && l.Layer < 0 && l.Component != ComponentLanguageModel {
		r, ok = ggufClipGlobal[base]
	}
	if ok && base == "cls" && baseEnd < n-1 && s.seg[baseEnd] == "output" {
		baseEnd++ // cls.output.weight
	}
	fusedBase := ""
	if ok && s.seg[0] == "blk" && baseEnd < n { // legacy files are plain language models
		if fb, legacy := ggufLegacyExperts[base]; legacy {
			if e, isIdx := index(s.seg[baseEnd]); isIdx {
				l.Expert = e
				r.role = RoleExpert
				fusedBase = fb
				baseEnd++
			}
		}
	}

	l.Module = s.span(0, baseEnd)
	l.Param = s.span(baseEnd, n)
	lora := n-baseEnd == 2 && s.seg[baseEnd] == "weight" && (s.seg[n-1] == "lora_a" || s.seg[n-1] == "lora_b")
	if ok {
		l.Role, l.Kind, l.Fused3D = r.role, r.kind, r.fused
	}
	if fusedBase != "" {
		l.Canonical = ggufName("", l.Layer, fusedBase, l.Param)
	}
	if lora {
		l.Param = s.seg[n-1]
		l.Role = RoleAdapter
	}
}

// ggufClipGlobal are the globals of vision, audio and projector (mmproj)
// files; they are looked up only under the "v.", "a." and "mm." prefixes.
var ggufClipGlobal = map[string]gRule{
	"patch_embd":         {RoleEmbedding, KindPatchEmbd, false},
	"class_embd":         {RoleEmbedding, KindPatchEmbd, false},
	"pre_ln":             gNorm,
	"post_ln":            gNorm,
	"norm_embd":          gNorm,
	"position_embd_norm": gNorm,
	"input_norm":         gNorm,
	"soft_emb_norm":      gNorm,
	"hard_emb_norm":      gNorm,
	"post_norm":          gNorm,
	"pre_norm":           gNorm,
	"post_fc_norm":       gNorm,
}
