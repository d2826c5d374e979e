package classify

import "strings"

// CheckpointKind says what a checkpoint is as a whole, so that a report
// shows the figures that make sense for it: FLOPs per token, KV cache and
// 12·L·d² only for (transformer) language models.
type CheckpointKind string

const (
	CheckpointTransformerLM        CheckpointKind = "transformer language model" // decoder-only, attention in every block (VLMs too: their language model)
	CheckpointHybridLM             CheckpointKind = "hybrid language model"      // attention in some blocks, SSM / linear attention in others
	CheckpointSSMLM                CheckpointKind = "state-space language model" // no attention: Mamba, RWKV
	CheckpointEncoderDecoder       CheckpointKind = "encoder-decoder"            // T5, BART
	CheckpointVisionEncoder        CheckpointKind = "vision encoder"             // ViT, CLIP/SigLIP vision, DINOv2
	CheckpointDiffusionUNet        CheckpointKind = "diffusion UNet"
	CheckpointDiffusionTransformer CheckpointKind = "diffusion transformer" // DiT, Flux, SD3 MMDiT
	CheckpointVAE                  CheckpointKind = "VAE"
	CheckpointTextEncoder          CheckpointKind = "text encoder" // BERT-style encoders, CLIP text, T5 encoder alone
	CheckpointAudio                CheckpointKind = "audio"        // Whisper, wav2vec2, EnCodec
	CheckpointEmbedding            CheckpointKind = "embedding model"
	CheckpointAdapter              CheckpointKind = "adapter" // LoRA and other PEFT files, kohya LoRA, textual inversion
	CheckpointCNN                  CheckpointKind = "CNN"
	CheckpointUnknown              CheckpointKind = "unknown"
)

// LanguageModel reports whether per-token language-model figures apply.
func (k CheckpointKind) LanguageModel() bool {
	return k == CheckpointTransformerLM || k == CheckpointHybridLM || k == CheckpointSSMLM
}

var (
	ssmTypes    = map[string]bool{"mamba": true, "mamba2": true, "falcon_mamba": true, "rwkv": true, "rwkv5": true, "rwkv6": true, "rwkv7": true}
	hybridTypes = map[string]bool{
		"jamba": true, "falcon_h1": true, "nemotron_h": true, "granitemoehybrid": true, "qwen3_next": true,
		"zamba": true, "zamba2": true, "lfm2": true, "lfm2_moe": true, "kimi_linear": true, "bamba": true,
		"minimax": true, "qwen3_5": true, "qwen3_5_moe": true, "plamo2": true, "hunyuan_v1_hybrid": true,
	}
	encDecTypes = map[string]bool{
		"t5": true, "mt5": true, "umt5": true, "bart": true, "mbart": true, "pegasus": true, "marian": true,
		"led": true, "longt5": true, "switch_transformers": true, "prophetnet": true, "fsmt": true, "m2m_100": true,
		"nllb_moe": true, "blenderbot": true, "t5gemma": true, "mvp": true, "plbart": true,
	}
	audioTypes = map[string]bool{
		"whisper": true, "wav2vec2": true, "hubert": true, "wavlm": true, "encodec": true, "speecht5": true,
		"seamless_m4t": true, "clap": true, "mimi": true, "dac": true, "moonshine": true, "qwen2_audio_encoder": true,
	}
	visionTypes = map[string]bool{
		"vit": true, "clip_vision_model": true, "siglip_vision_model": true, "dinov2": true, "deit": true,
		"beit": true, "swin": true, "vit_mae": true, "dinov3_vit": true, "siglip2_vision_model": true,
	}
	cnnTypes = map[string]bool{
		"resnet": true, "convnext": true, "convnextv2": true, "efficientnet": true, "mobilenet_v1": true,
		"mobilenet_v2": true, "regnet": true, "bit": true, "timm_wrapper": false,
	}
	encoderTypes = map[string]bool{
		"bert": true, "roberta": true, "xlm-roberta": true, "distilbert": true, "deberta": true, "deberta-v2": true,
		"electra": true, "albert": true, "mpnet": true, "nomic_bert": true, "modernbert": true, "xlm_roberta": true,
		"camembert": true, "clip_text_model": true, "new": true, "jina_bert": true, "eurobert": true,
	}
	dualTypes = map[string]bool{"clip": true, "siglip": true, "siglip2": true, "chinese_clip": true, "align": true}
)

// ModelKind says what a checkpoint is, from config.json architectures and
// model_type (or GGUF general.architecture), the diffusers _class_name of
// a diffusers component's config, and the tensor names. Each may be empty;
// the names decide when the configs do not.
func ModelKind(architectures []string, modelType, diffusersClass string, names []string) CheckpointKind {
	class := ""
	if len(architectures) > 0 {
		class = architectures[0]
	}
	switch dc := diffusersClass; {
	case strings.HasPrefix(dc, "UNet"), strings.HasPrefix(dc, "ControlNet"):
		return CheckpointDiffusionUNet
	case strings.HasPrefix(dc, "Autoencoder"), dc == "VQModel", strings.HasPrefix(dc, "AsymmetricAutoencoder"):
		return CheckpointVAE
	case strings.HasSuffix(dc, "Transformer2DModel"), strings.HasSuffix(dc, "Transformer3DModel"),
		strings.HasSuffix(dc, "TransformerModel"), strings.HasPrefix(dc, "DiT"):
		return CheckpointDiffusionTransformer
	case strings.HasPrefix(dc, "CLIPText"), dc == "T5EncoderModel":
		return CheckpointTextEncoder
	}
	mt := strings.ToLower(modelType)
	if adapterNames(names) {
		return CheckpointAdapter
	}
	switch {
	case class == "T5EncoderModel", class == "UMT5EncoderModel", strings.HasPrefix(class, "CLIPTextModel"):
		return CheckpointTextEncoder
	case ssmTypes[mt]:
		return CheckpointSSMLM
	case hybridTypes[mt]:
		return CheckpointHybridLM
	case audioTypes[mt]:
		return CheckpointAudio
	case encDecTypes[mt]:
		return CheckpointEncoderDecoder
	case visionTypes[mt]:
		return CheckpointVisionEncoder
	case cnnTypes[mt]:
		return CheckpointCNN
	case dualTypes[mt]:
		return CheckpointEmbedding
	case encoderTypes[mt]:
		if strings.HasSuffix(class, "Model") || class == "" {
			return CheckpointEmbedding // a bare encoder: sentence embeddings
		}
		return CheckpointTextEncoder
	case strings.HasSuffix(class, "ForCausalLM"), strings.HasSuffix(class, "LMHeadModel"),
		strings.HasSuffix(class, "ForConditionalGeneration") && mt != "":
		return CheckpointTransformerLM
	case mt != "" && len(names) == 0:
		return CheckpointTransformerLM // a GGUF language-model architecture
	}
	return kindFromNames(names)
}

// adapterNames: most tensors are adapter factors.
func adapterNames(names []string) bool {
	if len(names) == 0 {
		return false
	}
	n := 0
	for i, name := range names {
		// Stop once the rest could not make a majority: a model's first
		// names settle it without labelling the others.
		if 2*(n+len(names)-i) <= len(names) {
			return false
		}
		r := Tensor(name).Role
		if r == RoleAdapter || r == RoleBuffer && strings.HasPrefix(name, "lora_") {
			n++
		}
	}
	return 2*n > len(names)
}

// kindFromNames guesses from the tensor names alone.
func kindFromNames(names []string) CheckpointKind {
	if len(names) == 0 {
		return CheckpointUnknown
	}
	roles := map[Role]int{}
	var unet, vae, encoder, decoder, cross, vision, audio int
	for _, name := range names {
		l := Tensor(name)
		roles[l.Role]++
		switch {
		case strings.Contains(name, "down_blocks.") || strings.Contains(name, "up_blocks.") || strings.Contains(name, "mid_block."):
			unet++
		}
		if strings.Contains(name, "quant_conv.") || strings.HasPrefix(name, "encoder.conv_in.") || strings.HasPrefix(name, "decoder.conv_in.") {
			vae++
		}
		if strings.HasPrefix(name, "encoder.") || strings.Contains(name, ".encoder.") {
			encoder++
		}
		if strings.HasPrefix(name, "decoder.") || strings.Contains(name, ".decoder.") {
			decoder++
		}
		if strings.Contains(name, "EncDecAttention") || strings.Contains(name, "encoder_attn") || strings.Contains(name, "crossattention") {
			cross++
		}
		switch l.Component {
		case ComponentVision:
			vision++
		case ComponentAudio:
			audio++
		}
	}
	total := len(names)
	switch {
	case vae > 0 && unet > 0 && roles[RoleConv] > 0 && roles[RoleAttention] <= roles[RoleConv]:
		return CheckpointVAE
	case unet > 0 && roles[RoleConv] > 0:
		return CheckpointDiffusionUNet
	case vae > 0:
		return CheckpointVAE
	case cross > 0 && encoder > 0 && decoder > 0:
		return CheckpointEncoderDecoder
	case roles[RoleSSM] > 0 && roles[RoleAttention] > 0:
		return CheckpointHybridLM
	case roles[RoleSSM] > 0:
		return CheckpointSSMLM
	case roles[RoleConv] > 0 && roles[RoleAttention] == 0 && 2*roles[RoleConv]+2*roles[RoleNorm]+roles[RoleBuffer] >= total:
		return CheckpointCNN
	case vision == total:
		return CheckpointVisionEncoder
	case audio == total:
		return CheckpointAudio
	case roles[RoleAttention] > 0 && roles[RoleHead] > 0 && roles[RoleEmbedding] > 0:
		return CheckpointTransformerLM
	case roles[RoleAttention] > 0 && roles[RoleEmbedding] > 0:
		return CheckpointEmbedding // an encoder saved without a head
	}
	return CheckpointUnknown
}
