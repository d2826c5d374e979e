package count

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/internal/corpus"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
	"github.com/tensorcount/tensorcount/model"
)

// build writes m as a sparse checkpoint (header only, data never written)
// and reports on it.
func build(t *testing.T, m archs.Model) *Report {
	t.Helper()
	dir := t.TempDir()
	_, err := archs.Write(dir, m)
	require.NoError(t, err)
	return buildPath(t, dir, Options{})
}

func buildPath(t *testing.T, path string, opt Options) *Report {
	t.Helper()
	mod, err := model.Load(path)
	require.NoError(t, err)
	r, err := Build(mod, opt)
	require.NoError(t, err)
	return r
}

func requireNote(t *testing.T, r *Report, sub string) {
	t.Helper()
	for _, n := range r.Notes {
		if strings.Contains(n, sub) {
			return
		}
	}
	t.Fatalf("no note contains %q; notes:\n%s", sub, strings.Join(r.Notes, "\n"))
}

func TestGPT2(t *testing.T) {
	r := build(t, archs.GPT2Small())
	require.Equal(t, 160, r.Tensors)
	require.Equal(t, uint64(137_022_720), r.Elements)
	require.Equal(t, uint64(124_439_808), r.Parameters)
	require.Equal(t, uint64(124_439_808), r.ActiveParameters)
	// 12 masks of 1024×1024.
	require.Equal(t, uint64(12*1024*1024), r.ByRole[classify.RoleBuffer].Elements)
	require.Zero(t, r.ByRole[classify.RoleBuffer].Parameters)
	requireNote(t, r, "12 tensors h.N.attn.bias: buffers")
	require.NotNil(t, r.Tie)
	require.True(t, r.Tie.Tied)
	require.Equal(t, "no head tensor", r.Tie.Evidence)
	// Non-embedding: minus wte (50257×768) and wpe (1024×768).
	require.Equal(t, uint64(124_439_808-50257*768-1024*768), r.NonEmbeddingParameters)
	require.Equal(t, uint64(1024*768), r.PositionEmbeddingParameters)
	// 12·L·d² = 84,934,656; the body (non-embedding) is 85,056,000.
	require.Equal(t, uint64(84_934_656), r.Formula.TwelveLD2)
	require.Equal(t, uint64(85_056_000), r.Formula.BodyParameters)
}

func TestQwen25_05B(t *testing.T) {
	r := build(t, archs.Qwen25_05B())
	require.Equal(t, uint64(494_032_768), r.Parameters)
	require.Equal(t, uint64(357_898_112), r.NonEmbeddingParameters)
	require.True(t, r.Tie.Tied)

	u := build(t, archs.Qwen25_05BUntied())
	require.Equal(t, uint64(494_032_768+136_134_656), u.Parameters)
	require.Equal(t, uint64(357_898_112), u.NonEmbeddingParameters)
	require.False(t, u.Tie.Tied)
}

// Qwen3-0.6B stores lm_head although config.json ties it: one parameter,
// counted once.
func TestQwen3StoredTiedHead(t *testing.T) {
	m := archs.Qwen3_06B()
	r := build(t, m)
	require.Equal(t, m.Elements, r.Elements)
	require.Equal(t, uint64(596_049_920), r.Parameters)
	require.True(t, r.Tie.Tied)
	require.Equal(t, "config", r.Tie.Evidence)
	require.Equal(t, uint64(151_936*1024), r.Tie.DuplicateParameters)
}

func TestLlama31_8B(t *testing.T) {
	dir := t.TempDir()
	_, err := archs.WriteSharded(dir, archs.Llama31_8B(), archs.Llama31_8BShards())
	require.NoError(t, err)
	r := buildPath(t, dir, Options{Context: 8192})
	require.Equal(t, uint64(8_030_261_248), r.Parameters)
	require.Equal(t, uint64(8_030_261_248), r.Elements)
	require.Equal(t, uint64(6_979_588_096), r.NonEmbeddingParameters)
	require.False(t, r.Tie.Tied)
	require.Equal(t, "constant content", r.Tie.Evidence, "sparse zero data is not evidence of a tie")
	// 32 layers × 2 × 8 KV heads × 128 × 2 bytes = 131,072 bytes a token.
	require.Equal(t, uint64(131_072), r.Costs.KVCacheBytesPerToken)
	require.Equal(t, uint64(131_072*8192), r.Costs.KVCacheBytes)
	require.Equal(t, uint64(2*8_030_261_248), r.Costs.FLOPsPerToken)

	g := filepath.Join(t.TempDir(), "Meta-Llama-3.1-8B-Q4_K_M.gguf")
	require.NoError(t, archs.WriteGGUF(g, archs.GGUFLlama31_8B(), 128_256))
	gr := buildPath(t, g, Options{})
	require.Equal(t, 292, gr.Tensors)
	require.Equal(t, uint64(8_030_261_312), gr.Elements)
	require.Equal(t, uint64(8_030_261_248), gr.Parameters, "rope_freqs is a buffer")
	require.Equal(t, uint64(6_979_588_096), gr.NonEmbeddingParameters)
	require.Equal(t, 32, gr.Formula.Layers)
	requireNote(t, gr, "1 tensor rope_freqs.weight: a buffer")
}

// The seed example of the formula check: Llama-3.1-70B.
func TestLlama31_70BFormula(t *testing.T) {
	r := build(t, archs.Llama31_70B())
	require.Equal(t, uint64(70_553_706_496), r.Parameters)
	f := r.Formula
	require.Equal(t, 80, f.Layers)
	require.Equal(t, 8192, f.HiddenSize)
	require.Equal(t, uint64(64_424_509_440), f.TwelveLD2)
	require.Equal(t, r.Parameters, f.MainParameters)
	terms := map[string]Term{}
	for _, term := range f.Terms {
		terms[term.Name] = term
	}
	// Attention: q and o are d×d, k and v d×1024 (8 KV heads of 128).
	require.Equal(t, uint64(80*(2*8192*8192+2*8192*1024)), terms["attention"].Measured)
	require.Equal(t, uint64(4*80*8192*8192), terms["attention"].Formula)
	require.Contains(t, terms["attention"].Reason, "grouped-query attention: K and V have 8 heads for 64 query heads")
	// FFN: three 8192×28672 matrices.
	require.Equal(t, uint64(80*3*8192*28672), terms["ffn"].Measured)
	require.Contains(t, terms["ffn"].Reason, "f = 28672 = 3.50·d")
	require.Equal(t, uint64(80*2*8192+8192), terms["norms"].Measured)
	require.Equal(t, uint64(128_256*8192), terms["embeddings"].Measured)
	require.Equal(t, uint64(128_256*8192), terms["head"].Measured)
	require.Equal(t, uint64(70_553_706_496-2*128_256*8192), f.BodyParameters)
}

func TestMixtral(t *testing.T) {
	r := build(t, archs.Mixtral8x7B())
	require.Equal(t, uint64(46_702_792_704), r.Parameters)
	require.Equal(t, uint64(12_879_925_248), r.ActiveParameters)
	require.Equal(t, 8, r.MoE.Experts)
	require.Equal(t, 2, r.MoE.ExpertsPerToken)
	require.Equal(t, uint64(32*8*3*4096*14336), r.MoE.RoutedParameters)
	require.Equal(t, uint64(32*8*4096), r.MoE.RouterParameters)
}

func TestQwen3MoE(t *testing.T) {
	m := archs.Qwen3_30B_A3B()
	r := build(t, m)
	require.Equal(t, uint64(30_532_122_624), r.Parameters)
	require.Equal(t, uint64(3_353_032_704), r.ActiveParameters)
	require.Equal(t, uint64(29_909_792_768), r.NonEmbeddingParameters)
	require.Equal(t, 128, r.MoE.Experts)
}

func TestDeepSeekV3(t *testing.T) {
	m := archs.DeepSeekV3()
	r := build(t, m)
	require.Equal(t, 91_991, r.Tensors)
	require.Equal(t, m.Parameters, r.Parameters)
	require.Equal(t, m.Components["language_model"], r.ByComponent["language_model"].Parameters)
	require.Equal(t, m.Components["mtp"], r.ByComponent["mtp"].Parameters)
	require.Equal(t, uint64(671_026_419_200), r.ByComponent["language_model"].Parameters)
	require.Equal(t, m.QuantAux, r.ByRole[classify.RoleQuantAux].Elements)
	require.Equal(t, m.Active, r.ActiveParameters)
	require.Equal(t, 61, r.Formula.Layers)
	requireNote(t, r, "multi-token-prediction (MTP) layers")
	// MLA caches the 512-wide latent and the 64-wide rope key per layer.
	require.Equal(t, uint64(61*(512+64)*2), r.Costs.KVCacheBytesPerToken)
}

func TestQuantizedSmallLlama(t *testing.T) {
	plain := build(t, archs.SmallLlama())
	require.Equal(t, uint64(2_098_432), plain.Parameters)
	for _, m := range []archs.Model{archs.SmallLlamaGPTQ(), archs.SmallLlamaBnB4()} {
		t.Run(m.Name, func(t *testing.T) {
			r := build(t, m)
			require.Equal(t, plain.Parameters, r.Parameters)
			require.Equal(t, m.Elements, r.Elements)
			require.Equal(t, m.QuantAux, r.ByRole[classify.RoleQuantAux].Elements)
			require.Equal(t, plain.ByRole[classify.RoleAttention].Parameters, r.ByRole[classify.RoleAttention].Parameters)
			require.Equal(t, plain.ByRole[classify.RoleFFN].Parameters, r.ByRole[classify.RoleFFN].Parameters)
		})
	}
}

func TestGPTOSS(t *testing.T) {
	m := archs.GPTOSS20B()
	r := build(t, m)
	require.Equal(t, uint64(20_914_757_184), r.Parameters)
	require.Equal(t, m.Active, r.ActiveParameters)
	require.Equal(t, 32, r.MoE.Experts)
	requireNote(t, r, "MXFP4")
}

func TestCorpusTies(t *testing.T) {
	for _, rel := range []string{"stories260k-f32-gguf", "stories260k-q8_0-gguf"} {
		r := buildPath(t, corpus.Path(t, rel), Options{})
		require.Equal(t, uint64(292_800), r.Elements, rel)
		require.Equal(t, uint64(260_032), r.Parameters, rel)
		require.True(t, r.Tie.Tied, rel)
		require.Equal(t, "identical content", r.Tie.Evidence, rel)
		require.Equal(t, uint64(32_768), r.Tie.DuplicateParameters, rel)
	}
	r := buildPath(t, corpus.Path(t, "minicpm3-tiny-untied-safetensors"), Options{})
	require.Equal(t, uint64(100_500), r.Parameters)
	require.False(t, r.Tie.Tied)
	require.Equal(t, "constant content", r.Tie.Evidence)

	r = buildPath(t, corpus.Path(t, "llama-2-tiny-random-gguf"), Options{})
	require.Equal(t, uint64(513_048), r.Parameters)
	require.False(t, r.Tie.Tied)
	require.Equal(t, "different content", r.Tie.Evidence)

	r = buildPath(t, corpus.Path(t, "torchtune-gemma-tied-safetensors"), Options{})
	require.Equal(t, uint64(65_984), r.Parameters)
	require.True(t, r.Tie.Tied)
	require.Equal(t, "no head tensor", r.Tie.Evidence)

	r = buildPath(t, corpus.Path(t, "mlx-lora-adapter-discollama"), Options{})
	require.Equal(t, uint64(212_992), r.ByRole[classify.RoleAdapter].Parameters)
	requireNote(t, r, "a LoRA adapter (rank 8) for Meta-Llama-3-8B-Instruct: 212.99K parameters of its own")
	require.Nil(t, r.Formula, "an adapter gets no 12·L·d² comparison")
}

// Counted on one core or on several, a checkpoint gives the same report:
// the parts' notes and sums add up to what one pass over every tensor
// makes, layer tables, notes and their order included.
func TestCountSameOnEveryCore(t *testing.T) {
	dir := t.TempDir()
	_, err := archs.Write(dir, archs.DeepSeekV3())
	require.NoError(t, err)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(5)) // five parts, whatever the machine
	parts := buildPath(t, dir, Options{})
	runtime.GOMAXPROCS(1)
	one := buildPath(t, dir, Options{})
	require.Equal(t, one.ByLayer, parts.ByLayer)
	require.Equal(t, one.Notes, parts.Notes)
	a, err := json.Marshal(one)
	require.NoError(t, err)
	b, err := json.Marshal(parts)
	require.NoError(t, err)
	require.JSONEq(t, string(a), string(b))
}
