// Command tensorcount counts the real tensors and learned parameters in
// safetensors and GGUF model weight files, reading only their headers.
//
// Run "tensorcount --help" for usage. The work is done by the packages
// model (finding and reading the files) and report (the figures and their
// rendering); this command parses flags, picks the output form and sets the
// exit status.
package main

import (
	"os"

	"github.com/tensorcount/tensorcount/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
