// Package classify turns a tensor name into a Label: the role the tensor
// plays (embedding, attention, routed expert, quantization bookkeeping, …),
// the part of the model it belongs to (language model, vision tower, MTP
// head, …), its block and expert index, and the GGUF-standard name of the
// same tensor so that a Hugging Face checkpoint and a GGUF file can be
// compared tensor by tensor.
//
// Tensor is a pure function of the name. It never sees shapes, dtypes or
// config files, so everything it says is what the name alone supports:
//
//   - Names are matched as whole dot-separated segments, never as
//     substrings. "gate", "gate_proj" and "gate_up_proj" are different
//     segments with different meanings, and the parent segment decides
//     between meanings of the same leaf ("c_proj" under "attn" is the
//     attention output, under "mlp" the FFN down projection).
//   - A name that matches no rule is labelled RoleOther with KindNone. No
//     role is guessed from part of a segment.
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
