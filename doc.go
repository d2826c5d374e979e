// Package tensorcount is the module root of a tool and library that
// counts the real tensors and learned parameters in model weight files,
// reading only their headers. It holds no code; the packages are:
//
//   - format: the shared vocabulary — Tensor, DType and the positioned
//     Error every reader returns.
//   - format/safetensors, format/gguf: the readers, modelled on debug/elf:
//     Open, NewFile over an io.ReaderAt, Close.
//   - model: the files behind a path (a file, an index, a directory, a
//     split set, a Hugging Face cache entry) and the architecture facts of
//     config.json, params.json or GGUF metadata.
//   - classify: a tensor name to its role, layer, expert and component.
//   - count: the figures — parameters, ties, MoE active counts, the
//     12·L·d² comparison, costs, notes — and a result for every tensor.
//   - audit: size claims found in names, model cards and metadata, judged
//     against a count.
//   - diff: two counts compared tensor by tensor.
//   - scan: tensor values read once: NaN/Inf, all-zero, constant and
//     duplicate tensors, statistics.
//   - report: rendering only — text, Markdown, JSON.
//   - cmd/tensorcount: the command line: flags, subcommands, exit statuses.
//
// Data flows one way: cmd → report → count | audit | diff → model →
// format/*, with count → classify and count → scan (the tie check).
package tensorcount
