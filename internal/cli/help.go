package cli

import (
	"fmt"
	"io"
)

const helpText = `tensorcount counts the real tensors and learned parameters in safetensors and
GGUF weight files, reading only their headers.

Usage:
  tensorcount [flags] PATH...      summary of each model
  tensorcount tensors [flags] PATH one row per tensor

PATH is a .safetensors or .gguf file, a *.safetensors.index.json, a model
directory, a Hugging Face cache entry (models--org--name) or an Ollama blob.
A directory with an index is counted through the index; weight files the
index does not name are listed in a note and not counted.

Flags:
  --json        print JSON (one object; an array when several PATHs are given)
  -h, --help    show this help

Figures:
  tensors       tensor entries in the selected files
  elements      sum of shape products over every stored tensor, as written
                (packed containers counted as stored; GGUF shapes are logical)
  bytes         bytes the tensors occupy on disk: tensor data only, not
                headers and not GGUF alignment padding

Exit status: 0 success, 1 a file could not be read (the message names the
file, byte offset, field, value and limit), 2 usage error.
`

func usage(w io.Writer) { fmt.Fprint(w, helpText) }
