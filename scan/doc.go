// Package scan reads tensor values: it decodes the stored dtypes, computes
// statistics, finds NaN, Inf, zero and constant tensors, and compares
// tensors byte for byte.
//
// Counting parameters needs no tensor data, with one exception: deciding
// whether an embedding and an output head stored separately are in fact
// one tied weight. Compare answers that while reading as little as
// possible: a few sampled pages first, the whole tensors only when every
// sample agrees.
//
// Scan is the other end: it reads every byte of every tensor it can
// decode, once, and reports per tensor the counts of NaN, +Inf, −Inf and
// zeros, and the min, max, mean and standard deviation of the finite
// values in float64, then the Findings a careful engineer checks before
// shipping weights (NaN or Inf, all-zero and constant placeholders,
// byte-identical duplicates, norms never trained).
//
// Scanning runs at close to memory speed. Tensors are cut into chunks
// that every core shares, read through a small per-worker buffer (memory
// stays bounded by workers × buffer, whatever the model's size), and
// folded into Stats that merge exactly (Chan's pairwise update), so the
// result does not depend on the split. How values are folded depends on
// the dtype:
//
//   - types of at most 16 bits (F16, BF16, FP8, 8- and 16-bit integers)
//     are counted, not converted: one counter increment per element, and
//     the statistics come from the histogram of bit patterns (hist.go),
//     except F16 and BF16 on CPUs with AVX2, whose vector kernels sum
//     them as F32 is summed, faster than they can be counted (half.go);
//   - Q8_0 and Q4_0 blocks are summarised with exact integer sums of
//     their quants and squared quants (quant.go);
//   - the rest (F32, F64, 32- and 64-bit integers) are decoded to float64
//     in L1-sized blocks, summed about a shift near the mean, with an
//     exact two-pass fallback (stats.go; F32 without the decoding, on
//     vector kernels where the CPU has them, f32.go).
//
// Supported dtypes are listed by Supported; others are reported with the
// reason they are not scanned.
package scan
