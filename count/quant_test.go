package count

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/internal/corpus"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
)

// linears of a two-layer llama (hidden 256, 4 heads of 64 with 2 KV
// heads, FFN 768) as name → (out, in).
func smallLinears() [][3]any {
	var l [][3]any
	for i := range 2 {
		p := fmt.Sprintf("model.layers.%d.", i)
		l = append(l,
			[3]any{p + "self_attn.q_proj", uint64(256), uint64(256)},
			[3]any{p + "self_attn.k_proj", uint64(128), uint64(256)},
			[3]any{p + "self_attn.v_proj", uint64(128), uint64(256)},
			[3]any{p + "self_attn.o_proj", uint64(256), uint64(256)},
			[3]any{p + "mlp.gate_proj", uint64(768), uint64(256)},
			[3]any{p + "mlp.up_proj", uint64(768), uint64(256)},
			[3]any{p + "mlp.down_proj", uint64(256), uint64(768)},
		)
	}
	return l
}

// linearParameters is what those linears hold unquantized.
const linearParameters = 2 * (256*256 + 2*128*256 + 256*256 + 3*768*256)

func writeModel(t *testing.T, specs []fixture.TensorSpec, data map[string][]byte, config string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, fixture.Safetensors{Tensors: specs, Data: data}.Write(filepath.Join(dir, "model.safetensors")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644))
	return dir
}

// MLX stores 4-bit weights packed eight to a U32 word under the plain
// name "M.weight", with "M.scales" and "M.biases" (quantization offsets,
// not layer biases) beside it.
func TestMLXPacked(t *testing.T) {
	var specs []fixture.TensorSpec
	for _, l := range smallLinears() {
		name, out, in := l[0].(string), l[1].(uint64), l[2].(uint64)
		specs = append(specs,
			fixture.TensorSpec{Name: name + ".weight", Shape: []uint64{out, in * 4 / 32}, DType: "U32"},
			fixture.TensorSpec{Name: name + ".scales", Shape: []uint64{out, in / 64}, DType: "F16"},
			fixture.TensorSpec{Name: name + ".biases", Shape: []uint64{out, in / 64}, DType: "F16"},
		)
	}
	dir := writeModel(t, specs, nil, `{"model_type":"llama","quantization":{"group_size":64,"bits":4}}`)
	r := buildPath(t, dir, Options{})
	require.Equal(t, uint64(linearParameters), r.Parameters)
	require.Equal(t, uint64(2*(2*256*256+2*128*256+3*768*256)/64*2), r.ByRole[classify.RoleQuantAux].Elements)
	requireNote(t, r, "MLX 4-bit weights packed in U32 words (×8)")
}

// compressed-tensors pack-quantized: "M.weight_packed" I32 words with the
// true shape stored as the data of "M.weight_shape".
func TestCompressedTensorsPacked(t *testing.T) {
	var specs []fixture.TensorSpec
	data := map[string][]byte{}
	for _, l := range smallLinears() {
		name, out, in := l[0].(string), l[1].(uint64), l[2].(uint64)
		specs = append(specs,
			// Padded to whole words, as the packer does: the container
			// alone would over-count.
			fixture.TensorSpec{Name: name + ".weight_packed", Shape: []uint64{out, in/8 + 1}, DType: "I32"},
			fixture.TensorSpec{Name: name + ".weight_scale", Shape: []uint64{out, in / 128}, DType: "BF16"},
			fixture.TensorSpec{Name: name + ".weight_shape", Shape: []uint64{2}, DType: "I64"},
		)
		shape := make([]byte, 16)
		binary.LittleEndian.PutUint64(shape, out)
		binary.LittleEndian.PutUint64(shape[8:], in)
		data[name+".weight_shape"] = shape
	}
	dir := writeModel(t, specs, data, `{"model_type":"llama","quantization_config":{"quant_method":"compressed-tensors","format":"pack-quantized",
		"config_groups":{"group_0":{"targets":["Linear"],"weights":{"num_bits":4,"type":"int"}}}}}`)
	r := buildPath(t, dir, Options{})
	require.Equal(t, uint64(linearParameters), r.Parameters, "the shapes come from weight_shape, not the padded containers")
	requireNote(t, r, "compressed-tensors packed weights (shape from weight_shape)")

	// Without reading data the container gives an upper bound, said so.
	r = buildPath(t, dir, Options{NoData: true})
	require.Greater(t, r.Parameters, uint64(linearParameters))
	requireNote(t, r, "an upper bound without weight_shape")
}

// A vision-language model: the tower and projector are separate
// components, so the language model's own figure stands alone.
func TestVisionComponents(t *testing.T) {
	specs := []fixture.TensorSpec{
		{Name: "model.language_model.embed_tokens.weight", Shape: []uint64{1000, 64}, DType: "BF16"},
		{Name: "model.language_model.layers.0.self_attn.q_proj.weight", Shape: []uint64{64, 64}, DType: "BF16"},
		{Name: "model.language_model.layers.0.mlp.up_proj.weight", Shape: []uint64{128, 64}, DType: "BF16"},
		{Name: "model.language_model.norm.weight", Shape: []uint64{64}, DType: "BF16"},
		{Name: "lm_head.weight", Shape: []uint64{1000, 64}, DType: "BF16"},
		{Name: "model.vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight", Shape: []uint64{32, 32}, DType: "BF16"},
		{Name: "model.vision_tower.vision_model.embeddings.patch_embedding.weight", Shape: []uint64{32, 3, 14, 14}, DType: "BF16"},
		{Name: "model.multi_modal_projector.linear_1.weight", Shape: []uint64{64, 32}, DType: "BF16"},
	}
	dir := writeModel(t, specs, nil, `{"model_type":"llava","architectures":["LlavaForConditionalGeneration"],"text_config":{"num_hidden_layers":1,"hidden_size":64}}`)
	r := buildPath(t, dir, Options{})
	require.Equal(t, uint64(1000*64+64*64+128*64+64+1000*64), r.ByComponent["language_model"].Parameters)
	require.Equal(t, uint64(32*32+32*3*14*14), r.ByComponent["vision"].Parameters)
	require.Equal(t, uint64(64*32), r.ByComponent["projector"].Parameters)
	require.Equal(t, 1, r.Formula.Layers)
	// The formula compares the language model only.
	require.Equal(t, r.ByComponent["language_model"].Parameters, r.Formula.MainParameters)
}

func TestUnknownNamesAndEmptyFiles(t *testing.T) {
	r := buildPath(t, corpus.Path(t, "safetensors-dtypes-torch/model.safetensors"), Options{})
	require.Equal(t, 36, r.ByRole[classify.RoleOther].Tensors)
	requireNote(t, r, "36 tensors have names no rule recognises, counted under role other: int64_3, int64_35, int64_357, float64_3, float64_35 and 31 more patterns")
	require.Nil(t, r.Formula, "no blocks, no formula")

	r = buildPath(t, corpus.Path(t, "llamacpp-vocab/ggml-vocab-bert-bge.gguf"), Options{})
	require.Zero(t, r.Tensors)
	require.Nil(t, r.Formula)
	require.Nil(t, r.Costs)
	requireNote(t, r, "the files hold no tensors")
}

// An MLX 4-bit Llama-3.1-8B as mlx-lm writes it: every linear, the
// embedding and the head packed, and a config with both "quantization" and
// a method-less "quantization_config". The count is the unquantized
// model's, and the hidden size is the logical one, not the packed width.
func TestMLXLlama31_8B(t *testing.T) {
	base := archs.Llama31_8B()
	var specs []fixture.TensorSpec
	for _, s := range base.Tensors {
		if len(s.Shape) != 2 {
			specs = append(specs, s)
			continue
		}
		out, in := s.Shape[0], s.Shape[1]
		module := strings.TrimSuffix(s.Name, ".weight")
		specs = append(specs,
			fixture.TensorSpec{Name: s.Name, Shape: []uint64{out, in / 8}, DType: "U32"},
			fixture.TensorSpec{Name: module + ".scales", Shape: []uint64{out, in / 64}, DType: "BF16"},
			fixture.TensorSpec{Name: module + ".biases", Shape: []uint64{out, in / 64}, DType: "BF16"})
	}
	for _, config := range []string{
		`{"model_type":"llama","hidden_size":4096,"num_hidden_layers":32,"quantization":{"group_size":64,"bits":4},"quantization_config":{"group_size":64,"bits":4}}`,
		// No word of quantization at all: the shapes tell.
		`{"model_type":"llama","hidden_size":4096,"num_hidden_layers":32}`,
	} {
		dir := t.TempDir()
		require.NoError(t, fixture.Safetensors{Tensors: specs}.Write(filepath.Join(dir, "model.safetensors")))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644))
		r := buildPath(t, dir, Options{NoData: true})
		require.Equal(t, uint64(8_030_261_248), r.Parameters, config)
		require.Equal(t, base.NonEmbedding, r.NonEmbeddingParameters)
		require.NotNil(t, r.Formula)
		require.Equal(t, 4096, r.Formula.HiddenSize, "the logical width, not the packed 512")
		requireNote(t, r, "MLX 4-bit weights packed in U32 words (×8)")
	}
}

// A PEFT adapter says what it is from adapter_config.json: its method,
// rank and base model, and its own parameters (the factors and the
// modules_to_save copies, such as a classification head).
func TestPEFTAdapterConfig(t *testing.T) {
	var specs []fixture.TensorSpec
	for i := range 2 {
		for _, m := range []string{"q_proj", "v_proj"} {
			p := fmt.Sprintf("base_model.model.model.layers.%d.self_attn.%s.", i, m)
			specs = append(specs,
				fixture.TensorSpec{Name: p + "lora_A.weight", Shape: []uint64{8, 4096}, DType: "F32"},
				fixture.TensorSpec{Name: p + "lora_B.weight", Shape: []uint64{4096, 8}, DType: "F32"},
				fixture.TensorSpec{Name: p + "lora_magnitude_vector", Shape: []uint64{4096}, DType: "F32"})
		}
	}
	specs = append(specs, fixture.TensorSpec{Name: "base_model.model.score.modules_to_save.default.weight", Shape: []uint64{2, 4096}, DType: "F32"})
	dir := t.TempDir()
	require.NoError(t, fixture.Safetensors{Tensors: specs}.Write(filepath.Join(dir, "adapter_model.safetensors")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "adapter_config.json"), []byte(`{"peft_type":"LORA","use_dora":true,"r":8,
		"target_modules":["q_proj","v_proj"],"modules_to_save":["score"],"base_model_name_or_path":"meta-llama/Llama-3.1-8B","task_type":"SEQ_CLS"}`), 0o644))
	r := buildPath(t, dir, Options{})
	factors := uint64(2 * 2 * (8*4096 + 4096*8 + 4096))
	require.Equal(t, factors, r.ByRole[classify.RoleAdapter].Parameters, "DoRA magnitudes are the adapter's too")
	require.Equal(t, uint64(2*4096), r.ByRole[classify.RoleHead].Parameters, "the saved score head")
	requireNote(t, r, "a LoRA adapter (rank 8) for meta-llama/Llama-3.1-8B: 286.72K parameters of its own")
	require.Nil(t, r.Formula)
}

// A diffusers pipeline: a component per subfolder, convolutions as their
// own role, and none of the language-model figures.
func TestDiffusersPipelineCount(t *testing.T) {
	dir := t.TempDir()
	write := func(sub string, specs ...fixture.TensorSpec) {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, sub), 0o755))
		require.NoError(t, fixture.Safetensors{Tensors: specs}.Write(filepath.Join(dir, sub, "diffusion_pytorch_model.safetensors")))
	}
	write("unet",
		fixture.TensorSpec{Name: "conv_in.weight", Shape: []uint64{320, 4, 3, 3}, DType: "F16"},
		fixture.TensorSpec{Name: "conv_in.bias", Shape: []uint64{320}, DType: "F16"},
		fixture.TensorSpec{Name: "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight", Shape: []uint64{320, 320}, DType: "F16"})
	write("vae", fixture.TensorSpec{Name: "decoder.conv_out.weight", Shape: []uint64{3, 128, 3, 3}, DType: "F32"})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model_index.json"),
		[]byte(`{"_class_name":"StableDiffusionPipeline","unet":["diffusers","UNet2DConditionModel"],"vae":["diffusers","AutoencoderKL"]}`), 0o644))
	r := buildPath(t, dir, Options{})
	require.Equal(t, "diffusion pipeline", r.Kind)
	require.Equal(t, uint64(320*4*9+320+320*320), r.ByComponent["unet"].Parameters)
	require.Equal(t, uint64(3*128*9), r.ByComponent["vae"].Parameters)
	require.Nil(t, r.Formula, "no 12·L·d² for a pipeline")
	require.Zero(t, r.Costs.FLOPsPerToken, "no FLOPs per token")
	require.Greater(t, r.ByRole[classify.RoleConv].Parameters, uint64(0))
}

// Integer and boolean tensors that are not packed weights are counted,
// and named, since a header cannot tell whether they were learned.
func TestIntegerTensorsNamed(t *testing.T) {
	dir := writeModel(t, []fixture.TensorSpec{
		{Name: "quantizer.codebook_indices", Shape: []uint64{1024}, DType: "I32"},
		{Name: "encoder.layers.0.fc1.weight", Shape: []uint64{64, 16}, DType: "F32"},
		{Name: "encoder.valid_mask", Shape: []uint64{16}, DType: "BOOL"},
	}, nil, `{}`)
	r := buildPath(t, dir, Options{})
	requireNote(t, r, "2 integer or boolean tensors (1,040 elements) counted as parameters, though a header cannot tell whether they were learned")
	requireNote(t, r, "quantizer.codebook_indices, encoder.valid_mask")
}

// Messages that misled: a model without a stored head and without a
// config is not declared tied, and the formula says no head is stored.
func TestNoHeadNoConfig(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, fixture.Safetensors{Tensors: []fixture.TensorSpec{
		{Name: "embeddings.word_embeddings.weight", Shape: []uint64{100, 16}, DType: "F32"},
		{Name: "encoder.layer.0.output.dense.weight", Shape: []uint64{16, 64}, DType: "F32"},
	}}.Write(filepath.Join(dir, "model.safetensors")))
	r := buildPath(t, dir, Options{})
	require.Nil(t, r.Tie, "nothing is tied without evidence")
	requireNote(t, r, "no output head is stored, and nothing (no config, no decoder layout) says that one reuses the embedding")
	for _, n := range r.Notes {
		require.NotContains(t, n, "tied embeddings")
	}
}

// Notes grouped by pattern come in the order their tensors first appear,
// kind by kind, however the count splits the tensors between the CPUs:
// here the unpack note for tensor 50, which is counted after the others,
// comes first, then the quant_aux ones (tensors 51, 52, 9,002), then the
// buffer (7,002).
func TestNoteGroupsInTensorOrder(t *testing.T) {
	var specs []fixture.TensorSpec
	add := func(name string, dtype string, shape ...uint64) {
		specs = append(specs, fixture.TensorSpec{Name: name, Shape: shape, DType: dtype})
	}
	for i := range 10_000 {
		switch i {
		case 50:
			add("model.layers.0.mlp.up_proj.weight", "U32", 64, 8)
			add("model.layers.0.mlp.up_proj.scales", "F16", 64, 1)
			add("model.layers.0.mlp.up_proj.biases", "F16", 64, 1)
		case 7_000:
			add("model.layers.1.self_attn.rotary_emb.inv_freq", "F32", 32)
		case 9_000:
			add("model.layers.2.self_attn.q_proj.weight_scale_inv", "F32", 1, 1)
		default:
			add(fmt.Sprintf("extra.%d.weight", i), "F32", 1)
		}
	}
	dir := writeModel(t, specs, nil, `{"model_type":"llama","quantization":{"group_size":64,"bits":4}}`)
	r := buildPath(t, dir, Options{})
	at := func(sub string) int {
		for i, n := range r.Notes {
			if strings.Contains(n, sub) {
				return i
			}
		}
		t.Fatalf("no note contains %q: %q", sub, r.Notes)
		return -1
	}
	order := []int{at("MLX 4-bit"), at("up_proj.scales"), at("up_proj.biases"), at("weight_scale_inv"), at("inv_freq")}
	require.True(t, slices.IsSorted(order), "%v: %q", order, r.Notes)
}
