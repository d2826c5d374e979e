package format

import (
	"fmt"
	"strings"
)

// An Error reports input a reader cannot accept. It says where the problem
// is (file and byte offset), which field of the format holds it, the value
// found and the limit or expectation it broke, so that a user can check the
// claim with a hex dump.
type Error struct {
	File   string // path of the file, as given to Open
	Offset int64  // byte offset of the offending field; -1 if not known
	Field  string // the format's name for the field, e.g. "header length"
	Value  any    // the value found, if it is worth printing
	Limit  any    // the bound or expected value it broke, if any
	Msg    string // what is wrong, in a few words
	Err    error  // an underlying error, such as an I/O error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, "byte %d: ", e.Offset)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Value != nil {
		fmt.Fprintf(&b, " (found %s", show(e.Value))
		if e.Limit != nil {
			fmt.Fprintf(&b, ", limit %s", show(e.Limit))
		}
		b.WriteString(")")
	} else if e.Limit != nil {
		fmt.Fprintf(&b, " (limit %s)", show(e.Limit))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// show prints a value for an error message: strings are quoted with
// control characters escaped, so that a hostile name cannot write to the
// terminal, and long strings are cut.
func show(v any) string {
	switch v := v.(type) {
	case string:
		return Quote(v)
	case []byte:
		return Quote(string(v))
	default:
		return fmt.Sprint(v)
	}
}

// maxQuoted bounds how much of a string an error message repeats.
const maxQuoted = 120

// Quote returns s in double quotes with control characters and invalid
// UTF-8 escaped, cut to a readable length. Use it wherever text that came
// from a file is printed.
func Quote(s string) string {
	if len(s) > maxQuoted {
		return fmt.Sprintf("%q…(%d bytes)", s[:maxQuoted], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// WithFile sets the File of err if err is an *Error without one, and returns
// err. Readers built on NewFile do not know a file name; Open fills it in.
func WithFile(err error, name string) error {
	if fe, ok := err.(*Error); ok && fe.File == "" {
		fe.File = name
	}
	return err
}
