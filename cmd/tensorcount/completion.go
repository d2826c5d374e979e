package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

var completionCommand = &command{
	name:    "completion",
	usage:   "bash|zsh|fish",
	summary: "print a shell completion script",
	long: `
Prints a completion script for the shell named. Load it with, for example:
  source <(tensorcount completion bash)
  tensorcount completion zsh > "${fpath[1]}/_tensorcount"
  tensorcount completion fish > ~/.config/fish/completions/tensorcount.fish`,
	paths: -1,
	run: func(e *env, inv *invocation) int {
		if len(inv.args) != 1 {
			return e.usageError("completion takes one shell name: bash, zsh or fish")
		}
		switch inv.args[0] {
		case "bash":
			writeBash(e.stdout)
		case "zsh":
			writeZsh(e.stdout)
		case "fish":
			writeFish(e.stdout)
		default:
			return e.usageError(fmt.Sprintf("completion: unknown shell %q (bash, zsh or fish)", inv.args[0]))
		}
		return exitOK
	},
}

// flagNames lists a command's long flags, from its own definitions.
func flagNames(c *command) []string {
	var names []string
	c.flagSet(&flagValues{}).VisitAll(func(f *pflag.Flag) { names = append(names, "--"+f.Name) })
	return names
}

func subcommandNames() []string {
	var names []string
	for _, c := range commands {
		if c != summaryCommand {
			names = append(names, c.name)
		}
	}
	return append(names, "help")
}

func writeBash(w io.Writer) {
	var cases strings.Builder
	for _, c := range commands {
		if c == summaryCommand {
			continue
		}
		fmt.Fprintf(&cases, "    %s) flags=%q ;;\n", c.name, strings.Join(flagNames(c), " "))
	}
	fmt.Fprintf(w, `# bash completion for tensorcount
_tensorcount() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} flags
  if [ "$COMP_CWORD" -eq 1 ] && [[ $cur != -* ]]; then
    COMPREPLY=($(compgen -W %q -- "$cur") $(compgen -f -- "$cur"))
    return
  fi
  case $cmd in
%s    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
    *) flags=%q ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _tensorcount tensorcount
`, strings.Join(subcommandNames(), " "), cases.String(), strings.Join(flagNames(summaryCommand), " "))
}

func writeZsh(w io.Writer) {
	var subs strings.Builder
	for _, c := range commands {
		if c != summaryCommand {
			fmt.Fprintf(&subs, "    '%s:%s'\n", c.name, strings.ReplaceAll(c.summary, "'", ""))
		}
	}
	var cases strings.Builder
	for _, c := range commands {
		if c == summaryCommand {
			continue
		}
		fmt.Fprintf(&cases, "    %s) _arguments %s '*:file:_files' ;;\n", c.name, zshFlags(c))
	}
	fmt.Fprintf(w, `#compdef tensorcount
_tensorcount() {
  local -a subcommands
  subcommands=(
%s  )
  if (( CURRENT == 2 )); then
    _describe 'command' subcommands
    _files
    return
  fi
  case $words[2] in
%s    completion) _values 'shell' bash zsh fish ;;
    *) _arguments %s '*:file:_files' ;;
  esac
}
compdef _tensorcount tensorcount
`, subs.String(), cases.String(), zshFlags(summaryCommand))
}

func zshFlags(c *command) string {
	var parts []string
	c.flagSet(&flagValues{}).VisitAll(func(f *pflag.Flag) {
		usage := strings.NewReplacer("'", "", "[", "(", "]", ")", ":", " ").Replace(f.Usage)
		parts = append(parts, fmt.Sprintf("'--%s[%s]'", f.Name, usage))
	})
	return strings.Join(parts, " ")
}

func writeFish(w io.Writer) {
	var b strings.Builder
	b.WriteString("# fish completion for tensorcount\ncomplete -c tensorcount -f\n")
	subs := strings.Join(subcommandNames(), " ")
	for _, c := range commands {
		if c == summaryCommand {
			continue
		}
		fmt.Fprintf(&b, "complete -c tensorcount -n 'not __fish_seen_subcommand_from %s' -a %s -d '%s'\n",
			subs, c.name, strings.ReplaceAll(c.summary, "'", ""))
	}
	for _, c := range commands {
		cond := "not __fish_seen_subcommand_from " + subs
		if c != summaryCommand {
			cond = "__fish_seen_subcommand_from " + c.name
		}
		c.flagSet(&flagValues{}).VisitAll(func(f *pflag.Flag) {
			fmt.Fprintf(&b, "complete -c tensorcount -n '%s' -l %s -d '%s'\n", cond, f.Name, strings.ReplaceAll(f.Usage, "'", ""))
		})
	}
	b.WriteString("complete -c tensorcount -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n")
	b.WriteString("complete -c tensorcount -F\n")
	fmt.Fprint(w, b.String())
}
