package main

import (
	"bytes"
	"fmt"
	"os"
)

// The README's speed section lies between these lines, which speedtable
// keeps.
const (
	readmeBegin = "<!-- speed: written by `cd bench && go run ./cmd/speedtable`; do not edit -->\n"
	readmeEnd   = "<!-- speed: end -->\n"
)

// writeReadme replaces the speed section of the README at path with
// intro and the rows of brief.
func writeReadme(path, intro, brief string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	i := bytes.Index(old, []byte(readmeBegin))
	j := bytes.Index(old, []byte(readmeEnd))
	if i < 0 || j < i {
		return fmt.Errorf("%s: no speed section (the lines %q and %q)", path, readmeBegin, readmeEnd)
	}
	var b bytes.Buffer
	b.Write(old[:i+len(readmeBegin)])
	fmt.Fprintf(&b, "%s\n\n| what | tensorcount / peer |\n| --- | ---: |\n%s", intro, brief)
	b.Write(old[j:])
	return os.WriteFile(path, b.Bytes(), 0o644)
}
