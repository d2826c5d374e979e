package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tensorcount/tensorcount/model"
)

// claimWant is the part of a Claim a table checks.
type claimWant struct {
	Kind      ClaimKind
	Value     float64
	Precision float64
	Experts   int
}

func wTotal(v, p float64) claimWant          { return claimWant{ClaimTotal, v, p, 0} }
func wActive(v, p float64) claimWant         { return claimWant{ClaimActive, v, p, 0} }
func wEffective(v, p float64) claimWant      { return claimWant{ClaimEffective, v, p, 0} }
func wNonEmb(v, p float64) claimWant         { return claimWant{ClaimNonEmbedding, v, p, 0} }
func wExact(v float64) claimWant             { return claimWant{ClaimExact, v, 0, 0} }
func wExperts(n int, v, p float64) claimWant { return claimWant{ClaimExperts, v, p, n} }

func claimWants(cs []Claim) []claimWant {
	var out []claimWant
	for _, c := range cs {
		out = append(out, claimWant{c.Kind, c.Value, c.Precision, c.Experts})
	}
	return out
}

func TestClaimsFromName(t *testing.T) {
	const B, M, K, T = 1e9, 1e6, 1e3, 1e12
	for _, tc := range []struct {
		name string
		want []claimWant
	}{
		{"Llama-3.1-70B-Instruct", []claimWant{wTotal(70*B, B/2)}},
		{"Llama-3.1-405B", []claimWant{wTotal(405*B, B/2)}},
		{"Llama-2-7b-hf", []claimWant{wTotal(7*B, B/2)}},
		{"Llama-3.2-1B", []claimWant{wTotal(1*B, B/2)}},
		{"Meta-Llama-3-8B-Instruct-Q4_K_M.gguf", []claimWant{wTotal(8*B, B/2)}},
		{"models--meta-llama--Llama-3.1-8B", []claimWant{wTotal(8*B, B/2)}},
		{"Qwen2.5-0.5B", []claimWant{wTotal(0.5*B, 0.05*B)}},
		{"Qwen2.5-72B-Instruct-AWQ", []claimWant{wTotal(72*B, B/2)}},
		{"Qwen2.5-7B-Instruct-1M", []claimWant{wTotal(7*B, B/2)}},
		{"Qwen3-30B-A3B", []claimWant{wTotal(30*B, B/2), wActive(3*B, B/2)}},
		{"Qwen3-235B-A22B", []claimWant{wTotal(235*B, B/2), wActive(22*B, B/2)}},
		{"Qwen1.5-MoE-A2.7B", []claimWant{wActive(2.7*B, 0.05*B)}},
		{"SmolLM2-135M", []claimWant{wTotal(135*M, M/2)}},
		{"SmolLM2-360M-Instruct", []claimWant{wTotal(360*M, M/2)}},
		{"Mixtral-8x7B", []claimWant{wExperts(8, 7*B, B/2)}},
		{"Mixtral-8x22B-Instruct-v0.1", []claimWant{wExperts(8, 22*B, B/2)}},
		{"gemma-2-2b-it", []claimWant{wTotal(2*B, B/2)}},
		{"gemma-7b", []claimWant{wTotal(7*B, B/2)}},
		{"gemma-3-27b-it", []claimWant{wTotal(27*B, B/2)}},
		{"gemma-3n-E2B-it", []claimWant{wEffective(2*B, B/2)}},
		{"e2b", []claimWant{wEffective(2*B, B/2)}},
		{"phi-4", nil},
		{"Phi-3-mini-4k-instruct", nil},
		{"Phi-3-medium-128k-instruct", nil},
		{"Phi-3.5-MoE-instruct", nil},
		{"model-Q4_K_M.gguf", nil},
		{"tinyllamas-stories-260k-f32.gguf", []claimWant{wTotal(260*K, K/2)}},
		{"stories15M", []claimWant{wTotal(15*M, M/2)}},
		{"DeepSeek-V3", nil},
		{"DeepSeek-V2-Lite", nil},
		{"DeepSeek-R1-Distill-Qwen-7B", []claimWant{wTotal(7*B, B/2)}},
		{"model-00001-of-00004.safetensors", nil},
		{"2024-06-01", nil},
		{"checkpoint-20240601", nil},
		{"a1b2c3d4e5", nil},
		{"sha256-6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa", nil},
		{"deadbe7b", nil},
		{"v0.3", nil},
		{"v1.5", nil},
		{"model-bf16-f16-fp8-int4-q8_0.gguf", nil},
		{"BitNet-b1.58-2B-4T", []claimWant{wTotal(2*B, B/2)}},
		{"gpt-oss-20b", []claimWant{wTotal(20*B, B/2)}},
		{"Mistral-7B-Instruct-v0.3", []claimWant{wTotal(7*B, B/2)}},
		{"TinyLlama-1.1B-Chat-v1.0", []claimWant{wTotal(1.1*B, 0.05*B)}},
		{"Kimi-K2-Instruct", nil},
		{"grok-1", nil},
		{"OLMoE-1B-7B-0924", []claimWant{wActive(1*B, B/2), wTotal(7*B, B/2)}},
		{"granite-3.0-2b-instruct", []claimWant{wTotal(2*B, B/2)}},
		{"granite-3.0-1b-a400m-instruct", []claimWant{wTotal(1*B, B/2), wActive(400*M, M/2)}},
		{"Yi-1.5-34B-Chat", []claimWant{wTotal(34*B, B/2)}},
		{"Yi-34B-200K", []claimWant{wTotal(34*B, B/2)}},
		{"falcon-180B", []claimWant{wTotal(180*B, B/2)}},
		{"bloom-560m", []claimWant{wTotal(560*M, M/2)}},
		{"bloomz-7b1", []claimWant{wTotal(7.1*B, 0.05*B)}},
		{"stablelm-2-1_6b-chat", []claimWant{wTotal(1.6*B, 0.05*B)}},
		{"llama_2_7b_chat", []claimWant{wTotal(7*B, B/2)}},
		{"pythia-70m-deduped", []claimWant{wTotal(70*M, M/2)}},
		{"pythia-1.4b", []claimWant{wTotal(1.4*B, 0.05*B)}},
		{"opt-125m", []claimWant{wTotal(125*M, M/2)}},
		{"t5-small", nil},
		{"bert-base-uncased", nil},
		{"e5-base-v2", nil},
		{"Llama-4-Scout-17B-16E-Instruct", []claimWant{{ClaimActive, 17 * B, B / 2, 16}}},
		{"Qwen3-Next-80B-A3B-Instruct", []claimWant{wTotal(80*B, B/2), wActive(3*B, B/2)}},
		{"Mistral-Small-3.1-24B-Instruct-2503", []claimWant{wTotal(24*B, B/2)}},
		{"Llama-3_1-Nemotron-51B-Instruct", []claimWant{wTotal(51*B, B/2)}},
		{"mistral-7b-instruct-v0.2.Q4_K_M.gguf", []claimWant{wTotal(7*B, B/2)}},
		{"MiniMax-M1-80k", nil},
		{"Ling-1T", []claimWant{wTotal(1*T, T/2)}},
		{"TinyStories-1M", []claimWant{wTotal(1*M, M/2)}},
		{"Meta Llama 3.1 8B Instruct", []claimWant{wTotal(8*B, B/2)}},
		{"unsloth/gemma-3-27b-it-GGUF", []claimWant{wTotal(27*B, B/2)}},
		{"Qwen2-VL-7B-Instruct", []claimWant{wTotal(7*B, B/2)}},
		{"all-MiniLM-L6-v2", nil},
		{"", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ClaimsFromName(tc.name, "file name")
			require.Equal(t, tc.want, claimWants(got))
			for _, c := range got {
				require.Equal(t, "file name", c.Source)
				require.NotEmpty(t, c.Text)
			}
		})
	}
}

func TestClaimsFromNameText(t *testing.T) {
	got := ClaimsFromName("stories15M", "x")
	require.Equal(t, "15M", got[0].Text)
	got = ClaimsFromName("Qwen3-30B-A3B", "x")
	require.Equal(t, []string{"30B", "A3B"}, []string{got[0].Text, got[1].Text})
	require.Equal(t, "8x7B", ClaimsFromName("Mixtral-8x7B", "x")[0].Text)
	require.Equal(t, "1_6b", ClaimsFromName("stablelm-2-1_6b", "x")[0].Text)
}

func TestParseClaim(t *testing.T) {
	const B = 1e9
	for _, tc := range []struct {
		text string
		want claimWant
	}{
		{"7B", wTotal(7*B, B/2)},
		{"7b", wTotal(7*B, B/2)},
		{" 70B ", wTotal(70*B, B/2)},
		{"0.5B", wTotal(0.5*B, 0.05*B)},
		{"0.49B", wTotal(0.49*B, 0.005*B)},
		{"1.1B", wTotal(1.1*B, 0.05*B)},
		{"135M", wTotal(135e6, 0.5e6)},
		{"1.5T", wTotal(1.5e12, 0.05e12)},
		{"260K", wTotal(260e3, 500)},
		{"124M", wTotal(124e6, 0.5e6)},
		{"671B", wTotal(671*B, B/2)},
		{"8x7B", wExperts(8, 7*B, B/2)},
		{"8x22B", wExperts(8, 22*B, B/2)},
		{"A3B", wActive(3*B, B/2)},
		{"a2.7b", wActive(2.7*B, 0.05*B)},
		{"E2B", wEffective(2*B, B/2)},
		{"494032768", wExact(494032768)},
		{"494,032,768", wExact(494032768)},
		{"8.0B", wTotal(8*B, 0.05*B)},
	} {
		c, ok := ParseClaim(tc.text)
		require.True(t, ok, tc.text)
		require.Equal(t, tc.want, claimWants([]Claim{c})[0], tc.text)
		require.Equal(t, strings.TrimSpace(tc.text), c.Text)
	}
	for _, bad := range []string{"", " ", "B", "7", "999", "-7B", "7Q", "1e400B", "9999999T", "0B",
		"07B", "7BB", "7.B", ".5B", "1x7B", "8x", "x7B", "A", "A3", "3B-A30B", "49,40,768", "7 B",
		"1.5.2B", "seven", "7b1", strings.Repeat("9", 400) + "B"} {
		_, ok := ParseClaim(bad)
		require.False(t, ok, "%q", bad)
	}
}

func TestParseClaimCombined(t *testing.T) {
	for _, text := range []string{"30B-A3B", "30B.A3B", "30b_a3b"} {
		c, ok := ParseClaim(text)
		require.True(t, ok, text)
		require.Equal(t, ClaimTotal, c.Kind)
		require.Equal(t, 30e9, c.Value)
		require.Equal(t, 3e9, c.Active)
		parts := c.Parts()
		require.Len(t, parts, 2)
		require.Equal(t, []claimWant{wTotal(30e9, 0.5e9), wActive(3e9, 0.5e9)}, claimWants(parts))
		require.Equal(t, text[:3], parts[0].Text)
		require.Equal(t, text[4:], parts[1].Text)
		require.Zero(t, parts[0].Active)
	}
	c, _ := ParseClaim("7B")
	require.Equal(t, []Claim{c}, c.Parts())
}

const qwenCard = `---
license: apache-2.0
language:
- en
pipeline_tag: text-generation
parameters: 0.49B
model-index:
  size: 999B
---

# Qwen2.5-0.5B

**This repo contains the base 0.5B Qwen2.5 model**, which has the following features:
- Type: Causal Language Models
- Training Stage: Pretraining
- Architecture: transformers with RoPE, SwiGLU, RMSNorm, Attention QKV bias and tied word embeddings
- Number of Parameters: 0.49B
- Number of Paramaters (Non-Embedding): 0.36B
- Number of Layers: 24
- Number of Attention Heads (GQA): 14 for Q and 2 for KV
- Context Length: Full 32,768 tokens

` + "```python\nprint(f\"Parameters: 7B\")\nnum_parameters: 13B\n```\n"

func TestClaimsFromCard(t *testing.T) {
	const B = 1e9
	for _, tc := range []struct {
		name, card string
		want       []claimWant
	}{
		{"qwen2.5", qwenCard, []claimWant{wTotal(0.49*B, 0.005*B), wNonEmb(0.36*B, 0.005*B)}},
		{"front matter", "---\nnum_parameters: 494032768\nmodel_size: \"7B\"\nsize: 1024\n---\nhello\n",
			[]claimWant{wExact(494032768), wTotal(7*B, B/2)}},
		// Unclosed, it is no front matter, but the line still labels a size.
		{"unclosed front matter", "---\nparams: 7B\n", []claimWant{wTotal(7*B, B/2)}},
		{"deepseek table", `## Model Downloads

| **Model** | **#Total Params** | **#Activated Params** | **Context Length** | **Download** |
| :------------: | :------------: | :------------: | :------------: | :------------: |
| DeepSeek-V3-Base | 671B | 37B | 128K | [🤗 Hugging Face](https://huggingface.co/deepseek-ai/DeepSeek-V3-Base) |
| DeepSeek-V3 | 671B | 37B | 128K | [🤗 Hugging Face](https://huggingface.co/deepseek-ai/DeepSeek-V3) |
`, []claimWant{wTotal(671*B, B/2), wActive(37*B, B/2)}},
		{"row table", "| Property | Value |\n|---|---|\n| Total Params | 671B |\n| Activated Params | 37B |\n| Context Length | 128K |\n",
			[]claimWant{wTotal(671*B, B/2), wActive(37*B, B/2)}},
		{"gpt2 table", "Number of parameters | 124M\n", []claimWant{wTotal(124e6, 0.5e6)}},
		{"family table", "| Model | Params |\n|--|--|\n| Qwen2.5-0.5B | 0.49B |\n| Qwen2.5-7B | 7.61B |\n", nil},
		{"bold", "**Model size:** 8B params\n", []claimWant{wTotal(8*B, B/2)}},
		{"plain lines", "Parameters: 7.24B\nTotal Parameters: 671B\nActivated Parameters: 37B\n",
			[]claimWant{wTotal(7.24*B, 0.005*B), wTotal(671*B, B/2), wActive(37*B, B/2)}},
		{"qwen3", "- Number of Parameters: 30.5B in total and 3.3B activated\n- Number of Paramaters (Non-Embedding): 29.9B\n",
			[]claimWant{wTotal(30.5*B, 0.05*B), wActive(3.3*B, 0.05*B), wNonEmb(29.9*B, 0.05*B)}},
		{"words", "Parameters: 7.24 billion\nNumber of parameters: 1,234,567,890 parameters\n",
			[]claimWant{wTotal(7.24*B, 0.005*B), wExact(1234567890)}},
		{"negatives", `Context length: 128K
The model was trained on 15T tokens.
Vocabulary size: 128256
Model size: 4.7 GB
Batch size: 1024
Trainable params: 4,194,304
Embedding parameters: 0.13B
Size: 2048
Parameters: 7B, 13B and 70B
Parameters: see the paper
We trained a 7B model with context length 128K.
<td>7B</td>
`, nil},
		{"empty", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ClaimsFromCard(tc.card)
			require.Equal(t, tc.want, claimWants(got))
		})
	}
	require.Equal(t, "README.md", ClaimsFromCard("---\nparams: 7B\n")[0].Source)
	got := ClaimsFromCard(qwenCard)
	require.Equal(t, "README.md front matter", got[0].Source)
	require.Equal(t, []string{"README.md"}, got[0].Also)
	require.Equal(t, "0.36B", got[1].Text)
}

func TestClaimsFromCardLarge(t *testing.T) {
	// A claim past the first MiB is not read; long lines and a flood of
	// labels are bounded.
	card := strings.Repeat("x", maxCardBytes) + "\nParameters: 7B\n"
	require.Empty(t, ClaimsFromCard(card))
	card = "Parameters: " + strings.Repeat("9", maxCardLine) + "B\n" + strings.Repeat("| Parameters | 7B |\n", 10000)
	require.Len(t, ClaimsFromCard(card), 1)
}

func TestFindClaimsHFCache(t *testing.T) {
	root := t.TempDir()
	entry := filepath.Join(root, "models--Qwen--Qwen2.5-0.5B")
	rev := "060db6499f32faf8b98477b0a26969ef7d8b9987"
	snap := filepath.Join(entry, "snapshots", rev)
	writeST(t, filepath.Join(snap, "model.safetensors"), "a")
	writeFile(t, filepath.Join(entry, "refs", "main"), rev)
	writeFile(t, filepath.Join(snap, "README.md"), qwenCard)
	for _, path := range []string{entry, snap, filepath.Join(snap, "model.safetensors")} {
		m, err := model.Load(path)
		require.NoError(t, err)
		require.Equal(t, []claimWant{wTotal(0.5e9, 0.05e9), wTotal(0.49e9, 0.005e9), wNonEmb(0.36e9, 0.005e9)}, claimWants(Find(m)), path)
		require.Equal(t, "Hugging Face cache entry name", Find(m)[0].Source)
		require.Equal(t, "README.md front matter", Find(m)[1].Source)
		require.Equal(t, []string{"README.md"}, Find(m)[1].Also)
	}
}

func TestFindClaimsGGUF(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Qwen3-30B-A3B-GGUF")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	m := &model.Model{Dir: dir, Path: filepath.Join(dir, "missing.gguf"), IndexTotalParameters: 30532122624,
		Files: []model.File{{Path: filepath.Join(dir, "Qwen3-30B-A3B-Q4_K_M.gguf")}},
		Arch:  model.Arch{SizeLabel: "30B-A3B", Name: "Qwen3 30B A3B", BaseName: "Qwen3"}}
	require.Equal(t, []claimWant{wTotal(30e9, 0.5e9), wActive(3e9, 0.5e9), wExact(30532122624)}, claimWants(Find(m)))
	require.Equal(t, "directory name", Find(m)[0].Source)
	require.Equal(t, []string{"file name", "gguf general.size_label", "gguf general.name"}, Find(m)[0].Also)
	require.Equal(t, "index metadata.total_parameters", Find(m)[2].Source)
	require.Equal(t, "30532122624", Find(m)[2].Text)

	m = &model.Model{Arch: model.Arch{SizeLabel: "8x7B", Name: "Mixtral 8x7B Instruct v0.1"}}
	require.Equal(t, []claimWant{wExperts(8, 7e9, 0.5e9)}, claimWants(Find(m)))
	require.Equal(t, "gguf general.size_label", Find(m)[0].Source)

	// A label ParseClaim does not take whole is read as a name.
	m = &model.Model{Arch: model.Arch{SizeLabel: "Small-7B"}}
	require.Equal(t, []claimWant{wTotal(7e9, 0.5e9)}, claimWants(Find(m)))
}

func TestFindClaimsCardNotRegular(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "README.md"), 0o755))
	m := &model.Model{Dir: dir}
	require.Empty(t, Find(m))
}

// No size is read out of a terminal control sequence in a name.
func TestClaimsFromNameControlSequences(t *testing.T) {
	for name, want := range map[string][]string{
		"\x1b[31m":                       nil,
		"\x1b[31mmodel":                  nil,
		"model\x1b[1;31m\x1b[0m":         nil,
		"\u009b31m":                      nil,
		"\u009b1;31mx":                   nil,
		"\x1b]0;13B\x07x":                nil,
		"\x1b]0;13B\x1b\\x":              nil,
		"\u009d0;13B\u009cx":             nil,
		"\x1b[31mLlama-7B\x1b[0m":        {"7B"},
		"Qwen\x1b[2J-1B":                 {"1B"},
		"Llama\x00" + "7B":               {"7B"},
		"gemma\u202e-2b\u2066":           {"2b"},
		"\x1b]8;;https://x/70B\x07Llama": nil,
	} {
		var got []string
		for _, c := range ClaimsFromName(name, "x") {
			got = append(got, c.Text)
		}
		require.Equal(t, want, got, "%q", name)
	}
}
