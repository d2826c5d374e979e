// Package diff compares two counted checkpoints from their per-tensor
// results: tensors on one side only, shape and dtype changes, parameters
// by role and how each side ties its embeddings. Tensors are matched by
// name, or across formats by the GGUF name a Hugging Face name maps to,
// so that a safetensors checkpoint and its GGUF conversion line up.
//
// Compare takes two counts. A Checkpoint keeps what a comparison needs of
// one count, a tenth of the memory of the count and its model, so that a
// caller can let one model go before loading the next and compare the
// two checkpoints (CompareCheckpoints). A model that stays loaded anyway,
// the last one, lends its names to its checkpoint (NewCheckpointSharing),
// which then copies none.
//
// A count.Report read back from JSON carries no per-tensor results;
// Compare and NewCheckpoint refuse it rather than diff it wrongly.
package diff
