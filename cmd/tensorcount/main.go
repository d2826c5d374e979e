// Command tensorcount counts the real tensors and learned parameters in
// model weight files (safetensors and GGUF), reading only their headers.
//
// Run "tensorcount help" for usage. The work is done by the library
// packages — model finds and reads the files, count computes the figures,
// audit judges size claims, diff compares two checkpoints, scan reads
// values and report renders them; this command parses flags, picks the
// output form and sets the exit status.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses.
const (
	exitOK       = 0
	exitRead     = 1 // a file could not be read or is malformed; diff: the checkpoints differ
	exitUsage    = 2 // a usage error; diff: trouble
	exitMismatch = 3 // audit: a claimed size does not match
	exitNaN      = 4 // scan: NaN or Inf values found
)

func main() {
	startGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args (without the program name) and returns
// the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	env := newEnv(stdout, stderr)
	if len(args) > 0 {
		switch first := args[0]; {
		case first == "--version" || first == "-v":
			return runVersion(env, nil)
		case first == "help":
			return runHelp(env, args[1:])
		case !strings.HasPrefix(first, "-"):
			if c := lookup(first); c != nil {
				return c.execute(env, args[1:])
			}
			if s := suggest(first); s != "" && looksLikeCommand(first) {
				return env.usageError(fmt.Sprintf("unknown command %q (did you mean %q?)", first, s))
			}
		}
	}
	return summaryCommand.execute(env, args)
}

// looksLikeCommand reports whether a first word that names no command but
// resembles one is a mistyped command rather than a path: it is a bare
// word (no path separator, dot or URL scheme) and no file of that name
// exists. Any other word is taken as a path, so that a missing model
// directory is reported as missing.
func looksLikeCommand(word string) bool {
	if strings.ContainsAny(word, `/\.:`) {
		return false
	}
	_, err := os.Lstat(word)
	return err != nil
}
