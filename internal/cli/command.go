package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/tensorcount/tensorcount/report"
)

// An invocation is a subcommand's parsed command line.
type invocation struct {
	fs     *pflag.FlagSet
	out    outputFlags
	opt    report.Options
	stdout io.Writer
	stderr io.Writer
}

// start parses the command line of the named subcommand, which takes
// exactly paths PATHs (or at least one when paths is 0). more registers
// flags of the subcommand's own. When done is true the caller returns
// status: help was shown or the line was wrong.
func start(name string, args []string, paths int, stdout, stderr io.Writer, more func(*pflag.FlagSet)) (inv *invocation, status int, done bool) {
	inv = &invocation{fs: pflag.NewFlagSet(name, pflag.ContinueOnError), stdout: stdout, stderr: stderr}
	inv.out.register(inv.fs)
	if more != nil {
		more(inv.fs)
	}
	if done, st := parse(inv.fs, args, stdout, stderr); done {
		return nil, st, true
	}
	var err error
	if inv.opt, err = inv.out.options(); err != nil {
		return nil, usageError(stderr, err.Error()), true
	}
	switch n := inv.fs.NArg(); {
	case paths == 0 && n == 0:
		return nil, usageError(stderr, "no PATH given"), true
	case paths == 1 && n != 1:
		return nil, usageError(stderr, name+" takes one PATH"), true
	case paths == 2 && n != 2:
		return nil, usageError(stderr, name+" takes two PATHs, A and B"), true
	}
	return inv, ExitOK, false
}

// fail reports an error reading a model.
func (inv *invocation) fail(err error) int {
	fmt.Fprintf(inv.stderr, "tensorcount: %v\n", err)
	return ExitRead
}

// written turns the error of writing the output into an exit status.
func written(err error) int {
	if err != nil {
		return ExitRead
	}
	return ExitOK
}
