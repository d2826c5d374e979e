package cli

import (
	"fmt"
	"io"
)

const helpText = `tensorcount counts the real tensors and learned parameters in safetensors and
GGUF weight files, reading only their headers.

Usage:
  tensorcount [flags] PATH...        summary: totals, roles, dtypes, 12·L·d² check,
                                     costs, architecture, notes
  tensorcount tensors [flags] PATH   one row per tensor (name, role, layer, dtype,
                                     shape, elements, bytes)
  tensorcount layers [flags] PATH    per-layer totals by role
  tensorcount audit [--claim 7B] PATH
                                     every size claim found (names, model card,
                                     GGUF metadata, index) against the measured
                                     figures; exit status 3 on a mismatch
  tensorcount diff [flags] A B       structural diff of two checkpoints, any mix
                                     of formats: tensors on one side only, shape
                                     and dtype changes, role deltas, ties
  tensorcount scan [flags] PATH      read every value: NaN/Inf, all-zero and
                                     constant tensors, duplicates, statistics

PATH is a .safetensors or .gguf file, a *.safetensors.index.json, a model
directory, a split GGUF part, a Hugging Face cache entry (models--org--name)
or an Ollama blob. A directory with an index is counted through the index;
weight files the index does not name are listed in a note and not counted.

Flags:
  --json           print JSON (one object; an array when several PATHs are given)
  --markdown       print the summary as Markdown, for a model card
  --exact          print exact integers in tables instead of 8.03B-style units
  --ctx N          add the KV-cache size for a context of N tokens
  --tokens D       add the training compute 6·N·D for D tokens (2T, 15e12, …)
  --claim SIZE     a claimed size to audit (7B, 0.5B, 135M, 8x7B, 30B-A3B)
  --headers-only   read nothing but headers: skip comparing a stored head with
                   the embedding and reading packed-weight descriptions
  -h, --help       show this help

Figures:
  tensors          tensor entries in the selected files
  elements         sum of shape products over every stored tensor, as written
                   (packed containers counted as stored; GGUF shapes are logical)
  parameters       learned parameters: packed quantized weights unpacked to their
                   real shape; buffers (causal masks, rotary tables, position ids,
                   rope_freqs) and quantization bookkeeping (scales, zero points,
                   g_idx, absmax, …) left out; a tied weight stored twice counted once
  active           per token: parameters − routed experts × (1 − k/E); equal to
                   parameters for dense models
  non-embedding    parameters minus token embedding, position embedding and head
  bytes            bytes the tensors occupy on disk: tensor data only, not headers
                   and not GGUF alignment padding (gguf-parser counts padding)
  bits/parameter   8 × bytes / parameters

The only tensor data a count reads: when a model stores both an embedding and
an output head of the same shape, a few sampled pages of each are compared to
tell a tied weight stored twice from two weights (constant placeholder data
stops the check), and small descriptions of packed weights are read.

Claims: "7B" spans 6.5B–7.5B (precision follows the text: "0.49B" is far
tighter). A claim matches when a measured figure (parameters, the main model
without vision or MTP layers, non-embedding, active, elements as stored) lies
in its range; within ±5% it is close; beyond that a mismatch. "8x7B" and
"E2B" are labels, explained rather than judged.

Scan: tensorcount scan [--json] [--all] [--quiet] [--workers N] PATH reads
every tensor once, in parallel, at close to memory speed, and reports per
tensor NaN, +Inf, −Inf and zero counts, min, max, mean and standard deviation
(over the finite values, in float64), for F64, F32, F16, BF16, F8_E4M3,
F8_E5M2, the integer types and BOOL, and GGUF Q8_0 and Q4_0 dequantised;
other dtypes are listed as not scanned, with the reason. Findings come first:
tensors holding NaN or Inf, all-zero and constant tensors (placeholders),
groups of byte-identical tensors (a tied weight stored twice, duplicated
experts; found by hash, confirmed byte by byte) and norms whose every value is
1 (never trained). The text shows the tensors with findings (--all: every
tensor); --json gives schema tensorcount/scan/v1 with every tensor. A
progress bar is drawn on stderr when it is a terminal; --quiet hides it.
--workers sets the parallelism (default: every core). Exit status 4 when NaN
or Inf was found; other findings do not change the status.

Exit status: 0 success, 1 a file could not be read (the message names the
file, byte offset, field, value and limit), 2 usage error, 3 audit: a claim
does not match, 4 scan: NaN or Inf found.
`

func usage(w io.Writer) { fmt.Fprint(w, helpText) }
