package diff

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tensorcount/tensorcount/classify"
	"github.com/tensorcount/tensorcount/count"
	"github.com/tensorcount/tensorcount/format"
	"github.com/tensorcount/tensorcount/internal/corpus"
	"github.com/tensorcount/tensorcount/internal/fixture/archs"
)

// A checkpoint answers for every tensor what its report says: name,
// shape, elements, parameters counted or not, dtype, role, exclusion.
func TestCheckpointKeepsEveryTensor(t *testing.T) {
	for name, m := range map[string]archs.Model{
		"gptq": archs.SmallLlamaGPTQ(), // packed weights: parameters are not elements
		"bnb4": archs.SmallLlamaBnB4(), // quantization bookkeeping, excluded
		"moe":  archs.Mixtral8x7B(),
		"tied": archs.Qwen25_05B(),
	} {
		r := build(t, m)
		for kind, mk := range bothKinds {
			t.Run(name+"/"+kind, func(t *testing.T) {
				c := mk(t, r)
				require.Equal(t, r.Tensors, c.Tensors())
				packed, excluded := 0, 0
				for i := range r.PerTensor {
					it := &r.PerTensor[i]
					k := int32(i)
					f := c.forms[c.form[k]]
					require.Equal(t, it.Name, c.name(i))
					require.Equal(t, i, c.index(it.Name))
					require.Equal(t, it.Shape, c.shape(k))
					require.Equal(t, it.Elements(), f.elements)
					require.Equal(t, it.Parameters, c.parameters(k))
					require.Equal(t, it.CountedParameters(), c.countedParameters(k))
					require.Equal(t, it.DType.Name, f.dtype)
					require.Equal(t, it.Label.Role, f.role)
					require.Equal(t, it.Excluded, f.excluded)
					if it.Parameters != it.Elements() {
						packed++
					}
					if !it.Counted() {
						excluded++
					}
				}
				require.Len(t, c.packedAt, packed)
				if name == "gptq" {
					require.NotZero(t, packed)
				}
				if name == "bnb4" {
					require.NotZero(t, excluded)
				}
				// The blocks repeat their shapes: forms are shared.
				require.Less(t, len(c.forms), r.Tensors/2)
				require.Equal(t, -1, c.index("no such tensor"))
			})
		}
	}
}

// Shapes past four dimensions, which the form table's key holds apart,
// are told apart by their further dimensions.
func TestCheckpointLongShapes(t *testing.T) {
	f32 := format.DType{Name: "F32", BlockSize: 1, BlockBytes: 4}
	shapes := [][]uint64{{2, 3, 4, 5, 6}, {2, 3, 4, 5, 7}, {2, 3, 4, 5, 6}, {2, 3, 4, 5}, {2, 3, 4, 5, 6, 1}, {}, {2, 3, 4, 5, 6}}
	r := &count.Report{Format: "safetensors", ByRole: map[classify.Role]count.RoleCount{}}
	ts := make([]format.Tensor, len(shapes))
	for i, s := range shapes {
		ts[i] = format.Tensor{Name: string(rune('a' + i)), Shape: s, DType: f32}
		r.PerTensor = append(r.PerTensor, count.Tensor{Tensor: &ts[i], Parameters: ts[i].Elements()})
		r.Tensors++
	}
	c := checkpoint(t, r)
	for i, s := range shapes {
		require.Equal(t, s, c.shape(int32(i)))
		require.Equal(t, ts[i].Elements(), c.parameters(int32(i)))
	}
	require.Len(t, c.forms, 5, "the first shape, seen three times, is one form")
	require.Equal(t, c.form[0], c.form[2])
	require.Equal(t, c.form[0], c.form[6])
}

// A checkpoint keeps nothing of the report or the model it was made from:
// they can be collected, and it still compares.
func TestCheckpointLetsTheModelGo(t *testing.T) {
	r := build(t, archs.Qwen25_05B())
	c := checkpoint(t, r)
	gone := make(chan string, 3)
	runtime.AddCleanup(r, func(s string) { gone <- s }, "report")
	runtime.AddCleanup(&r.PerTensor[0], func(s string) { gone <- s }, "per-tensor results")
	runtime.AddCleanup(r.PerTensor[0].Tensor, func(s string) { gone <- s }, "the model's tensors")
	r = nil
	for left, deadline := 3, time.After(10*time.Second); left > 0; {
		runtime.GC()
		select {
		case <-gone:
			left--
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%d of the report's parts are still held", left)
		}
	}
	d := CompareCheckpoints(c, c)
	require.True(t, d.Same)
	require.Equal(t, "model.embed_tokens.weight", c.names.At(0))
}

// Checkpoints compare as their reports do, whichever way the tensors are
// matched (by position, by table, by canonical name).
func TestCompareCheckpointsIsCompare(t *testing.T) {
	full := archs.Llama(archs.Dims{Layers: 4, Hidden: 256, Heads: 4, KVHeads: 2, HeadDim: 64, FFN: 512, Vocab: 1000})
	pruned := archs.Llama(archs.Dims{Layers: 3, Hidden: 256, Heads: 4, KVHeads: 2, HeadDim: 64, FFN: 384, Vocab: 1000})
	a, b := build(t, full), build(t, pruned)
	gptq := build(t, archs.SmallLlamaGPTQ())
	for _, pair := range [][2]*count.Report{{a, b}, {b, a}, {a, a}, {a, gptq}, {gptq, a}} {
		want := compare(t, pair[0], pair[1])
		for kindA, makeA := range bothKinds {
			for kindB, makeB := range bothKinds {
				got := CompareCheckpoints(makeA(t, pair[0]), makeB(t, pair[1]))
				require.Nil(t, got.Changed)
				got.Changed = want.Changed
				require.Equal(t, want, got, kindA+" against "+kindB)
			}
		}
	}
	d := compare(t, a, b)
	require.Len(t, d.Changed, 9+9, "layer 3's tensors, and the FFN matrices the sides name alike")
	require.True(t, d.Changed["model.layers.3.self_attn.q_proj.weight"])
	require.True(t, d.Changed["model.layers.0.mlp.up_proj.weight"])
	require.False(t, d.Changed["model.layers.0.self_attn.q_proj.weight"])
}

// More forms than the interning cache holds: a form it has lost is
// stored again, and every tensor still has its own shape.
func TestCheckpointManyForms(t *testing.T) {
	f16 := format.DType{Name: "F16", BlockSize: 1, BlockBytes: 2}
	const distinct = 5000
	r := &count.Report{Format: "safetensors", ByRole: map[classify.Role]count.RoleCount{}}
	ts := make([]format.Tensor, 2*distinct)
	for i := range ts {
		ts[i] = format.Tensor{Name: fmt.Sprint(i), Shape: []uint64{uint64(i%distinct + 1), 3}, DType: f16}
		r.PerTensor = append(r.PerTensor, count.Tensor{Tensor: &ts[i], Parameters: ts[i].Elements()})
		r.Tensors++
	}
	c := checkpoint(t, r)
	for i := range ts {
		require.Equal(t, ts[i].Shape, c.shape(int32(i)))
		require.Equal(t, ts[i].Elements(), c.parameters(int32(i)))
	}
	require.GreaterOrEqual(t, len(c.forms), distinct)
	require.LessOrEqual(t, len(c.forms), 2*distinct)
	require.True(t, CompareCheckpoints(c, c).Same)
}

// On files llama.cpp wrote, stories260k as F32 and as its Q8_0
// quantization, and a sharded set transformers wrote: checkpoints compare
// as the reports do, and a checkpoint keeps every tensor's shape.
func TestCheckpointsOnOtherProducersFiles(t *testing.T) {
	f32 := buildPath(t, corpus.Path(t, "stories260k-f32-gguf"))
	q8 := buildPath(t, corpus.Path(t, "stories260k-q8_0-gguf"))
	sharded := buildPath(t, corpus.Path(t, "hf-sharded-safetensors"))
	for _, pair := range [][2]*count.Report{{f32, q8}, {q8, f32}, {f32, f32}, {sharded, sharded}} {
		want := compare(t, pair[0], pair[1])
		for _, got := range []*Diff{
			CompareCheckpoints(checkpoint(t, pair[0]), checkpoint(t, pair[1])),
			CompareCheckpoints(checkpoint(t, pair[0]), sharing(t, pair[1])),
		} {
			got.Changed = want.Changed
			require.Equal(t, want, got)
		}
	}
	d := compare(t, f32, q8)
	require.False(t, d.Same)
	require.NotEmpty(t, d.DTypeChanges)
	require.Zero(t, d.ParameterDelta)
	for _, r := range []*count.Report{q8, sharded} {
		c := checkpoint(t, r)
		for i := range r.PerTensor {
			require.Equal(t, r.PerTensor[i].Shape, c.shape(int32(i)))
			require.Equal(t, r.PerTensor[i].Name, c.names.At(i))
		}
	}
}
