package cli

import (
	"io"
)

func runTensors(args []string, stdout, stderr io.Writer) int {
	return usageError(stderr, "tensors: not implemented")
}
