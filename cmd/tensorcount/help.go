package main

import (
	"fmt"
	"strings"

	"github.com/tensorcount/tensorcount/internal/text"
)

// runHelp prints the overview, or one command's help.
func runHelp(e *env, args []string) int {
	switch len(args) {
	case 0:
		writeOverview(e)
		return exitOK
	case 1:
		if args[0] == "tensorcount" || args[0] == "summary" {
			summaryCommand.writeHelp(e.stdout)
			return exitOK
		}
		if c := lookup(args[0]); c != nil {
			c.writeHelp(e.stdout)
			return exitOK
		}
		msg := fmt.Sprintf("unknown command %q", args[0])
		if s := suggest(args[0]); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return e.usageError(msg)
	}
	return e.usageError("help takes one command name")
}

func writeOverview(e *env) {
	var b strings.Builder
	b.WriteString(`tensorcount counts the real tensors and learned parameters in safetensors,
GGUF and PyTorch weight files, reading only their headers.

Usage:
  tensorcount [flags] PATH...
  tensorcount COMMAND [flags] PATH...

Commands:
`)
	for _, c := range commands {
		name := c.name
		if c == summaryCommand {
			name = "(no command)"
		}
		b.WriteString(text.Wrap(c.summary, 80, fmt.Sprintf("  %-13s ", name), strings.Repeat(" ", 16)))
	}
	b.WriteString(`  help COMMAND  that command's help and flags

Run 'tensorcount help tensorcount' for the summary's flags, and
'tensorcount help COMMAND' (or COMMAND --help) for any other.
`)
	b.WriteString("\n" + strings.TrimLeft(figuresHelp, "\n"))
	b.WriteString("\n" + strings.TrimLeft(exitHelp, "\n"))
	fmt.Fprint(e.stdout, b.String())
}

const figuresHelp = `
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
`

const exitHelp = `
Exit status: 0 success; 1 a file could not be read (the message names the
file, byte offset, field, value and limit); 2 usage error; 3 audit: a claim
does not match; 4 scan: NaN or Inf found; 5 a pickle checkpoint would
import something dangerous when loaded (its tensors are still counted).
diff, as diff(1): 0 the checkpoints do not differ, 1 they differ, 2 trouble.
`
