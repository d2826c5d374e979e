package source_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/source"
)

func TestParse(t *testing.T) {
	t.Setenv("HF_ENDPOINT", "http://127.0.0.1:9999/")
	hub := func(repo, rev, p string, file bool) source.Spec {
		return source.Spec{Kind: source.KindHub, Repo: repo, Revision: rev, Path: p, File: file}
	}
	for _, tc := range []struct {
		arg  string
		want source.Spec
	}{
		{"hf://gpt2", hub("gpt2", "", "", false)},
		{"hf://gpt2@main", hub("gpt2", "main", "", false)},
		{"hf://meta-llama/Llama-3.1-8B", hub("meta-llama/Llama-3.1-8B", "", "", false)},
		{"hf://Qwen/Qwen3-30B-A3B@0123abc", hub("Qwen/Qwen3-30B-A3B", "0123abc", "", false)},
		{"hf://bartowski/Llama-3.1-8B-GGUF/Llama-3.1-8B-Q4_K_M.gguf", hub("bartowski/Llama-3.1-8B-GGUF", "", "Llama-3.1-8B-Q4_K_M.gguf", true)},
		{"hf://org/m@v1.0/transformer", hub("org/m", "v1.0", "transformer", false)},
		{"hf://org/m@refs/pr/12/sub/model.safetensors", hub("org/m", "refs/pr/12", "sub/model.safetensors", true)},
		{"https://huggingface.co/meta-llama/Llama-3.1-8B", hub("meta-llama/Llama-3.1-8B", "", "", false)},
		{"https://huggingface.co/meta-llama/Llama-3.1-8B/tree/main", hub("meta-llama/Llama-3.1-8B", "main", "", false)},
		{"https://huggingface.co/org/m/tree/main/unet", hub("org/m", "main", "unet", false)},
		{"https://huggingface.co/org/m/blob/main/model.safetensors", hub("org/m", "main", "model.safetensors", true)},
		{"https://hf.co/org/m/resolve/refs%2Fpr%2F3/a/b.gguf", hub("org/m", "refs/pr/3", "a/b.gguf", true)},
		{"http://127.0.0.1:9999/org/m/resolve/main/x.gguf", hub("org/m", "main", "x.gguf", true)},
		{"https://example.org/models/x.gguf", source.Spec{Kind: source.KindURL, URL: "https://example.org/models/x.gguf"}},
		{"https://huggingface.co/api/models/x", source.Spec{Kind: source.KindURL, URL: "https://huggingface.co/api/models/x"}},
		{"ollama://llama3.1:8b", source.Spec{Kind: source.KindOllama, Ollama: source.OllamaRef{Host: "registry.ollama.ai", Namespace: "library", Name: "llama3.1", Tag: "8b"}}},
		{"ollama://llama3.1", source.Spec{Kind: source.KindOllama, Ollama: source.OllamaRef{Host: "registry.ollama.ai", Namespace: "library", Name: "llama3.1", Tag: "latest"}}},
		{"ollama://huihui_ai/qwen3-abliterated:14b", source.Spec{Kind: source.KindOllama, Ollama: source.OllamaRef{Host: "registry.ollama.ai", Namespace: "huihui_ai", Name: "qwen3-abliterated", Tag: "14b"}}},
		{"ollama://hf.co/bartowski/x-GGUF:Q4_K_M", source.Spec{Kind: source.KindOllama, Ollama: source.OllamaRef{Host: "hf.co", Namespace: "bartowski", Name: "x-GGUF", Tag: "Q4_K_M"}}},
		{"./models/x", source.Spec{Kind: source.KindLocal}},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			got, err := source.Parse(tc.arg)
			require.NoError(t, err)
			tc.want.Arg = tc.arg
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.want.Kind != source.KindLocal, got.IsRemote())
		})
	}
	for _, bad := range []string{"hf://", "hf://@x", "hf://a..b", "hf://org/../x", "hf://a/b/c/../d", "hf://org/m@", "hf://org/m@a..b",
		"https://huggingface.co/org/m/blob/main", "https://huggingface.co/org/m/raw/main/x", "https://user:pw@example.org/x.gguf",
		"ollama://a/b/c/d", "ollama://bad name", "ollama://x:", "ollama://x:ta/g"} {
		_, err := source.Parse(bad)
		require.Error(t, err, bad)
	}
	s, _ := source.Parse("hf://org/m@v1/x.gguf")
	require.Equal(t, "hf://org/m@v1/x.gguf", s.String())
}

func TestGGUFChoices(t *testing.T) {
	es := []source.Entry{
		{Name: "README.md", Size: 1},
		{Name: "Llama-3.1-8B-Q8_0.gguf", Size: 800},
		{Name: "Llama-3.1-8B-Q4_K_M.gguf", Size: 400},
		{Name: "Llama-3.1-8B-f16/Llama-3.1-8B-F16-00002-of-00002.gguf", Size: 900},
		{Name: "Llama-3.1-8B-f16/Llama-3.1-8B-F16-00001-of-00002.gguf", Size: 700},
		{Name: "mmproj-model-f16.gguf", Size: 50},
	}
	got := source.GGUFChoices(es)
	require.Equal(t, []source.Choice{
		{Label: "Q4_K_M", Files: []string{"Llama-3.1-8B-Q4_K_M.gguf"}, Size: 400},
		{Label: "Q8_0", Files: []string{"Llama-3.1-8B-Q8_0.gguf"}, Size: 800},
		{Label: "F16", Files: []string{"Llama-3.1-8B-f16/Llama-3.1-8B-F16-00001-of-00002.gguf", "Llama-3.1-8B-f16/Llama-3.1-8B-F16-00002-of-00002.gguf"}, Size: 1600},
		{Label: "F16", Files: []string{"mmproj-model-f16.gguf"}, Size: 50, Projector: true},
	}, got)
}
