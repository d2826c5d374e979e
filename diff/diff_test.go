package diff

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/fixture"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
)

func TestDiffTiedVsUntied(t *testing.T) {
	a := build(t, archs.Qwen25_05B())
	b := build(t, archs.Qwen25_05BUntied())
	d := compare(t, a, b)
	require.False(t, d.Same)
	require.Equal(t, int64(136_134_656), d.ParameterDelta)
	require.Len(t, d.OnlyInB, 1)
	require.Equal(t, "lm_head.weight", d.OnlyInB[0].Name)
	require.Equal(t, uint64(136_134_656), d.OnlyInB[0].Parameters)
	require.Empty(t, d.OnlyInA)
	require.Empty(t, d.ShapeChanges)
	require.Empty(t, d.DTypeChanges)
	require.Equal(t, Delta{A: 0, B: 136_134_656, Delta: 136_134_656}, d.RoleDeltas["head"])
	require.Len(t, d.RoleDeltas, 1)
	require.Equal(t, []string{"B stores lm_head.weight, 136,134,656 parameters, that A ties to model.embed_tokens.weight (no head tensor)"}, d.Ties)
	require.Contains(t, d.Verdict, "parameters differ by +136,134,656")

	// The other way round.
	d = compare(t, b, a)
	require.Equal(t, int64(-136_134_656), d.ParameterDelta)
	require.Equal(t, "lm_head.weight", d.OnlyInA[0].Name)
	require.Equal(t, []string{"A stores lm_head.weight, 136,134,656 parameters, that B ties to model.embed_tokens.weight (no head tensor)"}, d.Ties)
}

// Llama-3.1-8B as safetensors and as its Q4_K_M GGUF: tensors line up
// through the name mapping, parameters agree, only rope_freqs is extra.
func TestDiffAcrossFormats(t *testing.T) {
	dir := t.TempDir()
	_, err := archs.WriteSharded(dir, archs.Llama31_8B(), archs.Llama31_8BShards())
	require.NoError(t, err)
	a := buildPath(t, dir)
	g := filepath.Join(t.TempDir(), "Llama-3.1-8B-Q4_K_M.gguf")
	require.NoError(t, archs.WriteGGUF(g, archs.GGUFLlama31_8B(), 0))
	b := buildPath(t, g)

	d := compare(t, a, b)
	require.Equal(t, "canonical name", d.MatchedBy)
	require.Zero(t, d.ParameterDelta)
	require.Empty(t, d.OnlyInA)
	require.Len(t, d.OnlyInB, 1)
	require.Equal(t, "rope_freqs.weight", d.OnlyInB[0].Name)
	require.Equal(t, "buffer", d.OnlyInB[0].Role)
	require.Empty(t, d.ShapeChanges, "GGUF shapes are compared in PyTorch order")
	require.NotEmpty(t, d.DTypeChanges)
	total := 0
	for _, c := range d.DTypeChanges {
		require.Equal(t, "BF16", c.From)
		total += c.Tensors
	}
	require.Equal(t, 291, total)
	require.Empty(t, d.RoleDeltas)
	require.Equal(t, "Q4_K_M", d.B.FileTypeName)
	require.Equal(t, 15, *d.B.FileType, "the same form as the summary's arch.file_type")
	require.Equal(t, "same parameters; B is a Q4_K_M re-quantization of A; 1 tensor only in B (buffer, no parameters)", d.Verdict)
}

func TestDiffSelf(t *testing.T) {
	a := build(t, archs.Mixtral8x7B())
	d := compare(t, a, a)
	require.True(t, d.Same)
	require.Equal(t, "no differences: same tensors, shapes, dtypes and parameters", d.Verdict)
}

func TestDiffPruned(t *testing.T) {
	full := archs.Llama(archs.Dims{Layers: 4, Hidden: 256, Heads: 4, KVHeads: 2, HeadDim: 64, FFN: 512, Vocab: 1000})
	pruned := archs.Llama(archs.Dims{Layers: 3, Hidden: 256, Heads: 4, KVHeads: 2, HeadDim: 64, FFN: 384, Vocab: 1000})
	d := compare(t, build(t, full), build(t, pruned))
	require.Len(t, d.OnlyInA, 9, "layer 3's tensors")
	require.Len(t, d.ShapeChanges, 9, "three FFN matrices in each of the three kept layers")
	require.Equal(t, int64(pruned.Parameters)-int64(full.Parameters), d.ParameterDelta)
	require.Contains(t, d.Verdict, "9 tensors changed shape")
	require.Contains(t, d.Verdict, "9 tensors only in A")
}

// A head of another shape than the embedding cannot be a tie.
func TestDiffTieNeedsEqualShapes(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	write := func(dir string, specs ...fixture.TensorSpec) {
		require.NoError(t, fixture.Safetensors{Tensors: specs}.Write(filepath.Join(dir, "model.safetensors")))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`), 0o644))
	}
	emb := fixture.TensorSpec{Name: "model.embed_tokens.weight", Shape: []uint64{6, 4}, DType: "F32"}
	norm := fixture.TensorSpec{Name: "model.norm.weight", Shape: []uint64{4}, DType: "F32"}
	write(dirA, emb, norm)
	write(dirB, emb, norm, fixture.TensorSpec{Name: "lm_head.weight", Shape: []uint64{2, 2}, DType: "F32"})
	d := compare(t, buildPath(t, dirA), buildPath(t, dirB))
	require.Len(t, d.Ties, 1)
	require.Contains(t, d.Ties[0], "cannot be A's model.embed_tokens.weight [6 4] tied: the shapes differ")
	require.NotContains(t, d.Verdict, "ties to")
}

// Names repeated within one side (the components of a diffusers pipeline
// may share one) group together, against a side whose names are unique.
func TestDiffRepeatedNames(t *testing.T) {
	report := func(ts ...format.Tensor) *count.Report {
		r := &count.Report{Format: "safetensors", ByRole: map[classify.Role]count.RoleCount{}}
		for i := range ts {
			r.PerTensor = append(r.PerTensor, count.Tensor{Tensor: &ts[i], Label: classify.Label{Role: classify.RoleConv}, Parameters: ts[i].Elements()})
			r.Tensors++
		}
		return r
	}
	f32 := format.DType{Name: "F32", BlockSize: 1, BlockBytes: 4}
	a := report(format.Tensor{Name: "conv_in.weight", Shape: []uint64{4, 3}, DType: f32},
		format.Tensor{Name: "norm.weight", Shape: []uint64{4}, DType: f32},
		format.Tensor{Name: "conv_in.weight", Shape: []uint64{8, 3}, DType: f32})
	b := report(format.Tensor{Name: "conv_in.weight", Shape: []uint64{4, 3}, DType: f32},
		format.Tensor{Name: "norm.weight", Shape: []uint64{4}, DType: f32},
		format.Tensor{Name: "extra.weight", Shape: []uint64{2}, DType: f32})
	d := compare(t, a, b)
	require.Len(t, d.ShapeChanges, 1)
	require.Equal(t, "conv_in.weight (+1 more)", d.ShapeChanges[0].A.Name)
	require.Equal(t, uint64(36), d.ShapeChanges[0].A.Elements)
	require.Equal(t, uint64(12), d.ShapeChanges[0].B.Elements)
	require.Empty(t, d.OnlyInA)
	require.Len(t, d.OnlyInB, 1)
	require.Equal(t, "extra.weight", d.OnlyInB[0].Name)
	require.False(t, d.Same)
	// The other way round, the repeated side is B.
	d = compare(t, b, a)
	require.Len(t, d.ShapeChanges, 1)
	require.Equal(t, "conv_in.weight (+1 more)", d.ShapeChanges[0].B.Name)
	require.Equal(t, "extra.weight", d.OnlyInA[0].Name)
}

// Two sides naming the same tensors in the same order are matched by
// position, and the diff is the one the tables find: dtype and shape
// changes, parameters, the verdict.
func TestDiffSameNamesByPosition(t *testing.T) {
	f32 := format.DType{Name: "F32", BlockSize: 1, BlockBytes: 4}
	bf16 := format.DType{Name: "BF16", BlockSize: 1, BlockBytes: 2}
	report := func(files int, dt format.DType, last []uint64) *count.Report {
		ts := []format.Tensor{
			{Name: "embed.weight", Shape: []uint64{8, 4}, DType: dt},
			{Name: "layers.0.attn.weight", Shape: []uint64{4, 4}, DType: dt},
			{Name: "norm.weight", Shape: last, DType: f32},
		}
		r := &count.Report{Format: "safetensors", ByRole: map[classify.Role]count.RoleCount{}}
		for i := range files {
			r.Files = append(r.Files, count.FileReport{Path: fmt.Sprint(i)})
		}
		for i := range ts {
			r.PerTensor = append(r.PerTensor, count.Tensor{Tensor: &ts[i], Label: classify.Label{Role: classify.RoleNorm}, Parameters: ts[i].Elements()})
			r.Tensors++
			r.Parameters += ts[i].Elements()
		}
		return r
	}
	a, b := report(1, f32, []uint64{4}), report(1, bf16, []uint64{5})
	require.True(t, sameNames(checkpoint(t, a), checkpoint(t, b)))
	byPosition := compare(t, a, b)
	// Two files a side: a name could be there twice, so the tables match.
	a2, b2 := report(2, f32, []uint64{4}), report(2, bf16, []uint64{5})
	require.False(t, sameNames(checkpoint(t, a2), checkpoint(t, b2)))
	byTable := compare(t, a2, b2)
	require.Equal(t, byTable, byPosition)
	require.Len(t, byPosition.ShapeChanges, 1)
	require.Equal(t, []DTypeChange{{From: "F32", To: "BF16", Tensors: 2}}, byPosition.DTypeChanges)
	// Another order, or another name, is not the same names.
	c := report(1, f32, []uint64{4})
	c.PerTensor[0], c.PerTensor[1] = c.PerTensor[1], c.PerTensor[0]
	require.False(t, sameNames(checkpoint(t, a), checkpoint(t, c)))
	require.Len(t, compare(t, a, c).ShapeChanges, 0)
}
