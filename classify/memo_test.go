package classify

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// memoNames lists names a Memo must label as the Classifier does: the
// rows of the other tests, DeepSeek-V3's names, and for every name with
// an experts index, the same name with other indices (of other lengths,
// with leading zeros, too long to be an index) and the index moved into
// places where it is not the expert.
func memoNames() []string {
	names := deepSeekV3Names()
	deep := len(names)
	for _, r := range hfRows {
		names = append(names, r.name)
	}
	for _, r := range ggufRows {
		names = append(names, r.name)
	}
	names = append(names,
		"model.layers.3.mlp.experts.7.weight",
		"model.layers.3.mlp.experts.7",
		"model.layers.3.mlp.experts.7.",
		"experts.7.w1.weight",
		"model.experts.7.experts.8.w1.weight",
		"model.layers.3.mlp.experts.7.experts.9.down_proj.weight",
		"model.layers.3.block_sparse_moe.experts.7.w2.weight",
		"model.layers.3.encoder.layer.1.experts.7.dense.weight",
		"base_model.model.model.layers.3.mlp.experts.7.down_proj.lora_A.weight",
		"model.layers.3.mlp.experts.7.down_proj.weight.absmax",
		"model.layers.3.mlp.experts.7.down_proj.qweight",
		"model.downsample.experts.1.weight",
		"model.layers.3.mlp.experts.7.downsample.1.weight",
	)
	var out []string
	for k, n := range names {
		out = append(out, n)
		i := strings.Index(n, expertsSep)
		if i < 0 || k < deep && k%101 != 0 {
			continue // DeepSeek-V3's own, but one in 101
		}
		at := i + len(expertsSep)
		j := at
		for j < len(n) && n[j] >= '0' && n[j] <= '9' {
			j++
		}
		for _, e := range []string{"0", "1", "9", "10", "255", "007", "00", "123456789", "1234567890", ""} {
			out = append(out, n[:at]+e+n[j:])
		}
	}
	return out
}

// A Memo gives every name the label the Classifier gives it, in any
// order, for every architecture and adapter.
func TestMemoAgrees(t *testing.T) {
	names := memoNames()
	ad := &Adapter{PeftType: "LORA", TargetModules: []string{"down_proj", "experts.7.up_proj", "7"}, ModulesToSave: []string{"9"}}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, a := range []Arch{{}, {Architecture: "deepseek_v3", Layers: 61}, {Architecture: "llama", Adapter: ad},
		{Architecture: "qwen3_next", Layers: 4, LayerTypes: []LayerType{LayerLinearAttention, LayerAttention, LayerLinearAttention, LayerAttention}}} {
		c := New(a)
		for trial := range 3 {
			m := c.NewMemo()
			rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
			for k, n := range names {
				shape := []uint64{4, 4, 4, 4, 4}[:k%6]
				want := c.TensorShape(n, shape)
				got := m.TensorShape(n, shape)
				require.Equal(t, want, got, "%s, trial %d: %q, rank %d", a.Architecture, trial, n, len(shape))
			}
		}
	}
}

// The memo spares the classification of all but one expert's tensors.
func TestMemoRemembers(t *testing.T) {
	c := New(Arch{Architecture: "deepseek_v3", Layers: 61})
	m := c.NewMemo()
	names := deepSeekV3Names()
	experts := 0
	for _, n := range names {
		m.TensorShape(n, []uint64{4, 4})
		if strings.Contains(n, expertsSep) {
			experts++
		}
	}
	// One entry per block, projection and parameter.
	require.Equal(t, 59*3*2, len(m.seen), fmt.Sprint(experts))
	for _, e := range m.seen {
		require.True(t, e.ok)
	}
}
