package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/tensorcount/tensorcount/internal/text"
)

// env is what a subcommand writes to and knows of its terminal.
type env struct {
	stdout, stderr io.Writer
}

func newEnv(stdout, stderr io.Writer) *env { return &env{stdout: stdout, stderr: stderr} }

// fail reports an error reading a model and returns exit status 1.
func (e *env) fail(err error) int {
	if status, ok := e.chooseFailure(err); ok {
		return status
	}
	fmt.Fprintf(e.stderr, "tensorcount: %s\n", text.Safe(err.Error()))
	return exitRead
}

// usageError reports a wrong command line and returns exit status 2.
func (e *env) usageError(msg string) int {
	fmt.Fprintf(e.stderr, "tensorcount: %s\nRun 'tensorcount help' for usage.\n", text.Safe(msg))
	return exitUsage
}

// written turns the error of writing the output into an exit status.
func written(err error) int {
	if err != nil {
		return exitRead
	}
	return exitOK
}

// isTerminal reports whether w is a terminal: progress is drawn, colour
// used and the width taken from it only there, so that redirected output
// stays plain. Tests replace it.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is the column count of w when it is a terminal, else 0.
var terminalWidth = func(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
		return cols
	}
	return 0
}
