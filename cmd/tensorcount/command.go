package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	"github.com/tensorcount/tensorcount/internal/text"
)

// A command is one subcommand: its name, what it takes, the flags that
// apply to it and what it does. Its help is generated from these, so it
// cannot drift from the flags it accepts.
type command struct {
	name    string
	usage   string // the arguments, as in "[flags] PATH"
	summary string // one line for the command list
	long    string // what it does, for "help NAME"
	// paths is how many PATHs it takes: 1 or 2 exactly, 0 for one or
	// more, -1 for none (it checks its arguments itself).
	paths int
	flags func(fs *pflag.FlagSet, f *flagValues)
	run   func(e *env, inv *invocation) int
}

// An invocation is a subcommand's parsed command line.
type invocation struct {
	cmd  *command
	fs   *pflag.FlagSet
	f    flagValues
	args []string
}

// commands lists the subcommands in the order help shows them; the
// summary (no subcommand word) comes first.
var commands []*command

func init() {
	commands = []*command{summaryCommand, tensorsCommand, layersCommand, metadataCommand,
		auditCommand, diffCommand, scanCommand, importsCommand, versionCommand, completionCommand}
}

// lookup finds a subcommand by name; the summary has no name to type.
func lookup(name string) *command {
	for _, c := range commands {
		if c != summaryCommand && c.name == name {
			return c
		}
	}
	return nil
}

// flagSet builds the command's flags.
func (c *command) flagSet(f *flagValues) *pflag.FlagSet {
	fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
	fs.SortFlags = false
	if c.flags != nil {
		c.flags(fs, f)
	}
	if c.paths >= 0 {
		addFollowLinks(fs, f)
	}
	fs.BoolP("help", "h", false, "show this help")
	return fs
}

// execute parses args and runs the command.
func (c *command) execute(e *env, args []string) int {
	inv := &invocation{cmd: c}
	inv.fs = c.flagSet(&inv.f)
	inv.fs.SetOutput(discard{})
	err := inv.fs.Parse(args)
	switch {
	case errors.Is(err, pflag.ErrHelp):
		c.writeHelp(e.stdout)
		return exitOK
	case err != nil:
		return e.usageError(c.prefix() + err.Error())
	}
	if help, _ := inv.fs.GetBool("help"); help {
		c.writeHelp(e.stdout)
		return exitOK
	}
	if err := inv.f.check(inv.fs); err != nil {
		return e.usageError(c.prefix() + err.Error())
	}
	inv.args = inv.fs.Args()
	switch n := len(inv.args); {
	case c.paths == 0 && n == 0:
		return e.usageError("no PATH given")
	case c.paths == 1 && n != 1:
		return e.usageError(c.name + " takes one PATH")
	case c.paths == 2 && n != 2:
		return e.usageError(c.name + " takes two PATHs, A and B")
	}
	return c.run(e, inv)
}

func (c *command) prefix() string {
	if c == summaryCommand {
		return ""
	}
	return c.name + ": "
}

// writeHelp writes the command's help, its flags listed from their own
// definitions.
func (c *command) writeHelp(w interface{ Write([]byte) (int, error) }) {
	var b strings.Builder
	name := "tensorcount"
	if c != summaryCommand {
		name += " " + c.name
	}
	fmt.Fprintf(&b, "Usage: %s %s\n\n%s\n", name, c.usage, strings.TrimSpace(c.long))
	fs := c.flagSet(&flagValues{})
	fmt.Fprintf(&b, "\nFlags:\n%s", flagUsages(fs))
	if c == summaryCommand {
		b.WriteString("\n" + strings.TrimLeft(figuresHelp, "\n"))
	}
	fmt.Fprintf(&b, "\n%s", strings.TrimLeft(exitHelp, "\n"))
	w.Write([]byte(b.String()))
}

// suggest returns the subcommand a mistyped word most likely meant, or "".
func suggest(word string) string {
	best, bestDist := "", 3
	for _, c := range commands {
		if c == summaryCommand {
			continue
		}
		if strings.HasPrefix(c.name, word) || strings.HasPrefix(word, c.name) {
			return c.name
		}
		if d := editDistance(word, c.name); d < bestDist {
			best, bestDist = c.name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short words.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// flagUsages lists a command's flags from their definitions, one
// paragraph each, wrapped to 80 columns: "--ctx N" for a flag that takes
// a value, the default when it is not the zero value.
func flagUsages(fs *pflag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *pflag.Flag) {
		name := "  --" + f.Name
		if f.Shorthand != "" {
			name = "  -" + f.Shorthand + ", --" + f.Name
		}
		if f.Value.Type() != "bool" {
			arg := strings.ToUpper(f.Value.Type())
			if arg == "STRING" {
				arg = "VALUE"
			}
			name += " " + arg
		}
		usage := f.Usage
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		if len(name) <= 24 {
			b.WriteString(text.Wrap(usage, 80, name+strings.Repeat(" ", 26-len(name)), strings.Repeat(" ", 26)))
		} else {
			b.WriteString(name + "\n")
			b.WriteString(text.Wrap(usage, 80, strings.Repeat(" ", 26), strings.Repeat(" ", 26)))
		}
	})
	return b.String()
}
