package classify

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Names that differ from each other by one segment and mean different
// things: the reason classify matches whole segments in context.
func TestTraps(t *testing.T) {
	cases := []struct {
		name string
		role Role
		kind Kind
		why  string
	}{
		{"h.0.attn.bias", RoleBuffer, KindNone, "GPT-2 causal mask registered on the attention module"},
		{"h.0.attn.c_attn.bias", RoleAttention, KindAttnQKV, "a real bias of the fused QKV projection"},
		{"h.0.attn.c_proj.weight", RoleAttention, KindAttnOut, "c_proj under attn is the attention output"},
		{"h.0.mlp.c_proj.weight", RoleFFN, KindFFNDown, "c_proj under mlp is the FFN down projection"},
		{"model.layers.0.mlp.gate.weight", RoleRouter, KindRouter, "a bare gate in an MoE block is the router"},
		{"model.layers.0.mlp.gate_proj.weight", RoleFFN, KindFFNGate, "gate_proj is the FFN gate"},
		{"model.layers.0.mlp.gate_up_proj.weight", RoleFFN, KindFFNGateUp, "gate_up_proj is gate and up fused"},
		{"model.layers.0.self_attn.gate_proj.weight", RoleAttention, KindAttnGate, "gate_proj under attention gates its output"},
		{"layers.0.attention.wo.weight", RoleAttention, KindAttnOut, "wo under attention is the output projection"},
		{"encoder.block.0.layer.1.DenseReluDense.wo.weight", RoleFFN, KindFFNDown, "wo under DenseReluDense is the FFN down"},
		{"bert.encoder.layer.0.attention.output.dense.weight", RoleAttention, KindAttnOut, "output.dense inside attention"},
		{"bert.encoder.layer.0.output.dense.weight", RoleFFN, KindFFNDown, "output.dense at block level"},
		{"model.layers.61.enorm.weight", RoleNorm, KindNorm, "MTP embedding norm"},
		{"lm_head.weight", RoleHead, KindOutput, "output head"},
		{"model.embed_tokens.weight", RoleEmbedding, KindTokenEmbd, "token embedding"},
		{"visual.blocks.0.attn.qkv.weight", RoleAttention, KindAttnQKV, "vision tower attention"},
		{"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", RoleAdapter, KindAttnQ, "LoRA A factor"},
		{"model.layers.0.self_attn.q_proj.qweight", RoleAttention, KindAttnQ, "GPTQ packed weight keeps its module's role"},
		{"model.layers.0.self_attn.q_proj.qzeros", RoleQuantAux, KindAttnQ, "GPTQ zero points"},
		{"model.layers.0.self_attn.q_proj.scales", RoleQuantAux, KindAttnQ, "GPTQ scales"},
		{"model.layers.0.self_attn.q_proj.g_idx", RoleQuantAux, KindAttnQ, "GPTQ group index"},
		{"model.layers.0.mlp.experts.gate_up_proj_blocks", RoleExpert, KindFFNGateUp, "MXFP4 packed experts"},
		{"model.layers.0.mlp.experts.gate_up_proj_scales", RoleQuantAux, KindFFNGateUp, "MXFP4 block scales"},
		{"blk.0.ffn_gate_exps.weight", RoleExpert, KindFFNGate, "GGUF fused routed experts"},
		{"rope_freqs.weight", RoleBuffer, KindNone, "GGUF rotary frequencies"},
		{"model.layers.0.mlp.experts.0.gate_proj.weight", RoleExpert, KindFFNGate, "per-expert gate_proj"},
		{"model.layers.0.mlp.shared_experts.gate_proj.weight", RoleSharedExpert, KindFFNGate, "shared-expert gate_proj"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := Tensor(c.name)
			require.Equal(t, c.role, l.Role, c.why)
			require.Equal(t, c.kind, l.Kind, c.why)
		})
	}
	require.True(t, Tensor("model.layers.0.mlp.experts.gate_up_proj_blocks").Fused3D)
	require.Equal(t, PackMXFP4, Tensor("model.layers.0.mlp.experts.gate_up_proj_blocks").Packed)
	require.Equal(t, PackQWeight, Tensor("model.layers.0.self_attn.q_proj.qweight").Packed)
	require.True(t, Tensor("blk.0.ffn_gate_exps.weight").Fused3D)
	require.Equal(t, ComponentMTP, Tensor("model.layers.61.enorm.weight").Component)
	require.Equal(t, ComponentVision, Tensor("visual.blocks.0.attn.qkv.weight").Component)
}

// Names that resemble known ones but are not them stay unknown: no role is
// inferred from part of a segment.
func TestUnknownNamesAreNotGuessed(t *testing.T) {
	for _, name := range []string{
		"",
		".",
		"..",
		"weight",
		"foo.bar.baz",
		"model.layers.0.mystery_proj.weight",
		"model.layers.0.mlp.gate_up_proj_extra.weight",
		"model.layers.0.mlp.my_gate_proj.weight",
		"model.layers.0.self_attn.q_proj_lora.weight",
		"model.layers.0.attnx.c_attn.weight",
		"model.layers.0.foo.q_proj.weight",
		"model.layers.0.mlp.experts.gate_up_projx",
		"model.layers.0.mlp.experts.gate_up_proj_blockz",
		"model.layers.0.self_attn.o_proj_blocks",
		"model.my_embed_tokens.weight",
		"blkx.0.attn_q.weight",
		"h.0.weight",
		"layers.0",
	} {
		t.Run(name, func(t *testing.T) {
			l := Tensor(name)
			require.Equal(t, RoleOther, l.Role)
			require.Equal(t, KindNone, l.Kind)
			require.Equal(t, "", l.Canonical, "an unknown HF name has no GGUF counterpart")
			require.False(t, l.Known())
		})
	}
}

// GGUF-shaped names that match no rule are unknown too, but they are
// already GGUF names, so Canonical is the name itself.
func TestUnknownGGUFNames(t *testing.T) {
	for _, name := range []string{
		"blk.0.attn_qq.weight",
		"blk.0.ffn_gate_exps_extra.weight",
		"blk.0",
		"v.blk.0.mystery.weight",
	} {
		l := Tensor(name)
		require.Equal(t, RoleOther, l.Role, name)
		require.Equal(t, KindNone, l.Kind, name)
		require.Equal(t, name, l.Canonical, name)
	}
}

// Only plain blk.N names are legacy per-expert tensors; a prefixed name
// keeps its prefix in Canonical.
func TestLegacyExpertsOnlyInLanguageModel(t *testing.T) {
	l := Tensor("v.blk.2.ffn_up.3.weight")
	require.Equal(t, int32(-1), l.Expert)
	require.Equal(t, "v.blk.2.ffn_up.3.weight", l.Canonical)
}

// An index too long to be a block number is not one. The name is then read
// as if it had no block: still attention, but with no GGUF name, since
// every GGUF attention tensor sits in a block.
func TestHugeIndexIsNotALayer(t *testing.T) {
	l := Tensor("model.layers.99999999999.self_attn.q_proj.weight")
	require.Equal(t, int32(-1), l.Layer)
	require.Equal(t, RoleAttention, l.Role)
	require.Equal(t, "", l.Canonical)
	l = Tensor("model.layers.999999999.self_attn.q_proj.weight")
	require.Equal(t, int32(999999999), l.Layer)
	require.Equal(t, "blk.999999999.attn_q.weight", l.Canonical)
}

func TestTooManySegments(t *testing.T) {
	name := "model"
	for range maxSegments {
		name += ".x"
	}
	l := Tensor(name)
	require.Equal(t, RoleOther, l.Role)
	require.Equal(t, name, l.Module)
}

func TestModuleAndParamAreSubstrings(t *testing.T) {
	for _, rows := range [][]row{hfRows, ggufRows, quantRows} {
		for _, r := range rows {
			l := Tensor(r.name)
			require.Contains(t, r.name, l.Module, r.name)
			require.NotEmpty(t, l.Module, r.name)
			if l.Role != RoleAdapter && !(l.Fused3D && l.Param == "weight") {
				require.Contains(t, r.name, l.Param, r.name)
			}
		}
	}
}

// A weight, its bookkeeping and its adapter factors share a Module.
func TestModuleGroupsSiblings(t *testing.T) {
	group := []string{
		"model.layers.0.self_attn.q_proj.qweight",
		"model.layers.0.self_attn.q_proj.qzeros",
		"model.layers.0.self_attn.q_proj.scales",
		"model.layers.0.self_attn.q_proj.g_idx",
		"model.layers.0.self_attn.q_proj.bias",
		"model.layers.0.self_attn.q_proj.weight.absmax",
		"model.layers.0.self_attn.q_proj.weight.quant_state.bitsandbytes__nf4",
		"model.layers.0.self_attn.q_proj.lora_A.weight",
		"model.layers.0.self_attn.q_proj.lora_a",
		"model.layers.0.self_attn.q_proj.base_layer.weight",
	}
	for _, name := range group {
		require.Equal(t, "layers.0.self_attn.q_proj", Tensor(name).Module, name)
	}
	mx := []string{
		"model.layers.0.mlp.experts.gate_up_proj",
		"model.layers.0.mlp.experts.gate_up_proj_blocks",
		"model.layers.0.mlp.experts.gate_up_proj_scales",
		"model.layers.0.mlp.experts.gate_up_proj_bias",
	}
	for _, name := range mx {
		require.Equal(t, "layers.0.mlp.experts.gate_up_proj", Tensor(name).Module, name)
	}
}

func TestRolesAndComponentsAreTheContract(t *testing.T) {
	require.Equal(t, []Role{
		RoleEmbedding, RolePositionEmbedding, RoleAttention, RoleSSM, RoleFFN, RoleExpert,
		RoleSharedExpert, RoleRouter, RoleConv, RoleNorm, RoleHead, RoleBuffer, RoleQuantAux,
		RoleAdapter, RoleOther,
	}, Roles())
	require.Equal(t, []Component{
		"language_model", "vision", "audio", "projector", "mtp",
	}, Components())
}
