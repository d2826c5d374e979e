package model

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/internal/corpus"
)

func archOf(t *testing.T, text string) (Arch, []string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, p, text)
	c, err := readConfig(p)
	require.NoError(t, err)
	a := c.arch()
	return a, c.notes
}

func TestConfigSpellings(t *testing.T) {
	// Llama-3.1-8B's published config.
	a, notes := archOf(t, `{"architectures":["LlamaForCausalLM"],"model_type":"llama","num_hidden_layers":32,
		"hidden_size":4096,"vocab_size":128256,"num_attention_heads":32,"num_key_value_heads":8,
		"intermediate_size":14336,"tie_word_embeddings":false,"max_position_embeddings":131072}`)
	require.Empty(t, notes)
	f := false
	require.Equal(t, Arch{Architecture: "llama", Class: "LlamaForCausalLM", Layers: 32, HiddenSize: 4096,
		VocabSize: 128256, Heads: 32, KVHeads: 8, HeadDim: 128, FFNSize: 14336, ContextLength: 131072,
		TiedEmbeddings: &f, Source: "config.json"}, a)

	// GPT-2 spellings; n_inner null means 4·d.
	a, _ = archOf(t, `{"model_type":"gpt2","n_layer":12,"n_embd":768,"n_head":12,"n_inner":null,"vocab_size":50257,"n_positions":1024}`)
	require.Equal(t, 12, a.Layers)
	require.Equal(t, 768, a.HiddenSize)
	require.Equal(t, 12, a.KVHeads)
	require.Equal(t, 64, a.HeadDim)
	require.Equal(t, 3072, a.FFNSize)
	require.Equal(t, 1024, a.ContextLength)
	require.Nil(t, a.TiedEmbeddings)

	// Falcon: multi_query means one KV head.
	a, _ = archOf(t, `{"model_type":"falcon","n_layer":32,"hidden_size":4544,"n_head":71,"multi_query":true}`)
	require.Equal(t, 1, a.KVHeads)

	// Mixtral and DeepSeek-V3 MoE fields.
	a, _ = archOf(t, `{"model_type":"mixtral","num_local_experts":8,"num_experts_per_tok":2}`)
	require.Equal(t, 8, a.Experts)
	require.Equal(t, 2, a.ExpertsPerToken)
	a, _ = archOf(t, `{"model_type":"deepseek_v3","num_hidden_layers":61,"n_routed_experts":256,"n_shared_experts":1,
		"num_experts_per_tok":8,"moe_intermediate_size":2048,"first_k_dense_replace":3,"num_nextn_predict_layers":1,
		"q_lora_rank":1536,"kv_lora_rank":512,"qk_nope_head_dim":128,"qk_rope_head_dim":64,"v_head_dim":128,
		"quantization_config":{"activation_scheme":"dynamic","fmt":"e4m3","quant_method":"fp8","weight_block_size":[128,128]}}`)
	require.Equal(t, 256, a.Experts)
	require.Equal(t, 1, a.SharedExperts)
	require.Equal(t, 2048, a.ExpertFFNSize)
	require.Equal(t, 3, a.FirstDenseLayers)
	require.Equal(t, 1, a.MTPLayers)
	require.Equal(t, 1536, a.QLoRARank)
	require.Equal(t, "fp8", a.Quantization.Method)

	// Qwen2-MoE: a shared expert given only by its width.
	a, _ = archOf(t, `{"model_type":"qwen2_moe","num_experts":60,"num_experts_per_tok":4,"shared_expert_intermediate_size":5632}`)
	require.Equal(t, 1, a.SharedExperts)
	require.Equal(t, 5632, a.SharedExpertFFNSize)

	// Mistral params.json spellings.
	a, _ = archOf(t, `{"dim":4096,"n_layers":32,"n_heads":32,"n_kv_heads":8,"hidden_dim":14336,"vocab_size":32768}`)
	require.Equal(t, Arch{Layers: 32, HiddenSize: 4096, Heads: 32, KVHeads: 8, HeadDim: 128, FFNSize: 14336, VocabSize: 32768, Source: "config.json"}, a)
}

func TestConfigNested(t *testing.T) {
	// Gemma 3: the language model's facts live in text_config; the
	// vision tower's hidden_size must not be taken.
	a, _ := archOf(t, `{"model_type":"gemma3","architectures":["Gemma3ForConditionalGeneration"],
		"text_config":{"model_type":"gemma3_text","num_hidden_layers":34,"hidden_size":2560,"head_dim":256,"num_attention_heads":8,"num_key_value_heads":4,
			"quantization_config":{"quant_method":"gptq","bits":4,"group_size":128}},
		"vision_config":{"hidden_size":1152,"num_hidden_layers":27}}`)
	require.Equal(t, "gemma3", a.Architecture)
	require.Equal(t, 34, a.Layers)
	require.Equal(t, 2560, a.HiddenSize)
	require.Equal(t, 256, a.HeadDim)
	require.Equal(t, "config.json (text_config)", a.Source)
	require.Equal(t, &Quantization{Method: "gptq", Bits: 4, GroupSize: 128}, a.Quantization)
}

func TestConfigQuantization(t *testing.T) {
	a, _ := archOf(t, `{"quantization_config":{"quant_method":"awq","w_bit":4,"q_group_size":128,"version":"gemm"}}`)
	require.Equal(t, &Quantization{Method: "awq", Bits: 4, GroupSize: 128}, a.Quantization)

	a, _ = archOf(t, `{"quantization_config":{"load_in_4bit":true,"bnb_4bit_quant_type":"nf4","bnb_4bit_use_double_quant":true}}`)
	require.Equal(t, &Quantization{Method: "bitsandbytes", Load4Bit: true, QuantType: "nf4"}, a.Quantization)

	a, notes := archOf(t, `{"quantization_config":{"quant_method":"compressed-tensors","format":"mixed-precision",
		"config_groups":{"group_1":{"targets":["re:.*mlp.*"],"weights":{"num_bits":8,"type":"int"}},
		                 "group_0":{"targets":["Linear"],"weights":{"num_bits":4,"type":"int"}}},
		"ignore":["lm_head"]},"expert_dtype":"fp4"}`)
	require.Empty(t, notes)
	q := a.Quantization
	require.Equal(t, "mixed-precision", q.Format)
	require.Equal(t, []QuantGroup{{Name: "group_0", Targets: []string{"Linear"}, Bits: 4, Type: "int"},
		{Name: "group_1", Targets: []string{"re:.*mlp.*"}, Bits: 8, Type: "int"}}, q.Groups)
	require.Equal(t, 4, q.Bits)
	require.Equal(t, []string{"lm_head"}, q.Ignore)
	require.Equal(t, "fp4", q.ExpertDType)
}

func TestConfigBadValuesAreNotes(t *testing.T) {
	a, notes := archOf(t, `{"num_hidden_layers":"32","hidden_size":-4096,"vocab_size":1e300,"num_attention_heads":32.5,
		"intermediate_size":[1],"tie_word_embeddings":"yes","num_local_experts":8,"num_experts_per_tok":9,"head_dim":{}}`)
	require.Zero(t, a.Layers)
	require.Zero(t, a.HiddenSize)
	require.Zero(t, a.VocabSize)
	require.Zero(t, a.Heads)
	require.Zero(t, a.FFNSize)
	require.Nil(t, a.TiedEmbeddings)
	require.Zero(t, a.ExpertsPerToken)
	require.ElementsMatch(t, []string{
		`config.json num_hidden_layers is the string "32", not a number; ignored`,
		`config.json hidden_size is -4096, outside 0…67108864; ignored`,
		`config.json vocab_size is 1e300, not a whole number; ignored`,
		`config.json num_attention_heads is 32.5, not a whole number; ignored`,
		`config.json intermediate_size is an array, not a number; ignored`,
		`config.json tie_word_embeddings is a string, not true or false; ignored`,
		`config.json head_dim is an object, not a number; ignored`,
		`config.json says 9 experts per token but only 8 experts; experts per token ignored`,
	}, notes)
}

func TestConfigUnreadable(t *testing.T) {
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "model.safetensors"), "a")
	for _, text := range []string{`{"a":`, `[1,2]`, `null`, ``} {
		writeFile(t, filepath.Join(dir, "config.json"), text)
		m, err := Load(dir)
		require.NoError(t, err, "a broken config.json does not stop the count")
		noteWith(t, m, "config.json could not be used")
	}
}

func TestConfigCorpusMiniCPM3(t *testing.T) {
	m, err := Load(corpus.Path(t, "minicpm3-tiny-untied-safetensors"))
	require.NoError(t, err)
	require.Equal(t, "minicpm3", m.Arch.Architecture)
	require.Equal(t, 62, m.Arch.Layers)
	require.Equal(t, 2560, m.Arch.HiddenSize)
	require.Equal(t, 73448, m.Arch.VocabSize)
	require.Len(t, m.Tensors, 15)
}

// hidden_dim is the FFN width beside a "dim", but the model's width when
// it stands alone.
func TestHiddenDim(t *testing.T) {
	for _, c := range []struct {
		config      string
		hidden, ffn int
	}{
		{`{"dim": 4096, "hidden_dim": 14336, "n_layers": 32}`, 4096, 14336},
		{`{"hidden_size": 768, "hidden_dim": 3072}`, 768, 3072},
		{`{"hidden_dim": 512, "num_layers": 6}`, 512, 0},
	} {
		cfg, err := parseConfig("config.json", []byte(c.config))
		require.NoError(t, err)
		a := cfg.arch()
		require.Equal(t, c.hidden, a.HiddenSize, c.config)
		require.Equal(t, c.ffn, a.FFNSize, c.config)
	}
}
