// Package format holds the vocabulary shared by the weight-file readers:
// a Tensor as it sits in a file, the DType that says how its elements are
// stored, and the Error every reader returns for bad input.
//
// The readers themselves live in the subpackages safetensors and gguf. They
// translate each file's own description of a tensor into a Tensor, so that
// everything above them (model loading, classification, reports) never
// needs to know which format a tensor came from.
package format
