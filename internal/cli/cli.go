// Package cli implements the tensorcount command line: subcommands, flags,
// output forms and exit statuses. It holds no counting logic; everything a
// library user would want lives in the model and report packages.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// Exit statuses.
const (
	ExitOK       = 0
	ExitRead     = 1 // a file could not be read or is malformed
	ExitUsage    = 2
	ExitMismatch = 3 // audit: a claimed size does not match
	ExitNaN      = 4 // scan: NaN or Inf values found
)

// A command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands []command

func init() {
	commands = []command{
		{"tensors", "one row per tensor: name, role, layer, dtype, shape, elements, bytes", runTensors},
		{"layers", "per-layer totals by role", runLayers},
		{"diff", "structural diff of two checkpoints", runDiff},
		{"audit", "claimed size against the measured figures", runAudit},
		{"scan", "read every value: NaN/Inf, all-zero, constant, duplicate tensors, stats", runScan},
	}
}

// Run runs the command line args (without the program name) and returns
// the exit status.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		for _, c := range commands {
			if args[0] == c.name {
				return c.run(args[1:], stdout, stderr)
			}
		}
		if args[0] == "help" {
			usage(stdout)
			return ExitOK
		}
	}
	return runSummary(args, stdout, stderr)
}

// parse parses flags, handling --help and usage errors uniformly. done
// reports that the caller should return status.
func parse(fs *pflag.FlagSet, args []string, stdout, stderr io.Writer) (done bool, status int) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, pflag.ErrHelp):
		usage(stdout)
		return true, ExitOK
	case err != nil:
		fmt.Fprintf(stderr, "tensorcount: %v\nRun 'tensorcount --help' for usage.\n", err)
		return true, ExitUsage
	}
	return false, ExitOK
}

func usageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "tensorcount: %s\nRun 'tensorcount --help' for usage.\n", msg)
	return ExitUsage
}
