package classify

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Quantized checkpoints and adapters (FORMATS §1.9, §4.1): the role stays
// the module's for packed weights, bookkeeping is quant_aux, LoRA factors
// are adapter.
var quantRows = []row{
	// GPTQ / AWQ.
	{"model.layers.0.self_attn.q_proj.qweight", want{RoleAttention, lm, 0, -1, KindAttnQ, "blk.0.attn_q.weight"}},
	{"model.layers.0.self_attn.q_proj.qzeros", want{RoleQuantAux, lm, 0, -1, KindAttnQ, ""}},
	{"model.layers.0.self_attn.q_proj.scales", want{RoleQuantAux, lm, 0, -1, KindAttnQ, ""}},
	{"model.layers.0.self_attn.q_proj.g_idx", want{RoleQuantAux, lm, 0, -1, KindAttnQ, ""}},
	{"model.layers.0.mlp.down_proj.qweight", want{RoleFFN, lm, 0, -1, KindFFNDown, "blk.0.ffn_down.weight"}},
	{"model.layers.0.mlp.experts.3.gate_proj.qweight", want{RoleExpert, lm, 0, 3, KindFFNGate, "blk.0.ffn_gate_exps.weight"}},
	// GPTQ Marlin.
	{"model.layers.0.self_attn.o_proj.B", want{RoleAttention, lm, 0, -1, KindAttnOut, "blk.0.attn_output.weight"}},
	{"model.layers.0.self_attn.o_proj.s", want{RoleQuantAux, lm, 0, -1, KindAttnOut, ""}},
	// bitsandbytes 4-bit and 8-bit.
	{"model.layers.0.self_attn.k_proj.weight.absmax", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.weight.quant_map", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.weight.nested_absmax", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.weight.nested_quant_map", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.weight.quant_state.bitsandbytes__nf4", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.mlp.up_proj.weight.quant_state.bitsandbytes__fp4", want{RoleQuantAux, lm, 0, -1, KindFFNUp, ""}},
	{"model.layers.0.mlp.up_proj.SCB", want{RoleQuantAux, lm, 0, -1, KindFFNUp, ""}},
	{"model.layers.0.mlp.up_proj.weight_format", want{RoleQuantAux, lm, 0, -1, KindFFNUp, ""}},
	// FP8 and compressed-tensors.
	{"model.layers.0.mlp.gate_proj.weight_scale_inv", want{RoleQuantAux, lm, 0, -1, KindFFNGate, ""}},
	{"model.layers.0.mlp.gate_proj.input_scale", want{RoleQuantAux, lm, 0, -1, KindFFNGate, ""}},
	{"model.layers.0.self_attn.k_proj.weight_packed", want{RoleAttention, lm, 0, -1, KindAttnK, "blk.0.attn_k.weight"}},
	{"model.layers.0.self_attn.k_proj.weight_scale", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.weight_zero_point", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.weight_shape", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.weight_g_idx", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.weight_global_scale", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.input_global_scale", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_proj.weight_scale_2", want{RoleQuantAux, lm, 0, -1, KindAttnK, ""}},
	{"model.layers.0.self_attn.k_scale", want{RoleQuantAux, lm, 0, -1, KindNone, ""}},
	{"model.layers.0.mlp.down_proj.compressed", want{RoleFFN, lm, 0, -1, KindFFNDown, "blk.0.ffn_down.weight"}},
	{"model.layers.0.mlp.down_proj.bitmask", want{RoleQuantAux, lm, 0, -1, KindFFNDown, ""}},

	// PEFT LoRA, DoRA, wrappers and modules_to_save.
	{"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", want{RoleAdapter, lm, 0, -1, KindAttnQ, "blk.0.attn_q.weight.lora_a"}},
	{"base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", want{RoleAdapter, lm, 0, -1, KindAttnQ, "blk.0.attn_q.weight.lora_b"}},
	{"base_model.model.model.layers.0.mlp.down_proj.lora_B.weight", want{RoleAdapter, lm, 0, -1, KindFFNDown, "blk.0.ffn_down.weight.lora_b"}},
	{"base_model.model.model.layers.0.self_attn.v_proj.lora_A.default.weight", want{RoleAdapter, lm, 0, -1, KindAttnV, "blk.0.attn_v.weight.lora_a"}},
	{"base_model.model.model.embed_tokens.lora_embedding_A", want{RoleAdapter, lm, -1, -1, KindTokenEmbd, "token_embd.weight.lora_a"}},
	{"base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", want{RoleAdapter, lm, 0, -1, KindAttnQ, ""}},
	{"base_model.model.model.layers.0.self_attn.q_proj.base_layer.weight", want{RoleAttention, lm, 0, -1, KindAttnQ, "blk.0.attn_q.weight"}},
	{"base_model.model.lm_head.modules_to_save.default.weight", want{RoleHead, lm, -1, -1, KindOutput, "output.weight"}},
	{"base_model.model.lm_head.original_module.weight", want{RoleHead, lm, -1, -1, KindOutput, "output.weight"}},
	{"base_model.model.model.embed_tokens.weight", want{RoleEmbedding, lm, -1, -1, KindTokenEmbd, "token_embd.weight"}},
	// MLX LoRA.
	{"model.layers.30.self_attn.q_proj.lora_a", want{RoleAdapter, lm, 30, -1, KindAttnQ, "blk.30.attn_q.weight.lora_a"}},
	{"model.layers.31.self_attn.v_proj.lora_b", want{RoleAdapter, lm, 31, -1, KindAttnV, "blk.31.attn_v.weight.lora_b"}},
}

func TestQuantizedAndAdapterNames(t *testing.T) { checkRows(t, quantRows) }

// full is every field of a Label, for the names whose Module, Param,
// Packed and Fused3D matter.
func TestFullLabels(t *testing.T) {
	cases := []struct {
		name string
		want Label
	}{
		{"model.layers.0.self_attn.q_proj.qweight", Label{
			Role: RoleAttention, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.self_attn.q_proj", Param: "qweight", Kind: KindAttnQ,
			Canonical: "blk.0.attn_q.weight", Packed: PackQWeight}},
		{"model.layers.0.self_attn.q_proj.qzeros", Label{
			Role: RoleQuantAux, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.self_attn.q_proj", Param: "qzeros", Kind: KindAttnQ}},
		{"model.layers.0.self_attn.o_proj.B", Label{
			Role: RoleAttention, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.self_attn.o_proj", Param: "B", Kind: KindAttnOut,
			Canonical: "blk.0.attn_output.weight", Packed: PackMarlin}},
		{"model.layers.0.self_attn.k_proj.weight.quant_state.bitsandbytes__nf4", Label{
			Role: RoleQuantAux, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.self_attn.k_proj", Param: "weight.quant_state.bitsandbytes__nf4",
			Kind: KindAttnK, Packed: PackBnb4}},
		{"model.layers.0.self_attn.k_proj.weight.absmax", Label{
			Role: RoleQuantAux, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.self_attn.k_proj", Param: "weight.absmax", Kind: KindAttnK, Packed: PackBnb4}},
		{"model.layers.0.self_attn.k_proj.weight_packed", Label{
			Role: RoleAttention, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.self_attn.k_proj", Param: "weight_packed", Kind: KindAttnK,
			Canonical: "blk.0.attn_k.weight", Packed: PackCompressed}},
		{"model.layers.0.mlp.down_proj.compressed", Label{
			Role: RoleFFN, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.mlp.down_proj", Param: "compressed", Kind: KindFFNDown,
			Canonical: "blk.0.ffn_down.weight", Packed: PackSparseBitmask}},
		{"model.layers.0.mlp.experts.gate_up_proj_blocks", Label{
			Role: RoleExpert, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.mlp.experts.gate_up_proj", Param: "blocks", Kind: KindFFNGateUp,
			Fused3D: true, Canonical: "blk.0.ffn_gate_up_exps.weight", Packed: PackMXFP4}},
		{"model.layers.0.mlp.experts.gate_up_proj_scales", Label{
			Role: RoleQuantAux, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.mlp.experts.gate_up_proj", Param: "scales", Kind: KindFFNGateUp, Fused3D: true}},
		{"model.layers.0.mlp.experts.gate_up_proj", Label{
			Role: RoleExpert, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.mlp.experts.gate_up_proj", Param: "weight", Kind: KindFFNGateUp,
			Fused3D: true, Canonical: "blk.0.ffn_gate_up_exps.weight"}},
		{"model.layers.0.mlp.experts.down_proj_bias", Label{
			Role: RoleExpert, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.mlp.experts.down_proj", Param: "bias", Kind: KindFFNDown,
			Fused3D: true, Canonical: "blk.0.ffn_down_exps.bias"}},
		{"blk.0.ffn_gate_exps.weight", Label{
			Role: RoleExpert, Component: lm, Layer: 0, Expert: -1,
			Module: "blk.0.ffn_gate_exps", Param: "weight", Kind: KindFFNGate,
			Fused3D: true, Canonical: "blk.0.ffn_gate_exps.weight"}},
		{"blk.0.ffn_gate.5.weight", Label{
			Role: RoleExpert, Component: lm, Layer: 0, Expert: 5,
			Module: "blk.0.ffn_gate.5", Param: "weight", Kind: KindFFNGate,
			Canonical: "blk.0.ffn_gate_exps.weight"}},
		{"model.layers.3.mlp.experts.7.down_proj.weight", Label{
			Role: RoleExpert, Component: lm, Layer: 3, Expert: 7,
			Module: "layers.3.mlp.experts.7.down_proj", Param: "weight", Kind: KindFFNDown,
			Canonical: "blk.3.ffn_down_exps.weight"}},
		{"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", Label{
			Role: RoleAdapter, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.self_attn.q_proj", Param: "lora_a", Kind: KindAttnQ,
			Canonical: "blk.0.attn_q.weight.lora_a"}},
		{"blk.0.attn_q.weight.lora_b", Label{
			Role: RoleAdapter, Component: lm, Layer: 0, Expert: -1,
			Module: "blk.0.attn_q", Param: "lora_b", Kind: KindAttnQ,
			Canonical: "blk.0.attn_q.weight.lora_b"}},
		{"resampler.attn.in_proj_weight", Label{
			Role: RoleAttention, Component: prj, Layer: -1, Expert: -1,
			Module: "attn.in_proj", Param: "weight", Kind: KindAttnQKV}},
		{"h.0.attn.bias", Label{
			Role: RoleBuffer, Component: lm, Layer: 0, Expert: -1,
			Module: "h.0.attn", Param: "bias"}},
		{"model.layers.0.self_attn.sinks", Label{
			Role: RoleAttention, Component: lm, Layer: 0, Expert: -1,
			Module: "layers.0.self_attn", Param: "sinks", Kind: KindAttnSink,
			Canonical: "blk.0.attn_sinks.weight"}},
		{"v.patch_embd.weight.1", Label{
			Role: RoleEmbedding, Component: vis, Layer: -1, Expert: -1,
			Module: "v.patch_embd", Param: "weight.1", Kind: KindPatchEmbd,
			Canonical: "v.patch_embd.weight.1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, Tensor(c.name))
		})
	}
}
