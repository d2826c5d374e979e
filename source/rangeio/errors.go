package rangeio

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/tensorcount/tensorcount/format"
)

// ErrChanged is matched (errors.Is) by the error of a read that found a
// file's version (ETag) different from what earlier reads of it saw: the
// file changed while it was read, and mixing its bytes would give a
// wrong count.
var ErrChanged = errors.New("the file changed while it was read")

// ErrRange is matched by the errors of a server whose range answers are
// wrong: 416, a Content-Range other than the one asked for, a total that
// is not the file's size.
var ErrRange = errors.New("bad range response")

// A StatusError is an HTTP answer that ended a read.
type StatusError struct {
	Name   string // the file, as the caller named it
	Host   string // the host that answered
	Status int
	Msg    string // server-provided text, already escaped and cut
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s: %s answered %d %s", e.Name, e.Host, e.Status, http.StatusText(e.Status))
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// A FileError wraps an error with the file it concerns.
type FileError struct {
	Name string
	Err  error
}

func (e *FileError) Error() string { return e.Name + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// MaxServerText bounds how much server-provided text an error repeats.
const MaxServerText = 200

// Escape makes server-provided text safe to print: escaped by
// format.Escape's rule, cut to MaxServerText bytes.
func Escape(s string) string {
	if len(s) <= MaxServerText {
		return format.Escape(s)
	}
	n := MaxServerText
	for n > MaxServerText-utf8.UTFMax && !utf8.RuneStart(s[n]) {
		n--
	}
	return format.Escape(s[:n]) + "…"
}
