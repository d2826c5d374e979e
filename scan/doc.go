// Package scan reads tensor values: it decodes the stored dtypes, computes
// statistics, finds NaN, Inf, zero and constant tensors, and compares
// tensors byte for byte.
//
// Counting parameters needs no tensor data, with one exception: deciding
// whether an embedding and an output head stored separately are in fact
// one tied weight. Compare answers that while reading as little as
// possible: a few sampled pages first, the whole tensors only when every
// sample agrees.
package scan
