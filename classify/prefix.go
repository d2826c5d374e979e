package classify

// prefixAction is what a leading segment of a Hugging Face name means.
type prefixAction uint8

const (
	prefixWrapper   prefixAction = iota + 1 // says nothing about the tensor; dropped
	prefixVision                            // vision tower
	prefixAudio                             // audio tower
	prefixProjector                         // multimodal projector
	prefixMTP                               // multi-token-prediction module
)

// hfPrefixes are the leading segments stripped before a name is classified
// (FORMATS §4). The same architecture is saved under different wrappers
// depending on the model class and library version, so none of them may
// change the classification, only the Component.
var hfPrefixes = map[string]prefixAction{
	"model":          prefixWrapper,
	"transformer":    prefixWrapper,
	"backbone":       prefixWrapper, // mamba
	"gpt_neox":       prefixWrapper,
	"language_model": prefixWrapper, // legacy VLMs: language_model.model.*; newer: model.language_model.*
	"text_model":     prefixWrapper, // idefics3 / smolvlm
	"llm":            prefixWrapper, // MiniCPM-V
	"bert":           prefixWrapper, // BertFor* heads wrap BertModel
	"roberta":        prefixWrapper,

	"vision_tower":   prefixVision,
	"visual":         prefixVision, // Qwen2-VL family
	"vision_model":   prefixVision,
	"vision_encoder": prefixVision,
	"vpm":            prefixVision, // MiniCPM-V

	"multi_modal_projector": prefixProjector,
	"mm_projector":          prefixProjector,
	"resampler":             prefixProjector, // MiniCPM-V
	"connector":             prefixProjector, // idefics3 / smolvlm

	"audio_tower":   prefixAudio,
	"audio_model":   prefixAudio,
	"audio_encoder": prefixAudio,

	"mtp": prefixMTP, // Qwen3-Next and others: mtp.layers.0.*, model.mtp.*
}

// visionProjectors are sub-modules of a vision tower that project into the
// language model (Qwen2-VL "visual.merger", Qwen3-VL deepstack mergers,
// Mistral "patch_merger"): they count as projector, not vision.
var visionProjectors = map[string]bool{
	"merger": true, "deepstack_merger_list": true, "patch_merger": true,
}

// stripPrefixes skips the wrapper and component segments at the start of
// segments [0, end) and returns the first segment that remains and the
// component the prefixes named. It always leaves at least one segment.
func stripPrefixes(s *segments, end int) (int, Component) {
	comp := ComponentLanguageModel
	i := 0
	for i < end-1 {
		seg := s.seg[i]
		if seg == "base_model" && s.seg[i+1] == "model" && i+2 < end {
			i += 2 // PEFT: base_model.model.<the wrapped model's names>
			continue
		}
		if comp == ComponentVision && visionProjectors[seg] {
			comp = ComponentProjector
			i++
			continue
		}
		switch hfPrefixes[seg] {
		case prefixWrapper:
		case prefixVision:
			comp = ComponentVision
		case prefixAudio:
			comp = ComponentAudio
		case prefixProjector:
			comp = ComponentProjector
		case prefixMTP:
			comp = ComponentMTP
		default:
			return i, comp
		}
		i++
	}
	return i, comp
}

// layerContainers are the segments followed by a block index.
var layerContainers = map[string]bool{
	"layers": true, "h": true, "blocks": true, "block": true, "layer": true,
	"blk": true, "decoder_layer": true, "resblocks": true,
	"mtp_layers": true, // MiMo: model.mtp_layers.N is an MTP block
}

// stack is the encoder or decoder half of an encoder-decoder model.
type stack uint8

const (
	stackNone stack = iota
	stackEncoder
	stackDecoder
)

// findLayer returns the position of the first "<container>.<index>" pair in
// segments [from, to) and the index, or -1 and -1. It also reports an
// encoder/decoder segment seen before that point (or anywhere, when there
// is no layer), which decides the enc./dec. prefix of T5-style Canonical
// names.
func findLayer(s *segments, from, to int) (pos int, layer int32, st stack) {
	for j := from; j+1 < to; j++ { // the last segment is the leaf: never a container
		switch s.seg[j] {
		case "encoder":
			st = stackEncoder
		case "decoder":
			st = stackDecoder
		}
		if layerContainers[s.seg[j]] {
			if n, ok := index(s.seg[j+1]); ok {
				return j, n, st
			}
		}
	}
	return -1, -1, st
}
