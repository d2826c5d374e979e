// Package model finds the weight files behind a path a user gives — a
// single file, a model directory, a sharded set with its index, a split
// GGUF set, a Hugging Face cache entry or an Ollama blob — parses their
// headers, and gathers the architecture facts a report needs from
// config.json or GGUF metadata.
//
// A Model is the union of everything the files say: their tensors (as
// format.Tensor values, the same for both formats), the architecture, and
// notes about anything that was chosen, ignored or inferred. Nothing here
// prints; the report package decides what to say.
package model
