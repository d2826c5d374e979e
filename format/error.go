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

// Error returns "FILE: byte N: FIELD: MSG (found V, limit L): ERR", each
// part present only when set. An Error without Msg takes its message from
// Err, so that an operating-system error reads "FILE: no such file or
// directory". The result is passed through Escape: a file name or an
// underlying error cannot carry control characters to the terminal.
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
	msg, err := e.Msg, e.Err
	if msg == "" && err != nil {
		msg, err = err.Error(), nil
	}
	b.WriteString(msg)
	if e.Value != nil {
		fmt.Fprintf(&b, " (found %s", show(e.Value))
		if e.Limit != nil {
			fmt.Fprintf(&b, ", limit %s", show(e.Limit))
		}
		b.WriteString(")")
	} else if e.Limit != nil {
		fmt.Fprintf(&b, " (limit %s)", show(e.Limit))
	}
	if err != nil {
		b.WriteString(": ")
		b.WriteString(err.Error())
	}
	return Escape(b.String())
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

// WithFile sets the File of err if err is an *Error without one, and returns
// err. Readers built on NewFile do not know a file name; Open fills it in.
func WithFile(err error, name string) error {
	if fe, ok := err.(*Error); ok && fe.File == "" {
		fe.File = name
	}
	return err
}
