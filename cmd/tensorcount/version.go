package main

import (
	"fmt"
	"runtime/debug"
)

var versionCommand = &command{
	name:    "version",
	usage:   "",
	summary: "print the version",
	long:    `Prints the module version (and the commit, when built from a checkout).`,
	paths:   -1,
	run: func(e *env, inv *invocation) int {
		if len(inv.args) > 0 {
			return e.usageError("version takes no arguments")
		}
		return runVersion(e, nil)
	},
}

// runVersion prints the version from the build info.
func runVersion(e *env, _ []string) int {
	fmt.Fprintf(e.stdout, "tensorcount %s\n", version())
	return exitOK
}

func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" && v == "(devel)" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " " + rev + modified
	}
	return v + " " + info.GoVersion
}
