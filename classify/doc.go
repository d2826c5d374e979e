// Package classify turns a tensor name into a Label: the role the tensor
// plays (embedding, attention, routed expert, quantization bookkeeping, …),
// the part of the model it belongs to (language model, vision tower, MTP
// head, …), its block and expert index, and the GGUF-standard name of the
// same tensor so that a Hugging Face checkpoint and a GGUF file can be
// compared tensor by tensor.
//
// Tensor is a pure function of the name. It never sees shapes, dtypes or
// config files, so everything it says is what the name alone supports.
// When the architecture is known, New(arch).Tensor(name) adds what the
// config says (ParseConfig reads it from config.json, ParseAdapterConfig
// from adapter_config.json): each block's type in hybrids, where the same
// module name means attention in one block and a Mamba or linear-attention
// mixer in another (Nemotron-H "mixer", Kimi Linear "self_attn"); the
// blocks at or past num_hidden_layers, which are MTP layers (GLM-4.5);
// Whisper's encoder, which is the audio tower; and an adapter's target
// modules, inside which unknown parameters are a PEFT method's factors.
// TensorShape also reads a shape where names are ambiguous (a Sequential's
// convolution and BatchNorm). New(Arch{}) labels exactly as Tensor does.
//
// Name rules:
//
//   - Names are matched as whole dot-separated segments, never as
//     substrings. "gate", "gate_proj" and "gate_up_proj" are different
//     segments with different meanings, and the parent segment decides
//     between meanings of the same leaf ("c_proj" under "attn" is the
//     attention output, under "mlp" the FFN down projection).
//   - A name that matches no rule is labelled RoleOther with KindNone. No
//     role is guessed from part of a segment, with two conventions that
//     hold across families as exceptions: a module whose name contains
//     "norm" (dt_layernorm, o_norm, pre_fc_norm_hidden, GroupNorm norm_out)
//     or is bnN / ln_N is a norm, and conv, convN, conv_* and *_conv are
//     convolutions (role conv) outside a token mixer (whose conv1d is ssm).
//   - Facts that need more than one name are left to the caller, who sees
//     the whole file. Three matter for counting: whether a DeepSeek-style
//     checkpoint's last block is a multi-token-prediction layer (that needs
//     num_hidden_layers; only MTP-only names such as "enorm" and "eh_proj"
//     get ComponentMTP here), whether a plain ".weight" is bitsandbytes
//     4-bit storage (its sibling "weight.quant_state.bitsandbytes__nf4"
//     says so and carries PackBnb4), and whether two stored tensors are
//     tied.
//
// Hugging Face names and GGUF names are told apart by their first segment
// (GGUF uses "blk", a fixed set of global names, and the "v", "a", "mm",
// "enc" and "dec" prefixes). Known wrapper prefixes ("model.",
// "transformer.", "base_model.model." from PEFT, "language_model.", …) are
// stripped; vision, audio, projector and MTP prefixes set the Component and
// the rest of the name is classified as usual.
//
// Tensor allocates only to build a Canonical name that is not already the
// input (Module is always a substring of the name, Param a substring or a
// constant), so it can be called for every tensor of a half-million-tensor
// checkpoint: about a quarter of a microsecond and at most one small
// allocation per name.
package classify
