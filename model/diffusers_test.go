package model

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A diffusers pipeline is one model with a component per subfolder that
// model_index.json names and that holds weights.
func TestLoadDiffusersPipeline(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "model_index.json"), `{"_class_name":"StableDiffusionPipeline","_diffusers_version":"0.30.0",
		"unet":["diffusers","UNet2DConditionModel"],"vae":["diffusers","AutoencoderKL"],
		"text_encoder":["transformers","CLIPTextModel"],"tokenizer":["transformers","CLIPTokenizer"],
		"scheduler":["diffusers","PNDMScheduler"],"safety_checker":[null,null]}`)
	writeST(t, filepath.Join(dir, "unet", "diffusion_pytorch_model.safetensors"), "conv_in.weight", "down_blocks.0.resnets.0.conv1.weight")
	writeST(t, filepath.Join(dir, "vae", "diffusion_pytorch_model.safetensors"), "decoder.conv_in.weight")
	writeST(t, filepath.Join(dir, "text_encoder", "model.safetensors"), "text_model.embeddings.token_embedding.weight")
	writeFile(t, filepath.Join(dir, "scheduler", "scheduler_config.json"), `{}`)
	writeFile(t, filepath.Join(dir, "tokenizer", "vocab.json"), `{}`)
	m, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, m.Tensors, 4)
	require.Equal(t, []Component{{"text_encoder", "CLIPTextModel"}, {"unet", "UNet2DConditionModel"}, {"vae", "AutoencoderKL"}}, m.Components)
	require.Equal(t, "unet", m.FileComponent[filepath.Join(dir, "unet", "diffusion_pytorch_model.safetensors")])
	requireNoteContains(t, m.Notes, "a diffusers pipeline (StableDiffusionPipeline): 3 components counted as one model")
}

func requireNoteContains(t *testing.T, notes []string, want string) {
	t.Helper()
	for _, n := range notes {
		if len(n) >= len(want) && contains([]string{n[:len(want)]}, want) {
			return
		}
	}
	t.Fatalf("no note starts with %q: %q", want, notes)
}
