// Package diff compares two counted checkpoints from their per-tensor
// results: tensors on one side only, shape and dtype changes, parameters
// by role and how each side ties its embeddings. Tensors are matched by
// name, or across formats by the GGUF name a Hugging Face name maps to,
// so that a safetensors checkpoint and its GGUF conversion line up.
//
// A count.Report read back from JSON carries no per-tensor results;
// Compare refuses it rather than diff it wrongly.
package diff
