package classify

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestModelKind(t *testing.T) {
	for _, c := range []struct {
		classes   []string
		modelType string
		diffusers string
		names     []string
		want      CheckpointKind
	}{
		{[]string{"LlamaForCausalLM"}, "llama", "", []string{"model.embed_tokens.weight", "lm_head.weight"}, CheckpointTransformerLM},
		{[]string{"Llama4ForConditionalGeneration"}, "llama4", "", nil, CheckpointTransformerLM},
		{[]string{"MambaForCausalLM"}, "mamba", "", nil, CheckpointSSMLM},
		{[]string{"Rwkv7ForCausalLM"}, "rwkv7", "", nil, CheckpointSSMLM},
		{[]string{"JambaForCausalLM"}, "jamba", "", nil, CheckpointHybridLM},
		{[]string{"NemotronHForCausalLM"}, "nemotron_h", "", nil, CheckpointHybridLM},
		{[]string{"Qwen3NextForCausalLM"}, "qwen3_next", "", nil, CheckpointHybridLM},
		{[]string{"T5ForConditionalGeneration"}, "t5", "", nil, CheckpointEncoderDecoder},
		{[]string{"T5EncoderModel"}, "t5", "", nil, CheckpointTextEncoder},
		{[]string{"WhisperForConditionalGeneration"}, "whisper", "", nil, CheckpointAudio},
		{[]string{"BertForMaskedLM"}, "bert", "", nil, CheckpointTextEncoder},
		{[]string{"BertModel"}, "bert", "", nil, CheckpointEmbedding},
		{[]string{"ViTModel"}, "vit", "", nil, CheckpointVisionEncoder},
		{[]string{"ResNetForImageClassification"}, "resnet", "", nil, CheckpointCNN},
		{nil, "", "UNet2DConditionModel", nil, CheckpointDiffusionUNet},
		{nil, "", "AutoencoderKL", nil, CheckpointVAE},
		{nil, "", "FluxTransformer2DModel", nil, CheckpointDiffusionTransformer},
		{nil, "", "CLIPTextModel", nil, CheckpointTextEncoder},
		{nil, "", "", []string{
			"lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight",
			"lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight",
			"lora_unet_down_blocks_0_attentions_0_proj_in.alpha",
		}, CheckpointAdapter},
		{nil, "", "", []string{
			"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
			"base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
		}, CheckpointAdapter},
		// Names alone.
		{nil, "", "", []string{
			"conv_in.weight", "down_blocks.0.resnets.0.conv1.weight", "down_blocks.0.resnets.0.norm1.weight",
			"mid_block.attentions.0.to_q.weight", "up_blocks.0.resnets.0.conv2.weight", "conv_out.weight",
		}, CheckpointDiffusionUNet},
		{nil, "", "", []string{
			"encoder.conv_in.weight", "encoder.down.0.block.0.conv1.weight", "quant_conv.weight",
			"post_quant_conv.weight", "decoder.conv_in.weight", "decoder.conv_out.weight",
		}, CheckpointVAE},
		{nil, "", "", []string{"conv1.weight", "bn1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer1.0.bn1.bias", "fc.weight"}, CheckpointCNN},
		{nil, "", "", []string{"backbone.embeddings.weight", "backbone.layers.0.mixer.in_proj.weight", "backbone.norm_f.weight"}, CheckpointSSMLM},
		{nil, "", "", []string{
			"model.embed_tokens.weight", "model.layers.0.mamba.in_proj.weight", "model.layers.1.self_attn.q_proj.weight", "lm_head.weight",
		}, CheckpointHybridLM},
		{nil, "", "", []string{
			"shared.weight", "encoder.block.0.layer.0.SelfAttention.q.weight",
			"decoder.block.0.layer.1.EncDecAttention.q.weight",
		}, CheckpointEncoderDecoder},
		{nil, "", "", []string{"model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "lm_head.weight"}, CheckpointTransformerLM},
		{nil, "", "", nil, CheckpointUnknown},
		{nil, "", "", []string{"foo", "bar"}, CheckpointUnknown},
	} {
		require.Equal(t, c.want, ModelKind(c.classes, c.modelType, c.diffusers, c.names), "%v %q %q %v", c.classes, c.modelType, c.diffusers, c.names)
	}
	require.True(t, CheckpointHybridLM.LanguageModel())
	require.False(t, CheckpointEncoderDecoder.LanguageModel())
}

// Adapter factors must be most of the names, wherever they sit: the
// early stop never decides before the rest could make a majority.
func TestAdapterNamesMajority(t *testing.T) {
	lora := "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
	base := "model.layers.0.self_attn.q_proj.weight"
	names := func(plain, adapters int, adaptersFirst bool) []string {
		var out []string
		for range plain {
			out = append(out, base)
		}
		for range adapters {
			if adaptersFirst {
				out = append([]string{lora}, out...)
			} else {
				out = append(out, lora)
			}
		}
		return out
	}
	for _, first := range []bool{false, true} {
		require.False(t, adapterNames(names(5, 5, first)), "half")
		require.True(t, adapterNames(names(5, 6, first)), "one more than half")
		require.False(t, adapterNames(names(6, 5, first)))
		require.True(t, adapterNames(names(0, 1, first)))
		require.False(t, adapterNames(names(1, 0, first)))
	}
}
