// Package count computes what tensorcount reports for one model: tensors,
// elements, learned parameters (packed weights unpacked; buffers,
// quantization bookkeeping and the second copy of a tied weight left
// out), active parameters of a mixture of experts, non-embedding
// parameters, bytes, the breakdowns by role, component, dtype and layer,
// the 12·L·d² comparison term by term, memory and compute costs, and a
// note for everything excluded, unpacked, tied or inferred.
//
// Build reads headers only, except for the few sampled pages that tell a
// tied head stored twice from two weights and the small descriptions of
// packed weights (Options.NoData skips both). Every figure is the sum of
// the per-tensor results in Report.PerTensor, which the other packages
// (audit, diff, report) use instead of classifying again.
package count
