// Package report renders what the other packages computed, and computes
// nothing itself: the summary as aligned text (fitted to a line width,
// notes wrapped, long names shortened), Markdown for a model card and the
// documented JSON (schema tensorcount/v1); the audit, the tensor listing
// (tensorcount/tensors/v1), per-layer totals (tensorcount/layers/v1),
// metadata (tensorcount/metadata/v1), scan reports (tensorcount/scan/v1)
// and diffs (tensorcount/diff/v1).
//
// Text taken from files (tensor names, metadata, paths) is escaped before
// it reaches a terminal.
package report
