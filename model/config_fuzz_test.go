package model

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tensorcount/tensorcount/internal/corpus"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
)

// FuzzConfig checks that no config.json, however strange, panics the
// reader or yields an absurd architecture figure.
func FuzzConfig(f *testing.F) {
	for _, m := range []archs.Model{archs.Llama31_8B(), archs.GPT2Small(), archs.DeepSeekV3(), archs.SmallLlamaGPTQ(), archs.Qwen3_30B_A3B()} {
		f.Add([]byte(m.Config))
	}
	f.Add([]byte(`{"text_config":{"num_hidden_layers":"x","quantization_config":{"config_groups":{"g":{"targets":["re:(["],"weights":{"num_bits":4}}}}}}`))
	f.Add([]byte(`{"quantization":{"bits":4,"group_size":64},"n_inner":null,"multi_query":true}`))
	if dir, ok := corpus.Find(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, "minicpm3-tiny-untied-safetensors", "config.json")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseConfig("config.json", b)
		if err != nil {
			return
		}
		a := c.arch()
		for _, v := range []int{a.Layers, a.HiddenSize, a.VocabSize, a.Heads, a.KVHeads, a.HeadDim, a.FFNSize, a.Experts, a.ExpertsPerToken} {
			if v < 0 || v > 2*limit {
				t.Fatalf("absurd figure %d in %+v", v, a)
			}
		}
		if q := a.Quantization; q != nil {
			_ = q.BitsFor("model.layers.0.mlp.down_proj")
		}
	})
}
